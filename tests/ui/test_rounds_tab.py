"""组长总览 tab 6 自查复查: the self-check deviation per agency and each re-check against its 抽查,
on the hand-computed campaign of tests/rounds_fixtures.py (a lead, 李卫东, opens it)."""

from __future__ import annotations

from anjuan.db import open_database
from anjuan.prepare.assignment import assign
from anjuan.rounds.recheck import new_recheck, select_recheck
from anjuan.rounds.rounddb import import_round_database
from anjuan.rounds.selfcheck import import_selfcheck_sheet
from anjuan.ui.app import make_app
from anjuan.ui.screens.dashboard import DashboardScreen
from anjuan.ui.widgets.grid_list import GridList
from tests.rounds_fixtures import M1, M3, MARKET, TRANSPORT, score_in, spot_campaign
from tests.test_rounds import transport_selfcheck, write_selfcheck_sheet

from .conftest import settle
from .test_dashboard import SIZE, texts


def campaign_with_rounds(folder):
    campaign = spot_campaign(folder)
    db = open_database(campaign)
    try:
        import_selfcheck_sheet(db, MARKET, write_selfcheck_sheet(folder / "s.csv"))
        import_round_database(db, transport_selfcheck(campaign, folder))
        sel = select_recheck(db, named=[M1])
        new_recheck(db, folder / "r.db", sel, {}).close()
    finally:
        db.close()
    rdb = open_database(folder / "r.db")
    try:
        assign(rdb, seed="1")
    finally:
        rdb.close()
    score_in(folder / "r.db", {M1: {}, M3: {"ZT-01": "否决", "CX-04": 3}})
    db = open_database(campaign)
    try:
        import_round_database(db, folder / "r.db")
    finally:
        db.close()
    return campaign


async def test_the_rounds_tab_shows_self_check_deviation_and_recheck(tmp_path):
    app = make_app(str(campaign_with_rounds(tmp_path)), "李卫东")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, DashboardScreen)
        await pilot.press("6")
        assert screen.query_one("#tabs").active == "rounds"
        assert app.focused is screen.query_one("#selfcheck", GridList)
        rows = {r[0]: r for r in texts(screen.query_one("#selfcheck", GridList))}
        # 市场: 1 required, 2 checked, mean 97, 2 common files, +5.50, 1 grade differs, 2 missed, 偏宽.
        assert rows[MARKET][1:] == ["1", "2", "是", "97", "2", "+5.50", "1", "2", "自查偏宽"]
        assert rows[TRANSPORT][1:] == ["1", "2", "是", "95", "2", "+5.00", "1", "0", "自查偏宽"]
        again = texts(screen.query_one("#recheck", GridList))
        # 市3 (不合格, vetoed) and 市1 (named): 市1 now 100, CX-01 fixed; 市3 still vetoed, CX-04 new.
        assert [r[:9] for r in again] == [
            [M1, MARKET, "95", "优秀", "100", "优秀", "1", "0", "0"],
            [M3, MARKET, "0", "不合格", "0", "不合格", "0", "1", "1"],
        ]
