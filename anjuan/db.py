"""Opening, creating and migrating campaign databases (SQLite file or PostgreSQL URL)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import inspect
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DatabaseError as SADatabaseError
from sqlalchemy.exc import OperationalError
from sqlmodel import Session, SQLModel

from . import models as m
from .errors import DatabaseError
from .migrations import MIGRATIONS

ROLE_CAMPAIGN = "campaign"
ROLE_PACKAGE = "package"


PG_SCHEMES = ("postgresql", "postgres", "postgresql+psycopg")
INSTALL_PG_HINT = "pip install 'anjuan[postgres]'（即安装 psycopg：pip install 'psycopg[binary]'）"


def is_url(target: str) -> bool:
    return "://" in str(target)


def shown(target: str | Path) -> str:
    """The target as it may be printed: a URL's password (also ?password=…) is hidden as ***.

    Every message, hint and report that names a database goes through this (or Database.label)."""
    target = str(target)
    if not is_url(target):
        return target
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        url = make_url(target)
    except (ArgumentError, ValueError):
        import re

        return re.sub(r"(://[^:/@?#]*:)[^@/?#]*@", r"\1***@", re.sub(r"(?i)(password=)[^&]*", r"\1***", target))
    if "password" in url.query:
        url = url.update_query_dict({"password": "***"})
    return url.render_as_string(hide_password=True).replace("password=%2A%2A%2A", "password=***")


@dataclass
class Database:
    """An open anjuan database: its engine and where it came from."""

    engine: Engine
    target: str
    read_only: bool = False  # opened for reading only (status, report, …): never writes

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    @property
    def label(self) -> str:
        return Path(self.target).name if not is_url(self.target) else shown(self.target)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """One transaction: committed when the block ends, rolled back on any error."""
        with Session(self.engine, expire_on_commit=False) as s:
            with s.begin():
                yield s

    @contextmanager
    def read_session(self) -> Iterator[Session]:
        """A transaction for reading only: on SQLite it does not take the write lock, so status
        screens and reports keep working while a merge or an import is writing."""
        bind = self.engine.execution_options(anjuan_read_only=True)
        with Session(bind, expire_on_commit=False) as s:
            with s.begin():
                yield s

    @contextmanager
    def snapshot_session(self, operation: str = "report") -> Iterator[Session]:
        """One consistent read of the whole campaign (reports): on PostgreSQL a REPEATABLE READ
        transaction taken while no campaign-wide write runs (anjuan/postgres/locks.py); on
        SQLite a read transaction already is one snapshot."""
        if self.is_sqlite:
            with self.read_session() as s:
                yield s
            return
        from .postgres.locks import snapshot_session

        with snapshot_session(self.engine, operation) as s:
            yield s

    def meta(self, key: str, default: str | None = None) -> str | None:
        with self.read_session() as s:
            row = s.get(m.Meta, key)
            return row.value if row else default

    def close(self) -> None:
        if self.is_sqlite and not self.read_only:
            from .sqlite import checkpoint

            try:
                checkpoint(self.engine)
            except OperationalError:
                pass
        self.engine.dispose()


def _engine_for(target: str, read_only: bool = False) -> Engine:
    if is_url(target):
        from sqlalchemy import create_engine

        scheme, rest = target.split("://", 1)
        if scheme.lower() not in PG_SCHEMES:
            raise DatabaseError(
                f"不支持的数据库地址“{shown(target)}”：anjuan 支持 SQLite 数据库文件（如 2024评查.db）"
                "或 PostgreSQL 服务器（如 postgresql://用户名@服务器/数据库名）")
        try:
            import psycopg  # noqa: F401
        except ImportError:
            raise DatabaseError(f"连接 PostgreSQL 服务器需要先安装数据库驱动：{INSTALL_PG_HINT}") from None
        from .postgres import engine_options

        return create_engine("postgresql+psycopg://" + rest, **engine_options())
    from .sqlite import sqlite_engine

    return sqlite_engine(Path(target), read_only=read_only)


def _reason(exc: SADatabaseError) -> str:
    """The server's own words for a failed connection or statement, on one line, password hidden."""
    import re

    text = " ".join(str(exc.orig).split())
    return re.sub(r"(?i)(password=)\S+", r"\1***", text)


def create_database(target: str | Path, role: str = ROLE_CAMPAIGN) -> Database:
    """Create a new, empty database with the current schema. Refuses to overwrite a file."""
    target = str(target)
    if not is_url(target):
        if not target.strip():
            raise DatabaseError("数据库文件名为空，请指定要创建的数据库文件，例如 2024评查.db")
        path = Path(target)
        if path.is_dir():
            raise DatabaseError(f"{path} 是文件夹，请在其中指定一个数据库文件名，例如 {path / '2024评查.db'}")
        if path.exists():
            raise DatabaseError(f"文件 {path} 已存在，为防止覆盖已有数据，请换一个文件名或先移走原文件")
        if not path.parent.exists():
            raise DatabaseError(f"目录 {path.parent} 不存在，请先创建该目录")
    engine = _engine_for(target)
    db = Database(engine, target)
    try:
        try:
            if is_url(target) and inspect(engine).has_table("meta"):
                raise DatabaseError(f"数据库 {shown(target)} 中已有 anjuan 数据，请使用一个空数据库")
            SQLModel.metadata.create_all(engine)
            with db.session() as s:
                s.add(m.Meta(key="schema_version", value=str(m.SCHEMA_VERSION)))
                s.add(m.Meta(key="role", value=role))
                if role == ROLE_CAMPAIGN:
                    from .migrations import ensure_spot_round

                    ensure_spot_round(s.connection())
        except SADatabaseError as exc:
            from .faults import describe_db_error

            raise (describe_db_error(exc, shown(target)) or DatabaseError(f"无法创建数据库 {shown(target)}：{_reason(exc)}")) from None
    except BaseException:
        # A half-created file (disk full, read-only folder) must not block a retry with “已存在”.
        engine.dispose()
        if not is_url(target):
            for p in (Path(target), Path(target + "-wal"), Path(target + "-shm"), Path(target + "-journal")):
                p.unlink(missing_ok=True)
        raise
    return db


def open_database(target: str | Path, migrate: bool = True, read_only: bool = False) -> Database:
    """Open an existing anjuan database, migrating an older schema; refuse a newer one.

    read_only: for commands that only read. Such a database never waits for a writer and also
    opens on a read-only medium (a CD, a write-protected USB stick, a read-only share)."""
    target = str(target)
    if not is_url(target):
        from .sqlite import is_sqlite_file

        path = Path(target)
        if not path.exists():
            raise DatabaseError(f"找不到数据库文件 {path}，请检查路径，或先用 anjuan init 创建评查活动")
        if not is_sqlite_file(path):
            raise DatabaseError(f"{path} 不是 anjuan 数据库文件（不是 SQLite 格式）")
    engine = _engine_for(target, read_only)
    db = Database(engine, target, read_only)
    try:
        # A reading connection: opening a database never waits for another program's write.
        with engine.connect().execution_options(anjuan_read_only=True) as conn:
            has_meta = inspect(conn).has_table("meta")
    except SADatabaseError as exc:
        engine.dispose()
        from .sqlite import is_read_only_location

        if not is_url(target) and not read_only and is_read_only_location(Path(target)):
            raise DatabaseError(
                f"数据库 {Path(target).name} 所在的磁盘或文件夹是只读的（或文件本身只读），不能写入。"
                "查看类命令（status、report、standard show、answers export）可以照常使用；"
                "如需写入，请把数据库文件复制到可写的位置后重试") from exc
        raise DatabaseError(f"无法打开数据库 {shown(target)}：{_reason(exc)}") from None
    if not has_meta:
        engine.dispose()
        raise DatabaseError(f"{shown(target)} 不是 anjuan 数据库（缺少 meta 表）")
    try:
        with db.read_session() as s:
            row = s.get(m.Meta, "schema_version")
            version = int(row.value) if row else 0
    except SADatabaseError as exc:
        engine.dispose()
        raise DatabaseError(f"无法打开数据库 {shown(target)}：{_reason(exc)}") from None
    if version > m.SCHEMA_VERSION:
        engine.dispose()
        raise DatabaseError(
            f"数据库 {db.label} 由更新版本的 anjuan 创建（结构版本 {version}，本程序支持 {m.SCHEMA_VERSION}），请升级 anjuan 后再打开"
        )
    if version < m.SCHEMA_VERSION and migrate:
        if read_only:
            from .sqlite import is_read_only_location

            if not is_url(target) and is_read_only_location(Path(target)):
                engine.dispose()
                raise DatabaseError(
                    f"数据库 {db.label} 由较早版本的 anjuan 创建，须先升级数据库结构（要写入文件）才能查看，"
                    "但文件所在的位置是只读的。请把文件复制到可写的位置后再查看")
            writer = open_database(target, migrate=True)
            writer.close()
        else:
            migrate_database(db, version)
    return db


def migrate_database(db: Database, from_version: int) -> None:
    """Apply each migration step in order inside one transaction.

    On a server only the campaign's owner may change the schema (leads and reviewers may not)."""
    if not db.is_sqlite:
        from sqlalchemy import text

        with db.read_session() as s:
            owner, may = s.execute(text(
                "SELECT tableowner, pg_has_role(current_user, tableowner, 'MEMBER') FROM pg_tables "
                "WHERE schemaname = current_schema() AND tablename = 'meta'")).one()
        if not may:
            db.engine.dispose()
            raise DatabaseError(
                f"数据库 {db.label} 的结构需要升级（版本 {from_version} → {m.SCHEMA_VERSION}），"
                f"请先由评查活动的所有者账号（{owner}）用新版 anjuan 打开一次（如 anjuan status）完成升级")
    with db.session() as s:
        for version in range(from_version + 1, m.SCHEMA_VERSION + 1):
            MIGRATIONS[version](s.connection())
        s.merge(m.Meta(key="schema_version", value=str(m.SCHEMA_VERSION)))


def campaign_lock(conn, operation: str, shared: bool = False) -> None:
    """One writer at a time for campaign-wide operations (import, sample, assign, merge, 合议,
    report snapshots): call first thing inside the operation's transaction.

    On PostgreSQL an advisory lock (anjuan/postgres/locks.py); on SQLite nothing more is needed,
    since every write transaction already begins with BEGIN IMMEDIATE (one writer per file)."""
    dialect = conn.get_bind().dialect.name if hasattr(conn, "get_bind") else conn.dialect.name
    if dialect == "postgresql":
        from .postgres.locks import campaign_lock as pg_lock

        pg_lock(conn, operation, shared)


def database_role(db: Database) -> str:
    return db.meta("role", ROLE_CAMPAIGN) or ROLE_CAMPAIGN
