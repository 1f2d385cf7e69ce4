"""The reviewer's case table: 案号, 执法机关, 案件名称, 案件类别, 状态, 得分, 等级.

Only the rows on screen are drawn, so opening a list of 20,000 files paints at once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import ClassVar

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from textual.binding import Binding
from textual.message import Message

from anjuan.review.reviewing import CaseRow

from .cells import fit, points
from .row_list import RowList


@dataclass(frozen=True)
class Column:
    key: str
    """The CaseRow field shown (and sorted on)."""
    title: str
    min: int
    ideal: int
    align: str = "left"
    flex: int = 0
    """Share of spare width this column takes after every column has its minimum."""
    short: str = ""
    """Title used when the column is narrower than its full title."""


COLUMNS: tuple[Column, ...] = (
    Column("case_no", "案号", 16, 22),
    Column("agency", "执法机关", 8, 28, flex=2),
    Column("title", "案件名称", 10, 200, flex=3),
    Column("kind", "案件类别", 4, 8, short="类别"),
    Column("status", "状态", 6, 6),
    Column("score", "得分", 5, 6, "right"),
    Column("grade", "等级", 6, 6),
)

STATUS_CLASSES = {"未评": "todo", "评查中": "draft", "已提交": "submitted", "已退回": "reopened"}

# How spare width is handed out, in order: whole case numbers first, then enough of the agency
# and title to recognise them, then the full 案件类别, then everything else to the title.
GROWTH: tuple[tuple[str, int], ...] = (
    ("case_no", 22), ("agency", 12), ("title", 18), ("kind", 8), ("score", 6),
    ("agency", 28), ("title", 200),
)


@lru_cache(maxsize=16)
def layout(width: int) -> list[int]:
    """Column widths for a table `width` cells wide (one-cell margin, one-cell gaps)."""
    widths = {c.key: c.min for c in COLUMNS}
    spare = width - 1 - (len(COLUMNS) - 1) - sum(widths.values())
    for key, target in GROWTH:
        if spare <= 0:
            break
        grow = min(max(0, target - widths[key]), spare)
        widths[key] += grow
        spare -= grow
    return [widths[c.key] for c in COLUMNS]


def cell_text(row: CaseRow, key: str, width: int) -> str:
    if key == "score":
        return points(row.score)
    if key == "grade":
        return row.grade or ""
    if key == "kind" and width < 8 and row.kind.startswith("行政"):
        return row.kind[2:]
    return str(getattr(row, key) or "")


class CaseTable(RowList):
    """The (filtered, sorted) case rows the screen hands it; the screen owns what they are."""

    COMPONENT_CLASSES: ClassVar[set[str]] = RowList.COMPONENT_CLASSES | {
        "case-table--todo", "case-table--draft", "case-table--submitted", "case-table--reopened",
        "case-table--sorted",
    }

    BINDINGS = [Binding("enter", "choose", "打开", id="cases-open", tooltip="打开所选案卷进行评查（也可双击）")]

    empty_text = "没有符合条件的案卷"

    class CaseChosen(Message):
        """The reviewer chose a file to open (Enter or double click)."""

        def __init__(self, row: CaseRow) -> None:
            super().__init__()
            self.row = row

    class SortRequested(Message):
        """The reviewer clicked a column title."""

        def __init__(self, key: str) -> None:
            super().__init__()
            self.key = key

    header_lines = 1

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.rows: Sequence[CaseRow] = ()
        self.sort_key: str | None = None
        self.sort_reverse = False

    def show_rows(self, rows: Sequence[CaseRow], keep_case: str | None = None) -> None:
        """Replace the rows shown, keeping the cursor on `keep_case` when it is still listed
        (otherwise on the first row, so Enter after a search opens the first match)."""
        old, self.rows = self.rows, rows
        at = next((i for i, row in enumerate(rows) if row.case_id == keep_case), 0)
        header = (self.sort_key, self.sort_reverse)
        if header != self._header_shown:
            self._header_shown = header
            self.set_reactive(CaseTable.cursor, at)
            self.reset_rows()
        else:
            # The same number of rows (coming back from a file, a filter that keeps them all):
            # only the rows that changed are redrawn.
            self.rows_replaced(old, rows, at)

    _header_shown: tuple[str | None, bool] | None = None
    """The sort column and direction the header line was drawn with."""

    @property
    def current(self) -> CaseRow | None:
        return self.rows[self.cursor] if 0 <= self.cursor < len(self.rows) else None

    def row_count(self) -> int:
        return len(self.rows)

    def render_header(self, width: int, base: Style) -> list[Segment]:
        segments = [Segment(" ", base)]
        sorted_style = base + self.get_component_rich_style("case-table--sorted", partial=True)
        for col, w in zip(COLUMNS, layout(width), strict=True):
            title = col.title if cell_len(col.title) <= w or not col.short else col.short
            if col.key == self.sort_key:
                title += "▼" if self.sort_reverse else "▲"
            segments.append(Segment(fit(title, w, col.align), sorted_style if col.key == self.sort_key else base))
            segments.append(Segment(" ", base))
        return segments

    def render_row(self, index: int, width: int, base: Style, highlighted: bool) -> list[Segment]:
        row = self.rows[index]
        status_style = base + self.get_component_rich_style(f"case-table--{STATUS_CLASSES.get(row.status, 'draft')}", partial=True)
        segments = [Segment(" ", base)]
        for col, w in zip(COLUMNS, layout(width), strict=True):
            style = status_style if col.key in ("status", "score", "grade") else base
            segments.append(Segment(fit(cell_text(row, col.key, w), w, col.align), style))
            segments.append(Segment(" ", base))
        return segments

    def row_chosen(self, index: int) -> None:
        self.post_message(self.CaseChosen(self.rows[index]))

    def header_clicked(self, x: int) -> None:
        left = 1
        for col, w in zip(COLUMNS, layout(self.scrollable_content_region.width), strict=True):
            if left <= x < left + w + 1:
                self.post_message(self.SortRequested(col.key))
                return
            left += w + 1
