"""Everything SQLite-specific. This package (this module and sqlite/merge.py) is the only place
that may use SQLite-only SQL; the rest of anjuan is portable SQLAlchemy (also run on PostgreSQL).

WAL lets the UI read while a write is committing; synchronous=FULL makes a commit durable
before it returns, so an answer shown as 已保存 survives a crash or power cut.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine

BUSY_TIMEOUT_MS = 10_000
# How long a writer waits for another program's write to finish before giving up with a clear
# message (README “可靠性”). ANJUAN_WRITE_WAIT (seconds) overrides it.
WRITE_WAIT_SECONDS = 30.0
# A first, short try: only when it fails does the writer say that it is waiting.
_FIRST_TRY_MS = 200


def write_wait_seconds() -> float:
    try:
        return max(0.0, float(os.environ.get("ANJUAN_WRITE_WAIT", WRITE_WAIT_SECONDS)))
    except ValueError:
        return WRITE_WAIT_SECONDS


def _default_notice(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# Called with "另一个程序正在写入…，等待中" when a write has to wait; the UI may replace it.
wait_notice: Callable[[str], None] = _default_notice


def is_read_only_location(path: Path) -> bool:
    """True when the file or its folder cannot be written (read-only medium, mount or file):
    SQLite could not create its -wal/-shm files there, so the file is opened immutable."""
    try:
        return not os.access(path, os.W_OK) or not os.access(path.parent, os.W_OK) or _read_only_mount(path)
    except OSError:
        return True


def _read_only_mount(path: Path) -> bool:
    try:
        return bool(os.statvfs(path).f_flag & os.ST_RDONLY)
    except (OSError, AttributeError):
        return False


def sqlite_engine(path: Path, read_only: bool = False) -> Engine:
    """An engine for the campaign file. read_only: for commands that only read (status, report,
    standard show, answers export); on a read-only medium the file is opened immutable."""
    if read_only:
        return _read_only_engine(path)
    engine = create_engine(f"sqlite:///{path}", connect_args={"timeout": BUSY_TIMEOUT_MS / 1000})

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_conn, _record):
        # Let SQLAlchemy, not the driver, decide when transactions begin (issued below).
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cur.execute("PRAGMA synchronous=FULL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _begin(conn):
        # IMMEDIATE takes the write lock up front, so two writers wait instead of failing mid-way;
        # read-only sessions (Database.read_session) use a plain BEGIN and never wait for a writer.
        if conn.get_execution_options().get("anjuan_read_only"):
            conn.exec_driver_sql("BEGIN")
        else:
            _begin_write(conn)

    return engine


def _begin_write(conn) -> None:
    """BEGIN IMMEDIATE; when another program holds the write lock, say so and wait at most
    write_wait_seconds() before giving up ("database is locked", turned into a message)."""
    from sqlalchemy.exc import OperationalError

    raw = conn.connection.driver_connection
    raw.execute(f"PRAGMA busy_timeout={_FIRST_TRY_MS}")
    try:
        conn.exec_driver_sql("BEGIN IMMEDIATE")
        return
    except OperationalError as exc:
        if "locked" not in str(exc.orig) and "busy" not in str(exc.orig):
            raise
    finally:
        raw.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    wait = write_wait_seconds()
    wait_notice(f"另一个程序正在写入该数据库，等待中（最多 {wait:g} 秒）……")
    raw.execute(f"PRAGMA busy_timeout={int(wait * 1000)}")
    try:
        conn.exec_driver_sql("BEGIN IMMEDIATE")
    finally:
        raw.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")


def _read_only_engine(path: Path) -> Engine:
    from urllib.parse import quote

    flags = "mode=ro&immutable=1" if is_read_only_location(path) else "mode=ro"
    uri = f"file:{quote(str(path.resolve()))}?{flags}"
    engine = create_engine("sqlite://", creator=lambda: _connect_uri(uri))

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_conn, _record):
        dbapi_conn.isolation_level = None
        dbapi_conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")

    @event.listens_for(engine, "begin")
    def _begin(conn):
        conn.exec_driver_sql("BEGIN")  # never the write lock: a reader does not wait for writers

    return engine


def _connect_uri(uri: str):
    import sqlite3

    return sqlite3.connect(uri, uri=True, check_same_thread=False, timeout=BUSY_TIMEOUT_MS / 1000)


def checkpoint(engine: Engine) -> None:
    """Fold the WAL into the main file, so a copied .db file is complete on its own.

    Never waits for readers: a TRUNCATE checkpoint blocked by a reader (status, a report) gives
    up at once and a PASSIVE one copies what it can; the WAL is folded in by the next close.
    Runs on a raw DBAPI connection: inside the BEGIN IMMEDIATE our sessions open, SQLite refuses
    a checkpoint ("database table is locked")."""
    raw = engine.raw_connection()
    try:
        conn = raw.driver_connection
        conn.execute("PRAGMA busy_timeout=0")
        busy = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        if busy and busy[0]:
            conn.execute("PRAGMA wal_checkpoint(PASSIVE)")
        conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    finally:
        raw.close()


def is_sqlite_file(path: Path) -> bool:
    try:
        with open(path, "rb") as fh:
            return fh.read(16) == b"SQLite format 3\x00"
    except OSError:
        return False


def insertion_order():
    """An ORDER BY key giving a SQLite table's rows in insertion order (its rowid)."""
    from sqlalchemy import literal_column

    return literal_column("rowid")


def damaged_sqlite_file(path: Path) -> str | None:
    """Why a SQLite file (a reviewer package) cannot be trusted byte for byte, or None: SQLite's
    quick_check, then every row read once (text that is not UTF-8 fails only when read, deep
    inside a merge). Opens the file read-only and leaves no -wal/-shm behind."""
    import sqlite3
    from urllib.parse import quote

    wal = Path(str(path) + "-wal")
    flags = "mode=ro" if wal.exists() and wal.stat().st_size else "mode=ro&immutable=1"
    try:
        con = sqlite3.connect(f"file:{quote(str(Path(path).resolve()))}?{flags}", uri=True)
    except sqlite3.Error as exc:
        return str(exc)
    try:
        problems = [r[0] for r in con.execute("PRAGMA quick_check(5)")]
        if problems != ["ok"]:
            return "；".join(problems)
        tables = [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        for table in tables:
            for _ in con.execute(f'SELECT * FROM "{table}"'):
                pass
        return None
    except (sqlite3.Error, ValueError) as exc:
        return str(exc)
    finally:
        con.close()

