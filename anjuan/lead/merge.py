"""Merging reviewer packages back into the campaign database.

What a merge does:
- Every review, answer and answer-history row a package holds is brought in, keyed by UUID.
- A review is identified by its file and reviewer (one original review per reviewer and file). Of all
  the versions at hand — the campaign's and each package's — the one with the highest revision wins
  (ties: later updated_at, then larger id, so the choice never depends on the order of the packages);
  the winner's review row and its complete answer set replace the campaign's. An older version never
  overwrites a newer one. History rows are append-only: inserted when their id is not there yet.
  Merging the same package twice, or packages in any order, therefore gives the same database.
- Refused, with nothing written: a file that is not an anjuan database, a campaign database given as
  a package, a package of another campaign or scored with another standard (sha256), reviews by
  anyone but the reviewer the package was issued for, reviews of files the CAMPAIGN has not assigned
  to that reviewer, rows that do not hang together (answers or history of reviews not in the
  package, a review id the campaign holds for another file). One bad package stops the whole merge;
  with skip_bad the good ones are merged and the bad ones reported.
- The whole merge is one transaction: interrupted at any point, the campaign is as it was.
- merge_log gets one row per merged package: its file name, the sha256 of the package file (and of
  its -wal file, if one with content lies beside it), the reviewer and the counts as JSON. Re-merging a package whose checksum is already logged
  and that brings nothing new records nothing, so merging the same package twice leaves the
  database — merge_log included — exactly as after the first merge.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import (
    Column,
    Index,
    Integer,
    MetaData,
    String,
    Table,
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
from sqlalchemy.exc import IntegrityError
from sqlalchemy.schema import CreateIndex, CreateTable, DropTable

from anjuan import models as m
from anjuan.campaign import campaign_info
from anjuan.db import ROLE_CAMPAIGN, ROLE_PACKAGE, Database, campaign_lock, database_role, is_url
from anjuan.errors import WorkflowError
from scoring import sha256_text

# Test hook: seconds to sleep inside the merge transaction after reviews and answers are written
# (prints PAUSE_MARK to stderr first), so a test can kill the process mid-merge.
PAUSE_ENV = "ANJUAN_TEST_MERGE_PAUSE"
PAUSE_MARK = "ANJUAN-MERGE-PAUSED"
# With the pause: end it early once this file exists (a test holding one merge while another starts).
RESUME_ENV = "ANJUAN_TEST_MERGE_RESUME"

RV, AN, HI, ASG, CF = (m.Review.__table__, m.Answer.__table__, m.AnswerHistory.__table__,
                       m.Assignment.__table__, m.CaseFile.__table__)
LOG = m.MergeLog.__table__

# TEMP staging tables on the campaign connection: each package table's columns plus `pkg` (the
# package's position in the argument list).
_STAGE = MetaData()


def _stage_table(name: str, src: Table) -> Table:
    return Table(name, _STAGE, Column("pkg", Integer, nullable=False),
                 *[Column(c.name, c.type) for c in src.columns], prefixes=["TEMPORARY"])


S_REVIEW = _stage_table("mg_review", RV)
S_ANSWER = _stage_table("mg_answer", AN)
S_HISTORY = _stage_table("mg_history", HI)
S_PKG = Table("mg_pkg", _STAGE, Column("pkg", Integer, primary_key=True), Column("reviewer_id", String(36)),
              prefixes=["TEMPORARY"])
S_WIN = Table("mg_win", _STAGE, Column("pkg", Integer), Column("id", String(36)), Column("case_id", String(36)),
              Column("reviewer_id", String(36)), Column("revision", Integer), Column("updated_at", String),
              Column("old_id", String(36)), prefixes=["TEMPORARY"])
STAGED = [("review", S_REVIEW), ("answer", S_ANSWER), ("answer_history", S_HISTORY)]
STAGE_TABLES = [S_REVIEW, S_ANSWER, S_HISTORY, S_PKG, S_WIN]
# Built after staging (bulk index builds are faster than maintaining them row by row); CreateTable
# does not emit a table's indexes, so each is created explicitly when its time comes.
STAGE_INDEXES = [
    Index("mg_review_pkg_id", S_REVIEW.c.pkg, S_REVIEW.c.id),
    Index("mg_review_key", S_REVIEW.c.case_id, S_REVIEW.c.reviewer_id),
    Index("mg_answer_pkg_review", S_ANSWER.c.pkg, S_ANSWER.c.review_id),
    Index("mg_history_pkg", S_HISTORY.c.pkg),
]
WIN_INDEX = Index("mg_win_pkg_id", S_WIN.c.pkg, S_WIN.c.id)


class MergeRefused(WorkflowError):
    """Packages that cannot be merged; nothing was written."""


@dataclass
class PackageReport:
    """What one package brought (or why it was refused)."""

    path: str
    checksum: str = ""
    reviewer_id: str | None = None
    reviewer: str | None = None
    error: str | None = None
    reviews_new: int = 0
    reviews_updated: int = 0
    reviews_replaced: int = 0  # of the updated: the campaign's review had another id (made in another package)
    reviews_unchanged: int = 0
    reviews_stale: int = 0  # older than the version kept: not applied
    answers: int = 0
    history: int = 0
    conflicts: int = 0
    logged: bool = False
    index: int = field(default=0, repr=False)
    wal: bool = field(default=False, repr=False)

    @property
    def name(self) -> str:
        return Path(self.path).name

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def changed(self) -> bool:
        return bool(self.reviews_new or self.reviews_updated or self.history)

    def summary(self) -> dict:
        return {"reviews": {"new": self.reviews_new, "updated": self.reviews_updated, "replaced": self.reviews_replaced,
                            "unchanged": self.reviews_unchanged, "stale": self.reviews_stale},
                "answers": self.answers, "history": self.history, "conflicts": self.conflicts}

    def to_json(self) -> dict:
        out = {"package": self.path, "checksum": self.checksum, "reviewer": self.reviewer, "reviewer_id": self.reviewer_id,
               "ok": self.ok}
        if self.error:
            out["error"] = self.error
        else:
            out |= self.summary() | {"logged": self.logged}
        return out


@dataclass
class MergeResult:
    campaign: str
    dry_run: bool
    packages: list[PackageReport]
    conflicts: int = 0  # files in conflict in the whole campaign after the merge
    seconds: float = 0.0

    @property
    def merged(self) -> list[PackageReport]:
        return [p for p in self.packages if p.ok]

    @property
    def skipped(self) -> list[PackageReport]:
        return [p for p in self.packages if not p.ok]

    def to_json(self) -> dict:
        return {"campaign": self.campaign, "dry_run": self.dry_run, "conflicts": self.conflicts,
                "packages": [p.to_json() for p in self.packages if p.ok],
                "skipped": [p.to_json() for p in self.packages if not p.ok]}


def package_checksum(path: Path) -> str:
    """sha256 of the package file's bytes (followed by its -wal file's, if one with content exists)."""
    h = hashlib.sha256()
    wal = path.with_name(path.name + "-wal")
    for p in (path, wal):
        if p is wal and not (wal.exists() and wal.stat().st_size > 0):
            break
        with open(p, "rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                h.update(chunk)
    return h.hexdigest()


@dataclass(frozen=True)
class _Campaign:
    id: str
    name: str
    standard_sha: str
    reviewers: dict[str, str]  # id → name
    path: Path | None


class _Bound:
    """A Database stand-in whose session() is the merge's open transaction (reads see its writes)."""

    def __init__(self, conn: Connection):
        self._conn = conn

    @contextmanager
    def session(self) -> Iterator[Connection]:
        yield self._conn

    read_session = session


def _same_file(a: Path, b: Path | None) -> bool:
    if b is None:
        return False
    try:
        return a.samefile(b)
    except OSError:
        return False


def _inspect_file(src: PackageReport, camp: _Campaign) -> None:
    """File-level checks before the package is opened; sets src.error."""
    from anjuan.sqlite import is_sqlite_file

    path = Path(src.path)
    if not path.exists():
        src.error = f"找不到数据包文件 {src.path}"
    elif not path.is_file():
        src.error = f"{src.path} 不是文件"
    elif _same_file(path, camp.path):
        src.error = f"{src.name} 就是要合并到的评查活动数据库本身，请指定评查人员交回的数据包"
    elif not is_sqlite_file(path):
        src.error = f"{src.name} 不是 anjuan 数据包（不是 anjuan 数据库文件）"
    else:
        from anjuan.sqlite.merge import has_wal_content

        src.wal = has_wal_content(path)
        src.checksum = package_checksum(path)


def _check_facts(src: PackageReport, facts: dict | None, camp: _Campaign) -> None:
    """Checks on a package's meta, campaign and standard rows; sets src.error, reviewer."""
    if facts is None:
        src.error = f"{src.name} 不是 anjuan 数据包（缺少 anjuan 数据表）"
        return
    meta = facts["meta"]
    role = meta.get("role", ROLE_CAMPAIGN)
    if role == ROLE_CAMPAIGN:
        src.error = f"{src.name} 是评查活动数据库，不是评查人员数据包；请指定用 anjuan pack 生成、由评查人员交回的数据包"
        return
    if role != ROLE_PACKAGE:
        src.error = f"{src.name} 不是评查人员数据包（类型为“{role}”）"
        return
    version = meta.get("schema_version", "0")
    if version != str(m.SCHEMA_VERSION):
        src.error = (f"{src.name} 的数据结构版本（{version}）与本程序（{m.SCHEMA_VERSION}）不同，"
                     "请使用与生成数据包相同版本的 anjuan 合并")
        return
    rid = meta.get("package_reviewer_id")
    if not rid:
        src.error = f"{src.name} 缺少数据包信息（发给哪位评查人员），不是用 anjuan pack 生成的数据包"
        return
    src.reviewer_id = rid
    src.reviewer = camp.reviewers.get(rid) or meta.get("package_reviewer_name") or rid[:8]
    pkg_campaign = meta.get("package_campaign_id") or meta.get("campaign_id")
    campaigns = facts["campaigns"]
    if pkg_campaign != camp.id or any(c[0] != camp.id for c in campaigns) or not campaigns:
        other = campaigns[0][1] if campaigns else "未知"
        if other == camp.name:
            src.error = (f"{src.name} 属于另一项评查活动（名称同为“{other}”，但不是同一个评查活动数据库生成的数据包），"
                         "不能合并")
        else:
            src.error = f"{src.name} 属于另一项评查活动（“{other}”），不是本次“{camp.name}”的数据包，不能合并"
        return
    shas = {c[2] for c in campaigns}
    if shas != {camp.standard_sha}:
        got = next(iter(shas - {camp.standard_sha}), "")
        src.error = (f"{src.name} 使用的评查标准与本次评查活动不同（数据包 {got[:12]}，评查活动 {camp.standard_sha[:12]}），"
                     "不能合并")
        return
    stored = {sha: text for sha, text in facts["standards"]}
    if camp.standard_sha not in stored or sha256_text(stored[camp.standard_sha]) != camp.standard_sha:
        src.error = f"{src.name} 中保存的评查标准与校验码不符（标准文本被改动过），不能合并"
        return
    if rid not in camp.reviewers:
        src.error = f"{src.name} 是发给“{src.reviewer}”的数据包，但本次评查活动的评查人员名单中没有此人，不能合并"


def _unreadable(src: PackageReport, exc: Exception) -> None:
    src.error = f"{src.name} 无法读取（{exc}），文件可能已损坏，不能合并"


def _campaign_facts(db: Database) -> _Campaign:
    role = database_role(db)
    if role != ROLE_CAMPAIGN:
        raise WorkflowError(f"{db.label} 是评查人员数据包，不是评查活动数据库。用法：anjuan merge 评查活动.db 数据包.db …")
    info = campaign_info(db)
    with db.session() as s:
        reviewers = dict(s.execute(select(m.Reviewer.__table__.c.id, m.Reviewer.__table__.c.name)).all())
    path = None if is_url(db.target) else Path(db.target)
    return _Campaign(info.id, info.name, info.standard.sha256, reviewers, path)


# ---- staging (portable path: read with SQLAlchemy, insert into TEMP tables) -------------------------

def _read_package(src: PackageReport, camp: _Campaign) -> dict[str, list[dict]] | None:
    """The package's rows to stage, read through SQLAlchemy (read-only); None if it is refused."""
    from sqlalchemy.exc import DBAPIError

    from anjuan.sqlite.merge import readonly_engine

    t = m.SQLModel.metadata.tables
    engine = readonly_engine(Path(src.path))
    try:
        with engine.connect() as pc:
            facts = None
            if {"meta", "campaign", "standard", "review", "answer", "answer_history"} <= set(pc.dialect.get_table_names(pc)):
                facts = {"meta": dict(pc.execute(select(t["meta"].c.key, t["meta"].c.value)).all()),
                         "campaigns": [tuple(r) for r in pc.execute(
                             select(t["campaign"].c.id, t["campaign"].c.name, t["campaign"].c.standard_sha))],
                         "standards": [tuple(r) for r in pc.execute(select(t["standard"].c.sha256, t["standard"].c.toml_text))]}
            _check_facts(src, facts, camp)
            if src.error:
                return None
            return {name: [dict(r._mapping) for r in pc.execute(select(t[name]))] for name, _ in STAGED}
    except DBAPIError as exc:
        _unreadable(src, exc.orig)
        return None
    finally:
        engine.dispose()


def _stage_portable(conn: Connection, sources: list[PackageReport], camp: _Campaign) -> None:
    for table in (S_REVIEW, S_ANSWER, S_HISTORY):
        conn.execute(CreateTable(table))
    for src in sources:
        if src.error:
            continue
        rows = _read_package(src, camp)
        if rows is None:
            continue
        for name, stage in STAGED:
            for i in range(0, len(rows[name]), 20_000):
                conn.execute(insert(stage), [r | {"pkg": src.index} for r in rows[name][i:i + 20_000]])
    for ix in STAGE_INDEXES:
        conn.execute(CreateIndex(ix))


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

    # History is append-only: insert the rows not there yet, crediting the first package bringing each.
    hcols = [c.name for c in HI.columns]
    for s in good:
        # preserve_rowcount: without it SQLAlchemy's psycopg dialect reports -1 for INSERT … SELECT.
        res = conn.execute(insert(HI).from_select(
            hcols, select(*[h.c[c] for c in hcols]).where((h.c.pkg == s.index) & ~exists().where(HI.c.id == h.c.id))),
            execution_options={"preserve_rowcount": True})
        s.history = max(res.rowcount or 0, 0)


def _pause() -> None:
    delay = os.environ.get(PAUSE_ENV)
    if delay:
        print(PAUSE_MARK, file=sys.stderr, flush=True)
        resume = os.environ.get(RESUME_ENV)
        until = time.monotonic() + float(delay)
        while time.monotonic() < until and not (resume and Path(resume).exists()):
            time.sleep(0.05)


def _finish(conn: Connection, good: list[PackageReport], threshold: float) -> int:
    """Count conflicts per package and write merge_log; returns the campaign's conflicts."""
    from anjuan.lead.finals import file_outcomes

    outcomes = file_outcomes(_Bound(conn), threshold)  # type: ignore[arg-type]
    conflicted = {cid for cid, o in outcomes.items() if o.state == "conflict"}
    by_index = {s.index: s for s in good}
    for idx, cid in conn.execute(select(S_REVIEW.c.pkg, S_REVIEW.c.case_id).distinct()):
        if cid in conflicted and idx in by_index:
            by_index[idx].conflicts += 1
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


def _refusal(bad: list[PackageReport]) -> MergeRefused:
    if len(bad) == 1:
        return MergeRefused(f"{bad[0].error}。未合并任何数据")
    return MergeRefused(f"有 {len(bad)} 个数据包不能合并，未合并任何数据（加 --skip-bad 可只合并其余数据包）",
                        [p.error or "" for p in bad])


def merge(db: Database, packages: list[str | Path], dry_run: bool = False, skip_bad: bool = False,
          threshold: float | None = None, fast: bool | None = None) -> MergeResult:
    """Merge reviewer packages into the campaign `db` in one transaction (see the module docstring).

    Raises MergeRefused (nothing written) if any package is bad, unless skip_bad; then the good
    ones are merged and the bad ones reported. With dry_run everything is worked out and rolled back.
    `fast` (default: for a SQLite campaign) reads packages through ATTACH instead of SQLAlchemy.
    """
    from anjuan.lead.finals import DEFAULT_THRESHOLD

    if not packages:
        raise WorkflowError("请指定要合并的数据包，如：anjuan merge 评查活动.db 王敏.db 陈立新.db")
    threshold = DEFAULT_THRESHOLD if threshold is None else threshold
    started = time.perf_counter()
    camp = _campaign_facts(db)
    # fast: ATTACH on a SQLite campaign; COPY into the server on PostgreSQL (anjuan/postgres/copy.py).
    server = db.engine.dialect.name == "postgresql"
    fast = (db.is_sqlite or server) if fast is None else fast
    copy_path = fast and server
    fast = fast and db.is_sqlite
    sources = [PackageReport(str(p), index=i) for i, p in enumerate(packages)]
    for src in sources:
        _inspect_file(src, camp)
    result = MergeResult(db.label, dry_run, sources)
    with db.engine.connect() as conn:
        try:
            if fast:
                from anjuan.sqlite import merge as merge_sqlite

                merge_sqlite.bulk_cache(conn)
                merge_sqlite.stage_packages(conn, sources, STAGED, lambda s, f: _check_facts(s, f, camp), _unreadable)
                merge_sqlite.create_indexes(conn, STAGE_INDEXES)
            with conn.begin() as tx:
                # Concurrent merges (of the same packages or not) run one after another: the second
                # then finds the first's rows as "unchanged", never as a tampering conflict.
                campaign_lock(conn, "merge")
                if copy_path:
                    from anjuan.postgres import copy as pg_copy

                    pg_copy.stage_packages(conn, sources, STAGED, lambda s, f: _check_facts(s, f, camp), _unreadable)
                    pg_copy.create_indexes(conn, STAGE_INDEXES, [S_REVIEW, S_ANSWER, S_HISTORY])
                elif not fast:
                    _stage_portable(conn, sources, camp)
                _validate(conn, sources, camp)
                bad = [s for s in sources if not s.ok]
                good = [s for s in sources if s.ok]
                if bad and not skip_bad:
                    raise _refusal(bad)
                if not good:
                    raise MergeRefused("没有可以合并的数据包，未合并任何数据", [s.error or "" for s in bad])
                try:
                    _apply(conn, good)
                except IntegrityError as exc:
                    raise MergeRefused(f"数据包中的记录与评查活动中已有记录冲突（{exc.orig}），数据包可能被改动过。未合并任何数据") from None
                result.conflicts = _finish(conn, good, threshold)
                if not fast:
                    for table in STAGE_TABLES:
                        conn.execute(DropTable(table, if_exists=True))
                if dry_run:
                    tx.rollback()
        finally:
            if fast:
                from anjuan.sqlite import merge as merge_sqlite

                merge_sqlite.discard_connection(conn)
    result.seconds = time.perf_counter() - started
    return result


__all__ = ["MergeRefused", "MergeResult", "PackageReport", "merge", "package_checksum"]
