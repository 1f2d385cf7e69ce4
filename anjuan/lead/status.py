"""Campaign progress per agency and per reviewer."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from sqlalchemy import case, func, select

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


def campaign_status(db: Database, outcomes: dict | None = None) -> CampaignStatus:
    """Progress per agency and reviewer. `outcomes` (finals.file_outcomes) may be passed by a
    caller that has them already (the lead dashboard), so they are not worked out twice."""
    cf, ag, sc, asg, rv, rw = (m.CaseFile.__table__, m.Agency.__table__, m.SampledCase.__table__,
                               m.Assignment.__table__, m.Review.__table__, m.Reviewer.__table__)
    orig = rv.c.is_final == False  # noqa: E712
    submitted = rv.c.status == m.STATUS_SUBMITTED
    with db.read_session() as s:
        agencies = {name: AgencyStatus(name) for (name,) in s.execute(select(ag.c.name).order_by(ag.c.name))}
        base = select(ag.c.name).select_from(cf.join(ag, ag.c.id == cf.c.agency_id))
        for name, n in s.execute(base.add_columns(func.count()).group_by(ag.c.name)):
            agencies[name].catalog = n
        for name, n in s.execute(select(ag.c.name, func.count()).select_from(
                sc.join(cf, cf.c.id == sc.c.case_id).join(ag, ag.c.id == cf.c.agency_id)).group_by(ag.c.name)):
            agencies[name].sampled = n
        for name, n in s.execute(select(ag.c.name, func.count(func.distinct(asg.c.case_id))).select_from(
                asg.join(cf, cf.c.id == asg.c.case_id).join(ag, ag.c.id == cf.c.agency_id)).group_by(ag.c.name)):
            agencies[name].assigned = n
        q = (select(ag.c.name,
                    func.sum(case((submitted, 0), else_=1)),
                    func.sum(case((submitted, 1), else_=0)),
                    func.avg(case((submitted, rv.c.score), else_=None)))
             .select_from(rv.join(cf, cf.c.id == rv.c.case_id).join(ag, ag.c.id == cf.c.agency_id))
             .where(orig).group_by(ag.c.name))
        for name, d, sub, mean in s.execute(q):
            a = agencies[name]
            a.draft, a.submitted = int(d or 0), int(sub or 0)
            a.mean_score = round(float(mean), 2) if mean is not None else None
        reviewers = {rid: ReviewerStatus(name, unit, role) for rid, name, unit, role in
                     s.execute(select(rw.c.id, rw.c.name, rw.c.unit, rw.c.role).order_by(rw.c.name))}
        for rid, n in s.execute(select(asg.c.reviewer_id, func.count()).group_by(asg.c.reviewer_id)):
            if rid in reviewers:
                reviewers[rid].assigned = n
        q = (select(rv.c.reviewer_id,
                    func.sum(case((submitted, 0), else_=1)),
                    func.sum(case((submitted, 1), else_=0)),
                    func.avg(case((submitted, rv.c.score), else_=None)))
             .where(orig).group_by(rv.c.reviewer_id))
        for rid, d, sub, mean in s.execute(q):
            if rid in reviewers:
                r = reviewers[rid]
                r.draft, r.submitted = int(d or 0), int(sub or 0)
                r.mean_score = round(float(mean), 2) if mean is not None else None
    stale: list[str] = []
    _add_finals(db, agencies, stale, outcomes)
    return CampaignStatus(list(agencies.values()), list(reviewers.values()), stale)


def _add_finals(db: Database, agencies: dict[str, AgencyStatus], stale: list[str], outcomes: dict | None = None) -> None:
    """File-level figures on the bulletin's basis: final results and files waiting for 合议."""
    from anjuan.lead.finals import file_outcomes

    if outcomes is None:
        outcomes = file_outcomes(db)
    cf, ag, rv = m.CaseFile.__table__, m.Agency.__table__, m.Review.__table__
    with db.read_session() as s:
        agency_of = dict(s.execute(select(cf.c.id, ag.c.name).select_from(
            m.SampledCase.__table__.join(cf, cf.c.id == m.SampledCase.__table__.c.case_id)
            .join(ag, ag.c.id == cf.c.agency_id))).all())
        scores = dict(s.execute(select(rv.c.id, rv.c.score).where(rv.c.status == m.STATUS_SUBMITTED)).all())
    finals: dict[str, list[float]] = {}
    stale_ids = [cid for cid, o in outcomes.items() if o.stale]
    if stale_ids:
        with db.read_session() as s:
            named = s.execute(select(cf.c.case_no, ag.c.name).select_from(cf.join(ag, ag.c.id == cf.c.agency_id))
                              .where(cf.c.id.in_(stale_ids))).all()
        stale.extend(f"{no}（{agency}）" for no, agency in sorted(named, key=lambda r: (r[1], r[0])))
    for cid, o in outcomes.items():
        a = agencies.get(agency_of.get(cid, ""))
        if a is None:
            continue
        if o.state == "final" and o.final_review_id in scores:
            a.final += 1
            finals.setdefault(a.agency, []).append(scores[o.final_review_id] or 0.0)
        elif o.state == "conflict":
            a.conflicts += 1
    for name, vals in finals.items():
        agencies[name].final_mean = round(sum(vals) / len(vals), 2)
