"""A throwaway PostgreSQL server for the test session, started from the machine's binaries.

Each pytest process (each xdist worker) starts its own cluster in a temp directory (on the memory
file system when there is one with room, see _scratch_dir), listening on a unix socket only (no TCP
port to collide with anything), with durability switched off for speed. Every test then gets a
fresh database of its own (CREATE DATABASE, dropped afterwards).

ANJUAN_TEST_PG, if set, names an existing server instead (a SQLAlchemy URL of a database the
test login may create databases from, e.g. postgresql:///anjuan_test?host=/var/run/postgresql);
the test login must be a superuser (the role tests create logins).

Without a server the PostgreSQL tests are skipped, except under CI=true, where not being able to
start one is a failure.
"""

from __future__ import annotations

import atexit
import glob
import os
import shutil
import subprocess
import tempfile
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.engine import make_url

PORT = 5512  # names the socket file only; the socket directory is private to this server

# The test session's server and its template databases (tests/conftest.py). A server still
# running when the interpreter exits (a crashed or interrupted run) is stopped then.
STATE: dict = {}


def _stop_at_exit() -> None:
    server = STATE.pop("server", None)
    if server is not None:
        server.stop()


atexit.register(_stop_at_exit)


class NoServer(Exception):
    """No PostgreSQL server can be had; the message says why."""


def _binaries() -> Path | None:
    found = shutil.which("pg_ctl")
    if found and shutil.which("initdb"):
        return Path(found).parent
    for pattern in ("/usr/lib/postgresql/*/bin", "/usr/local/pgsql/bin", "/opt/homebrew/opt/postgresql*/bin",
                    "/usr/pgsql-*/bin"):
        for d in sorted(glob.glob(pattern), reverse=True):
            if Path(d, "initdb").exists() and Path(d, "pg_ctl").exists():
                return Path(d)
    return None


def url_with_database(url: str, name: str) -> str:
    return make_url(url).set(database=name).render_as_string(hide_password=False)


@dataclass
class PgServer:
    admin_url: str  # a superuser connection to a maintenance database
    data_dir: Path | None = None
    run_as: list[str] = field(default_factory=list)
    bindir: Path | None = None
    _engine: object = None

    def engine(self):
        if self._engine is None:
            from sqlalchemy import create_engine

            url = self.admin_url.replace("postgresql://", "postgresql+psycopg://", 1)
            self._engine = create_engine(url, isolation_level="AUTOCOMMIT", pool_size=1)
        return self._engine

    def url(self, database: str, user: str | None = None) -> str:
        u = make_url(self.admin_url).set(database=database)
        if user is not None:
            u = u.set(username=user, password=None)
        return u.render_as_string(hide_password=False)

    def create_database(self, template: str | None = None) -> str:
        """A fresh, empty database (or a copy of `template`); returns its name."""
        from sqlalchemy import text

        name = "anjuan_t_" + uuid.uuid4().hex[:16]
        with self.engine().connect() as c:
            c.execute(text(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else "")))
        return name

    def drop_database(self, name: str) -> None:
        from sqlalchemy import text

        with self.engine().connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))

    def stop(self) -> None:
        if self._engine is not None:
            self._engine.dispose()
        if self.data_dir is not None and self.bindir is not None:
            subprocess.run([*self.run_as, str(self.bindir / "pg_ctl"), "-D", str(self.data_dir / "data"), "-m",
                            "immediate", "stop"], capture_output=True)
            shutil.rmtree(self.data_dir, ignore_errors=True)


def _check(url: str) -> None:
    from sqlalchemy import create_engine, text

    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    try:
        with engine.connect() as c:
            c.execute(text("select 1"))
    except Exception as exc:  # noqa: BLE001 - any failure means: no usable server
        raise NoServer(f"无法连接 ANJUAN_TEST_PG 指定的 PostgreSQL 服务器：{type(exc).__name__}") from None
    finally:
        engine.dispose()


# A test cluster's files are kept in memory when the machine has a memory file system with room
# to spare. Every PostgreSQL test creates a database (some 300 files) and drops it afterwards; on
# ext4 without a journal, creating files soon after many were deleted makes the kernel re-check
# every recently freed inode: about 100 ms of system time per CREATE DATABASE, a quarter of the
# suite's PostgreSQL time. In memory the same clone takes about 15 ms.
MEMORY_DIRS = ("/dev/shm",)
MEMORY_NEEDED = 2 << 30  # bytes free, so that a cluster never fills the machine's memory file system


def _scratch_dir() -> str | None:
    """Where a throwaway test cluster goes: a memory file system with room, else the temp dir."""
    for d in MEMORY_DIRS:
        try:
            st = os.statvfs(d)
        except OSError:
            continue
        if st.f_bavail * st.f_frsize >= MEMORY_NEEDED and os.access(d, os.W_OK | os.X_OK):
            return d
    return None


def start_server(shared_buffers: str = "64MB", in_memory: bool = True) -> PgServer:
    """The server named by ANJUAN_TEST_PG, or a new throwaway cluster; raises NoServer.

    shared_buffers: small for the tests (one server per test process); the benchmarks ask for
    what a campaign server would be given. in_memory: the cluster's files on a memory file system
    when there is one with room (the tests); the benchmarks keep theirs on disk, as a campaign
    server would."""
    try:
        import psycopg  # noqa: F401
    except ImportError:
        raise NoServer("未安装 psycopg（pip install 'psycopg[binary]'）") from None
    given = os.environ.get("ANJUAN_TEST_PG")
    if given:
        _check(given)
        return PgServer(admin_url=given)
    bindir = _binaries()
    if bindir is None:
        raise NoServer("找不到 PostgreSQL 服务器程序（initdb、pg_ctl）")
    run_as: list[str] = []
    base = Path(tempfile.mkdtemp(prefix="anjuan-pg-", dir=_scratch_dir() if in_memory else None))
    if os.geteuid() == 0:
        # initdb refuses to run as root: run the server as the postgres system user.
        import pwd

        try:
            pw = pwd.getpwnam("postgres")
        except KeyError:
            shutil.rmtree(base, ignore_errors=True)
            raise NoServer("以 root 运行时需要 postgres 系统用户来启动测试用服务器") from None
        os.chown(base, pw.pw_uid, pw.pw_gid)
        runuser = shutil.which("runuser")
        run_as = [runuser, "-u", "postgres", "--"] if runuser else ["su", "postgres", "-s", "/bin/sh", "-c"]
        if not runuser:
            raise NoServer("以 root 运行时需要 runuser 来以 postgres 用户启动测试用服务器")
    data, sock = base / "data", base / "sock"
    env = dict(os.environ, LC_ALL="C.UTF-8", LANG="C.UTF-8")
    steps = [
        [str(bindir / "initdb"), "-D", str(data), "-U", "anjuan_admin", "--auth=trust", "-E", "UTF8",
         "--locale=C.UTF-8", "--no-sync"],
        ["mkdir", "-p", str(sock)],
        [str(bindir / "pg_ctl"), "-D", str(data), "-w", "-t", "60", "-l", str(base / "server.log"), "-o",
         f"-c listen_addresses='' -k {sock} -p {PORT} -c fsync=off -c synchronous_commit=off "
         f"-c full_page_writes=off -c max_connections=200 -c shared_buffers={shared_buffers}"
         # a test cluster's shared-memory segments in its data directory, removed with it
         + (" -c dynamic_shared_memory_type=mmap" if in_memory else ""), "start"],
    ]
    for cmd in steps:
        r = subprocess.run([*run_as, *cmd], capture_output=True, text=True, env=env)
        if r.returncode != 0:
            log = (base / "server.log")
            tail = log.read_text(errors="replace")[-400:] if log.exists() else ""
            shutil.rmtree(base, ignore_errors=True)
            raise NoServer(f"{Path(cmd[0]).name} 失败：{(r.stderr or r.stdout).strip()[-400:]} {tail}".strip())
    url = f"postgresql://anjuan_admin@/postgres?host={sock}&port={PORT}"
    return PgServer(admin_url=url, data_dir=base, run_as=run_as, bindir=bindir)


def copy_sqlite(path: str | Path, url: str) -> None:
    """Copy every row of a SQLite campaign file into the empty database at `url` (same ids)."""
    from sqlalchemy import create_engine, insert, select

    from anjuan import models as m
    from anjuan.db import create_database

    dest = create_database(url)
    src = create_engine(f"sqlite:///{path}")
    try:
        with src.connect() as sc, dest.engine.begin() as dc:
            for table in m.SQLModel.metadata.sorted_tables:
                rows = [dict(r._mapping) for r in sc.execute(select(table))]
                if table.name == "meta":
                    dc.execute(table.delete())
                for i in range(0, len(rows), 20_000):
                    dc.execute(insert(table), rows[i:i + 20_000])
    finally:
        src.dispose()
        dest.engine.dispose()


def start_bench_server() -> PgServer | None:
    """The benchmarks' server (a campaign server's memory, not a test's), or None when it cannot be
    started; under CI=true that is an error."""
    import os

    try:
        return start_server(shared_buffers="512MB", in_memory=False)
    except NoServer as exc:
        if os.environ.get("CI", "").lower() == "true":
            raise SystemExit(f"PostgreSQL 服务器无法启动：{exc}") from None
        print(f"PostgreSQL：跳过（{exc}）")
        return None
