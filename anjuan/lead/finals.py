"""Which review counts for each sampled file (the final review), and which files are in conflict.

Rules (documented in the README):
- A settled result from 合议 (a review with is_final set, status submitted) always counts.
- A file assigned to one reviewer counts once that review is submitted.
- A double-reviewed file needs both reviews submitted. If they disagree (different grades, scores
  further apart than the threshold, or different answers on any veto item) it is a conflict and
  waits for 合议. If they agree, the stricter review (lower score; on a tie the earlier submitted)
  counts, as bulletins err on the side of reporting a problem.
- A settled result records the revision and history head of the two originals it settled. If
  either has changed since (merged, edited, reopened), the result is stale: the file goes back to
  待合议 marked 原评查已变更 (STALE_REASON) and no longer counts as final until settled again.
- Anything else is 未完成.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

from sqlalchemy import func, select

from anjuan import models as m
from anjuan.db import Database
from scoring import VETO

DEFAULT_THRESHOLD = 5.0
STALE_REASON = "原评查已变更"


@dataclass(frozen=True)
class ReviewSummary:
    review_id: str
    reviewer_id: str
    reviewer: str
    score: float
    grade: str
    submitted_at: str
    veto_items: frozenset[str]


@dataclass(frozen=True)
class FileOutcome:
    case_id: str
    state: str  # "final" | "conflict" | "pending"
    final_review_id: str | None
    reviews: tuple[ReviewSummary, ...]
    reasons: tuple[str, ...] = ()
    settled: bool = False
    stale: bool = False  # a 合议 result exists but an original changed after it (原评查已变更)


def disagreement(a: ReviewSummary, b: ReviewSummary, threshold: float = DEFAULT_THRESHOLD) -> list[str]:
    """Why two submitted reviews of a file disagree (empty if they agree)."""
    reasons = []
    if a.grade != b.grade:
        reasons.append(f"等次不同（{a.grade}/{b.grade}）")
    if abs(a.score - b.score) > threshold + 1e-9:
        reasons.append(f"分差 {abs(a.score - b.score):.2f} 分，超过 {threshold:g} 分")
    if a.veto_items != b.veto_items:
        diff = sorted(a.veto_items ^ b.veto_items)
        reasons.append(f"否决项认定不一致（{'、'.join(diff)}）")
    return reasons


def settled_from_json(s, review_ids: list[str]) -> str:
    """What a 合议 settles: each original's revision and history head, as stored in review.settled_from."""
    rv = m.Review.__table__
    rows = s.execute(select(rv.c.id, rv.c.revision, rv.c.history_hash).where(rv.c.id.in_(review_ids))).all()
    return json.dumps({rid: [rev, h or ""] for rid, rev, h in sorted(rows)}, sort_keys=True)


def _stale(settled_from: str | None, current: dict[str, tuple[int, str]]) -> bool:
    if not settled_from:
        return False  # settled before anjuan recorded what it settled: cannot tell
    try:
        settled = json.loads(settled_from)
    except ValueError:
        return True
    return any(tuple(current.get(rid, (None, None))) != (v[0], v[1]) for rid, v in settled.items())


def is_stale(s, final: m.Review) -> bool:
    """Whether an original review settled by this 合议 result has changed (or is no longer submitted)."""
    if not final.settled_from:
        return False
    rv = m.Review.__table__
    current = {rid: (rev, h or "") for rid, rev, h in s.execute(
        select(rv.c.id, rv.c.revision, rv.c.history_hash).where(
            (rv.c.case_id == final.case_id) & (rv.c.is_final == False) & (rv.c.status == m.STATUS_SUBMITTED)))}  # noqa: E712
    return _stale(final.settled_from, current)


@dataclass(frozen=True)
class CampaignRows:
    """The rows the lead's figures are worked out from, read once (file_outcomes, campaign_status
    and the dashboard's final scores share them): plain tuples, no ORM objects, no answers but the
    veto verdicts."""

    sampled: Sequence[tuple[str, str | None]]
    """(case id, agency id) of every sampled file (agency id None if its catalog row is missing)."""
    assignments: Sequence[tuple[str, str]]
    """(case id, reviewer id) of every assignment."""
    reviews: Sequence[tuple]
    """Every review: (id, case id, reviewer id, is_final, status, score, grade, submitted_at,
    revision, history_hash, settled_from)."""
    reviewers: dict[str, tuple[str, str, str]]
    """Reviewer id → (name, unit, role), in name order."""
    agencies: dict[str, str]
    """Agency id → name, in name order."""
    agency_of: dict[str, str]
    """Case id → agency id, for every file that is sampled, assigned or reviewed and in the catalog."""
    vetoes: dict[str, set[str]] | None
    """Review id → the items answered 否决; None if read without them (file_outcomes reads them)."""

    @cached_property
    def sampled_agencies(self) -> dict[str, str]:
        """Case id → agency name of every sampled file whose catalog row and agency exist (the
        files the per-agency figures count)."""
        names = self.agencies
        return {cid: names[aid] for cid, aid in self.sampled if aid in names}

    @cached_property
    def submitted(self) -> dict[str, tuple[float | None, str | None]]:
        """Review id → (score, grade) of every submitted review (originals and 合议 results)."""
        done = m.STATUS_SUBMITTED
        return {r[0]: (r[5], r[6]) for r in self.reviews if r[4] == done}


def _read_vetoes(s) -> dict[str, set[str]]:
    an = m.Answer.__table__
    out: dict[str, set[str]] = {}
    for rid, item in s.execute(select(an.c.review_id, an.c.item_id).where(an.c.verdict == VETO)).all():
        out.setdefault(rid, set()).add(item)
    return out


def read_rows(s, vetoes: bool = True) -> CampaignRows:
    """Read a CampaignRows in an open session or connection (without the veto verdicts, which
    take a pass over every answer, if `vetoes` is false: for figures that do not need outcomes)."""
    rv, rw, asg, sc, cf, ag = (m.Review.__table__, m.Reviewer.__table__, m.Assignment.__table__,
                               m.SampledCase.__table__, m.CaseFile.__table__, m.Agency.__table__)
    sampled = s.execute(select(sc.c.case_id, cf.c.agency_id)
                        .select_from(sc.outerjoin(cf, cf.c.id == sc.c.case_id))).all()
    assignments = s.execute(select(asg.c.case_id, asg.c.reviewer_id)).all()
    reviews = s.execute(select(rv.c.id, rv.c.case_id, rv.c.reviewer_id, rv.c.is_final, rv.c.status, rv.c.score,
                               rv.c.grade, rv.c.submitted_at, rv.c.revision, rv.c.history_hash,
                               rv.c.settled_from)).all()
    reviewers = {rid: (name, unit, role) for rid, name, unit, role in
                 s.execute(select(rw.c.id, rw.c.name, rw.c.unit, rw.c.role).order_by(rw.c.name)).all()}
    agencies = dict(s.execute(select(ag.c.id, ag.c.name).order_by(ag.c.name)).all())
    vetoed = _read_vetoes(s) if vetoes else None
    agency_of = {cid: aid for cid, aid in sampled if aid is not None}
    # Files assigned or reviewed but not sampled (none in an ordinary campaign): looked up apart.
    others = sorted({cid for cid, _ in assignments if cid not in agency_of}
                    | {r[1] for r in reviews if r[1] not in agency_of})
    for i in range(0, len(others), 500):
        agency_of.update(s.execute(select(cf.c.id, cf.c.agency_id).where(cf.c.id.in_(others[i:i + 500]))).all())
    return CampaignRows(sampled, assignments, reviews, reviewers, agencies, agency_of, vetoed)


def campaign_rows(db: Database, vetoes: bool = True) -> CampaignRows:
    """The rows file_outcomes and campaign_status work from, read in one transaction."""
    with db.read_session() as s:
        return read_rows(s, vetoes)


def file_outcomes(db: Database, threshold: float = DEFAULT_THRESHOLD,
                  rows: CampaignRows | None = None) -> dict[str, FileOutcome]:
    """The outcome of every sampled file, keyed by case id. `rows` (campaign_rows) may be passed by
    a caller that reads them once for several figures (the lead's dashboard)."""
    if rows is None:
        with db.read_session() as s:
            rows = read_rows(s)
    assigned: dict[str, int] = {}
    for cid, _ in rows.assignments:
        assigned[cid] = assigned.get(cid, 0) + 1
    vetoes = rows.vetoes
    if vetoes is None:
        with db.read_session() as s:
            vetoes = _read_vetoes(s)
    names = rows.reviewers
    originals: dict[str, list[ReviewSummary]] = {}
    finals_of: dict[str, list[tuple[str, str | None]]] = {}
    versions: dict[str, dict[str, tuple[int, str]]] = {}
    no_vetoes: frozenset[str] = frozenset()
    submitted = m.STATUS_SUBMITTED
    for rid, cid, reviewer_id, is_final, status, score, grade, at, rev, head, settled in rows.reviews:
        if status != submitted or reviewer_id not in names:
            continue
        if is_final:
            finals_of.setdefault(cid, []).append((rid, settled))
            continue
        versions.setdefault(cid, {})[rid] = (rev, head or "")
        vetoed = vetoes.get(rid)
        originals.setdefault(cid, []).append(
            ReviewSummary(rid, reviewer_id, names[reviewer_id][0], score or 0.0, grade or "", at or "",
                          frozenset(vetoed) if vetoed else no_vetoes))
    out: dict[str, FileOutcome] = {}
    for cid, _ in rows.sampled:
        got = originals.get(cid)
        revs = (() if got is None else (got[0],) if len(got) == 1
                else tuple(sorted(got, key=lambda r: (r.submitted_at, r.review_id))))
        # A 合议 result counts while the originals it settled are unchanged (with several results,
        # e.g. by two leads, one that is still current counts).
        results = finals_of.get(cid)
        current = [rid for rid, settled in sorted(results) if not _stale(settled, versions.get(cid, {}))] if results else []
        stale = bool(results) and not current
        if current:
            out[cid] = FileOutcome(cid, "final", current[0], revs, settled=True)
            continue
        need = max(1, assigned.get(cid, 1))
        if len(revs) < need or not revs:
            out[cid] = FileOutcome(cid, "pending", None, revs, (STALE_REASON,) if stale else (), stale=stale)
            continue
        reasons: list[str] = [STALE_REASON] if stale else []
        for i, a in enumerate(revs):
            for b in revs[i + 1:]:
                reasons.extend(r for r in disagreement(a, b, threshold) if r not in reasons)
        if reasons:
            out[cid] = FileOutcome(cid, "conflict", None, revs, tuple(reasons), stale=stale)
            continue
        pick = min(revs, key=lambda r: (r.score, r.submitted_at, r.review_id))
        out[cid] = FileOutcome(cid, "final", pick.review_id, revs)
    return out


def paired_verdict_counts(s, pairs: dict[tuple[str, str], str]) -> dict[str, Counter]:
    """How many items two submitted original reviews of a file answered alike, for the pairs
    {(id of the file's first review, id of its second): case id}: {case id: Counter((verdict of
    the first, verdict of the second) → number of items)}.

    The database pairs the two reviews' answers item by item and counts them: a few thousand rows
    instead of every answer of every double-reviewed file. Used by the agreement statistics of
    `anjuan status`, the dashboard and the bulletin alike."""
    if not pairs:
        return {}
    rv, an = m.Review.__table__, m.Answer.__table__
    ordered = {(min(first, second), max(first, second)): (cid, first < second) for (first, second), cid in pairs.items()}
    ra, rb = rv.alias("ra"), rv.alias("rb")
    a, b = an.alias("a"), an.alias("b")
    both = ((ra.c.is_final == False) & (rb.c.is_final == False)  # noqa: E712
            & (ra.c.status == m.STATUS_SUBMITTED) & (rb.c.status == m.STATUS_SUBMITTED))
    q = (select(ra.c.id, rb.c.id, a.c.verdict, b.c.verdict, func.count())
         .select_from(ra.join(rb, (rb.c.case_id == ra.c.case_id) & (ra.c.id < rb.c.id))
                      .join(a, a.c.review_id == ra.c.id)
                      .join(b, (b.c.review_id == rb.c.id) & (b.c.item_id == a.c.item_id)))
         .where(both).group_by(ra.c.id, rb.c.id, a.c.verdict, b.c.verdict))
    tables: dict[str, Counter] = {}
    for id_a, id_b, va, vb, n in s.execute(q):
        hit = ordered.get((id_a, id_b))
        if hit is not None:
            cid, a_first = hit
            tables.setdefault(cid, Counter())[(va, vb) if a_first else (vb, va)] += n
    return tables
