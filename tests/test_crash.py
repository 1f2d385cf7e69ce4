"""Killed mid-work: every answer reported as saved is in the database afterwards.

A child process scores items as fast as it can, either through the workbench running headless
(keys → screen → writer thread → service) or straight through the service, and prints each
answer the moment it is reported saved. The test kills it with SIGKILL part-way and then reads
the database back through the reviewing service.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from sqlalchemy import insert

from anjuan import models as m
from anjuan.campaign import init_campaign
from anjuan.db import open_database
from anjuan.review.reviewing import history, review_state

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL")

KILL_AFTER = 25

CHILD_APP = textwrap.dedent('''
    import asyncio, os, sys
    from anjuan.ui.app import make_app
    from anjuan.ui.writer import Writer

    def say(line):
        os.write(1, (line + "\\n").encode("utf-8"))

    finished = Writer.finished

    def report(self, message):
        finished(self, message)
        state, label = message.result, message.write.label
        if message.error is None and label.startswith("保存 "):
            item = label.split(" ", 1)[1]
            say(f"SAVED {state.review_id} {item} {state.answers[item].verdict} {state.answers[item].deducted}")

    Writer.finished = report

    async def main():
        app = make_app(sys.argv[1], "王敏")
        async with app.run_test(size=(100, 30)) as pilot:
            await app.workers.wait_for_complete()
            await pilot.pause()
            await pilot.press("enter")
            items = len(app.screen.checklist.item_ids)
            keys = ("space", "n", "1")
            for sweep in range(1000):  # answer every item again and again, never waiting for saves
                await pilot.press("home")
                for i in range(items):
                    key = keys[(i + sweep) % 3]
                    await pilot.press(key) if key != "1" else await pilot.press(key, "j")

    asyncio.run(main())
''')

CHILD_SERVICE = textwrap.dedent('''
    import os, sys
    from anjuan.campaign import campaign_info
    from anjuan.db import open_database
    from anjuan.review.reviewing import StoredAnswer, list_assigned, open_review, resolve_reviewer, save_answer

    db = open_database(sys.argv[1])
    me = resolve_reviewer(db, "王敏").id
    std = campaign_info(db).standard
    n = 0
    while True:
        for row in list_assigned(db, me):
            rid = open_review(db, row.case_id, me).review_id
            for item in std.items_for(row.kind):
                n += 1
                verdict = ("符合", "不适用", "扣分")[n % 3] if item.points else "符合"
                deducted = item.points / 2 if verdict == "扣分" else 0.0
                state = save_answer(db, rid, me, StoredAnswer(item.id, verdict, deducted, note=f"第{n}次"))
                a = state.answers[item.id]
                os.write(1, f"SAVED {rid} {item.id} {a.verdict} {a.deducted}\\n".encode("utf-8"))
''')


def build(path: Path) -> None:
    db = init_campaign(path, "2024年度行政执法案卷评查（崩溃测试）", 2024)
    with db.session() as s:
        agency = m.Agency(name="测试县市场监督管理局")
        reviewer = m.Reviewer(name="王敏")
        s.add_all([agency, reviewer])
        s.flush()
        cases = [{"id": m.new_id(), "agency_id": agency.id, "case_no": f"测罚〔2024〕{i}号", "title": f"第{i}号案",
                  "party": "某公司", "kind": "行政处罚", "decided_on": "2024-03-01", "officers": "甲、乙",
                  "source_file": "", "source_row": None, "extra": "{}", "import_id": None} for i in range(1, 4)]
        s.execute(insert(m.CaseFile.__table__), cases)
        s.execute(insert(m.Assignment.__table__), [
            {"id": m.new_id(), "case_id": c["id"], "reviewer_id": reviewer.id, "slot": 1, "seed": "",
             "assigned_at": m.now()} for c in cases])
    db.close()


@pytest.mark.parametrize("child", [CHILD_APP, CHILD_SERVICE], ids=["workbench-headless", "service"])
def test_every_answer_reported_saved_survives_sigkill(tmp_path, child):
    target = tmp_path / "评查活动.db"
    build(target)
    script = tmp_path / "child.py"
    script.write_text(child, encoding="utf-8")
    env = dict(os.environ, TEXTUAL_ANIMATIONS="none")
    proc = subprocess.Popen([sys.executable, str(script), str(target)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env=env)
    reported: list[tuple[str, str, str, float]] = []
    deadline = time.monotonic() + 120
    try:
        assert proc.stdout is not None
        while len(reported) < KILL_AFTER and time.monotonic() < deadline:
            line = proc.stdout.readline().decode("utf-8")
            if not line:
                break
            if line.startswith("SAVED "):
                _, rid, item, verdict, deducted = line.split()
                reported.append((rid, item, verdict, float(deducted)))
        os.kill(proc.pid, signal.SIGKILL)  # mid-way: the child is still answering
        # Answers reported between the last read and the kill count too.
        rest, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    for line in rest.decode("utf-8", "replace").splitlines():
        if line.startswith("SAVED ") and len(line.split()) == 5:
            _, rid, item, verdict, deducted = line.split()
            reported.append((rid, item, verdict, float(deducted)))
    assert proc.returncode == -signal.SIGKILL
    assert len(reported) >= KILL_AFTER, err.decode("utf-8", "replace")[-2000:]

    # Per item, the answers reported saved must appear, in order, among the changes the database
    # recorded, and what it holds now is the last recorded change (a change made after the last
    # report may have been committed before the kill; one reported saved can never be missing).
    by_item: dict[tuple[str, str], list[tuple[str, float]]] = {}
    for rid, item, verdict, deducted in reported:
        seq = by_item.setdefault((rid, item), [])
        if not seq or seq[-1] != (verdict, deducted):
            seq.append((verdict, deducted))
    db = open_database(target)
    try:
        for (rid, item), seq in by_item.items():
            recorded = [(json.loads(h.new)["verdict"], json.loads(h.new)["deducted"])
                        for h in history(db, rid) if h.item_id == item and h.action == "answer"]
            found = iter(recorded)
            assert all(any(r == want for r in found) for want in seq), (item, seq, recorded)
            answer = review_state(db, rid).answers.get(item)
            assert answer is not None, f"{item} was reported saved but is not in the database"
            assert (answer.verdict, answer.deducted) == recorded[-1]
    finally:
        db.close()
