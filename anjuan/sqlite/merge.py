"""SQLite-only parts of merging reviewer packages (see anjuan/lead/merge.py).

Packages are always SQLite files. They are opened read-only, so merging never changes a reviewer's
file: `immutable=1` (no -wal/-shm files are created next to it) unless a -wal file with content lies
beside the package, in which case plain `mode=ro` so the WAL's changes are read too.

The fast path for a SQLite campaign: each package is ATTACHed to the campaign's connection in turn
and its reviews, answers and history are copied with INSERT … SELECT into TEMP staging tables; the
merge itself (checks, newer-revision-wins, inserts) then runs on the staging tables in a single
BEGIN IMMEDIATE transaction. Staging is needed because SQLite attaches at most 10 databases and
cannot DETACH one inside a transaction that has read from it, while a merge may bring 30 packages
and must be one transaction. Staging writes only the connection's TEMP schema: the campaign file
itself is untouched until that transaction commits.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote

from sqlalchemy import create_engine
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.schema import CreateIndex, CreateTable

ALIAS = "mgpkg"


def has_wal_content(path: Path) -> bool:
    wal = path.with_name(path.name + "-wal")
    try:
        return wal.stat().st_size > 0
    except OSError:
        return False


def package_uri(path: Path | str) -> str:
    """A read-only URI for the package (immutable when no WAL content lies beside it)."""
    path = Path(path)
    uri = "file:" + quote(str(path.resolve()))
    return uri + ("?mode=ro" if has_wal_content(path) else "?mode=ro&immutable=1")


def readonly_engine(path: Path) -> Engine:
    """A SQLAlchemy engine reading a package without ever writing to it."""
    uri = package_uri(path)
    return create_engine("sqlite://", creator=lambda: sqlite3.connect(uri, uri=True, check_same_thread=False))


def _driver(conn: Connection) -> sqlite3.Connection:
    return conn.connection.driver_connection


def _sql(conn: Connection, ddl) -> str:
    return str(ddl.compile(dialect=conn.dialect))


def read_facts(raw: sqlite3.Connection, schema: str) -> dict | None:
    """meta, campaign and standard rows of an attached package; None if it is not an anjuan file."""
    tables = {r[0] for r in raw.execute(f"SELECT name FROM {schema}.sqlite_master WHERE type = 'table'")}
    if not {"meta", "campaign", "standard", "review", "answer", "answer_history"} <= tables:
        return None
    return {
        "meta": dict(raw.execute(f"SELECT key, value FROM {schema}.meta").fetchall()),
        "campaigns": raw.execute(f"SELECT id, name, standard_sha FROM {schema}.campaign").fetchall(),
        "standards": raw.execute(f"SELECT sha256, toml_text FROM {schema}.standard").fetchall(),
    }


def stage_packages(conn: Connection, sources: list, staged: list[tuple[str, object]],
                   check: Callable[[object, dict | None], None], unreadable: Callable[[object, Exception], None]) -> None:
    """Create the TEMP staging tables and copy every readable, plausible package into them.

    `staged` pairs each package table name with its staging Table (first column `pkg`, then the
    package table's columns). `check(source, facts)` sets source.error when the package's meta rows
    show it must not be merged; its rows are then not copied. Runs outside any transaction on the
    campaign (ATTACH needs that); each package is read in its own read transaction (one snapshot).
    """
    raw = _driver(conn)
    # ATTACH takes a URI (read-only) only where URI filenames are enabled for every connection;
    # otherwise the plain path (still only read).
    uris = bool(raw.execute("SELECT sqlite_compileoption_used('SQLITE_USE_URI')").fetchone()[0])
    for _, table in staged:
        raw.execute(_sql(conn, CreateTable(table)))
    for src in sources:
        if src.error:
            continue
        try:
            raw.execute(f"ATTACH DATABASE ? AS {ALIAS}", (package_uri(src.path) if uris else str(src.path),))
        except sqlite3.Error as exc:
            unreadable(src, exc)
            continue
        try:
            raw.execute("BEGIN")
            check(src, read_facts(raw, ALIAS))
            if not src.error:
                for name, table in staged:
                    cols = ", ".join(c.name for c in table.columns if c.name != "pkg")
                    raw.execute(f"INSERT INTO temp.{table.name} (pkg, {cols}) SELECT ?, {cols} FROM {ALIAS}.{name}",
                                (src.index,))
            raw.execute("COMMIT")
        except sqlite3.Error as exc:
            if raw.in_transaction:
                raw.execute("ROLLBACK")
            unreadable(src, exc)
        finally:
            raw.execute(f"DETACH DATABASE {ALIAS}")


def create_indexes(conn: Connection, indexes) -> None:
    raw = _driver(conn)
    for ix in indexes:
        raw.execute(_sql(conn, CreateIndex(ix)))


def bulk_cache(conn: Connection, kib: int = 131_072) -> int:
    """Give the campaign connection a larger page cache for the merge's bulk inserts; returns the old setting."""
    raw = _driver(conn)
    before = raw.execute("PRAGMA main.cache_size").fetchone()[0]
    raw.execute(f"PRAGMA main.cache_size = {-abs(int(kib))}")
    return before


def discard_connection(conn: Connection) -> None:
    """Close the connection the merge used: its TEMP staging tables go with it (faster than DROP
    TABLE on large tables) and its larger page cache is freed. The pool opens a fresh one next time."""
    conn.invalidate()
