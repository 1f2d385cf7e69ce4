"""Everything PostgreSQL-specific (the team server). This package is the only place that may use
PostgreSQL-only SQL: logins and roles (roles.py), row-level security, campaign-level advisory
locks (locks.py) and the COPY fast paths of merge and import (copy.py). The rest of anjuan is
portable SQLAlchemy; anjuan/sqlite is the SQLite counterpart of this package.
"""

from __future__ import annotations

APPLICATION_NAME = "anjuan"


def engine_options() -> dict:
    """create_engine() options for a campaign on PostgreSQL."""
    return {"pool_pre_ping": True, "connect_args": {"application_name": APPLICATION_NAME}}
