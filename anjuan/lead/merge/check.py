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

from anjuan import models as m
from scoring import Standard

from .read import ASG, CF, HI, RV, S_ANSWER, S_ASSIGN, S_HISTORY, S_PKG, S_REVIEW, _Campaign
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

    # A history row id the campaign already holds with other content: rows are never rewritten.
    q = (select(h.c.pkg, func.count()).join(HI, HI.c.id == h.c.id)
         .where((HI.c.review_id != h.c.review_id) | (HI.c.seq != h.c.seq) | (HI.c.hash != h.c.hash))
         .group_by(h.c.pkg))
    for idx, n in conn.execute(q):
        fail(idx, f"{by_index[idx].name} 中有 {n} 条修改记录与评查活动中已有记录编号相同但内容不同，数据包被改动过，不能合并")

    for idx, message in errors.items():
        by_index[idx].error = message
    if errors:
        drop_staged(conn, list(errors))


def drop_staged(conn: Connection, bad: list[int]) -> None:
    """Remove refused packages' rows from the staging tables (so skip_bad merges only the others)."""
    for stage in (S_REVIEW, S_ANSWER, S_HISTORY, S_ASSIGN, S_PKG):
        conn.execute(delete(stage).where(stage.c.pkg.in_(bad)))


# ---- row-by-row integrity of each package (anjuan.integrity) ----------------------------------------

class RowContext:
    """What the row checks need from the campaign, read once per merge inside its transaction."""

    def __init__(self, conn: Connection, camp: _Campaign, std: Standard):
        self.conn = conn
        self.camp = camp
        self.std = std
        self.cases = {cid: (no, kind or "") for cid, no, kind in conn.execute(select(CF.c.id, CF.c.case_no, CF.c.kind))}
        self._reviews: dict[str, dict[str, tuple]] = {}
        self._assignments: dict[str, tuple[str, str]] | None = None

    def reviews_of(self, reviewer_id: str) -> dict[str, tuple]:
        """The campaign's original reviews by this reviewer: case id → (id, status, revision, history_hash, seq)."""
        if reviewer_id not in self._reviews:
            own = select(RV.c.id).where(RV.c.reviewer_id == reviewer_id)
            heads = (select(HI.c.review_id, func.max(HI.c.seq).label("seq")).where(HI.c.review_id.in_(own))
                     .group_by(HI.c.review_id).subquery())
            q = (select(RV.c.case_id, RV.c.id, RV.c.status, RV.c.revision, RV.c.history_hash, heads.c.seq)
                 .outerjoin(heads, heads.c.review_id == RV.c.id)
                 .where((RV.c.reviewer_id == reviewer_id) & (RV.c.is_final == False)))  # noqa: E712
            self._reviews[reviewer_id] = {cid: (rid, st, rev, h or "", seq or 0) for cid, rid, st, rev, h, seq in self.conn.execute(q)}
        return self._reviews[reviewer_id]

    def assignment(self, assignment_id: str) -> tuple[str, str] | None:
        if self._assignments is None:
            self._assignments = {aid: (cid, rid) for aid, cid, rid in
                                 self.conn.execute(select(ASG.c.id, ASG.c.case_id, ASG.c.reviewer_id))}
        return self._assignments.get(assignment_id)

    def hash_at(self, review_id: str, seq: int) -> str:
        if seq <= 0:
            return ""
        return self.conn.scalar(select(HI.c.hash).where((HI.c.review_id == review_id) & (HI.c.seq == seq))) or ""

    def foreign_rows(self, review_id: str, reviewer_id: str) -> int:
        return self.conn.scalar(select(func.count()).select_from(HI).where(
            (HI.c.review_id == review_id) & (HI.c.actor_id != reviewer_id))) or 0


def check_package_rows(ctx: RowContext, src: PackageReport, rows: dict[str, list[tuple]]) -> None:
    """Every review of the package as anjuan.integrity.verify requires, plus what only a merge can
    check: no lead-only data, history that extends the campaign's, and the package's seal. Sets
    src.error to a one-line reason naming the package, the row and what is wrong."""
    from anjuan.integrity.seal import META_ID, META_MAC, META_SECRET, package_mac
    from anjuan.integrity.verify import REVIEWER_ACTIONS, check_review, flag

    reviews, answers, history = rows["review"], rows["answer"], rows["answer_history"]
    by_review_a: dict[str, list[tuple]] = {}
    for a in answers:
        by_review_a.setdefault(a[1], []).append(a)
    by_review_h: dict[str, list[tuple]] = {}
    for h in history:
        by_review_h.setdefault(h[1], []).append(h)
    mine = ctx.reviews_of(src.reviewer_id) if src.reviewer_id else {}
    name = src.name
    ids = {r[0] for r in reviews}
    for rows_, what in ((answers, "评查条目"), (history, "修改记录")):
        n = sum(1 for x in rows_ if x[1] not in ids)
        if n:
            src.error = f"{name} 已损坏：有 {n} 条{what}不属于数据包中的任何评查记录，不能合并"
            return

    def where(r: tuple) -> str:
        no = ctx.cases.get(r[1], (None,))[0]
        return f"评查记录 {no}" if no else f"评查记录 {str(r[0])[:8]}"

    for r in sorted(reviews, key=lambda r: (ctx.cases.get(r[1], ("",))[0] or "", str(r[0]))):
        rid, case_id = r[0], r[1]
        if r[2] != src.reviewer_id:
            continue  # reported by _validate (reviews of someone else)
        if flag(r[3]) is not False:
            src.error = (f"{name}：{where(r)} 的“合议结果”标记为“{r[3]}”，合议结果只能由组长在评查活动中作出，"
                         "数据包被改动过，不能合并")
            return
        if r[14] not in (None, ""):
            src.error = f"{name}：{where(r)} 含有合议信息，评查人员数据包不能含组长数据，数据包被改动过，不能合并"
            return
        kind = ctx.cases.get(case_id, (None, ""))[1]
        hist = by_review_h.get(rid, [])
        problems = check_review(ctx.std, kind, r, by_review_a.get(rid, []), hist)
        if problems:
            src.error = f"{name}：{where(r)}：{problems[0]}，数据包被改动过，不能合并"
            return
        ordered = sorted(hist, key=lambda h: h[9])
        camp = mine.get(case_id)
        start = 0
        if camp is not None:
            c_id, c_status, c_rev, c_hash, c_seq = camp
            if c_id == rid:
                if len(ordered) >= c_seq:
                    if c_seq and ordered[c_seq - 1][10] != c_hash:
                        src.error = (f"{name}：{where(r)} 缺少或改动了评查活动中已有的 {c_seq} 条修改记录（如组长的退回重评），"
                                     "数据包是在旧的状态上修改的，不能合并；请组长重新生成数据包（anjuan pack）后在新数据包中修改")
                        return
                    start = c_seq
                elif (ordered[-1][10] if ordered else "") != ctx.hash_at(c_id, len(ordered)):
                    src.error = (f"{name}：{where(r)} 的修改记录与评查活动中的不一致，数据包被改动过，不能合并；"
                                 "请组长重新生成数据包（anjuan pack）")
                    return
                else:
                    start = len(ordered)  # an older version: it will not be applied
            elif isinstance(r[5], int) and r[5] >= (c_rev or 0) and (
                    c_status == m.STATUS_SUBMITTED or ctx.foreign_rows(c_id, src.reviewer_id)):
                src.error = (f"{name}：{where(r)} 要取代评查活动中另一份已提交（或经组长处理）的评查记录，"
                             "而没有其退回重评的记录，不能合并；请组长重新生成数据包（anjuan pack）")
                return
        for n, h in enumerate(ordered[start:], start + 1):
            if h[3] != src.reviewer_id or h[5] not in REVIEWER_ACTIONS:
                who = ctx.camp.reviewers.get(h[3], str(h[3])[:8])
                src.error = (f"{name}：{where(r)} 的修改记录第 {n} 条（{h[5]}，{who}）不是评查人员本人的操作，"
                             "组长的操作只能在评查活动中进行，数据包被改动过，不能合并")
                return
    # Assignments are the lead's: a package may only hold its own reviewer's, as issued.
    for a in rows.get("assignment", []):
        issued = ctx.assignment(a[0])
        if a[2] != src.reviewer_id or (issued is not None and issued != (a[1], a[2])):
            no = ctx.cases.get(a[1], (str(a[1])[:8],))[0]
            src.error = (f"{name}：案卷 {no} 的分配记录被改动过（分配由组长在评查活动中决定，数据包不能带入），不能合并")
            return
    meta = src.meta
    mac = package_mac(meta[META_SECRET], meta[META_ID], src.reviewer_id or "", meta.get("campaign_id", ""),
                      reviews)
    if mac != meta.get(META_MAC):
        src.error = f"{name} 的内容校验值不符：数据包在 anjuan 之外被改动过（评查记录表），不能合并"


CHECK_FIELDS = {"review": None, "answer": None, "answer_history": None, "assignment": ("id", "case_id", "reviewer_id")}


def check_fields(name: str) -> tuple[str, ...]:
    """The columns, in order, that the row checks read from each package table (independent of the
    order of the model's columns, so adding a column elsewhere cannot shift them)."""
    from anjuan.integrity.seal import REVIEW_FIELDS
    from anjuan.integrity.verify import ANSWER_FIELDS, HISTORY_FIELDS

    return {"review": REVIEW_FIELDS, "answer": ANSWER_FIELDS, "answer_history": HISTORY_FIELDS}.get(name) \
        or CHECK_FIELDS[name]


def project(rows: list[tuple], names: list[str], name: str) -> list[tuple]:
    """Rows read in `names` order, as the check_fields(name) tuples."""
    idx = [names.index(f) for f in check_fields(name)]
    return [tuple(r[i] for i in idx) for r in rows]


def projected(rows: dict[str, list[tuple]]) -> dict[str, list[tuple]]:
    """A package's raw rows (staging column order, no `pkg`) as the row checks read them."""
    from .read import STAGED

    return {name: project(rows[name], [c.name for c in stage.columns if c.name != "pkg"], name)
            for name, stage in STAGED}


def staged_rows(conn: Connection, index: int) -> dict[str, list[tuple]]:
    """One package's staged rows as raw tuples in check_fields order."""
    from .read import STAGED

    # SQLite: straight from the driver's cursor (plain tuples, the same raw values) — a merge reads
    # back every staged row, and SQLAlchemy's per-row fetch would cost more than the checks.
    raw = conn.connection.driver_connection if conn.dialect.name == "sqlite" else None
    out = {}
    for name, stage in STAGED:
        cols = ", ".join(check_fields(name))
        sql = f"SELECT {cols} FROM {stage.name} WHERE pkg = {int(index)}"
        out[name] = raw.execute(sql).fetchall() if raw is not None else [tuple(r) for r in conn.exec_driver_sql(sql)]
    return out
