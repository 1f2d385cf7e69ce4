"""Assigning sampled files to reviewers: balanced, reproducible, with 回避 (conflict of interest).

Rules: every sampled file gets one reviewer; a `double` fraction gets a second, independent one;
nobody reviews a file of their own agency; total workloads differ by at most one file.
Algorithm: the slots to fill (first reviews, then second reviews) are ordered by
sha256("{seed}|{agency}|{case number}|{slot}"); the most constrained slots go first; each goes to
the least-loaded eligible reviewer, ties broken by sha256("{seed}|{reviewer}|{case number}").
A repair pass then moves files from the busiest to the idlest reviewers where 回避 allows.
"""

from __future__ import annotations

import hashlib
from collections import namedtuple
from dataclasses import dataclass

from sqlalchemy import insert, select

from anjuan import models as m
from anjuan.db import Database, campaign_lock
from anjuan.errors import WorkflowError

_Staff = namedtuple("_Staff", "id name agency_id unit")


def conflicted(reviewer, agency_id: str, agency_name: str) -> bool:
    """回避: a reviewer never scores a file of their own agency."""
    return reviewer.agency_id == agency_id or (bool(reviewer.unit) and reviewer.unit == agency_name)


def _h(*parts: str) -> str:
    return hashlib.sha256("|".join(parts).encode()).hexdigest()


@dataclass(frozen=True)
class _Slot:
    case_id: str
    case_no: str
    agency_id: str
    agency: str
    slot: int
    key: str


@dataclass
class AssignResult:
    seed: str
    new: int  # new assignments (a double-reviewed file counts twice)
    new_files: int  # files assigned for the first time
    by_reviewer: dict[str, list[str]]  # reviewer name → case numbers (all of theirs, sorted)
    loads: dict[str, int]

    def to_json(self) -> dict:
        return {"seed": self.seed, "new_assignments": self.new, "new_files": self.new_files, "reviewers": self.by_reviewer}


def assign(db: Database, seed: str, double: float = 0.0) -> AssignResult:
    """Assign every sampled, unassigned file; returns each reviewer's files."""
    if not 0 <= double <= 1:
        raise WorkflowError(f"--double 应在 0 到 1 之间（如 0.2 表示 20% 的案卷双人评查），实际为 {double}")
    cf, ag, sc, asg, rv = (m.CaseFile.__table__, m.Agency.__table__, m.SampledCase.__table__,
                           m.Assignment.__table__, m.Reviewer.__table__)
    seed = str(seed)
    self_check = db.meta("round_kind") == m.ROUND_SELF
    with db.session() as s:
        campaign_lock(s, "assign")  # two assignment runs at once would give a file two reviewers
        reviewers = s.execute(select(rv.c.id, rv.c.name, rv.c.agency_id, rv.c.unit).where(rv.c.role == m.ROLE_REVIEWER).order_by(rv.c.name)).all()
        if not reviewers:
            raise WorkflowError("还没有评查人员，请先用 anjuan reviewer add 或 anjuan reviewer import 添加")
        if self_check:  # 自查: an agency's own staff score its own files, so 回避 does not apply
            reviewers = [_Staff(r.id, r.name, None, "") for r in reviewers]
        files = s.execute(
            select(cf.c.id, cf.c.case_no, cf.c.agency_id, ag.c.name)
            .select_from(sc.join(cf, cf.c.id == sc.c.case_id).join(ag, ag.c.id == cf.c.agency_id))
        ).all()
        if not files:
            raise WorkflowError("还没有抽中的案卷，请先用 anjuan sample 抽样")
        existing = s.execute(select(asg.c.case_id, asg.c.reviewer_id)).all()
        taken: dict[str, set[str]] = {}
        for cid, rid in existing:
            taken.setdefault(cid, set()).add(rid)
        load = {r.id: 0 for r in reviewers}
        for _, rid in existing:
            if rid in load:
                load[rid] += 1
        slots: list[_Slot] = []
        new_files = [f for f in files if f.id not in taken]
        for f in new_files:
            slots.append(_Slot(f.id, f.case_no, f.agency_id, f.name, 1, _h(seed, f.name, f.case_no, "1")))
        n_double = round(double * len(new_files))
        if n_double:
            if len(reviewers) < 2:
                raise WorkflowError("双人评查至少需要两名评查人员")
            # Only files two reviewers may score (after 回避) can be double-reviewed.
            able = [f for f in new_files
                    if sum(not conflicted(r, f.agency_id, f.name) for r in reviewers) >= 2]
            if len(able) < n_double:
                raise WorkflowError(
                    f"双人评查需要 {n_double} 卷，但受回避限制只有 {len(able)} 卷有两名可评查人员；"
                    "请降低 --double 比例或增加其他单位的评查人员")
            chosen = sorted(able, key=lambda f: _h(seed, "double", f.name, f.case_no))[:n_double]
            slots.extend(_Slot(f.id, f.case_no, f.agency_id, f.name, 2, _h(seed, f.name, f.case_no, "2")) for f in chosen)

        def eligible(slot: _Slot) -> list:
            return [r for r in reviewers if not conflicted(r, slot.agency_id, slot.agency)]

        for slot in slots:
            if not eligible(slot):
                raise WorkflowError(
                    f"“{slot.agency}”的案卷无人可评：所有评查人员都来自该机关，须回避。请添加其他单位的评查人员")
        slots.sort(key=lambda sl: (sl.slot, len(eligible(sl)), sl.key))
        placed: dict[tuple[str, int], str] = {}
        for slot in slots:
            cands = [r for r in eligible(slot) if r.id not in taken.get(slot.case_id, set())]
            if not cands:
                raise WorkflowError(f"案卷 {slot.case_no}（{slot.agency}）找不到第二名可回避的评查人员")
            best = min(cands, key=lambda r: (load[r.id], _h(seed, r.name, slot.case_no)))
            placed[(slot.case_id, slot.slot)] = best.id
            taken.setdefault(slot.case_id, set()).add(best.id)
            load[best.id] += 1
        _rebalance(placed, slots, reviewers, load, taken)
        rows = [{"id": m.new_id(), "case_id": sl.case_id, "reviewer_id": placed[(sl.case_id, sl.slot)],
                 "slot": sl.slot, "seed": seed, "assigned_at": m.now()} for sl in slots]
        if rows:
            s.execute(insert(asg), rows)
        names = {r.id: r.name for r in reviewers}
        by_reviewer: dict[str, list[str]] = {r.name: [] for r in reviewers}
        for case_no, rid in s.execute(select(cf.c.case_no, asg.c.reviewer_id).select_from(asg.join(cf, cf.c.id == asg.c.case_id))):
            if rid in names:
                by_reviewer[names[rid]].append(case_no)
        for v in by_reviewer.values():
            v.sort()
    return AssignResult(seed, len(rows), len(new_files), by_reviewer, {names[k]: v for k, v in load.items()})


def _rebalance(placed, slots, reviewers, load, taken) -> None:
    """Move new slots from the busiest to the idlest reviewer until loads differ by at most one."""
    by_id = {r.id: r for r in reviewers}
    order = [r.id for r in reviewers]
    for _ in range(len(slots) * len(reviewers) + 1):
        # Ties by name, never by id: ids are random UUIDs and would break reproducibility.
        # Only this round's files can move, so the busiest reviewer must hold one of them.
        holders = {placed[(sl.case_id, sl.slot)] for sl in slots}
        if not holders:
            return
        hi = max(holders, key=lambda r: (load[r], by_id[r].name))
        lo = min(order, key=lambda r: (load[r], by_id[r].name))
        if load[hi] - load[lo] <= 1:
            return
        moved = False
        for sl in sorted(slots, key=lambda x: x.key):
            if placed[(sl.case_id, sl.slot)] == hi and not conflicted(by_id[lo], sl.agency_id, sl.agency) and lo not in taken[sl.case_id]:
                placed[(sl.case_id, sl.slot)] = lo
                taken[sl.case_id].discard(hi)
                taken[sl.case_id].add(lo)
                load[hi] -= 1
                load[lo] += 1
                moved = True
                break
        if not moved:
            # Two-step move through a middle reviewer: hi → mid, mid → lo.
            if not _two_step(placed, slots, reviewers, load, taken, hi, lo, by_id):
                names = {r.id: r.name for r in reviewers}
                raise WorkflowError(
                    f"受回避限制，无法使工作量均衡：{names[hi]} {load[hi]} 件，{names[lo]} {load[lo]} 件。"
                    "请增加其他单位的评查人员")


def _two_step(placed, slots, reviewers, load, taken, hi, lo, by_id) -> bool:
    for mid in (r.id for r in reviewers):
        if mid in (hi, lo):
            continue
        a = next((sl for sl in slots if placed[(sl.case_id, sl.slot)] == hi and not conflicted(by_id[mid], sl.agency_id, sl.agency)
                  and mid not in taken[sl.case_id]), None)
        b = next((sl for sl in slots if placed[(sl.case_id, sl.slot)] == mid and not conflicted(by_id[lo], sl.agency_id, sl.agency)
                  and lo not in taken[sl.case_id] and sl is not a), None)
        if a and b:
            for sl, src, dst in ((a, hi, mid), (b, mid, lo)):
                placed[(sl.case_id, sl.slot)] = dst
                taken[sl.case_id].discard(src)
                taken[sl.case_id].add(dst)
            load[hi] -= 1
            load[lo] += 1
            return True
    return False
