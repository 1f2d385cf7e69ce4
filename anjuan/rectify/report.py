"""Reading a campaign into the plain data of its 整改情况通报 (reports.rectification)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from anjuan import models as m
from anjuan.campaign import campaign_info
from anjuan.db import Database
from anjuan.rectify.ledger import ledger_summary, local_today, overdue_entries
from reports.rectification import OverdueLine, RectAgency, RectificationData


def load_rectification(db: Database, today: date | None = None, public: bool = False,
                       organiser: str | None = None) -> RectificationData:
    from anjuan.rounds.recheck import recheck_comparison
    from anjuan.rounds.results import spot_results
    from anjuan.rounds.selfcheck import has_selfcheck, selfcheck_summary

    today = today or local_today()
    info = campaign_info(db)
    spot = spot_results(db)
    recheck = recheck_comparison(db, spot)
    summary = selfcheck_summary(db, spot=spot) if has_selfcheck(db) else None
    counts = {a.agency: a for a in ledger_summary(db, today)}
    with db.read_session() as s:
        names = [n for (n,) in s.execute(select(m.Agency.name).order_by(m.Agency.name))]
    agencies = []
    for name in names:
        c = counts.get(name)
        files = [f for f in recheck if f.agency == name]
        if c is None and not files:
            continue
        agencies.append(RectAgency(name, c.total if c else 0, c.done if c else 0, c.doing if c else 0,
                                   c.open if c else 0, c.refused if c else 0, c.overdue if c else 0, len(files),
                                   sum(f.fixed for f in files), sum(f.still for f in files), sum(f.new for f in files)))
    overdue = [OverdueLine(e.code, e.agency, e.case_no, f"{e.item_id} {e.item_text}".strip(), "" if public else e.problem,
                           e.deadline, e.days_overdue(today)) for e in overdue_entries(db, today)]
    if public:  # what reviewers wrote may name people; the public version gives items and counts
        for f in recheck:
            for i in f.items:
                i.before = i.after = ""
        if summary is not None:
            for a in summary.agencies:
                for p in a.missed:
                    p.note = ""
    return RectificationData(info.name, info.year, (organiser or info.organiser or "").strip(), today, public,
                             agencies, overdue, recheck, summary, info.standard.bands[-1].name)
