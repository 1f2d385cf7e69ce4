"""Which review counts for each sampled file (the final review), and which files are in conflict.

Rules (documented in the README):
- A settled result from 合议 (a review with is_final set, status submitted) always counts.
- A file assigned to one reviewer counts once that review is submitted.
- A double-reviewed file needs both reviews submitted. If they disagree (different grades, scores
  further apart than the threshold, or different answers on any veto item) it is a conflict and
  waits for 合议. If they agree, the stricter review (lower score; on a tie the earlier submitted)
  counts, as bulletins err on the side of reporting a problem.
- Anything else is 未完成.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from anjuan import models as m
from anjuan.db import Database
from scoring import VETO

DEFAULT_THRESHOLD = 5.0


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
        finals: dict[str, str] = {}
        q = (select(rv.c.id, rv.c.case_id, rv.c.reviewer_id, rw.c.name, rv.c.score, rv.c.grade,
                    rv.c.submitted_at, rv.c.is_final)
             .select_from(rv.join(rw, rw.c.id == rv.c.reviewer_id))
             .where(rv.c.status == m.STATUS_SUBMITTED))
        for rid, cid, reviewer_id, name, score, grade, at, is_final in s.execute(q):
            if is_final:
                finals[cid] = rid
                continue
            originals.setdefault(cid, []).append(
                ReviewSummary(rid, reviewer_id, name, score or 0.0, grade or "", at or "", frozenset(vetoes.get(rid, ()))))
    out: dict[str, FileOutcome] = {}
    for cid in sampled:
        revs = tuple(sorted(originals.get(cid, []), key=lambda r: (r.submitted_at, r.review_id)))
        if cid in finals:
            out[cid] = FileOutcome(cid, "final", finals[cid], revs, settled=True)
            continue
        need = max(1, assigned.get(cid, 1))
        if len(revs) < need or not revs:
            out[cid] = FileOutcome(cid, "pending", None, revs)
            continue
        reasons: list[str] = []
        for i, a in enumerate(revs):
            for b in revs[i + 1:]:
                reasons.extend(r for r in disagreement(a, b, threshold) if r not in reasons)
        if reasons:
            out[cid] = FileOutcome(cid, "conflict", None, revs, tuple(reasons))
            continue
        pick = min(revs, key=lambda r: (r.score, r.submitted_at, r.review_id))
        out[cid] = FileOutcome(cid, "final", pick.review_id, revs)
    return out
