"""The lead's other documents (pure: plain data in, files out).

- 调卷通知: one letter per agency listing the files drawn, to be delivered for review (docx), and
  one workbook with a sheet per agency (xlsx).
- 案卷评查表: one Word document per reviewer, a page (or more) per file: the file's particulars, every
  applicable checklist item with the reviewer's finding, the score and grade, and signature lines
  for the reviewer and the lead. Files not yet reviewed get a blank form to fill in by hand.

Both use the official-document layout of reports.word (GB/T 9704-2012).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from . import wording as w
from .filenames import UniqueNames


@dataclass(slots=True)
class NoticeFile:
    case_no: str
    title: str
    kind: str
    decided_on: str


@dataclass(slots=True)
class NoticeAgency:
    name: str
    files: list[NoticeFile] = field(default_factory=list)


@dataclass(slots=True)
class NoticeData:
    campaign: str
    organiser: str
    issued_on: date
    deliver_by: date  # 报送案卷的期限
    place: str  # where the files are delivered
    contact: str  # 联系人及电话
    agencies: list[NoticeAgency] = field(default_factory=list)
    doc_no: str = ""


@dataclass(slots=True)
class FormItem:
    category: str
    text: str
    points: float
    veto: bool
    verdict: str  # 符合 / 扣分 / 否决 / 不适用 / "" (not answered)
    deducted: float
    note: str
    page_ref: str


@dataclass(slots=True)
class FormFile:
    agency: str
    case_no: str
    title: str
    party: str
    kind: str
    reviewer: str
    status: str  # 已提交 / 草稿 / 未评查
    score: float | None
    grade: str
    items: list[FormItem] = field(default_factory=list)
    note: str = ""


@dataclass(slots=True)
class FormBook:
    """Every form of one reviewer."""

    campaign: str
    organiser: str
    standard: str
    reviewer: str
    unit: str
    files: list[FormFile] = field(default_factory=list)


def notice_title(data: NoticeData) -> str:
    return f"关于报送{data.campaign}案卷的通知"


def notice_text(data: NoticeData, a: NoticeAgency) -> list[str]:
    who = data.organiser or "我局"
    out = [f"根据{data.campaign}工作安排，{who}按照公开的随机方法，从你单位报送的案卷目录中抽取了"
           f"{len(a.files)}卷案卷（见附件）进行评查。现将有关事项通知如下："]
    n = 1
    out.append(f"（{w.cn_num(n)}）请于{w.cn_date(data.deliver_by)}前将上述案卷的正本"
               + (f"报送至{data.place}" if data.place else "报送我局") + "。案卷应当完整、按规定装订，不得增补、抽换卷内材料。")
    n += 1
    out.append(f"（{w.cn_num(n)}）案卷确因特殊原因无法按时报送的，请书面说明理由；已抽取的案卷不得以其他案卷替换。")
    n += 1
    if data.contact:
        out.append(f"（{w.cn_num(n)}）联系人：{data.contact}。")
    return out


def write_notices(data: NoticeData, outdir: Path, formats: tuple[str, ...] = ("docx", "xlsx")) -> list[Path]:
    """Write the notices: one .docx per agency, and 调卷清单.xlsx with a sheet per agency."""
    from .build import _write

    outdir.mkdir(parents=True, exist_ok=True)
    written = []
    names = UniqueNames()
    if "docx" in formats:
        from .word import DocxWriter

        writer = DocxWriter()
        for a in data.agencies:
            target = outdir / f"{names.take(a.name + '调卷通知')}.docx"
            written.append(_write(target, writer.write_notice, data, a))
    if "xlsx" in formats:
        target = outdir / "调卷清单.xlsx"
        written.append(_write(target, _notice_xlsx, data))
    return written


def _notice_xlsx(data: NoticeData, path: Path) -> None:
    import xlsxwriter

    from .excel import _text

    wb = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False, "strings_to_urls": False,
                                         "strings_to_numbers": False})
    font = {"font_name": "宋体", "font_size": 10.5}
    head = wb.add_format({**font, "bold": True, "bg_color": "#D9E1F2", "border": 1, "align": "center"})
    text = wb.add_format({**font, "border": 1, "text_wrap": True, "valign": "top"})
    title = wb.add_format({"font_name": "黑体", "font_size": 14})
    used: set[str] = set()
    summary = wb.add_worksheet("汇总")
    summary.write_string(0, 0, _text(notice_title(data)), title)
    for c, (h, wd) in enumerate((("执法机关", 36), ("抽取卷数", 10), ("报送期限", 16))):
        summary.set_column(c, c, wd)
        summary.write_string(2, c, h, head)
    for r, a in enumerate(data.agencies, 3):
        summary.write_string(r, 0, _text(a.name), text)
        summary.write_number(r, 1, len(a.files), text)
        summary.write_string(r, 2, w.cn_date(data.deliver_by), text)
    for a in data.agencies:
        ws = wb.add_worksheet(_sheet_name(a.name, used))
        ws.set_paper(9)
        ws.fit_to_pages(1, 0)
        ws.repeat_rows(2)
        ws.write_string(0, 0, _text(f"{a.name}抽取案卷清单"), title)
        for c, (h, wd) in enumerate((("序号", 6), ("案号", 24), ("案件名称", 44), ("案件类别", 10),
                                     ("结案日期", 12), ("报送情况", 12))):
            ws.set_column(c, c, wd)
            ws.write_string(2, c, h, head)
        for r, f in enumerate(a.files, 3):
            ws.write_number(r, 0, r - 2, text)
            for c, v in enumerate((f.case_no, f.title, f.kind, f.decided_on), 1):
                ws.write_string(r, c, _text(v), text)
            ws.write_blank(r, 5, None, text)
    wb.close()


def _sheet_name(name: str, used: set[str]) -> str:
    base = "".join(ch for ch in name if ch not in "[]:*?/\\'")[:28] or "执法机关"
    cand, n = base, 1
    while cand.casefold() in used:
        n += 1
        cand = f"{base[:26]}{n}"
    used.add(cand.casefold())
    return cand


def write_forms(books: list[FormBook], outdir: Path) -> list[Path]:
    """One 案卷评查表 document per reviewer."""
    from .build import _write
    from .word import DocxWriter

    outdir.mkdir(parents=True, exist_ok=True)
    writer = DocxWriter()
    names = UniqueNames()
    written = []
    for book in books:
        target = outdir / f"{names.take(book.reviewer + '案卷评查表')}.docx"
        written.append(_write(target, writer.write_forms, book))
    return written
