"""The current checklist item in full: text, points, basis, guide, deduction options, answer."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.markup import escape
from textual.widgets import Static

from anjuan.review.reviewing import StoredAnswer
from scoring import DEDUCT, VETO
from scoring.standard import Item

from .cells import points, show_text
from .checklist import mark


class ItemDetail(VerticalScroll, can_focus=False):
    """Scrolls when the basis and guide are longer than the pane."""

    def compose(self) -> ComposeResult:
        yield Static(id="detail-text")

    def show(self, item: Item, answer: StoredAnswer | None, moved: bool) -> None:
        """Describe `item`; `moved` says the cursor came from another item (scroll to the top)."""
        flags = [f"{points(item.points)} 分"]
        if item.veto:
            flags.append("[b $error]否决项[/]")
        if item.bars_excellent:
            flags.append("[$warning]不得评优项[/]")
        lines = [f"[b]{escape(item.id)}[/b]：{escape(item.text)}", "　".join(flags)]
        if item.veto and item.veto_text:
            lines.append(f"[$error]否决情形[/]：{escape(item.veto_text)}")
        if item.basis:
            lines.append(f"[$accent]依据[/]：{escape(item.basis)}")
        if item.guide:
            lines.append(f"[$accent]指引[/]：{escape(item.guide)}")
        if item.deductions:
            lines.append("[$accent]扣分选项[/]（按数字键；“每处”可再按一次累加，扣完为止）")
            for n, d in enumerate(item.deductions, 1):
                each = "每处" if d.per_occurrence else ""
                chosen = answer is not None and answer.verdict == DEDUCT and answer.option == n
                # No spaces inside a row: wrapping then breaks between characters, not after "1".
                row = f"[b]{n}[/b]．{escape(d.text)}（{each}扣{points(d.points)}分）"
                if chosen:
                    times = f"×{answer.occurrences}" if d.per_occurrence else ""
                    row = f"[reverse]▶{row}{times}[/reverse]"
                lines.append(row)
        if item.points > 0:
            lines.append(f"[b]d[/b]．自由扣分（至多{points(item.points)}分）")
        lines.append(self._answer_text(item, answer))
        show_text(self.query_one("#detail-text", Static), "\n".join(lines))
        if moved:
            self.scroll_home(animate=False)

    @staticmethod
    def _answer_text(item: Item, answer: StoredAnswer | None) -> str:
        if answer is None:
            return "[b]结论[/b] [$warning]未评[/]"
        label, _ = mark(answer)
        text = f"[b]结论[/b] {escape(answer.verdict)}"
        if answer.verdict == DEDUCT:
            text += f" {points(answer.deducted)} 分"
            if answer.option is None:
                text += "（自由扣分）"
        elif answer.verdict == VETO:
            text = f"[b]结论[/b] [b $error]{escape(label)}[/]"
        if answer.note:
            text += f"\n[b]问题描述[/b] {escape(answer.note)}"
        if answer.page_ref:
            text += f"\n[b]卷内页码[/b] {escape(answer.page_ref)}"
        if answer.verdict in (DEDUCT, VETO) and not answer.note:
            text += "\n[dim]按 e 填写问题描述和卷内页码[/dim]"
        return text
