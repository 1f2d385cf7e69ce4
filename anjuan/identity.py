"""Who is using the campaign, and what they may do.

On a SQLite file there is no login: whoever has the file acts as the person named with
--reviewer (or the package's own reviewer). On a PostgreSQL server the login is the identity
(anjuan/postgres/roles.py): a reviewer login acts only as its own reviewer, and commands that
only a lead may run are refused up front with one line, before the server's row-level security
would refuse (or hide) anything.
"""

from __future__ import annotations

from dataclasses import dataclass

from . import models as m
from .db import Database
from .errors import WorkflowError

LOCAL = "local"  # a SQLite file
OWNER = "owner"  # the campaign's owner login (or any login not mapped to a reviewer)
LEAD = "lead"
REVIEWER = "reviewer"


@dataclass(frozen=True)
class Identity:
    kind: str
    login: str | None = None
    reviewer_id: str | None = None
    reviewer_name: str | None = None

    @property
    def is_reviewer(self) -> bool:
        return self.kind == REVIEWER

    def describe(self) -> str:
        return f"登录账号 {self.login}（{self.reviewer_name}）" if self.reviewer_name else f"登录账号 {self.login}"


def identify(db: Database) -> Identity:
    cached = db.__dict__.get("_identity")
    if cached is not None:
        return cached
    if db.is_sqlite:
        ident = Identity(LOCAL)
    else:
        from .postgres.roles import server_identity

        with db.read_session() as s:
            found = server_identity(s.connection())
            name = s.get(m.Reviewer, found.reviewer_id).name if found.reviewer_id else None
        ident = Identity(found.kind, found.login, found.reviewer_id, name)
    db.__dict__["_identity"] = ident
    return ident


def require_lead(db: Database, what: str) -> Identity:
    """Refuse a reviewer login: `what` is the operation (“出具通报”, “合并数据包”…)."""
    ident = identify(db)
    if ident.is_reviewer:
        raise WorkflowError(f"{ident.describe()}是评查人员账号，不能{what}：此操作只能由组长或评查活动管理员执行")
    return ident


def acting_reviewer_name(db: Database, name: str | None) -> str | None:
    """The --reviewer to act as: on a server a mapped login acts as itself (--reviewer may be
    left out, and a different name is refused)."""
    ident = identify(db)
    if ident.reviewer_name is None:
        return name
    if name and name != ident.reviewer_name:
        raise WorkflowError(f"{ident.describe()}只能以本人身份操作，不能以“{name}”的身份操作"
                            "（在服务器上可省略 --reviewer，身份由登录账号确定）")
    return ident.reviewer_name


def own_data_note(db: Database) -> str | None:
    """The line that says a reviewer login sees only its own data (None for everyone else)."""
    ident = identify(db)
    if ident.is_reviewer:
        return f"（{ident.describe()}：以下仅为您本人的评查数据）"
    return None
