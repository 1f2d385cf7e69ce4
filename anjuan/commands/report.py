"""anjuan report: the 评查结果通报 and each agency's 反馈意见书."""

from __future__ import annotations

import re

import click

from ..cli import cli, console
from ..localtime import parse_day

FORMATS_HELP = "xlsx,docx,html,md,json"


@cli.command()
@click.argument("campaign_db", metavar="CAMPAIGN.db")
@click.option("-o", "--output", "outdir", required=True, type=click.Path(file_okay=False),
              help="输出目录（不存在时自动创建）。")
@click.option("--format", "formats", default=FORMATS_HELP, show_default=True, metavar="LIST",
              help="输出格式，逗号分隔，可选 xlsx、docx、html、md、json。")
@click.option("--public", is_flag=True,
              help="生成公开版：所有文字中的自然人姓名只保留姓氏（如“张某”），身份证号、电话号码、银行账号打码；"
                   "不含评查一致性统计和评查人员工作量。")
@click.option("--deadline", metavar="YYYY-MM-DD",
              help="整改期限，如 2025-03-31；不指定时为生成之日起 30 日。")
@click.option("--templates", "templates_dir", type=click.Path(file_okay=False), metavar="DIR",
              help="自定义模板目录：其中与内置模板同名的文件（如 bulletin.html.j2、_style.css）优先使用。")
@click.option("--threshold", type=float, default=5.0, show_default=True,
              help="双人评查两人得分相差超过此分数即视为不一致、待合议（与 anjuan merge 一致）。")
@click.option("--organiser", default=None, help="落款的组织单位，如“××县司法局”（默认用 anjuan init 时登记的）。")
@click.option("--doc-no", "doc_no", default="", metavar="TEXT", help="发文字号，如“甲司发〔2025〕3号”。")
@click.option("--date", "issued", metavar="YYYY-MM-DD", help="成文日期（落款日期），默认为今天（北京时间）。")
@click.option("--cc", "cc", multiple=True, metavar="TEXT",
              help="抄送机关，可多次指定或用顿号、逗号分隔，如 --cc 市司法局、县人民政府办公室。")
@click.option("--annex", "annex", default=None, metavar="LIST",
              help="通报附件，逗号分隔，按顺序编号：open（未完成评查案卷清单）、excellent（优秀案卷名单）、"
                   "sampling（抽样方法说明）、agreement（评查一致性统计，仅内部版）；none 为不附附件。"
                   "默认 open,excellent,sampling。")
@click.option("--word-template", "word_template", type=click.Path(dir_okay=False), metavar="FILE.docx",
              help="本单位的 Word 模板（红头、版式、样式），其中单独一段写 {{p body }} 放正文，"
                   "可用 {{ doc_no }} {{ title }} {{ organiser }} {{ date }} {{ cc }}。")
@click.option("--no-charts", is_flag=True, help="Word 和 HTML 通报中不插入统计图。")
@click.option("--final", "final", is_flag=True,
              help="出具正式通报：仍有待合议或未完成评查的案卷时拒绝生成（不加此项时这种情况下生成的是草稿）。")
@click.option("--force", is_flag=True,
              help="输出目录中已有通报文件时，先删除这些文件再生成；也允许整改期限早于今天。")
@click.option("--previous", "previous_db", metavar="LAST.db", default=None,
              help="上年度评查活动数据库：通报中对比各执法机关均分、等次和名次，列出两年重复出现的问题。")
@click.option("--rectification", is_flag=True,
              help="出具整改情况通报（各执法机关问题、整改、逾期、复查结果和自查偏差），而不是评查结果通报。")
def report(campaign_db, outdir, formats, public, deadline, templates_dir, threshold, organiser, doc_no, issued,
           cc, annex, word_template, no_charts, final, force, previous_db, rectification):
    """出具评查结果通报和各执法机关反馈意见书（Excel、Word、HTML、Markdown、JSON）。

    只统计已有最终评查结果的案卷：尚未完成评查的列为“未完成”，双人评查意见不一致的列为“待合议”。
    仍有这样的案卷时，生成的文件标题和文件名都注明“（草稿）”；加 --final 则拒绝生成。
    通报写入输出目录，各执法机关的反馈意见书写入其中的“反馈意见书”子目录。
    日期按北京时间（环境变量 ANJUAN_TZ 可改时区）。

    \b
    示例：anjuan report 2024评查.db -o 通报
          anjuan report 2024评查.db -o 通报 --format docx,xlsx --deadline 2025-03-31
          anjuan report 2024评查.db -o 公开 --public --format html,md
          anjuan report 2024评查.db -o 正式 --final --doc-no 甲司发〔2025〕3号 --cc 市司法局
          anjuan report 2024评查.db -o 通报 --previous 2023评查.db
          anjuan report 2024评查.db -o 整改通报 --rectification
    """
    from pathlib import Path

    if rectification:
        from .rounds import rectification_report

        return rectification_report(campaign_db, outdir, formats, public, organiser, templates_dir)
    from anjuan.lead.reporting import load_bulletin
    from reports.build import build_reports, parse_formats
    from reports.errors import ReportError

    from ..db import open_database
    from ..errors import AnjuanError
    from ..faults import no_leftovers

    try:
        wanted = parse_formats(formats)
    except ReportError as exc:
        raise AnjuanError(str(exc)) from None
    from ..localtime import today as local_today

    due = parse_day(deadline, "整改期限")
    issued_on = parse_day(issued, "成文日期")
    if templates_dir and not Path(templates_dir).is_dir():
        raise AnjuanError(f"模板目录 {templates_dir} 不存在或不是目录")
    if word_template and not Path(word_template).is_file():
        raise AnjuanError(f"Word 模板 {word_template} 不存在")
    annexes = _parse_annexes(annex, public)
    today = local_today()
    if due is not None and due < today and not force:
        raise AnjuanError(f"整改期限 {due.isoformat()} 早于今天（{today.isoformat()}）：请改正，确需如此时加 --force")
    if due is not None and issued_on is not None and due < issued_on:
        raise AnjuanError(f"整改期限 {due.isoformat()} 早于成文日期 {issued_on.isoformat()}")

    err = console(stderr=True)
    db = open_database(campaign_db, read_only=True)  # read-only media; never waits for a merge
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
        from anjuan.rounds.bulletin import attach_rounds

        attach_rounds(db, data, previous_db, threshold)
    finally:
        db.close()

    from reports.compute import with_options

    cc_list = [x for part in cc for x in re.split(r"[、，,；;]+", part) if x.strip()]
    data = with_options(data, doc_no=doc_no or "", issued_on=issued_on, cc=cc_list, annexes=annexes)
    if data.overall is None:
        raise AnjuanError("还没有任何案卷有最终评查结果，不能出具通报：请先完成评查（双人评查意见不一致的先用 anjuan conflicts 合议）")
    if final and data.draft:
        s = data.sampling
        raise AnjuanError(f"还有{s.conflicts}卷待合议、{s.pending}卷未完成评查，不能出具正式通报："
                          "请完成后再生成，或去掉 --final 生成草稿")

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

                with no_leftovers(outdir):
                    written = build_reports(data, outdir, wanted, templates_dir, progress, force=force,
                                            word_template=word_template, charts=not no_charts)
        else:
            with no_leftovers(outdir):  # a failed report (disk full) leaves no half-written files
                written = build_reports(data, outdir, wanted, templates_dir, force=force,
                                        word_template=word_template, charts=not no_charts)
    except ReportError as exc:
        cause = exc.__context__  # reports/ words OS errors with the system's (English) text
        if isinstance(cause, OSError):
            from ..faults import describe_os_error

            known = describe_os_error(cause, Path(cause.filename or outdir).name)
            if known is not None:
                raise known from None
        raise AnjuanError(str(exc)) from None

    from reports import wording as w

    out = console()
    s = data.sampling
    kind = ("公开版" if public else "内部版") + ("，草稿" if data.draft else "")
    out.print(f"已生成 {len(written)} 个文件，保存在 {Path(outdir)}（{kind}，格式：{'、'.join(wanted)}）。")
    line = f"抽查 {s.sampled} 卷，已完成评查 {s.reviewed} 卷"
    if s.conflicts:
        line += f"，待合议 {s.conflicts} 卷"
    if s.pending:
        line += f"，未完成 {s.pending} 卷"
    if data.overall is not None:
        line += f"；平均分 {w.score(data.overall.mean)}，合格率 {w.pct(data.overall.pass_rate)}"
    out.print(line + "。")
    out.print(f"整改期限：{w.cn_date(data.deadline)}" + ("（未指定 --deadline，按生成之日起 30 日计）" if data.deadline_is_default else ""))
    stale = [f"{o.case_no}（{o.agency}）" for o in data.open_files if "原评查已变更" in o.reasons]
    if stale:
        out.print(f"以下 {len(stale)} 件案卷合议后原评查已变更，合议结果失效，未计入统计，须重新合议：{'、'.join(stale)}",
                  markup=False, highlight=False)
    if s.conflicts or s.pending:
        out.print("提示：待合议和未完成的案卷未计入统计，文件标注为“草稿”；完成后请重新生成通报（加 --final 出具正式通报）。")


def _parse_annexes(text, public: bool) -> list[str]:
    """--annex: keys in order; "none" for no annex; internal ones refused for a public version."""
    from reports.wording import ANNEXES, DEFAULT_ANNEXES, INTERNAL_ANNEXES

    from ..errors import AnjuanError

    if text is None:
        return list(DEFAULT_ANNEXES)
    keys = [k.strip().lower() for k in re.split(r"[,，、]", text) if k.strip()]
    if keys == ["none"]:
        return ["none"]
    out = []
    for k in keys:
        if k not in ANNEXES:
            raise AnjuanError(f"不认识的附件“{k}”，可选：{'、'.join(ANNEXES)}、none")
        if public and k in INTERNAL_ANNEXES:
            raise AnjuanError(f"附件“{ANNEXES[k]}”是内部材料，不能附在公开版中")
        if k not in out:
            out.append(k)
    return out


@cli.command()
@click.argument("campaign_db", metavar="CAMPAIGN.db")
@click.option("-o", "--output", "outdir", required=True, type=click.Path(file_okay=False),
              help="输出目录：每个执法机关一份调卷通知（.docx），另有调卷清单.xlsx。")
@click.option("--deliver-by", metavar="YYYY-MM-DD", help="报送案卷的期限，默认为成文日期起 7 日。")
@click.option("--place", default="", help="案卷报送地点，如“县司法局三楼行政执法监督科”。")
@click.option("--contact", default="", help="联系人及电话，如“张科长，0595-23281234”。")
@click.option("--doc-no", "doc_no", default="", metavar="TEXT", help="发文字号。")
@click.option("--date", "issued", metavar="YYYY-MM-DD", help="成文日期，默认为今天（北京时间）。")
@click.option("--agency", "agencies", multiple=True, help="只给这些执法机关出具（可重复使用）。")
@click.option("--force", is_flag=True, help="输出目录中已有调卷通知时覆盖。")
def notice(campaign_db, outdir, deliver_by, place, contact, doc_no, issued, agencies, force):
    """出具调卷通知：每个执法机关一份，列出抽中的案卷，请其按期报送（Word），另附调卷清单（Excel）。

    \b
    示例：anjuan notice 2024评查.db -o 调卷通知 --deliver-by 2025-03-10 --contact "张科长，0595-23281234"
    也可在抽样时一并出具：anjuan sample 2024评查.db --ratio 0.3 --seed 20240601 --notice 调卷通知
    """
    write_notice_files(campaign_db, outdir, deliver_by, place, contact, doc_no, issued, list(agencies), force)


def write_notice_files(campaign_db, outdir, deliver_by=None, place="", contact="", doc_no="", issued=None,
                       agencies=None, force=False) -> None:
    from pathlib import Path

    from reports.papers import write_notices

    from ..errors import AnjuanError
    from ..lead.papers import load_notice
    from ..localtime import today

    issued_on = parse_day(issued, "成文日期") or today()
    due = parse_day(deliver_by, "报送期限")
    if due is not None and due < issued_on and not force:
        raise AnjuanError(f"报送期限 {due.isoformat()} 早于成文日期 {issued_on.isoformat()}")
    from ..faults import refuse_filled_folder

    out = Path(outdir)
    refuse_filled_folder(out, (".docx", ".xlsx"), force)
    data, written = _read_then_write(
        campaign_db, out, write_notices,
        lambda db: load_notice(db, issued_on, due, place.strip(), contact.strip(), doc_no.strip(), agencies or None))
    total = sum(len(a.files) for a in data.agencies)
    console().print(f"已出具调卷通知 {len(data.agencies)} 份（共 {total} 卷），保存在 {out}；"
                    f"报送期限 {w_date(data.deliver_by)}。共 {len(written)} 个文件。")


def w_date(d) -> str:
    from reports.wording import cn_date

    return cn_date(d)


@cli.command()
@click.argument("campaign_db", metavar="CAMPAIGN.db")
@click.option("-o", "--output", "outdir", required=True, type=click.Path(file_okay=False),
              help="输出目录：每名评查人员一份案卷评查表（.docx）。")
@click.option("--reviewer", "reviewers", multiple=True, help="只为这些评查人员出具（可重复使用）。")
@click.option("--force", is_flag=True, help="输出目录中已有评查表时覆盖。")
def forms(campaign_db, outdir, reviewers, force):
    """出具案卷评查表：每名评查人员一份 Word 文档，每卷一表，含评查结论和签名栏（未评查的为空白表）。

    \b
    示例：anjuan forms 2024评查.db -o 评查表
          anjuan forms 2024评查.db -o 评查表 --reviewer 王敏
    """
    from pathlib import Path

    from reports.papers import write_forms

    from ..faults import refuse_filled_folder
    from ..lead.papers import load_forms

    out = Path(outdir)
    refuse_filled_folder(out, (".docx",), force)
    books, written = _read_then_write(campaign_db, out, write_forms, lambda db: load_forms(db, list(reviewers) or None))
    console().print(f"已出具案卷评查表 {len(written)} 份（{sum(len(b.files) for b in books)} 卷），保存在 {out}。")


def _read_then_write(campaign_db, out, write, load):
    """Read what a document needs (read-only: works on read-only media, never waits for a merge),
    then write it; returns (data, files written). Write failures become one Chinese line."""
    from reports.errors import ReportError

    from ..db import open_database
    from ..errors import AnjuanError

    db = open_database(campaign_db, read_only=True)
    try:
        data = load(db)
    finally:
        db.close()
    try:
        return data, write(data, out)
    except ReportError as exc:
        raise AnjuanError(str(exc)) from None
    except OSError as exc:
        raise AnjuanError(f"写入 {exc.filename or out} 失败：{exc.strerror or exc}") from None
