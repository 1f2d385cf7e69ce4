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
    from ..db import open_database
    from ..merge import merge as do_merge

    db = open_database(campaign_db)
    try:
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
        out.print(f"目前有 {result.conflicts} 件案卷两名评查人员意见不一致，需组长合议：anjuan conflicts {campaign_db}")


@cli.command()
@click.argument("campaign_db", metavar="CAMPAIGN.db")
@click.option("--threshold", type=float, default=5.0, show_default=True, help="两人得分相差超过此分数即视为不一致。")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出。")
def conflicts(campaign_db, threshold, as_json):
    """列出两名评查人员意见不一致、需要组长合议的案卷（等次不同、分差过大或否决项认定不一致）。

    \b
    示例：anjuan conflicts 2024评查.db
          anjuan conflicts 2024评查.db --threshold 3 --json
    """
    from ..conflicts import list_conflicts
    from ..db import open_database

    db = open_database(campaign_db)
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
    out.print(f"\n合议：anjuan review {campaign_db} --reviewer 组长姓名")
