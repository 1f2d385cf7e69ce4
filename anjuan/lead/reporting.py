"""Reading a campaign database into the plain data of its bulletin (reports.model.BulletinData).

This is the only place where reports meet the database: it reads the campaign, its standard,
sampling batches, agencies and catalog sizes, which review of each sampled file is final
(anjuan.lead.finals.file_outcomes), scores each final review with scoring.score_case, computes
agreement over double-reviewed files, and hands everything to reports.compute as plain data.

Only the answers that are not 符合 are read (one pass in table order), and only the final reviews' are
kept, compactly, until they are scored.
"""

from __future__ import annotations

import json
from collections import Counter
from contextlib import contextmanager
from dataclasses import replace
from datetime import date

from sqlalchemy import func, select

from anjuan import models as m
from anjuan.campaign import campaign_info
from anjuan.db import Database
from anjuan.lead.finals import DEFAULT_THRESHOLD, file_outcomes, paired_verdict_counts
from reports.build import paused_gc
from reports.compute import AgencyInput, CaseInput, ReportInputs, build_bulletin
from reports.model import AgreementStats, BulletinData, SamplingBatchInfo, WorkloadRow
from scoring import PASS, VERDICTS, AnswerInput, CaseScore, score_case
from scoring.agreement import agreement_from_counts

BATCHED = {"yield_per": 10_000}  # rows come from the driver in batches, not one call per row


def load_bulletin(db: Database, today: date | None = None, deadline: date | None = None,
                  public: bool = False, threshold: float = DEFAULT_THRESHOLD,
                  organiser: str | None = None) -> BulletinData:
    """The bulletin data of a campaign database (final reviews only); `organiser` overrides the
    organising body recorded at `anjuan init` (it signs the bulletin). `today` defaults to today
    in the bureau's time zone (anjuan.localtime)."""
    from anjuan.localtime import today as local_today

    with paused_gc():
        inputs = read_inputs(db, threshold)
        if organiser:
            inputs = replace(inputs, organiser=organiser.strip())
        return build_bulletin(inputs, today or local_today(), deadline, public)


class _InTransaction:
    """A Database stand-in whose sessions are one open transaction (file_outcomes reads in it)."""

    def __init__(self, s):
        self._s = s

    @contextmanager
    def read_session(self):
        yield self._s

    session = read_session


def read_inputs(db: Database, threshold: float = DEFAULT_THRESHOLD) -> ReportInputs:
    info = campaign_info(db)
    std = info.standard
    ag, cf, sc, asg, rv, sb = (m.Agency.__table__, m.CaseFile.__table__, m.SampledCase.__table__,
                               m.Assignment.__table__, m.Review.__table__, m.SamplingBatch.__table__)
    with db.snapshot_session("report") as s:
        # A snapshot for the report: no campaign-wide write (merge, 合议, assign…) runs meanwhile,
        # and every figure below is read in this one transaction (reviewers' saves cannot tear it).
        outcomes = file_outcomes(_InTransaction(s), threshold)  # type: ignore[arg-type]
        agency_names = dict(s.execute(select(ag.c.id, ag.c.name)).all())
        catalog = dict(s.execute(select(cf.c.agency_id, func.count()).group_by(cf.c.agency_id)).all())
        files = s.execute(
            select(cf.c.id, cf.c.agency_id, cf.c.case_no, cf.c.title, cf.c.party, cf.c.kind)
            .select_from(sc.join(cf, cf.c.id == sc.c.case_id))).all()
        assigned = dict(s.execute(select(asg.c.case_id, func.count()).group_by(asg.c.case_id)).all())
        batches = [_batch(row) for row in s.execute(
            select(sb.c.created_at, sb.c.seed, sb.c.params, sb.c.algorithm).order_by(sb.c.created_at))]

        kinds = {f.id: f.kind or "" for f in files}
        final_of = {o.final_review_id: cid for cid, o in outcomes.items()
                    if o.state == "final" and o.final_review_id}  # review id -> case id
        doubles = any(len(o.reviews) >= 2 for o in outcomes.values())
        notes = {rid: note for rid, note in s.execute(
            select(rv.c.id, rv.c.note).where(rv.c.status == m.STATUS_SUBMITTED, rv.c.note != ""))
            if rid in final_of}
        scores, options = _score_finals(s, std, final_of, kinds)
        tables = _pair_tables(s, outcomes) if doubles else {}

    cases = []
    for f in sorted(files, key=lambda f: (agency_names.get(f.agency_id, ""), f.case_no)):
        o = outcomes.get(f.id)
        state = o.state if o else "pending"
        reasons: tuple[str, ...] = ()
        if state == "conflict":
            reasons = o.reasons
        elif state == "pending":
            reasons = (_pending_reason(assigned.get(f.id, 0), len(o.reviews) if o else 0),)
        cs = scores.get(f.id) if state == "final" else None
        note = notes.get(o.final_review_id, "") if o and o.final_review_id else ""
        who = tuple(dict.fromkeys(r.reviewer for r in o.reviews)) if o else ()
        cases.append(CaseInput(f.id, agency_names.get(f.agency_id, ""), f.case_no, f.title or "", f.party or "",
                               f.kind or "", state, cs, note, bool(o and o.settled), reasons,
                               options.get(f.id), who))

    double_used = any(n >= 2 for n in assigned.values()) or any(len(o.reviews) >= 2 for o in outcomes.values())
    agree = _agreement(outcomes, tables, threshold) if double_used else None
    agencies = [AgencyInput(name, catalog.get(aid, 0)) for aid, name in agency_names.items()]
    workload = read_workload(db, outcomes)
    return ReportInputs(info.name, info.year, info.organiser, std, agencies, cases, batches, agree, workload)


def read_workload(db: Database, outcomes) -> list[WorkloadRow]:
    """Each reviewer's assigned, submitted and draft reviews and files settled by their review."""
    rr, asg, rv = m.Reviewer.__table__, m.Assignment.__table__, m.Review.__table__
    final_by: dict[str, int] = {}
    conflicts: dict[str, int] = {}
    for o in outcomes.values():
        if o.state == "final" and o.final_review_id:
            for r in o.reviews:
                if r.review_id == o.final_review_id:
                    final_by[r.reviewer_id] = final_by.get(r.reviewer_id, 0) + 1
        if o.state == "conflict":
            for r in o.reviews:
                conflicts[r.reviewer_id] = conflicts.get(r.reviewer_id, 0) + 1
    with db.read_session() as s:
        people = s.execute(select(rr.c.id, rr.c.name, rr.c.unit).order_by(rr.c.name)).all()
        assigned = dict(s.execute(select(asg.c.reviewer_id, func.count()).group_by(asg.c.reviewer_id)).all())
        counts: dict[tuple[str, str], int] = {}
        for rid, status, n in s.execute(select(rv.c.reviewer_id, rv.c.status, func.count())
                                        .where(rv.c.is_final == False)  # noqa: E712
                                        .group_by(rv.c.reviewer_id, rv.c.status)):
            counts[(rid, status)] = n
    out = []
    for pid, name, unit in people:
        row = WorkloadRow(name, unit or "", assigned.get(pid, 0), counts.get((pid, m.STATUS_SUBMITTED), 0),
                          counts.get((pid, m.STATUS_DRAFT), 0), final_by.get(pid, 0), conflicts.get(pid, 0))
        if row.assigned or row.submitted or row.drafts:
            out.append(row)
    return out


def _double_reviewed(rv):
    """Files with two or more submitted original reviews."""
    return (select(rv.c.case_id).where(rv.c.status == m.STATUS_SUBMITTED, rv.c.is_final == False)  # noqa: E712
            .group_by(rv.c.case_id).having(func.count() >= 2))


def _pending_reason(assigned: int, submitted: int) -> str:
    if not assigned and not submitted:
        return "尚未分配评查人员"
    if not submitted:
        return "尚未提交评查结果"
    need = max(assigned, 1)
    return f"已提交{submitted}份评查结果，还需{max(need - submitted, 1)}份"


def _batch(row) -> SamplingBatchInfo:
    from anjuan.localtime import local_date

    created_at, seed, params, algorithm = row
    try:
        p = json.loads(params or "{}")
    except ValueError:
        p = {}
    return SamplingBatchInfo(created_at or "", seed or "", p.get("ratio"), p.get("min"), p.get("max"),
                             bool(p.get("by_kind")), algorithm or "", list(p.get("agencies") or []),
                             local_date(created_at or ""))


def _score_finals(s, std, final_of: dict[str, str], kinds: dict[str, str]):
    """Each final review scored with scoring.score_case: {case id: CaseScore} and the deduction
    options chosen, {case id: {item id: option}}.

    Scoring needs only the answers that are not 符合: score_case treats an unanswered item exactly
    like a 符合 one (full marks), so leaving them out changes no score, category or problem, and
    reads about a quarter of the rows. Rows are read in table order (ordering them by review would
    make the database look up each row through the index, twice the time) and grouped by file here;
    the final reviews' rows are kept until they are scored. What is kept is made compact: the item
    ids, verdicts, notes and page references of the rows are shared (one string for each distinct
    text, where the database driver returns a new one for every row), and each CaseScore keeps its
    categories as one shared tuple per distinct value and no `unanswered` list (the items left out
    above are not unanswered).
    """
    an = m.Answer.__table__
    item_ids = {i.id: i.id for i in std.items}
    strings: dict[str, str] = {v: v for v in VERDICTS}
    share = strings.setdefault
    categories: dict[tuple, tuple] = {}
    full_marks: dict[str, CaseScore] = {}  # kind -> the score of a file with every item 符合

    def compact(cs: CaseScore) -> CaseScore:
        cats = categories.setdefault(cs.categories, cs.categories)
        return replace(cs, unanswered=(), categories=cats)

    given: dict[str, list[AnswerInput]] = {}  # case id -> the final review's answers
    options: dict[str, dict[str, int]] = {}
    q = (select(an.c.review_id, an.c.item_id, an.c.verdict, an.c.deducted, an.c.note, an.c.page_ref, an.c.option)
         .where(an.c.verdict != PASS))  # in table order: other reviews' rows are skipped below
    for rid, item_id, verdict, deducted, note, page_ref, option in s.execute(q, execution_options=BATCHED):
        cid = final_of.get(rid)
        if cid is None:
            continue
        item_id = item_ids.get(item_id) or share(item_id, item_id)
        note, page_ref = note or "", page_ref or ""
        answer = AnswerInput(item_id, share(verdict, verdict), deducted or 0.0, share(note, note),
                             share(page_ref, page_ref))
        answers = given.get(cid)
        if answers is None:
            given[cid] = [answer]
        else:
            answers.append(answer)
        if option is not None:
            chosen = options.get(cid)
            if chosen is None:
                options[cid] = {item_id: option}
            else:
                chosen[item_id] = option
    scores: dict[str, CaseScore] = {}
    for cid, answers in given.items():
        scores[cid] = compact(score_case(std, kinds.get(cid, ""), answers))
    del given
    for cid in final_of.values():
        if cid not in scores:  # every answer 符合 (or none given): full marks
            kind = kinds.get(cid, "")
            if kind not in full_marks:
                full_marks[kind] = compact(score_case(std, kind, []))
            scores[cid] = full_marks[kind]
    return scores, options


def _pair_tables(s, outcomes) -> dict[str, Counter]:
    """{case id: Counter((verdict of the first review, of the second) → n)} of each file with two or
    more submitted original reviews."""
    return paired_verdict_counts(s, {(o.reviews[0].review_id, o.reviews[1].review_id): cid
                                     for cid, o in outcomes.items() if len(o.reviews) >= 2})


def _agreement(outcomes, tables: dict[str, Counter], threshold: float) -> AgreementStats:
    """Agreement of the first two reviews of each double-reviewed file, in the order of the files
    (scoring.agreement.agreement_from_counts: the same figures as scoring.agreement.agreement)."""
    labels: Counter = Counter()
    diffs = []
    same_grade = 0
    for cid, o in outcomes.items():
        if len(o.reviews) < 2:
            continue
        a, b = o.reviews[0], o.reviews[1]
        labels.update(tables.get(cid, {}))
        diffs.append(abs(a.score - b.score))
        same_grade += a.grade == b.grade
    ag = agreement_from_counts(labels, diffs)
    conflicts = sum(1 for o in outcomes.values() if o.state == "conflict")
    settled = sum(1 for o in outcomes.values() if o.settled)
    return AgreementStats(ag.files, ag.items, ag.percent, ag.kappa, ag.mean_abs_diff, same_grade,
                          conflicts, settled, threshold)
