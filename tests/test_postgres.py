"""The team server: URLs, passwords and drivers, the same flow on both backends."""

from __future__ import annotations

import subprocess
import sys

import pytest
from anjuan_cli import run_anjuan
from sqlalchemy import text

from anjuan import models as m
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
    return run_anjuan(*args, cwd=cwd)


def test_full_flow(new_target):
    target = new_target()
    db = init_campaign(target, "2024年度行政执法案卷评查", standard_path="default-v1")  # item ids of the first edition
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


@pytest.mark.postgres
def test_schema_1_campaign_migrates_on_postgres_with_the_same_figures(pg_url, tmp_path):
    """A campaign as schema 1 left it (no round tables, version 1), on PostgreSQL: opening it adds the
    rounds and the 抽查 round, and every 抽查 figure stays the same."""
    import json
    from datetime import date

    from anjuan.lead.reporting import load_bulletin
    from reports.jsonout import write_json
    from tests.merge_fixtures import build_campaign
    from tests.rounds_fixtures import SPOT_PLAN, score_in

    build_campaign(tmp_path, double=0.0, agencies={"县市场监督管理局": 3, "县交通运输局": 2}, target=pg_url)
    score_in(pg_url, SPOT_PLAN)
    db = open_database(pg_url)
    write_json(load_bulletin(db, date(2025, 1, 10), date(2025, 3, 31)), tmp_path / "before.json")
    before = json.dumps(campaign_status(db).to_json(), ensure_ascii=False)
    with db.engine.begin() as c:  # back to schema 1
        for t in ("ledger_import", "ledger_item", "round_answer", "round_result", "round"):
            c.execute(text(f'DROP TABLE "{t}"'))
        c.execute(text("UPDATE meta SET value = '1' WHERE key = 'schema_version'"))
    db.engine.dispose()

    db = open_database(pg_url)
    try:
        assert db.meta("schema_version") == str(m.SCHEMA_VERSION)
        with db.engine.connect() as c:
            assert c.execute(text("SELECT kind FROM round")).scalars().all() == ["spot"]
        write_json(load_bulletin(db, date(2025, 1, 10), date(2025, 3, 31)), tmp_path / "after.json")
        assert (tmp_path / "after.json").read_bytes() == (tmp_path / "before.json").read_bytes()
        assert json.dumps(campaign_status(db).to_json(), ensure_ascii=False) == before
    finally:
        db.close()


@pytest.mark.postgres
def test_the_cycle_on_postgres(pg_url, tmp_path):
    """自查 sheet, 整改台账 out and back, and a 复查 round database made from a server campaign."""
    from datetime import date

    from anjuan.rectify.ledger import create_ledger, export_ledgers, import_ledgers, ledger_summary
    from anjuan.rounds.recheck import new_recheck, recheck_comparison, select_recheck
    from anjuan.rounds.rounddb import import_round_database
    from anjuan.rounds.selfcheck import import_selfcheck_sheet, selfcheck_summary
    from tests.merge_fixtures import build_campaign
    from tests.rounds_fixtures import M1, M3, MARKET, SPOT_PLAN, score_in
    from tests.test_rounds import MARKET_RETURN, fill_market_ledger, write_selfcheck_sheet

    build_campaign(tmp_path, double=0.0, agencies={MARKET: 3, "县交通运输局": 2}, target=pg_url)
    score_in(pg_url, SPOT_PLAN)
    db = open_database(pg_url)
    try:
        import_selfcheck_sheet(db, MARKET, write_selfcheck_sheet(tmp_path / "s.csv"))
        market = next(a for a in selfcheck_summary(db).agencies if a.agency == MARKET)
        assert (market.mean_diff, market.grade_diffs, market.lenient) == (5.5, 1, True)
        assert create_ledger(db, date(2025, 3, 31)).created == 6
        export_ledgers(db, tmp_path / "out", ("xlsx",), today=date(2025, 3, 1))
        back = fill_market_ledger(tmp_path / "out" / f"{MARKET}问题整改台账.xlsx", tmp_path / "b.xlsx", MARKET_RETURN)
        assert import_ledgers(db, [back], today=date(2025, 4, 10)).changed == 4
        counts = {a.agency: (a.done, a.overdue) for a in ledger_summary(db, date(2025, 4, 10))}
        assert counts[MARKET] == (2, 2)
        sel = select_recheck(db, rectified=1.0, seed="9")
        new_recheck(db, tmp_path / "r.db", sel, {}, "9").close()
    finally:
        db.close()
    rdb = open_database(tmp_path / "r.db")
    try:
        assign(rdb, seed="9")
    finally:
        rdb.close()
    score_in(tmp_path / "r.db", {M1: {}, M3: {"ZT-01": "否决", "CX-04": 3}})
    db = open_database(pg_url)
    try:
        import_round_database(db, tmp_path / "r.db")
        files = {f.case_no: (f.fixed, f.still, f.new) for f in recheck_comparison(db)}
        assert files == {M1: (1, 0, 0), M3: (0, 1, 1)}
    finally:
        db.close()
