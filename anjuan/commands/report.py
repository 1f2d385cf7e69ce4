"""anjuan report: the 评查结果通报 and each agency's 反馈意见书."""

from __future__ import annotations

import click

from ..cli import cli, console

FORMATS_HELP = "xlsx,docx,html,md,json"


@cli.command()
@click.argument("campaign_db", metavar="CAMPAIGN.db")
@click.option("-o", "--output", "outdir", required=True, type=click.Path(file_okay=False),
              help="输出目录（不存在时自动创建）。")
@click.option("--format", "formats", default=FORMATS_HELP, show_default=True, metavar="LIST",
              help="输出格式，逗号分隔，可选 xlsx、docx、html、md、json。")
@click.option("--public", is_flag=True,
              help="生成公开版：自然人当事人只保留姓氏（如“张某”），身份证号码、手机号码打码。")
@click.option("--deadline", metavar="YYYY-MM-DD",
              help="整改期限，如 2025-03-31；不指定时为生成之日起 30 日。")
@click.option("--templates", "templates_dir", type=click.Path(file_okay=False), metavar="DIR",
              help="自定义模板目录：其中与内置模板同名的文件（如 bulletin.html.j2、_style.css）优先使用。")
@click.option("--threshold", type=float, default=5.0, show_default=True,
              help="双人评查两人得分相差超过此分数即视为不一致、待合议（与 anjuan merge 一致）。")
@click.option("--organiser", default=None, help="落款的组织单位，如“××县司法局”（默认用 anjuan init 时登记的）。")
def report(campaign_db, outdir, formats, public, deadline, templates_dir, threshold, organiser):
    """出具评查结果通报和各执法机关反馈意见书（Excel、Word、HTML、Markdown、JSON）。

    只统计已有最终评查结果的案卷：尚未完成评查的列为“未完成”，双人评查意见不一致的列为“待合议”。
    通报写入输出目录，各执法机关的反馈意见书写入其中的“反馈意见书”子目录。

    \b
    示例：anjuan report 2024评查.db -o 通报
          anjuan report 2024评查.db -o 通报 --format docx,xlsx --deadline 2025-03-31
          anjuan report 2024评查.db -o 公开 --public --format html,md
    """
    from datetime import date
    from pathlib import Path

    from anjuan.lead.reporting import load_bulletin
    from reports.build import build_reports, parse_formats
    from reports.errors import ReportError

    from ..db import open_database
    from ..errors import AnjuanError

    try:
        wanted = parse_formats(formats)
    except ReportError as exc:
        raise AnjuanError(str(exc)) from None
    due = None
    if deadline:
        import re

        try:
            due = date.fromisoformat(deadline.strip())
        except ValueError:
            if re.fullmatch(r"\d{4}-\d{2}-\d{2}", deadline.strip()):
                raise AnjuanError(f"整改期限“{deadline}”不是实际存在的日期，请检查月份和日") from None
            raise AnjuanError(f"整改期限“{deadline}”格式不对，应为 年-月-日，例如 2025-03-31") from None
    if templates_dir and not Path(templates_dir).is_dir():
        raise AnjuanError(f"模板目录 {templates_dir} 不存在或不是目录")
    today = date.today()
    if due is not None and due < today:
        console(stderr=True).print(f"[yellow]注意：[/]整改期限 {due.isoformat()} 早于今天。", markup=True)

    err = console(stderr=True)
    db = open_database(campaign_db)
    from ..db import ROLE_CAMPAIGN, database_role, shown
    from ..identity import require_lead

    try:
        require_lead(db, "出具通报")  # a reviewer login would see only its own files: never partial numbers
    except AnjuanError:
        db.close()
        raise

    if not organiser:
        from ..campaign import campaign_info

        if not campaign_info(db).organiser:
            err.print("[yellow]提示：[/]评查活动未登记组织单位，通报正文以“我局”代称、落款为空；可加 --organiser “××县司法局”。")
    if database_role(db) != ROLE_CAMPAIGN:
        db.close()
        raise AnjuanError(f"{shown(campaign_db)} 是评查人员的数据包，不是评查活动数据库；请先用 anjuan merge 合并到评查活动数据库，再出具通报")
    try:
        if err.is_terminal:
            with err.status("正在读取评查结果……"):
                data = load_bulletin(db, today, due, public, threshold, organiser)
        else:
            data = load_bulletin(db, today, due, public, threshold, organiser)
    finally:
        db.close()

    try:
        if err.is_terminal:
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                TextColumn,
                TimeElapsedColumn,
            )

            with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                          TimeElapsedColumn(), TextColumn("{task.fields[current]}"), console=err,
                          transient=True) as bar:
                task = bar.add_task("正在生成", total=None, current="")

                def progress(done: int, total: int, label: str) -> None:
                    bar.update(task, completed=done, total=total, current=label)

                written = build_reports(data, outdir, wanted, templates_dir, progress)
        else:
            written = build_reports(data, outdir, wanted, templates_dir)
    except ReportError as exc:
        raise AnjuanError(str(exc)) from None

    from reports import wording as w

    out = console()
    s = data.sampling
    out.print(f"已生成 {len(written)} 个文件，保存在 {Path(outdir)}（{'公开版' if public else '内部版'}，格式：{'、'.join(wanted)}）。")
    line = f"抽查 {s.sampled} 卷，已完成评查 {s.reviewed} 卷"
    if s.conflicts:
        line += f"，待合议 {s.conflicts} 卷"
    if s.pending:
        line += f"，未完成 {s.pending} 卷"
    if data.overall is not None:
        line += f"；平均分 {w.score(data.overall.mean)}，合格率 {w.pct(data.overall.pass_rate)}"
    out.print(line + "。")
    out.print(f"整改期限：{w.cn_date(data.deadline)}" + ("（未指定 --deadline，按生成之日起 30 日计）" if data.deadline_is_default else ""))
    if s.conflicts or s.pending:
        out.print("提示：待合议和未完成的案卷未计入统计，完成后请重新生成通报。")
