"""Shared fixtures: fresh campaign databases built through the service layer, on both backends.

Every database-touching test that takes `campaign`, `backend` or `new_target` runs twice: on a
SQLite file and on a fresh database of a throwaway PostgreSQL server (tests/pgserver.py; one
server per test process). Without a server the PostgreSQL runs are reported as skipped; under
CI=true they fail instead.
"""

from __future__ import annotations

import gc
import os
import shutil
import sys
from pathlib import Path

import pytest
from sqlalchemy import insert

from anjuan import models as m
from anjuan.campaign import init_campaign

os.environ.setdefault("TEXTUAL_ANIMATIONS", "none")


def _bytecode_cache() -> None:
    """Compiled modules are cached (in __pycache__, as Python does by default) for the test session
    even where PYTHONDONTWRITEBYTECODE is set. Without a cache every test process and every
    `python -m anjuan` the tests start compiles anjuan from source, and pytest rewrites every test
    module again in each worker: a tenth of the suite's CPU (2 min 18 s → 2 min 10 s on 2 CPUs).
    pytest itself, which imports this file before it starts its workers, passes the setting on to
    them and to every command the tests run."""
    if os.environ.pop("PYTHONDONTWRITEBYTECODE", None) is not None or sys.dont_write_bytecode:
        sys.dont_write_bytecode = False


_bytecode_cache()

BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


def add_catalog(db, catalog: dict[str, list[tuple[str, str]]]) -> None:
    """Insert agencies and their files: {agency: [(case_no, kind), ...]}."""
    with db.session() as s:
        for name, files in catalog.items():
            agency = m.Agency(name=name)
            s.add(agency)
            s.flush()
            s.execute(insert(m.CaseFile.__table__), [
                {"id": m.new_id(), "agency_id": agency.id, "case_no": no, "title": f"{no}案", "party": "某公司",
                 "kind": kind, "decided_on": "2024-03-01", "officers": "甲、乙", "source_file": "t.csv",
                 "source_row": i + 2, "extra": "{}", "import_id": None}
                for i, (no, kind) in enumerate(files)
            ])


def simple_catalog(sizes: dict[str, int], kind: str = "行政处罚") -> dict[str, list[tuple[str, str]]]:
    return {name: [(f"{name[:2]}罚〔2024〕{i}号", kind) for i in range(1, n + 1)] for name, n in sizes.items()}


# The session's server state lives in tests/pgserver.py: this file is imported twice (as pytest's
# conftest and as tests.conftest by modules importing its helpers), tests.pgserver only once.
from tests.pgserver import STATE as _SERVER  # noqa: E402


def _server():
    """The session's PostgreSQL server (started on first use), or pytest.skip / pytest.fail."""
    from tests.pgserver import NoServer, start_server

    if "server" not in _SERVER and "error" not in _SERVER:
        try:
            _SERVER["server"] = start_server()
        except NoServer as exc:
            _SERVER["error"] = str(exc)
    if "error" in _SERVER:
        message = f"没有可用的 PostgreSQL 服务器：{_SERVER['error']}"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message + "（CI=true 时必须能启动 PostgreSQL）", pytrace=False)
        pytest.skip(message)
    return _SERVER["server"]


def pytest_sessionfinish(session, exitstatus):
    server = _SERVER.pop("server", None)
    if server is not None:
        if server.data_dir is None:  # a server we did not start (ANJUAN_TEST_PG): drop our templates
            for name in [*_SERVER.pop("templates", {}).values(), _SERVER.pop("campaign_template", None)]:
                if name:
                    server.drop_database(name)
        server.stop()


@pytest.fixture(scope="session")
def pg_server():
    """The throwaway PostgreSQL server (skips, or fails under CI=true, if none can be started)."""
    return _server()


class Targets:
    """Makes database targets for one test: SQLite paths in tmp_path, or fresh PostgreSQL databases."""

    def __init__(self, backend: str, tmp_path: Path):
        self.backend = backend
        self.tmp_path = tmp_path
        self.server = _server() if backend == "postgres" else None
        self.databases: list[str] = []

    @property
    def is_pg(self) -> bool:
        return self.backend == "postgres"

    def new(self, name: str = "c.db") -> str:
        """Where a new database can be created (nothing is there yet)."""
        if not self.is_pg:
            return str(self.tmp_path / name)
        db = self.server.create_database()
        self.databases.append(db)
        return self.server.url(db)

    def copy(self, target: str, name: str = "copy.db") -> str:
        """An independent copy of an existing database (no connection may be open to it)."""
        if not self.is_pg:
            dest = self.tmp_path / name
            shutil.copy(target, dest)
            return str(dest)
        from sqlalchemy.engine import make_url

        db = self.server.create_database(template=make_url(target).database)
        self.databases.append(db)
        return self.server.url(db)

    def from_sqlite(self, path: str | Path, name: str = "c.db") -> str:
        """A copy of a SQLite campaign file: the file copied, or every row copied to a new
        PostgreSQL database (same ids, so packages made from the file merge into it)."""
        if not self.is_pg:
            return self.copy(str(path), name)
        from tests.pgserver import copy_sqlite

        # Copied to the server once per file and session; each test then gets its own database
        # cloned from that one (CREATE DATABASE … TEMPLATE: a file copy on the server).
        key = (str(Path(path).resolve()), Path(path).stat().st_mtime_ns)
        template = _SERVER.setdefault("templates", {}).get(key)
        if template is None:
            template = self.server.create_database()
            copy_sqlite(path, self.server.url(template))
            _SERVER["templates"][key] = template
        db = self.server.create_database(template=template)
        self.databases.append(db)
        return self.server.url(db)

    def url_as(self, target: str, user: str) -> str:
        """The same database, connected as another login (PostgreSQL only)."""
        from sqlalchemy.engine import make_url

        return self.server.url(make_url(target).database, user=user)

    def cleanup(self) -> None:
        for db in self.databases:
            self.server.drop_database(db)


@pytest.fixture(params=BACKENDS)
def backend(request) -> str:
    return request.param


@pytest.fixture
def targets(backend, tmp_path):
    t = Targets(backend, tmp_path)
    yield t
    if t.is_pg:
        t.cleanup()


@pytest.fixture
def pg_url(pg_server):
    """A fresh, empty database on the test server, for tests that build their own campaign there."""
    name = pg_server.create_database()
    yield pg_server.url(name)
    pg_server.drop_database(name)


@pytest.fixture
def new_target(targets):
    return targets.new


CAMPAIGN_ARGS = ("2024年度行政执法案卷评查",)
CAMPAIGN_KW = {"organiser": "测试县司法局", "standard_path": "default-v1"}


@pytest.fixture
def campaign(targets):
    """A new, empty campaign database (SQLite and PostgreSQL) scored by the first edition of the
    built-in standard (default-v1: the ids and points these tests were written against)."""
    from anjuan.db import open_database

    if targets.is_pg:
        # One empty campaign per session on the server; each test gets a clone of it.
        template = _SERVER.get("campaign_template")
        if template is None:
            template = targets.server.create_database()
            init_campaign(targets.server.url(template), *CAMPAIGN_ARGS, **CAMPAIGN_KW).close()
            _SERVER["campaign_template"] = template
        name = targets.server.create_database(template=template)
        targets.databases.append(name)
        db = open_database(targets.server.url(name))
    else:
        db = init_campaign(targets.new("c.db"), *CAMPAIGN_ARGS, **CAMPAIGN_KW)
    yield db
    db.engine.dispose()


# The garbage collector of a test process. After collection the process holds some 300,000
# long-lived objects (modules, classes, collected tests), and Python's default thresholds walk
# all of them in a full collection about every 100,000 allocations: a fifth of the suite's CPU
# time, spent re-checking objects that live until the end. They are frozen out of the collector
# once collected, and the young generation is collected every 50,000 allocations instead of 700.
# Garbage a test makes is still collected as before (the collector stays on), only in larger
# batches; the commands the tests start run with their own, default settings.
GC_THRESHOLDS = (50_000, 20, 20)


def pytest_collection_finish(session):
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)


def pytest_unconfigure(config):
    """At the end, pytest collects garbage five times over (to report exceptions raised by objects'
    finalizers), each time walking every object the session left: seconds, while the whole run
    waits for the slowest process to end. One collection here, while those exceptions are still
    caught, finds that garbage; what survives it is frozen, so the five that follow are short."""
    gc.collect()
    gc.freeze()


@pytest.hookimpl(optionalhook=True)  # xdist's hooks: the suite also runs without xdist (-p no:xdist)
def pytest_xdist_auto_num_workers(config):
    """`-n auto`: one worker more than there are CPUs. A worker spends about an eighth of its time
    waiting (timeouts the tests provoke, commands it started, PostgreSQL, the disk); on 2 CPUs a
    third worker fills that time (2 min 24 s → 2 min 17 s for the suite)."""
    return (os.cpu_count() or 1) + 1


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config, log):
    """`-n auto` hands the tests out by work stealing: a worker that runs out takes half of the
    slowest one's remaining tests, so no worker idles while another still has a queue (a few
    seconds at the end of the run; the tests take from 0.01 to 14 s). `--dist` still chooses."""
    if config.getoption("dist") != "load":
        return None
    from xdist.scheduler import WorkStealingScheduling

    return WorkStealingScheduling(config, log)


def pytest_collection_modifyitems(config, items):
    """Tests marked sqlite_only (SQLite file behaviour: pragmas, WAL, file copies) run once."""
    keep = []
    for item in items:
        spec = getattr(item, "callspec", None)
        if spec and spec.params.get("backend") == "postgres" and item.get_closest_marker("sqlite_only"):
            continue
        keep.append(item)
    items[:] = keep
