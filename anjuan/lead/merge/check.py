"""Checks on the staged package rows against the campaign, before anything is written."""

from __future__ import annotations

from sqlalchemy import (
    delete,
    exists,
    func,
    insert,
    select,
)
from sqlalchemy.engine import Connection
from sqlalchemy.schema import CreateTable

from .read import ASG, CF, RV, S_ANSWER, S_HISTORY, S_PKG, S_REVIEW, _Campaign
from .report import PackageReport

# ---- checks on the staged rows against the campaign -------------------------------------------------

def _validate(conn: Connection, sources: list[PackageReport], camp: _Campaign) -> None:
    good = [s for s in sources if s.ok]
    if not good:
        return
    conn.execute(CreateTable(S_PKG))
    conn.execute(insert(S_PKG), [{"pkg": s.index, "reviewer_id": s.reviewer_id} for s in good])
    by_index = {s.index: s for s in good}
    r, a, h, p = S_REVIEW, S_ANSWER, S_HISTORY, S_PKG
    errors: dict[int, str] = {}

    def fail(idx: int, message: str) -> None:
        errors.setdefault(idx, message)

    # Reviews by someone other than the reviewer the package was issued for (or settled results).
    q = (select(r.c.pkg, r.c.reviewer_id, r.c.is_final, func.count()).join(p, p.c.pkg == r.c.pkg)
         .where((r.c.reviewer_id != p.c.reviewer_id) | (r.c.is_final == True))  # noqa: E712
         .group_by(r.c.pkg, r.c.reviewer_id, r.c.is_final))
    others: dict[int, list[tuple[str, bool, int]]] = {}
    for idx, rid, is_final, n in conn.execute(q):
        others.setdefault(idx, []).append((rid, bool(is_final), n))
    for idx, rows in others.items():
        s = by_index[idx]
        finals = sum(n for _, f, n in rows if f)
        foreign = [(rid, n) for rid, f, n in rows if rid != s.reviewer_id]
        if foreign:
            who = "、".join(camp.reviewers.get(rid, rid[:8]) for rid, _ in foreign)
            fail(idx, f"{s.name} 是发给“{s.reviewer}”的数据包，但其中有 {sum(n for _, n in foreign)} 份评查记录属于其他人员（{who}），"
                      "数据包可能被改动过，不能合并")
        elif finals:
            fail(idx, f"{s.name} 中含有 {finals} 份合议结果，评查人员数据包不应包含合议结果，不能合并")

    # Reviews of files the campaign has not assigned to the package's reviewer.
    q = (select(r.c.pkg, r.c.case_id, CF.c.case_no).join(p, p.c.pkg == r.c.pkg)
         .outerjoin(CF, CF.c.id == r.c.case_id)
         .where(~exists().where((ASG.c.case_id == r.c.case_id) & (ASG.c.reviewer_id == p.c.reviewer_id)))
         .order_by(r.c.pkg, CF.c.case_no))
    unassigned: dict[int, list[str]] = {}
    for idx, cid, case_no in conn.execute(q):
        unassigned.setdefault(idx, []).append(case_no or f"未知案卷 {cid[:8]}")
    for idx, nos in unassigned.items():
        s = by_index[idx]
        shown = "、".join(nos[:5]) + ("等" if len(nos) > 5 else "")
        fail(idx, f"{s.name} 中有 {len(nos)} 份评查记录对应的案卷未分配给“{s.reviewer}”（{shown}），不能合并")

    # Answers and history rows must belong to a review in the same package.
    for stage, col, what in ((a, a.c.review_id, "评查条目"), (h, h.c.review_id, "修改记录")):
        r2 = S_REVIEW.alias()
        q = (select(stage.c.pkg, func.count())
             .where(~exists().where((r2.c.pkg == stage.c.pkg) & (r2.c.id == col))).group_by(stage.c.pkg))
        for idx, n in conn.execute(q):
            if idx in by_index:
                fail(idx, f"{by_index[idx].name} 已损坏：有 {n} 条{what}不属于数据包中的任何评查记录，不能合并")

    # A review id the campaign already holds for another file, reviewer or as a settled result.
    q = (select(r.c.pkg, func.count()).join(RV, RV.c.id == r.c.id)
         .where((RV.c.case_id != r.c.case_id) | (RV.c.reviewer_id != r.c.reviewer_id) | (RV.c.is_final == True))  # noqa: E712
         .group_by(r.c.pkg))
    for idx, n in conn.execute(q):
        fail(idx, f"{by_index[idx].name} 中有 {n} 份评查记录与评查活动中已有记录编号相同但归属不同，数据包可能被改动过，不能合并")

    for idx, message in errors.items():
        by_index[idx].error = message
    if errors:
        bad = list(errors)
        for stage in (S_REVIEW, S_ANSWER, S_HISTORY, S_PKG):
            conn.execute(delete(stage).where(stage.c.pkg.in_(bad)))
