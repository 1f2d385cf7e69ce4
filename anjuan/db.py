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


def is_url(target: str) -> bool:
    return "://" in str(target)


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
        return Path(self.target).name if not is_url(self.target) else self.engine.url.render_as_string(hide_password=True)

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

        url = target
        if url.startswith("postgresql://") or url.startswith("postgres://"):
            url = "postgresql+psycopg://" + url.split("://", 1)[1]
        return create_engine(url, pool_pre_ping=True)
    from .sqlite import sqlite_engine

    return sqlite_engine(Path(target), read_only=read_only)


def create_database(target: str | Path, role: str = ROLE_CAMPAIGN) -> Database:
    """Create a new, empty database with the current schema. Refuses to overwrite a file."""
    target = str(target)
    if not is_url(target):
        path = Path(target)
        if path.exists():
            raise DatabaseError(f"文件 {path} 已存在，为防止覆盖已有数据，请换一个文件名或先移走原文件")
        if not path.parent.exists():
            raise DatabaseError(f"目录 {path.parent} 不存在，请先创建该目录")
    engine = _engine_for(target)
    db = Database(engine, target)
    try:
        try:
            if is_url(target) and inspect(engine).has_table("meta"):
                raise DatabaseError(f"数据库 {target} 中已有 anjuan 数据，请使用一个空数据库")
            SQLModel.metadata.create_all(engine)
            with db.session() as s:
                s.add(m.Meta(key="schema_version", value=str(m.SCHEMA_VERSION)))
                s.add(m.Meta(key="role", value=role))
                if role == ROLE_CAMPAIGN:
                    from .migrations import ensure_spot_round

                    ensure_spot_round(s.connection())
        except SADatabaseError as exc:
            from .faults import describe_db_error

            raise (describe_db_error(exc, target) or DatabaseError(f"无法创建数据库 {target}：{exc.orig}")) from exc
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
        raise DatabaseError(f"无法打开数据库 {target}：{exc.orig}") from exc
    if not has_meta:
        engine.dispose()
        raise DatabaseError(f"{target} 不是 anjuan 数据库（缺少 meta 表）")
    try:
        with db.read_session() as s:
            row = s.get(m.Meta, "schema_version")
            version = int(row.value) if row else 0
    except SADatabaseError as exc:
        engine.dispose()
        raise DatabaseError(f"无法打开数据库 {target}：{exc.orig}") from exc
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
    """Apply each migration step in order inside one transaction."""
    with db.session() as s:
        for version in range(from_version + 1, m.SCHEMA_VERSION + 1):
            MIGRATIONS[version](s.connection())
        s.merge(m.Meta(key="schema_version", value=str(m.SCHEMA_VERSION)))


def database_role(db: Database) -> str:
    return db.meta("role", ROLE_CAMPAIGN) or ROLE_CAMPAIGN
