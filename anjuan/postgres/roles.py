"""Logins, least-privilege roles and row-level security for a campaign on a PostgreSQL server.

Three kinds of role:

- owner: the login that ran `anjuan init` (owns the tables; schema and migrations). Table owners
  are not subject to row-level security.
- lead (组长): group role "<database>_lead"; reads and writes all campaign data (import, sample,
  assign, merge, 合议, report) but cannot change the schema; history stays append-only.
- reviewer (评查人员): group role "<database>_reviewer"; reads the catalog, and reads and writes
  only its own assignments, reviews, answers and history. It can never write lead-only data
  (合议 results, assignments, the catalog, campaign settings, merge log, logins).

A login (`anjuan user add URL 王敏 --login wangmin`) is a PostgreSQL LOGIN role that is a member of
one group role and is mapped to its reviewer in reviewer_login. Who you are is the login:
anjuan_me() (SECURITY DEFINER) gives the reviewer id of session_user, every reviewer policy is
written against it, and a trigger stamps answer_history.login with session_user.

TABLE_ACCESS below is the ONE place where each table is classified; grants and policies are
generated from it for every table of the model metadata, and a table missing from it makes
setup fail (so a new table cannot silently be left open or closed). Categories:

  CATALOG        everyone reads; lead writes (campaign, catalog, reviewers, settings)
  CATALOG_LOCK   as CATALOG, and a reviewer may lock (SELECT … FOR UPDATE) rows of its own files
  OWN_READ       a reviewer reads its own rows; lead writes (assignments, its own login row)
  OWN_WRITE      a reviewer reads and writes its own rows, never 合议 results (reviews, answers)
  OWN_APPEND     a reviewer reads its own rows and appends rows as itself; nobody updates or
                 deletes (the history)
  LEAD_ONLY      a reviewer neither reads nor writes (merge log)
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.engine import Connection

from anjuan import models as m
from anjuan.errors import WorkflowError

CATALOG, CATALOG_LOCK, OWN_READ, OWN_WRITE, OWN_APPEND, LEAD_ONLY = (
    "catalog", "catalog_lock", "own_read", "own_write", "own_append", "lead_only")

# table → (category, how a row belongs to a reviewer: a column holding the reviewer id
# "reviewer_id", a review id "review_id", the login "login", or the case "case_id" / "id" of a file)
TABLE_ACCESS: dict[str, tuple[str, str | None]] = {
    "meta": (CATALOG, None),
    "standard": (CATALOG, None),
    "campaign": (CATALOG, None),
    "agency": (CATALOG, None),
    "import_batch": (CATALOG, None),
    "case_file": (CATALOG_LOCK, "id"),
    "sampling_batch": (CATALOG, None),
    "sampled_case": (CATALOG, None),
    "reviewer": (CATALOG, None),
    "reviewer_login": (OWN_READ, "login"),
    "assignment": (OWN_READ, "reviewer_id"),
    "review": (OWN_WRITE, "reviewer_id"),
    "answer": (OWN_WRITE, "review_id"),
    "answer_history": (OWN_APPEND, "review_id"),
    "merge_log": (LEAD_ONLY, None),
    "package_issue": (LEAD_ONLY, None),  # package secrets (anjuan/integrity): the lead's alone
    "round": (CATALOG, None),
    "round_result": (LEAD_ONLY, None),  # 自查/复查 results of every agency
    "round_answer": (LEAD_ONLY, None),
    "ledger_item": (LEAD_ONLY, None),  # 整改台账
    "ledger_import": (LEAD_ONLY, None),
}

ME = "anjuan_me()"
_OWNER_EXPR = {
    "reviewer_id": f"reviewer_id = {ME}",
    "review_id": f"review_id IN (SELECT r.id FROM review r WHERE r.reviewer_id = {ME} AND NOT r.is_final)",
    "login": "login = session_user",
    "id": f"id IN (SELECT a.case_id FROM assignment a WHERE a.reviewer_id = {ME})",
}
_OWNER_READ_EXPR = dict(_OWNER_EXPR, review_id=f"review_id IN (SELECT r.id FROM review r WHERE r.reviewer_id = {ME})")


@dataclass(frozen=True)
class GroupRoles:
    lead: str
    reviewer: str


def _role_name(database: str, suffix: str) -> str:
    base = re.sub(r"[^a-z0-9_]", "_", database.lower())
    name = f"{base}_{suffix}"
    if len(name) > 63:
        name = f"{base[:40]}_{hashlib.sha256(database.encode()).hexdigest()[:8]}_{suffix}"
    return name


def group_roles(conn: Connection) -> GroupRoles:
    db = conn.execute(text("SELECT current_database()")).scalar_one()
    return GroupRoles(_role_name(db, "lead"), _role_name(db, "reviewer"))


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _role_exists(conn: Connection, name: str) -> bool:
    return bool(conn.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :n"), {"n": name}).scalar())


def _classified() -> dict[str, tuple[str, str | None]]:
    tables = {t.name for t in m.SQLModel.metadata.sorted_tables}
    missing = sorted(tables - set(TABLE_ACCESS))
    if missing:
        raise WorkflowError(f"数据表 {'、'.join(missing)} 尚未在 anjuan/postgres/roles.py 的 TABLE_ACCESS 中分类，"
                            "无法设置访问权限（请开发人员补充）")
    return {t: TABLE_ACCESS[t] for t in tables}


def _policies(table: str, category: str, owner: str | None, roles: GroupRoles) -> list[str]:
    """CREATE POLICY statements for one table (policies are permissive and OR-ed per command)."""
    lead, rev = _q(roles.lead), _q(roles.reviewer)
    t = _q(table)
    out = [f"CREATE POLICY anjuan_lead ON {t} FOR ALL TO {lead} USING (true) WITH CHECK (true)"]
    mine = _OWNER_EXPR.get(owner or "", "false")
    mine_read = _OWNER_READ_EXPR.get(owner or "", "false")
    if category in (CATALOG, CATALOG_LOCK):
        out.append(f"CREATE POLICY anjuan_read ON {t} FOR SELECT TO {rev} USING (true)")
    if category == CATALOG_LOCK:
        # SELECT … FOR UPDATE needs UPDATE rights and passes UPDATE's USING; WITH CHECK (false)
        # makes every real UPDATE fail.
        out.append(f"CREATE POLICY anjuan_lock ON {t} FOR UPDATE TO {rev} USING ({mine}) WITH CHECK (false)")
    if category in (OWN_READ, OWN_WRITE, OWN_APPEND):
        out.append(f"CREATE POLICY anjuan_own_read ON {t} FOR SELECT TO {rev} USING ({mine_read})")
    if category == OWN_WRITE:
        check = mine
        if table == "review":
            check = (f"{mine} AND NOT is_final AND EXISTS (SELECT 1 FROM assignment a "
                     f"WHERE a.case_id = review.case_id AND a.reviewer_id = {ME})")
            mine = f"{mine} AND NOT is_final"
        out.append(f"CREATE POLICY anjuan_own_insert ON {t} FOR INSERT TO {rev} WITH CHECK ({check})")
        out.append(f"CREATE POLICY anjuan_own_update ON {t} FOR UPDATE TO {rev} USING ({mine}) WITH CHECK ({check})")
        out.append(f"CREATE POLICY anjuan_own_delete ON {t} FOR DELETE TO {rev} USING ({mine})")
    if category == OWN_APPEND:
        out.append(f"CREATE POLICY anjuan_own_append ON {t} FOR INSERT TO {rev} "
                   f"WITH CHECK ({mine} AND actor_id = {ME} AND login = session_user)")
    return out


def _grants(table: str, category: str, roles: GroupRoles) -> list[str]:
    lead, rev, t = _q(roles.lead), _q(roles.reviewer), _q(table)
    out = [f"REVOKE ALL ON {t} FROM PUBLIC"]
    out.append(f"GRANT SELECT, INSERT ON {t} TO {lead}" if category == OWN_APPEND
               else f"GRANT SELECT, INSERT, UPDATE, DELETE ON {t} TO {lead}")
    if category in (CATALOG, OWN_READ):
        out.append(f"GRANT SELECT ON {t} TO {rev}")
    elif category == CATALOG_LOCK:
        out.append(f"GRANT SELECT, UPDATE (id) ON {t} TO {rev}")
    elif category == OWN_WRITE:
        out.append(f"GRANT SELECT, INSERT, UPDATE, DELETE ON {t} TO {rev}")
    elif category == OWN_APPEND:
        out.append(f"GRANT SELECT, INSERT ON {t} TO {rev}")
    return out


def setup_security(conn: Connection) -> GroupRoles:
    """Create (or bring up to date) the group roles, grants, row-level security policies, the
    anjuan_me() function and the history login trigger. Run by the owner; idempotent."""
    tables = _classified()
    owner = conn.execute(text("SELECT tableowner FROM pg_tables WHERE schemaname = current_schema() "
                              "AND tablename = 'meta'")).scalar()
    me = conn.execute(text("SELECT current_user")).scalar_one()
    is_member = conn.execute(text("SELECT pg_has_role(current_user, :o, 'MEMBER')"), {"o": owner}).scalar()
    if owner is None or not is_member:
        raise WorkflowError(f"设置登录账号须使用创建本评查活动的数据库账号（所有者 {owner}），当前账号为 {me}")
    roles = group_roles(conn)
    for name in (roles.lead, roles.reviewer):
        if not _role_exists(conn, name):
            conn.execute(text(f"CREATE ROLE {_q(name)} NOLOGIN"))
    database = conn.execute(text("SELECT current_database()")).scalar_one()
    conn.execute(text(f"REVOKE ALL ON DATABASE {_q(database)} FROM PUBLIC"))
    conn.execute(text(f"GRANT CONNECT, TEMPORARY ON DATABASE {_q(database)} TO {_q(roles.lead)}"))
    conn.execute(text(f"GRANT CONNECT ON DATABASE {_q(database)} TO {_q(roles.reviewer)}"))
    conn.execute(text(f"GRANT USAGE ON SCHEMA {_q(conn.execute(text('SELECT current_schema()')).scalar_one())} "
                      f"TO {_q(roles.lead)}, {_q(roles.reviewer)}"))
    conn.execute(text(
        f"CREATE OR REPLACE FUNCTION anjuan_me() RETURNS varchar LANGUAGE sql STABLE SECURITY DEFINER "
        f"SET search_path = {_q(conn.execute(text('SELECT current_schema()')).scalar_one())} AS "
        "$$ SELECT reviewer_id FROM reviewer_login WHERE login = session_user $$"))
    conn.execute(text("REVOKE ALL ON FUNCTION anjuan_me() FROM PUBLIC"))
    conn.execute(text(f"GRANT EXECUTE ON FUNCTION anjuan_me() TO {_q(roles.lead)}, {_q(roles.reviewer)}"))
    conn.execute(text(
        "CREATE OR REPLACE FUNCTION anjuan_history_login() RETURNS trigger LANGUAGE plpgsql AS "
        "$$ BEGIN IF NEW.login IS NULL THEN NEW.login := session_user; END IF; RETURN NEW; END $$"))
    conn.execute(text("DROP TRIGGER IF EXISTS anjuan_history_login ON answer_history"))
    conn.execute(text("CREATE TRIGGER anjuan_history_login BEFORE INSERT ON answer_history "
                      "FOR EACH ROW EXECUTE FUNCTION anjuan_history_login()"))
    for table, (category, owner_col) in tables.items():
        for (pol,) in conn.execute(text("SELECT policyname FROM pg_policies WHERE schemaname = current_schema() "
                                        "AND tablename = :t"), {"t": table}).all():
            conn.execute(text(f"DROP POLICY {_q(pol)} ON {_q(table)}"))
        conn.execute(text(f"ALTER TABLE {_q(table)} ENABLE ROW LEVEL SECURITY"))
        for stmt in _grants(table, category, roles) + _policies(table, category, owner_col, roles):
            conn.execute(text(stmt))
    return roles


def _check_login_name(login: str) -> None:
    if not re.fullmatch(r"[a-z_][a-z0-9_]{0,62}", login):
        raise WorkflowError(f"登录名“{login}”不可用：请使用小写英文字母、数字和下划线（以字母开头，至多 63 个字符），如 wangmin")


def add_login(conn: Connection, reviewer_name: str, login: str, password: str | None = None) -> tuple[str, str]:
    """Create the login (or take an existing one), put it in the reviewer's group role and map it
    to the reviewer. Returns (kind, group role). Run by the owner, in one transaction."""
    _check_login_name(login)
    roles = setup_security(conn)
    rv = m.Reviewer.__table__
    row = conn.execute(rv.select().where(rv.c.name == reviewer_name)).first()
    if row is None:
        raise WorkflowError(f"没有名为“{reviewer_name}”的评查人员，请先用 anjuan reviewer add 添加")
    rl = m.ReviewerLogin.__table__
    mapped = conn.execute(rl.select().where(rl.c.login == login)).first()
    if mapped is not None and mapped.reviewer_id != row.id:
        other = conn.execute(rv.select().where(rv.c.id == mapped.reviewer_id)).first()
        raise WorkflowError(f"登录名 {login} 已分配给“{other.name if other else mapped.reviewer_id}”，不能再分配给“{reviewer_name}”")
    owner = conn.execute(text("SELECT tableowner FROM pg_tables WHERE schemaname = current_schema() "
                              "AND tablename = 'meta'")).scalar()
    if login == owner:
        raise WorkflowError(f"{login} 是本评查活动的所有者账号，不能同时作为评查人员或组长的登录账号，请另设一个登录名")
    if not _role_exists(conn, login):
        can = conn.execute(text("SELECT rolcreaterole OR rolsuper FROM pg_roles WHERE rolname = current_user")).scalar()
        if not can:
            raise WorkflowError("当前数据库账号没有创建登录账号的权限（需要 CREATEROLE），请由数据库管理员授权或预先创建该登录")
        conn.execute(text(f"CREATE ROLE {_q(login)} LOGIN"))
    elif conn.execute(text("SELECT rolsuper FROM pg_roles WHERE rolname = :n"), {"n": login}).scalar():
        raise WorkflowError(f"{login} 是数据库超级用户，不受权限限制，不能用作评查人员或组长的登录账号")
    if password:
        # The password is sent as a literal inside the statement; it never appears in output.
        quoted = conn.execute(text("SELECT quote_literal(:p)"), {"p": password}).scalar_one()
        conn.execute(text(f"ALTER ROLE {_q(login)} WITH LOGIN PASSWORD {quoted}"))
    kind = "lead" if row.role == m.ROLE_LEAD else "reviewer"
    grant, other_group = (roles.lead, roles.reviewer) if kind == "lead" else (roles.reviewer, roles.lead)
    conn.execute(text(f"REVOKE {_q(other_group)} FROM {_q(login)}"))
    conn.execute(text(f"GRANT {_q(grant)} TO {_q(login)}"))
    if mapped is None:
        conn.execute(rl.insert().values(login=login, reviewer_id=row.id, created_at=m.now()))
    return kind, grant


def remove_login(conn: Connection, login: str) -> str:
    """Take the login's access to this campaign away (the role itself stays: it may be used
    elsewhere). Returns the reviewer's name."""
    roles = group_roles(conn)
    rl, rv = m.ReviewerLogin.__table__, m.Reviewer.__table__
    mapped = conn.execute(rl.select().where(rl.c.login == login)).first()
    if mapped is None:
        raise WorkflowError(f"登录名 {login} 不是本评查活动的登录账号")
    for group in (roles.lead, roles.reviewer):
        if _role_exists(conn, group):
            conn.execute(text(f"REVOKE {_q(group)} FROM {_q(login)}"))
    conn.execute(rl.delete().where(rl.c.login == login))
    return conn.execute(rv.select().where(rv.c.id == mapped.reviewer_id)).first().name


def list_logins(conn: Connection) -> list[tuple[str, str, str]]:
    """(login, reviewer name, kind) of every login of this campaign."""
    rl, rv = m.ReviewerLogin.__table__, m.Reviewer.__table__
    rows = conn.execute(rl.join(rv, rv.c.id == rl.c.reviewer_id).select().with_only_columns(
        rl.c.login, rv.c.name, rv.c.role).order_by(rl.c.login)).all()
    return [(login, name, "组长" if role == m.ROLE_LEAD else "评查人员") for login, name, role in rows]


@dataclass(frozen=True)
class ServerIdentity:
    login: str
    kind: str  # "owner" (also a superuser or any login not mapped), "lead" or "reviewer"
    reviewer_id: str | None


def server_identity(conn: Connection) -> ServerIdentity:
    """Who this connection is: the login and, if mapped, its reviewer and kind."""
    login, readable = conn.execute(text(
        "SELECT session_user, to_regclass('reviewer_login') IS NOT NULL "
        "AND has_table_privilege(to_regclass('reviewer_login'), 'SELECT')")).one()
    rid = None
    if readable:
        rid = conn.execute(text("SELECT reviewer_id FROM reviewer_login WHERE login = session_user")).scalar()
    if rid is None:
        return ServerIdentity(login, "owner", None)
    role = conn.execute(text("SELECT role FROM reviewer WHERE id = :i"), {"i": rid}).scalar()
    return ServerIdentity(login, "lead" if role == m.ROLE_LEAD else "reviewer", rid)
