"""整改台账: one ledger per agency, one row per problem, as Excel (to fill in and send back) and
Word (to send with the notice). Pure: plain data in, files out.

The first columns are filled by the bureau and must not be changed; the agency fills the columns
from 整改状态 on. Rows are matched back to problems by 问题编号, never by their position, so an
agency may sort, filter or delete rows it has not worked on.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from . import wording as w

COL_CODE = "问题编号"
COL_AGENCY = "执法机关"
COL_CASE = "案号"
COL_TITLE = "案件名称"
COL_SOURCE = "问题来源"
COL_ITEM = "评查项目"
COL_PROBLEM = "存在问题"
COL_PAGES = "卷内页码"
COL_DEADLINE = "整改期限"
COL_STATE = "整改状态"
COL_MEASURE = "整改措施"
COL_OWNER = "责任人"
COL_PROGRESS = "完成情况"
COL_DONE = "完成日期"
COL_EVIDENCE = "佐证材料"
COL_REASON = "不予整改理由"

BUREAU_COLUMNS = (COL_CODE, COL_AGENCY, COL_CASE, COL_TITLE, COL_SOURCE, COL_ITEM, COL_PROBLEM, COL_PAGES, COL_DEADLINE)
AGENCY_COLUMNS = (COL_STATE, COL_MEASURE, COL_OWNER, COL_PROGRESS, COL_DONE, COL_EVIDENCE, COL_REASON)
COLUMNS = BUREAU_COLUMNS + AGENCY_COLUMNS
STATES_TO_FILL = ("未整改", "整改中", "已整改", "不予整改")


@dataclass(slots=True)
class LedgerLine:
    code: str
    agency: str
    case_no: str
    title: str
    source: str  # 抽查 | 自查
    item: str  # checklist item, "A1 立案审批…"
    problem: str
    page_ref: str
    deadline: date
    state: str
    measure: str = ""
    owner: str = ""
    progress: str = ""
    done_on: date | None = None
    evidence: str = ""
    reason: str = ""

    def cells(self) -> list:
        return [self.code, self.agency, self.case_no, self.title, self.source, self.item, self.problem, self.page_ref,
                self.deadline, self.state, self.measure, self.owner, self.progress, self.done_on, self.evidence,
                self.reason]


@dataclass(slots=True)
class LedgerSheet:
    campaign: str
    organiser: str
    agency: str
    generated_on: date
    lines: list[LedgerLine] = field(default_factory=list)

    @property
    def title(self) -> str:
        return f"{self.agency}{self.campaign}问题整改台账"


def write_ledger_xlsx(sheet: LedgerSheet, path: Path) -> None:
    import xlsxwriter

    wb = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False, "strings_to_urls": False,
                                         "strings_to_numbers": False})
    font = {"font_name": "宋体", "font_size": 10.5}
    head = wb.add_format({**font, "bold": True, "bg_color": "#D9E1F2", "border": 1, "align": "center",
                          "valign": "vcenter", "text_wrap": True})
    fill_head = wb.add_format({**font, "bold": True, "bg_color": "#FFF2CC", "border": 1, "align": "center",
                               "valign": "vcenter", "text_wrap": True})
    locked = wb.add_format({**font, "valign": "top", "text_wrap": True, "border": 1, "bg_color": "#F2F2F2"})
    locked_date = wb.add_format({**font, "valign": "top", "border": 1, "bg_color": "#F2F2F2", "num_format": "yyyy-mm-dd"})
    free = wb.add_format({**font, "valign": "top", "text_wrap": True, "border": 1, "locked": False})
    free_date = wb.add_format({**font, "valign": "top", "border": 1, "locked": False, "num_format": "yyyy-mm-dd"})
    title = wb.add_format({"font_name": "黑体", "font_size": 16, "align": "center", "valign": "vcenter"})
    note = wb.add_format({**font, "text_wrap": True, "valign": "top"})
    wb.set_properties({"title": sheet.title, "author": sheet.organiser, "comments": "anjuan"})
    ws = wb.add_worksheet("整改台账")
    last = len(COLUMNS) - 1
    ws.merge_range(0, 0, 0, last, sheet.title, title)
    ws.set_row(0, 30)
    ws.merge_range(1, 0, 1, last,
                   "填写说明：灰色各列由评查组填写，请勿修改；黄色表头各列由执法机关填写。整改状态填“未整改”“整改中”"
                   "“已整改”或“不予整改”；已整改的须填写整改措施和完成日期（如 2025-03-15），不予整改的须说明理由。"
                   "可以排序、筛选，但请保留“问题编号”列，并以本表（Excel 格式）报回。", note)
    ws.set_row(1, 45)
    header_row = 2
    for c, name in enumerate(COLUMNS):
        ws.write_string(header_row, c, name, fill_head if name in AGENCY_COLUMNS else head)
    widths = (10, 16, 18, 22, 7, 22, 30, 9, 11, 9, 26, 8, 24, 11, 18, 18)
    for c, wd in enumerate(widths):
        ws.set_column(c, c, wd)
    for r, line in enumerate(sheet.lines, header_row + 1):
        for c, v in enumerate(line.cells()):
            bureau = c < len(BUREAU_COLUMNS)
            if isinstance(v, date):
                ws.write_datetime(r, c, _dt(v), locked_date if bureau else free_date)
            elif v is None or v == "":
                ws.write_blank(r, c, None, locked if bureau else free)
            else:
                ws.write_string(r, c, str(v), locked if bureau else free)
    if sheet.lines:
        end = header_row + len(sheet.lines)
        state_col = COLUMNS.index(COL_STATE)
        ws.data_validation(header_row + 1, state_col, end, state_col, {
            "validate": "list", "source": list(STATES_TO_FILL),
            "error_title": "整改状态", "error_message": "请填写 未整改、整改中、已整改 或 不予整改"})
        done_col = COLUMNS.index(COL_DONE)
        ws.data_validation(header_row + 1, done_col, end, done_col, {
            "validate": "date", "criteria": ">=", "value": _dt(date(2000, 1, 1)),
            "error_title": "完成日期", "error_message": "请填写日期，如 2025-03-15"})
        ws.autofilter(header_row, 0, end, last)
    ws.freeze_panes(header_row + 1, 1)
    ws.set_paper(9)
    ws.set_landscape()
    ws.fit_to_pages(1, 0)
    ws.repeat_rows(header_row)
    ws.set_footer("&C第 &P 页，共 &N 页")
    wb.close()


def _dt(d: date):
    from datetime import datetime

    return datetime(d.year, d.month, d.day)


def write_ledger_docx(sheet: LedgerSheet, path: Path) -> None:
    """The ledger as a 公文 attachment: title, a short lead-in, the table, the signature."""
    from .word import C, DocxWriter, L, _Body

    b = _Body()
    b.p(sheet.title, "DocTitle")
    b.p(f"{sheet.agency}：", "NoIndent")
    deadlines = sorted({x.deadline for x in sheet.lines})
    if sheet.lines:
        due = w.cn_date(deadlines[0]) if len(deadlines) == 1 else f"{w.cn_date(deadlines[0])}至{w.cn_date(deadlines[-1])}"
        b.p(f"根据{sheet.campaign}结果，你单位共有{len(sheet.lines)}个问题需要整改，详见下表。请逐项制定整改措施，"
            f"明确责任人和完成时限，于{due}前完成整改，并将填写完整的整改台账（Excel 格式）连同佐证材料报回。")
        b.table(["编号", "案号", "评查项目", "存在问题", "页码", "整改期限", "整改措施", "责任人", "完成情况"],
                [(x.code, x.case_no, x.item, x.problem, x.page_ref or "—", x.deadline.isoformat(), x.measure, x.owner,
                  x.progress or x.state) for x in sheet.lines],
                [5, 9, 9, 13, 4, 6, 9, 4, 6], [C, L, L, L, C, C, L, C, L])
    else:
        b.p(f"根据{sheet.campaign}结果，你单位暂无需要整改的问题。")
    b.p("")
    b.p(sheet.organiser, "Signature")
    b.p(w.cn_date(sheet.generated_on), "Signature")
    DocxWriter()._save(b, path, sheet.title, sheet.organiser)
