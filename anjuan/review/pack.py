"""Reviewer packages: a self-contained database holding one reviewer's assigned files.

A package carries the campaign, the standard, the reviewer, their assigned files and their own
work so far (reviews, answers, history) — nothing of other reviewers. Meta rows record which
campaign and reviewer it was issued for, the package id and its secret; the campaign records the
same id, reviewer and secret (package_issue), so a merge can check the package comes back from the
person it was issued to and was not edited outside anjuan (anjuan.integrity.seal).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import insert, select

from anjuan import models as m
from anjuan.campaign import campaign_info
from anjuan.db import ROLE_CAMPAIGN, ROLE_PACKAGE, Database, create_database, database_role
from anjuan.errors import WorkflowError
from anjuan.integrity.seal import META_ID, META_SECRET, new_secret, seal
from anjuan.review.reviewing import resolve_reviewer


@dataclass(frozen=True)
class PackResult:
    path: str
    reviewer: str
    files: int
    reviews: int
    answers: int


def _copy(src, dst, table, where=None) -> int:
    q = select(table) if where is None else select(table).where(where)
    rows = [dict(r._mapping) for r in src.execute(q)]
    if rows:
        dst.execute(insert(table), rows)
    return len(rows)


def pack(db: Database, reviewer_name: str, out: str | Path) -> PackResult:
    """Write a reviewer package to `out` (which must not exist yet)."""
    if database_role(db) != ROLE_CAMPAIGN:
        raise WorkflowError("只能从评查活动数据库打包，不能从评查人员的数据包再打包")
    reviewer = resolve_reviewer(db, reviewer_name)
    info = campaign_info(db)
    t = {name: tbl for name, tbl in m.SQLModel.metadata.tables.items()}
    asg, cf, rv, an, hist = t["assignment"], t["case_file"], t["review"], t["answer"], t["answer_history"]
    rid = reviewer.id
    case_ids = select(asg.c.case_id).where(asg.c.reviewer_id == rid)
    with db.session() as src:
        n_files = len(src.execute(case_ids).all())
        if n_files == 0:
            if reviewer.role == m.ROLE_LEAD:
                raise WorkflowError(f"“{reviewer.name}”是组长，不参加案卷分配，没有需要打包的案卷；组长直接用 anjuan review 打开评查活动数据库")
            raise WorkflowError(f"“{reviewer.name}”还没有分配案卷，请先运行 anjuan assign")
    target = create_database(out, ROLE_PACKAGE)
    issue = m.PackageIssue(reviewer_id=rid, secret=new_secret(), file_name=Path(out).name)
    try:
        with db.session() as src, target.session() as dst:
            dst.execute(insert(t["meta"]), [
                {"key": META_ID, "value": issue.id},
                {"key": META_SECRET, "value": issue.secret},
                {"key": "package_reviewer_id", "value": rid},
                {"key": "package_reviewer_name", "value": reviewer.name},
                {"key": "package_campaign_id", "value": info.id},
                {"key": "campaign_id", "value": info.id},
                {"key": "issued_at", "value": m.now()},
            ])
            _copy(src, dst, t["standard"], t["standard"].c.sha256 == info.standard.sha256)
            _copy(src, dst, t["campaign"])
            agency_ids = select(cf.c.agency_id).where(cf.c.id.in_(case_ids))
            ag = t["agency"]
            _copy(src, dst, ag, ag.c.id.in_(agency_ids) | (ag.c.id == reviewer.agency_id))
            _copy(src, dst, t["reviewer"], t["reviewer"].c.id == rid)
            # Catalog provenance (import batches) stays with the lead: files travel without it.
            rows = [dict(r._mapping) | {"import_id": None} for r in src.execute(select(cf).where(cf.c.id.in_(case_ids)))]
            dst.execute(insert(cf), rows)
            _copy(src, dst, asg, asg.c.reviewer_id == rid)
            own = (rv.c.reviewer_id == rid) & (rv.c.is_final == False)  # noqa: E712
            n_reviews = _copy(src, dst, rv, own)
            review_ids = select(rv.c.id).where(own)
            n_answers = _copy(src, dst, an, an.c.review_id.in_(review_ids))
            _copy(src, dst, hist, hist.c.review_id.in_(review_ids))
            seal(dst.connection())
            # Recorded in the campaign in the same transaction that reads what the package holds.
            src.add(issue)
        target.close()
    except BaseException:
        target.engine.dispose()
        _remove_db(Path(out))
        raise
    return PackResult(str(out), reviewer.name, len(rows), n_reviews, n_answers)


def _remove_db(path: Path) -> None:
    for p in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        p.unlink(missing_ok=True)
