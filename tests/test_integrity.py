"""Forged and stale packages (issue 9): every forgery is built with the stdlib sqlite3 module, as an
attacker editing a package would, and must be refused with one line naming the package, the row
and what is wrong — and the campaign file must stay byte for byte as it was."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest
from anjuan_cli import run_anjuan

from anjuan.db import open_database
from anjuan.lead.merge import MergeRefused, merge
from anjuan.review.reviewing import (
    StoredAnswer,
    list_assigned,
    open_review,
    reopen_review,
    resolve_reviewer,
)
from tests.merge_fixtures import (
    answer_files,
    build_campaign,
    change_answer,
    file_state,
    make_package,
    reviewer_id,
)


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    """c.db with a.db (王敏, 5 files submitted, file 0 扣 20, file 1 否决) and b.db (陈立新, 4 of 5 submitted)."""
    d = tmp_path_factory.mktemp("integrity_template")
    c = build_campaign(d)
    a = make_package(c, "王敏", d / "a.db")
    b = make_package(c, "陈立新", d / "b.db")
    answer_files(a, {0: {"CX-02": 20}, 1: {"ZT-01": "否决"}})
    answer_files(b, {3: {"WS-02": 5}}, files=[0, 1, 2, 3])
    return d


@pytest.fixture
def world(template, tmp_path):
    for p in template.glob("*.db"):
        shutil.copy(p, tmp_path / p.name)
    return tmp_path


def do_merge(campaign: Path, packages, **kw):
    db = open_database(campaign)
    try:
        return merge(db, [str(p) for p in packages], **kw)
    finally:
        db.close()


def sql(path: Path, *statements: str, params: tuple = ()) -> Path:
    con = sqlite3.connect(path)
    with con:
        for q in statements:
            con.execute(q, params) if params and "?" in q else con.execute(q)
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()
    return path


# One review of 王敏's package: the first file (CX-02 扣 20 分, submitted).
FIRST = "(SELECT id FROM review ORDER BY (SELECT case_no FROM case_file WHERE case_file.id = review.case_id) LIMIT 1)"


def _is_final(value):
    def make(world: Path) -> Path:
        return sql(world / "a.db", f"UPDATE review SET is_final = {value} WHERE id = {FIRST}")
    return make


def _impersonate(world: Path) -> Path:
    """王敏's package rewritten to claim 陈立新 (his id is in his own package's meta)."""
    chen = reviewer_id(world / "c.db", "陈立新")
    wang = reviewer_id(world / "c.db", "王敏")
    return sql(world / "a.db",
               f"UPDATE meta SET value = '{chen}' WHERE key = 'package_reviewer_id'",
               f"UPDATE review SET reviewer_id = '{chen}', revision = 1000000",
               f"UPDATE answer_history SET actor_id = '{chen}' WHERE actor_id = '{wang}'",
               f"INSERT OR IGNORE INTO reviewer (id, name, agency_id, unit, role, created_at) "
               f"VALUES ('{chen}', '陈立新', NULL, '', 'reviewer', '')")


def _all_pass(world: Path) -> Path:
    """Deductions removed from submitted reviews, scores 'recomputed' by hand, no history."""
    return sql(world / "a.db", "UPDATE answer SET verdict = '符合', deducted = 0",
               "UPDATE review SET score = 100, grade = '优秀', vetoed = 0")


def _all_pass_no_history(world: Path) -> Path:
    _all_pass(world)
    return sql(world / "a.db", "DELETE FROM answer_history", "UPDATE review SET history_hash = ''")


def _answers_deleted(world: Path) -> Path:
    return sql(world / "a.db", f"DELETE FROM answer WHERE review_id = {FIRST}",
               f"UPDATE review SET score = 100, grade = '优秀' WHERE id = {FIRST}")


def _score_matches_other(world: Path) -> Path:
    return sql(world / "a.db", f"UPDATE review SET score = 100, grade = '优秀' WHERE id = {FIRST}")


def _answer(column: str, value: str, where: str = "item_id = 'CX-02'"):
    def make(world: Path) -> Path:
        return sql(world / "a.db", f"UPDATE answer SET {column} = {value} WHERE review_id = {FIRST} AND {where}")
    return make


def _review(column: str, value: str):
    def make(world: Path) -> Path:
        return sql(world / "a.db", f"UPDATE review SET {column} = {value} WHERE id = {FIRST}")
    return make


def _note_only(world: Path) -> Path:
    """A change no rule forbids, made outside anjuan: the seal no longer matches."""
    return sql(world / "a.db", f"UPDATE review SET note = '已核' WHERE id = {FIRST}")


def _lead_row(world: Path) -> Path:
    """A forged lead's reopen appended to the package's history (lead-only data)."""
    lead = reviewer_id(world / "c.db", "李卫东")
    return sql(world / "a.db",
               f"UPDATE answer_history SET actor_id = '{lead}' WHERE review_id = {FIRST} AND action = 'submit'")


def _no_secret(world: Path) -> Path:
    return sql(world / "a.db", "DELETE FROM meta WHERE key IN ('package_secret', 'package_mac')")


def _other_secret(world: Path) -> Path:
    return sql(world / "a.db", "UPDATE meta SET value = 'x' || value WHERE key = 'package_secret'")


def _assignment_added(world: Path) -> Path:
    """An assignment (to someone else) added to the package: lead-only data."""
    chen = reviewer_id(world / "c.db", "陈立新")
    return sql(world / "a.db", "INSERT INTO assignment (id, case_id, reviewer_id, slot, seed, assigned_at) "
                               f"SELECT 'forged-assignment', case_id, '{chen}', 3, 'x', '' FROM assignment LIMIT 1")


def _assignment_other(world: Path) -> Path:
    chen = reviewer_id(world / "c.db", "陈立新")
    return sql(world / "a.db", f"UPDATE assignment SET reviewer_id = '{chen}' WHERE rowid = (SELECT min(rowid) FROM assignment)")


FORGERIES = {
    "is_final_2": (_is_final(2), "“合议结果”标记为“2”"),
    "is_final_yes": (_is_final("'yes'"), "“合议结果”标记为“yes”"),
    "impersonation": (_impersonate, "冒用他人身份"),
    "submitted_rewritten": (_all_pass, "答案与修改记录的重放结果不一致"),
    "history_deleted": (_all_pass_no_history, "重放结果不一致"),
    "answers_deleted": (_answers_deleted, "答案与修改记录的重放结果不一致"),
    "score_forged": (_score_matches_other, "与按答案重新计算的结果"),
    "unknown_item": (_answer("item_id", "'ZZ-99'"), "评查标准中没有条目 ZZ-99"),
    "veto_on_plain_item": (_answer("verdict", "'否决'"), "不是否决项"),
    "deducted_999": (_answer("deducted", "999"), "超过条目 CX-02 的分值"),
    "deducted_negative": (_answer("deducted", "-5"), "扣分应为大于 0 的数"),
    "verdict_garbage": (_answer("verdict", "'garbage'"), "结论“garbage”无效"),
    "occurrences_zero": (_answer("occurrences", "0"), "次数“0”无效"),
    "score_negative": (_review("score", "-50"), "与按答案重新计算的结果"),
    "grade_script": (_review("grade", "'优秀<script>'"), "与按答案重新计算的结果"),
    "revision_text": (_review("revision", "'zzz'"), "修订号“zzz”不是非负整数"),
    "revision_huge": (_review("revision", "1000000"), "修订号 1000000 与修改记录条数"),
    "settled_from": (_review("settled_from", "'{}'"), "含有合议信息"),
    "seal_broken": (_note_only, "内容校验值不符"),
    "lead_history_row": (_lead_row, "修改记录"),
    "assignment_added": (_assignment_added, "分配记录被改动过"),
    "assignment_of_other": (_assignment_other, "分配记录被改动过"),
    "no_secret": (_no_secret, "没有签发凭据"),
    "wrong_secret": (_other_secret, "签发凭据与评查活动记录的不符"),
}


@pytest.mark.parametrize("fast", [True, False], ids=["attach", "sqlalchemy"])
@pytest.mark.parametrize("case", list(FORGERIES))
def test_forged_package_is_refused_and_campaign_unchanged(world, case, fast):
    make, expected = FORGERIES[case]
    c = world / "c.db"
    bad = make(world)
    before = file_state(c)
    with pytest.raises(MergeRefused) as err:
        do_merge(c, [world / "b.db", bad], fast=fast)
    message = err.value.message
    assert expected in message, message
    assert "\n" not in message and message.startswith("a.db")
    assert file_state(c) == before


@pytest.mark.parametrize("case", ["submitted_rewritten", "history_deleted", "score_forged", "answers_deleted"])
def test_forging_already_merged_submitted_reviews_is_refused(world, case):
    """The package was merged; then its submitted reviews are rewritten without a reopen."""
    c = world / "c.db"
    do_merge(c, [world / "a.db"])
    make, expected = FORGERIES[case]
    make(world)
    before = file_state(c)
    with pytest.raises(MergeRefused) as err:
        do_merge(c, [world / "a.db"])
    assert expected in err.value.message
    assert file_state(c) == before


def test_forgery_hidden_in_a_wal_file_is_refused(world, tmp_path):
    """An intact package file with a -wal file beside it that holds the forged rows."""
    c, a = world / "c.db", world / "a.db"
    do_merge(c, [a])
    work = tmp_path / "work"
    work.mkdir()
    shutil.copy(a, work / "a.db")
    con = sqlite3.connect(work / "a.db")
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA wal_autocheckpoint=0")
    with con:
        con.execute("UPDATE answer SET verdict = '符合', deducted = 0")
        con.execute("UPDATE review SET score = 100, grade = '优秀', vetoed = 0")
    hidden = tmp_path / "hidden"
    hidden.mkdir()
    shutil.copy(a, hidden / "a.db")  # the intact main file
    shutil.copy(work / "a.db-wal", hidden / "a.db-wal")  # the forged changes
    con.close()
    before = file_state(c)
    with pytest.raises(MergeRefused) as err:
        do_merge(c, [hidden / "a.db"])
    assert "重放结果不一致" in err.value.message
    assert file_state(c) == before


def test_a_package_that_misses_the_leads_reopen_is_refused(world):
    """The lead sends a merged file back (退回重评); the reviewer keeps working in the old package,
    reopening and changing it there: a higher revision, but built on an older state."""
    c, a = world / "c.db", world / "a.db"
    do_merge(c, [a])
    db = open_database(c)
    try:
        wang = resolve_reviewer(db, "王敏")
        lead = resolve_reviewer(db, "李卫东")
        row = list_assigned(db, wang.id)[0]
        state = open_review(db, row.case_id, wang.id)
        reopen_review(db, state.review_id, lead.id, "扣分依据不足，请重新核对")
    finally:
        db.close()
    change_answer(a, 0, "CX-02", StoredAnswer("CX-02", "符合"), reopen_reason="自行修改")
    change_answer(a, 0, "CX-01", StoredAnswer("CX-01", "符合"))
    before = file_state(c)
    with pytest.raises(MergeRefused) as err:
        do_merge(c, [a])
    assert "请组长重新生成数据包" in err.value.message and "a.db" in err.value.message
    assert file_state(c) == before
    # A package issued after the reopen carries the lead's row and merges.
    fresh = make_package(c, "王敏", world / "a2.db")
    change_answer(fresh, 0, "CX-02", StoredAnswer("CX-02", "扣分", 10.0, note="依据不足部分不扣"))
    result = do_merge(c, [fresh])
    assert result.packages[0].reviews_updated == 1


def test_genuine_packages_still_merge_twice_and_in_any_order(world, tmp_path):
    c, a, b = world / "c.db", world / "a.db", world / "b.db"
    c2 = tmp_path / "c2.db"
    shutil.copy(c, c2)
    first = do_merge(c, [a, b])
    assert first.packages[0].reviews_new == 5 and first.packages[1].reviews_new == 4
    again = do_merge(c, [a, b])
    assert all(p.reviews_unchanged and not p.changed for p in again.packages)
    do_merge(c2, [b])
    do_merge(c2, [a])
    con1, con2 = sqlite3.connect(c), sqlite3.connect(c2)
    q = "SELECT id, revision, score, history_hash FROM review ORDER BY id"
    assert con1.execute(q).fetchall() == con2.execute(q).fetchall()
    con1.close()
    con2.close()


def test_migrated_campaign_gets_its_history_chained(tmp_path):
    """A campaign from before the chain: history rows without seq/hash are chained on open."""
    c = build_campaign(tmp_path)
    a = make_package(c, "王敏", tmp_path / "a.db")
    answer_files(a, files=[0])
    do_merge(c, [a])
    con = sqlite3.connect(c)
    with con:
        con.execute("UPDATE answer_history SET seq = NULL, hash = ''")
        con.execute("UPDATE review SET history_hash = ''")
        con.execute("DROP INDEX IF EXISTS uq_answer_history_chain")
        con.execute("UPDATE meta SET value = '1' WHERE key = 'schema_version'")
    con.close()
    from anjuan.integrity.report import verify_target

    report = verify_target(str(c))
    assert report.ok, report.lines()


def test_verify_command_lists_what_is_wrong_row_by_row(world):

    def verify(path: Path):
        return run_anjuan("verify", path)

    r = verify(world / "a.db")
    assert r.returncode == 0 and "检查通过" in r.stdout, r.stdout + r.stderr
    do_merge(world / "c.db", [world / "a.db", world / "b.db"])
    assert verify(world / "c.db").returncode == 0
    _answer("deducted", "999")(world)
    r = verify(world / "a.db")
    assert r.returncode == 1
    assert "评查记录 交通罚〔2024〕1号（县交通运输局，王敏）：条目 CX-02：扣分 999 超过条目 CX-02 的分值 20" in r.stdout
    assert "答案与修改记录的重放结果不一致（条目 CX-02）" in r.stdout


def test_migration_from_version_1_on_postgres(tmp_path, request):
    """A PostgreSQL campaign of schema version 1 (no chain columns, no package_issue) opens, migrates
    and verifies clean."""
    from sqlalchemy import text

    url = build_campaign(tmp_path, target=request.getfixturevalue("pg_url"))
    db = open_database(url)
    from anjuan.review.reviewing import save_answer

    me = resolve_reviewer(db, "王敏")
    row = list_assigned(db, me.id)[0]
    state = open_review(db, row.case_id, me.id)
    for item in ("ZT-01", "ZT-02", "CX-01"):
        state = save_answer(db, state.review_id, me.id, StoredAnswer(item, "符合"))
    with db.session() as s:
        for stmt in ("ALTER TABLE answer_history DROP COLUMN seq", "ALTER TABLE answer_history DROP COLUMN hash",
                     "ALTER TABLE review DROP COLUMN history_hash", "ALTER TABLE review DROP COLUMN settled_from",
                     "DROP TABLE package_issue", "UPDATE meta SET value = '1' WHERE key = 'schema_version'"):
            s.execute(text(stmt))
    db.engine.dispose()
    from anjuan.integrity.report import verify_target

    report = verify_target(url)
    assert report.ok and report.history == 3, report.problems



def test_a_package_filled_by_answers_import_merges(tmp_path):
    """Answers imported into a package are chained and sealed like answers typed on the screens."""
    from anjuan.review.answers_io import import_answers

    c = build_campaign(tmp_path)
    a = make_package(c, "王敏", tmp_path / "a.db")
    db = open_database(a)
    try:
        me = resolve_reviewer(db, None)
        rows = list_assigned(db, me.id)[:2]
        from anjuan.campaign import campaign_info

        items = campaign_info(db).standard.items_for(rows[0].kind)
    finally:
        db.close()
    sheet = tmp_path / "sheet.csv"
    lines = ["案号,执法机关,条目编号,结论,扣分,问题描述,卷内页码"]
    for r in rows:
        for item in items:
            verdict, ded = ("扣分", "5") if item.id == "CX-01" else ("符合", "")
            lines.append(f"{r.case_no},{r.agency},{item.id},{verdict},{ded},,")
    sheet.write_text("\n".join(lines) + "\n", encoding="utf-8-sig")
    db = open_database(a)
    try:
        import_answers(db, sheet, None, submit=True)
    finally:
        db.close()
    from anjuan.integrity.report import verify_target

    assert verify_target(str(a)).ok
    result = do_merge(c, [a])
    assert result.packages[0].reviews_new == 2 and result.packages[0].answers == 2 * len(items)


def test_a_resealed_package_reusing_a_history_row_id_is_refused(world):
    """An attacker who knows the algorithm and re-seals the package with its own secret still cannot
    slip in a history row under an id the campaign holds for another row (here: one of 陈立新's)."""
    from sqlalchemy import create_engine

    from anjuan.integrity.chain import row_hash
    from anjuan.integrity.seal import package_mac, raw_reviews

    c, a = world / "c.db", world / "a.db"
    do_merge(c, [a, world / "b.db"])
    chen = reviewer_id(c, "陈立新")
    con = sqlite3.connect(c)
    stolen = con.execute("SELECT id FROM answer_history WHERE actor_id = ? LIMIT 1", (chen,)).fetchone()[0]
    con.close()
    con = sqlite3.connect(a)
    rid, head, rev = con.execute(f"SELECT id, history_hash, revision FROM review WHERE id = {FIRST}").fetchone()
    seq, actor = con.execute("SELECT max(seq), max(actor_id) FROM answer_history WHERE review_id = ?", (rid,)).fetchone()
    row = {"id": stolen, "review_id": rid, "item_id": None, "actor_id": actor, "at": "2099-01-01T00:00:00.000000Z",
           "action": "reopen", "old": '{"status": "submitted"}', "new": '{"status": "reopened"}', "reason": "自行修改",
           "seq": seq + 1}
    row["hash"] = row_hash(head, row)
    with con:
        con.execute("INSERT INTO answer_history (id, review_id, item_id, actor_id, at, action, old, new, reason, seq, hash) "
                    "VALUES (:id, :review_id, :item_id, :actor_id, :at, :action, :old, :new, :reason, :seq, :hash)", row)
        con.execute("UPDATE review SET status = 'reopened', submitted_at = NULL, revision = ?, history_hash = ? WHERE id = ?",
                    (rev + 1, row["hash"], rid))
        meta = dict(con.execute("SELECT key, value FROM meta").fetchall())
    engine = create_engine(f"sqlite:///{a}")
    with engine.connect() as sa:
        mac = package_mac(meta["package_secret"], meta["package_id"], meta["package_reviewer_id"], meta["campaign_id"],
                          raw_reviews(sa))
    engine.dispose()
    with con:
        con.execute("UPDATE meta SET value = ? WHERE key = 'package_mac'", (mac,))
    con.close()
    before = file_state(c)
    with pytest.raises(MergeRefused) as err:
        do_merge(c, [a])
    assert "a.db" in err.value.message and "编号相同但内容不同" in err.value.message
    assert file_state(c) == before


def test_a_package_from_before_the_upgrade_is_refused_with_advice(world):
    """Schema version 1 packages carry no secret (see README): refused, with what to do instead."""
    a = sql(world / "a.db", "UPDATE meta SET value = '1' WHERE key = 'schema_version'")
    before = file_state(world / "c.db")
    with pytest.raises(MergeRefused) as err:
        do_merge(world / "c.db", [a])
    assert "由旧版本 anjuan 生成" in err.value.message and "anjuan pack" in err.value.message
    assert "answers export" in err.value.message
    assert file_state(world / "c.db") == before
