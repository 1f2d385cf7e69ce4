"""整改情况通报: per agency the problems found, rectified and overdue, the re-check results and the
self-check deviation, in the formats and 公文 layout of the 评查结果通报. Pure: plain data in.

The document is a list of sections, each a heading, paragraphs and tables (reports.rounds_text
.Block); every format renders that same structure, so the figures read the same everywhere.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path

from . import wording as w
from .rounds import RecheckFile, SelfCheckSummary
from .rounds_text import Block, selfcheck_block

SCHEMA = "anjuan.rectification/1"
FORMATS = ("docx", "xlsx", "html", "md", "json")


@dataclass(slots=True)
class RectAgency:
    name: str
    problems: int
    done: int
    doing: int
    open: int
    refused: int
    overdue: int
    rechecked: int = 0
    fixed: int = 0
    still: int = 0
    new: int = 0

    @property
    def rate(self) -> float | None:
        return self.done / self.problems if self.problems else None


@dataclass(slots=True)
class OverdueLine:
    code: str
    agency: str
    case_no: str
    item: str
    problem: str
    deadline: date
    days: int


@dataclass
class RectificationData:
    campaign: str
    year: int | None
    organiser: str
    generated_on: date  # also the date overdue days are counted to
    public: bool
    agencies: list[RectAgency] = field(default_factory=list)
    overdue: list[OverdueLine] = field(default_factory=list)
    recheck: list[RecheckFile] = field(default_factory=list)
    selfcheck: SelfCheckSummary | None = None
    fail_band: str = "不合格"
    schema: str = SCHEMA

    @property
    def title(self) -> str:
        return f"关于{self.campaign}整改情况的通报"


@dataclass
class Section:
    heading: str
    paragraphs: list[str] = field(default_factory=list)
    blocks: list[Block] = field(default_factory=list)


def _n(x) -> str:
    return "—" if x is None else str(x)


def sections(d: RectificationData) -> list[Section]:
    who = d.organiser or "我局"
    total = sum(a.problems for a in d.agencies)
    done = sum(a.done for a in d.agencies)
    refused = sum(a.refused for a in d.agencies)
    late = sum(a.overdue for a in d.agencies)
    out = []
    s = Section("整改总体情况")
    if total:
        s.paragraphs.append(
            f"{d.campaign}结果通报后，{who}向{len(d.agencies)}个执法机关下发整改台账，逐项列明问题{total}个。"
            f"截至{w.cn_date(d.generated_on)}，已整改{done}个，整改率{w.pct(done / total)}；"
            f"经认定不予整改{refused}个；逾期未整改{late}个。")
        rows = [[a.name, a.problems, a.done, a.doing, a.open, a.refused, a.overdue, w.pct(a.rate)] for a in d.agencies]
        rows.append(["合计", total, done, sum(a.doing for a in d.agencies), sum(a.open for a in d.agencies), refused, late,
                     w.pct(done / total)])
        headers = ["执法机关", "问题数", "已整改", "整改中", "未整改", "不予整改", "逾期", "整改率"]
        widths = [12, 4, 4, 4, 4, 4, 4, 5]
        if d.recheck:  # per agency: files re-checked and the problems still there or new
            for row, a in zip(rows, [*d.agencies, None], strict=True):
                agencies = d.agencies if a is None else [a]
                row.extend([sum(x.rechecked for x in agencies), sum(x.still + x.new for x in agencies)])
            headers += ["复查卷数", "复查仍有问题"]
            widths += [4, 5]
        s.blocks.append(Block([], headers, rows, widths, ["left"] + ["right"] * (len(headers) - 1), "各执法机关整改情况"))
        good = [a.name for a in d.agencies if a.problems and a.done == a.problems - a.refused]
        if good:
            s.paragraphs.append(f"{'、'.join(good)}已按期完成全部整改任务。")
    else:
        s.paragraphs.append("本次评查未登记需要整改的问题。")
    out.append(s)
    s = Section("逾期未整改问题")
    if d.overdue:
        worst = sorted({a.name: a.overdue for a in d.agencies if a.overdue}.items(), key=lambda kv: -kv[1])
        s.paragraphs.append(f"截至{w.cn_date(d.generated_on)}，仍有{len(d.overdue)}个问题超过整改期限未完成整改，涉及"
                            + "、".join(f"{n}{c}个" for n, c in worst) + "。具体如下：")
        s.blocks.append(Block([], ["问题编号", "执法机关", "案号", "评查项目", "存在问题", "整改期限", "逾期天数"],
                              [[o.code, o.agency, o.case_no, o.item, o.problem or "—", o.deadline.isoformat(), o.days]
                               for o in d.overdue],
                              [5, 9, 9, 8, 12, 6, 4], ["center", "left", "left", "left", "left", "center", "right"]))
    else:
        s.paragraphs.append("各执法机关均在整改期限内完成整改或正在整改，没有逾期未整改的问题。")
    out.append(s)
    if d.recheck:
        s = Section("复查情况")
        fixed = sum(f.fixed for f in d.recheck)
        still = sum(f.still for f in d.recheck)
        new = sum(f.new for f in d.recheck)
        passed = sum(1 for f in d.recheck if f.spot_grade == d.fail_band and f.grade != d.fail_band)
        failed_before = sum(1 for f in d.recheck if f.spot_grade == d.fail_band)
        s.paragraphs.append(f"{who}对{len(d.recheck)}卷案卷进行了复查，逐项对照抽查发现的问题：已整改到位{fixed}个，"
                            f"仍然存在{still}个，复查新发现{new}个。"
                            + (f"抽查不合格的{failed_before}卷中，{passed}卷复查达到合格以上。" if failed_before else ""))
        s.blocks.append(Block([], ["执法机关", "案号", "抽查得分", "抽查等次", "复查得分", "复查等次", "已整改", "仍存在", "新发现"],
                              [[f.agency, f.case_no, w.score(f.spot_score), f.spot_grade or "—", w.score(f.score), f.grade,
                                f.fixed, f.still, f.new] for f in d.recheck],
                              [10, 10, 4, 4, 4, 4, 3, 3, 3], ["left", "left", "right", "center", "right", "center",
                                                              "right", "right", "right"], "复查结果与抽查结果对比"))
        lines = [f"{f.case_no}：{i.item_id} {i.item_text}（{i.change}）" for f in d.recheck for i in f.items
                 if i.change != "已整改"]
        if lines:
            s.blocks.append(Block(["复查仍存在或新发现的问题：", *lines]))
        out.append(s)
    if d.selfcheck is not None:
        s = Section("自查情况")
        s.blocks.append(selfcheck_block(d))
        out.append(s)
    s = Section("下一步工作要求")
    n = 1
    if late:
        s.paragraphs.append(f"（{w.cn_num(n)}）逾期未整改的执法机关要在本通报印发之日起15日内完成整改，"
                            f"并向{who}书面说明逾期原因和责任人员。")
        n += 1
    if d.recheck and any(f.still or f.new for f in d.recheck):
        s.paragraphs.append(f"（{w.cn_num(n)}）复查中仍存在问题的案卷，相关执法机关要重新整改，{who}将适时再次复查。")
        n += 1
    if d.selfcheck is not None and any(a.lenient or not a.meets for a in d.selfcheck.agencies):
        s.paragraphs.append(f"（{w.cn_num(n)}）自查数量不足或自查偏宽的执法机关要严格对照评查标准重新开展自查，如实报告自查情况。")
        n += 1
    s.paragraphs.append(f"（{w.cn_num(n)}）各执法机关要结合整改工作建立规范行政执法长效机制，防止同类问题反复出现。")
    out.append(s)
    return out


def intro(d: RectificationData) -> str:
    return (f"根据{d.campaign}工作安排，现将各执法机关对照整改台账开展整改的情况"
            + ("、复查结果" if d.recheck else "") + ("和自查情况" if d.selfcheck is not None else "") + "通报如下：")


def write_docx(d: RectificationData, path: Path) -> None:
    from .word import DocxWriter, _Body

    b = _Body()
    b.p(d.title, "DocTitle")
    if d.public:
        b.p("（公开版）", "DocSubtitle")
    b.p(w.addressee(), "NoIndent")
    b.p(intro(d))
    for n, sec in enumerate(sections(d), 1):
        b.h1(f"{w.cn_num(n)}、{sec.heading}")
        for para in sec.paragraphs:
            b.p(para)
        for blk in sec.blocks:
            for para in blk.paragraphs:
                b.p(para)
            if blk.rows:
                b.table(blk.headers, blk.rows, blk.widths, blk.aligns, caption=blk.caption or None)
            for para in blk.after:
                b.p(para)
    b.p("")
    b.p(d.organiser, "Signature")
    b.p(w.cn_date(d.generated_on), "Signature")
    DocxWriter()._save(b, path, d.title, d.organiser)


def write_xlsx(d: RectificationData, path: Path) -> None:
    import xlsxwriter

    wb = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False, "strings_to_urls": False,
                                         "strings_to_numbers": False})
    font = {"font_name": "宋体", "font_size": 10.5}
    head = wb.add_format({**font, "bold": True, "bg_color": "#D9E1F2", "border": 1, "align": "center",
                          "valign": "vcenter", "text_wrap": True})
    text = wb.add_format({**font, "valign": "top", "text_wrap": True})
    num = wb.add_format({**font, "valign": "top"})
    wb.set_properties({"title": d.title, "author": d.organiser, "comments": "anjuan"})
    used: set[str] = set()
    for sec in sections(d):
        tables = [b for b in sec.blocks if b.rows]
        name = sec.heading[:31]
        if name in used:
            continue
        used.add(name)
        ws = wb.add_worksheet(name)
        r = 0
        for para in sec.paragraphs:
            ws.write_string(r, 0, para, text)
            r += 1
        for blk in sec.blocks:
            for para in blk.paragraphs:
                ws.write_string(r, 0, para, text)
                r += 1
            if blk.rows:
                r += 1
                for c, h in enumerate(blk.headers):
                    ws.write_string(r, c, h, head)
                    ws.set_column(c, c, max(8, 10 * blk.widths[c] // 4 + 4))
                r += 1
                for row in blk.rows:
                    for c, v in enumerate(row):
                        if isinstance(v, (int, float)) and not isinstance(v, bool):
                            ws.write_number(r, c, v, num)
                        else:
                            ws.write_string(r, c, str(v), text)
                    r += 1
            for para in blk.after:
                ws.write_string(r, 0, para, text)
                r += 1
        if not tables:
            ws.set_column(0, 0, 100)
    wb.close()


def _json_default(o):
    if isinstance(o, date):
        return o.isoformat()
    raise TypeError(type(o).__name__)


def write_json(d: RectificationData, path: Path) -> None:
    data = asdict(d)
    for a, src in zip(data["agencies"], d.agencies, strict=True):
        a["rate"] = src.rate
    with open(path, "w", encoding="utf-8", newline="\n") as out:
        json.dump(data, out, ensure_ascii=False, indent=1, default=_json_default)
        out.write("\n")


def write_web(d: RectificationData, path: Path, fmt: str, templates_dir=None) -> None:
    from jinja2 import TemplateError

    from .web import _template_error, environment

    name = f"rectification.{fmt}.j2"
    try:
        text = environment(fmt == "md", templates_dir).get_template(name).render(data=d, sections=sections(d), intro=intro(d))
    except TemplateError as exc:
        raise _template_error(exc, name) from None
    with open(path, "w", encoding="utf-8", newline="\n") as out:
        out.write(text)


def build(d: RectificationData, outdir: str | Path, formats=FORMATS, templates_dir=None) -> list[Path]:
    from .filenames import safe_filename

    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    stem = safe_filename(d.title + ("（公开版）" if d.public else ""))
    written = []
    for fmt in formats:
        path = outdir / f"{stem}.{fmt}"
        tmp = path.with_name(path.name + ".part")
        if fmt == "docx":
            write_docx(d, tmp)
        elif fmt == "xlsx":
            write_xlsx(d, tmp)
        elif fmt == "json":
            write_json(d, tmp)
        else:
            write_web(d, tmp, fmt, templates_dir)
        tmp.replace(path)
        written.append(path)
    return written
