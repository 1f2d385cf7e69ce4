"""A keyboard-and-mouse list that renders only the rows on screen (Textual's Line API).

Rendering is per visible line, so a list of 20,000 files costs the same to paint as one of 20.
Subclasses say how many rows there are and how to draw one; this class owns the cursor,
scrolling, the sticky header line, and mapping clicks to rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from rich.segment import Segment
from rich.style import Style
from textual.binding import Binding, BindingType
from textual.events import Click
from textual.geometry import Region, Size
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from .cells import fit


class RowList(ScrollView, can_focus=True):
    """Base for the case table and the checklist: a cursor over lazily drawn rows."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up,k", "cursor_up", "上移", show=False, id="list-up", tooltip="光标上移一行"),
        Binding("down,j", "cursor_down", "下移", show=False, id="list-down", tooltip="光标下移一行"),
        Binding("pageup", "page_up", "上一页", show=False, id="list-page-up", tooltip="向上翻一屏"),
        Binding("pagedown", "page_down", "下一页", show=False, id="list-page-down", tooltip="向下翻一屏"),
        Binding("home", "first", "第一行", show=False, id="list-first", tooltip="跳到第一行"),
        Binding("end", "last", "最后一行", show=False, id="list-last", tooltip="跳到最后一行"),
    ]

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "row-list--header",
        "row-list--cursor",
        "row-list--dim",
        "row-list--empty",
    }

    header_lines: ClassVar[int] = 0
    """Lines at the top that stay put while the rows scroll (column titles)."""

    cursor: reactive[int] = reactive(0, init=False, repaint=False)
    """Index of the highlighted row (moving it redraws the two rows concerned, see watch_cursor)."""

    empty_text: str = "（无内容）"

    # Subclasses implement these.
    def row_count(self) -> int:
        raise NotImplementedError

    def render_row(self, index: int, width: int, base: Style, highlighted: bool) -> list[Segment]:
        raise NotImplementedError

    def render_header(self, width: int, base: Style) -> list[Segment]:
        return [Segment(" " * width, base)]

    def selectable(self, index: int) -> bool:
        """Whether the cursor may rest on this row (category titles, for example, may not)."""
        return True

    def cursor_moved(self, index: int) -> None:
        """Called after the cursor moved to another row."""

    def row_chosen(self, index: int) -> None:
        """Called when a row is chosen with Enter or a double click."""

    # Geometry and refreshing.
    @property
    def page_rows(self) -> int:
        return max(1, self.scrollable_content_region.height - self.header_lines)

    def reset_rows(self) -> None:
        """Call after the rows changed: resizes the scroll range and keeps the cursor valid."""
        count = self.row_count()
        self.virtual_size = Size(self.scrollable_content_region.width, count + self.header_lines)
        if count:
            cursor = min(max(self.cursor, 0), count - 1)
            if not self.selectable(cursor):
                cursor = self._next_selectable(cursor, 1, wrap=True)
            self.set_reactive(RowList.cursor, cursor)
        else:
            self.set_reactive(RowList.cursor, 0)
        self._reveal(self.cursor)
        self.refresh()

    def rows_replaced(self, old: Sequence[object], new: Sequence[object], cursor: int) -> None:
        """Call after the rows changed from `old` to `new`, with the cursor's new row.

        When there are as many rows as before, only the rows that differ and the cursor's old and
        new rows are redrawn (a list read again usually changes a row or two, or none);
        otherwise everything is, as by `reset_rows`.
        """
        count = len(new)
        if not (self.is_mounted and count and len(old) == count and 0 <= cursor < count and self.selectable(cursor)):
            self.set_reactive(RowList.cursor, cursor)
            self.reset_rows()
            return
        before = self.cursor
        self.set_reactive(RowList.cursor, cursor)
        for index, (was, now) in enumerate(zip(old, new, strict=True)):
            if was != now:
                self.refresh_row(index)
        if before != cursor:
            self.refresh_row(before)
            self.refresh_row(cursor)
        self._reveal(cursor)

    def refresh_row(self, index: int) -> None:
        """Redraw one row, if it is on screen.

        The region is given in visible (not virtual) lines: that is how Textual marks lines dirty
        in the widget's line cache (ScrollView.refresh_lines would subtract the scroll offset a
        second time and redraw the wrong line once the list is scrolled).
        """
        y = index - int(self.scroll_y) + self.header_lines
        if self.header_lines <= y < self.size.height:
            self.refresh(Region(0, y, self.size.width, 1))

    _scrollbars_for: Size | None = None
    """The virtual size the scrollbars were last set up for."""

    def _size_updated(self, size: Size, virtual_size: Size, container_size: Size, layout: bool = True) -> bool:
        # Textual (8.2) hands a line-API ScrollView the size of its viewport as its virtual size
        # on every layout of the screen, which never equals the list's own (rows × width), so
        # each layout anywhere on the screen set up and redrew the scrollbar again. Set it up
        # when the list's size, its container or its own virtual size changed.
        if self.virtual_size == self._scrollbars_for:
            virtual_size = self.virtual_size
        self._scrollbars_for = self.virtual_size
        return super()._size_updated(size, virtual_size, container_size, layout)

    def on_resize(self) -> None:
        self.virtual_size = Size(self.scrollable_content_region.width, self.row_count() + self.header_lines)
        self._reveal(self.cursor)

    def watch_cursor(self, old: int, new: int) -> None:
        self.refresh_row(old)
        self.refresh_row(new)
        self._reveal(new)
        self.cursor_moved(new)

    def move_to(self, index: int) -> None:
        """Put the cursor on a row (clamped) and scroll it into view."""
        count = self.row_count()
        if count:
            self.cursor = min(max(index, 0), count - 1)

    def _reveal(self, index: int) -> None:
        top = int(self.scroll_y)
        page = self.page_rows
        if index < top:
            self.scroll_to(y=index, animate=False, immediate=True)
        elif index >= top + page:
            self.scroll_to(y=index - page + 1, animate=False, immediate=True)

    def _next_selectable(self, start: int, step: int, wrap: bool = False) -> int:
        count = self.row_count()
        i = start
        for _ in range(count):
            if 0 <= i < count and self.selectable(i):
                return i
            i += step
            if wrap:
                i %= count
            elif not 0 <= i < count:
                break
        return self.cursor

    # Drawing.
    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        base = self.rich_style
        if y < self.header_lines:
            style = base + self.get_component_rich_style("row-list--header", partial=True)
            return Strip(self.render_header(width, style), width).crop_extend(0, width, style)
        index = int(self.scroll_y) + y - self.header_lines
        count = self.row_count()
        if count == 0 and index == 0:
            style = base + self.get_component_rich_style("row-list--empty", partial=True)
            return Strip([Segment(fit(self.empty_text, width, "center"), style)], width)
        if not 0 <= index < count:
            return Strip.blank(width, base)
        highlighted = index == self.cursor
        style = base + self.get_component_rich_style("row-list--cursor", partial=True) if highlighted else base
        segments = self.render_row(index, width, style, highlighted)
        return Strip(segments).crop_extend(0, width, style)

    # Keys and mouse.
    def action_cursor_up(self) -> None:
        self.cursor = self._next_selectable(self.cursor - 1, -1)

    def action_cursor_down(self) -> None:
        self.cursor = self._next_selectable(self.cursor + 1, 1)

    def action_page_up(self) -> None:
        target = max(0, self.cursor - self.page_rows)
        self.cursor = self._next_selectable(target, 1)

    def action_page_down(self) -> None:
        target = min(self.row_count() - 1, self.cursor + self.page_rows)
        self.cursor = self._next_selectable(target, -1)

    def action_first(self) -> None:
        self.cursor = self._next_selectable(0, 1)

    def action_last(self) -> None:
        self.cursor = self._next_selectable(self.row_count() - 1, -1)

    def action_choose(self) -> None:
        """Enter (bound by subclasses whose rows can be opened)."""
        if self.row_count():
            self.row_chosen(self.cursor)

    def header_clicked(self, x: int) -> None:
        """Called when the header line is clicked at column x."""

    def on_click(self, event: Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None:
            return
        if offset.y < self.header_lines:
            self.header_clicked(offset.x)
            return
        index = int(self.scroll_y) + offset.y - self.header_lines
        if 0 <= index < self.row_count() and self.selectable(index):
            self.cursor = index
            if event.chain >= 2:
                self.row_chosen(index)
