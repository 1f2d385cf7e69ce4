"""What a key redraws: only what changed, and never a stale line.

The row lists redraw single rows when the cursor moves or an answer changes; these tests compare
the lines Textual keeps on screen for a widget (its line cache, which only dirty lines refresh)
with a fresh drawing of the whole widget, so a row refreshed at the wrong place shows up as a
stale line. The other tests check that the work a key causes is limited to what changed.
"""

from __future__ import annotations

from textual.geometry import Region
from textual.screen import Screen
from textual.widgets import Static
from textual.widgets._footer import FooterKey

from anjuan.ui.app import make_app
from anjuan.ui.widgets.case_table import CaseTable
from anjuan.ui.widgets.cells import show_text
from anjuan.ui.widgets.checklist import Checklist
from anjuan.ui.widgets.footer import CompactFooter
from anjuan.ui.widgets.grid_list import Col, GridList

from .conftest import open_file, paste, settle

FRESH = "测交罚〔2024〕4号"  # 行政处罚, not reviewed yet
SHORT = (100, 16)
"""A terminal so low that neither list fits: both scroll."""


def on_screen(widget) -> list[list]:
    """The widget's lines as they are on screen: from its line cache, redrawing only dirty lines."""
    return [list(strip) for strip in widget.render_lines(Region(0, 0, widget.size.width, widget.size.height))]


def drawn_afresh(widget) -> list[list]:
    """The widget's lines drawn from scratch."""
    widget.refresh()
    return on_screen(widget)


async def check_keys(pilot, widget, keys: list[str]) -> None:
    for key in keys:
        await pilot.press(key)
        await settle(pilot)
        shown = on_screen(widget)
        assert shown == drawn_afresh(widget), f"stale line after {key!r} (scrolled to {widget.scroll_y})"


async def test_cursor_moves_in_a_scrolled_case_list_leave_no_stale_row(campaign_file):
    app = make_app(str(campaign_file), "王敏")
    async with app.run_test(size=SHORT) as pilot:
        await settle(pilot)
        table = app.screen.query_one(CaseTable)
        assert table.row_count() > table.page_rows
        await pilot.press("end")
        await settle(pilot)
        assert table.scroll_y > 0
        await check_keys(pilot, table, ["up", "up", "up", "down", "pageup", "down", "up"])
        assert table.scroll_y > 0


async def test_answers_in_a_scrolled_checklist_leave_no_stale_row(campaign_file):
    app = make_app(str(campaign_file), "王敏")
    async with app.run_test(size=SHORT) as pilot:
        screen = await open_file(pilot, FRESH)
        checklist = screen.query_one(Checklist)
        await pilot.press("end")
        await settle(pilot)
        assert checklist.scroll_y > 0
        # Answers (their rows and category titles change) and moves, all within the scrolled page.
        await check_keys(pilot, checklist, ["up", "up", "space", "up", "up", "n", "up", "1", "1", "x", "down", "up"])
        assert checklist.scroll_y > 0


def record_calls(owner, name: str, monkeypatch, keep) -> list:
    """keep(args) of every call of owner.<name> from now on (the call itself goes through)."""
    calls: list = []
    original = getattr(owner, name)

    def wrapper(*args, **kwargs):
        calls.append(keep(args))
        return original(*args, **kwargs)

    monkeypatch.setattr(owner, name, wrapper)
    return calls


def record_refreshes(widget, monkeypatch) -> list[tuple[Region, ...]]:
    """The regions of every refresh() of the widget from now on (one tuple per call)."""
    return record_calls(widget, "refresh", monkeypatch, lambda args: args)


async def test_an_answer_redraws_its_row_and_category_title_and_a_returned_write_nothing(campaign_file, monkeypatch):
    app = make_app(str(campaign_file), "王敏")
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await open_file(pilot, FRESH)
        checklist = screen.query_one(Checklist)
        redrawn = record_refreshes(checklist, monkeypatch)
        item = checklist.current
        title = checklist.title_index[checklist.lines[checklist.cursor].category.id]
        await pilot.press("n")  # 不适用 on the current item, and on to the next one
        await settle(pilot)
        assert redrawn, "the answered row was not redrawn"
        assert all(len(regions) == 1 and regions[0].height == 1 for regions in redrawn), redrawn
        rows = {regions[0].y - checklist.header_lines + int(checklist.scroll_y) for regions in redrawn}
        assert rows == {checklist.index[item.id], title, checklist.cursor}
        assert checklist.cursor == checklist.index[item.id] + 1
        # The writer returned the same answers: nothing to redraw.
        redrawn.clear()
        screen.rescore()
        await settle(pilot)
        assert redrawn == []


def record_layouts(monkeypatch) -> list[Screen]:
    """The screen of every layout (Screen._refresh_layout, Textual 8.2.8) from now on."""
    return record_calls(Screen, "_refresh_layout", monkeypatch, lambda args: args[0])


async def test_the_status_line_is_updated_without_a_layout(campaign_file, monkeypatch):
    app = make_app(str(campaign_file), "王敏")
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await open_file(pilot, FRESH)
        await pilot.press("space")
        await settle(pilot)
        layouts = record_layouts(monkeypatch)
        position, saved = screen.query_one("#position", Static), screen.query_one("#saved", Static)
        assert "已保存" in str(saved.render())
        # Both have fixed sizes (scoring.tcss): new text, even of another width, needs no layout.
        show_text(position, "第 1/1 项")
        show_text(saved, "[$warning]保存中…[/]")
        await pilot.pause()
        assert layouts == []
        assert str(position.render()) == "第 1/1 项" and str(saved.render()) == "保存中…"


async def test_show_text_lays_out_only_when_an_auto_sized_text_changes_size(campaign_file, monkeypatch):
    app = make_app(str(campaign_file), "王敏")
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await open_file(pilot, FRESH)
        await settle(pilot)
        panel = screen.query_one("#score", Static)  # height: auto
        layouts = record_layouts(monkeypatch)
        lines = str(panel.render()).split("\n")
        show_text(panel, "\n".join(["变了"] * len(lines)))
        await pilot.pause()
        assert layouts == [] and str(panel.render()).split("\n") == ["变了"] * len(lines)
        show_text(panel, "\n".join(["多一行"] * (len(lines) + 1)))
        await pilot.pause()
        assert layouts and panel.size.height == len(lines) + 1


async def test_the_footer_keeps_its_keys_when_they_do_not_change(campaign_file):
    app = make_app(str(campaign_file), "王敏")
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await open_file(pilot, FRESH)
        footer = screen.query_one(CompactFooter)
        keys = list(footer.query(FooterKey))
        assert "提交" in [k.description for k in keys]
        screen.refresh_bindings()
        await settle(pilot)
        await pilot.press("down", "space")
        await settle(pilot)
        assert list(footer.query(FooterKey)) == keys, "the footer rebuilt identical keys"
        # When the keys do change (a submitted file offers 退回重评 instead of 提交), it rebuilds.
        screen.status = "submitted"
        screen.refresh_bindings()
        await settle(pilot)
        descriptions = [k.description for k in footer.query(FooterKey)]
        assert "退回重评" in descriptions and "提交" not in descriptions


async def test_the_scrollbar_follows_the_rows_when_a_search_narrows_the_list(campaign_file):
    app = make_app(str(campaign_file), "王敏")
    async with app.run_test(size=SHORT) as pilot:
        await settle(pilot)
        table = app.screen.query_one(CaseTable)
        total = table.row_count()
        assert table.show_vertical_scrollbar
        assert table.vertical_scrollbar.window_virtual_size == total + table.header_lines
        await pilot.press("slash")
        await paste(pilot, FRESH)
        await settle(pilot)
        assert table.row_count() == 1 and not table.show_vertical_scrollbar
        await pilot.press("escape")  # clears the search: every file again
        await settle(pilot)
        assert table.row_count() == total and table.show_vertical_scrollbar
        assert table.vertical_scrollbar.window_virtual_size == total + table.header_lines
        assert on_screen(table) == drawn_afresh(table)


async def test_a_grid_shown_again_redraws_only_the_rows_that_changed(campaign_file, monkeypatch):
    app = make_app(str(campaign_file), "王敏")
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        grid = GridList([Col("甲", width=6), Col("乙", flex=1)], id="probe")
        await app.screen.mount(grid, before=app.screen.query_one(CaseTable))
        rows = [(f"第{n}行", "内容") for n in range(5)]
        grid.show(rows)
        await settle(pilot)
        redrawn = record_refreshes(grid, monkeypatch)
        grid.show(list(rows))
        assert redrawn == []
        changed = [*rows[:3], ("第3行", "改了"), rows[4]]
        grid.show(changed)
        assert [r[0].y for r in redrawn] == [3 + grid.header_lines] and all(len(r) == 1 for r in redrawn)
        await settle(pilot)
        assert on_screen(grid) == drawn_afresh(grid)
        assert "改了" in "".join(seg.text for seg in on_screen(grid)[3 + grid.header_lines])
