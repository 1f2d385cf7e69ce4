"""组长总览: a lead opening the campaign sees progress, scores, the 合议 queue, merges, agreement."""

from __future__ import annotations

from anjuan.db import open_database
from anjuan.lead.conflicts import agreement_summary
from anjuan.lead.dashboard import conflict_queue
from anjuan.lead.finals import file_outcomes
from anjuan.lead.status import campaign_status
from anjuan.ui.app import make_app
from anjuan.ui.dialogs import HelpDialog
from anjuan.ui.screens.case_list import CaseListScreen
from anjuan.ui.screens.dashboard import DashboardScreen
from anjuan.ui.screens.settle import SettleScreen
from anjuan.ui.widgets.grid_list import Bar, GridList, Styled

from .conftest import AGENCIES, CONFLICT, CONFLICT_2, FILES_PER_AGENCY, settle

SIZE = (120, 40)


def texts(grid: GridList) -> list[list[str]]:
    """The grid's rows as the plain text of each cell (bars as their value)."""
    return [[c.text if isinstance(c, Styled) else f"bar {c.value:g}" if isinstance(c, Bar) else c for c in row]
            for row in grid.rows]


def read(path, call):
    db = open_database(path)
    try:
        return call(db)
    finally:
        db.close()


async def test_a_lead_opens_on_the_dashboard_with_agencies_and_the_queue(lead_db):
    app = make_app(str(lead_db))  # a campaign database with one lead opens as the lead
    async with app.run_test(size=SIZE) as pilot:
        screen = app.screen
        assert isinstance(screen, DashboardScreen)
        await settle(pilot)
        assert screen.loaded and app.screen.sub_title == "组长总览"
        assert "李卫东" in app.title and "组长" in app.title

        # One row per agency, with the service's progress figures.
        status = read(lead_db, campaign_status)
        agencies = texts(screen.query_one("#agencies", GridList))
        assert [row[0] for row in agencies] == sorted(name for name, _ in AGENCIES)
        for row, expected in zip(agencies, status.agencies, strict=True):
            assert row[1:5] == [str(expected.catalog), str(expected.sampled), str(expected.assigned), str(expected.submitted)]
            assert row[2] == str(FILES_PER_AGENCY)
        # 交通运输局: one agreeing double-reviewed file is final at 100 points, drawn as a full bar.
        transport = next(r for r in agencies if r[0] == "测试县交通运输局")
        assert transport[6] == "1" and transport[-2] == "bar 40" and transport[-1] == "100"
        summary = str(screen.query_one("#summary").render())
        assert "抽查 36 卷" in summary and "待合议 2" in summary

        # The queue: both conflicts, in 执法机关/案号 order, with reviewers, scores, grades, reasons.
        await pilot.press("2")
        queue = screen.query_one("#conflicts", GridList)
        assert app.focused is queue
        expected = read(lead_db, lambda db: conflict_queue(db, file_outcomes(db)))
        assert [row[0] for row in texts(queue)] == [e.case_no for e in expected] == [CONFLICT_2, CONFLICT]
        first = texts(queue)[1]
        assert first[1] == "测试县市场监督管理局" and first[2] == "王敏" and first[5] == "陈立新"
        assert first[4] == "优秀" and first[7] == "不合格" and "否决项认定不一致（ZT-02）" in first[8]
        assert "待合议 2" in str(screen.query_one("#tabs").get_tab("queue").label)

        # Merge log and agreement.
        await pilot.press("3")
        merges = texts(screen.query_one("#merge-log", GridList))
        assert merges == [["2024-06-03 14:05", "陈立新.db", "陈立新", "评查记录新增 3 份，答案 180 条，待合议 2 卷"]]
        await pilot.press("4")
        pairs = texts(screen.query_one("#pairs", GridList))
        figures = read(lead_db, agreement_summary)
        assert pairs[0][:3] == ["全部", "3", str(figures["items"])]
        assert pairs[0][3] == f"{figures['item_agreement'] * 100:.1f}%"
        assert pairs[1][0] == "王敏、陈立新"


async def test_enter_on_the_queue_opens_settle_and_escape_comes_back(lead_db):
    app = make_app(str(lead_db), "李卫东")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("2", "down", "enter")
        await settle(pilot)
        assert isinstance(app.screen, SettleScreen)
        assert app.screen.side.case_no == CONFLICT
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, DashboardScreen)
        assert len(app.screen.queue) == 2


async def test_refresh_picks_up_a_change_made_outside(lead_db):
    from anjuan.lead.conflicts import settle as settle_file
    from anjuan.review.reviewing import resolve_reviewer

    app = make_app(str(lead_db), "李卫东")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.screen
        assert len(screen.queue) == 2
        # Another process settles a file (as `anjuan settle` or a second lead would).
        db = open_database(lead_db)
        try:
            entry = conflict_queue(db, file_outcomes(db))[0]
            settle_file(db, entry.case_id, resolve_reviewer(db, "李卫东").id, {"ZT-01": ("a", None)}, "外部合议")
        finally:
            db.close()
        assert len(screen.queue) == 2
        await pilot.press("f5")
        await settle(pilot)
        assert [e.case_no for e in screen.queue] == [CONFLICT]
        await pilot.press("ctrl+r")
        await settle(pilot)
        assert "待合议 1" in str(screen.query_one("#summary").render())


async def test_the_lead_can_open_their_own_case_list_and_come_back(lead_db):
    app = make_app(str(lead_db), "李卫东")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("l")
        await settle(pilot)
        assert isinstance(app.screen, CaseListScreen)
        assert "王敏" in app.screen.query_one("#cases").empty_text  # the lead has no files of their own
        await pilot.press("escape")
        assert isinstance(app.screen, DashboardScreen)
        await pilot.press("l")
        assert isinstance(app.screen, CaseListScreen)


async def test_a_reviewer_still_opens_on_the_case_list(lead_db):
    app = make_app(str(lead_db), "王敏")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, CaseListScreen)
        assert app.dashboard is None
        await pilot.press("escape")  # no dashboard to go back to: nothing happens
        assert isinstance(app.screen, CaseListScreen)


async def test_help_lists_the_dashboard_keys(lead_db):
    app = make_app(str(lead_db), "李卫东")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("2")
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpDialog)
        text = "\n".join(f"{k} {d}" for k, d, _ in app.screen.keys)
        for expected in ("⏎ 合议", "1 总览", "2 待合议", "3 合并记录", "4 一致性", "f5 / ^r 刷新", "l 我的案卷", "^q 退出"):
            assert expected in text, expected


async def test_command_palette_offers_the_queue_and_the_leads_actions(lead_db):
    app = make_app(str(lead_db), "李卫东")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"合议 测市监")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, SettleScreen) and app.screen.side.case_no == CONFLICT
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"合并记录")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen.query_one("#tabs").active == "merges"


async def test_a_failing_read_opens_the_error_dialog(lead_db, monkeypatch):
    from anjuan.ui.dialogs import ErrorDialog

    def broken(db):
        raise RuntimeError("磁盘不可读")

    monkeypatch.setattr("anjuan.ui.screens.dashboard.agreement_summary", broken)
    app = make_app(str(lead_db), "李卫东")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, ErrorDialog) and "磁盘不可读" in app.screen.message
        await pilot.press("enter")
        assert isinstance(app.screen, DashboardScreen)
        assert len(app.screen.query_one("#conflicts", GridList).rows) == 2  # what was read is shown
        assert "读取未完成（F5 重试）" in str(app.screen.query_one("#summary").render())


async def loaded(pilot) -> None:
    await settle(pilot)


def test_dashboard_snapshot_120x40(snap_compare, lead_file):
    assert snap_compare(make_app(str(lead_file), "李卫东"), terminal_size=SIZE, run_before=loaded)


async def test_the_rectify_tab_shows_ledger_counts_and_the_overdue_list(lead_db, monkeypatch):
    """整改台账 in the dashboard: per agency 问题数/未整改/整改中/已整改/不予整改/逾期, and the overdue
    items longest first; today is fixed at 2025-04-10 (deadlines 2025-03-31 and 2025-04-30)."""
    from datetime import date

    from sqlalchemy import select

    from anjuan import models as m
    from anjuan.rounds.results import spot_round_id

    monkeypatch.setattr("anjuan.ui.screens.dashboard.local_today", lambda: date(2025, 4, 10))
    db = open_database(lead_db)
    try:
        spot = spot_round_id(db)
        with db.session() as s:
            files = {name: list(s.scalars(select(m.CaseFile.id).join(m.Agency).where(m.Agency.name == name)
                                          .order_by(m.CaseFile.case_no)))[:3] for name, _ in AGENCIES}
            plan = [  # (agency, file, state, deadline)
                ("测试县市场监督管理局", 0, "未整改", "2025-03-31"),
                ("测试县市场监督管理局", 1, "整改中", "2025-03-20"),
                ("测试县市场监督管理局", 2, "已整改", "2025-03-31"),
                ("测试县交通运输局", 0, "不予整改", "2025-03-31"),
                ("测试县交通运输局", 1, "未整改", "2025-04-30"),
            ]
            for n, (agency, k, state, due) in enumerate(plan, 1):
                s.add(m.LedgerItem(code=f"ZG-{n:04d}", round_id=spot, case_id=files[agency][k], item_id="CX-01",
                                   problem=f"问题{n}", deadline=due, state=state,
                                   done_on="2025-03-30" if state == "已整改" else None))
    finally:
        db.close()
    app = make_app(str(lead_db), "李卫东")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.screen
        await pilot.press("5")
        assert screen.query_one("#tabs").active == "rectify"
        rows = texts(screen.query_one("#ledger", GridList))
        assert [r[:7] for r in rows] == [
            ["测试县交通运输局", "2", "1", "0", "0", "1", "0"],
            ["测试县市场监督管理局", "3", "1", "1", "1", "0", "2"],
        ]
        late = texts(screen.query_one("#overdue", GridList))
        assert [(r[0], r[7]) for r in late] == [("ZG-0002", "21"), ("ZG-0001", "10")]
        assert "逾期2" in str(screen.query_one("#tabs").get_tab("rectify").label)
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpDialog)
        assert any(k == "5" and d == "整改" for k, d, _ in app.screen.keys)
