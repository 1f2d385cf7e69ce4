"""The other rounds in the 评查结果通报: the 自查 figures and the comparison with last year."""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path

from anjuan.db import Database
from anjuan.errors import AnjuanError


def attach_rounds(db: Database, data, previous: str | Path | None = None, threshold: float = 5.0) -> None:
    """Add to a BulletinData the self-check figures (if the campaign has a 自查) and, given last
    year's campaign database, the year-on-year comparison. Nothing changes for a campaign without
    them, so its bulletin stays exactly as it was."""
    from anjuan.rounds.selfcheck import has_selfcheck, selfcheck_summary

    if has_selfcheck(db):
        summary = selfcheck_summary(db)
        if data.public:  # what reviewers wrote may name people; the public bulletin gives counts
            for a in summary.agencies:
                for p in a.missed:
                    p.note = ""
        data.selfcheck = summary
    if previous is not None:
        data.previous = compare_with(data, previous, threshold, current=db)


def compare_with(data, previous: str | Path, threshold: float = 5.0, current: Database | None = None):
    from anjuan.db import ROLE_CAMPAIGN, database_role
    from anjuan.lead.reporting import load_bulletin
    from reports.rounds import year_on_year

    path = str(previous)
    if not Path(path).exists() and "://" not in path:
        raise AnjuanError(f"找不到上年度评查活动数据库 {path}")
    if current is not None and path == current.target or (
            current is not None and "://" not in path and "://" not in current.target
            and Path(current.target).exists() and Path(path).resolve() == Path(current.target).resolve()):
        raise AnjuanError(f"--previous 指定的 {path} 就是本评查活动数据库，请指定上年度的评查活动数据库")
    with _readable_copy(path) as prev:
        if database_role(prev) != ROLE_CAMPAIGN:
            raise AnjuanError(f"{path} 是评查人员的数据包，不是上年度评查活动数据库")
        if current is not None and prev.meta("campaign_id") and prev.meta("campaign_id") == current.meta("campaign_id"):
            raise AnjuanError(f"--previous 指定的 {path} 与本评查活动是同一个评查活动（可能是它的副本），"
                              "请指定上年度的评查活动数据库")
        last = load_bulletin(prev, data.generated_on, data.deadline, data.public, threshold)
    if last.overall is None:
        raise AnjuanError(f"上年度评查活动 {path} 还没有最终评查结果，无法对比")
    return year_on_year(data, last)


@contextmanager
def _readable_copy(path: str):
    """Last year's campaign, opened for reading. Its archive is never upgraded in place: a file made
    by an older anjuan is copied (SQLite backup) to a temporary file and the copy is upgraded."""
    from anjuan import models as m
    from anjuan.db import open_database

    prev = open_database(path, migrate=False)
    try:
        version = int(prev.meta("schema_version") or 0)
        if version >= m.SCHEMA_VERSION:
            yield prev
            return
        if "://" in path:
            raise AnjuanError(f"上年度评查活动数据库 {prev.label} 由较早版本的 anjuan 创建，需先由数据库所有者升级"
                              "（用本版本对其运行一次 anjuan status）后再对比")
    finally:
        prev.close()
    import sqlite3
    import tempfile

    with tempfile.TemporaryDirectory(prefix="anjuan-previous-") as tmp:
        copy = Path(tmp) / "previous.db"
        src = sqlite3.connect(Path(path).resolve().as_uri() + "?mode=ro", uri=True)
        dst = sqlite3.connect(copy)
        try:
            src.backup(dst)
        finally:
            dst.close()
            src.close()
        db = open_database(copy)
        try:
            yield db
        finally:
            db.close()
