"""The team server: URLs, passwords and drivers, the same flow on both backends."""

from __future__ import annotations

import subprocess
import sys

import pytest

from anjuan.campaign import campaign_info, init_campaign
from anjuan.db import open_database, shown
from anjuan.errors import DatabaseError
from anjuan.lead.status import campaign_status
from anjuan.prepare.assignment import assign
from anjuan.prepare.reviewers import add_reviewer
from anjuan.prepare.sampling import draw_sample
from anjuan.review.reviewing import (
    StoredAnswer,
    list_assigned,
    open_review,
    resolve_reviewer,
    save_answer,
    submit_review,
)
from tests.conftest import add_catalog, simple_catalog


def run(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "anjuan", *args], capture_output=True, text=True, cwd=cwd)


def test_full_flow(new_target):
    target = new_target()
    db = init_campaign(target, "2024年度行政执法案卷评查")
    add_catalog(db, simple_catalog({"县市场监督管理局": 20, "县交通运输局": 10}))
    add_reviewer(db, "王敏", "县司法局")
    add_reviewer(db, "陈立新", "律所")
    draw_sample(db, seed="1", ratio=0.3)
    result = assign(db, seed="1", double=0.5)
    assert sum(len(v) for v in result.by_reviewer.values()) == 9 + 4  # 6 + 3 files, half doubled: round(4.5) = 4
    db.close()

    db = open_database(target)
    std = campaign_info(db).standard
    wang = resolve_reviewer(db, "王敏")
    row = list_assigned(db, wang.id)[0]
    state = open_review(db, row.case_id, wang.id)
    for item in std.items_for("行政处罚"):
        state = save_answer(db, state.review_id, wang.id, StoredAnswer(item.id, "符合"))
    state = save_answer(db, state.review_id, wang.id, StoredAnswer("ZT-06", "扣分", 1.0, note="未注明执法证件号码"))
    state = submit_review(db, state.review_id, wang.id)
    assert state.status == "submitted" and state.result.score < 100
    by_agency = {a.agency: a for a in campaign_status(db).agencies}
    assert sum(a.submitted for a in by_agency.values()) == 1
    db.close()


@pytest.mark.parametrize("url,expected", [
    ("postgresql://wang:s3cret@db.example.org/anjuan", "postgresql://wang:***@db.example.org/anjuan"),
    ("postgresql://wang@/anjuan?host=/run/pg&password=s3cret", "postgresql://wang@/anjuan?host=%2Frun%2Fpg&password=***"),
    ("postgresql://wang@db/anjuan", "postgresql://wang@db/anjuan"),
    ("评查.db", "评查.db"),
])
def test_shown_hides_passwords(url, expected):
    assert shown(url) == expected


def test_unsupported_scheme_is_one_line_hint(tmp_path):
    r = run("status", "mysql://root:s3cret@localhost/anjuan", cwd=tmp_path)
    assert r.returncode == 1 and r.stderr.count("\n") == 1, r.stderr
    assert "不支持的数据库地址" in r.stderr and "postgresql://" in r.stderr and "s3cret" not in r.stderr
    with pytest.raises(DatabaseError, match="不支持的数据库地址"):
        open_database("sqlite+pysqlite:///x.db")


def test_missing_driver_is_one_line_install_hint(tmp_path):
    code = ("import sys; sys.modules['psycopg'] = None; sys.argv = ['anjuan', 'status', "
            "'postgresql://wang:s3cret@localhost/anjuan']; from anjuan.cli import main; main()")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path)
    assert r.returncode == 1 and r.stderr.count("\n") == 1, r.stderr
    assert "pip install 'anjuan[postgres]'" in r.stderr and "s3cret" not in r.stderr


@pytest.mark.postgres
def test_password_is_never_printed(pg_server, tmp_path):
    from sqlalchemy.engine import make_url

    name = pg_server.create_database()
    try:
        url = make_url(pg_server.url(name)).set(password="s3cret-Pw").render_as_string(hide_password=False)
        r = run("init", url, "--name", "2024年度行政处罚案卷评查", cwd=tmp_path)
        assert r.returncode == 0, r.stderr
        assert "s3cret" not in r.stdout + r.stderr and "***" in r.stdout  # created …, next step: anjuan import …
        r = run("status", url, "--json", cwd=tmp_path)
        assert r.returncode == 0 and "s3cret" not in r.stdout
        bad = make_url(url).set(database="no_such_db_x").render_as_string(hide_password=False)
        r = run("status", bad, cwd=tmp_path)
        assert r.returncode == 1 and r.stderr.count("\n") == 1 and "s3cret" not in r.stderr, r.stderr
        assert "无法打开数据库" in r.stderr and "no_such_db_x" in r.stderr
    finally:
        pg_server.drop_database(name)


def test_every_table_is_classified_for_roles_and_row_level_security():
    """A new table must be classified in anjuan/postgres/roles.py (TABLE_ACCESS) before release."""
    from anjuan import models as m
    from anjuan.postgres.roles import (
        CATALOG,
        CATALOG_LOCK,
        LEAD_ONLY,
        OWN_APPEND,
        OWN_READ,
        OWN_WRITE,
        TABLE_ACCESS,
    )

    assert set(TABLE_ACCESS) == {t.name for t in m.SQLModel.metadata.sorted_tables}
    owned = {OWN_READ, OWN_WRITE, OWN_APPEND, CATALOG_LOCK}
    for table, (category, owner) in TABLE_ACCESS.items():
        assert category in {CATALOG, LEAD_ONLY} | owned, table
        assert (owner is not None) == (category in owned), table
