"""A save that waits for another program's write says so on screen (issue 13), then goes through."""

from __future__ import annotations

import asyncio
import sqlite3

import pytest

from anjuan.ui.app import make_app

from .conftest import open_file, settle

SIZE = (120, 36)
FRESH = "测交罚〔2024〕4号"  # 行政处罚, not reviewed yet


@pytest.mark.sqlite_only  # SQLite's file lock; on a server the row lock is covered by tests/test_races.py
async def test_waiting_for_another_writer_is_shown(campaign_db, monkeypatch):
    monkeypatch.setenv("ANJUAN_WRITE_WAIT", "30")
    app = make_app(str(campaign_db), "王敏")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_file(pilot, FRESH)
        other = sqlite3.connect(campaign_db, isolation_level=None)
        other.execute("BEGIN IMMEDIATE")  # another program holds the write lock
        try:
            await pilot.press("space")
            for _ in range(200):
                if any("另一个程序正在写入该数据库，等待中" in str(n.message) for n in app._notifications):
                    break
                await asyncio.sleep(0.02)
            else:
                raise AssertionError("no notice while waiting for the other writer")
        finally:
            other.execute("ROLLBACK")
            other.close()
        await settle(pilot)
        await app.writer.wait_idle()
    con = sqlite3.connect(campaign_db)
    saved = con.execute("SELECT count(*) FROM answer WHERE review_id = ?", (screen.review_id,)).fetchone()[0]
    con.close()
    assert saved == 1  # the answer went through once the other program had finished
