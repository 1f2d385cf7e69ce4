"""Merging reviewer packages back into the campaign database.

What a merge does:
- Every review, answer and answer-history row a package holds is brought in, keyed by UUID.
- A review is identified by its file and reviewer (one original review per reviewer and file). Of all
  the versions at hand — the campaign's and each package's — the one with the highest revision wins
  (ties: later updated_at, then larger id, so the choice never depends on the order of the packages);
  the winner's review row and its complete answer set replace the campaign's. An older version never
  overwrites a newer one. History rows are append-only: inserted when their id (and their place in
  the review's hash chain) is not there yet, the winning version's rows first.
  Merging the same package twice, or packages in any order, therefore gives the same database.
- Every package is authenticated and checked row by row before anything is written (check.py,
  anjuan.integrity): it must be a package this campaign issued to the reviewer it claims (id and
  secret recorded by `pack`), sealed by anjuan (HMAC over its reviews and their history heads); every
  review must pass anjuan.integrity.verify.check_review (the one answer rule, hash chain, answers equal
  to the replay of the history, submitted reviews changed only after a reopen with a reason, scores
  as recomputed); no lead-only data (合议 results or flags, history rows by anyone else); and the
  campaign's history of each review must be a prefix of the package's (else: re-issue the package).
  Merges report the files whose 合议 went stale through them (原评查已变更).
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

import time
from pathlib import Path

from sqlalchemy.exc import IntegrityError
from sqlalchemy.schema import DropTable

from anjuan.campaign import campaign_info
from anjuan.db import Database, campaign_lock
from anjuan.errors import WorkflowError

from .check import RowContext, _validate, check_package_rows, drop_staged, projected, staged_rows
from .read import (
    S_ANSWER,
    S_HISTORY,
    S_REVIEW,
    STAGE_INDEXES,
    STAGE_TABLES,
    STAGED,
    _campaign_facts,
    _check_facts,
    _inspect_file,
    _stage_portable,
    _unreadable,
    package_checksum,
)
from .report import MergeRefused, MergeResult, PackageReport
from .write import PAUSE_ENV, PAUSE_MARK, RESUME_ENV, _apply, _finish


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
                ctx = RowContext(conn, camp, campaign_info(db).standard)
                if copy_path:
                    from anjuan.postgres import copy as pg_copy

                    pg_copy.stage_packages(conn, sources, STAGED, lambda s, f: _check_facts(s, f, camp), _unreadable,
                                           lambda src, rows: check_package_rows(ctx, src, projected(rows)))
                    pg_copy.create_indexes(conn, STAGE_INDEXES, [S_REVIEW, S_ANSWER, S_HISTORY])
                elif not fast:
                    _stage_portable(conn, sources, camp, lambda src, rows: check_package_rows(ctx, src, rows))
                _validate(conn, sources, camp)
                if fast:  # attached in bulk: the same row checks, read back from the staging tables
                    failed = []
                    for src in sources:
                        if src.ok:
                            check_package_rows(ctx, src, staged_rows(conn, src.index))
                            if not src.ok:
                                failed.append(src.index)
                    if failed:
                        drop_staged(conn, failed)
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
                result.conflicts = _finish(conn, good, threshold, result.stale_settled)
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


__all__ = ["PAUSE_ENV", "PAUSE_MARK", "RESUME_ENV", "MergeRefused", "MergeResult", "PackageReport", "merge", "package_checksum"]
