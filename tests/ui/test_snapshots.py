"""Pinned screenshots of the case list and the scoring screen at 80×24 and 120×40.

Regenerate with `pytest tests/ui/test_snapshots.py --snapshot-update` and review the SVGs.
The 已保存 time is frozen by the autouse fixture in conftest.py.
"""

from __future__ import annotations

from anjuan.ui.app import make_app

from .conftest import open_file, settle

FRESH = "测交罚〔2024〕4号"


async def loaded(pilot) -> None:
    await settle(pilot)


async def scored(pilot) -> None:
    """A file half-way through: five veto items 符合, a repeated deduction, a 不适用."""
    await open_file(pilot, FRESH)
    await pilot.press(*["space"] * 5, "1", "1", "j", "n")
    await settle(pilot)
    pilot.app.clear_notifications()


async def vetoed(pilot) -> None:
    """The same with a veto: the score panel turns red and the grade is 不合格."""
    await scored(pilot)
    await pilot.press("home", "v")
    await settle(pilot)
    pilot.app.clear_notifications()


def test_case_list_80x24(snap_compare, campaign_file):
    assert snap_compare(make_app(str(campaign_file), "王敏"), terminal_size=(80, 24), run_before=loaded)


def test_case_list_120x40(snap_compare, campaign_file):
    assert snap_compare(make_app(str(campaign_file), "王敏"), terminal_size=(120, 40), run_before=loaded)


def test_scoring_80x24(snap_compare, campaign_file):
    assert snap_compare(make_app(str(campaign_file), "王敏"), terminal_size=(80, 24), run_before=scored)


def test_scoring_120x40_vetoed(snap_compare, campaign_file):
    assert snap_compare(make_app(str(campaign_file), "王敏"), terminal_size=(120, 40), run_before=vetoed)
