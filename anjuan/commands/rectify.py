"""anjuan ledger: the 整改台账 (problems out to agencies, ledgers back, overdue list)."""

from __future__ import annotations

import json

import click

from ..cli import cli, console
from ..localtime import parse_day


def _campaign(target: str):
    from ..db import ROLE_CAMPAIGN, database_role, open_database
    from ..errors import AnjuanError

    db = open_database(target)
    if database_role(db) != ROLE_CAMPAIGN:
        db.close()
        raise AnjuanError(f"{target} 是评查人员的数据包，不是评查活动数据库；整改台账只能在评查活动数据库中管理")
    kind = db.meta("round_kind")
    if kind:
        db.close()
        what = "自查" if kind == "self" else "复查"
        raise AnjuanError(f"{target} 是{what}数据库，不是评查活动数据库；自查、整改台账和复查都在评查活动数据库中管理"
                          f"（{what}数据库用 anjuan {'selfcheck' if kind == 'self' else 'recheck'} import 导入评查活动）")
    return db


@cli.group()
def ledger():
    """整改台账：按执法机关生成、下发，导入报回的台账，查看整改进度和逾期问题。

    \b
    流程：anjuan ledger export → 执法机关填写 → anjuan ledger import → anjuan ledger list --overdue
    """


@ledger.command("export")
@click.argument("campaign_db", metavar="CAMPAIGN.db")
@click.option("-o", "--output", "outdir", required=True, type=click.Path(file_okay=False), help="输出目录（不存在时自动创建）。")
@click.option("--deadline", metavar="YYYY-MM-DD", help="整改期限（首次生成时必填；已登记的问题保留原期限）。")
@click.option("--agency", "agencies", multiple=True, help="只导出这些执法机关的台账（可重复使用）。")
@click.option("--format", "formats", default="xlsx,docx", show_default=True, metavar="LIST", help="输出格式：xlsx、docx，逗号分隔。")
@click.option("--no-selfcheck", is_flag=True, help="不把自查发现的问题列入台账（默认列入，抽查已发现的同一问题不重复）。")
@click.option("--force", is_flag=True, help="输出目录中已有台账文件时覆盖（已有文件可能是手工改过的台账）。")
def ledger_export(campaign_db, outdir, deadline, agencies, formats, no_selfcheck, force):
    """按执法机关生成整改台账（Excel 供填写报回，Word 随文下发），每个问题一行、有固定的问题编号。

    问题取自抽查的最终评查结果（以及自查结果），与评查结果通报一致。再次导出时已登记的问题保留编号、期限和整改状态，
    新定稿案卷的问题追加登记。

    \b
    示例：anjuan ledger export 2024评查.db -o 整改台账 --deadline 2025-03-31
    """
    from anjuan.rectify.ledger import create_ledger, export_ledgers, ledger_count, local_today

    from ..errors import AnjuanError

    wanted = [f.strip().lower() for f in formats.split(",") if f.strip()]
    bad = [f for f in wanted if f not in ("xlsx", "docx")]
    if bad or not wanted:
        raise AnjuanError(f"格式“{'、'.join(bad) or formats}”不支持，整改台账可输出 xlsx、docx")
    due = parse_day(deadline, "整改期限")
    from pathlib import Path

    from ..faults import refuse_filled_folder

    out_path = Path(outdir)
    refuse_filled_folder(out_path, (".docx", ".xlsx"), force)
    db = _campaign(campaign_db)
    try:
        today = local_today()
        if due is None and not ledger_count(db):
            raise AnjuanError("首次生成整改台账须用 --deadline 指定整改期限，例如 --deadline 2025-03-31")
        made = create_ledger(db, due, include_selfcheck=not no_selfcheck) if due else None
        if due is None:  # only re-export what is registered; new problems need a deadline
            from anjuan.rectify.ledger import ledger_entries

            kept = len(ledger_entries(db))
        written = export_ledgers(db, outdir, tuple(wanted), today, list(agencies) or None)
    finally:
        db.close()
    out = console()
    if made is not None:
        out.print(f"新登记问题 {made.created} 个，原已登记 {made.kept} 个。")
        if due < today:
            out.print(f"[yellow]注意：[/]整改期限 {due.isoformat()} 早于今天，新登记的问题即为逾期。")
        if made.stale:
            shown = "、".join(made.stale[:20]) + (f" 等 {len(made.stale)} 个" if len(made.stale) > 20 else "")
            out.print(f"[yellow]注意：[/]问题 {shown} 在现在的最终评查结果中已不存在（合议或重新导入自查改变了结论），"
                      "台账中保留原记录；如确无需整改，可由执法机关在报回时标为“不予整改”并说明理由。")
    else:
        out.print(f"未指定 --deadline：按已登记的 {kept} 个问题导出，不登记新问题。")
    out.print(f"已生成 {len(written)} 个文件，保存在 {outdir}。")
    if not written:
        out.print("没有需要整改的问题（抽查尚无最终评查结果，或最终结果中没有扣分、否决项）。")


@ledger.command("import")
@click.argument("campaign_db", metavar="CAMPAIGN.db")
@click.argument("files", nargs=-1, required=True, metavar="LEDGER.xlsx...")
@click.option("--today", metavar="YYYY-MM-DD", help="以此日期为“今天”检查完成日期（默认今天，北京时间）。")
def ledger_import(campaign_db, files, today):
    """导入执法机关报回的整改台账：按问题编号逐行对应，全部检查无误才写入，有任何错误则全部不导入。

    \b
    示例：anjuan ledger import 2024评查.db 报回/*.xlsx
    """
    from pathlib import Path

    from anjuan.rectify.ledger import import_ledgers

    day = parse_day(today, "--today")
    db = _campaign(campaign_db)
    try:
        result = import_ledgers(db, [Path(f) for f in files], day)
    finally:
        db.close()
    out = console()
    states = "，".join(f"{k} {v} 个" for k, v in sorted(result.by_state.items()))
    out.print(f"已导入 {result.files} 个台账文件、{result.rows} 个问题（{states or '无'}），其中 {result.changed} 个问题的整改情况有更新。")
    if result.unchanged_files:
        out.print(f"提示：{'、'.join(result.unchanged_files)} 与以前导入过的文件内容完全相同。")


@ledger.command("list")
@click.argument("campaign_db", metavar="CAMPAIGN.db")
@click.option("--overdue", is_flag=True, help="只列出逾期未整改的问题（按逾期天数排序）。")
@click.option("--agency", default=None, help="只看这个执法机关。")
@click.option("--today", metavar="YYYY-MM-DD", help="按此日期判定逾期（默认今天，北京时间）。")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出。")
def ledger_list(campaign_db, overdue, agency, today, as_json):
    """查看整改台账：各执法机关问题数、未整改、整改中、已整改、不予整改、逾期；或逾期问题清单。

    \b
    示例：anjuan ledger list 2024评查.db
          anjuan ledger list 2024评查.db --overdue
    """
    from anjuan.rectify.ledger import ledger_entries, ledger_summary, local_today, overdue_entries

    day = parse_day(today, "--today") or local_today()
    db = _campaign(campaign_db)
    try:
        summary = ledger_summary(db, day)
        late = overdue_entries(db, day)
        entries = ledger_entries(db, agency) if not overdue else []
    finally:
        db.close()
    if agency:
        summary = [a for a in summary if a.agency == agency]
        late = [e for e in late if e.agency == agency]
    if as_json:
        from dataclasses import asdict

        data = {"today": day.isoformat(), "agencies": [asdict(a) for a in summary],
                "overdue": [e.to_json(day) for e in late]}
        if not overdue:
            data["items"] = [e.to_json(day) for e in entries]
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    from rich.table import Table

    out = console()
    if not summary:
        out.print("还没有整改台账。生成并下发：anjuan ledger export 评查活动.db -o 整改台账 --deadline 2025-03-31")
        return
    if not overdue:
        print_ledger_summary(out, summary, day)
    t = Table(title=f"逾期未整改问题（截至 {day.isoformat()}，共 {len(late)} 个）", title_justify="left")
    for col in ("问题编号", "执法机关", "案号", "评查项目", "存在问题", "整改期限", "状态", "逾期天数"):
        t.add_column(col, justify="right" if col == "逾期天数" else "left")
    for e in late:
        t.add_row(e.code, e.agency, e.case_no, e.item_id, e.problem, e.deadline.isoformat(), e.state, str(e.days_overdue(day)))
    if late:
        out.print(t)
    else:
        out.print(f"截至 {day.isoformat()}，没有逾期未整改的问题。")


def print_ledger_summary(out, summary, day) -> None:
    from rich.table import Table

    t = Table(title=f"整改进度（截至 {day.isoformat()}）", title_justify="left",
              caption="未整改、整改中按报回的台账计；逾期为期限已过仍未整改或整改中的问题。", caption_justify="left")
    for col in ("执法机关", "问题数", "未整改", "整改中", "已整改", "不予整改", "逾期"):
        t.add_column(col, justify="left" if col == "执法机关" else "right")
    for a in summary:
        t.add_row(a.agency, str(a.total), str(a.open), str(a.doing), str(a.done), str(a.refused), str(a.overdue))
    t.add_row("合计", *(str(sum(getattr(a, k) for a in summary)) for k in ("total", "open", "doing", "done", "refused", "overdue")),
              style="bold")
    out.print(t)
