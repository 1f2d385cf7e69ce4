"""案卷列表: progress, search, filters, sorting, opening a file and coming back."""

from __future__ import annotations

import re

import pytest
from anjuan_cli import run_anjuan

from anjuan.db import open_database
from anjuan.errors import AnjuanError
from anjuan.review.reviewing import list_assigned, resolve_reviewer
from anjuan.ui.app import make_app
from anjuan.ui.dialogs import ChoiceDialog, HelpDialog
from anjuan.ui.screens.case_list import CaseListScreen, natural
from anjuan.ui.screens.scoring import ScoringScreen
from anjuan.ui.widgets.case_table import CaseTable

from .conftest import CAMPAIGN, FILES_PER_AGENCY, open_file, settle

SIZE = (120, 36)


def shown(app) -> list[str]:
    return [row.case_no for row in app.screen.query_one(CaseTable).rows]


def service_rows(path, name="王敏"):
    db = open_database(path)
    try:
        return list_assigned(db, resolve_reviewer(db, name).id)
    finally:
        db.close()


async def test_list_shows_the_reviewers_files_and_progress(campaign_db):
    app = make_app(str(campaign_db), "王敏")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, CaseListScreen)
        assert CAMPAIGN in app.title and "王敏" in app.title
        expected = service_rows(campaign_db)
        assert len(shown(app)) == len(expected) == 3 * FILES_PER_AGENCY
        assert sorted(shown(app)) == sorted(r.case_no for r in expected)
        progress = str(app.screen.query_one("#progress").render())
        assert "已提交 1/36" in progress and "评查中 1" in progress and "已退回 1" in progress
        submitted = next(r for r in app.screen.query_one(CaseTable).rows if r.status == "已提交")
        assert submitted.case_no == "测市监罚〔2024〕7号" and submitted.score is not None and submitted.grade


async def test_incremental_search_over_case_no_title_and_party(campaign_db):
    app = make_app(str(campaign_db), "王敏")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("slash", *"测交罚")
        assert shown(app) and all("测交罚" in no for no in shown(app))
        await pilot.press(*"20244号")
        assert shown(app) == ["测交罚〔2024〕4号"]
        # The search box also finds 当事人 and 案件名称, and up/down move the list while typing.
        await pilot.press("escape")
        assert len(shown(app)) == 36
        await pilot.press("slash", *"林秀英")
        rows = app.screen.query_one(CaseTable).rows
        assert rows and all(r.party == "林秀英" for r in rows)
        await pilot.press("down")
        assert app.screen.query_one(CaseTable).cursor == 1
        await pilot.press("escape")
        await pilot.press("slash", *"安全生产")
        assert all(r.kind == "行政检查" for r in app.screen.query_one(CaseTable).rows)
        await pilot.press("enter")  # keeps the filter, back to the table
        assert app.focused is app.screen.query_one(CaseTable)
        assert len(shown(app)) == 6
        await pilot.press("escape")
        assert len(shown(app)) == 36


async def test_status_filter_cycles_through_every_status(campaign_db):
    app = make_app(str(campaign_db), "王敏")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        seen = {}
        for label in ("未评", "评查中", "已退回", "已提交"):
            await pilot.press("f")
            rows = app.screen.query_one(CaseTable).rows
            assert rows and {r.status for r in rows} == {label}
            seen[label] = len(rows)
        assert seen == {"未评": 33, "评查中": 1, "已退回": 1, "已提交": 1}
        assert f"状态 {'已提交'}" in str(app.screen.query_one("#filters").render())
        await pilot.press("f")
        assert len(shown(app)) == 36


async def test_agency_filter_dialog(campaign_db):
    app = make_app(str(campaign_db), "王敏")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("a")
        assert isinstance(app.screen, ChoiceDialog)
        await pilot.press("down", "enter")  # the first agency after 全部 (sorted by name)
        await pilot.pause()
        rows = app.screen.query_one(CaseTable).rows
        agencies = sorted({r.agency for r in service_rows(campaign_db)})
        assert {r.agency for r in rows} == {agencies[0]} and len(rows) == FILES_PER_AGENCY
        await pilot.press("a", "home", "enter")
        await pilot.pause()
        assert len(shown(app)) == 36


async def test_sort_by_key_click_and_reverse(campaign_db):
    app = make_app(str(campaign_db), "王敏")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        # Default: 执法机关, then 案号 in natural order (4号 before 10号).
        rows = app.screen.query_one(CaseTable).rows
        first_agency = [r.case_no for r in rows if r.agency == rows[0].agency]
        assert first_agency == sorted(first_agency, key=natural)
        await pilot.press("s")  # 案件名称
        titles = [r.title for r in app.screen.query_one(CaseTable).rows]
        assert titles == sorted(titles)
        await pilot.press("o")
        titles = [r.title for r in app.screen.query_one(CaseTable).rows]
        assert titles == sorted(titles, reverse=True)
        # Clicking the 得分 title sorts by score: scored files first.
        table = app.screen.query_one(CaseTable)
        from anjuan.ui.widgets.case_table import COLUMNS, layout

        widths = layout(table.scrollable_content_region.width)
        x = 1 + sum(w + 1 for w in widths[:[c.key for c in COLUMNS].index("score")])
        await pilot.click(CaseTable, offset=(x + 1, 0))
        scores = [r.score for r in table.rows]
        assert scores[:3] == sorted(s for s in scores if s is not None) and scores[3] is None
        assert table.sort_key == "score"


async def test_enter_opens_escape_returns_and_the_row_is_refreshed(campaign_db):
    app = make_app(str(campaign_db), "王敏")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_file(pilot, "测交罚〔2024〕4号")
        await pilot.press("space", "space", "space")
        await settle(pilot)
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, CaseListScreen)
        row = next(r for r in app.screen.query_one(CaseTable).rows if r.case_no == "测交罚〔2024〕4号")
        db_row = next(r for r in service_rows(campaign_db) if r.case_no == "测交罚〔2024〕4号")
        assert row.status == db_row.status == "评查中"
        assert row.score == db_row.score == screen.result.score
        # The cursor stays on the file just scored.
        assert app.screen.query_one(CaseTable).current.case_no == "测交罚〔2024〕4号"


async def test_mouse_click_selects_and_double_click_opens(campaign_db):
    app = make_app(str(campaign_db), "王敏")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        table = app.screen.query_one(CaseTable)
        await pilot.click(CaseTable, offset=(5, 3))
        assert table.cursor == 2
        await pilot.click(CaseTable, offset=(5, 3), times=2)
        await settle(pilot)
        assert isinstance(app.screen, ScoringScreen)
        assert app.screen.row.case_no == table.rows[2].case_no


async def test_command_palette_opens_a_file_by_case_no(campaign_db):
    app = make_app(str(campaign_db), "王敏")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"测城管强")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ScoringScreen)
        assert app.screen.detail.case_no.startswith("测城管强")


async def test_command_palette_runs_a_screen_action(campaign_db):
    app = make_app(str(campaign_db), "王敏")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"排序")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen.sort_key == "title"


async def test_help_lists_the_keys_of_the_list(campaign_db):
    app = make_app(str(campaign_db), "王敏")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpDialog)
        text = "\n".join(f"{k} {d}" for k, d, _ in app.screen.keys)
        for expected in ("/ 搜索", "f 状态", "a 执法机关", "s 排序", "o 倒序", "⏎ 打开", "? / f1 帮助", "^q 退出"):
            assert expected in text
        await pilot.press("escape")
        assert isinstance(app.screen, CaseListScreen)


async def test_a_lead_without_files_is_told_how_to_see_a_reviewers_files(campaign_db):
    app = make_app(str(campaign_db))  # a campaign database with one lead opens as the lead
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert "李卫东" in app.title and "组长" in app.title
        await pilot.press("l")  # from the lead's dashboard to the lead's own case list
        await settle(pilot)
        table = app.screen.query_one(CaseTable)
        assert table.rows == []
        assert "--reviewer" in table.empty_text and "王敏" in table.empty_text


def test_unknown_reviewer_is_an_error_from_the_service(campaign_db):
    with pytest.raises(AnjuanError, match="没有名为“张三”的评查人员"):
        make_app(str(campaign_db), "张三")


def test_cli_prints_the_services_error(campaign_db):
    done = run_anjuan("review", campaign_db, "--reviewer", "张三", timeout=60)
    assert done.returncode == 1
    assert "没有名为“张三”的评查人员" in done.stderr and "王敏" in done.stderr


async def test_the_demo_campaign_opens(demo_template, tmp_path):
    import shutil

    path = tmp_path / "demo.db"
    shutil.copy(demo_template, path)
    app = make_app(str(path), "王敏")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert len(shown(app)) == len(service_rows(path)) > 0


async def test_a_weighted_standard_shows_weight_and_item_points(demo_template, tmp_path):
    """The demo is scored by the default standard, version 2 (schema 2): a category heading gives
    the category's weight and the points of the items this kind of file gets."""
    import shutil

    from anjuan.campaign import campaign_info
    from anjuan.ui.widgets.checklist import Checklist

    path = tmp_path / "demo.db"
    shutil.copy(demo_template, path)
    app = make_app(str(path), "王敏")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        row = service_rows(path)[0]
        screen = await open_file(pilot, row.case_no)
        checklist = screen.query_one(Checklist)
        heading = checklist.render_line(0).text
    db = open_database(path)
    try:
        std = campaign_info(db).standard
    finally:
        db.close()
    assert std.weighted
    item_points = std.category_points_for(screen.detail.kind)["subject"]
    assert f"一、主体适格（权重10分，条目{item_points:g}分）" in heading, heading


async def test_a_failing_read_opens_the_error_dialog(campaign_db, monkeypatch):
    from anjuan.ui.dialogs import ErrorDialog

    def broken(db, reviewer_id):
        raise RuntimeError("磁盘不可读")

    monkeypatch.setattr("anjuan.ui.screens.case_list.list_assigned", broken)
    app = make_app(str(campaign_db), "王敏")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, ErrorDialog)
        assert "磁盘不可读" in app.screen.message
        await pilot.press("enter")
        assert isinstance(app.screen, CaseListScreen)


async def test_a_reviewer_package_opens_as_its_reviewer(campaign_db, tmp_path):
    from anjuan.review.pack import pack

    db = open_database(campaign_db)
    out = tmp_path / "王敏.db"
    pack(db, "王敏", out)
    db.close()
    app = make_app(str(out))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert "王敏" in app.title
        assert len(shown(app)) == 36
        screen = await open_file(pilot, "测交罚〔2024〕4号")
        await pilot.press("space")
        await settle(pilot)
    db = open_database(out)
    try:
        from anjuan.review.reviewing import review_state

        assert "ZT-01" in review_state(db, screen.review_id).answers
    finally:
        db.close()


def test_every_workbench_binding_has_an_id_a_description_and_a_tooltip():
    import importlib
    import pkgutil

    from textual.binding import Binding
    from textual.dom import DOMNode

    import anjuan.ui

    for info in pkgutil.walk_packages(anjuan.ui.__path__, "anjuan.ui."):
        importlib.import_module(info.name)

    def subclasses(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from subclasses(sub)

    checked = 0
    for cls in set(subclasses(DOMNode)):
        if not cls.__module__.startswith("anjuan.ui"):
            continue
        for binding in cls.__dict__.get("BINDINGS", []):
            assert isinstance(binding, Binding), (cls, binding)
            assert binding.id and binding.description and binding.tooltip, (cls.__name__, binding)
            checked += 1
    assert checked > 30


async def test_search_matches_the_case_number_as_written_not_across_the_year(campaign_db):
    """"44号" must not find 〔2024〕4号 (the year's last digit and the number are not "44"); bracket
    variants and full-width digits still find the file."""
    app = make_app(str(campaign_db), "王敏")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        everything = shown(app)
        target = next(no for no in everything if re.search(r"〔2024〕\d号$", no))
        digit = target[-2]
        await pilot.press("slash", *f"4{digit}号")
        assert shown(app) == [no for no in everything if f"4{digit}号" in no]
        assert target not in shown(app)
        ones = [no for no in everything if no.endswith(f"〔2024〕{digit}号")]
        for typed in (f"〔2024〕{digit}号", f"(2024){digit}号", f"（２０２４）{chr(ord(digit) + 0xFEE0)}号", f"2024{digit}号"):
            await pilot.press("escape")
            await pilot.press("slash", *typed)
            assert shown(app) == ones, typed
