"""A table of plain rows with Chinese-aware column widths and horizontal bars in cells.

The lead's dashboard and the 合议 screen show several small tables (agencies, reviewers, the
合议 queue, the merge log, the items of a file); each is a GridList with its own columns.
Only the rows on screen are drawn, so a queue of thousands of files costs nothing to show.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from textual.binding import Binding
from textual.message import Message

from .cells import fit
from .row_list import RowList

EIGHTHS = " ▏▎▍▌▋▊▉"


@dataclass(frozen=True)
class Col:
    """One column: its title, how wide it is and how it grows."""

    title: str
    width: int = 0
    """Cells; 0 sizes the column to its widest cell (up to `most`)."""
    align: str = "left"
    flex: int = 0
    """Share of the spare width this column takes."""
    most: int = 40
    """Widest an automatically sized column gets (never narrower than its title)."""
    shrink: bool = False
    """When the list is too narrow, this column gives up width (down to six cells) after the
    flexible ones (long names: 执法机关, 案件名称)."""
    least: int = 4
    """Narrowest a flexible column gets before columns are dropped."""
    drop: int = 0
    """When the list is too narrow, columns with a drop rank are hidden, highest rank first."""


@dataclass(frozen=True)
class Bar:
    """A horizontal bar filling `value / maximum` of its cell."""

    value: float
    maximum: float = 100.0

    def draw(self, width: int) -> str:
        share = 0.0 if self.maximum <= 0 else min(max(self.value / self.maximum, 0.0), 1.0)
        eighths = round(share * width * 8)
        full, part = divmod(eighths, 8)
        text = "█" * full + (EIGHTHS[part] if part and full < width else "")
        return text + " " * (width - cell_len(text))


@dataclass(frozen=True)
class Styled:
    """A cell's text drawn with one of the list's styles (a grid-list--<style> component class)."""

    text: str
    style: str


Cell = str | Styled | Bar

STYLES = ("muted", "good", "warn", "bad", "accent", "bar", "strong")


class GridList(RowList):
    """Rows of cells under a header line; Enter (when `choosable`) reports the chosen row."""

    COMPONENT_CLASSES: ClassVar[set[str]] = RowList.COMPONENT_CLASSES | {f"grid-list--{s}" for s in STYLES}

    BINDINGS = [Binding("enter", "choose", "打开", id="grid-open", tooltip="打开所选一行（也可双击）")]

    DEFAULT_CSS = """
    GridList > .grid-list--muted { color: $text-muted; }
    GridList > .grid-list--good { color: $success; }
    GridList > .grid-list--warn { color: $warning; }
    GridList > .grid-list--bad { color: $error; text-style: bold; }
    GridList > .grid-list--accent { color: $accent; text-style: bold; }
    GridList > .grid-list--strong { text-style: bold; }
    GridList > .grid-list--bar { color: $primary; }
    """

    header_lines = 1

    class RowChosen(Message):
        """A row was chosen with Enter or a double click."""

        def __init__(self, grid: GridList, key: str) -> None:
            super().__init__()
            self.grid = grid
            self.key = key

        @property
        def control(self) -> GridList:
            return self.grid

    class RowHighlighted(Message):
        """The cursor moved to another row."""

        def __init__(self, grid: GridList, key: str) -> None:
            super().__init__()
            self.grid = grid
            self.key = key

        @property
        def control(self) -> GridList:
            return self.grid

    def __init__(self, columns: Sequence[Col], *, choosable: bool = False, empty_text: str = "正在读取…",
                 id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.columns = tuple(columns)
        self.choosable = choosable
        self.empty_text = empty_text
        self.rows: Sequence[Sequence[Cell]] = ()
        self.keys: Sequence[str] = ()
        self._auto = [max(c.width, cell_len(c.title)) for c in self.columns]

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "choose":
            return self.choosable and bool(self.rows)
        return True

    def show(self, rows: Sequence[Sequence[Cell]], keys: Sequence[str] | None = None, keep: str | None = None) -> None:
        """Replace the rows (keys identify them; the cursor stays on `keep`, or the current key)."""
        current = self.current_key if keep is None else keep
        could_choose = self.choosable and bool(self.rows)
        old_rows, old_auto = self.rows, self._auto
        self.rows = rows
        self.keys = keys if keys is not None else [str(n) for n in range(len(rows))]
        auto = []
        for n, col in enumerate(self.columns):
            if col.width:
                auto.append(col.width)
                continue
            widest = max((cell_len(self._text(r[n])) for r in rows), default=0)
            auto.append(max(min(widest, col.most), cell_len(col.title)))
        self._auto = auto
        at = self.keys.index(current) if current in self.keys else 0
        at = min(at, max(len(rows) - 1, 0))
        if auto == old_auto:
            # Same column widths: only the rows that changed are redrawn (all of them if their
            # number changed).
            self.rows_replaced(old_rows, rows, at)
        else:
            self.set_reactive(GridList.cursor, at)
            self.reset_rows()
        if len(rows) != len(old_rows):
            # A list sized to its rows (height: auto) has to be laid out again when their number changes.
            self.refresh(layout=True)
        if self.choosable and bool(rows) != could_choose:
            # Only 'choose' depends on the rows (check_action): the footer, which rebuilds all its
            # keys on every refresh, is told only when it comes or goes.
            self.refresh_bindings()
        if rows:
            self.cursor_moved(self.cursor)

    @property
    def current_key(self) -> str | None:
        return self.keys[self.cursor] if 0 <= self.cursor < len(self.keys) else None

    @staticmethod
    def _text(cell: Cell) -> str:
        if isinstance(cell, Styled):
            return cell.text
        if isinstance(cell, Bar):
            return ""
        return cell

    def widths(self, width: int) -> list[int | None]:
        """Column widths for a list `width` cells wide (one-cell margin, one-cell gaps); None for
        a column dropped because the list is too narrow for it."""
        cols = self.columns
        widths: list[int | None] = list(self._auto)

        def needed() -> int:
            return 1 + sum((c.least if c.flex else w) + 1 for c, w in zip(cols, widths, strict=True) if w is not None)

        for n in sorted((n for n, c in enumerate(cols) if c.drop), key=lambda n: -cols[n].drop):
            if needed() <= width:
                break
            widths[n] = None
        shown = [n for n, w in enumerate(widths) if w is not None]
        spare = width - 1 - len(shown) - sum(widths[n] or 0 for n in shown)
        flexes = {n: cols[n].flex for n in shown if cols[n].flex}
        total = sum(flexes.values())
        if total and spare > 0:
            for n, f in flexes.items():
                widths[n] = (widths[n] or 0) + spare * f // total
        elif spare < 0:
            # Still too narrow: flexible columns give up width first, then the shrinkable ones.
            order = [(n, cols[n].least) for n in flexes] + [(n, 6) for n in shown if cols[n].shrink and not cols[n].flex]
            for n, least in order:
                if spare >= 0:
                    break
                current = widths[n] or 0
                give = max(min(current - least, -spare), 0)
                widths[n] = current - give
                spare += give
        return widths

    def row_count(self) -> int:
        return len(self.rows)

    def cursor_moved(self, index: int) -> None:
        if 0 <= index < len(self.keys):
            self.post_message(self.RowHighlighted(self, self.keys[index]))

    def row_chosen(self, index: int) -> None:
        if self.choosable:
            self.post_message(self.RowChosen(self, self.keys[index]))

    def render_header(self, width: int, base: Style) -> list[Segment]:
        segments = [Segment(" ", base)]
        for col, w in zip(self.columns, self.widths(width), strict=True):
            if w is not None:
                segments += [Segment(fit(col.title, w, col.align), base), Segment(" ", base)]
        return segments

    def render_row(self, index: int, width: int, base: Style, highlighted: bool) -> list[Segment]:
        segments = [Segment(" ", base)]
        for col, cell, w in zip(self.columns, self.rows[index], self.widths(width), strict=True):
            if w is None:
                continue
            if isinstance(cell, Bar):
                style = base + self.get_component_rich_style("grid-list--bar", partial=True)
                segments.append(Segment(cell.draw(w), style))
            elif isinstance(cell, Styled):
                style = base + self.get_component_rich_style(f"grid-list--{cell.style}", partial=True)
                segments.append(Segment(fit(cell.text, w, col.align), style))
            else:
                segments.append(Segment(fit(cell, w, col.align), base))
            segments.append(Segment(" ", base))
        return segments
