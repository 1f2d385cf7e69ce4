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
    if result.conflicts:
        out.print(f"目前有 {result.conflicts} 件案卷两名评查人员意见不一致，需组长合议：anjuan conflicts {shown(campaign_db)}")


@cli.command()
@click.argument("campaign_db", metavar="CAMPAIGN.db")
@click.option("--threshold", type=float, default=5.0, show_default=True, help="两人得分相差超过此分数即视为不一致。")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出。")
@click.option("--reopen", "reopen_case", metavar="案号", help="退回该案卷已作出的合议结果，使其回到待合议（须同时用 --reason 说明理由）。")
@click.option("--reason", default="", help="退回合议结果的理由（记入修改记录）。")
@click.option("--lead", "lead_name", help="组长姓名（只有一名组长时可省略）。")
def conflicts(campaign_db, threshold, as_json, reopen_case, reason, lead_name):
    """列出两名评查人员意见不一致、需要组长合议的案卷（等次不同、分差过大或否决项认定不一致）。

    \b
    示例：anjuan conflicts 2024评查.db
          anjuan conflicts 2024评查.db --threshold 3 --json
          anjuan conflicts 2024评查.db --reopen "安市监罚〔2024〕41号" --reason "补充材料后重新合议"
    """
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
            case_no = _reopen_settled(db, reopen_case, reason, lead_name)
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
        out.print(f"   {a.reviewer}：{a.score:.2f} 分，{a.grade}；{b.reviewer}：{b.score:.2f} 分，{b.grade}", markup=False)
        out.print(f"   不一致原因：{'；'.join(c.reasons)}", markup=False)
        for d in c.differing:
            out.print(f"   · {d.item_id} {d.text}：{a.reviewer} {d.describe('a')}；{b.reviewer} {d.describe('b')}", markup=False)
    out.print(f"\n合议：anjuan review {shown(campaign_db)} --reviewer 组长姓名")


def _reopen_settled(db, case_no: str, reason: str, lead_name: str | None) -> str:
    """Send a settled file back to the 合议 queue (the final review is reopened, with the reason)."""
    from sqlalchemy import select

    from anjuan.review.reviewing import reopen_review, resolve_reviewer

    from .. import models as m
    from ..errors import AnjuanError, WorkflowError

    lead = resolve_reviewer(db, lead_name)
    if lead.role != m.ROLE_LEAD:
        raise WorkflowError(f"“{lead.name}”不是组长，不能退回合议结果")
    with db.read_session() as s:
        finals = s.execute(
            select(m.Review.id, m.CaseFile.case_no).join(m.CaseFile, m.CaseFile.id == m.Review.case_id)
            .where((m.CaseFile.case_no == case_no.strip()) & (m.Review.is_final == True)  # noqa: E712
                   & (m.Review.status == m.STATUS_SUBMITTED))).all()
    if not finals:
        raise AnjuanError(f"案卷 {case_no} 没有已作出的合议结果")
    if len(finals) > 1:
        raise AnjuanError(f"有多个执法机关的案卷案号均为 {case_no}，请在组长总览中操作")
    reopen_review(db, finals[0][0], lead.id, reason)
    return finals[0][1]
