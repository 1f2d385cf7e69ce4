"""Merging reviewer packages (anjuan/lead/merge.py, anjuan merge).

Idempotence is checked on a full dump including merge_log: re-merging a package whose checksum is
already logged and that brings nothing new records nothing (documented in anjuan/lead/merge.py). Order
independence compares dumps without merge_log (its ids, times and per-package counts naturally
differ with the order).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from anjuan_cli import run_anjuan
from sqlalchemy import delete, select

from anjuan import models as m
from anjuan.db import open_database
from anjuan.lead.merge import PAUSE_ENV, PAUSE_MARK, MergeRefused, merge
from anjuan.review.pack import pack
from anjuan.review.reviewing import (
    StoredAnswer,
    clear_answer,
    list_assigned,
    open_review,
    resolve_reviewer,
)
from tests.merge_fixtures import (
    answer_files,
    build_campaign,
    change_answer,
    dump,
    file_state,
    make_package,
    reviewer_id,
)

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    """Campaign c.db (5 files, all double-reviewed) and answered packages a.db (王敏), b.db (陈立新)."""
    d = tmp_path_factory.mktemp("merge_template")
    c = build_campaign(d)
    a = make_package(c, "王敏", d / "a.db")
    b = make_package(c, "陈立新", d / "b.db")
    answer_files(a, {0: {"CX-02": 20}, 1: {"ZT-01": "否决"}})
    answer_files(b, {3: {"WS-02": 5}}, files=[0, 1, 2, 3])
    return d


class World:
    """The test's folder of package copies; world / "c.db" is the campaign (a file or a server URL)."""

    def __init__(self, folder: Path, campaign, targets):
        self.folder, self.campaign, self.targets = folder, campaign, targets
        self.sqlite_campaign = folder / "c.db" if not targets.is_pg else None

    def copy_campaign(self, name: str):
        """An independent copy of the campaign as it is now."""
        copied = self.targets.copy(str(self.campaign), name)
        return copied if self.targets.is_pg else Path(copied)

    def __truediv__(self, name: str):
        return self.campaign if name == "c.db" else self.folder / name

    def __fspath__(self) -> str:
        return str(self.folder)

    def glob(self, pattern: str):
        return self.folder.glob(pattern)


@pytest.fixture
def world(template, tmp_path, targets):
    for p in template.glob("*.db"):
        if p.name != "c.db":
            shutil.copy(p, tmp_path / p.name)
    camp = targets.from_sqlite(template / "c.db", "c.db")
    world = World(tmp_path, Path(camp) if not targets.is_pg else camp, targets)
    if targets.is_pg:
        world.sqlite_campaign = template / "c.db"
    return world


class _PgRows:
    """sqlite3-style access to a campaign on PostgreSQL (for the checks below that use plain SQL)."""

    def __init__(self, url: str):
        import psycopg
        from sqlalchemy.engine import make_url

        u = make_url(url)
        self.con = psycopg.connect(dbname=u.database, user=u.username, **u.query)

    def execute(self, sql: str, params=()):
        return self.con.execute(sql.replace("?", "%s"), params)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.con.close()


def connect(c):
    return _PgRows(c) if "://" in str(c) else sqlite3.connect(c)


def do_merge(campaign: Path, packages, **kw):
    db = open_database(campaign)
    try:
        return merge(db, [str(p) for p in packages], **kw)
    finally:
        db.close()


def test_merge_brings_in_reviews_answers_history_and_logs_checksums(world):
    c, a, b = world / "c.db", world / "a.db", world / "b.db"
    result = do_merge(c, [a, b])
    ra, rb = result.packages
    assert (ra.reviewer, ra.reviews_new, ra.answers, ra.history) == ("王敏", 5, 40, 45)  # 40 answers + 5 submits
    assert (rb.reviewer, rb.reviews_new, rb.answers, rb.history) == ("陈立新", 4, 32, 36)
    assert ra.conflicts == 2 and result.conflicts == 2  # CX-02 扣 20 分; ZT-01 否决
    rows = dump(c)
    assert len(rows["review"]) == 9 and len(rows["answer"]) == 72 and len(rows["answer_history"]) == 81
    logged = {r[2]: r for r in rows["merge_log"]}  # checksum → row
    for p in (a, b):
        assert hashlib.sha256(p.read_bytes()).hexdigest() in logged
    # Merged rows are the package's rows, unchanged.
    assert set(dump(a)["answer"]) <= set(rows["answer"]) and set(dump(b)["answer_history"]) <= set(rows["answer_history"])


@pytest.mark.parametrize("fast", [True, False], ids=["attach", "sqlalchemy"])
def test_merging_twice_changes_nothing_not_even_merge_log(world, fast):
    c, a, b = world / "c.db", world / "a.db", world / "b.db"
    do_merge(c, [a, b], fast=fast)
    once = dump(c)
    again = do_merge(c, [a, b], fast=fast)
    assert dump(c) == once
    for p in again.packages:
        assert (p.reviews_new, p.reviews_updated, p.reviews_unchanged, p.history, p.logged) == (0, 0, p.reviews_unchanged, 0, False)
    assert again.packages[0].reviews_unchanged == 5
    do_merge(c, [a, a, b, b], fast=fast)  # the same package twice in one list
    assert dump(c) == once


def test_order_does_not_matter(world, tmp_path):
    c, a, b = world / "c.db", world / "a.db", world / "b.db"
    c2 = world.copy_campaign("c2.db")
    c3 = world.copy_campaign("c3.db")
    do_merge(c, [a, b])
    do_merge(c2, [b, a])
    do_merge(c3, [b])
    do_merge(c3, [a])
    assert dump(c, ("merge_log",)) == dump(c2, ("merge_log",)) == dump(c3, ("merge_log",))


def test_attach_and_sqlalchemy_paths_give_the_same_database(world, tmp_path):
    c, a, b = world / "c.db", world / "a.db", world / "b.db"
    c2 = world.copy_campaign("c2.db")
    r1 = do_merge(c, [a, b], fast=True)
    r2 = do_merge(c2, [a, b], fast=False)
    assert dump(c, ("merge_log",)) == dump(c2, ("merge_log",))
    assert [p.summary() for p in r1.packages] == [p.summary() for p in r2.packages]


def test_newer_revision_wins_and_stale_never_overwrites(world, tmp_path):
    c, a = world / "c.db", world / "a.db"
    old = tmp_path / "a_old.db"
    shutil.copy(a, old)
    # 王敏 reopens file 2 and changes WS-01 to 扣 3 分: a newer revision of the same review.
    change_answer(a, 2, "WS-01", StoredAnswer("WS-01", "扣分", 3.0, note="文书编号不规范"))
    c2 = world.copy_campaign("c2.db")

    first = do_merge(c, [old])
    assert first.packages[0].reviews_new == 5
    second = do_merge(c, [a])
    assert (second.packages[0].reviews_updated, second.packages[0].reviews_unchanged) == (1, 4)
    third = do_merge(c, [old])  # the stale package again: nothing of it may win
    assert (third.packages[0].reviews_stale, third.packages[0].reviews_updated, third.packages[0].reviews_new) == (1, 0, 0)

    do_merge(c2, [a, old])  # newest first, in one run
    assert dump(c, ("merge_log",)) == dump(c2, ("merge_log",))
    with connect(c) as con:
        rev, status, score = con.execute(
            "SELECT r.revision, r.status, r.score FROM review r JOIN answer a ON a.review_id = r.id "
            "WHERE a.item_id = 'WS-01' AND a.verdict = '扣分'").fetchone()
    assert status == "reopened" and score == 97.0 and rev > 9


def test_newer_revision_replaces_the_whole_answer_set(world, tmp_path):
    c, a = world / "c.db", world / "a.db"
    do_merge(c, [a])
    # In the package, take an answer back: the newer review has 7 answers, not 8.
    db = open_database(a)
    me = resolve_reviewer(db, None)
    row = list_assigned(db, me.id)[4]
    state = open_review(db, row.case_id, me.id)
    from anjuan.review.reviewing import reopen_review

    reopen_review(db, state.review_id, me.id, "重新核对")
    clear_answer(db, state.review_id, me.id, "WS-02")
    db.close()
    do_merge(c, [a])
    assert sorted(dump(a)["answer"]) == sorted(r for r in dump(c)["answer"] if r[1] in {x[0] for x in dump(a)["review"]})
    with connect(c) as con:
        n = con.execute("SELECT count(*) FROM answer WHERE review_id = ?", (state.review_id,)).fetchone()[0]
        actions = [r[0] for r in con.execute("SELECT action FROM answer_history WHERE review_id = ? ORDER BY at", (state.review_id,))]
    assert n == 7 and actions[-2:] == ["reopen", "clear"]


def test_same_file_reviewed_in_two_packages_keeps_the_newer_review_in_any_order(tmp_path):
    c = build_campaign(tmp_path)
    p1 = make_package(c, "王敏", tmp_path / "p1.db")
    p2 = make_package(c, "王敏", tmp_path / "p2.db")  # issued again before p1 came back
    answer_files(p1, files=[0], submit=False)
    answer_files(p2, {0: {"CX-01": 5}}, files=[0])  # more changes: submitted → higher revision
    c2 = tmp_path / "c2.db"
    shutil.copy(c, c2)
    shutil.copy(c, tmp_path / "c2.db.orig")
    r1 = do_merge(c, [p1, p2])
    do_merge(c2, [p2])
    r2 = do_merge(c2, [p1])
    assert dump(c, ("merge_log",)) == dump(c2, ("merge_log",))
    assert (r1.packages[0].reviews_stale, r1.packages[1].reviews_new) == (1, 1)
    assert r2.packages[0].reviews_stale == 1
    with sqlite3.connect(c) as con:
        assert con.execute("SELECT count(*), max(status) FROM review").fetchone() == (1, "submitted")
        # History of both versions is kept (append-only).
        assert con.execute("SELECT count(DISTINCT review_id) FROM answer_history").fetchone()[0] == 2
    # Merged one by one, p1 first: p2's review replaces p1's (another id) — the same result.
    c3 = tmp_path / "c3.db"
    shutil.copy(tmp_path / "c2.db.orig", c3)
    do_merge(c3, [p1])
    r3 = do_merge(c3, [p2])
    assert (r3.packages[0].reviews_updated, r3.packages[0].reviews_replaced) == (1, 1)
    assert dump(c, ("merge_log",)) == dump(c3, ("merge_log",))


def test_dry_run_reports_but_writes_nothing(world):
    c, a, b = world / "c.db", world / "a.db", world / "b.db"
    before = file_state(c)
    result = do_merge(c, [a, b], dry_run=True)
    assert result.dry_run and result.packages[0].reviews_new == 5 and result.conflicts == 2
    assert file_state(c) == before


def test_pack_answer_merge_repack_keeps_the_reviewers_work(tmp_path):
    c = build_campaign(tmp_path)
    p1 = make_package(c, "王敏", tmp_path / "王敏.db")
    answer_files(p1, {0: {"CX-02": 20}}, files=[0])
    answer_files(p1, files=[1], submit=False)
    do_merge(c, [p1])
    p2 = make_package(c, "王敏", tmp_path / "王敏2.db")
    d1, d2 = dump(p1), dump(p2)
    for t in ("review", "answer", "answer_history"):
        assert d1[t] == d2[t], t
    db = open_database(p2)
    me = resolve_reviewer(db, None)
    statuses = [r.status for r in list_assigned(db, me.id)]
    db.close()
    assert statuses[:2] == ["已提交", "评查中"]
    # Work goes on in the new package and comes back; the old package cannot undo it.
    answer_files(p2, files=[1, 2])
    do_merge(c, [p2])
    after = dump(c, ("merge_log",))
    r = do_merge(c, [p1])
    assert r.packages[0].reviews_stale == 1 and dump(c, ("merge_log",)) == after


# ---- refusals: nothing written ----------------------------------------------------------------------

def _tamper(path: Path, *sql: str) -> Path:
    con = sqlite3.connect(path)
    with con:
        for q in sql:
            con.execute(q)
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()
    return path


def _other_campaign(tmp_path: Path) -> Path:
    d = tmp_path / "other"
    d.mkdir()
    c = build_campaign(d)
    return make_package(c, "王敏", d / "王敏.db")


def _wrong_standard(world: Path) -> Path:
    from anjuan.campaign import builtin_standard_text
    from scoring import sha256_text

    text = builtin_standard_text()
    sha = sha256_text(text)
    p = world / "a.db"
    con = sqlite3.connect(p)
    with con:
        con.execute("INSERT INTO standard (sha256, std_id, name, version, toml_text, added_at) VALUES (?, 'x', 'x', '1', ?, '')",
                    (sha, text))
        con.execute("UPDATE campaign SET standard_sha = ?", (sha,))
    con.close()
    return p


def _unassigned(world: Path) -> Path:
    """The lead took file 0 away from 王敏 after the package was made."""
    c = world / "c.db"
    wang = reviewer_id(c, "王敏")
    db = open_database(c)
    with db.session() as s:
        rows = s.execute(select(m.Assignment.case_id).where(m.Assignment.reviewer_id == wang)).all()
        pkg_cases = {r[0] for r in sqlite3.connect(world / "a.db").execute("SELECT case_id FROM review")}
        case_id = next(cid for (cid,) in rows if cid in pkg_cases)
        s.execute(delete(m.Assignment.__table__).where((m.Assignment.case_id == case_id) & (m.Assignment.reviewer_id == wang)))
    db.close()
    return world / "a.db"


def _other_reviewer(world: Path) -> Path:
    chen = reviewer_id(world / "c.db", "陈立新")
    return _tamper(world / "a.db", f"UPDATE meta SET value = '{chen}' WHERE key = 'package_reviewer_id'")


def _not_sqlite(world: Path) -> Path:
    p = world / "notes.db"
    p.write_text("这不是数据库", encoding="utf-8")
    return p


def _sqlite_not_anjuan(world: Path) -> Path:
    p = world / "other.db"
    con = sqlite3.connect(p)
    con.execute("CREATE TABLE t (x)")
    con.close()
    return p


def _campaign_as_package(world: Path) -> Path:
    p = world / "copy.db"
    shutil.copy(world.sqlite_campaign, p)  # the campaign file (on PostgreSQL: the file it was copied from)
    return p


def _orphan_answers(world: Path) -> Path:
    return _tamper(world / "a.db", "UPDATE answer SET review_id = 'nope' WHERE rowid IN (SELECT rowid FROM answer LIMIT 2)")


REFUSALS = {
    "not_sqlite": (_not_sqlite, "不是 anjuan 数据包"),
    "sqlite_not_anjuan": (_sqlite_not_anjuan, "不是 anjuan 数据包"),
    "campaign_as_package": (_campaign_as_package, "是评查活动数据库，不是评查人员数据包"),
    "other_campaign": (None, "属于另一项评查活动"),
    "other_standard": (_wrong_standard, "评查标准与本次评查活动不同"),
    "unassigned_file": (_unassigned, "未分配给“王敏”"),
    "reviews_of_someone_else": (_other_reviewer, "冒用他人身份"),
    "orphan_answers": (_orphan_answers, "不属于数据包中的任何评查记录"),
}


@pytest.mark.parametrize("fast", [True, False], ids=["attach", "sqlalchemy"])
@pytest.mark.parametrize("case", list(REFUSALS))
def test_refused_package_leaves_campaign_byte_for_byte_unchanged(world, tmp_path, case, fast):
    make, expected = REFUSALS[case]
    c = world / "c.db"
    bad = _other_campaign(tmp_path) if make is None else make(world)
    before = file_state(c)
    with pytest.raises(MergeRefused) as err:
        do_merge(c, [world / "b.db", bad], fast=fast)  # one bad package stops the whole merge
    assert expected in err.value.message and "\n" not in err.value.message
    assert "未合并任何数据" in err.value.message
    assert file_state(c) == before


def test_skip_bad_merges_the_good_ones_and_lists_the_bad(world, tmp_path):
    c, b = world / "c.db", world / "b.db"
    bad1, bad2 = _other_campaign(tmp_path), _not_sqlite(world)
    with pytest.raises(MergeRefused) as err:
        do_merge(c, [bad1, b, bad2])
    assert "有 2 个数据包不能合并" in err.value.message and len(err.value.details) == 2
    result = do_merge(c, [bad1, b, bad2], skip_bad=True)
    assert [p.ok for p in result.packages] == [False, True, False]
    assert result.merged[0].reviews_new == 4
    assert "属于另一项评查活动" in result.skipped[0].error
    assert len(dump(c)["merge_log"]) == 1


def test_package_is_never_written_to(world):
    a = world / "a.db"
    before = a.read_bytes()
    do_merge(world / "c.db", [a], fast=True)
    do_merge(world / "c.db", [a], fast=False)
    assert a.read_bytes() == before
    assert not a.with_name("a.db-wal").exists() and not a.with_name("a.db-shm").exists()


# ---- interrupted merge ------------------------------------------------------------------------------

def _run_and_kill(args: list[str], cwd: Path) -> None:
    env = dict(os.environ, **{PAUSE_ENV: "60"}, PYTHONPATH=str(ROOT))
    proc = subprocess.Popen([sys.executable, "-m", "anjuan", *args], cwd=cwd, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        line = ""
        while time.monotonic() < deadline:
            line = proc.stderr.readline()
            if PAUSE_MARK in line or not line:
                break
        assert PAUSE_MARK in line, "merge did not reach the pause point"
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(timeout=30)
        proc.stderr.close()
    assert proc.returncode == -signal.SIGKILL


def test_merge_killed_mid_transaction_leaves_campaign_unchanged(world):
    c = world / "c.db"
    before_bytes = file_state(c)
    before = dump(c)
    _run_and_kill(["merge", str(c), "a.db", "b.db"], world)
    assert dump(c) == before  # what any reader sees: the uncommitted merge is not there
    db = open_database(c)  # recovery, then a checkpoint on close
    db.close()
    assert file_state(c) == before_bytes
    # And the merge can simply be run again.
    result = do_merge(c, [world / "a.db", world / "b.db"])
    assert result.packages[0].reviews_new == 5


# ---- CLI --------------------------------------------------------------------------------------------

def run(*args, cwd: Path):
    return run_anjuan(*args, cwd=cwd)


def test_cli_merge_json_and_exit_codes(world, tmp_path):
    import json

    C = str(world / "c.db")
    r = run("merge", C, "a.db", "b.db", "--json", cwd=world)
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    assert [p["reviews"]["new"] for p in data["packages"]] == [5, 4] and data["conflicts"] == 2
    r = run("merge", C, "a.db", cwd=world)
    assert r.returncode == 0 and "已合并 1 个数据包" in r.stdout

    before = file_state(world / "c.db")
    for args in ((C, C), ("a.db", "b.db"), (C, "missing.db"), (C, str(_other_campaign(tmp_path)))):
        r = run("merge", *args, cwd=world)
        assert r.returncode == 1, (args, r.stdout)
        lines = r.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("错误：") and "Traceback" not in r.stderr, r.stderr
    assert file_state(world / "c.db") == before

    r = run("merge", C, "a.db", str(_not_sqlite(world)), "--skip-bad", cwd=world)
    assert r.returncode == 0 and "未合并" in r.stdout and "notes.db" in r.stdout
    r = run("merge", C, "a.db", "--dry-run", cwd=world)
    assert r.returncode == 0 and "试运行" in r.stdout


def test_pack_refuses_nothing_new_after_merge(world):
    """Repacking from the merged campaign works for both reviewers (pack copies merged reviews)."""
    c = world / "c.db"
    do_merge(c, [world / "a.db", world / "b.db"])
    db = open_database(c)
    try:
        res = pack(db, "陈立新", world / "陈立新2.db")
    finally:
        db.close()
    assert (res.reviews, res.answers) == (4, 32)


# ---- PostgreSQL campaign (the SQLAlchemy path) -------------------------------------------------------

def pg_dump(url: str, exclude: tuple[str, ...] = ()) -> dict[str, list]:
    db = open_database(url)
    try:
        with db.session() as s:
            return {t.name: sorted((tuple(r) for r in s.execute(select(t))), key=repr)
                    for t in m.SQLModel.metadata.sorted_tables if t.name not in exclude}
    finally:
        db.engine.dispose()


@pytest.mark.postgres
def test_merge_into_a_postgres_campaign(pg_url, tmp_path):
    from anjuan.lead.conflicts import agreement_summary, list_conflicts, settle

    c = build_campaign(tmp_path, target=pg_url)
    a = make_package(c, "王敏", tmp_path / "a.db")
    b = make_package(c, "陈立新", tmp_path / "b.db")
    answer_files(a, {0: {"CX-02": 20}})
    answer_files(b)
    result = do_merge(c, [a, b])
    assert [p.reviews_new for p in result.packages] == [5, 5] and result.conflicts == 1
    once = pg_dump(c)
    do_merge(c, [b, a])
    assert pg_dump(c) == once
    with pytest.raises(MergeRefused, match="属于另一项评查活动"):
        do_merge(c, [a, _other_campaign(tmp_path)])
    assert pg_dump(c) == once
    db = open_database(c)
    try:
        (conflict,) = list_conflicts(db)
        lead = reviewer_id(c, "李卫东")
        settle(db, conflict.case_id, lead, {"CX-02": ("a", None)}, "采纳王敏意见")
        assert list_conflicts(db) == [] and agreement_summary(db)["files"] == 5
    finally:
        db.engine.dispose()


@pytest.mark.parametrize("fast", [True, False], ids=["attach", "sqlalchemy"])
def test_package_copied_with_its_wal_file_is_read_whole(world, tmp_path, fast):
    """A package copied while still open (its latest answers only in the -wal file) merges completely."""
    from anjuan.review.reviewing import save_answer

    src = tmp_path / "open"
    src.mkdir()
    shutil.copy(world / "b.db", src / "b.db")
    db = open_database(src / "b.db")
    me = resolve_reviewer(db, None)
    row = list_assigned(db, me.id)[4]  # the one file 陈立新 had not answered yet
    state = open_review(db, row.case_id, me.id)
    save_answer(db, state.review_id, me.id, StoredAnswer("ZT-02", "扣分", 4.0, note="未出示执法证件"))
    wal = src / "b.db-wal"
    assert wal.stat().st_size > 0
    copy = tmp_path / "copy"
    copy.mkdir()
    shutil.copy(src / "b.db", copy / "b.db")
    shutil.copy(wal, copy / "b.db-wal")
    db.engine.dispose()
    h = hashlib.sha256((copy / "b.db").read_bytes() + (copy / "b.db-wal").read_bytes()).hexdigest()
    result = do_merge(world / "c.db", [copy / "b.db"], fast=fast)
    assert (result.packages[0].reviews_new, result.packages[0].checksum) == (5, h)
    with connect(world / "c.db") as con:
        assert con.execute("SELECT verdict, deducted FROM answer WHERE review_id = ?", (state.review_id,)).fetchall() == [("扣分", 4.0)]


@pytest.mark.parametrize("backend", [pytest.param("postgres", marks=pytest.mark.postgres)])
def test_server_refuses_a_package_whose_values_do_not_fit_the_columns(world, backend):
    """A damaged or forged package with text in a number column is refused on its own (on the
    server its COPY is rolled back to a savepoint), never an internal error or a half merge."""
    c = world / "c.db"
    bad = _tamper(world / "a.db", "UPDATE answer SET deducted = 'abc' WHERE rowid IN (SELECT rowid FROM answer LIMIT 1)")
    before = dump(c)
    with pytest.raises(MergeRefused) as err:
        do_merge(c, [world / "b.db", bad])
    # caught by the row checks (anjuan.integrity) before anything is sent to the server
    assert "a.db" in err.value.message and "“abc”不是数字" in err.value.message and "未合并任何数据" in err.value.message
    assert dump(c) == before
    result = do_merge(c, [world / "b.db", bad], skip_bad=True)
    assert [p.ok for p in result.packages] == [True, False] and result.packages[0].reviews_new == 4
