"""Writing answers: export files (CSV with a formula guard, Excel) and the one-transaction write
of an answers import (answers, history rows, revisions, scores, submissions)."""

from __future__ import annotations

import csv
import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import bindparam, insert, update

from anjuan import models as m
from anjuan.integrity import chain
from anjuan.integrity.seal import seal
from anjuan.review.answers_read import _FORMULA_START, EXPORT_COLUMNS, _fmt
from anjuan.review.answers_validate import _Case, _Planned, _Review
from scoring import Standard, score_case

if TYPE_CHECKING:
    from anjuan.review.answers_io import ImportReport


def _guard(s: str) -> str:
    return "'" + s if s.startswith(_FORMULA_START) else s


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

