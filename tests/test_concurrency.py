"""Several users at once: campaign-wide operations run one after another, nothing is lost, and a
race is never reported as tampering or as an internal error. On both backends (on SQLite the
file's write lock serialises writers; on PostgreSQL the campaign's advisory lock does)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from anjuan import models as m
from anjuan.db import open_database
from anjuan.errors import WorkflowError
from anjuan.lead.conflicts import SOURCE_A, SOURCE_B, settle
from anjuan.lead.merge import PAUSE_ENV, PAUSE_MARK, RESUME_ENV
from anjuan.prepare import assignment
from anjuan.prepare.assignment import assign
from anjuan.prepare.reviewers import add_reviewer
from anjuan.prepare.sampling import draw_sample
from tests.conftest import add_catalog, simple_catalog
from tests.merge_fixtures import LEAD, answer_files, build_campaign, dump, make_package

ROOT = Path(__file__).resolve().parents[1]


def run_together(*calls):
    """Run the callables in threads started at the same moment; returns (results, errors)."""
    barrier = threading.Barrier(len(calls))
    results, errors = [None] * len(calls), [None] * len(calls)

    def go(i, fn):
        barrier.wait()
        try:
            results[i] = fn()
        except Exception as exc:  # noqa: BLE001 - collected for the test to inspect
            errors[i] = exc

    threads = [threading.Thread(target=go, args=(i, fn)) for i, fn in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    return results, errors


@pytest.fixture
def sampled(campaign):
    add_catalog(campaign, simple_catalog({"县市场监督管理局": 30, "县交通运输局": 20}))
    for name in ("王敏", "陈立新", "赵强"):
        add_reviewer(campaign, name, "县司法局")
    draw_sample(campaign, seed="1", ratio=0.5)
    return campaign


def assignments_per_file(db) -> dict[str, int]:
    with db.read_session() as s:
        return dict(s.execute(select(m.Assignment.case_id, func.count()).group_by(m.Assignment.case_id)).all())


def test_concurrent_assign_never_double_assigns(sampled, monkeypatch):
    # Force the two runs to overlap: each pauses after reading what is already assigned.
    real = assignment._rebalance

    def slow(*args, **kw):
        time.sleep(0.5)
        return real(*args, **kw)

    monkeypatch.setattr(assignment, "_rebalance", slow)
    db2 = open_database(sampled.target)
    try:
        results, errors = run_together(lambda: assign(sampled, seed="1"), lambda: assign(db2, seed="2"))
    finally:
        db2.close()
    assert errors == [None, None]
    assert sorted(r.new for r in results) == [0, 25]  # the second found everything assigned
    per_file = assignments_per_file(sampled)
    assert len(per_file) == 25 and set(per_file.values()) == {1}


def test_two_assign_commands_started_together(sampled, tmp_path):
    target = sampled.target
    sampled.close()
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    procs = [subprocess.Popen([sys.executable, "-m", "anjuan", "assign", target, "--seed", seed, "--json"],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=tmp_path)
             for seed in ("1", "2")]
    outs = [p.communicate(timeout=120) for p in procs]
    for p, (_out, err) in zip(procs, outs, strict=True):
        assert p.returncode == 0, err
        assert "内部错误" not in err and "Traceback" not in err
    assert sorted(json.loads(out)["new_assignments"] for out, _ in outs) == [0, 25]
    db = open_database(target)
    try:
        per_file = assignments_per_file(db)
    finally:
        db.close()
    assert len(per_file) == 25 and set(per_file.values()) == {1}


@pytest.fixture(scope="module")
def packages(tmp_path_factory):
    d = tmp_path_factory.mktemp("concurrency")
    c = build_campaign(d)
    a = make_package(c, "王敏", d / "a.db")
    b = make_package(c, "陈立新", d / "b.db")
    answer_files(a, {0: {"CX-02": 20}})
    answer_files(b, {3: {"WS-02": 5}}, files=[0, 1, 2, 3])
    return d


def test_two_merges_of_the_same_packages(packages, targets, tmp_path):
    """The first merge is held inside its transaction; the second waits, says so, then finds
    everything already merged (unchanged), never a tampering conflict."""
    c = targets.from_sqlite(packages / "c.db")
    a, b = str(packages / "a.db"), str(packages / "b.db")
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    resume = tmp_path / "resume"
    first = subprocess.Popen([sys.executable, "-m", "anjuan", "merge", c, a, b, "--json"], cwd=tmp_path,
                             env=dict(env, **{PAUSE_ENV: "60", RESUME_ENV: str(resume)}),
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    line = first.stderr.readline()
    assert PAUSE_MARK in line, line
    second = subprocess.Popen([sys.executable, "-m", "anjuan", "merge", c, a, b, "--json"], cwd=tmp_path, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if targets.is_pg:
        waiting = second.stderr.readline()  # printed once it found the first merge holding the lock
        assert waiting.strip() == "另一项合并正在进行，等待…", waiting
    else:
        time.sleep(1)  # SQLite: the second waits for the write lock (busy timeout) without a word
    resume.touch()
    out1, err1 = first.communicate(timeout=120)
    out2, err2 = second.communicate(timeout=120)
    assert first.returncode == 0, err1
    assert second.returncode == 0, err2
    r1, r2 = json.loads(out1), json.loads(out2)
    assert [p["reviews"]["new"] for p in r1["packages"]] == [5, 4]
    assert [p["reviews"]["new"] for p in r2["packages"]] == [0, 0]
    assert [p["reviews"]["unchanged"] for p in r2["packages"]] == [5, 4]
    rows = dump(c)
    assert len(rows["review"]) == 9 and len(rows["answer_history"]) == 45 + 36


def test_two_leads_settle_the_same_file(packages, targets):
    c = targets.from_sqlite(packages / "c.db")
    db = open_database(c)
    from anjuan.lead.merge import merge

    merge(db, [packages / "a.db", packages / "b.db"])
    with db.read_session() as s:
        lead = s.scalar(select(m.Reviewer.id).where(m.Reviewer.name == LEAD))
        cid = s.scalar(select(m.CaseFile.id).where(m.CaseFile.case_no == "市场罚〔2024〕1号"))
    db2 = open_database(c)
    try:
        results, errors = run_together(
            lambda: settle(db, cid, lead, {"CX-02": (SOURCE_A, None)}, "采纳王敏意见"),
            lambda: settle(db2, cid, lead, {"CX-02": (SOURCE_B, None)}, "采纳陈立新意见"))
    finally:
        db2.close()
    assert sum(e is None for e in errors) == 1
    err = next(e for e in errors if e is not None)
    assert isinstance(err, WorkflowError) and "已合议" in err.message
    with db.read_session() as s:
        finals = s.scalar(select(func.count()).select_from(m.Review).where(m.Review.is_final == True))  # noqa: E712
    db.close()
    assert finals == 1


def test_report_snapshot_is_not_torn_by_saves_and_holds_off_campaign_writes(sampled):
    """What a report reads is one snapshot: a reviewer submitting meanwhile changes nothing in it;
    on the server, merges, 合议 and assignments wait until the report has read everything."""
    from sqlalchemy import text

    from anjuan.campaign import campaign_info
    from anjuan.review.reviewing import (
        StoredAnswer,
        list_assigned,
        open_review,
        resolve_reviewer,
        save_answer,
    )
    from anjuan.review.reviewing import submit_review as submit

    assign(sampled, seed="1")
    wang = resolve_reviewer(sampled, "王敏").id
    row = list_assigned(sampled, wang)[0]
    state = open_review(sampled, row.case_id, wang)
    for item in campaign_info(sampled).standard.items_for("行政处罚"):
        state = save_answer(sampled, state.review_id, wang, StoredAnswer(item.id, "符合"))
    other = open_database(sampled.target)
    submitted = select(func.count()).select_from(m.Review).where(m.Review.status == "submitted")
    try:
        with sampled.snapshot_session() as s:
            before = s.scalar(submitted)
            submit(other, state.review_id, wang)  # committed by another connection meanwhile
            assert s.scalar(submitted) == before == 0
            if not sampled.is_sqlite:
                from anjuan.postgres.locks import CAMPAIGN_LOCK_KEY

                with other.engine.connect() as c:
                    assert c.execute(text("SELECT pg_try_advisory_xact_lock(:k)"), {"k": CAMPAIGN_LOCK_KEY}).scalar() is False
        with sampled.read_session() as s:
            assert s.scalar(submitted) == 1
    finally:
        other.close()
