"""anjuan import: read case catalogs (案卷目录) into a campaign database."""

from __future__ import annotations

import click

from ..cli import cli, console


class _LazyProgress:
    """A rich progress bar that only appears once a file turns out to be large (the importer
    reports progress every few thousand rows), and only on a terminal."""

    def __init__(self, enabled: bool):
        self.enabled = enabled
        self.bar = None
        self.tasks: dict[str, int] = {}

    def __call__(self, what: str, done: int, total: int) -> None:
        if not self.enabled:
            return
        if self.bar is None:
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                TextColumn,
                TimeElapsedColumn,
            )

            self.bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                                TimeElapsedColumn(), console=console(), transient=True)
            self.bar.start()
        task = self.tasks.get(what)
        if task is None:
            label = what if what == "写入数据库" else f"读取 {what}"
            task = self.tasks[what] = self.bar.add_task(label, total=total)
        self.bar.update(task, completed=done, total=total)

    def stop(self) -> None:
        if self.bar is not None:
            self.bar.stop()


@cli.command("import")
@click.argument("campaign_db", metavar="CAMPAIGN.db")
@click.argument("files", nargs=-1, required=True, metavar="FILE...")
@click.option("--agency", help="执法机关名称：文件中没有“执法机关”列时用它，有该列时用它填补空白单元格。")
@click.option("--dry-run", is_flag=True, help="只检查并显示将要导入的内容，不写入数据库。")
def import_catalog(campaign_db, files, agency, dry_run):
    """导入案卷目录（Excel .xlsx/.xls 或 CSV），可一次导入多个文件。

    \b
    自动识别表头（可在标题行下方）和以下列名：
      案号（案卷号、文号、决定书文号、处罚决定书文号、案件编号等）  必需
      执法机关（执法单位、执法主体、实施机关、单位名称、执法部门等）  必需，或用 --agency 指定
      案件名称（案由）、当事人（行政相对人、申请人）、案件类别（类别、执法类别）、
      决定日期（处罚决定日期、结案日期）、承办人（承办人员、执法人员、办案人员）
    其他列原样保存并在结果中列出。未填案件类别的，按案号中的“罚、许、强、检”字或目录标题推定。
    CSV 可以是 UTF-8 或 GBK/GB18030 编码。
    任何一个文件有错误时，所有文件都不导入，并逐条列出错误所在的文件、行、列。

    \b
    示例：anjuan import 2024评查.db 市场监管局.xlsx 交通运输局.csv
          anjuan import 2024评查.db 目录.csv --agency "安溪县市场监督管理局" --dry-run
    """
    import sys

    from anjuan.prepare.catalog_import import error_details, import_catalogs

    from ..db import ROLE_CAMPAIGN, database_role, open_database, shown
    from ..errors import InputError, WorkflowError
    from ..identity import require_lead

    db = open_database(campaign_db)
    progress = _LazyProgress(sys.stdout.isatty())
    try:
        require_lead(db, "导入案卷目录")
        if database_role(db) != ROLE_CAMPAIGN:
            raise WorkflowError(f"{db.label} 是评查人员的评查包，不是评查活动数据库，不能导入案卷目录")
        try:
            report = import_catalogs(db, files, agency=agency, dry_run=dry_run, progress=progress)
        finally:
            progress.stop()
    finally:
        db.close()

    out = console()
    _print_report(out, report)
    if report.errors:
        raise InputError(
            f"案卷目录有 {len(report.errors)} 处错误（涉及 {len({e.file for e in report.errors})} 个文件），"
            "以上为试导入结果，请修改后再正式导入：",
            error_details(report.errors))
    if dry_run:
        out.print("检查通过，未写入数据库。去掉 --dry-run 重新运行即可正式导入。")
    else:
        out.print(f"下一步：anjuan sample {shown(campaign_db)} 抽取案卷")


def _print_report(out, report) -> None:
    from rich.markup import escape
    from rich.table import Table

    title = "试导入结果（未写入数据库）" if report.dry_run else "导入结果"
    bad = {}
    for e in report.errors:
        bad[e.file] = bad.get(e.file, 0) + 1
    if bad:
        title = "检查结果（有错误，未写入数据库；下表只统计无误的文件）"
    table = Table(title=title, title_justify="left")
    table.add_column("序号", justify="right")
    table.add_column("执法机关")
    table.add_column("案卷数", justify="right")
    table.add_column("备注")
    for n, a in enumerate(sorted(report.agencies, key=lambda a: (-a.rows, a.name)), 1):
        table.add_row(str(n), escape(a.name), f"{a.rows:,}", "新增执法机关" if a.new else "")
    table.add_section()
    table.add_row("", "合计", f"{report.total_rows:,}", f"新增执法机关 {report.new_agencies} 个" if report.new_agencies else "")
    if report.agencies:
        out.print(table)
    for f in report.files:
        notes = []
        if f.encoding:
            notes.append({"utf-8": "UTF-8", "utf-8-sig": "UTF-8", "gb18030": "GBK/GB18030"}.get(f.encoding, f.encoding) + " 编码")
        if f.blank_rows:
            notes.append(f"跳过无案号的空行或表尾 {f.blank_rows} 行")
        if f.inferred_kinds:
            notes.append(f"{f.inferred_kinds} 条未填案件类别，已按案号或标题推定")
        if f.file_name in bad:
            out.print(f"  {f.file_name}：有 {bad[f.file_name]} 处错误，见下方", markup=False)
            continue
        out.print(f"  {f.file_name}：{f.rows:,} 条" + (f"（{'，'.join(notes)}）" if notes else ""), markup=False)
        if f.extra_columns:
            out.print(f"    以下列不是标准列名，内容已原样保存：{'、'.join(f.extra_columns)}", markup=False)
        if f.case_nos_normalised:
            shown = "；".join(f"第{row}行“{before!r}”→“{after}”" if not before.isprintable() else
                             f"第{row}行“{before}”→“{after}”" for row, before, after in f.case_no_examples)
            more = " 等" if f.case_nos_normalised > len(f.case_no_examples) else ""
            out.print(f"    {f.case_nos_normalised} 个案号已统一写法（去掉不可见字符，年份括号统一为〔〕）：{shown}{more}",
                      markup=False)
        if f.missing_kinds:
            out.print(f"    [yellow]注意：{f.missing_kinds} 条案卷没有案件类别，评查时将列出全部条目（不涉及的须逐项标为不适用）；"
                      "请在目录中增加“案件类别”列（行政处罚/行政许可/行政强制/行政检查）后导入[/]")
    if bad:
        return
    verb = "可导入" if report.dry_run else "已导入"
    out.print(f"{verb} {len(report.files)} 个文件，共 {report.total_rows:,} 条案卷，"
              f"涉及 {len(report.agencies)} 个执法机关。")
