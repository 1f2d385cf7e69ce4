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
from dataclasses import dataclass

from sqlalchemy import select

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


def file_outcomes(db: Database, threshold: float = DEFAULT_THRESHOLD) -> dict[str, FileOutcome]:
    """The outcome of every sampled file, keyed by case id."""
    rv, rw, an, asg, sc = (m.Review.__table__, m.Reviewer.__table__, m.Answer.__table__,
                           m.Assignment.__table__, m.SampledCase.__table__)
    with db.read_session() as s:
        sampled = [cid for (cid,) in s.execute(select(sc.c.case_id))]
        assigned: dict[str, int] = {}
        for (cid,) in s.execute(select(asg.c.case_id)):
            assigned[cid] = assigned.get(cid, 0) + 1
        vetoes: dict[str, set[str]] = {}
        for rid, item in s.execute(select(an.c.review_id, an.c.item_id).where(an.c.verdict == VETO)):
            vetoes.setdefault(rid, set()).add(item)
        originals: dict[str, list[ReviewSummary]] = {}
        finals_of: dict[str, list[tuple[str, str | None]]] = {}
        versions: dict[str, dict[str, tuple[int, str]]] = {}
        q = (select(rv.c.id, rv.c.case_id, rv.c.reviewer_id, rw.c.name, rv.c.score, rv.c.grade,
                    rv.c.submitted_at, rv.c.is_final, rv.c.revision, rv.c.history_hash, rv.c.settled_from)
             .select_from(rv.join(rw, rw.c.id == rv.c.reviewer_id))
             .where(rv.c.status == m.STATUS_SUBMITTED))
        for rid, cid, reviewer_id, name, score, grade, at, is_final, rev, head, settled in s.execute(q):
            if is_final:
                finals_of.setdefault(cid, []).append((rid, settled))
                continue
            versions.setdefault(cid, {})[rid] = (rev, head or "")
            originals.setdefault(cid, []).append(
                ReviewSummary(rid, reviewer_id, name, score or 0.0, grade or "", at or "", frozenset(vetoes.get(rid, ()))))
    out: dict[str, FileOutcome] = {}
    for cid in sampled:
        revs = tuple(sorted(originals.get(cid, []), key=lambda r: (r.submitted_at, r.review_id)))
        # A 合议 result counts while the originals it settled are unchanged (with several results,
        # e.g. by two leads, one that is still current counts).
        current = [rid for rid, settled in sorted(finals_of.get(cid, [])) if not _stale(settled, versions.get(cid, {}))]
        stale = cid in finals_of and not current
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
