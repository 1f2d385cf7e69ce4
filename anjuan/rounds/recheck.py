"""复查: choosing the files to re-check after rectification, and comparing each re-check with
its 抽查 result item by item."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select

from anjuan import models as m
from anjuan.campaign import campaign_info
from anjuan.db import Database
from anjuan.errors import InputError, WorkflowError
from anjuan.prepare.sampling import draw_key, sample_size
from anjuan.rounds.results import round_results, spot_results, spot_round_id
from reports.rounds import RecheckFile, Scored, compare_recheck

REASON_FAILED = "不合格"
REASON_VETO = "否决"
REASON_RECTIFIED = "已整改抽取"
REASON_NAMED = "指定"


@dataclass
class Selection:
    chosen: dict[str, list[str]] = field(default_factory=dict)  # case id → why
    case_nos: dict[str, str] = field(default_factory=dict)
    rectified_pool: int = 0

    def reasons(self, case_id: str) -> str:
        return "、".join(self.chosen.get(case_id, []))


def select_recheck(db: Database, failed: bool = True, vetoed: bool = True, rectified: float = 0.0,
                   seed: str = "", named: list[str] | None = None) -> Selection:
    """Files to re-check: 抽查 files graded 不合格 (the standard's lowest band), files with a veto,
    a share `rectified` of the files whose ledger problems are all closed with at least one
    已整改 (drawn reproducibly by seed, as sampling is), and files named by case number."""
    if not 0 <= rectified <= 1:
        raise InputError(f"已整改案卷的抽取比例应在 0 到 1 之间，实际为 {rectified:g}")
    if rectified and not seed:
        raise InputError("抽取已整改案卷须用 --seed 指定随机种子（公开种子即可复核）")
    std = campaign_info(db).standard
    spot = spot_results(db)
    lowest = std.bands[-1].name
    sel = Selection()

    def add(cid: str, why: str) -> None:
        sel.chosen.setdefault(cid, [])
        if why not in sel.chosen[cid]:
            sel.chosen[cid].append(why)

    for cid, r in spot.items():
        sel.case_nos[cid] = r.case_no
        if failed and r.grade == lowest:
            add(cid, REASON_FAILED)
        if vetoed and r.vetoed:
            add(cid, REASON_VETO)
    if rectified:
        spot_id = spot_round_id(db)
        states: dict[str, list[str]] = {}
        with db.read_session() as s:
            for cid, state in s.execute(select(m.LedgerItem.case_id, m.LedgerItem.state).where(
                    m.LedgerItem.round_id == spot_id)):
                states.setdefault(cid, []).append(state)
        pool: dict[str, list[str]] = {}
        for cid, st in states.items():
            if cid in spot and m.LEDGER_DONE in st and all(x in (m.LEDGER_DONE, m.LEDGER_REFUSED) for x in st):
                pool.setdefault(spot[cid].agency, []).append(cid)
        sel.rectified_pool = sum(len(v) for v in pool.values())
        for agency, cids in sorted(pool.items()):
            n = sample_size(len(cids), rectified)
            for cid in sorted(cids, key=lambda c: draw_key(seed, agency, spot[c].case_no))[:n]:
                add(cid, REASON_RECTIFIED)
    if named:
        with db.read_session() as s:
            rows = s.execute(select(m.CaseFile.id, m.CaseFile.case_no)).all()
        by_no: dict[str, list[str]] = {}
        for cid, no in rows:
            by_no.setdefault(no.replace(" ", ""), []).append(cid)
        for no in named:
            ids = by_no.get(no.replace(" ", ""), [])
            if not ids:
                raise InputError(f"案号“{no}”不在本评查活动中")
            if len(ids) > 1:
                raise InputError(f"案号“{no}”对应多个执法机关的案卷，请检查")
            if ids[0] not in spot:
                raise InputError(f"案卷 {no} 没有抽查的最终评查结果，无法复查对比")
            add(ids[0], REASON_NAMED)
            sel.case_nos[ids[0]] = no
    return sel


def new_recheck(db: Database, out: str | Path, sel: Selection, params: dict, seed: str = ""):
    from .rounddb import new_round_database

    if not sel.chosen:
        raise WorkflowError("没有符合条件的复查案卷（没有不合格、否决的案卷，也没有已整改的案卷可抽取）")
    return new_round_database(db, out, m.ROUND_RECHECK, case_ids=list(sel.chosen), params=params, seed=seed)


def _scored(results) -> dict[str, Scored]:
    return {cid: Scored(r.agency, r.case_no, r.score, r.grade, {i: f.note for i, f in r.findings.items()})
            for cid, r in results.items()}


def recheck_comparison(db: Database, spot=None) -> list[RecheckFile]:
    """Every re-checked file (latest import) against its 抽查 result."""
    again = round_results(db, kind=m.ROUND_RECHECK)
    if not again:
        return []
    std = campaign_info(db).standard
    spot = spot if spot is not None else spot_results(db)
    return compare_recheck(_scored(spot), _scored(again), {i.id: i.text for i in std.items}, [i.id for i in std.items])
