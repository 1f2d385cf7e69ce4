"""Logins, roles and row-level security on the server: a reviewer login reads and writes only its
own work and can change nothing else, table by table; lead-only commands refuse it in one line."""

from __future__ import annotations

import json
import sys
import threading
import uuid
from pathlib import Path

import psycopg
import pytest
from anjuan_cli import run_anjuan
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from anjuan import models as m
from anjuan.campaign import campaign_info, init_campaign
from anjuan.db import open_database
from anjuan.errors import AnjuanError
from anjuan.postgres.roles import TABLE_ACCESS, add_login, group_roles
from anjuan.prepare.assignment import assign
from anjuan.prepare.reviewers import add_reviewer
from anjuan.prepare.sampling import draw_sample
from anjuan.review.reviewing import (
    StoredAnswer,
    list_assigned,
    open_review,
    save_answer,
    submit_review,
)
from tests.conftest import Targets, add_catalog, simple_catalog
from tests.merge_fixtures import dump

pytestmark = pytest.mark.postgres
ROOT = Path(__file__).resolve().parents[1]
REVIEWERS = ("王敏", "陈立新")
LEAD = "李卫东"


@pytest.fixture
def server(tmp_path, pg_server):
    t = Targets("postgres", tmp_path)
    created: list[str] = []
    yield t, created
    t.cleanup()
    with pg_server.engine().connect() as c:
        for name in created:
            c.execute(text(f'DROP ROLE IF EXISTS "{name}"'))


def _login_of(tag: str, suffix: str) -> str:
    return f"{tag}_{suffix}"


@pytest.fixture
def camp(server):
    """A campaign on the server with logins for two reviewers (every file double-reviewed) and a lead."""
    t, created = server
    url = t.new()
    db = init_campaign(url, "2024年度行政执法案卷评查", standard_path="default-v1")  # item ids of the first edition
    add_catalog(db, simple_catalog({"县市场监督管理局": 6, "县交通运输局": 4}))
    for name in REVIEWERS:
        add_reviewer(db, name, "县司法局")
    add_reviewer(db, LEAD, "县司法局", "lead")
    draw_sample(db, seed="1", ratio=1.0)
    assign(db, seed="1", double=1.0)
    suffix = uuid.uuid4().hex[:8]
    logins = {"王敏": _login_of("wangmin", suffix), "陈立新": _login_of("chenlixin", suffix),
              LEAD: _login_of("liweidong", suffix)}
    with db.session() as s:
        for name, login in logins.items():
            add_login(s.connection(), name, login)
        roles = group_roles(s.connection())
    created.extend([*logins.values(), roles.lead, roles.reviewer])
    db.close()
    urls = {name: t.url_as(url, login) for name, login in logins.items()}
    # 陈立新 scores a file, so there is someone else's work to attack.
    other = open_database(urls["陈立新"])
    me = other.__dict__
    from anjuan.identity import identify

    chen = identify(other).reviewer_id
    row = list_assigned(other, chen)[0]
    state = open_review(other, row.case_id, chen)
    for item in campaign_info(other).standard.items_for("行政处罚"):
        state = save_answer(other, state.review_id, chen, StoredAnswer(item.id, "符合"))
    submit_review(other, state.review_id, chen)
    other.close()
    del me
    return {"url": url, "urls": urls, "logins": logins, "chen_review": state.review_id, "case_id": row.case_id}


def _ids(url: str) -> dict[str, str]:
    db = open_database(url)
    with db.read_session() as s:
        out = dict(s.execute(select(m.Reviewer.name, m.Reviewer.id)).all())
    db.close()
    return out


def test_reviewer_login_scores_its_own_files_and_history_records_the_login(camp):
    db = open_database(camp["urls"]["王敏"])
    from anjuan.identity import identify

    ident = identify(db)
    assert (ident.kind, ident.reviewer_name, ident.login) == ("reviewer", "王敏", camp["logins"]["王敏"])
    rows = list_assigned(db, ident.reviewer_id)
    assert len(rows) == 10
    state = open_review(db, rows[0].case_id, ident.reviewer_id)
    state = save_answer(db, state.review_id, ident.reviewer_id, StoredAnswer("ZT-06", "扣分", 1.0, note="未注明证号"))
    with db.read_session() as s:
        logins = set(s.scalars(select(m.AnswerHistory.login)))
        visible_reviews = s.scalar(select(func.count()).select_from(m.Review))
    db.close()
    assert logins == {camp["logins"]["王敏"]}  # 陈立新's history is not even visible
    assert visible_reviews == 1


def _attempts(ids: dict[str, str], camp: dict) -> dict[str, list[tuple[str, str, dict]]]:
    """For each table, writes a reviewer login (王敏) must not be able to make."""
    me, chen, lead = ids["王敏"], ids["陈立新"], ids[LEAD]
    rid, case = camp["chen_review"], camp["case_id"]
    new = str(uuid.uuid4())
    everything = lambda t, col: [  # noqa: E731
        ("update", f"UPDATE {t} SET {col} = {col} || 'x'", {}),
        ("delete", f"DELETE FROM {t}", {}),
    ]
    return {
        "meta": everything("meta", "value") + [("insert", "INSERT INTO meta (key, value) VALUES ('x', 'y')", {})],
        "standard": everything("standard", "name"),
        "campaign": everything("campaign", "name"),
        "agency": everything("agency", "name") + [
            ("insert", "INSERT INTO agency (id, name, created_at) VALUES (:n, '某局', '')", {"n": new})],
        "import_batch": everything("import_batch", "file_name") + [
            ("insert", "INSERT INTO import_batch (id, file_name, sha256, rows, imported_at) VALUES (:n, 'a', 'b', 0, '')",
             {"n": new})],
        "case_file": everything("case_file", "title") + [
            ("insert", "INSERT INTO case_file (id, agency_id, case_no, title, party, kind, officers, source_file, extra) "
                       "SELECT :n, agency_id, 'X号', '', '', '', '', '', '{}' FROM case_file LIMIT 1", {"n": new})],
        "sampling_batch": everything("sampling_batch", "seed"),
        "sampled_case": [("delete", "DELETE FROM sampled_case", {}),
                         ("update", "UPDATE sampled_case SET position = position + 1", {})],
        "reviewer": everything("reviewer", "name") + [
            ("update", "UPDATE reviewer SET role = 'lead' WHERE id = :me", {"me": me}),
            ("insert", "INSERT INTO reviewer (id, name, unit, role, created_at) VALUES (:n, '冒名', '', 'lead', '')",
             {"n": new})],
        "reviewer_login": [
            ("insert", "INSERT INTO reviewer_login (login, reviewer_id, created_at) VALUES (session_user || 'x', :l, '')",
             {"l": lead}),
            ("update", "UPDATE reviewer_login SET reviewer_id = :l", {"l": lead}),
            ("delete", "DELETE FROM reviewer_login", {})],
        "assignment": [
            ("insert", "INSERT INTO assignment (id, case_id, reviewer_id, slot, seed, assigned_at) "
                       "VALUES (:n, :c, :me, 3, 'x', '')", {"n": new, "c": case, "me": me}),
            ("update", "UPDATE assignment SET reviewer_id = :me WHERE reviewer_id = :chen", {"me": me, "chen": chen}),
            ("update", "UPDATE assignment SET seed = 'x'", {}),
            ("delete", "DELETE FROM assignment", {})],
        "review": [
            ("reopen another's review", "UPDATE review SET status = 'reopened' WHERE id = :r", {"r": rid}),
            ("take over another's review", "UPDATE review SET reviewer_id = :me WHERE id = :r", {"me": me, "r": rid}),
            ("delete another's review", "DELETE FROM review WHERE id = :r", {"r": rid}),
            ("write a 合议 result", "INSERT INTO review (id, case_id, reviewer_id, is_final, status, revision, vetoed, note, "
                                   "created_at, updated_at) VALUES (:n, :c, :me, true, 'submitted', 1, false, '', '', '')",
             {"n": new, "c": case, "me": me}),
            ("review for someone else", "INSERT INTO review (id, case_id, reviewer_id, is_final, status, revision, vetoed, "
                                        "note, created_at, updated_at) VALUES (:n, :c, :chen, false, 'draft', 0, false, '', '', '')",
             {"n": new, "c": case, "chen": chen}),
            ("own review of a file not assigned", "INSERT INTO review (id, case_id, reviewer_id, is_final, status, revision, "
                                                  "vetoed, note, created_at, updated_at) SELECT :n, f.id, :me, false, 'draft', 0, "
                                                  "false, '', '', '' FROM case_file f WHERE f.case_no = 'X'",
             {"n": new, "me": me}),
        ],
        "answer": [
            ("update another's answers", "UPDATE answer SET verdict = '扣分', deducted = 5 WHERE review_id = :r", {"r": rid}),
            ("delete another's answers", "DELETE FROM answer WHERE review_id = :r", {"r": rid}),
            ("answer into another's review", "INSERT INTO answer (id, review_id, item_id, verdict, deducted, occurrences, "
                                             "note, page_ref, updated_at) VALUES (:n, :r, 'ZT-09', '符合', 0, 1, '', '', '')",
             {"n": new, "r": rid}),
        ],
        "answer_history": [
            ("update", "UPDATE answer_history SET reason = 'x'", {}),
            ("delete", "DELETE FROM answer_history", {}),
            ("history of another's review", "INSERT INTO answer_history (id, review_id, actor_id, at, action, reason) "
                                            "VALUES (:n, :r, :me, '', 'answer', '')", {"n": new, "r": rid, "me": me}),
            ("forged actor", "INSERT INTO answer_history (id, review_id, actor_id, at, action, reason) "
                             "SELECT :n, id, CAST(:l AS varchar), '', 'reopen', '' FROM review WHERE reviewer_id = CAST(:me AS varchar) LIMIT 1",
             {"n": new, "l": lead, "me": me}),
            ("forged login", "INSERT INTO answer_history (id, review_id, actor_id, at, action, reason, login) "
                             "SELECT :n, id, CAST(:me AS varchar), '', 'answer', '', 'postgres' FROM review WHERE reviewer_id = CAST(:me AS varchar) LIMIT 1",
             {"n": new, "me": me}),
        ],
        "merge_log": [
            ("insert", "INSERT INTO merge_log (id, package_file, checksum, merged_at, summary) VALUES (:n, 'a', 'b', '', '{}')",
             {"n": new}),
            ("delete", "DELETE FROM merge_log", {})],
        "package_issue": [
            ("issue a package", "INSERT INTO package_issue (id, reviewer_id, issued_at, secret, file_name) "
                                "VALUES (:n, :me, '', 'x', 'x.db')", {"n": new, "me": me}),
            ("update", "UPDATE package_issue SET secret = 'x'", {}),
            ("delete", "DELETE FROM package_issue", {})],
        "round": everything("round", "name") + [
            ("insert", "INSERT INTO round (id, kind, name, source, source_sha256, params, created_at) "
                       "VALUES (:n, 'self', 'x', '', '', '{}', '')", {"n": new})],
        "round_result": [("update", "UPDATE round_result SET score = 100", {}),
                         ("delete", "DELETE FROM round_result", {})],
        "round_answer": [("update", "UPDATE round_answer SET verdict = '符合'", {}),
                         ("delete", "DELETE FROM round_answer", {})],
        "ledger_item": [("update", "UPDATE ledger_item SET state = '已整改'", {}),
                        ("delete", "DELETE FROM ledger_item", {})],
        "ledger_import": [("delete", "DELETE FROM ledger_import", {})],
    }


def test_a_reviewer_login_cannot_change_anything_not_its_own_table_by_table(camp):
    ids = _ids(camp["url"])
    # 王敏 has a draft of its own, so "own rows" exist in every reviewer-owned table.
    db = open_database(camp["urls"]["王敏"])
    row = list_assigned(db, ids["王敏"])[1]
    state = open_review(db, row.case_id, ids["王敏"])
    save_answer(db, state.review_id, ids["王敏"], StoredAnswer("ZT-06", "符合"))
    db.close()
    attempts = _attempts(ids, camp)
    assert set(attempts) == set(TABLE_ACCESS) == {t.name for t in m.SQLModel.metadata.sorted_tables}
    before = dump(camp["url"])
    engine = create_engine(camp["urls"]["王敏"].replace("postgresql://", "postgresql+psycopg://", 1))
    changed = []
    try:
        for table, tries in attempts.items():
            for what, sql, params in tries:
                with engine.connect() as c:
                    try:
                        with c.begin():
                            n = c.execute(text(sql), params).rowcount
                    except Exception as exc:  # noqa: BLE001 - refused: what we want
                        assert getattr(exc, "orig", None) is not None and exc.orig.sqlstate in ("42501", "23503"), exc
                        continue
                    if n:
                        changed.append((table, what, n))
    finally:
        engine.dispose()
    assert changed == []
    assert dump(camp["url"]) == before


class _Ran:
    def __init__(self, returncode: int, stdout: str, stderr: str):
        self.returncode, self.stdout, self.stderr = returncode, stdout, stderr


def in_process(capsys, monkeypatch):
    """anjuan's main() in this process (as `python -m anjuan` runs it, without a new interpreter)."""
    from anjuan.cli import main

    def run(*args):
        monkeypatch.setattr(sys, "argv", ["anjuan", *args])
        capsys.readouterr()
        code = 0
        try:
            main()
        except SystemExit as exc:
            code = exc.code or 0
        out = capsys.readouterr()
        return _Ran(code, out.out, out.err)

    return run


def test_reviewer_cannot_act_as_someone_else_or_run_lead_commands(camp, tmp_path, capsys, monkeypatch):
    mine = camp["urls"]["王敏"]
    monkeypatch.setenv("COLUMNS", "200")
    run = in_process(capsys, monkeypatch)

    for args, what in ((("report", mine, "-o", str(tmp_path / "out")), "出具通报"),
                       (("merge", mine, str(tmp_path / "x.db")), "合并数据包"),
                       (("assign", mine, "--seed", "2"), "分配案卷"),
                       (("sample", mine, "--ratio", "0.5", "--seed", "2"), "抽样"),
                       (("conflicts", mine), "合议"),
                       (("reviewer", "add", mine, "张三"), "添加评查人员"),
                       (("pack", mine, "--reviewer", "王敏", "-o", str(tmp_path / "p.db")), "生成数据包"),
                       (("user", "list", mine), "登录账号")):
        r = run(*args)
        assert r.returncode == 1, (args, r.stdout, r.stderr)
        assert r.stderr.count("\n") == 1 and "是评查人员账号，不能" in r.stderr and what in r.stderr, r.stderr
        assert "permission denied" not in r.stderr and "内部错误" not in r.stderr
    r = run("answers", "export", mine, "-o", str(tmp_path / "a.csv"), "--reviewer", "陈立新")
    assert r.returncode == 1 and "只能以本人身份操作" in r.stderr, r.stderr
    r = run("answers", "export", mine, "-o", str(tmp_path / "a.csv"))
    assert r.returncode == 0 and "仅为您本人的评查数据" in r.stdout, r.stderr
    r = run("status", mine, "--json")
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    assert data["own_data_of"] == "王敏"
    r = run("status", mine)
    assert "仅为您本人的评查数据" in r.stdout
    with pytest.raises(AnjuanError, match="只能以本人身份操作"):
        from anjuan.identity import acting_reviewer_name

        db = open_database(mine)
        try:
            acting_reviewer_name(db, "陈立新")
        finally:
            db.close()


def test_lead_login_runs_lead_commands_but_not_schema_changes(camp, tmp_path):
    lead = camp["urls"][LEAD]
    r = run_anjuan("status", lead, "--json")
    assert r.returncode == 0 and "own_data_of" not in json.loads(r.stdout), r.stderr
    u = make_url(lead)
    with psycopg.connect(dbname=u.database, user=u.username, **u.query) as con:
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            con.execute("ALTER TABLE review ADD COLUMN x int")
        con.rollback()
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            con.execute("DELETE FROM answer_history")


def test_user_add_refuses_unknown_reviewers_and_bad_login_names(camp, capsys, monkeypatch):
    run = in_process(capsys, monkeypatch)

    r = run("user", "add", camp["url"], "无此人", "--login", "nobody_x")
    assert r.returncode == 1 and "没有名为“无此人”的评查人员" in r.stderr
    r = run("user", "add", camp["url"], "王敏", "--login", "Wang Min")
    assert r.returncode == 1 and "登录名" in r.stderr
    r = run("user", "add", camp["urls"]["王敏"], "王敏", "--login", "wm2")
    assert r.returncode == 1 and r.stderr.count("\n") == 1 and "所有者" in r.stderr, r.stderr
    r = run("user", "list", camp["url"])
    assert r.returncode == 0 and camp["logins"]["王敏"] in r.stdout and "（组长）" in r.stdout
    r = run("user", "add", camp["url"], "王敏", "--login", camp["logins"]["王敏"])  # again: nothing changes
    assert r.returncode == 0, r.stderr
    assert f"已为评查人员“王敏”设置登录账号 {camp['logins']['王敏']}" in r.stdout and "PGPASSWORD" in r.stdout
    r = run("user", "add", camp["url"], "陈立新", "--login", camp["logins"]["王敏"])
    assert r.returncode == 1 and "已分配给“王敏”" in r.stderr


def test_eight_reviewer_logins_saving_at_once_lose_nothing(server, pg_server):
    """8 reviewer logins × 200 saves at the same time: every save is there, each in its history."""
    t, created = server
    url = t.new()
    db = init_campaign(url, "2024年度行政执法案卷评查", standard_path="default-v1")  # item ids of the first edition
    add_catalog(db, simple_catalog({"县市场监督管理局": 16, "县交通运输局": 16}))
    names = [f"评查员{i}" for i in range(8)]
    for name in names:
        add_reviewer(db, name, "县司法局")
    draw_sample(db, seed="1", ratio=1.0)
    assign(db, seed="1")
    suffix = uuid.uuid4().hex[:8]
    logins = {name: f"r{i}_{suffix}" for i, name in enumerate(names)}
    with db.session() as s:
        for name, login in logins.items():
            add_login(s.connection(), name, login)
        roles = group_roles(s.connection())
    created.extend([*logins.values(), roles.lead, roles.reviewer])
    items = [i.id for i in campaign_info(db).standard.items_for("行政处罚") if i.points]
    db.close()
    saves = 200
    errors: list[BaseException] = []
    barrier = threading.Barrier(len(names))
    expected: dict[str, dict[tuple[str, str], float]] = {}

    def work(name: str) -> None:
        try:
            mine = open_database(t.url_as(url, logins[name]))
            from anjuan.identity import identify

            me = identify(mine).reviewer_id
            files = list_assigned(mine, me)
            reviews = [open_review(mine, f.case_id, me).review_id for f in files]
            last: dict[tuple[str, str], float] = {}
            barrier.wait()
            for k in range(saves):
                rid, item = reviews[k % len(reviews)], items[k % len(items)]
                value = 1.0 - last.get((rid, item), 0.0)  # every save changes the answer
                save_answer(mine, rid, me, StoredAnswer(item, "扣分" if value else "符合", value, note="问题" if value else ""))
                last[(rid, item)] = value
            expected[name] = last
            mine.close()
        except BaseException as exc:  # noqa: BLE001 - reported by the test
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in names]
    for th in threads:
        th.start()
    for th in threads:
        th.join(300)
    assert errors == []
    db = open_database(url)
    with db.read_session() as s:
        history = dict(s.execute(select(m.AnswerHistory.login, func.count()).group_by(m.AnswerHistory.login)).all())
        answers = {(r, i): d for r, i, d in s.execute(select(m.Answer.review_id, m.Answer.item_id, m.Answer.deducted))}
    db.close()
    assert history == {login: saves for login in logins.values()}
    for last in expected.values():
        for key, value in last.items():
            assert answers[key] == value


def test_only_the_owner_upgrades_the_schema(camp):
    from anjuan.errors import DatabaseError

    owner = open_database(camp["url"])
    with owner.session() as s:
        s.execute(text("UPDATE meta SET value = '1' WHERE key = 'schema_version'"))
    owner.close()
    with pytest.raises(DatabaseError, match="结构需要升级.*所有者账号"):
        open_database(camp["urls"][LEAD])
    open_database(camp["url"]).close()  # the owner upgrades (the steps are idempotent)
    lead = open_database(camp["urls"][LEAD])
    assert lead.meta("schema_version") == str(m.SCHEMA_VERSION)
    lead.close()


def test_lead_login_packs_merges_and_imports(camp, tmp_path):
    """Everything a lead does works with the lead's least-privilege login (TEMP staging, COPY,
    advisory lock, history stamped with the lead's login for rows brought in by the merge)."""
    from anjuan.lead.merge import merge
    from anjuan.prepare.catalog_import import import_catalogs
    from anjuan.review.pack import pack
    from tests.merge_fixtures import answer_files

    lead = open_database(camp["urls"][LEAD])
    try:
        pkg = tmp_path / "王敏.db"
        pack(lead, "王敏", pkg)
        answer_files(pkg, files=[0, 1])
        result = merge(lead, [pkg])
        assert result.packages[0].ok and result.packages[0].reviews_new == 2 and result.packages[0].history > 0
        report = import_catalogs(lead, [Path(__file__).parent / "data" / "catalogs" / "gbk.csv"],
                                 agency="安溪县交通运输局")
        assert report.total_rows > 0
        with lead.read_session() as s:
            logins = set(s.scalars(select(m.AnswerHistory.login)))
    finally:
        lead.close()
    assert logins == {camp["logins"]["陈立新"], camp["logins"][LEAD]}
