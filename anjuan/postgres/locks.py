"""Campaign-level locks on the server: one writer at a time for the operations that change the
campaign as a whole (import, sample, assign, merge, 合议 and report snapshots).

A PostgreSQL advisory lock held until the transaction ends (pg_advisory_xact_lock): it is
released on commit, rollback or a dropped connection, so a killed process never leaves it behind.
Advisory locks are per database, and a database holds one campaign, so one fixed key is the
campaign's lock. Reviewers saving their own answers do not take it (their rows are theirs; the
row locks and revision checks of the reviewing service keep them consistent).

Whoever holds the lock names its operation in application_name (SET LOCAL, so only for that
transaction); a second caller that has to wait reads it from pg_stat_activity and says what it is
waiting for ("另一项合并正在进行，等待…") through the notifier the CLI installs.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from sqlalchemy import text
from sqlalchemy.orm import Session

from . import APPLICATION_NAME

# "anjuan" as a 64-bit key: fixed, so every anjuan version agrees on it.
CAMPAIGN_LOCK_KEY = 0x616E6A75616E0001

OPERATIONS = {"import": "导入案卷目录", "sample": "抽样", "assign": "分配", "merge": "合并", "settle": "合议",
              "report": "出具通报", "users": "登录账号设置"}

def stderr_notifier(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


_notify: Callable[[str], None] | None = stderr_notifier


def set_wait_notifier(fn: Callable[[str], None] | None) -> None:
    """Who is told that an operation waits for another (default: one line on stderr, as the
    CLI shows it; the workbench UI may install its own)."""
    global _notify
    _notify = fn


def campaign_lock(conn, operation: str, shared: bool = False) -> None:
    """Take the campaign lock for the current transaction (waiting, and saying so, if it is held).

    `conn` is a Session or Connection inside a transaction. shared=True (report snapshots) lets
    several readers hold it together while keeping every writer out."""
    fn = "pg_try_advisory_xact_lock_shared" if shared else "pg_try_advisory_xact_lock"
    conn.execute(text("SELECT set_config('application_name', :n, true)"), {"n": f"anjuan:{operation}"})
    if conn.execute(text(f"SELECT {fn}(:k)"), {"k": CAMPAIGN_LOCK_KEY}).scalar():
        return
    _say_waiting(conn)
    conn.execute(text(f"SELECT {fn.replace('_try', '')}(:k)"), {"k": CAMPAIGN_LOCK_KEY})


def _say_waiting(conn) -> None:
    """Tell the user which operation holds the campaign lock we are about to wait for."""
    holder = conn.execute(text(
        "SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
        "WHERE l.locktype = 'advisory' AND l.granted AND l.pid <> pg_backend_pid() "
        "AND ((l.classid::bigint << 32) | l.objid::bigint) = :k LIMIT 1"), {"k": CAMPAIGN_LOCK_KEY}).scalar()
    other = OPERATIONS.get((holder or "").removeprefix("anjuan:"), "操作")
    if _notify is not None:
        _notify(f"另一项{other}正在进行，等待…" if other != "操作" else "其他用户的操作正在进行，等待…")


@contextmanager
def snapshot_session(engine, operation: str = "report") -> Iterator[Session]:
    """A read-only REPEATABLE READ transaction begun once no campaign-wide write runs: every
    statement in it sees the same committed state (reviewers saving meanwhile do not change what
    it reads). The campaign lock is held shared, at session level, from before the snapshot is
    taken until it ends, so merges, 合议 and assignments wait for the report, and vice versa."""
    with engine.connect() as conn:
        conn.execution_options(isolation_level="AUTOCOMMIT")
        conn.execute(text("SELECT set_config('application_name', :n, false)"), {"n": f"anjuan:{operation}"})
        if not conn.execute(text("SELECT pg_try_advisory_lock_shared(:k)"), {"k": CAMPAIGN_LOCK_KEY}).scalar():
            _say_waiting(conn)
            conn.execute(text("SELECT pg_advisory_lock_shared(:k)"), {"k": CAMPAIGN_LOCK_KEY})
        conn.commit()
        try:
            conn.execution_options(isolation_level="REPEATABLE READ", postgresql_readonly=True)
            with Session(conn, expire_on_commit=False) as s, s.begin():
                yield s
        finally:
            if conn.in_transaction():
                conn.rollback()
            conn.execution_options(isolation_level="AUTOCOMMIT", postgresql_readonly=False)
            conn.execute(text("SELECT pg_advisory_unlock_shared(:k)"), {"k": CAMPAIGN_LOCK_KEY})
            conn.execute(text("SELECT set_config('application_name', :n, false)"), {"n": APPLICATION_NAME})
            conn.commit()
