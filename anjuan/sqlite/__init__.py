"""Everything SQLite-specific. This package (this module and sqlite/merge.py) is the only place
that may use SQLite-only SQL; the rest of anjuan is portable SQLAlchemy (also run on PostgreSQL).

WAL lets the UI read while a write is committing; synchronous=FULL makes a commit durable
before it returns, so an answer shown as 已保存 survives a crash or power cut.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine

BUSY_TIMEOUT_MS = 10_000


def sqlite_engine(path: Path) -> Engine:
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
            conn.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def checkpoint(engine: Engine) -> None:
    """Fold the WAL into the main file, so a copied .db file is complete on its own.

    Runs on a raw DBAPI connection: inside the BEGIN IMMEDIATE our sessions open, SQLite refuses
    a checkpoint ("database table is locked")."""
    raw = engine.raw_connection()
    try:
        raw.driver_connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
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
