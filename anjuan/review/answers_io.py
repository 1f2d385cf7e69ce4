"""Scripted answers: export review answers to CSV/Excel and import them back in bulk.

Used for bulk entry (a reviewer fills in a spreadsheet instead of the screens), migration from
other review tools, and tests.

Sheet layout, one row per answered checklist item (header in row 1):

    案号 | 执法机关 | 条目编号 | 结论 | 扣分 | 问题描述 | 卷内页码 [| 条目内容 | 评查人员 | 状态]

The first seven columns are the ones read back; the export adds 条目内容, 评查人员 and 状态 for
the reader. On import 条目内容 and 状态 are ignored; a non-blank 评查人员 must be the reviewer the
sheet is imported for (so a whole-campaign export is not imported as one person's work).

Import rules:
* Everything is checked first and every problem is reported (file, Excel row, column, value);
  then all answers are written in ONE transaction, or nothing at all.
* Each changed answer is written as the screens write it: an AnswerHistory row (action "answer",
  actor = the reviewer, old/new as StoredAnswer.to_json), the review's revision bumped by one per
  history row, and score/grade/veto recomputed. A review is created for an assigned file that
  has none yet.
* A row identical to the stored answer is left alone (no history row, no revision bump), so
  importing a sheet twice changes nothing the second time. Because of that, rows of an already
  submitted review are accepted when they match what was submitted; a row that would change a
  submitted review is an error (submitted reviews are read-only until reopened).
* --submit (submit=True) then submits, in the same transaction, every file of the sheet whose
  applicable items are all answered. Files that still have unanswered items are NOT refused:
  they are saved as drafts (评查中) and listed in the report with their missing items.
* 扣分 may be blank for 符合/不适用 (0) and for 否决 (the item's points); full-width digits
  ("２") and a trailing “分” are accepted; every cell is trimmed.
* CSV export is UTF-8 with BOM (opens correctly in Excel on Chinese Windows). A text cell that
  starts with = + - @ is written with a leading apostrophe so Excel does not run it as a
  formula; the import removes that apostrophe again. Excel export writes text with write_string
  (never formulas) and 扣分 as a number.
* The item's deduction option / occurrence count (chosen on the screens) is not part of the
  sheet: imported changes store option = none, occurrences = 1; unchanged rows keep theirs.
"""

from __future__ import annotations

import csv
import json
import math
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import bindparam, insert, select, update

from anjuan import models as m
from anjuan.campaign import campaign_info
from anjuan.db import ROLE_PACKAGE, Database, database_role
from anjuan.errors import AnjuanError, InputError
from anjuan.integrity import chain
from anjuan.integrity.seal import seal
from anjuan.review.reviewing import STATUS_LABELS, StoredAnswer, resolve_reviewer, validate_answer
from anjuan.tables import column_letter
from scoring import DEDUCT, NA, PASS, VERDICTS, VETO, Standard, score_case

CORE_COLUMNS = ("案号", "执法机关", "条目编号", "结论", "扣分", "问题描述", "卷内页码")
EXTRA_COLUMNS = ("条目内容", "评查人员", "状态")
EXPORT_COLUMNS = CORE_COLUMNS + EXTRA_COLUMNS

FIELDS = ("case_no", "agency", "item", "verdict", "deducted", "note", "page_ref", "reviewer")
FIELD_LABELS = dict(zip(FIELDS, CORE_COLUMNS + ("评查人员",), strict=True))
REQUIRED_FIELDS = FIELDS[:7]

# Header names accepted on import, per field (the export's own names first).
HEADER_ALIASES: dict[str, tuple[str, ...]] = {
    "case_no": ("案号", "案卷号", "决定书文号", "文号"),
    "agency": ("执法机关", "执法单位", "实施机关"),
    "item": ("条目编号", "条目", "评查条目", "条目号", "评查项目编号"),
    "verdict": ("结论", "评查结论", "评查结果"),
    "deducted": ("扣分", "扣分值", "扣分分值"),
    "note": ("问题描述", "存在问题", "问题", "说明"),
    "page_ref": ("卷内页码", "页码", "卷内页"),
    "reviewer": ("评查人员", "评查人", "评查员"),
}
_ALIAS = {alias: fld for fld, names in HEADER_ALIASES.items() for alias in names}

MAX_ERRORS_SHOWN = 50
HEADER_SCAN_ROWS = 10
IN_CHUNK = 500
EPS = 1e-9

# Full-width ASCII → half-width, ideographic space → space, invisible marks removed.
_FW = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)}
_FW.update({0x3000: 0x20, 0x200B: None, 0x200C: None, 0x200D: None, 0xFEFF: None})
_FW_TABLE = str.maketrans(_FW)
# Cells Excel would take as the start of a formula when it opens a CSV file.
_FORMULA_START = ("=", "+", "-", "@")


# ---------------------------------------------------------------------------------------------
# Results


@dataclass(frozen=True)
class ExportReport:
    path: str
    rows: int
    files: int
    reviewers: list[str]


@dataclass
class ImportReport:
    """What an import wrote. Labels are “执法机关 案号”."""

    file: str
    reviewer: str
    rows: int = 0                 # data rows read from the sheet
    files: int = 0                # case files named in the sheet
    files_touched: int = 0        # files with at least one answer written or submitted
    answers_written: int = 0      # answers inserted or changed (one history row each)
    unchanged: int = 0            # rows identical to the stored answer (not rewritten)
    reviews_created: int = 0
    submitted: list[str] = field(default_factory=list)
    # --submit only: files left as drafts, with their unanswered item ids
    incomplete: list[tuple[str, list[str]]] = field(default_factory=list)
    already_submitted: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class SheetProblem:
    """One problem in an answer sheet, located as the user sees it in Excel."""

    file: str
    row: int
    column: str
    letter: str
    message: str

    def __str__(self) -> str:
        col = f" {self.column}（{self.letter}列）" if self.column else ""
        return f"{self.file} 第{self.row}行{col}：{self.message}"


# ---------------------------------------------------------------------------------------------
# Small helpers


def _norm(s: str) -> str:
    """Trimmed, full-width ASCII made half-width, whitespace runs collapsed."""
    if not s.isascii():
        s = s.translate(_FW_TABLE)
    return " ".join(s.split())


def _cell(s: str) -> str:
    """A cell as read: trimmed, invisible marks dropped, an export's formula guard removed."""
    s = s.replace("\ufeff", "").replace("\u200b", "").strip()
    if len(s) > 1 and s[0] == "'" and s[1] in _FORMULA_START:
        s = s[1:]
    return s


def _guard(s: str) -> str:
    return "'" + s if s.startswith(_FORMULA_START) else s


def _header_key(s: str) -> str:
    return "".join(_norm(s).split()).strip("*※△▲★☆:：")


def _fmt(x: float) -> str:
    return f"{x:g}"


def _parse_number(text: str) -> float | None:
    """“2”, “２”, “1.5”, “１．５分” → float; None when it is not a number."""
    t = _norm(text).replace("。", ".")
    if t.endswith("分"):
        t = t[:-1].strip()
    try:
        x = float(t)
    except ValueError:
        return None
    return x if math.isfinite(x) else None


def _chunks(values: Sequence, n: int = IN_CHUNK) -> Iterable[Sequence]:
    for i in range(0, len(values), n):
        yield values[i:i + n]


class _Clock:
    """ISO-8601 UTC stamps that strictly increase, so history rows keep their order."""

    def __init__(self) -> None:
        self.last: datetime | None = None

    def __call__(self) -> str:
        t = datetime.strptime(m.now(), "%Y-%m-%dT%H:%M:%S.%fZ")
        if self.last is not None and t <= self.last:
            t = self.last + timedelta(microseconds=1)
        self.last = t
        return t.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


# ---------------------------------------------------------------------------------------------
# Export


def _export_rows(db: Database, std: Standard, reviewer_id: str | None) -> list[list]:
    an, rv, cf, ag, rr = (m.Answer.__table__, m.Review.__table__, m.CaseFile.__table__,
                          m.Agency.__table__, m.Reviewer.__table__)
    q = (
        select(ag.c.name, cf.c.case_no, rr.c.name, rv.c.status, an.c.item_id, an.c.verdict,
               an.c.deducted, an.c.note, an.c.page_ref)
        .select_from(an.join(rv, rv.c.id == an.c.review_id).join(cf, cf.c.id == rv.c.case_id)
                     .join(ag, ag.c.id == cf.c.agency_id).join(rr, rr.c.id == rv.c.reviewer_id))
        .where(rv.c.is_final == False)  # noqa: E712
    )
    if reviewer_id is not None:
        q = q.where(rv.c.reviewer_id == reviewer_id)
    order = {item.id: i for i, item in enumerate(std.items)}
    with db.session() as s:
        found = s.execute(q).all()
    found.sort(key=lambda r: (r[0], r[1], r[2], order.get(r[4], len(order)), r[4]))
    rows = []
    for agency, case_no, reviewer, status, item_id, verdict, deducted, note, page in found:
        text = std.item(item_id).text if std.has_item(item_id) else ""
        rows.append([case_no, agency, item_id, verdict, float(deducted) if verdict == DEDUCT else None,
                     note or "", page or "", text, reviewer, STATUS_LABELS.get(status, status)])
    return rows


def _write_csv(path: Path, rows: list[list]) -> None:
    with open(path, "w", encoding="utf-8-sig", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(EXPORT_COLUMNS)
        for row in rows:
            w.writerow(["" if v is None else _fmt(v) if isinstance(v, float) else _guard(v) for v in row])


def _write_xlsx(path: Path, rows: list[list]) -> None:
    import xlsxwriter

    wb = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False, "strings_to_urls": False,
                                         "strings_to_numbers": False})
    ws = wb.add_worksheet("评查结论")
    head = wb.add_format({"bold": True, "bg_color": "#D9E1F2", "border": 1, "text_wrap": True, "valign": "vcenter"})
    wrap = wb.add_format({"text_wrap": True, "valign": "top"})
    top = wb.add_format({"valign": "top"})
    number = wb.add_format({"valign": "top", "num_format": "0.##"})
    widths = (24, 22, 10, 8, 7, 40, 12, 40, 10, 8)
    for c, (name, width) in enumerate(zip(EXPORT_COLUMNS, widths, strict=True)):
        ws.write_string(0, c, name, head)
        ws.set_column(c, c, width, wrap if name in ("问题描述", "条目内容") else None)
    for r, row in enumerate(rows, 1):
        for c, v in enumerate(row):
            if isinstance(v, float):
                ws.write_number(r, c, v, number)
            elif v:
                ws.write_string(r, c, v, wrap if EXPORT_COLUMNS[c] in ("问题描述", "条目内容") else top)
    ws.freeze_panes(1, 0)
    ws.autofilter(0, 0, max(len(rows), 1), len(EXPORT_COLUMNS) - 1)
    wb.close()


def _template_rows(db: Database, std: Standard, reviewer_id: str, answered: list[list]) -> list[list]:
    """Every applicable item of every file assigned to the reviewer: answered rows as they are,
    the others with an empty 结论 to fill in."""
    cf, ag, asg, rr = m.CaseFile.__table__, m.Agency.__table__, m.Assignment.__table__, m.Reviewer.__table__
    with db.session() as s:
        name = s.scalar(select(rr.c.name).where(rr.c.id == reviewer_id))
        files = s.execute(select(ag.c.name, cf.c.case_no, cf.c.kind).select_from(
            asg.join(cf, cf.c.id == asg.c.case_id).join(ag, ag.c.id == cf.c.agency_id))
            .where(asg.c.reviewer_id == reviewer_id).order_by(ag.c.name, cf.c.case_no)).all()
    have = {(r[1], r[0], r[2]): r for r in answered}
    status = {(r[1], r[0]): r[9] for r in answered}
    rows = []
    for agency, case_no, kind in files:
        for item in std.items_for(kind or ""):
            row = have.get((agency, case_no, item.id))
            rows.append(row or [case_no, agency, item.id, "", None, "", "", item.text, name,
                                status.get((agency, case_no), STATUS_LABELS[None])])
    return rows


def export_answers(db: Database, out: str | Path, reviewer_name: str | None = None,
                   template: bool = False) -> ExportReport:
    """Write answers to `out` (.csv or .xlsx), one row per answered item.

    With a reviewer name: that reviewer's own reviews. Without: a reviewer package's own
    reviewer, or on a campaign database every reviewer's original (not final) reviews.
    With template, every applicable item of the reviewer's files gets a row (empty 结论 where
    not answered yet), ready to fill in and import.
    """
    out = Path(out)
    suffix = out.suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        raise InputError(f"{out.name}：不支持的导出格式“{suffix or '（无扩展名）'}”，请使用 .csv 或 .xlsx")
    if not out.parent.exists():
        raise InputError(f"目录 {out.parent} 不存在，请先创建该目录")
    std = campaign_info(db).standard
    reviewer_id = None
    if reviewer_name or database_role(db) == ROLE_PACKAGE:
        reviewer_id = resolve_reviewer(db, reviewer_name).id
    rows = _export_rows(db, std, reviewer_id)
    if template:
        if reviewer_id is None:
            raise InputError("生成录入模板须指定评查人员（--reviewer），或在评查人员的数据包上运行")
        rows = _template_rows(db, std, reviewer_id, rows)
    tmp = out.with_name(f".{out.stem}.{os.getpid()}.tmp{suffix}")
    try:
        if suffix == ".csv":
            _write_csv(tmp, rows)
        else:
            _write_xlsx(tmp, rows)
        os.replace(tmp, out)
    except Exception as exc:
        tmp.unlink(missing_ok=True)
        if isinstance(exc, OSError) or type(exc).__name__ == "FileCreateError":
            raise AnjuanError(f"无法写入 {out}（{exc}）。如该文件正在 Excel 中打开，请先关闭后重试") from None
        raise
    files = {(r[1], r[0], r[8]) for r in rows}
    reviewers = sorted({r[8] for r in rows})
    return ExportReport(str(out), len(rows), len(files), reviewers)


# ---------------------------------------------------------------------------------------------
# Import: reading the sheet


@dataclass
class _Row:
    row: int                     # Excel row number
    cells: dict[str, str]        # field → trimmed cell text


@dataclass
class _Sheet:
    name: str
    columns: dict[str, int]      # field → column index
    headers: dict[str, str]      # field → header text as written
    rows: list[_Row]

    def problem(self, row: int, fld: str | None, message: str) -> SheetProblem:
        if fld is None:
            return SheetProblem(self.name, row, "", "", message)
        return SheetProblem(self.name, row, self.headers[fld], column_letter(self.columns[fld]), message)


def _header_fields(cells: list[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for i, c in enumerate(cells):
        fld = _ALIAS.get(_header_key(c))
        if fld is not None and fld not in found:
            found[fld] = i
    return found


def read_sheet(path: str | Path) -> _Sheet:
    """Read an answer sheet (CSV in UTF-8/GBK/GB18030, or Excel) into trimmed rows."""
    from anjuan.tables import read_table

    path = Path(path)
    table = read_table(path)
    header_at, columns = None, {}
    for i, row in enumerate(table[:HEADER_SCAN_ROWS]):
        cols = _header_fields(row)
        if all(f in cols for f in ("case_no", "item", "verdict")):
            header_at, columns = i, cols
            break
    if header_at is None:
        if not any(any(c.strip() for c in row) for row in table):
            raise InputError(f"{path.name} 是空文件，没有评查结论")
        header_at, columns = 0, _header_fields(table[0]) if table else {}
    missing = [FIELD_LABELS[f] for f in REQUIRED_FIELDS if f not in columns]
    if missing:
        raise InputError(
            f"{path.name} 第{header_at + 1}行（表头）：缺少“{'”“'.join(missing)}”列",
            [f"表头应包含：{'、'.join(CORE_COLUMNS)}（{'、'.join(EXTRA_COLUMNS)} 可有可无）"])
    headers = {f: table[header_at][i].strip() for f, i in columns.items()}
    rows = []
    for n, raw in enumerate(table[header_at + 1:], header_at + 2):
        cells = {f: _cell(raw[i]) if i < len(raw) else "" for f, i in columns.items()}
        if not any(cells[f] for f in REQUIRED_FIELDS):
            continue
        rows.append(_Row(n, cells))
    return _Sheet(path.name, columns, headers, rows)


# ---------------------------------------------------------------------------------------------
# Import: checking against the database


@dataclass
class _Case:
    id: str
    agency: str
    case_no: str
    kind: str

    @property
    def label(self) -> str:
        return f"{self.agency} {self.case_no}"


@dataclass
class _Review:
    id: str
    status: str
    revision: int
    new: bool = False
    answers: dict[str, StoredAnswer] = field(default_factory=dict)
    answer_ids: dict[str, str] = field(default_factory=dict)


@dataclass
class _Planned:
    row: int
    case: _Case
    answer: StoredAnswer


def _load_cases(conn, reviewer_id: str) -> tuple[dict, dict]:
    """The reviewer's files (assigned, or with an own review): exact and normalised keys."""
    cf, ag, asg, rv = m.CaseFile.__table__, m.Agency.__table__, m.Assignment.__table__, m.Review.__table__
    mine = (cf.c.id.in_(select(asg.c.case_id).where(asg.c.reviewer_id == reviewer_id))
            | cf.c.id.in_(select(rv.c.case_id).where((rv.c.reviewer_id == reviewer_id) & (rv.c.is_final == False))))  # noqa: E712
    exact, normal = {}, {}
    for cid, case_no, kind, agency in conn.execute(
            select(cf.c.id, cf.c.case_no, cf.c.kind, ag.c.name)
            .select_from(cf.join(ag, ag.c.id == cf.c.agency_id)).where(mine)):
        case = _Case(cid, agency, case_no, kind or "")
        exact[(agency, case_no)] = case
        normal.setdefault((_norm(agency), _norm(case_no)), case)
    return exact, normal


def _existing_case_keys(conn, keys: set[tuple[str, str]]) -> set[tuple[str, str]]:
    """Of these (agency, case number) keys, normalised, those that exist in the catalog."""
    cf, ag = m.CaseFile.__table__, m.Agency.__table__
    found: set[tuple[str, str]] = set()
    numbers = sorted({no for _, no in keys} | {_norm(no) for _, no in keys})
    for chunk in _chunks(numbers):
        for agency, case_no in conn.execute(
                select(ag.c.name, cf.c.case_no).select_from(cf.join(ag, ag.c.id == cf.c.agency_id))
                .where(cf.c.case_no.in_(chunk))):
            found.add((_norm(agency), _norm(case_no)))
    return found


def _load_reviews(conn, reviewer_id: str, case_ids: list[str]) -> dict[str, _Review]:
    rv, an = m.Review.__table__, m.Answer.__table__
    reviews: dict[str, _Review] = {}
    by_id: dict[str, _Review] = {}
    for chunk in _chunks(case_ids):
        for rid, cid, status, revision in conn.execute(
                select(rv.c.id, rv.c.case_id, rv.c.status, rv.c.revision)
                .where((rv.c.reviewer_id == reviewer_id) & (rv.c.is_final == False) & rv.c.case_id.in_(chunk))  # noqa: E712
                .with_for_update()):  # locked like every review write (no lost revision on PostgreSQL)
            reviews[cid] = by_id[rid] = _Review(rid, status, revision or 0)
    for chunk in _chunks(list(by_id)):
        for a in conn.execute(select(an).where(an.c.review_id.in_(chunk))):
            r = by_id[a.review_id]
            r.answers[a.item_id] = StoredAnswer(a.item_id, a.verdict, a.deducted, a.option, a.occurrences,
                                                a.note or "", a.page_ref or "")
            r.answer_ids[a.item_id] = a.id
    return reviews


def _resolve_item(std: Standard, text: str) -> str | None:
    ident = _norm(text).replace(" ", "")
    if std.has_item(ident):
        return ident
    matches = [i.id for i in std.items if i.id.upper() == ident.upper()]
    return matches[0] if len(matches) == 1 else None


def _same(old: StoredAnswer, new: StoredAnswer) -> bool:
    """Equal in everything the sheet carries (option/occurrences are not in the sheet)."""
    return (old.verdict == new.verdict and abs((old.deducted or 0.0) - new.deducted) < EPS
            and (old.note or "") == new.note and (old.page_ref or "") == new.page_ref)


def _check_row(sheet: _Sheet, std: Standard, r: _Row, case: _Case | None,
               problems: list[SheetProblem]) -> StoredAnswer | None:
    """The row's answer, or None after recording its problems (file-level ones aside)."""
    c = r.cells
    n_before = len(problems)

    def bad(fld: str, message: str) -> None:
        problems.append(sheet.problem(r.row, fld, message))

    item_id = None
    if not c["item"]:
        bad("item", "条目编号为空")
    else:
        item_id = _resolve_item(std, c["item"])
        if item_id is None:
            bad("item", f"评查标准中没有条目“{c['item']}”")
    item = std.item(item_id) if item_id else None
    if item is not None and case is not None and not item.applies(case.kind):
        kind = f"“{case.kind}”类案卷"
        bad("item", f"条目“{item_id}”不适用于{kind}（案号 {case.case_no}）")

    verdict = _norm(c["verdict"]).replace(" ", "")
    if not verdict:
        bad("verdict", "结论为空，应为 符合/扣分/不适用/否决 之一")
        verdict = None
    elif verdict not in VERDICTS:
        bad("verdict", f"结论“{c['verdict']}”无效，应为 符合/扣分/不适用/否决 之一")
        verdict = None
    elif verdict == VETO and item is not None and not item.veto:
        bad("verdict", f"条目“{item_id}”不是否决项，不能选择“否决”")

    raw = c["deducted"]
    value = _parse_number(raw) if raw else None
    deducted = 0.0
    if raw and value is None:
        bad("deducted", f"扣分“{raw}”不是有效的数字")
    elif verdict == DEDUCT:
        if not raw:
            bad("deducted", "结论为“扣分”时须填写扣分分值")
        elif value <= 0:
            bad("deducted", f"扣分“{raw}”应大于 0")
        elif item is not None and value > item.points + EPS:
            bad("deducted", f"扣分“{raw}”超过条目“{item_id}”的分值 {_fmt(item.points)}")
        else:
            deducted = value
    elif verdict in (PASS, NA):
        if raw and abs(value) > EPS:
            bad("deducted", f"结论为“{verdict}”时扣分应为空或 0，实际为“{raw}”")
    elif verdict == VETO and item is not None:
        if raw and abs(value - item.points) > EPS:
            bad("deducted", f"否决项不另行扣分，扣分应为空（或该条目分值 {_fmt(item.points)}），实际为“{raw}”")
        deducted = item.points

    if len(problems) > n_before or item_id is None or verdict is None:
        return None
    if case is not None:
        why = validate_answer(std, case.kind, item_id, verdict, deducted)
        if why:
            bad("verdict", why)
            return None
    return StoredAnswer(item_id, verdict, deducted, None, 1, c["note"], c["page_ref"])


def _too_many(sheet: str, problems: list[SheetProblem]) -> InputError:
    problems.sort(key=lambda p: (p.row, p.letter.rjust(3)))
    lines = [str(p) for p in problems[:MAX_ERRORS_SHOWN]]
    if len(problems) > MAX_ERRORS_SHOWN:
        lines.append(f"{sheet}：还有 {len(problems) - MAX_ERRORS_SHOWN} 处错误未列出")
    return InputError(f"{sheet} 有 {len(problems)} 处错误，没有导入任何评查结论。请按下列提示修改后重新导入：", lines)


def _count(n: int) -> str:
    return f"（本表中该案卷共 {n} 行）" if n > 1 else ""


# ---------------------------------------------------------------------------------------------
# Import


def import_answers(db: Database, path: str | Path, reviewer_name: str | None,
                   submit: bool = False) -> ImportReport:
    """Import an answer sheet for one reviewer: all rows in one transaction, or nothing.

    Raises InputError listing every problem (nothing written) when any row is wrong.
    """
    sheet = read_sheet(path)
    # Rows of a template (answers export --template) not filled in yet are not answers.
    sheet.rows = [r for r in sheet.rows if any(
        r.cells.get(k) for k in ("verdict", "deducted", "note", "page_ref"))]
    if not sheet.rows:
        raise InputError(f"{sheet.name} 中没有评查结论（“结论”列均为空）")
    std = campaign_info(db).standard
    reviewer = resolve_reviewer(db, reviewer_name)
    report = ImportReport(sheet.name, reviewer.name, rows=len(sheet.rows))
    problems: list[SheetProblem] = []

    with db.session() as s:
        conn = s.connection()

        # 1. Which file each row is about.
        if "reviewer" in sheet.columns:
            others: dict[str, list[int]] = {}
            for r in sheet.rows:
                who = r.cells["reviewer"]
                if who and _norm(who) != _norm(reviewer.name):
                    others.setdefault(who, []).append(r.row)
            for who, rows in others.items():
                more = f"（共 {len(rows)} 行）" if len(rows) > 1 else ""
                problems.append(sheet.problem(rows[0], "reviewer", (
                    f"“{who}”与导入人员“{reviewer.name}”不一致{more}。请只导入本人的评查结论；"
                    f"如确需以“{reviewer.name}”的身份导入，请删除或清空“{sheet.headers['reviewer']}”列")))
        exact, normal = _load_cases(conn, reviewer.id)
        case_of: dict[int, _Case] = {}
        unresolved: dict[tuple[str, str], list[int]] = {}
        for r in sheet.rows:
            agency, case_no = r.cells["agency"], r.cells["case_no"]
            if not case_no:
                problems.append(sheet.problem(r.row, "case_no", "案号为空"))
                continue
            if not agency:
                problems.append(sheet.problem(r.row, "agency", f"执法机关为空（案号“{case_no}”）"))
                continue
            case = exact.get((agency, case_no)) or normal.get((_norm(agency), _norm(case_no)))
            if case is None:
                unresolved.setdefault((agency, case_no), []).append(r.row)
            else:
                case_of[r.row] = case
        if unresolved:
            role = conn.execute(select(m.Meta.__table__.c.value).where(m.Meta.__table__.c.key == "role")).scalar()
            is_package = role == "package"
            agencies = {_norm(a) for a in conn.execute(select(m.Agency.__table__.c.name)).scalars()}
            existing = _existing_case_keys(conn, set(unresolved))
            bad_agency: dict[str, list[int]] = {}
            for (agency, case_no), rows in unresolved.items():
                if _norm(agency) not in agencies:
                    bad_agency.setdefault(agency, []).extend(rows)
                elif (_norm(agency), _norm(case_no)) in existing:
                    problems.append(sheet.problem(rows[0], "case_no", (
                        f"案号“{case_no}”（{agency}）未分配给“{reviewer.name}”，不能导入其评查结论{_count(len(rows))}")))
                elif is_package:
                    problems.append(sheet.problem(rows[0], "case_no", (
                        f"本数据包中没有执法机关“{agency}”案号为“{case_no}”的案卷：数据包只含分配给“{reviewer.name}”的案卷，"
                        f"该案卷可能分配给了其他评查人员，或案号有误{_count(len(rows))}")))
                else:
                    problems.append(sheet.problem(rows[0], "case_no", (
                        f"执法机关“{agency}”没有案号为“{case_no}”的案卷{_count(len(rows))}")))
            for agency, rows in bad_agency.items():
                more = f"（共 {len(rows)} 行）" if len(rows) > 1 else ""
                problems.append(sheet.problem(min(rows), "agency", f"没有名为“{agency}”的执法机关{more}"))

        # 2. Each row's answer.
        planned: list[_Planned] = []
        seen: dict[tuple[str, str], int] = {}
        for r in sheet.rows:
            case = case_of.get(r.row)
            answer = _check_row(sheet, std, r, case, problems)
            if answer is None or case is None:
                continue
            first = seen.get((case.id, answer.item_id))
            if first is not None:
                problems.append(sheet.problem(r.row, "item", (
                    f"案号“{case.case_no}”的条目“{answer.item_id}”与第{first}行重复（同一案卷每个条目只能有一行）")))
                continue
            seen[(case.id, answer.item_id)] = r.row
            planned.append(_Planned(r.row, case, answer))

        # 3. What would change; submitted reviews are read-only.
        cases = {c.id: c for c in case_of.values()}
        reviews = _load_reviews(conn, reviewer.id, sorted(cases))
        changes: dict[str, list[_Planned]] = {}
        for p in planned:
            review = reviews.get(p.case.id)
            old = review.answers.get(p.answer.item_id) if review else None
            if old is not None and _same(old, p.answer):
                report.unchanged += 1
            else:
                changes.setdefault(p.case.id, []).append(p)
        for cid, todo in changes.items():
            review = reviews.get(cid)
            if review is not None and review.status == m.STATUS_SUBMITTED:
                case = cases[cid]
                more = f"（本表中该案卷有 {len(todo)} 行与已提交内容不同）" if len(todo) > 1 else ""
                problems.append(sheet.problem(todo[0].row, "case_no", (
                    f"案号“{case.case_no}”（{case.agency}）的评查已提交，为只读，不能通过导入修改{more}；"
                    "如需修改，请先退回重评")))

        if problems:
            raise _too_many(sheet.name, problems)

        # 4. Write everything.
        _write(conn, std, reviewer.id, cases, reviews, changes, submit, report)
    report.files = len(cases)
    return report


def _write(conn, std: Standard, actor_id: str, cases: dict[str, _Case], reviews: dict[str, _Review],
           changes: dict[str, list[_Planned]], submit: bool, report: ImportReport) -> None:
    rv, an, hist = m.Review.__table__, m.Answer.__table__, m.AnswerHistory.__table__
    clock = _Clock()
    new_reviews, review_updates, review_submits = [], [], []
    answer_inserts, answer_updates, history = [], [], []
    for cid in sorted(cases, key=lambda c: (cases[c].agency, cases[c].case_no)):
        case = cases[cid]
        review = reviews.get(cid)
        todo = changes.get(cid, [])
        if review is None:
            review = reviews[cid] = _Review(m.new_id(), m.STATUS_DRAFT, 0, new=True)
            report.reviews_created += 1
        old_status, bumps = review.status, 0
        for p in todo:
            stamp = clock()
            a = p.answer
            old = review.answers.get(a.item_id)
            values = {"verdict": a.verdict, "deducted": a.deducted, "option": a.option,
                      "occurrences": a.occurrences, "note": a.note, "page_ref": a.page_ref, "updated_at": stamp}
            if old is None:
                answer_inserts.append({"id": m.new_id(), "review_id": review.id, "item_id": a.item_id, **values})
            else:
                answer_updates.append({"b_id": review.answer_ids[a.item_id], **{f"b_{k}": v for k, v in values.items()}})
            history.append({"id": m.new_id(), "review_id": review.id, "item_id": a.item_id, "actor_id": actor_id,
                            "at": stamp, "action": "answer", "old": old.to_json() if old else None,
                            "new": a.to_json(), "reason": ""})
            review.answers[a.item_id] = a
            bumps += 1
        report.answers_written += len(todo)
        # Scored exactly as reviewing._state scores it (the kind as stored), so the UI shows the same.
        result = score_case(std, case.kind, [a.as_input() for a in review.answers.values()])
        submitted_at = None
        if submit and review.status != m.STATUS_SUBMITTED:
            if result.unanswered:
                report.incomplete.append((case.label, list(result.unanswered)))
            else:
                stamp = clock()
                history.append({"id": m.new_id(), "review_id": review.id, "item_id": None, "actor_id": actor_id,
                                "at": stamp, "action": "submit", "old": json.dumps({"status": old_status}),
                                "new": json.dumps({"status": m.STATUS_SUBMITTED}), "reason": ""})
                review.status, submitted_at = m.STATUS_SUBMITTED, stamp
                report.submitted.append(case.label)
                bumps += 1
        elif submit:
            report.already_submitted.append(case.label)
        if not bumps:
            continue
        report.files_touched += 1
        stamp = clock()
        values = {"status": review.status, "revision": review.revision + bumps, "score": result.score,
                  "grade": result.grade, "vetoed": result.vetoed, "updated_at": stamp}
        if review.new:
            new_reviews.append({"id": review.id, "case_id": cid, "reviewer_id": actor_id, "is_final": False,
                                "note": "", "created_at": stamp, "submitted_at": submitted_at, **values})
        else:
            row = {"b_id": review.id, **{f"b_{k}": v for k, v in values.items()}}
            if submitted_at is None:
                review_updates.append(row)
            else:
                review_submits.append(row | {"b_submitted_at": submitted_at})

    if new_reviews:
        conn.execute(insert(rv), new_reviews)
    if answer_inserts:
        conn.execute(insert(an), answer_inserts)
    if answer_updates:
        cols = ("verdict", "deducted", "option", "occurrences", "note", "page_ref", "updated_at")
        conn.execute(update(an).where(an.c.id == bindparam("b_id"))
                     .values({c: bindparam(f"b_{c}") for c in cols}), answer_updates)
    if history:
        # Hash-chained like every history row (anjuan.integrity.chain); heads stored below.
        heads = chain.link(conn, history)
        conn.execute(insert(hist), history)
    cols = ("status", "revision", "score", "grade", "vetoed", "updated_at")
    for rows, extra in ((review_updates, ()), (review_submits, ("submitted_at",))):
        if rows:
            conn.execute(update(rv).where(rv.c.id == bindparam("b_id"))
                         .values({c: bindparam(f"b_{c}") for c in cols + extra}), rows)
    if history:
        conn.execute(update(rv).where(rv.c.id == bindparam("b_id")).values(history_hash=bindparam("b_h")),
                     [{"b_id": k, "b_h": v} for k, v in heads.items()])
    seal(conn)


__all__ = [
    "CORE_COLUMNS", "EXPORT_COLUMNS", "ExportReport", "ImportReport", "SheetProblem", "export_answers",
    "import_answers", "read_sheet",
]
