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
    """Version 2: rounds (自查, 抽查, 复查) and the 整改台账. The existing reviews are the 抽查
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


MIGRATIONS: dict[int, Callable[[Connection], None]] = {1: _v1, 2: _v2}
