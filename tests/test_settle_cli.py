"""合议 tied to what it settled (a stale 合议 goes back to 待合议) and 合议 from the CLI (issue 9)."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

import pytest
from anjuan_cli import run_anjuan
from sqlalchemy import select

from anjuan import models as m
from anjuan.db import open_database
from anjuan.lead.conflicts import list_conflicts
from anjuan.lead.finals import STALE_REASON, file_outcomes
from anjuan.lead.merge import merge
from anjuan.lead.reporting import load_bulletin
from anjuan.review.reviewing import StoredAnswer
from tests.merge_fixtures import (
    answer_files,
    build_campaign,
    change_answer,
    file_state,
    make_package,
)

ROOT = Path(__file__).resolve().parents[1]
FIRST, SECOND = "交通罚〔2024〕1号", "交通罚〔2024〕2号"


def run(*args, cwd: Path):
    return run_anjuan(*args, cwd=cwd)


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    """Both packages merged: 交通罚1号 (王敏 扣 20 / 陈立新 符合) and 交通罚2号 (王敏 否决) are in conflict."""
    d = tmp_path_factory.mktemp("settle_cli_template")
    c = build_campaign(d)
    a = make_package(c, "王敏", d / "a.db")
    b = make_package(c, "陈立新", d / "b.db")
    answer_files(a, {0: {"CX-02": 20}, 1: {"ZT-01": "否决"}})
    answer_files(b)
    db = open_database(c)
    merge(db, [a, b])
    db.close()
    return d


@pytest.fixture
def world(template, tmp_path):
    for p in template.glob("*.db"):
        shutil.copy(p, tmp_path / p.name)
    return tmp_path


def outcome(c: Path, case_no: str):
    db = open_database(c)
    try:
        with db.read_session() as s:
            cid = s.scalar(select(m.CaseFile.id).where(m.CaseFile.case_no == case_no))
        return file_outcomes(db)[cid]
    finally:
        db.close()


def test_stale_settlement_goes_back_to_waiting_and_is_named_everywhere(world):
    c, a = world / "c.db", world / "a.db"
    r = run("conflicts", "c.db", "--settle", FIRST, "--adopt", "b", "--reason", "经合议采纳陈立新意见", cwd=world)
    assert r.returncode == 0, r.stderr
    assert f"{FIRST}（县交通运输局）：100.00 分，优秀" in r.stdout
    assert outcome(c, FIRST).state == "final"
    # 王敏 reopens the file in her package after the 合议, adds a 否决, submits; the package is merged.
    change_answer(a, 0, "ZT-01", StoredAnswer("ZT-01", "否决"), reopen_reason="发现主体不合法")
    db = open_database(a)
    from anjuan.review.reviewing import list_assigned, open_review, resolve_reviewer, submit_review

    me = resolve_reviewer(db, None)
    row = list_assigned(db, me.id)[0]
    submit_review(db, open_review(db, row.case_id, me.id).review_id, me.id)
    db.close()
    r = run("merge", "c.db", "a.db", "--json", cwd=world)
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    assert data["packages"][0]["reviews"]["updated"] == 1
    assert data["stale_settled"] == [f"{FIRST}（县交通运输局）"]
    o = outcome(c, FIRST)
    assert (o.state, o.stale, o.final_review_id) == ("conflict", True, None) and STALE_REASON in o.reasons
    db = open_database(c)
    try:
        assert FIRST in [x.case_no for x in list_conflicts(db)]
        from anjuan.lead.dashboard import conflict_queue

        queued = [e for e in conflict_queue(db, file_outcomes(db)) if e.case_no == FIRST]
        assert queued and STALE_REASON in queued[0].reasons  # the dashboard's 待合议 list
        bulletin = load_bulletin(db)
        stale = [f for f in bulletin.open_files if f.case_no == FIRST]
        assert stale and STALE_REASON in stale[0].reasons
    finally:
        db.close()
    r = run("status", "c.db", cwd=world)
    assert "原评查已变更" in r.stdout and FIRST in r.stdout
    r = run("report", "c.db", "--output", str(world / "out"), "--format", "json", cwd=world)
    assert r.returncode == 0, r.stderr
    assert "原评查已变更" in r.stdout and FIRST in r.stdout
    # Settled again on what the reviewers now say: final again, with the veto.
    r = run("conflicts", "c.db", "--settle", FIRST, "--adopt", "a", "--reason", "重新合议，采纳王敏意见", cwd=world)
    assert r.returncode == 0, r.stderr
    o = outcome(c, FIRST)
    assert (o.state, o.stale) == ("final", False)
    assert run("verify", "c.db", cwd=world).returncode == 0


def test_settle_from_cli_is_refused_for_files_not_in_conflict_and_without_reason(world):
    c = world / "c.db"
    before = file_state(c)
    r = run("conflicts", "c.db", "--settle", "市场罚〔2024〕1号", "--adopt", "a", "--reason", "x", cwd=world)
    assert r.returncode == 1 and "不在待合议之列" in r.stderr
    r = run("conflicts", "c.db", "--settle", FIRST, "--adopt", "a", cwd=world)
    assert r.returncode == 1 and "--reason" in r.stderr
    r = run("conflicts", "c.db", "--settle", FIRST, cwd=world)
    assert r.returncode == 1 and "--adopt" in r.stderr
    assert file_state(c) == before


def _sheet(path: Path, rows: list[tuple]) -> Path:
    lines = ["案号,执法机关,条目编号,结论,扣分,问题描述,卷内页码"]
    lines += [",".join(str(x) for x in r) for r in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8-sig")
    return path


def test_settle_from_a_sheet_is_all_or_nothing_and_recorded_like_the_screen(world):
    c = world / "c.db"
    _sheet(world / "bad.csv", [(FIRST, "县交通运输局", "CX-02", "扣分", 10, "部分扣分", "第3页"),
                                     (SECOND, "县交通运输局", "ZT-01", "garbage", "", "", "")])
    before = file_state(c)
    r = run("conflicts", "c.db", "--sheet", "bad.csv", "--reason", "合议会议纪要", cwd=world)
    assert r.returncode == 1 and "bad.csv 第3行" in r.stderr and "garbage" in r.stderr
    assert file_state(c) == before
    _sheet(world / "good.csv", [(FIRST, "县交通运输局", "CX-02", "扣分", 10, "部分扣分", "第3页"),
                                       (SECOND, "县交通运输局", "ZT-01", "否决", "", "", "")])
    r = run("conflicts", "c.db", "--sheet", "good.csv", "--reason", "合议会议纪要", cwd=world)
    assert r.returncode == 0, r.stderr
    assert f"{FIRST}（县交通运输局）：90.00 分" in r.stdout and "已合议 2 件案卷" in r.stdout
    assert outcome(c, FIRST).state == "final" and outcome(c, SECOND).state == "final"
    con = sqlite3.connect(c)
    rows = con.execute("SELECT c.case_no, h.item_id, h.new, h.reason FROM answer_history h "
                       "JOIN review r ON r.id = h.review_id JOIN case_file c ON c.id = r.case_id "
                       "WHERE r.is_final = 1 AND h.action = 'settle' AND h.item_id IS NOT NULL").fetchall()
    con.close()
    sources = {(no, item): json.loads(new)["source"] for no, item, new, _ in rows}
    assert sources[(FIRST, "CX-02")] == "lead" and sources[(SECOND, "ZT-01")] == "a"
    assert sources[(FIRST, "WS-01")] == "agreed" and {r[3] for r in rows} == {"合议会议纪要"}
    # Settled files are no longer in conflict: the same sheet again is refused, nothing changes.
    before = file_state(c)
    r = run("conflicts", "c.db", "--sheet", "good.csv", "--reason", "再次合议", cwd=world)
    assert r.returncode == 1 and "不在待合议之列" in r.stderr
    assert file_state(c) == before


def test_reopen_needs_agency_where_the_case_number_is_ambiguous(tmp_path):
    c = build_campaign(tmp_path, agencies={"县交通运输局": 1, "市交通运输局": 1})
    a = make_package(c, "王敏", tmp_path / "a.db")
    b = make_package(c, "陈立新", tmp_path / "b.db")
    answer_files(a, {0: {"CX-02": 20}, 1: {"CX-02": 20}})
    answer_files(b)
    db = open_database(c)
    merge(db, [a, b])
    db.close()
    no = "交通罚〔2024〕1号"
    r = run("conflicts", "c.db", "--settle", no, "--adopt", "b", "--reason", "x", cwd=tmp_path)
    assert r.returncode == 1 and "--agency" in r.stderr and "县交通运输局" in r.stderr
    r = run("conflicts", "c.db", "--settle", no, "--agency", "县交通运输局", "--adopt", "b", "--reason", "采纳", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    r = run("conflicts", "c.db", "--reopen", no, "--reason", "重议", cwd=tmp_path)
    assert r.returncode == 1 and "--agency" in r.stderr
    r = run("conflicts", "c.db", "--reopen", no, "--agency", "县交通运输局", cwd=tmp_path)
    assert r.returncode == 1 and "--reason" in r.stderr
    r = run("conflicts", "c.db", "--reopen", no, "--agency", "县交通运输局", "--reason", "重议", cwd=tmp_path)
    assert r.returncode == 0, r.stderr


def test_a_settlement_based_on_an_older_revision_is_refused(world):
    from anjuan.errors import StaleRevisionError
    from anjuan.lead.conflicts import SOURCE_B, item_differences, settle
    from anjuan.review.reviewing import reopen_review

    c = world / "c.db"
    db = open_database(c)
    try:
        with db.read_session() as s:
            cid = s.scalar(select(m.CaseFile.id).where(m.CaseFile.case_no == FIRST))
            lead = s.scalar(select(m.Reviewer.id).where(m.Reviewer.name == "李卫东"))
        view = item_differences(db, cid)
        seen = {view.a.review_id: view.a.revision, view.b.review_id: view.b.revision}
        # Meanwhile reviewer A's review is sent back and submitted again (a new revision).
        reopen_review(db, view.a.review_id, lead, "请核对")
        from anjuan.review.reviewing import submit_review

        submit_review(db, view.a.review_id, lead)
    finally:
        db.close()
    before = file_state(c)
    db = open_database(c)
    try:
        with pytest.raises(StaleRevisionError):
            settle(db, cid, lead, {"CX-02": (SOURCE_B, None)}, "采纳陈立新意见", seen)
    finally:
        db.close()
    assert file_state(c) == before


def test_conflicts_label_sides_a_and_b_and_adopt_takes_a_name(tmp_path):
    """The list says which reviewer is A and which is B, explains a ≥90 合格 (不得评优), and --adopt
    accepts a reviewer's name as well as A/B."""
    c = build_campaign(tmp_path, agencies={"县交通运输局": 2})
    a = make_package(c, "王敏", tmp_path / "a.db")
    b = make_package(c, "陈立新", tmp_path / "b.db")
    answer_files(a, {0: {"CX-04": 2}, 1: {"CX-02": 20}})  # CX-04 bars the top grade
    answer_files(b)
    db = open_database(c)
    merge(db, [a, b])
    db.close()
    r = run("conflicts", "c.db", "--json", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)["conflicts"]
    first = next(x for x in data if x["case_no"] == FIRST)
    sides = {x["side"]: x for x in first["reviews"]}
    assert set(sides) == {"A", "B"}
    wang = next(x for x in first["reviews"] if x["reviewer"] == "王敏")
    assert (wang["score"], wang["grade"], wang["excellent_barred"]) == (98.0, "合格", True)
    chen = next(x for x in first["reviews"] if x["reviewer"] == "陈立新")
    assert (chen["grade"], chen["excellent_barred"]) == ("优秀", False)
    r = run("conflicts", "c.db", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    line = f"A {sides['A']['reviewer']}：" if sides["A"]["reviewer"] == "王敏" else f"B {sides['B']['reviewer']}："
    assert line in r.stdout and "98.00 分，合格（不得评优）" in r.stdout and "100.00 分，优秀（" not in r.stdout
    before = file_state(c)
    r = run("conflicts", "c.db", "--settle", FIRST, "--adopt", "刘建国", "--reason", "x", cwd=tmp_path)
    assert r.returncode == 1 and "王敏" in r.stderr and "陈立新" in r.stderr and "Traceback" not in r.stderr
    assert file_state(c) == before
    r = run("conflicts", "c.db", "--settle", FIRST, "--adopt", "王敏", "--reason", "经合议采纳王敏意见", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert f"{FIRST}（县交通运输局）：98.00 分，合格" in r.stdout
    r = run("conflicts", "c.db", "--settle", SECOND, "--adopt", "B", "--reason", "采纳 B", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    expected = "80.00 分" if sides["B"]["reviewer"] == "王敏" else "100.00 分"
    assert f"{SECOND}（县交通运输局）：{expected}" in r.stdout


def test_reopen_of_a_stale_settlement_says_it_is_already_waiting(world):
    c, a = world / "c.db", world / "a.db"
    r = run("conflicts", "c.db", "--settle", FIRST, "--adopt", "b", "--reason", "经合议采纳陈立新意见", cwd=world)
    assert r.returncode == 0, r.stderr
    change_answer(a, 0, "ZT-01", StoredAnswer("ZT-01", "否决"), reopen_reason="发现主体不合法")
    db = open_database(a)
    from anjuan.review.reviewing import list_assigned, open_review, resolve_reviewer, submit_review

    me = resolve_reviewer(db, None)
    row = list_assigned(db, me.id)[0]
    submit_review(db, open_review(db, row.case_id, me.id).review_id, me.id)
    db.close()
    assert run("merge", "c.db", "a.db", cwd=world).returncode == 0
    before = file_state(c)
    r = run("conflicts", "c.db", "--reopen", FIRST, "--reason", "重议", cwd=world)
    assert r.returncode == 1 and "已回到待合议" in r.stderr and "已退回" not in r.stderr + r.stdout
    assert file_state(c) == before
