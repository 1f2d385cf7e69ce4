"""Campaign progress per agency and per reviewer."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from sqlalchemy import func, select

from anjuan import models as m
from anjuan.db import Database


@dataclass
class AgencyStatus:
    agency: str
    catalog: int = 0
    sampled: int = 0
    assigned: int = 0
    draft: int = 0
    submitted: int = 0
    mean_score: float | None = None  # mean of submitted reviews (a double-reviewed file counts twice)
    final: int = 0  # files with a final result, as the bulletin counts them
    conflicts: int = 0  # files waiting for 合议
    final_mean: float | None = None  # mean final score: the figure the bulletin ranks by


@dataclass
class ReviewerStatus:
    reviewer: str
    unit: str
    role: str
    assigned: int = 0
    draft: int = 0
    submitted: int = 0
    mean_score: float | None = None


@dataclass
class CampaignStatus:
    agencies: list[AgencyStatus]
    reviewers: list[ReviewerStatus]
    # Files whose 合议 result went stale (an original changed after it): "案号（执法机关）", back in 待合议.
    stale_settled: list[str] = field(default_factory=list)

    def to_json(self) -> dict:
        return {"agencies": [asdict(a) for a in self.agencies], "reviewers": [asdict(r) for r in self.reviewers],
                "stale_settled": self.stale_settled}


def campaign_status(db: Database, outcomes: dict | None = None, rows=None, finals: bool = True) -> CampaignStatus:
    """Progress per agency and reviewer. `outcomes` (finals.file_outcomes) and `rows`
    (finals.campaign_rows) may be passed by a caller that has them already (the lead dashboard),
    so they are not read or worked out twice. Without `finals` the file-level figures (final,
    conflicts, final_mean, stale_settled) are left out: the dashboard shows progress before the
    outcomes are worked out, and takes those figures from dashboard.final_scores."""
    from anjuan.lead.finals import file_outcomes, read_rows

    cf, ag = m.CaseFile.__table__, m.Agency.__table__
    with db.read_session() as s:
        if rows is None:
            rows = read_rows(s)
        catalog = dict(s.execute(select(ag.c.name, func.count()).select_from(cf.join(ag, ag.c.id == cf.c.agency_id))
                                 .group_by(ag.c.name)).all())
    if outcomes is None and finals:
        outcomes = file_outcomes(db, rows=rows)
    names = rows.agencies
    agencies = {name: AgencyStatus(name, catalog=catalog.get(name, 0)) for name in names.values()}
    agency_name = {cid: names[aid] for cid, aid in rows.agency_of.items() if aid in names}
    for agency in rows.sampled_agencies.values():
        agencies[agency].sampled += 1
    seen: set[str] = set()
    for cid, _ in rows.assignments:
        if cid not in seen and cid in agency_name:
            seen.add(cid)
            agencies[agency_name[cid]].assigned += 1
    reviewers = {rid: ReviewerStatus(name, unit, role) for rid, (name, unit, role) in rows.reviewers.items()}
    for _, rid in rows.assignments:
        if rid in reviewers:
            reviewers[rid].assigned += 1
    # Original reviews (合议 results left out): drafts, submitted ones and their mean score.
    by_agency: dict[str, list[float]] = {}
    by_reviewer: dict[str, list[float]] = {}
    done = m.STATUS_SUBMITTED
    for _, cid, rid, is_final, status, score, *_rest in rows.reviews:
        if is_final:
            continue
        a = agencies.get(agency_name.get(cid, ""))
        r = reviewers.get(rid)
        if status != done:
            if a is not None:
                a.draft += 1
            if r is not None:
                r.draft += 1
            continue
        if a is not None:
            a.submitted += 1
            if score is not None:
                by_agency.setdefault(a.agency, []).append(score)
        if r is not None:
            r.submitted += 1
            if score is not None:
                by_reviewer.setdefault(rid, []).append(score)
    for name, vals in by_agency.items():
        agencies[name].mean_score = round(sum(vals) / len(vals), 2)
    for rid, vals in by_reviewer.items():
        reviewers[rid].mean_score = round(sum(vals) / len(vals), 2)
    stale: list[str] = []
    if finals:
        _add_finals(db, agencies, stale, outcomes, rows)
    return CampaignStatus(list(agencies.values()), list(reviewers.values()), stale)


def _add_finals(db: Database, agencies: dict[str, AgencyStatus], stale: list[str], outcomes: dict, rows) -> None:
    """File-level figures on the bulletin's basis: final results and files waiting for 合议."""
    cf, ag = m.CaseFile.__table__, m.Agency.__table__
    scores = rows.submitted
    agency_name = rows.sampled_agencies
    finals: dict[str, list[float]] = {}
    stale_ids = [cid for cid, o in outcomes.items() if o.stale]
    if stale_ids:
        with db.read_session() as s:
            named = s.execute(select(cf.c.case_no, ag.c.name).select_from(cf.join(ag, ag.c.id == cf.c.agency_id))
                              .where(cf.c.id.in_(stale_ids))).all()
        stale.extend(f"{no}（{agency}）" for no, agency in sorted(named, key=lambda r: (r[1], r[0])))
    for cid, o in outcomes.items():
        a = agencies.get(agency_name.get(cid, ""))
        if a is None:
            continue
        if o.state == "final" and o.final_review_id in scores:
            a.final += 1
            finals.setdefault(a.agency, []).append(scores[o.final_review_id][0] or 0.0)
        elif o.state == "conflict":
            a.conflicts += 1
    for name, vals in finals.items():
        agencies[name].final_mean = round(sum(vals) / len(vals), 2)
