"""评查: score one file item by item against the checklist.

Every answer is rescored in memory at once (the score panel never waits for the disk), then
written through the service in order; 已保存 appears only when the service has returned.
"""

from __future__ import annotations

from dataclasses import replace
from functools import partial

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.markup import escape as esc
from textual.widgets import Header, Static

from anjuan.review.reviewing import (
    STATUS_LABELS,
    CaseDetail,
    CaseRow,
    ReviewState,
    StoredAnswer,
    clear_answer,
    reopen_review,
    review_state,
    save_answer,
    submit_review,
)
from scoring import DEDUCT, NA, PASS, VETO, CaseScore, score_case
from scoring.standard import Item

from ...errors import AnjuanError, StaleRevisionError
from ..dialogs import (
    ConfirmDialog,
    FreeDeduction,
    FreeDeductionDialog,
    NoteDialog,
    NoteEdit,
    ReasonDialog,
)
from ..session import ReviewSession
from ..widgets.cells import points, show_text
from ..widgets.checklist import Checklist
from ..widgets.footer import CompactFooter
from ..widgets.item_detail import ItemDetail
from ..widgets.score_panel import ScorePanel
from ..writer import Write
from .base import WorkbenchScreen

# Stored review statuses (the keys of STATUS_LABELS).
DRAFT, SUBMITTED_STATUS, REOPENED_STATUS = "draft", "submitted", "reopened"
SUBMITTED = STATUS_LABELS[SUBMITTED_STATUS]
REOPENED = STATUS_LABELS[REOPENED_STATUS]
READ_ONLY = "已提交，不能修改（如需修改请按 r 退回重评）"
EPS = 1e-9


def describe(a: StoredAnswer | None) -> str:
    """An answer in a few words, for the message after a reload."""
    if a is None:
        return "未评"
    if a.verdict == DEDUCT:
        return f"扣 {points(a.deducted)} 分"
    return a.verdict


def option_bindings() -> list[Binding]:
    keys = [Binding("1", "option(1)", "扣分", key_display="1-9", id="score-option-1",
                     tooltip="按第n个扣分选项扣分；“每处”扣分的再按一次加一处，扣完为止")]
    keys += [Binding(str(n), f"option({n})", f"扣分选项 {n}", show=False, id=f"score-option-{n}",
                      tooltip=f"按第{n}个扣分选项扣分") for n in range(2, 10)]
    return keys


class ScoringScreen(WorkbenchScreen[CaseRow]):
    """Scores one file; dismisses with the file's updated list row."""

    BINDINGS = [
        Binding("space", "pass_item", "符合", key_display="空格", id="score-pass", tooltip="本项符合，并移到下一项"),
        *option_bindings(),
        Binding("n", "not_applicable", "不适用", id="score-na", tooltip="本卷不涉及本项（不计入得分），并移到下一项"),
        Binding("v", "veto", "否决", id="score-veto", tooltip="否决项存在否决情形：本卷不合格（仅否决项可用）"),
        Binding("d", "free_deduct", "自由扣分", show=False, id="score-free-deduct", tooltip="扣分选项之外的问题：输入扣分（不超过本项分值）和问题描述"),
        Binding("e", "edit_note", "描述", show=False, id="score-edit-note", tooltip="填写或修改问题描述和卷内页码"),
        Binding("x,backspace", "clear", "清除", show=False, id="score-clear", tooltip="撤销本项结论，恢复为未评"),
        Binding("u", "next_unanswered", "下一未评", id="score-next-unanswered", tooltip="跳到下一个未评条目"),
        Binding("tab", "next_unanswered", "下一未评", show=False, id="score-next-unanswered-tab", tooltip="跳到下一个未评条目"),
        Binding("ctrl+s,S", "submit", "提交", id="score-submit", tooltip="全部条目评完后提交；提交后不能修改"),
        Binding("r", "reopen", "退回重评", id="score-reopen", tooltip="已提交的案卷退回修改，须填写理由"),
        Binding("escape", "back", "返回", id="score-back", tooltip="回到案卷列表（已评内容均已保存）"),
    ]

    def __init__(self, session: ReviewSession, row: CaseRow, detail: CaseDetail, state: ReviewState) -> None:
        super().__init__()
        self.session = session
        self.row = row
        self.detail = detail
        self.review_id = state.review_id
        self.status = state.status
        self.answers: dict[str, StoredAnswer] = dict(state.answers)
        self.result: CaseScore = state.result
        self.pending = 0
        self.saved_at = ""
        self.busy = False
        """A submit or reopen is on its way to the service: no answer changes meanwhile."""
        self.seen = state.revision
        """The revision every write is based on. Writes run one at a time in the writer thread,
        which moves this on after each one, so a change made by another session in between is
        detected (StaleRevisionError) instead of being overwritten."""
        self.base_answers: dict[str, StoredAnswer] = dict(state.answers)
        """The answers as the database last confirmed them (to say what another session changed)."""
        self._shown_item: str | None = None

    # Layout.
    def compose(self) -> ComposeResult:
        d = self.detail
        yield Header(icon="卷")
        with Vertical(id="case-head"):
            yield Static(f"[b]{esc(d.case_no)}[/b]　{esc(d.agency)}　当事人 {esc(d.party or '—')}", classes="case-line")
            yield Static(f"案件类别 {esc(d.kind or '—')}　决定日期 {esc(d.decided_on or '—')}　承办人 {esc(d.officers or '—')}",
                         classes="case-line")
        with Horizontal(id="body"):
            yield Checklist(self.session.standard, self.detail.kind, id="checklist")
            with Vertical(id="side"):
                yield ScorePanel(id="score")
                yield ItemDetail(id="detail")
        with Horizontal(id="status-bar"):
            yield Static("", id="position")
            yield Static("", id="saved")
        yield CompactFooter(show_command_palette=False)

    def on_mount(self) -> None:
        self.sub_title = f"评查 {self.detail.case_no}"
        checklist = self.query_one(Checklist)
        checklist.focus()
        # The item detail and status line follow the cursor at once, in the same screen update
        # as the rows it left and reached (ItemHighlighted would arrive after that update, and
        # cost a second one); the message then finds them up to date.
        self.watch(checklist, "cursor", self._cursor_changed, init=False)
        self.rescore()
        first = next((i for i in checklist.item_ids if i not in self.answers), None)
        if first:
            checklist.go_to(first)

    @property
    def checklist(self) -> Checklist:
        return self.query_one(Checklist)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # Submit and reopen are offered only when they can happen; answer keys stay live even
        # on a submitted file so that pressing one explains why nothing changed.
        if action == "submit":
            return self.status != SUBMITTED_STATUS
        if action == "reopen":
            return self.status == SUBMITTED_STATUS
        return True

    @property
    def editable(self) -> bool:
        return self.status != SUBMITTED_STATUS and not self.busy

    # Showing state.
    def rescore(self) -> None:
        """Score the current answers in memory and redraw everything that depends on them."""
        std = self.session.standard
        self.result = score_case(std, self.detail.kind or None, [a.as_input() for a in self.answers.values()])
        lost = {c.id: c.lost for c in self.result.categories}
        self.checklist.show_answers(self.answers, lost)
        self.query_one(ScorePanel).show(self.result, std, submitted=self.status == SUBMITTED_STATUS)
        self.show_item(moved=False)
        self.show_status()

    def show_item(self, moved: bool) -> None:
        item = self.checklist.current
        if item is not None:
            self.query_one(ItemDetail).show(item, self.answers.get(item.id), moved)

    @on(Checklist.ItemHighlighted)
    def item_highlighted(self, event: Checklist.ItemHighlighted) -> None:
        self._highlight(event.item)

    def _cursor_changed(self) -> None:
        item = self.checklist.current
        if item is not None:
            self._highlight(item)

    def _highlight(self, item: Item) -> None:
        moved = item.id != self._shown_item
        self._shown_item = item.id
        self.query_one(ItemDetail).show(item, self.answers.get(item.id), moved)
        self.show_status()

    def show_status(self) -> None:
        checklist = self.checklist
        ids = checklist.item_ids
        item = checklist.current
        at = ids.index(item.id) + 1 if item else 0
        show_text(self.query_one("#position", Static),
                  f"第 {at}/{len(ids)} 项　未评 {len(self.result.unanswered)} 项　本卷{self.list_row().status}　? 全部快捷键")
        if self.pending:
            saved = "[$warning]保存中…[/]"
        elif self.status == SUBMITTED_STATUS:
            saved = "[b $success]已提交（只读）[/]"
        elif self.saved_at:
            saved = f"[$success]已保存 {self.saved_at}[/]"
        else:
            saved = ""
        show_text(self.query_one("#saved", Static), saved)

    # Writing through the service.
    def write(self, label: str, call, done=None) -> None:
        self.pending += 1
        self.app.writer.submit(Write(label, partial(self._based, call), partial(self._written, done)))  # type: ignore[attr-defined]
        self.show_status()

    def _based(self, call):
        """Run a service write on the revision this screen last saw (writer thread)."""
        func = call.func if isinstance(call, partial) else None
        if func in (save_answer, clear_answer, submit_review, reopen_review):
            result = call(revision=self.seen)
        else:
            result = call()
        if isinstance(result, ReviewState):
            self.seen = result.revision
        return result

    def _written(self, then, result, error: BaseException | None, at: str) -> None:
        self.pending -= 1
        if not self.is_attached:
            return
        if error is not None:
            self.busy = False
            if isinstance(error, StaleRevisionError):
                if not self._reloading:
                    # Someone else changed this review: reload it and say what changed.
                    self._reloading = True
                    self._stale_base = dict(self.base_answers)
                    self.write("重新读取", partial(review_state, self.session.db, self.review_id), self._reloaded)
                return
            if isinstance(error, AnjuanError):
                self.notify(error.message, title=error.title, severity="error", timeout=8)
            else:
                self.app.report_error(error)  # type: ignore[attr-defined]
            # Show what the database really holds after a refused change.
            self.write("重新读取", partial(review_state, self.session.db, self.review_id))
            return
        if isinstance(result, ReviewState):
            if result.status != self.status:
                self.status = result.status
                self.refresh_bindings()
            self.saved_at = at
            if not self.pending:
                self.base_answers = dict(result.answers)
            if not self.pending and result.answers != self.answers:
                self.answers = dict(result.answers)
        if then is not None:
            then(result)
        self.rescore()

    _reloading = False
    _stale_base: dict[str, StoredAnswer] = {}

    def _reloaded(self, state: ReviewState) -> None:
        """After a refused stale write: the screen now shows the database; tell what changed."""
        self._reloading = False
        self.busy = False
        before = self._stale_base
        changed = sorted(set(before) | set(state.answers),
                         key=lambda k: self.checklist.item_ids.index(k) if k in self.checklist.item_ids else 999)
        lines = []
        for k in changed:
            old, new = before.get(k), state.answers.get(k)
            if old != new:
                lines.append(f"{k}：{describe(old)} → {describe(new)}")
        self.answers = dict(state.answers)
        self.base_answers = dict(state.answers)
        if state.status != self.status:
            lines.append(f"状态：{STATUS_LABELS.get(self.status, self.status)} → {STATUS_LABELS.get(state.status, state.status)}")
            self.status = state.status
            self.refresh_bindings()
        shown = "；".join(lines[:6]) + ("等" if len(lines) > 6 else "") if lines else "内容未变"
        self.notify(f"本卷已在其他地方被修改（现为第 {state.revision} 版），您刚才的操作未保存，已重新载入。"
                    f"变化：{shown}。请核对后重新操作。", title="内容已被修改", severity="warning", timeout=12)

    def change(self, item: Item, answer: StoredAnswer | None) -> None:
        """Record an answer (or clear it): rescore now, save in the background."""
        db, actor = self.session.db, self.session.reviewer_id
        if answer is None:
            self.answers.pop(item.id, None)
            self.write(f"清除 {item.id}", partial(clear_answer, db, self.review_id, actor, item.id))
        else:
            self.answers[item.id] = answer
            self.write(f"保存 {item.id}", partial(save_answer, db, self.review_id, actor, answer))
        self.rescore()

    def target(self) -> Item | None:
        """The current item, if its answer may be changed (otherwise say why)."""
        if not self.editable:
            self.notify(READ_ONLY if self.status == SUBMITTED_STATUS else "正在提交，请稍候", severity="warning")
            return None
        return self.checklist.current

    # Answer keys.
    def action_pass_item(self) -> None:
        if item := self.target():
            self.change(item, StoredAnswer(item.id, PASS))
            self.checklist.action_cursor_down()

    def action_not_applicable(self) -> None:
        if item := self.target():
            self.change(item, StoredAnswer(item.id, NA))
            self.checklist.action_cursor_down()

    def action_veto(self) -> None:
        item = self.target()
        if item is None:
            return
        if not item.veto:
            self.notify(f"{item.id} 不是否决项，不能否决", severity="warning")
            return
        old = self.answers.get(item.id)
        keep = old is not None and old.verdict == VETO
        self.change(item, StoredAnswer(item.id, VETO, item.points, None, 1,
                                       old.note if keep else item.veto_text, old.page_ref if old else ""))

    def action_option(self, number: int) -> None:
        item = self.target()
        if item is None:
            return
        if number > len(item.deductions):
            if item.deductions:
                has = f"只有 {len(item.deductions)} 个扣分选项"
            elif item.points > EPS:
                has = "没有扣分选项，可按 d 自由扣分"
            else:
                has = "不计分，没有扣分选项" + ("（存在否决情形时按 v 否决）" if item.veto else "")
            self.notify(f"{item.id} {has}", severity="warning")
            return
        option = item.deductions[number - 1]
        old = self.answers.get(item.id)
        if old is not None and old.verdict == DEDUCT and old.option == number:
            if not option.per_occurrence:
                self.notify(f"已选扣分选项 {number}（按 x 清除）")
                return
            if old.deducted >= item.points - EPS:
                self.notify(f"已扣完为止：本项 {points(item.points)} 分", severity="warning")
                return
            times = old.occurrences + 1
            self.change(item, replace(old, occurrences=times, deducted=min(item.points, option.points * times)))
            return
        page = old.page_ref if old is not None and old.verdict in (DEDUCT, VETO) else ""
        self.change(item, StoredAnswer(item.id, DEDUCT, min(item.points, option.points), number, 1, option.text, page))

    def action_free_deduct(self) -> None:
        item = self.target()
        if item is None:
            return
        if item.points <= EPS:
            self.notify(f"{item.id} 不计分，不能扣分" + ("（可按 v 否决）" if item.veto else ""), severity="warning")
            return
        old = self.answers.get(item.id)
        current = old.deducted if old is not None and old.verdict == DEDUCT else None

        def chosen(result: FreeDeduction | None) -> None:
            if result is not None:
                page = old.page_ref if old is not None else ""
                self.change(item, StoredAnswer(item.id, DEDUCT, result.points, None, 1, result.note, page))

        note = old.note if old is not None and old.verdict == DEDUCT else ""
        self.app.push_screen(FreeDeductionDialog(item.id, item.points, current, note), chosen)

    def action_edit_note(self) -> None:
        item = self.target()
        if item is None:
            return
        old = self.answers.get(item.id)
        if old is None:
            self.notify("请先评定该条目（空格 符合、数字键 扣分、v 否决），再填写问题描述", severity="warning")
            return
        prefill = old.note
        if not prefill and old.verdict == DEDUCT and old.option:
            prefill = item.deductions[old.option - 1].text
        elif not prefill and old.verdict == VETO:
            prefill = item.veto_text

        def edited(result: NoteEdit | None) -> None:
            current = self.answers.get(item.id)
            if result is not None and current is not None and self.editable:
                self.change(item, replace(current, note=result.note, page_ref=result.page_ref))

        self.app.push_screen(NoteDialog(item.id, prefill, old.page_ref), edited)

    def action_clear(self) -> None:
        item = self.target()
        if item is None:
            return
        if item.id not in self.answers:
            self.notify(f"{item.id} 尚未评定")
            return
        self.change(item, None)

    def action_next_unanswered(self) -> None:
        ids = self.checklist.item_ids
        current = self.checklist.current
        start = ids.index(current.id) + 1 if current else 0
        for item_id in ids[start:] + ids[:start]:
            if item_id not in self.answers:
                self.checklist.go_to(item_id)
                return
        self.notify("全部条目已评，可按 S 提交" if self.status != SUBMITTED_STATUS else "全部条目已评")

    # Submit and reopen.
    def action_submit(self) -> None:
        if self.status == SUBMITTED_STATUS:
            self.notify("本卷已提交", severity="warning")
            return
        if not self.editable:
            return
        missing = [i for i in self.checklist.item_ids if i not in self.answers]
        if missing:
            shown = "、".join(missing[:6]) + ("等" if len(missing) > 6 else "")
            self.notify(f"还有 {len(missing)} 项未评：{shown}。已跳到第一项未评。", title="不能提交", severity="warning", timeout=6)
            self.checklist.go_to(missing[0])
            return
        r = self.result
        lines = [f"案号　{self.detail.case_no}", f"得分　{points(r.score)}　等级　{r.grade}"]
        if r.vetoed:
            lines.append(f"否决　{'、'.join(r.veto_items)}（本卷不合格）")
        lines.append(f"发现问题 {len(r.problems)} 处：" if r.problems else "未发现问题。")
        for p in r.problems:
            page = f"（{p.page_ref}）" if p.page_ref else ""
            lines.append(f"· {p.item_id} {p.verdict} {points(p.deducted)}分　{p.note or '（未填写问题描述）'}{page}")
        lines.append("提交后不能再修改，如需修改须退回重评并说明理由。")

        def confirmed(yes: bool | None) -> None:
            if yes and self.editable:
                self.busy = True
                self.write("提交", partial(submit_review, self.session.db, self.review_id, self.session.reviewer_id),
                           self._submitted)

        self.app.push_screen(ConfirmDialog("提交评查结果", lines, "提交"), confirmed)

    def _submitted(self, state: ReviewState) -> None:
        self.busy = False
        self.notify(f"已提交：{points(state.result.score)} 分，{state.result.grade}", title="已提交")

    def action_reopen(self) -> None:
        if self.status != SUBMITTED_STATUS:
            self.notify("本卷尚未提交，可直接修改", severity="warning")
            return
        if self.busy:
            return

        def reason_given(reason: str | None) -> None:
            if reason and self.status == SUBMITTED_STATUS and not self.busy:
                self.busy = True
                self.write("退回重评", partial(reopen_review, self.session.db, self.review_id,
                                           self.session.reviewer_id, reason), self._reopened)

        self.app.push_screen(ReasonDialog(f"退回重评 {self.detail.case_no}", "退回理由（将记入修改记录）"), reason_given)

    def _reopened(self, state: ReviewState) -> None:
        self.busy = False
        self.notify("已退回，可以修改后重新提交", title=REOPENED)

    # Leaving.
    def list_row(self) -> CaseRow:
        """This file's line in the case list, as it stands now."""
        if self.status == SUBMITTED_STATUS:
            label = SUBMITTED
        elif self.status == REOPENED_STATUS:
            label = REOPENED
        else:
            label = STATUS_LABELS[DRAFT] if self.answers else STATUS_LABELS[None]
        shown = bool(self.answers) or self.status == SUBMITTED_STATUS
        return replace(self.row, status=label, score=self.result.score if shown else None,
                       grade=self.result.grade if shown else None, review_id=self.review_id)

    def action_back(self) -> None:
        self.dismiss(self.list_row())

