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


MIGRATIONS: dict[int, Callable[[Connection], None]] = {1: _v1}
