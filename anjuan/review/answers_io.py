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

import os
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select

from anjuan import models as m
from anjuan.campaign import campaign_info
from anjuan.db import ROLE_PACKAGE, Database, database_role
from anjuan.errors import AnjuanError, InputError
from anjuan.review.answers_read import (  # noqa: F401  (re-exported)
    CORE_COLUMNS,
    EXPORT_COLUMNS,
    EXTRA_COLUMNS,
    FIELD_LABELS,
    SheetProblem,
    _norm,
    read_sheet,
)
from anjuan.review.answers_validate import (  # noqa: F401
    _Case,
    _check_row,
    _count,
    _existing_case_keys,
    _load_cases,
    _load_reviews,
    _Planned,
    _Review,
    _same,
    _too_many,
)
from anjuan.review.answers_write import _write, _write_csv, _write_xlsx
from anjuan.review.reviewing import STATUS_LABELS, resolve_reviewer
from anjuan.tables import normalise_case_no
from scoring import DEDUCT, Standard

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
            case = exact.get((agency, case_no)) or normal.get((_norm(agency), normalise_case_no(_norm(case_no))))
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


__all__ = [
    "CORE_COLUMNS", "EXPORT_COLUMNS", "ExportReport", "ImportReport", "SheetProblem", "export_answers",
    "import_answers", "read_sheet",
]
