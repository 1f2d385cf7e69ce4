"""anjuan answers export / import: answers as CSV or Excel sheets (bulk entry, migration, tests)."""

from __future__ import annotations

import click

from ..cli import cli, console

MAX_LISTED = 20


@cli.group()
def answers():
    """以表格导出、导入评查结论（批量录入、从其他评查工具迁移）。

    \b
    表格每行一个已评条目，列为：案号、执法机关、条目编号、结论、扣分、问题描述、卷内页码
    （导出时另附 条目内容、评查人员、状态 三列供查看，导入时可以没有）。
    """


@answers.command("export")
@click.argument("db_file", metavar="FILE.db")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False),
              help="导出文件：.csv（UTF-8，Excel 可直接打开）或 .xlsx。")
@click.option("--reviewer", "reviewer_name", help="只导出这位评查人员的评查结论。")
@click.option("--template", is_flag=True, help="生成录入模板：该评查人员每卷每个适用条目一行，未评的“结论”留空，填好后用 answers import 导入。")
def export_cmd(db_file, output, reviewer_name, template):
    """导出评查结论。

    \b
    不指定 --reviewer 时：评查人员数据包导出其本人的结论；评查活动数据库导出
    全部评查人员的原始评查结论（含“评查人员”列）。已存在的同名文件将被覆盖。
    示例：anjuan answers export 王敏.db -o 王敏评查结论.xlsx
          anjuan answers export 2024评查.db -o 全部评查结论.csv
          anjuan answers export 王敏.db -o 王敏录入模板.xlsx --template
    """
    from anjuan.review.answers_io import export_answers

    from ..db import open_database
    from ..identity import acting_reviewer_name, own_data_note

    db = open_database(db_file, read_only=True)
    try:
        reviewer_name = acting_reviewer_name(db, reviewer_name)
        note = own_data_note(db)
        rep = export_answers(db, output, reviewer_name, template)
    finally:
        db.close()
    if note:
        console().print(note, markup=False)
    who = "、".join(rep.reviewers) if rep.reviewers else "—"
    if template:
        console().print(f"已生成录入模板 {rep.path}：{rep.files} 卷，共 {rep.rows} 个条目（评查人员：{who}）。"
                        "填写“结论”等列后用 anjuan answers import 导入；未填的行不导入。", markup=False)
        return
    console().print(f"已导出 {rep.rows} 条评查结论（{rep.files} 份评查，评查人员：{who}）到 {rep.path}", markup=False)


@answers.command("import")
@click.argument("db_file", metavar="FILE.db")
@click.argument("sheet", metavar="answers.csv|answers.xlsx")
@click.option("--reviewer", "reviewer_name", help="以哪位评查人员的身份导入（须是分配给他的案卷；用服务器登录账号时可省略）。")
@click.option("--submit", is_flag=True,
              help="导入后提交所有条目均已评完的案卷；仍有未评条目的案卷保持“评查中”并列出。")
def import_cmd(db_file, sheet, reviewer_name, submit):
    """导入评查结论（先全部校验，有任何错误则一条也不导入）。

    \b
    结论填 符合/扣分/不适用/否决；结论为“扣分”时须填扣分分值，
    其余结论扣分可留空。CSV 可为 UTF-8 或 GBK 编码。
    与数据库中相同的行不重复写入；已提交的案卷不能通过导入修改。
    示例：anjuan answers import 2024评查.db 王敏评查结论.xlsx --reviewer 王敏 --submit
    """
    from anjuan.review.answers_io import import_answers

    from ..db import open_database
    from ..errors import WorkflowError
    from ..identity import acting_reviewer_name

    db = open_database(db_file)
    try:
        reviewer_name = acting_reviewer_name(db, reviewer_name)
        if not reviewer_name:
            raise WorkflowError("请用 --reviewer 指定以哪位评查人员的身份导入")
        rep = import_answers(db, sheet, reviewer_name, submit=submit)
    finally:
        db.close()
    out = console()
    out.print(f"已导入 {rep.file}（评查人员：{rep.reviewer}）：{rep.rows} 行，涉及 {rep.files} 件案卷；"
              f"写入 {rep.answers_written} 条评查结论"
              + (f"，{rep.unchanged} 条与数据库中一致，未重复写入" if rep.unchanged else "")
              + (f"；新建评查记录 {rep.reviews_created} 份" if rep.reviews_created else "") + "。", markup=False)
    if not submit:
        return
    if rep.submitted:
        out.print(f"已提交 {len(rep.submitted)} 件案卷：{_listed(rep.submitted)}", markup=False)
    if rep.already_submitted:
        out.print(f"此前已提交 {len(rep.already_submitted)} 件，未作改动：{_listed(rep.already_submitted)}", markup=False)
    if rep.incomplete:
        out.print(f"以下 {len(rep.incomplete)} 件案卷仍有未评条目，未提交（保持“评查中”），请补评后再提交：",
                  style="yellow", markup=False)
        for label, missing in rep.incomplete[:MAX_LISTED]:
            items = "、".join(missing[:8]) + ("等" if len(missing) > 8 else "")
            out.print(f"  - {label}：缺 {len(missing)} 个条目（{items}）", markup=False)
        if len(rep.incomplete) > MAX_LISTED:
            out.print(f"  - 另有 {len(rep.incomplete) - MAX_LISTED} 件未列出", markup=False)


def _listed(labels: list[str]) -> str:
    head = "、".join(labels[:MAX_LISTED])
    return head + (f" 等（共 {len(labels)} 件）" if len(labels) > MAX_LISTED else "")
