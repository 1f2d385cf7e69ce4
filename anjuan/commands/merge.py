"""anjuan merge / conflicts."""

from __future__ import annotations

import json

import click

from ..cli import cli, console


@cli.command()
@click.argument("campaign_db", metavar="CAMPAIGN.db")
@click.argument("packages", nargs=-1, required=True, metavar="PACKAGE.db...")
@click.option("--dry-run", is_flag=True, help="只检查并显示将要合并的内容，不写入数据库。")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出每个数据包的合并结果。")
@click.option("--skip-bad", is_flag=True, help="跳过不能合并的数据包，只合并其余的（默认有一个不能合并就全部不合并）。")
def merge(campaign_db, packages, dry_run, as_json, skip_bad):
    """合并评查人员交回的数据包：导入其中的评查记录、评查条目和修改记录。

    \b
    同一数据包合并多次、或按任意顺序合并，结果相同；较新的评查记录覆盖较旧的，较旧的不会覆盖较新的。
    数据包属于其他评查活动、使用不同评查标准、含有未分配给该评查人员的案卷等情况，
    一律拒绝合并，评查活动数据库保持原样。整个合并在一个事务中完成，中途中断不会写入任何数据。
    \b
    示例：anjuan merge 2024评查.db 王敏.db 陈立新.db 刘建国.db
          anjuan merge 2024评查.db 交回/*.db --dry-run
    """
    from anjuan.lead.merge import merge as do_merge

    from ..db import open_database, shown
    from ..identity import require_lead

    db = open_database(campaign_db)
    try:
        require_lead(db, "合并数据包")
        result = do_merge(db, list(packages), dry_run=dry_run, skip_bad=skip_bad)
    finally:
        db.close()
    if as_json:
        click.echo(json.dumps(result.to_json(), ensure_ascii=False, indent=2))
        return
    from rich.table import Table

    out = console()
    table = Table(title="合并结果（试运行，未写入）" if dry_run else "合并结果", title_justify="left")
    for col in ("数据包", "评查人员", "新增", "更新", "未变", "较旧未采用", "评查条目", "修改记录", "意见不一致"):
        table.add_column(col, justify="left" if col in ("数据包", "评查人员") else "right")
    for p in result.merged:
        table.add_row(p.name, p.reviewer or "", str(p.reviews_new), str(p.reviews_updated), str(p.reviews_unchanged),
                      str(p.reviews_stale), str(p.answers), str(p.history), str(p.conflicts))
    out.print(table)
    if result.skipped:
        out.print(f"[bold yellow]以下 {len(result.skipped)} 个数据包未合并：[/]", markup=True)
        for p in result.skipped:
            out.print(f"  - {p.error}", markup=False)
    if dry_run:
        out.print("试运行：以上为将要合并的内容，评查活动数据库未作任何改动。去掉 --dry-run 即正式合并。")
    else:
        out.print(f"已合并 {len(result.merged)} 个数据包到 {result.campaign}。")
    if result.stale_settled:
        out.print(f"[bold yellow]以下 {len(result.stale_settled)} 件案卷合议后原评查已变更，合议结果失效，已回到待合议，须重新合议：[/]",
                  markup=True)
        out.print("、".join(result.stale_settled), markup=False, highlight=False)
    if result.conflicts:
        out.print(f"目前有 {result.conflicts} 件案卷两名评查人员意见不一致，需组长合议：anjuan conflicts {shown(campaign_db)}")


@cli.command()
@click.argument("campaign_db", metavar="CAMPAIGN.db")
@click.option("--threshold", type=float, default=5.0, show_default=True, help="两人得分相差超过此分数即视为不一致。")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出。")
@click.option("--reopen", "reopen_case", metavar="案号", help="退回该案卷已作出的合议结果，使其回到待合议（须同时用 --reason 说明理由）。")
@click.option("--settle", "settle_case", metavar="案号", help="合议该案卷：与 --adopt 一起使用，整体采纳一名评查人员的意见（须用 --reason 说明理由）。")
@click.option("--adopt", metavar="A|B|姓名",
              help="与 --settle 一起使用：采纳 A 方或 B 方（见 anjuan conflicts 列表中的 A、B）的意见，也可直接写评查人员姓名。")
@click.option("--sheet", "sheet", type=click.Path(dir_okay=False), metavar="合议表.csv",
              help="按合议表（与 anjuan answers 相同格式：案号、执法机关、条目编号、结论、扣分、问题描述、卷内页码）合议表中的全部案卷，全部成功或全部不写入。")
@click.option("--agency", default=None, metavar="执法机关", help="案号在多个执法机关重复时，指定执法机关（用于 --settle、--reopen）。")
@click.option("--reason", default="", help="合议或退回合议结果的理由（记入修改记录）。")
@click.option("--lead", "lead_name", help="组长姓名（只有一名组长时可省略）。")
def conflicts(campaign_db, threshold, as_json, reopen_case, settle_case, adopt, sheet, agency, reason, lead_name):
    """列出待合议案卷（两人意见不一致：等次不同、分差过大或否决项认定不一致），或在命令行合议、退回合议结果。

    \b
    示例：anjuan conflicts 2024评查.db
          anjuan conflicts 2024评查.db --threshold 3 --json
          anjuan conflicts 2024评查.db --settle "安市监罚〔2024〕41号" --adopt 王敏 --reason "经合议采纳王敏意见"
          anjuan conflicts 2024评查.db --sheet 合议结果.csv --reason "2024年6月3日合议会议纪要"
          anjuan conflicts 2024评查.db --reopen "安市监罚〔2024〕41号" --agency 县市场监督管理局 --reason "补充材料后重新合议"
    """
    from ..errors import WorkflowError

    if settle_case and not adopt:
        raise WorkflowError("用 --settle 合议时须用 --adopt 指定采纳哪一方的意见（A、B 或评查人员姓名）；逐条目合议请用 --sheet 合议表")
    if adopt and not settle_case:
        raise WorkflowError("--adopt 须与 --settle 案号 一起使用")
    if settle_case or sheet or reopen_case:
        if sum(bool(x) for x in (settle_case, sheet, reopen_case)) > 1:
            raise WorkflowError("--settle、--sheet、--reopen 每次只能用其中一个")
        if not (reason or "").strip():
            what = "退回合议结果" if reopen_case else "合议"
            raise WorkflowError(f"{what}须说明理由：请加 --reason \"理由\"（记入修改记录）")
    if settle_case or sheet:
        _settle_cli(campaign_db, settle_case, adopt, sheet, agency, reason, lead_name)
        return
    from anjuan.lead.conflicts import list_conflicts

    from ..db import open_database, shown
    from ..identity import require_lead

    db = open_database(campaign_db)
    try:
        require_lead(db, "查看或处理合议")
    except Exception:
        db.close()
        raise
    if reopen_case:
        try:
            from ..identity import acting_reviewer_name

            lead_name = acting_reviewer_name(db, lead_name)  # a lead login acts as itself
            case_no = _reopen_settled(db, reopen_case, reason, lead_name, agency)
        finally:
            db.close()
        console().print(f"已退回 {case_no} 的合议结果，该卷回到待合议，请组长重新合议。", markup=False)
        return
    try:
        found = list_conflicts(db, threshold)
    finally:
        db.close()
    if as_json:
        click.echo(json.dumps({"threshold": threshold, "conflicts": [c.to_json() for c in found]}, ensure_ascii=False, indent=2))
        return
    out = console()
    if not found:
        out.print(f"没有意见不一致的案卷（分差阈值 {threshold:g} 分）。")
        return
    out.print(f"共 {len(found)} 件案卷两名评查人员意见不一致，需组长合议（分差阈值 {threshold:g} 分）：")
    for n, c in enumerate(found, 1):
        a, b = c.a, c.b
        out.print(f"\n[bold]{n}. {c.case_no}[/]  {c.agency}  {c.title}", markup=True, highlight=False)
        out.print(f"   A {a.reviewer}：{a.describe()}；B {b.reviewer}：{b.describe()}", markup=False)
        out.print(f"   不一致原因：{'；'.join(c.reasons)}", markup=False)
        for d in c.differing:
            out.print(f"   · {d.item_id} {d.text}：A {a.reviewer} {d.describe('a')}；B {b.reviewer} {d.describe('b')}", markup=False)
    out.print(f"\n合议：anjuan review {shown(campaign_db)} --reviewer 组长姓名；"
              f"或整体采纳一方：anjuan conflicts {shown(campaign_db)} --settle 案号 --adopt A（或 B、评查人员姓名）--reason 理由")


def _lead(db, lead_name: str | None):
    from anjuan.review.reviewing import resolve_reviewer

    from .. import models as m
    from ..errors import WorkflowError

    lead = resolve_reviewer(db, lead_name)
    if lead.role != m.ROLE_LEAD:
        raise WorkflowError(f"“{lead.name}”不是组长，只有组长可以合议或退回合议结果")
    return lead


def _settle_cli(campaign_db, case_no, adopt, sheet, agency, reason, lead_name) -> None:
    from anjuan.lead.conflicts import (
        SettlePlan,
        find_case,
        plans_from_sheet,
        settle_many,
    )

    from ..db import open_database

    db = open_database(campaign_db)
    try:
        lead = _lead(db, lead_name)
        if sheet:
            plans = plans_from_sheet(db, sheet)
        else:
            cid, no, agency_name = find_case(db, case_no, agency)
            plans = [SettlePlan(cid, f"{no}（{agency_name}）", _adopted_side(db, cid, f"{no}（{agency_name}）", adopt))]
        results = settle_many(db, lead.id, plans, reason)
    finally:
        db.close()
    out = console()
    out.print(f"已合议 {len(results)} 件案卷：", markup=False)
    for p, r in zip(plans, results, strict=True):
        out.print(f"  {p.label}：{r.score:.2f} 分，{r.grade}", markup=False)


def _adopted_side(db, case_id: str, label: str, adopt: str) -> str:
    """--adopt a/A/b/B, or the name of one of the file's two reviewers, as SOURCE_A / SOURCE_B."""
    from anjuan.lead.conflicts import SOURCE_A, SOURCE_B, item_differences

    from ..errors import InputError

    key = adopt.strip()
    if key.upper() in ("A", "B"):
        return SOURCE_A if key.upper() == "A" else SOURCE_B
    pair = item_differences(db, case_id)
    names = {pair.a.reviewer: SOURCE_A, pair.b.reviewer: SOURCE_B}
    if pair.a.reviewer == pair.b.reviewer and key == pair.a.reviewer:
        raise InputError(f"案卷 {label} 的两份评查记录都署名“{key}”，请用 --adopt A 或 --adopt B 指定")
    if key not in names:
        raise InputError(f"--adopt “{key}”无效：案卷 {label} 由 A {pair.a.reviewer}、B {pair.b.reviewer} 评查，"
                         "请写 A、B 或其中一人的姓名")
    return names[key]


def _reopen_settled(db, case_no: str, reason: str, lead_name: str | None, agency: str | None = None) -> str:
    """Send a settled file back to the 合议 queue (the final review is reopened, with the reason)."""
    from sqlalchemy import select

    from anjuan.lead.conflicts import find_case
    from anjuan.review.reviewing import reopen_review

    from .. import models as m
    from ..errors import AnjuanError

    lead = _lead(db, lead_name)
    cid, no, agency_name = find_case(db, case_no, agency)
    with db.read_session() as s:
        finals = s.execute(select(m.Review.id).where((m.Review.case_id == cid) & (m.Review.is_final == True)  # noqa: E712
                                                     & (m.Review.status == m.STATUS_SUBMITTED))).all()
    if not finals:
        raise AnjuanError(f"案卷 {no}（{agency_name}）没有已作出的合议结果")
    from anjuan.lead.finals import is_stale

    with db.read_session() as s:
        stale = all(is_stale(s, s.get(m.Review, rid)) for (rid,) in finals)
    if stale:
        raise AnjuanError(f"案卷 {no}（{agency_name}）的合议结果已因原评查变更而失效，该卷已回到待合议，无需退回；请组长重新合议")
    reopen_review(db, finals[0][0], lead.id, reason)
    return no
