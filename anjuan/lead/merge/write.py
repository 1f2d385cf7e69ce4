"""Applying the staged rows to the campaign (newer revision wins, append-only history) and merge_log."""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import (
    Integer,
    case,
    delete,
    exists,
    func,
    insert,
    literal,
    select,
    union_all,
)
from sqlalchemy.engine import Connection
from sqlalchemy.schema import CreateIndex, CreateTable

from anjuan import models as m

from .read import AN, CF, HI, LOG, RV, S_ANSWER, S_HISTORY, S_REVIEW, S_WIN, WIN_INDEX
from .report import PackageReport

# Test hook: seconds to sleep inside the merge transaction after reviews and answers are written
# (prints PAUSE_MARK to stderr first), so a test can kill the process mid-merge.
PAUSE_ENV = "ANJUAN_TEST_MERGE_PAUSE"
PAUSE_MARK = "ANJUAN-MERGE-PAUSED"
# With the pause: end it early once this file exists (a test holding one merge while another starts).
RESUME_ENV = "ANJUAN_TEST_MERGE_RESUME"


class _Bound:
    """A Database stand-in whose session() is the merge's open transaction (reads see its writes)."""

    def __init__(self, conn: Connection):
        self._conn = conn

    @contextmanager
    def session(self) -> Iterator[Connection]:
        yield self._conn

    read_session = session



# ---- applying the staged rows -----------------------------------------------------------------------

def _apply(conn: Connection, good: list[PackageReport]) -> None:
    r, a, h, w = S_REVIEW, S_ANSWER, S_HISTORY, S_WIN
    by_index = {s.index: s for s in good}
    conn.execute(CreateTable(S_WIN))
    camp_rows = (select(literal(-1, Integer).label("pkg"), RV.c.id, RV.c.case_id, RV.c.reviewer_id, RV.c.revision,
                        RV.c.updated_at)
                 .where((RV.c.is_final == False)  # noqa: E712
                        & exists().where((r.c.case_id == RV.c.case_id) & (r.c.reviewer_id == RV.c.reviewer_id))))
    staged = select(r.c.pkg, r.c.id, r.c.case_id, r.c.reviewer_id, r.c.revision, r.c.updated_at)
    cand = union_all(camp_rows, staged).subquery("cand")
    rank = func.row_number().over(
        partition_by=(cand.c.case_id, cand.c.reviewer_id),
        order_by=(cand.c.revision.desc(), cand.c.updated_at.desc(), cand.c.id.desc(), cand.c.pkg))
    ranked = select(cand, rank.label("rn")).subquery("ranked")
    old = RV.alias("old")
    conn.execute(insert(w).from_select(
        ["pkg", "id", "case_id", "reviewer_id", "revision", "updated_at", "old_id"],
        select(ranked.c.pkg, ranked.c.id, ranked.c.case_id, ranked.c.reviewer_id, ranked.c.revision,
               ranked.c.updated_at, old.c.id)
        .select_from(ranked.outerjoin(old, (old.c.case_id == ranked.c.case_id) & (old.c.reviewer_id == ranked.c.reviewer_id)
                                      & (old.c.is_final == False)))  # noqa: E712
        .where(ranked.c.rn == 1)))
    conn.execute(CreateIndex(WIN_INDEX))
    if conn.dialect.name == "postgresql":
        from anjuan.postgres.copy import analyze

        analyze(conn, [w])  # TEMP tables get no statistics otherwise

    # How each package's reviews fare.
    mine = w.c.pkg == r.c.pkg
    kind = case(
        (mine & w.c.old_id.is_(None), "new"),
        (mine & (w.c.old_id == w.c.id), "updated"),
        (mine, "replaced"),
        ((w.c.id == r.c.id) & (w.c.revision == r.c.revision) & (w.c.updated_at == r.c.updated_at), "unchanged"),
        else_="stale")
    q = (select(r.c.pkg, kind, func.count())
         .join(w, (w.c.case_id == r.c.case_id) & (w.c.reviewer_id == r.c.reviewer_id)).group_by(r.c.pkg, kind))
    for idx, k, n in conn.execute(q):
        s = by_index[idx]
        if k == "new":
            s.reviews_new += n
        elif k in ("updated", "replaced"):
            s.reviews_updated += n
            s.reviews_replaced += n if k == "replaced" else 0
        elif k == "unchanged":
            s.reviews_unchanged += n
        else:
            s.reviews_stale += n
    for idx, n in conn.execute(select(a.c.pkg, func.count()).join(w, (w.c.pkg == a.c.pkg) & (w.c.id == a.c.review_id))
                               .group_by(a.c.pkg)):
        by_index[idx].answers = n

    # Winners from packages replace the campaign's version: review row and its whole answer set.
    replaced = select(w.c.old_id).where((w.c.pkg >= 0) & w.c.old_id.is_not(None))
    conn.execute(delete(AN).where(AN.c.review_id.in_(replaced)))
    conn.execute(delete(RV).where(RV.c.id.in_(replaced)))
    rcols = [c.name for c in RV.columns]
    conn.execute(insert(RV).from_select(
        rcols, select(*[r.c[c] for c in rcols]).join(w, (w.c.pkg == r.c.pkg) & (w.c.id == r.c.id))))
    acols = [c.name for c in AN.columns]
    conn.execute(insert(AN).from_select(
        acols, select(*[a.c[c] for c in acols]).join(w, (w.c.pkg == a.c.pkg) & (w.c.id == a.c.review_id))))

    _pause()

    # History is append-only and hash-chained: first the rows of each winning review (they extend the
    # campaign's chain, checked before), then any other row not there yet whose place in its chain
    # is free (older versions' rows are already there; a losing version's own rows are not kept
    # when the winner took that place). Each row is credited to the first package bringing it.
    hcols = [c.name for c in HI.columns]
    for s in good:
        res = conn.execute(insert(HI).from_select(
            hcols, select(*[h.c[c] for c in hcols])
            .join(w, (w.c.pkg == h.c.pkg) & (w.c.id == h.c.review_id))
            .where((h.c.pkg == s.index) & ~exists().where(HI.c.id == h.c.id))),
            execution_options={"preserve_rowcount": True})  # psycopg reports -1 for INSERT … SELECT otherwise
        s.history = max(res.rowcount or 0, 0)
    # The winning versions' rows were all handled just above (inserted, or there already by id), so
    # only the other versions' rows are looked at again.
    for s in good:
        res = conn.execute(insert(HI).from_select(
            hcols, select(*[h.c[c] for c in hcols]).where(
                (h.c.pkg == s.index) & ~exists().where((w.c.pkg == h.c.pkg) & (w.c.id == h.c.review_id))
                & ~exists().where(HI.c.id == h.c.id)
                & ~exists().where((HI.c.review_id == h.c.review_id) & (HI.c.seq == h.c.seq)))),
            execution_options={"preserve_rowcount": True})
        s.history += max(res.rowcount or 0, 0)


def _pause() -> None:
    delay = os.environ.get(PAUSE_ENV)
    if delay:
        print(PAUSE_MARK, file=sys.stderr, flush=True)
        resume = os.environ.get(RESUME_ENV)
        until = time.monotonic() + float(delay)
        while time.monotonic() < until and not (resume and os.path.exists(resume)):
            time.sleep(0.05)



def _finish(conn: Connection, good: list[PackageReport], threshold: float, stale_out: list[str] | None = None) -> int:
    """Count conflicts per package and write merge_log; returns the campaign's conflicts. Files the
    packages touched whose 合议 result is now stale (原评查已变更) are appended to stale_out."""
    from anjuan.lead.finals import file_outcomes

    outcomes = file_outcomes(_Bound(conn), threshold)  # type: ignore[arg-type]
    conflicted = {cid for cid, o in outcomes.items() if o.state == "conflict"}
    by_index = {s.index: s for s in good}
    touched = set()
    for idx, cid in conn.execute(select(S_REVIEW.c.pkg, S_REVIEW.c.case_id).distinct()):
        if idx in by_index:
            touched.add(cid)
        if cid in conflicted and idx in by_index:
            by_index[idx].conflicts += 1
    stale = [cid for cid in touched if outcomes.get(cid) is not None and outcomes[cid].stale]
    if stale and stale_out is not None:
        ag = m.Agency.__table__
        named = conn.execute(select(CF.c.case_no, ag.c.name).select_from(CF.join(ag, ag.c.id == CF.c.agency_id))
                             .where(CF.c.id.in_(stale))).all()
        stale_out.extend(f"{no}（{agency}）" for no, agency in sorted(named, key=lambda r: (r[1], r[0])))
    logged = {c for (c,) in conn.execute(select(LOG.c.checksum).where(LOG.c.checksum.in_([s.checksum for s in good])))}
    rows = []
    for s in good:
        if not s.changed and s.checksum in logged:
            continue
        logged.add(s.checksum)
        s.logged = True
        rows.append({"id": m.new_id(), "package_file": s.name, "checksum": s.checksum, "reviewer_id": s.reviewer_id,
                     "merged_at": m.now(), "summary": json.dumps(s.summary(), ensure_ascii=False, sort_keys=True)})
    if rows:
        conn.execute(insert(LOG), rows)
    return len(conflicted)
