"""The checklist of one file: category titles and the items that apply to its 案件类别."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import ClassVar

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from textual.message import Message

from anjuan.review.reviewing import StoredAnswer
from scoring import DEDUCT, NA, PASS, VETO, Standard
from scoring.standard import Category, Item

from .cells import fit, points
from .row_list import RowList

CHINESE_NUMERALS = "一二三四五六七八九十"

MARK_WIDTH = 6


@dataclass(frozen=True)
class Line:
    """One line of the checklist: a category title (item is None) or an item."""

    category: Category
    item: Item | None = None


def mark(answer: StoredAnswer | None) -> tuple[str, str]:
    """What an item's answer looks like in the list, and its style class."""
    if answer is None:
        return "未评", "todo"
    if answer.verdict == PASS:
        return "✓符合", "pass"
    if answer.verdict == NA:
        return "不适用", "na"
    if answer.verdict == VETO:
        return "✗否决", "veto"
    if answer.verdict == DEDUCT:
        return f"扣{points(answer.deducted)}", "deduct"
    return answer.verdict, "todo"


class Checklist(RowList):
    """Items grouped by category; the cursor rests on items only."""

    COMPONENT_CLASSES: ClassVar[set[str]] = RowList.COMPONENT_CLASSES | {
        "checklist--category", "checklist--todo", "checklist--pass", "checklist--na",
        "checklist--veto", "checklist--deduct", "checklist--points",
    }

    class ItemHighlighted(Message):
        """The cursor moved to another checklist item."""

        def __init__(self, item: Item) -> None:
            super().__init__()
            self.item = item

    def __init__(self, standard: Standard, kind: str, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.lines: list[Line] = []
        applicable = {i.id for i in standard.items_for(kind or None)}
        for category in standard.categories:
            items = [i for i in category.items if i.id in applicable]
            if items:
                self.lines.append(Line(category))
                self.lines.extend(Line(category, i) for i in items)
        self.index = {line.item.id: n for n, line in enumerate(self.lines) if line.item}
        self.title_index = {line.category.id: n for n, line in enumerate(self.lines) if line.item is None}
        self.category_items = {
            c.id: [ln.item.id for ln in self.lines if ln.item and ln.category.id == c.id]
            for c in standard.categories
        }
        self.numerals = {
            c.id: CHINESE_NUMERALS[n] if n < len(CHINESE_NUMERALS) else str(n + 1)
            for n, c in enumerate(standard.categories)
        }
        self.answers: Mapping[str, StoredAnswer] = {}
        self.lost: Mapping[str, float] = {}
        # schema 2: a category's points are its weight; the heading says so and adds the points
        # of the items this kind of file gets
        self.weighted = standard.weighted
        self.kind_points = standard.category_points_for(kind or None)

    def on_mount(self) -> None:
        self.reset_rows()
        self.cursor_moved(self.cursor)

    @property
    def current(self) -> Item | None:
        line = self.lines[self.cursor] if 0 <= self.cursor < len(self.lines) else None
        return line.item if line else None

    @property
    def item_ids(self) -> list[str]:
        return list(self.index)

    def show_answers(self, answers: Mapping[str, StoredAnswer], lost: Mapping[str, float]) -> None:
        """Show these answers and per-category points lost.

        Only the rows that look different are redrawn: the items whose mark changed and the
        titles of their categories, or of a category whose points lost changed. Nothing is
        redrawn when nothing changed (the screen calls this again when a write returns).
        """
        old_answers, old_lost = self.answers, self.lost
        # Copies: the screen goes on changing its own dict, and the next call compares with this one.
        self.answers = dict(answers)
        self.lost = dict(lost)
        titles: set[str] = set()
        for item_id in old_answers.keys() | self.answers.keys():
            if item_id in self.index and mark(old_answers.get(item_id)) != mark(self.answers.get(item_id)):
                self.refresh_row(self.index[item_id])
                titles.add(self.lines[self.index[item_id]].category.id)
        for category_id in old_lost.keys() | self.lost.keys():
            if abs(old_lost.get(category_id, 0.0) - self.lost.get(category_id, 0.0)) > 1e-9:
                titles.add(category_id)
        for category_id in titles:
            if category_id in self.title_index:
                self.refresh_row(self.title_index[category_id])

    def go_to(self, item_id: str) -> None:
        if item_id in self.index:
            self.move_to(self.index[item_id])

    def row_count(self) -> int:
        return len(self.lines)

    def selectable(self, index: int) -> bool:
        return self.lines[index].item is not None

    def cursor_moved(self, index: int) -> None:
        item = self.lines[index].item if 0 <= index < len(self.lines) else None
        if item is not None:
            self.post_message(self.ItemHighlighted(item))

    def render_row(self, index: int, width: int, base: Style, highlighted: bool) -> list[Segment]:
        line = self.lines[index]
        if line.item is None:
            return self._render_category(line.category, width, base)
        item = line.item
        text, cls = mark(self.answers.get(item.id))
        mark_style = base + self.get_component_rich_style(f"checklist--{cls}", partial=True)
        dim = base + self.get_component_rich_style("checklist--points", partial=True)
        right = "否决项" if item.veto and item.points <= 0 else f"{points(item.points)}分"
        body = width - 1 - MARK_WIDTH - 1 - 6 - 1 - 6
        return [
            Segment(" ", base),
            Segment(fit(text, MARK_WIDTH), mark_style),
            Segment(" ", base),
            Segment(fit(item.id, 6), dim),
            Segment(fit(item.text, max(body, 4)), base),
            Segment(" ", base),
            Segment(fit(right, 6, "right"), dim),
        ]

    def _render_category(self, category: Category, width: int, base: Style) -> list[Segment]:
        style = base + self.get_component_rich_style("checklist--category", partial=True)
        items = self.category_items[category.id]
        done = sum(1 for i in items if i in self.answers)
        lost = self.lost.get(category.id, 0.0)
        right = f"已评 {done}/{len(items)}" + (f"  扣 {points(lost)}" if lost > 1e-9 else "")
        if self.weighted:
            left = (f"{self.numerals[category.id]}、{category.name}"
                    f"（权重{points(category.points)}分，条目{points(self.kind_points[category.id])}分）")
        else:
            left = f"{self.numerals[category.id]}、{category.name}（{points(category.points)}分）"
        return [Segment(" " + fit(left, max(width - 2 - cell_len(right), 4)) + right + " ", style)]
