"""The final result of each file in a round, read as plain data.

抽查 results come from the campaign's own reviews (anjuan.lead.finals decides which review counts,
exactly as the bulletin does); 自查 and 复查 results come from the round_result tables, filled by
importing a round database or a self-check answer sheet.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select

from anjuan import models as m
from anjuan.db import Database
from anjuan.lead.finals import DEFAULT_THRESHOLD
from scoring import DEDUCT, VETO


@dataclass(frozen=True)
class ItemFinding:
    """A checklist item of a file's final result that is not 符合 or 不适用."""

    item_id: str
    verdict: str  # 扣分 | 否决
    deducted: float
    note: str
    page_ref: str


@dataclass
class FileResult:
    case_id: str
    agency: str
    case_no: str
    title: str
    kind: str
    score: float
    grade: str
    vetoed: bool
    findings: dict[str, ItemFinding] = field(default_factory=dict)  # item id → finding


def spot_round_id(db: Database) -> str:
    from anjuan.migrations import ensure_spot_round

    with db.read_session() as s:
        rid = s.scalar(select(m.Round.id).where(m.Round.kind == m.ROUND_SPOT))
    if rid is None:  # a database made by a build that created no round row
        with db.session() as s:
            rid = ensure_spot_round(s.connection())
    return rid


def spot_results(db: Database, threshold: float = DEFAULT_THRESHOLD) -> dict[str, FileResult]:
    """Every 抽查 file with a final result, on the bulletin's basis (same finals, same scores)."""
    from anjuan.lead.reporting import read_inputs

    inputs = read_inputs(db, threshold)
    out: dict[str, FileResult] = {}
    for c in inputs.cases:
        if c.state != "final" or c.score is None:
            continue
        cs = c.score
        findings = {p.item_id: ItemFinding(p.item_id, p.verdict, p.deducted, p.note, p.page_ref)
                    for p in cs.problems}
        out[c.case_id] = FileResult(c.case_id, c.agency, c.case_no, c.title, c.kind, cs.score, cs.grade,
                                    cs.vetoed, findings)
    return out


def round_results(db: Database, round_ids: list[str] | None = None, kind: str | None = None) -> dict[str, FileResult]:
    """Results stored for 自查 or 复查 rounds (by round ids, or every round of a kind), by case id.
    A file in two rounds of the kind keeps the result of the later import."""
    rr, ra, rd, cf, ag = (m.RoundResult.__table__, m.RoundAnswer.__table__, m.Round.__table__,
                          m.CaseFile.__table__, m.Agency.__table__)
    with db.read_session() as s:
        q = (select(rr.c.id, rr.c.case_id, ag.c.name, cf.c.case_no, cf.c.title, cf.c.kind, rr.c.score, rr.c.grade,
                    rr.c.vetoed)
             .select_from(rr.join(rd, rd.c.id == rr.c.round_id).join(cf, cf.c.id == rr.c.case_id)
                          .join(ag, ag.c.id == cf.c.agency_id))
             .order_by(rd.c.imported_at, rd.c.created_at))
        if round_ids is not None:
            q = q.where(rr.c.round_id.in_(round_ids))
        if kind is not None:
            q = q.where(rd.c.kind == kind)
        out: dict[str, FileResult] = {}
        by_result: dict[str, FileResult] = {}
        for rid, cid, agency, case_no, title, kind_, score, grade, vetoed in s.execute(q):
            fr = FileResult(cid, agency, case_no, title or "", kind_ or "", float(score), grade, bool(vetoed))
            out[cid] = fr
            by_result[rid] = fr
        if by_result:
            for rid, item_id, verdict, deducted, note, page in s.execute(
                    select(ra.c.result_id, ra.c.item_id, ra.c.verdict, ra.c.deducted, ra.c.note, ra.c.page_ref)
                    .where(ra.c.verdict.in_((DEDUCT, VETO)))):
                fr = by_result.get(rid)
                if fr is not None and out.get(fr.case_id) is fr:
                    fr.findings[item_id] = ItemFinding(item_id, verdict, deducted or 0.0, note or "", page or "")
    return out
