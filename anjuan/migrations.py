"""Ordered schema migrations: MIGRATIONS[n] upgrades a database from version n-1 to n.

A small ordered list instead of Alembic: databases are single files carried on laptops, each
step runs inside the transaction that opens the file, and no migration environment needs to be
shipped. Each step takes a SQLAlchemy Connection and uses portable DDL only.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.engine import Connection


def _v1(conn: Connection) -> None:
    """Version 1 is the first schema; nothing to change."""


def _v2(conn: Connection) -> None:
    """Integrity (issue 9): hash-chained history (answer_history.seq/hash, review.history_hash),
    合议 tied to the originals it settled (review.settled_from), issued packages (package_issue).

    Existing history rows get their chain computed here, per review in time order (insertion order
    on ties). Packages made before this version carry no secret: merge refuses them with advice to
    issue a new package (see README)."""
    from sqlalchemy import Column, Integer, String, Text, inspect

    from anjuan import models as m
    from anjuan.integrity.chain import rechain_all

    def add(table: str, column: Column) -> None:
        if column.name in {c["name"] for c in inspect(conn).get_columns(table)}:
            return
        ddl = column.type.compile(dialect=conn.dialect)
        default = " NOT NULL DEFAULT ''" if column.name in ("hash", "history_hash") else ""
        conn.exec_driver_sql(f"ALTER TABLE {table} ADD COLUMN {column.name} {ddl}{default}")

    add("answer_history", Column("seq", Integer))
    add("answer_history", Column("hash", String(64)))
    add("review", Column("history_hash", String(64)))
    add("review", Column("settled_from", Text))
    m.PackageIssue.__table__.create(conn, checkfirst=True)
    if conn.dialect.name == "sqlite":
        from anjuan.sqlite import insertion_order

        order = insertion_order()
    else:
        order = m.AnswerHistory.__table__.c.id
    rechain_all(conn, order)
    conn.exec_driver_sql("CREATE UNIQUE INDEX IF NOT EXISTS uq_answer_history_chain ON answer_history (review_id, seq)")


def _v3(conn: Connection) -> None:
    """Version 3: rounds (自查, 抽查, 复查) and the 整改台账. The existing reviews are the 抽查
    round, which gets its round row; nothing already stored changes."""
    from . import models as m

    for table in (m.Round, m.RoundResult, m.RoundAnswer, m.LedgerItem, m.LedgerImport):
        table.__table__.create(conn, checkfirst=True)
    ensure_spot_round(conn)


def ensure_spot_round(conn: Connection) -> str:
    """The id of the campaign's 抽查 round, made if missing."""
    from sqlalchemy import insert, select

    from . import models as m

    rd = m.Round.__table__
    rid = conn.execute(select(rd.c.id).where(rd.c.kind == m.ROUND_SPOT)).scalar()
    if rid is None:
        rid = m.new_id()
        conn.execute(insert(rd).values(id=rid, kind=m.ROUND_SPOT, name="抽查", source="", source_sha256="",
                                       params="{}", created_at=m.now()))
    return rid


def _v4(conn: Connection) -> None:
    """Server logins (issue 12): the reviewer_login table and answer_history.login."""
    from sqlalchemy import inspect, text

    from . import models as m

    m.ReviewerLogin.__table__.create(conn, checkfirst=True)
    if "login" not in {c["name"] for c in inspect(conn).get_columns("answer_history")}:
        conn.execute(text("ALTER TABLE answer_history ADD COLUMN login VARCHAR(63)"))


MIGRATIONS: dict[int, Callable[[Connection], None]] = {1: _v1, 2: _v2, 3: _v3, 4: _v4}
