"""Reading packages for a merge: file-level and meta checks, and staging their rows in TEMP tables."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import (
    Column,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    insert,
    select,
)
from sqlalchemy.engine import Connection
from sqlalchemy.schema import CreateIndex, CreateTable

from anjuan import models as m
from anjuan.campaign import campaign_info
from anjuan.db import ROLE_CAMPAIGN, ROLE_PACKAGE, Database, database_role, is_url
from anjuan.errors import WorkflowError
from scoring import sha256_text

from .report import PackageReport

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
# Assignments are staged only to be checked (a package never brings assignments into the campaign).
S_ASSIGN = _stage_table("mg_assignment", ASG)
STAGED = [("review", S_REVIEW), ("answer", S_ANSWER), ("answer_history", S_HISTORY), ("assignment", S_ASSIGN)]
STAGE_TABLES = [S_REVIEW, S_ANSWER, S_HISTORY, S_ASSIGN, S_PKG, S_WIN]
# Built after staging (bulk index builds are faster than maintaining them row by row); CreateTable
# does not emit a table's indexes, so each is created explicitly when its time comes.
STAGE_INDEXES = [
    Index("mg_review_pkg_id", S_REVIEW.c.pkg, S_REVIEW.c.id),
    Index("mg_review_key", S_REVIEW.c.case_id, S_REVIEW.c.reviewer_id),
    Index("mg_answer_pkg_review", S_ANSWER.c.pkg, S_ANSWER.c.review_id),
    Index("mg_history_pkg", S_HISTORY.c.pkg),
]
WIN_INDEX = Index("mg_win_pkg_id", S_WIN.c.pkg, S_WIN.c.id)


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
    issues: dict[str, tuple[str, str]] = field(default_factory=dict)  # package id → (reviewer id, secret)



def _same_file(a: Path, b: Path | None) -> bool:
    if b is None:
        return False
    try:
        return a.samefile(b)
    except OSError:
        return False


def _inspect_file(src: PackageReport, camp: _Campaign) -> None:
    """File-level checks before the package is opened; sets src.error."""
    from anjuan.sqlite import damaged_sqlite_file, is_sqlite_file

    path = Path(src.path)
    if not path.exists():
        src.error = f"找不到数据包文件 {src.path}"
    elif not path.is_file():
        src.error = f"{src.path} 不是文件"
    elif _same_file(path, camp.path):
        src.error = f"{src.name} 就是要合并到的评查活动数据库本身，请指定评查人员交回的数据包"
    elif not is_sqlite_file(path):
        src.error = f"{src.name} 不是 anjuan 数据包（不是 anjuan 数据库文件）"
    elif why := damaged_sqlite_file(path):
        src.error = f"{src.name} 已损坏（{why}），不能合并，请评查人员重新交回数据包"
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
    if version.isdigit() and int(version) < 2 <= m.SCHEMA_VERSION:
        # Before version 2 packages carried no secret: nothing proves whom they were issued to.
        src.error = (f"{src.name} 由旧版本 anjuan 生成（数据结构版本 {version}），没有签发凭据，不能合并；请组长用 anjuan pack "
                     "重新生成数据包，评查人员已做的评查可用 anjuan answers export 从旧数据包导出、再导入新数据包")
        return
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
        return
    src.meta = meta
    _check_issue(src, meta, camp)


def _check_issue(src: PackageReport, meta: dict, camp: _Campaign) -> None:
    """The package must be one this campaign issued to the reviewer it claims, with that package's secret."""
    from anjuan.integrity.seal import META_ID, META_MAC, META_SECRET, same_secret

    pid, secret = meta.get(META_ID), meta.get(META_SECRET)
    if not pid or not secret or not meta.get(META_MAC):
        src.error = (f"{src.name} 没有签发凭据（由旧版本 anjuan 生成，或不是用 anjuan pack 生成），无法证明是发给“{src.reviewer}”的数据包，"
                     "不能合并；请组长用 anjuan pack 重新生成数据包")
        return
    issued = camp.issues.get(pid)
    if issued is None:
        src.error = f"{src.name} 的数据包编号 {pid[:8]} 不是本评查活动签发的，不能合并；请组长用 anjuan pack 重新生成数据包"
        return
    issued_to, issued_secret = issued
    if issued_to != src.reviewer_id:
        src.error = (f"{src.name} 声称属于“{src.reviewer}”，但数据包编号 {pid[:8]} 是发给“{camp.reviewers.get(issued_to, issued_to[:8])}”的，"
                     "数据包被改动过（冒用他人身份），不能合并")
        return
    if not same_secret(secret, issued_secret):
        src.error = f"{src.name} 的签发凭据与评查活动记录的不符，数据包被改动过，不能合并"


def _unreadable(src: PackageReport, exc: Exception) -> None:
    src.error = f"{src.name} 无法读取（{exc}），文件可能已损坏，不能合并"


def _campaign_facts(db: Database) -> _Campaign:
    role = database_role(db)
    if role != ROLE_CAMPAIGN:
        raise WorkflowError(f"{db.label} 是评查人员数据包，不是评查活动数据库。用法：anjuan merge 评查活动.db 数据包.db …")
    info = campaign_info(db)
    with db.session() as s:
        reviewers = dict(s.execute(select(m.Reviewer.__table__.c.id, m.Reviewer.__table__.c.name)).all())
        pi = m.PackageIssue.__table__
        issues = {pid: (rid, secret) for pid, rid, secret in s.execute(select(pi.c.id, pi.c.reviewer_id, pi.c.secret))}
    path = None if is_url(db.target) else Path(db.target)
    return _Campaign(info.id, info.name, info.standard.sha256, reviewers, path, issues)


# ---- staging (portable path: read with SQLAlchemy, insert into TEMP tables) -------------------------

def _read_package(src: PackageReport, camp: _Campaign) -> dict[str, list[tuple]] | None:
    """The package's rows to stage as raw tuples (as the SQLite driver returns them, so forged values
    are seen as they are), in the staging tables' column order without `pkg`; None if refused."""
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
            out = {}
            for name, stage in STAGED:
                cols = ", ".join(c.name for c in stage.columns if c.name != "pkg")
                out[name] = [tuple(r) for r in pc.exec_driver_sql(f"SELECT {cols} FROM {name}")]
            return out
    except DBAPIError as exc:
        _unreadable(src, exc.orig)
        return None
    finally:
        engine.dispose()


def _stage_portable(conn: Connection, sources: list[PackageReport], camp: _Campaign, check) -> None:
    """Read each package raw, run `check(src, rows)` on it (sets src.error) and stage the rows of the
    packages that pass, converted to the staging tables' types."""
    for _, table in STAGED:
        conn.execute(CreateTable(table))
    for src in sources:
        if src.error:
            continue
        rows = _read_package(src, camp)
        if rows is None:
            continue
        from .check import projected

        check(src, projected(rows))
        if src.error:
            continue
        for name, stage in STAGED:
            names = [c.name for c in stage.columns if c.name != "pkg"]
            flags = [n for n in names if n in ("is_final", "vetoed")]
            batch = []
            for r in rows[name]:
                d = dict(zip(names, r, strict=True)) | {"pkg": src.index}
                for f in flags:
                    d[f] = bool(d[f])
                batch.append(d)
            for i in range(0, len(batch), 20_000):
                conn.execute(insert(stage), batch[i:i + 20_000])
    for ix in STAGE_INDEXES:
        conn.execute(CreateIndex(ix))
