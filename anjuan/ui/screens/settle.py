"""合议: the lead settles a file whose two reviews disagree, item by item.

Both reviews are shown side by side. For every item on which they differ the lead takes A's
answer, B's answer, or enters their own; items they agree on are taken as they are. Finishing
asks for a reason and calls conflicts.settle(): the result becomes the file's final review, and
the two original reviews stay as they were.
"""

from __future__ import annotations

from functools import partial

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.markup import escape as esc
from textual.widgets import Header, Static

from anjuan.lead.conflicts import (
    SOURCE_A,
    SOURCE_B,
    SOURCE_LEAD,
    ItemDiff,
    SettleResult,
    SideBySide,
    settle,
)
from anjuan.review.reviewing import CaseDetail, StoredAnswer
from scoring import DEDUCT, NA, PASS, VETO, CaseScore, score_case
from scoring.standard import Item

from ...errors import AnjuanError, StaleRevisionError
from ..dialogs import ChoiceDialog, ConfirmDialog, FreeDeductionDialog, NoteDialog, ReasonDialog
from ..session import ReviewSession
from ..widgets.cells import points, show_text
from ..widgets.checklist import mark
from ..widgets.footer import CompactFooter
from ..widgets.grid_list import Col, GridList, Styled
from ..writer import Write
from .base import WorkbenchScreen

STALE = "stale"  # dismissed because the reviews changed meanwhile: reopen on the new state
MARK_STYLES = {"todo": "muted", "pass": "good", "na": "muted", "deduct": "warn", "veto": "bad"}
TAKEN = {SOURCE_A: "采纳A", SOURCE_B: "采纳B", SOURCE_LEAD: "组长认定"}


def answer_lines(answer: StoredAnswer | None, other: StoredAnswer | None) -> list[str]:
    """An answer in full (verdict, deduction, note, page), fields that differ from `other` in bold."""
    if answer is None:
        return ["[$text-muted]未评[/]"]

    def field(label: str, text: str, differs: bool) -> str:
        shown = esc(text) if text else "[$text-muted]—[/]"
        return f"{label} [b $warning]{shown}[/]" if differs else f"{label} {shown}"

    verdict = answer.verdict
    if answer.verdict == DEDUCT:
        verdict += f" {points(answer.deducted)} 分" + ("（自由扣分）" if answer.option is None else f"（选项 {answer.option}）")
    differs = other is None or other.verdict != answer.verdict or abs(other.deducted - answer.deducted) > 1e-9
    return [
        field("结论", verdict, differs),
        field("问题描述", answer.note, other is not None and other.note != answer.note),
        field("卷内页码", answer.page_ref, other is not None and other.page_ref != answer.page_ref),
    ]


class SettleScreen(WorkbenchScreen[bool]):
    """Settles one file; dismisses with True once the settled result was saved."""

    BINDINGS = [
        Binding("1,a", "take('a')", "采纳A", id="settle-take-a", tooltip="本项采纳评查人员 A 的意见，并移到下一个待定项"),
        Binding("2,b", "take('b')", "采纳B", id="settle-take-b", tooltip="本项采纳评查人员 B 的意见，并移到下一个待定项"),
        Binding("e", "own", "组长认定", id="settle-own", tooltip="由组长自行认定本项：选择结论，填写扣分、问题描述和卷内页码"),
        Binding("x,backspace", "clear", "撤销", show=False, id="settle-clear", tooltip="撤销本项的选择（意见一致的条目恢复为采纳一致意见）"),
        Binding("tab,u", "next_open", "下一待定", id="settle-next-open", tooltip="跳到下一个尚未选定的分歧条目"),
        Binding("f", "toggle_differing", "只看分歧", id="settle-filter", tooltip="只列出两人意见不一致的条目／列出全部适用条目"),
        Binding("ctrl+s", "finish", "完成合议", id="settle-finish", tooltip="全部分歧条目选定后，填写合议理由，保存为本卷的最终结果"),
        Binding("escape", "back", "返回", id="settle-back", tooltip="回到组长总览（未完成的合议不保存）"),
    ]

    def __init__(self, session: ReviewSession, side: SideBySide, detail: CaseDetail) -> None:
        super().__init__()
        self.session = session
        self.side = side
        self.detail = detail
        self.choices: dict[str, tuple[str, StoredAnswer]] = {}
        """Item id → (source, answer) for every item the lead decided."""
        self.only_differing = False
        self.busy = False
        """The settled result is on its way to the database."""
        self.diffs = {d.item_id: d for d in side.items}
        self.result: CaseScore = self.score()

    # Layout.
    def compose(self) -> ComposeResult:
        s, d = self.side, self.detail
        yield Header(icon="卷")
        with Vertical(id="case-head"):
            yield Static(f"[b]{esc(s.case_no)}[/b]　{esc(s.agency)}　{esc(s.title or '—')}", classes="case-line")
            yield Static(f"案件类别 {esc(s.kind or '—')}　当事人 {esc(d.party or '—')}　"
                         f"[$warning]分歧[/]：{esc('；'.join(s.reasons) or '—')}", classes="case-line")
        with Horizontal(id="sides"):
            yield Static(id="side-a", classes="side")
            yield Static(id="side-b", classes="side")
            yield Static(id="side-result", classes="side")
        yield GridList([Col("", width=4), Col("条目", most=8), Col("评查项目", flex=1),
                        Col(f"A {s.a.reviewer}", most=10), Col(f"B {s.b.reviewer}", most=10), Col("合议", most=12)],
                       empty_text="本卷没有适用的条目", id="items")
        yield Static(id="item-text")
        with Horizontal(id="compare"):
            yield Static(id="compare-a", classes="compare")
            yield Static(id="compare-b", classes="compare")
            yield Static(id="compare-result", classes="compare")
        yield Static(id="position")
        yield CompactFooter(show_command_palette=False)

    def on_mount(self) -> None:
        self.sub_title = f"合议 {self.side.case_no}"
        a, b = self.side.a, self.side.b
        self.query_one("#side-a", Static).update(f"A [b]{esc(a.reviewer)}[/b] {points(a.score)}分 {esc(a.grade)}")
        self.query_one("#side-b", Static).update(f"B [b]{esc(b.reviewer)}[/b] {points(b.score)}分 {esc(b.grade)}")
        grid = self.query_one("#items", GridList)
        grid.focus()
        # The item's answers follow the cursor at once, in the same screen update as the rows
        # (RowHighlighted would arrive after that update and cost a second one).
        self.watch(grid, "cursor", self.show_item, init=False)
        first = next((i.item_id for i in self.side.items if self.is_open(i)), None)
        self.show_rows(keep=first)

    @property
    def grid(self) -> GridList:
        return self.query_one("#items", GridList)

    # What the lead decided so far.
    def is_open(self, diff: ItemDiff) -> bool:
        """A differing item (or one neither reviewer answered) the lead has not decided yet."""
        return diff.item_id not in self.choices and (diff.differs or diff.a is None)

    def effective(self, diff: ItemDiff) -> StoredAnswer | None:
        """The answer the settled result will have for this item (None while undecided)."""
        if diff.item_id in self.choices:
            return self.choices[diff.item_id][1]
        return None if self.is_open(diff) else diff.a

    def score(self) -> CaseScore:
        answers = [a.as_input() for d in self.side.items if (a := self.effective(d)) is not None]
        return score_case(self.session.standard, self.side.kind or None, answers)

    @property
    def open_items(self) -> list[str]:
        return [d.item_id for d in self.side.items if self.is_open(d)]

    # Showing state.
    def show_rows(self, keep: str | None = None) -> None:
        diffs = [d for d in self.side.items if d.differs or not self.only_differing]
        rows = []
        for d in diffs:
            cells = []
            for answer in (d.a, d.b):
                text, cls = mark(answer)
                cells.append(Styled(text, MARK_STYLES.get(cls, "muted")))
            if d.item_id in self.choices:
                source, answer = self.choices[d.item_id]
                taken = Styled(TAKEN[source] if source != SOURCE_LEAD else f"组长:{mark(answer)[0]}", "accent")
            elif self.is_open(d):
                taken = Styled("待定", "bad")
            else:
                taken = Styled("一致", "muted")
            rows.append((Styled("分歧", "warn") if d.differs else "", d.item_id, d.text, *cells, taken))
        self.grid.show(rows, [d.item_id for d in diffs], keep)
        self.result = self.score()
        self.show_result()
        self.show_item()

    def show_result(self) -> None:
        r = self.result
        left = len(self.open_items)
        # score_case counts undecided items as full marks, so any score shown before every item is
        # decided would be too high (100 分 优秀 between a 95 and a 96): show none until then.
        if left:
            text = f"合议结果 [b]—[/b] [$error]待定 {left} 项[/]，全部定下后计分"
        else:
            text = f"合议结果 [b]{points(r.score)}[/b]分 [b]{esc(r.grade)}[/b] [$success]Ctrl+S 完成合议[/]"
        show_text(self.query_one("#side-result", Static), text)

    @on(GridList.RowHighlighted, "#items")
    def item_highlighted(self) -> None:
        self.show_item()

    def current(self) -> tuple[ItemDiff, Item] | None:
        key = self.grid.current_key
        if key is None or key not in self.diffs:
            return None
        return self.diffs[key], self.session.standard.item(key)

    def show_item(self) -> None:
        found = self.current()
        if found is None:
            return
        d, item = found
        flags = [f"{points(item.points)} 分"] + (["[b $error]否决项[/]"] if item.veto else [])
        show_text(self.query_one("#item-text", Static), f"[b]{esc(d.item_id)}[/b]（{esc(d.category)}）{esc(d.text)}　{'　'.join(flags)}")
        show_text(self.query_one("#compare-a", Static),
            "\n".join([f"[b]A {esc(self.side.a.reviewer)}[/b]", *answer_lines(d.a, d.b)]))
        show_text(self.query_one("#compare-b", Static),
            "\n".join([f"[b]B {esc(self.side.b.reviewer)}[/b]", *answer_lines(d.b, d.a)]))
        if d.item_id in self.choices:
            source, answer = self.choices[d.item_id]
            head = f"[b]合议[/b]　[$accent]{TAKEN[source]}[/]"
            body = answer_lines(answer, answer)
        elif self.is_open(d):
            head, body = "[b]合议[/b]　[$error]待定[/]", ["1/a 采纳A　2/b 采纳B", "e 组长认定"]
        else:
            head, body = "[b]合议[/b]　[$text-muted]两人一致[/]", answer_lines(d.a, d.a)
        show_text(self.query_one("#compare-result", Static), "\n".join([head, *body]))
        ids = list(self.grid.keys)
        at = ids.index(d.item_id) + 1 if d.item_id in ids else 0
        differing = [x.item_id for x in self.side.items if x.differs]
        decided = sum(1 for x in differing if x in self.choices)
        scope = "只看分歧" if self.only_differing else "全部条目"
        show_text(self.query_one("#position", Static),
            f"第 {at}/{len(ids)} 项（{scope}，f 切换）　分歧 {len(differing)} 项：已定 {decided}，"
            f"待定 {len(self.open_items)}　? 全部快捷键")

    # Deciding items.
    def target(self) -> tuple[ItemDiff, Item] | None:
        if self.busy:
            self.notify("正在保存合议结果，请稍候", severity="warning")
            return None
        return self.current()

    def decide(self, item_id: str, source: str | None, answer: StoredAnswer | None = None, advance: bool = True) -> None:
        """Record (or with source None, take back) the lead's choice for an item."""
        if source is None:
            self.choices.pop(item_id, None)
        else:
            assert answer is not None
            self.choices[item_id] = (source, answer)
        self.show_rows(keep=item_id)
        if advance and source is not None:
            self.action_next_open(quiet=True)

    def action_take(self, source: str) -> None:
        found = self.target()
        if found is None:
            return
        d, _ = found
        answer = d.a if source == SOURCE_A else d.b
        who = self.side.a.reviewer if source == SOURCE_A else self.side.b.reviewer
        if answer is None:
            self.notify(f"{who}没有评条目 {d.item_id}，不能采纳其意见；可按 e 由组长认定", severity="warning")
            return
        self.decide(d.item_id, source, answer)

    def action_own(self) -> None:
        found = self.target()
        if found is None:
            return
        d, item = found
        page = next((a.page_ref for a in (d.a, d.b) if a is not None and a.page_ref), "")
        choices = [(PASS, "符合")]
        choices += [(f"option{n}", f"扣分选项 {n}：{o.text}（{'每处' if o.per_occurrence else ''}扣 {points(o.points)} 分）")
                    for n, o in enumerate(item.deductions, 1)]
        if item.points > 1e-9:
            choices.append((DEDUCT, f"自由扣分（至多 {points(item.points)} 分，输入分数和问题描述）"))
        choices.append((NA, "不适用"))
        if item.veto:
            choices.append((VETO, f"否决：{item.veto_text or '存在否决情形'}"))

        def noted(verdict: str, deducted: float, option: int | None, note: str) -> None:
            def edited(result) -> None:
                if result is not None:
                    self.decide(d.item_id, SOURCE_LEAD,
                                StoredAnswer(d.item_id, verdict, deducted, option, 1, result.note, result.page_ref))

            self.app.push_screen(NoteDialog(d.item_id, note, page), edited)

        def free(result) -> None:
            if result is not None:
                noted(DEDUCT, result.points, None, result.note)

        def chosen(key: str | None) -> None:
            if key is None:
                return
            if key in (PASS, NA):
                self.decide(d.item_id, SOURCE_LEAD, StoredAnswer(d.item_id, key))
            elif key == VETO:
                noted(VETO, item.points, None, item.veto_text)
            elif key == DEDUCT:
                self.app.push_screen(FreeDeductionDialog(d.item_id, item.points, None, ""), free)
            else:
                n = int(key.removeprefix("option"))
                option = item.deductions[n - 1]
                noted(DEDUCT, min(item.points, option.points), n, option.text)

        self.app.push_screen(ChoiceDialog(f"组长认定 {d.item_id}：{item.text}", choices, ""), chosen)

    def action_clear(self) -> None:
        found = self.target()
        if found is None:
            return
        d, _ = found
        if d.item_id not in self.choices:
            self.notify(f"{d.item_id} 尚未选择")
            return
        self.decide(d.item_id, None)

    def action_next_open(self, quiet: bool = False) -> None:
        keys = list(self.grid.keys)
        current = self.grid.current_key
        start = keys.index(current) + 1 if current in keys else 0
        for key in keys[start:] + keys[:start]:
            if self.is_open(self.diffs[key]):
                self.grid.move_to(keys.index(key))
                return
        if not quiet:
            self.notify("分歧条目均已选定，可按 Ctrl+S 完成合议")

    def action_toggle_differing(self) -> None:
        self.only_differing = not self.only_differing
        self.show_rows()

    # Finishing and leaving.
    def action_finish(self) -> None:
        if self.busy:
            return
        left = self.open_items
        if left:
            shown = "、".join(left[:6]) + ("等" if len(left) > 6 else "")
            self.notify(f"还有 {len(left)} 项分歧未选定：{shown}。已跳到第一项。", title="不能完成合议",
                        severity="warning", timeout=6)
            if left[0] not in self.grid.keys:
                self.only_differing = False
                self.show_rows()
            self.grid.move_to(list(self.grid.keys).index(left[0]))
            return
        r = self.result
        title = f"完成合议 {self.side.case_no}：{points(r.score)} 分，{r.grade}"

        def reason_given(reason: str | None) -> None:
            if reason and not self.busy:
                self.busy = True
                payload = {k: (source, answer if source == SOURCE_LEAD else None)
                           for k, (source, answer) in self.choices.items()}
                seen = {self.side.a.review_id: self.side.a.revision, self.side.b.review_id: self.side.b.revision}
                call = partial(settle, self.session.db, self.side.case_id, self.session.reviewer_id, payload, reason,
                               seen)
                self.app.writer.submit(Write(f"合议 {self.side.case_no}", call, self._settled))  # type: ignore[attr-defined]

        self.app.push_screen(ReasonDialog(title, "合议理由（必填，记入修改记录）"), reason_given)

    def _settled(self, result: SettleResult | None, error: BaseException | None, at: str) -> None:
        self.busy = False
        if error is not None:
            if isinstance(error, StaleRevisionError):
                # An original changed while the lead was deciding: nothing was saved; the dashboard
                # reopens this file on what the reviews now say.
                self.notify("两份原评查记录在合议期间有变动，本次合议未保存；已重新载入最新内容，请核对后重新合议。",
                            title="内容已被修改", severity="warning", timeout=12)
                self.dismiss(STALE)  # type: ignore[arg-type]
                return
            if isinstance(error, AnjuanError):
                self.notify(error.message, title=error.title, severity="error", timeout=8)
            else:
                self.app.report_error(error)  # type: ignore[attr-defined]
            return
        assert result is not None
        self.app.clear_notifications()
        self.notify(f"{self.side.case_no}：{points(result.score)} 分，{result.grade}（已作为本卷最终结果）",
                    title="合议完成")
        self.dismiss(True)

    def action_back(self) -> None:
        if self.busy:
            return
        if not self.choices:
            self.dismiss(False)
            return

        def confirmed(yes: bool | None) -> None:
            if yes:
                self.dismiss(False)

        self.app.push_screen(ConfirmDialog("放弃本次合议", [f"已选定的 {len(self.choices)} 项不会保存。",
                                                       "两份原评查记录不受影响。"], "放弃"), confirmed)
