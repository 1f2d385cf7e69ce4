"""Bulk paths for a campaign on PostgreSQL: COPY instead of row-by-row INSERTs.

Merge (anjuan/lead/merge.py): each package (a SQLite file, opened read-only in one read
transaction) is read with sqlite3 and streamed into the TEMP staging tables with COPY … FROM STDIN
on the merge's own connection and transaction; the checks and the newer-revision-wins merge then
run set-based (INSERT … SELECT) on the server, exactly as on SQLite. TEMP tables are never seen
by autovacuum, so they are ANALYZEd once filled: without statistics the planner would pick
nested loops over hundreds of thousands of staged rows.

Import (anjuan/prepare/catalog_import.py): the new case_file rows are written with COPY.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

import psycopg
from sqlalchemy import Table
from sqlalchemy.engine import Connection
from sqlalchemy.schema import CreateIndex, CreateTable


def _cursor(conn: Connection):
    return conn.connection.driver_connection.cursor()


def copy_rows(conn: Connection, table: str, columns: Sequence[str], rows: Iterable[Sequence],
              types: Sequence[str] | None = None) -> int:
    """COPY rows (tuples in `columns` order) into `table` on the connection's open transaction.

    With `types` (PostgreSQL type names, one per column) the binary COPY format is used, which
    the server parses about a third faster than text."""
    cols = ", ".join(f'"{c}"' for c in columns)
    binary = " (FORMAT BINARY)" if types else ""
    n = 0
    with _cursor(conn) as cur, cur.copy(f'COPY "{table}" ({cols}) FROM STDIN{binary}') as cp:
        if types:
            cp.set_types(list(types))
        for row in rows:
            cp.write_row(row)
            n += 1
    return n


def _pg_types(table: Table, columns: Sequence[str]) -> list[str] | None:
    """Binary COPY types of the columns, or None if one is of a type not handled here."""
    from sqlalchemy import Boolean, Float, Integer, String

    out = []
    for name in columns:
        t = table.c[name].type
        if isinstance(t, Boolean):
            out.append("bool")
        elif isinstance(t, Integer):
            out.append("int4")
        elif isinstance(t, Float):
            out.append("float8")
        elif isinstance(t, String):
            out.append("varchar")
        else:
            return None
    return out


def copy_into(conn: Connection, table: str, columns: Sequence[str], rows: Iterable[Sequence]) -> int:
    """COPY rows into a campaign table. PostgreSQL refuses COPY FROM into a table whose row-level
    security applies to the current login (a lead's login: anjuan/postgres/roles.py); then the rows
    are copied into a TEMP table and moved with one INSERT … SELECT, which the policies check."""
    from sqlalchemy import text

    if not conn.execute(text("SELECT row_security_active(CAST(:t AS regclass))"), {"t": table}).scalar():
        return copy_rows(conn, table, columns, rows)
    stage = f"anjuan_stage_{table}"
    conn.execute(text(f'CREATE TEMP TABLE IF NOT EXISTS "{stage}" (LIKE "{table}") ON COMMIT DROP'))
    n = copy_rows(conn, stage, columns, rows)
    cols = ", ".join(f'"{c}"' for c in columns)
    conn.execute(text(f'INSERT INTO "{table}" ({cols}) SELECT {cols} FROM "{stage}"'))
    conn.execute(text(f'TRUNCATE "{stage}"'))
    return n


def _bool_columns(table: Table) -> set[int]:
    from sqlalchemy import Boolean

    return {i for i, c in enumerate(c for c in table.columns if c.name != "pkg") if isinstance(c.type, Boolean)}


def stage_packages(conn: Connection, sources: list, staged: list[tuple[str, Table]],
                   check: Callable[[object, dict | None], None], unreadable: Callable[[object, Exception], None],
                   check_rows: Callable[[object, dict[str, list[tuple]]], None] | None = None) -> None:
    """Create the TEMP staging tables and COPY every readable, plausible package into them.

    Same contract as anjuan.sqlite.merge.stage_packages, but inside the merge's transaction on the
    server connection: `check(source, facts)` sets source.error to refuse a package, and
    `check_rows(source, rows)` sees each package table's rows exactly as the package holds them
    (forged values unconverted; staging column order without `pkg`) before anything is sent."""
    from sqlalchemy import text

    # Memory for this transaction's index builds, sorts and hash joins over the staged rows
    # (SET LOCAL: back to the server's settings when the merge ends).
    conn.execute(text("SET LOCAL maintenance_work_mem = '256MB'"))
    conn.execute(text("SET LOCAL work_mem = '64MB'"))
    for _, table in staged:
        conn.execute(CreateTable(table))
    from concurrent.futures import ThreadPoolExecutor

    def read(src):
        try:
            return src, _read_package(src, staged, check), None
        except sqlite3.Error as exc:
            return src, None, exc

    todo = [s for s in sources if not s.error]
    # The next package is read (sqlite3, in a worker thread) while this one is sent to the server.
    # Read first, then COPY: a package that cannot be read never leaves a half-finished COPY
    # (which would abort the whole merge transaction).
    with ThreadPoolExecutor(max_workers=1) as pool:
        for src, rows, exc in pool.map(read, todo):
            if exc is not None:
                unreadable(src, exc)
                continue
            if rows is None:
                continue
            if check_rows is not None:
                check_rows(src, {name: [r[1:] for r in rows[table.name]] for name, table in staged})
                if src.error:
                    continue
            _to_booleans(rows, staged)
            # A package whose values do not fit the columns (a forged or damaged file) is refused
            # alone: its COPY is rolled back to this savepoint and the merge goes on.
            savepoint = conn.begin_nested()
            try:
                for _, table in staged:
                    cols = ["pkg", *(c.name for c in table.columns if c.name != "pkg")]
                    copy_rows(conn, table.name, cols, rows.pop(table.name), _pg_types(table, cols))
            except (psycopg.Error, TypeError, ValueError, OverflowError) as exc:
                savepoint.rollback()
                unreadable(src, exc)
            else:
                savepoint.commit()


def _read_package(src, staged: list[tuple[str, Table]], check) -> dict[str, list[tuple]] | None:
    """The package's staged tables as row tuples (pkg first), read in one read transaction;
    None if check() refuses the package."""
    from anjuan.sqlite.merge import package_uri, read_facts

    pkg = sqlite3.connect(package_uri(Path(src.path)), uri=True, isolation_level=None)
    try:
        pkg.execute("BEGIN")  # one snapshot of the package for facts and rows
        check(src, read_facts(pkg, "main"))
        if src.error:
            return None
        out = {}
        for name, table in staged:
            cols = [c.name for c in table.columns if c.name != "pkg"]
            idx = src.index
            rows = pkg.execute(f"SELECT {', '.join(cols)} FROM main.{name}").fetchall()
            out[table.name] = [(idx, *r) for r in rows]
        return out
    finally:
        pkg.close()


def _to_booleans(rows: dict[str, list[tuple]], staged: list[tuple[str, Table]]) -> None:
    """SQLite stores booleans as integers; COPY into PostgreSQL wants booleans (after the checks,
    which see the integers as the package holds them)."""
    for _, table in staged:
        bools = _bool_columns(table)
        if not bools:
            continue
        fixed = []
        for r in rows[table.name]:
            r = list(r)
            for i in bools:
                if r[i + 1] is not None:
                    r[i + 1] = bool(r[i + 1])
            fixed.append(tuple(r))
        rows[table.name] = fixed


def create_indexes(conn: Connection, indexes, tables: Sequence[Table]) -> None:
    for ix in indexes:
        conn.execute(CreateIndex(ix))
    analyze(conn, tables)


def analyze(conn: Connection, tables: Sequence[Table]) -> None:
    from sqlalchemy import text

    # A small sample is plenty for join planning over staged rows (and much faster to take).
    conn.execute(text("SET LOCAL default_statistics_target = 20"))
    for t in tables:
        conn.execute(text(f'ANALYZE "{t.name}"'))
    conn.execute(text("RESET default_statistics_target"))
