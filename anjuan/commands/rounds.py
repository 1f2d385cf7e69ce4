"""anjuan selfcheck / anjuan recheck: the 自查 and 复查 rounds of a campaign."""

from __future__ import annotations

import json

import click

from ..cli import cli, console
from .rectify import _campaign


@cli.group()
def selfcheck():
    """自查：为执法机关生成自查数据库，导入其自查结果，查看自查与抽查的偏差。

    \b
    流程：anjuan selfcheck new → 执法机关自行抽取（不少于 30%）、分配、评查
          → anjuan selfcheck import（自查数据库或自查结果表）→ anjuan selfcheck show
    """


@selfcheck.command("new")
@click.argument("campaign_db", metavar="CAMPAIGN.db")
@click.option("--agency", required=True, help="执法机关名称（与案卷目录中一致）。")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False), help="生成的自查数据库，如 市场监管局自查.db。")
def selfcheck_new(campaign_db, agency, output):
    """为一个执法机关生成自查数据库：含该机关全部案卷目录和评查标准，不含评查人员。

    执法机关在自查数据库中添加本单位人员（本单位人员评查本单位案卷，不适用回避），用 anjuan sample 抽取不少于
    规定比例的案卷，再 assign、review（或 pack/merge）、conflicts，完成后把数据库报回。

    \b
    示例：anjuan selfcheck new 2024评查.db --agency 县市场监督管理局 -o 市场监管局自查.db
    """
    from anjuan.rounds.rounddb import new_round_database
    from anjuan.rounds.selfcheck import selfcheck_ratio

    from ..models import ROUND_SELF

    db = _campaign(campaign_db)
    try:
        ratio = selfcheck_ratio(db)
        out = new_round_database(db, output, ROUND_SELF, agency=agency)
        out.close()
    finally:
        db.close()
    c = console()
    c.print(f"已生成 {agency} 的自查数据库：{output}")
    c.print("执法机关接下来：", markup=False)
    for line in (f"anjuan reviewer add {output} 姓名", f"anjuan sample {output} --ratio {ratio:g} --seed 种子",
                 f"anjuan assign {output} --seed 种子", f"anjuan review {output} --reviewer 姓名"):
        c.print(f"  {line}", markup=False)


@selfcheck.command("import")
@click.argument("campaign_db", metavar="CAMPAIGN.db")
@click.argument("source", metavar="自查.db|自查结果.xlsx")
@click.option("--agency", help="自查结果表所属的执法机关（导入自查结果表时必填）。")
def selfcheck_import(campaign_db, source, agency):
    """导入执法机关的自查结果：自查数据库（导入已定稿的案卷），或自查结果表（列同 anjuan answers export；
    表中未列出的条目视为符合）。同一机关再次导入时替换原结果；有任何错误则全部不导入。

    \b
    示例：anjuan selfcheck import 2024评查.db 市场监管局自查.db
          anjuan selfcheck import 2024评查.db 交通局自查结果.xlsx --agency 县交通运输局
    """
    from pathlib import Path

    from anjuan.rounds.rounddb import import_round_database
    from anjuan.rounds.selfcheck import import_selfcheck_sheet

    from ..errors import AnjuanError
    from ..models import ROUND_SELF

    path = Path(source)
    db = _campaign(campaign_db)
    try:
        if path.suffix.lower() in (".xlsx", ".xlsm", ".xls", ".csv", ".txt", ".ods"):
            if not agency:
                raise AnjuanError("导入自查结果表须用 --agency 指明所属执法机关")
            res = import_selfcheck_sheet(db, agency, path)
            msg = f"已导入 {res.agency} 的自查结果表：{res.files} 卷、{res.rows} 行。"
        else:
            res = import_round_database(db, path)
            if res.kind != ROUND_SELF:
                raise AnjuanError(f"{path.name} 是复查数据库，请用 anjuan recheck import 导入")
            msg = f"已导入{res.round_name}：{res.imported} 卷已定稿的案卷。"
            if res.open_files:
                msg += f"另有 {len(res.open_files)} 卷尚未定稿（未完成或待合议），未导入：{'、'.join(res.open_files[:10])}"
    finally:
        db.close()
    console().print(msg, markup=False)


@selfcheck.command("show")
@click.argument("campaign_db", metavar="CAMPAIGN.db")
@click.option("--ratio", type=float, default=None, help="自查比例要求（如 0.3）；给出时记入评查活动，以后默认使用。")
@click.option("--lenient-gap", type=float, default=5.0, show_default=True,
              help="自查平均分比抽查高出多少分即认定为“自查偏宽”（按双方都评查的案卷计）。")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出。")
def selfcheck_show(campaign_db, ratio, lenient_gap, as_json):
    """查看各执法机关自查情况：自查卷数与比例要求、自查平均分，以及自查与抽查的偏差。"""
    from dataclasses import asdict

    from anjuan.rounds.selfcheck import selfcheck_summary, set_selfcheck_ratio

    db = _campaign(campaign_db)
    try:
        if ratio is not None:
            set_selfcheck_ratio(db, ratio)
        summary = selfcheck_summary(db, None, lenient_gap)
    finally:
        db.close()
    if as_json:
        click.echo(json.dumps(asdict(summary) if summary else None, ensure_ascii=False, indent=2))
        return
    out = console()
    if summary is None:
        out.print("还没有导入任何自查结果（anjuan selfcheck import）。")
        return
    print_selfcheck(out, summary, details=True)


def print_selfcheck(out, summary, details: bool = False) -> None:
    from rich.table import Table

    def sc(x):
        return "—" if x is None else f"{x:.2f}"

    t = Table(title=f"自查情况（自查比例要求 {summary.ratio:.0%}）", title_justify="left",
              caption=f"偏差 = 自查得分 − 抽查得分，按双方都评查的案卷计；平均高出 {summary.lenient_gap:g} 分及以上认定为自查偏宽。",
              caption_justify="left")
    for col in ("执法机关", "案卷数", "应自查", "已自查", "达标", "自查均分", "共同案卷", "偏差", "等次不同", "自查漏查问题", "评价"):
        t.add_column(col, justify="left" if col in ("执法机关", "评价") else "right")
    for a in summary.agencies:
        t.add_row(a.agency, str(a.catalog), str(a.required), str(a.checked), "是" if a.meets else "否", sc(a.self_mean),
                  str(a.both), "—" if a.mean_diff is None else f"{a.mean_diff:+.2f}",
                  f"{a.grade_diffs}（偏高 {a.graded_higher}）" if a.both else "—", str(len(a.missed)) if a.both else "—",
                  "自查偏宽" if a.lenient else "")
    out.print(t)
    if details:
        for a in summary.agencies:
            if a.missed:
                out.print(f"{a.agency} 自查未发现、抽查发现的问题：", markup=False)
                for p in a.missed:
                    out.print(f"  {p.case_no} {p.item_id} {p.item_text}：{p.note or '—'}", markup=False)


@cli.group()
def recheck():
    """复查：选定复查案卷并生成复查数据库，导入复查结果，与抽查结果逐项对比。

    \b
    流程：anjuan recheck new → assign、pack、merge、conflicts（与抽查相同）
          → anjuan recheck import → anjuan recheck show
    """


@recheck.command("new")
@click.argument("campaign_db", metavar="CAMPAIGN.db")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False), help="生成的复查数据库，如 复查.db。")
@click.option("--no-failed", is_flag=True, help="不自动选入抽查不合格的案卷。")
@click.option("--no-veto", is_flag=True, help="不自动选入有否决项的案卷。")
@click.option("--rectified", type=float, default=0.0, show_default=True,
              help="从整改台账中问题均已整改（或不予整改）的案卷中，按执法机关抽取的比例，如 0.3。")
@click.option("--seed", default="", help="抽取已整改案卷的随机种子（与 anjuan sample 的算法相同）。")
@click.option("--case", "named", multiple=True, metavar="案号", help="另外指定复查的案卷（可重复使用）。")
@click.option("--dry-run", is_flag=True, help="只列出将要复查的案卷，不生成数据库。")
def recheck_new(campaign_db, output, no_failed, no_veto, rectified, seed, named, dry_run):
    """选定复查案卷（默认：抽查不合格的和有否决项的），生成复查数据库（含评查人员，案卷已全部选入）。

    在复查数据库中像抽查一样分配、打包、评查、合并、合议，完成后用 anjuan recheck import 导入。

    \b
    示例：anjuan recheck new 2024评查.db -o 复查.db --rectified 0.3 --seed 20250415
    """
    from anjuan.rounds.recheck import new_recheck, select_recheck

    db = _campaign(campaign_db)
    try:
        sel = select_recheck(db, not no_failed, not no_veto, rectified, seed, list(named))
        if not dry_run:
            params = {"不合格": not no_failed, "否决": not no_veto, "已整改抽取比例": rectified, "指定": list(named)}
            new_recheck(db, output, sel, params, seed).close()
    finally:
        db.close()
    from rich.table import Table

    t = Table(title=f"复查案卷（{len(sel.chosen)} 卷）", title_justify="left")
    t.add_column("案号")
    t.add_column("选入原因")
    for cid in sorted(sel.chosen, key=lambda c: sel.case_nos.get(c, "")):
        t.add_row(sel.case_nos.get(cid, ""), sel.reasons(cid))
    out = console()
    out.print(t)
    if rectified:
        out.print(f"已整改的案卷共 {sel.rectified_pool} 卷，按 {rectified:g} 的比例抽取。")
    if not dry_run:
        out.print(f"已生成复查数据库：{output}。接下来：anjuan assign {output} --seed 种子，然后像抽查一样评查、合并、合议。", markup=False)


@recheck.command("import")
@click.argument("campaign_db", metavar="CAMPAIGN.db")
@click.argument("source", metavar="复查.db")
def recheck_import(campaign_db, source):
    """导入复查数据库中已定稿的复查结果（再次导入时替换原结果）。"""
    from anjuan.rounds.rounddb import import_round_database

    from ..errors import AnjuanError
    from ..models import ROUND_RECHECK

    db = _campaign(campaign_db)
    try:
        res = import_round_database(db, source)
        if res.kind != ROUND_RECHECK:
            raise AnjuanError(f"{source} 是自查数据库，请用 anjuan selfcheck import 导入")
    finally:
        db.close()
    msg = f"已导入复查结果：{res.imported} 卷。"
    if res.open_files:
        msg += f"另有 {len(res.open_files)} 卷尚未定稿，未导入：{'、'.join(res.open_files[:10])}"
    console().print(msg, markup=False)


@recheck.command("show")
@click.argument("campaign_db", metavar="CAMPAIGN.db")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出。")
def recheck_show(campaign_db, as_json):
    """复查结果与抽查结果逐项对比：已整改、仍存在、新发现的问题，得分和等次的变化。"""
    from dataclasses import asdict

    from anjuan.rounds.recheck import recheck_comparison

    db = _campaign(campaign_db)
    try:
        files = recheck_comparison(db)
    finally:
        db.close()
    if as_json:
        click.echo(json.dumps([asdict(f) for f in files], ensure_ascii=False, indent=2))
        return
    out = console()
    if not files:
        out.print("还没有导入复查结果（anjuan recheck import）。")
        return
    from rich.table import Table

    t = Table(title="复查对比", title_justify="left")
    for col in ("执法机关", "案号", "抽查得分", "抽查等次", "复查得分", "复查等次", "已整改", "仍存在", "新发现"):
        t.add_column(col, justify="left" if col in ("执法机关", "案号") else "right")
    for f in files:
        t.add_row(f.agency, f.case_no, "—" if f.spot_score is None else f"{f.spot_score:.2f}", f.spot_grade or "—",
                  f"{f.score:.2f}", f.grade, str(f.fixed), str(f.still), str(f.new))
    out.print(t)
    for f in files:
        for i in f.items:
            if i.change != "已整改":
                out.print(f"  {f.case_no} {i.item_id} {i.item_text}：{i.change}（{i.after or i.before}）", markup=False)


def rectification_report(campaign_db, outdir, formats, public, organiser, templates_dir=None) -> None:
    """anjuan report --rectification: the 整改情况通报."""
    from pathlib import Path

    from anjuan.rectify.report import load_rectification
    from reports.rectification import FORMATS, build

    from ..errors import AnjuanError

    wanted = [f.strip().lower() for f in formats.split(",") if f.strip()]
    bad = [f for f in wanted if f not in FORMATS]
    if bad or not wanted:
        raise AnjuanError(f"格式“{'、'.join(bad) or formats}”不支持，可选 {'、'.join(FORMATS)}")
    if templates_dir and not Path(templates_dir).is_dir():
        raise AnjuanError(f"模板目录 {templates_dir} 不存在或不是目录")
    db = _campaign(campaign_db)
    try:
        data = load_rectification(db, public=public, organiser=organiser)
    finally:
        db.close()
    if not data.agencies:
        raise AnjuanError("还没有整改台账和复查结果，无法出具整改情况通报；请先 anjuan ledger export 下发整改台账")
    from reports.errors import ReportError

    try:
        written = build(data, outdir, wanted, templates_dir)
    except ReportError as exc:
        raise AnjuanError(str(exc)) from None
    except OSError as exc:
        raise AnjuanError(f"无法写入 {outdir}（{exc.strerror or exc}），请检查目录是否可写") from None
    out = console()
    out.print(f"已生成整改情况通报 {len(written)} 个文件，保存在 {Path(outdir)}（{'公开版' if public else '内部版'}）。")
    total = sum(a.problems for a in data.agencies)
    done = sum(a.done for a in data.agencies)
    out.print(f"问题 {total} 个，已整改 {done} 个，逾期 {len(data.overdue)} 个；复查 {len(data.recheck)} 卷。", markup=False)
