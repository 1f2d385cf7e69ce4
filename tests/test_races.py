"""Two sessions writing the same review at once (issue 9), on SQLite and on PostgreSQL (when
the tests' PostgreSQL server, tests/pgserver.py): no lost revision, a consistent hash-chained history, stale writes
refused, and nothing saved into a review after it was submitted."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from anjuan.campaign import campaign_info
from anjuan.db import open_database
from anjuan.errors import StaleRevisionError, WorkflowError
from anjuan.integrity.report import verify_database
from anjuan.review.reviewing import (
    StoredAnswer,
    list_assigned,
    open_review,
    resolve_reviewer,
    review_state,
    save_answer,
    submit_review,
)
from tests.merge_fixtures import build_campaign

ROUNDS = 20


@pytest.fixture(params=["sqlite", "postgresql"])
def target(request, tmp_path):
    if request.param == "sqlite":
        return str(build_campaign(tmp_path))
    return build_campaign(tmp_path, target=request.getfixturevalue("pg_url"))  # conftest: the test server


def _review(target: str) -> tuple[str, str, list[str]]:
    db = open_database(target)
    try:
        me = resolve_reviewer(db, "王敏")
        row = list_assigned(db, me.id)[0]
        state = open_review(db, row.case_id, me.id)
        # Non-veto items first (they take 扣分 of a few points), then the rest.
        applicable = campaign_info(db).standard.items_for(row.kind)
        items = [i.id for i in applicable if not i.veto and i.points >= 5] + [i.id for i in applicable if i.veto or i.points < 5]
        return state.review_id, me.id, items
    finally:
        db.close()


def _in_parallel(*jobs):
    barrier = threading.Barrier(len(jobs))
    errors: list[BaseException] = []

    def wrap(job):
        def run():
            try:
                barrier.wait()
                job()
            except BaseException as exc:  # reported by the test
                errors.append(exc)
        return run

    threads = [threading.Thread(target=wrap(j)) for j in jobs]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not errors, errors


def test_concurrent_saves_lose_no_revision_and_keep_the_history_chained(target):
    review_id, me, items = _review(target)
    done = {0: 0, 1: 0}

    def writer(k: int):
        def job():
            db = open_database(target)
            try:
                for n in range(ROUNDS):
                    note = f"第{k}路第{n}次"
                    save_answer(db, review_id, me, StoredAnswer(items[n % 3], "扣分", 1.0 + k, note=note))
                    done[k] += 1
            finally:
                db.engine.dispose()
        return job

    _in_parallel(writer(0), writer(1))
    db = open_database(target)
    try:
        state = review_state(db, review_id)
        assert state.revision == done[0] + done[1] == 2 * ROUNDS
        report = verify_database(db)
        assert report.ok, report.problems  # seq 1…n, hashes chained, every "old" the previous "new"
    finally:
        db.close()


def test_writes_based_on_a_seen_revision_refuse_stale_ones(target):
    review_id, me, items = _review(target)
    outcomes = {"saved": 0, "stale": 0}
    lock = threading.Lock()

    def writer(k: int):
        def job():
            db = open_database(target)
            try:
                for n in range(ROUNDS):
                    seen = review_state(db, review_id).revision
                    try:
                        save_answer(db, review_id, me, StoredAnswer(items[0], "扣分", 1.0 + (n % 5), note=f"{k}-{n}"),
                                    revision=seen)
                        with lock:
                            outcomes["saved"] += 1
                    except StaleRevisionError:
                        with lock:
                            outcomes["stale"] += 1
            finally:
                db.engine.dispose()
        return job

    _in_parallel(writer(0), writer(1))
    db = open_database(target)
    try:
        state = review_state(db, review_id)
        assert outcomes["saved"] + outcomes["stale"] == 2 * ROUNDS
        # Every accepted write is one revision (writes equal to the stored answer change nothing).
        assert state.revision <= outcomes["saved"]
        assert verify_database(db).ok
        # A write based on an older revision is refused and changes nothing.
        before = review_state(db, review_id)
        with pytest.raises(StaleRevisionError) as err:
            save_answer(db, review_id, me, StoredAnswer(items[1], "扣分", 2.0), revision=before.revision - 1)
        assert "已被修改" in err.value.message
        assert review_state(db, review_id) == before
    finally:
        db.close()


def test_a_submit_racing_a_save_never_leaves_a_change_after_the_submit(target):
    review_id, me, items = _review(target)
    db = open_database(target)
    try:
        state = review_state(db, review_id)
        for item in items:
            state = save_answer(db, review_id, me, StoredAnswer(item, "符合"), revision=state.revision)
    finally:
        db.close()
    seen = state.revision
    results = {}

    def submitter():
        d = open_database(target)
        try:
            submit_review(d, review_id, me, revision=seen)
            results["submit"] = "ok"
        except WorkflowError as exc:
            results["submit"] = type(exc).__name__
        finally:
            d.engine.dispose()

    def saver():
        d = open_database(target)
        try:
            save_answer(d, review_id, me, StoredAnswer(items[0], "扣分", 3.0, note="提交前最后修改"), revision=seen)
            results["save"] = "ok"
        except WorkflowError as exc:
            results["save"] = type(exc).__name__
        finally:
            d.engine.dispose()

    _in_parallel(submitter, saver)
    assert sorted(results.values()).count("ok") == 1, results  # exactly one of the two, never both
    db = open_database(target)
    try:
        state = review_state(db, review_id)
        assert state.revision == seen + 1
        if results["submit"] == "ok":
            assert state.status == "submitted" and state.answers[items[0]].verdict == "符合"
        else:
            assert state.status != "submitted" and state.answers[items[0]].deducted == 3.0
        assert verify_database(db).ok
    finally:
        db.close()


def test_saving_into_a_submitted_review_is_refused(tmp_path: Path):
    target = str(build_campaign(tmp_path))
    review_id, me, items = _review(target)
    db = open_database(target)
    try:
        state = review_state(db, review_id)
        for item in items:
            state = save_answer(db, review_id, me, StoredAnswer(item, "符合"), revision=state.revision)
        state = submit_review(db, review_id, me, revision=state.revision)
        with pytest.raises(WorkflowError):
            save_answer(db, review_id, me, StoredAnswer(items[0], "扣分", 1.0), revision=state.revision)
        assert review_state(db, review_id) == state
    finally:
        db.close()
