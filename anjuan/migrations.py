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
    """Server logins (issue 12): the reviewer_login table and answer_history.login."""
    from sqlalchemy import inspect, text

    from . import models as m

    m.ReviewerLogin.__table__.create(conn, checkfirst=True)
    if "login" not in {c["name"] for c in inspect(conn).get_columns("answer_history")}:
        conn.execute(text("ALTER TABLE answer_history ADD COLUMN login VARCHAR(63)"))


MIGRATIONS: dict[int, Callable[[Connection], None]] = {1: _v1, 2: _v2}
