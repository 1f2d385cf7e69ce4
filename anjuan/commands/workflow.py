"""anjuan sample / reviewer / assign / pack / status."""

from __future__ import annotations

import json

import click

from ..cli import cli, console


def _open(target: str, lead_only: str | None = None):
    """Open the campaign; with lead_only (the operation, e.g. “抽样”) a reviewer login is refused."""
    from ..db import open_database

    db = open_database(target)
    if lead_only:
        from ..identity import require_lead

        try:
            require_lead(db, lead_only)
        except Exception:
            db.close()
            raise
    return db


@cli.command()
@click.argument("campaign_db", metavar="CAMPAIGN.db")
@click.option("--ratio", type=float, required=True, help="抽样比例，如 0.3 表示每个执法机关抽取 30%（向上取整）。")
@click.option("--min", "min_n", type=int, default=0, show_default=True, help="每个执法机关至少抽取的案卷数。")
@click.option("--max", "max_n", type=int, default=None, help="每个执法机关至多抽取的案卷数。")
@click.option("--seed", required=True, help="随机种子（公开种子即可复核抽样结果）。")
@click.option("--by-kind", is_flag=True, help="在每个执法机关内按案件类别分层抽样。")
@click.option("--agency", "agencies", multiple=True, help="只抽取这些执法机关（可重复使用）。")
@click.option("--redraw", is_flag=True, help="重新抽取已抽样的执法机关（已有评查记录的不能重抽）。")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出各执法机关抽中的案号。")
@click.option("--notice", "notice_dir", type=click.Path(file_okay=False), metavar="DIR",
              help="同时出具调卷通知（每个执法机关一份 Word，另附调卷清单 Excel），写入此目录；"
                   "报送期限等用 anjuan notice 另行出具时可指定。")
def sample(campaign_db, ratio, min_n, max_n, seed, by_kind, agencies, redraw, as_json, notice_dir):
    """按执法机关随机抽取案卷（可复现：相同目录、参数和种子抽中相同案卷）。

    \b
    示例：anjuan sample 2024评查.db --ratio 0.3 --min 3 --seed 20240601
    """
    from anjuan.prepare.sampling import ALGORITHM, draw_sample

    db = _open(campaign_db, "抽样")
    result = draw_sample(db, seed, ratio, min_n, max_n, by_kind, list(agencies) or None, redraw)
    db.close()
    if notice_dir:
        from .report import write_notice_files

        drawn = [a.agency for a in result.agencies if not a.skipped and a.drawn]
        write_notice_files(campaign_db, notice_dir, agencies=drawn or None)
    if as_json:
        click.echo(json.dumps(result.to_json(), ensure_ascii=False, indent=2))
        return
    from rich.table import Table

    out = console()
    table = Table(title="抽样结果", title_justify="left")
    for col in ("执法机关", "案卷数", "抽取数", "说明"):
        table.add_column(col, justify="right" if col in ("案卷数", "抽取数") else "left")
    for a in result.agencies:
        table.add_row(a.agency, str(a.catalog), "—" if a.skipped else str(len(a.drawn)),
                      "已抽样，未重抽（需要时加 --redraw）" if a.skipped else "")
    out.print(table)
    total = sum(len(a.drawn) for a in result.agencies)
    out.print(f"本次抽取 {total} 卷。随机种子：{result.seed}；参数：比例 {ratio:g}，最少 {min_n}，最多 {max_n if max_n is not None else '不限'}"
              f"{'，按案件类别分层' if by_kind else ''}；时间 {result.created_at}")
    out.print(f"算法：{ALGORITHM}")


@cli.group()
def reviewer():
    """管理评查人员（添加、批量导入、查看）。"""


@reviewer.command("add")
@click.argument("campaign_db", metavar="CAMPAIGN.db")
@click.argument("name")
@click.option("--agency", "unit", default="", help="所在单位（用于回避：不评本单位案卷）。")
@click.option("--role", type=click.Choice(["reviewer", "lead"]), default="reviewer", show_default=True, help="reviewer 评查员；lead 组长。")
def reviewer_add(campaign_db, name, unit, role):
    """添加一名评查人员。

    \b
    示例：anjuan reviewer add 2024评查.db 王敏 --agency 县市场监督管理局
          anjuan reviewer add 2024评查.db 李组长 --role lead
    """
    from anjuan.prepare.reviewers import add_reviewer

    db = _open(campaign_db, "添加评查人员")
    info = add_reviewer(db, name, unit, role)
    db.close()
    console().print(f"已添加{'组长' if info.role == 'lead' else '评查人员'}：{info.name}{'（' + info.unit + '）' if info.unit else ''}")


@reviewer.command("import")
@click.argument("campaign_db", metavar="CAMPAIGN.db")
@click.argument("file", metavar="reviewers.csv")
def reviewer_import(campaign_db, file):
    """从 CSV 或 Excel 批量导入评查人员（列：姓名、单位、角色）。

    \b
    示例：anjuan reviewer import 2024评查.db 评查人员.csv
    """
    from anjuan.prepare.reviewers import import_reviewers

    db = _open(campaign_db, "导入评查人员")
    people = import_reviewers(db, file)
    db.close()
    console().print(f"已导入 {len(people)} 名人员：{'、'.join(p.name for p in people)}")


@reviewer.command("list")
@click.argument("campaign_db", metavar="CAMPAIGN.db")
def reviewer_list(campaign_db):
    """列出评查人员。"""
    from rich.table import Table

    from anjuan.prepare.reviewers import list_reviewers

    db = _open(campaign_db)
    people = list_reviewers(db)
    db.close()
    table = Table()
    for col in ("姓名", "单位", "角色"):
        table.add_column(col)
    for p in people:
        table.add_row(p.name, p.unit or "—", "组长" if p.role == "lead" else "评查员")
    console().print(table)


@cli.command()
@click.argument("campaign_db", metavar="CAMPAIGN.db")
@click.option("--seed", required=True, help="随机种子（相同种子得到相同分配）。")
@click.option("--double", type=float, default=0.0, show_default=True, help="双人评查比例，如 0.2 表示 20% 的案卷由两人独立评查。")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出每名评查人员的案号。")
def assign(campaign_db, seed, double, as_json):
    """把抽中的案卷分配给评查人员：工作量均衡（相差不超过 1 卷），本单位案卷回避。

    \b
    示例：anjuan assign 2024评查.db --seed 7 --double 0.2
    """
    from anjuan.prepare.assignment import assign as do_assign

    db = _open(campaign_db, "分配案卷")
    result = do_assign(db, seed, double)
    db.close()
    if as_json:
        click.echo(json.dumps(result.to_json(), ensure_ascii=False, indent=2))
        return
    from rich.table import Table

    files, doubles = result.new_files, result.new - result.new_files
    what = f"本次分配 {files} 卷" + (f"，其中 {doubles} 卷双人评查，共 {result.new} 人次" if doubles else "")
    table = Table(title=f"分配结果（{what}；下表为每人全部案卷数）", title_justify="left")
    table.add_column("评查人员")
    table.add_column("案卷数", justify="right")
    for name, cases in result.by_reviewer.items():
        table.add_row(name, str(len(cases)))
    console().print(table)


@cli.command()
@click.argument("campaign_db", metavar="CAMPAIGN.db")
@click.option("--reviewer", "reviewer_name", required=True, help="为哪位评查人员打包。")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False), help="输出的数据包文件，如 王敏.db。")
def pack(campaign_db, reviewer_name, output):
    """为评查人员生成离线数据包（只含分配给他的案卷和他本人已评的内容）。

    \b
    示例：anjuan pack 2024评查.db --reviewer 王敏 -o 王敏.db
    """
    from anjuan.review.pack import pack as do_pack

    db = _open(campaign_db, "生成数据包")
    result = do_pack(db, reviewer_name, output)
    db.close()
    console().print(f"已为 {result.reviewer} 生成数据包 {result.path}：{result.files} 件案卷，已有评查 {result.reviews} 份、条目 {result.answers} 条。")
    console().print(f"评查人员使用：anjuan review {result.path}")


@cli.command()
@click.argument("campaign_db", metavar="CAMPAIGN.db")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出。")
def status(campaign_db, as_json):
    """查看评查进度：各执法机关、各评查人员的案卷数、抽样、分配、评查和平均分。"""
    from anjuan.lead.status import campaign_status

    from ..db import open_database

    db = open_database(campaign_db, read_only=True)  # works on read-only media, never waits for a writer
    from ..db import ROLE_PACKAGE, database_role
    from ..identity import identify, own_data_note

    package_of = db.meta("package_reviewer_name") if database_role(db) == ROLE_PACKAGE else None
    own_note = own_data_note(db)  # a reviewer login: the server shows it its own work only
    own_of = identify(db).reviewer_name if own_note else None
    st = campaign_status(db)
    extra = None
    try:
        from anjuan.lead.conflicts import agreement_summary  # added with merge/合议

        extra = agreement_summary(db)
    except ImportError:
        pass
    # the other rounds are the lead's (a reviewer login sees only its own 抽查 work)
    rounds = _round_figures(db) if package_of is None and own_of is None else {}
    db.close()
    if as_json:
        data = st.to_json()
        if extra is not None:
            data["agreement"] = extra
        data.update(rounds.get("json", {}))
        if own_of:
            data["own_data_of"] = own_of  # only this reviewer's assignments and reviews are counted
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    from rich.table import Table

    def score(x):
        return "—" if x is None else f"{x:.2f}"

    t1 = Table(title="各执法机关进度", title_justify="left",
               caption="评查中、已提交按评查记录份数计（双人评查的案卷计两份）；已定稿、定稿均分与评查结果通报口径一致。",
               caption_justify="left")
    for col in ("执法机关", "案卷数", "抽取", "已分配", "评查中(份)", "已提交(份)", "已定稿", "待合议", "定稿均分"):
        t1.add_column(col, justify="left" if col == "执法机关" else "right")
    for a in st.agencies:
        t1.add_row(a.agency, str(a.catalog), str(a.sampled), str(a.assigned), str(a.draft), str(a.submitted),
                   str(a.final), str(a.conflicts), score(a.final_mean))
    t1.add_row("合计", *(str(sum(getattr(a, k) for a in st.agencies))
                         for k in ("catalog", "sampled", "assigned", "draft", "submitted", "final", "conflicts")), "",
               style="bold")
    t2 = Table(title="各评查人员进度", title_justify="left")
    for col in ("评查人员", "单位", "角色", "分配", "评查中", "已提交", "平均分"):  # per person: reviews
        t2.add_column(col, justify="left" if col in ("评查人员", "单位", "角色") else "right")
    for r in st.reviewers:
        t2.add_row(r.reviewer, r.unit or "—", "组长" if r.role == "lead" else "评查员", str(r.assigned), str(r.draft), str(r.submitted), score(r.mean_score))
    out = console()
    if own_note:
        out.print(own_note, markup=False)
    if package_of:
        out.print(f"[yellow]这是评查人员“{package_of}”的离线数据包，只含分配给他的案卷；全局进度请看评查活动数据库。[/]")
    out.print(t1)
    if st.stale_settled:
        out.print(f"[bold yellow]以下 {len(st.stale_settled)} 件案卷合议后原评查已变更，合议结果失效，已回到待合议：[/]",
                  markup=True)
        out.print("、".join(st.stale_settled), markup=False, highlight=False)
    out.print(t2)
    if extra is not None:
        out.print(extra.get("text", ""))
    if rounds.get("selfcheck") is not None:
        from .rounds import print_selfcheck

        print_selfcheck(out, rounds["selfcheck"])
    if rounds.get("ledger"):
        from .rectify import print_ledger_summary

        print_ledger_summary(out, rounds["ledger"], rounds["today"])
        if rounds["overdue"]:
            out.print(f"逾期未整改问题 {len(rounds['overdue'])} 个，清单：anjuan ledger list 评查活动.db --overdue")


def _round_figures(db) -> dict:
    """自查 and 整改 figures for status, when the campaign has any (nothing otherwise, so the
    status of a campaign without rounds is exactly what it was)."""
    from dataclasses import asdict

    from anjuan.rectify.ledger import ledger_count, ledger_summary, local_today, overdue_entries
    from anjuan.rounds.selfcheck import has_selfcheck, selfcheck_summary

    out: dict = {"json": {}}
    if has_selfcheck(db):
        out["selfcheck"] = summary = selfcheck_summary(db)
        out["json"]["selfcheck"] = asdict(summary)
    if ledger_count(db):
        today = local_today()
        out["ledger"], out["overdue"], out["today"] = ledger_summary(db, today), overdue_entries(db, today), today
        out["json"]["rectification"] = {"today": today.isoformat(), "agencies": [asdict(a) for a in out["ledger"]],
                                        "overdue": [e.to_json(today) for e in out["overdue"]]}
    return out
