"""Small typed dialogs. Each returns its answer through dismiss(); none of them does I/O —
the caller's callback calls the service with what the dialog returned."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Horizontal, Vertical, VerticalScroll
from textual.markup import escape
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from .widgets.cells import points


@dataclass(frozen=True)
class FreeDeduction:
    """Points taken off an item outside its listed deduction options, and why."""

    points: float
    note: str


@dataclass(frozen=True)
class NoteEdit:
    """The problem description (问题描述) and where in the file it was found (卷内页码)."""

    note: str
    page_ref: str


CANCEL = Binding("escape", "cancel", "取消", id="dialog-cancel", tooltip="关闭对话框，不做修改")


class FreeDeductionDialog(ModalScreen[FreeDeduction | None]):
    """Ask for a deduction between 0 (exclusive) and the item's points."""

    BINDINGS = [CANCEL]

    def __init__(self, item_id: str, item_points: float, current: float | None, note: str) -> None:
        super().__init__(classes="dialog")
        self.item_id = item_id
        self.item_points = item_points
        self.current = current
        self.note = note

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog-box"):
            yield Label(f"自由扣分 {self.item_id}（本项 {points(self.item_points)} 分，扣完为止）", classes="dialog-title")
            yield Label(f"扣分（大于 0，至多 {points(self.item_points)} 分）")
            yield Input(points(self.current) if self.current else "", type="number", id="points",
                        placeholder=f"例如 {points(min(1.0, self.item_points))}")
            yield Label("问题描述（可留空，稍后按 e 补充）")
            yield Input(self.note, id="note", placeholder="扣分理由")
            yield Label("", id="error", classes="dialog-error")
            yield Label("Enter 下一栏／确定　Esc 取消", classes="dialog-keys")

    @on(Input.Submitted, "#points")
    def next_field(self) -> None:
        self.query_one("#note", Input).focus()

    @on(Input.Submitted, "#note")
    def accept(self) -> None:
        raw = self.query_one("#points", Input).value.strip()
        try:
            value = float(raw)
        except ValueError:
            value = -1.0
        if not 0 < value <= self.item_points + 1e-9:
            self.query_one("#error", Label).update(f"请输入大于 0、不超过 {points(self.item_points)} 的分数")
            self.query_one("#points", Input).focus()
            return
        self.dismiss(FreeDeduction(value, self.query_one("#note", Input).value.strip()))

    def action_cancel(self) -> None:
        self.dismiss(None)


class NoteDialog(ModalScreen[NoteEdit | None]):
    """Edit an answer's 问题描述 and 卷内页码."""

    BINDINGS = [CANCEL]

    def __init__(self, item_id: str, note: str, page_ref: str) -> None:
        super().__init__(classes="dialog")
        self.item_id = item_id
        self.note = note
        self.page_ref = page_ref

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog-box"):
            yield Label(f"问题描述与卷内页码 {self.item_id}", classes="dialog-title")
            yield Label("问题描述")
            yield Input(self.note, id="note", placeholder="存在的问题（已按所选扣分项的标准表述预填，可修改）")
            yield Label("卷内页码")
            yield Input(self.page_ref, id="page", placeholder="例如 第12页、第3-5页")
            yield Label("Enter 下一栏／保存　Esc 取消", classes="dialog-keys")

    @on(Input.Submitted, "#note")
    def next_field(self) -> None:
        self.query_one("#page", Input).focus()

    @on(Input.Submitted, "#page")
    def accept(self) -> None:
        self.dismiss(NoteEdit(self.query_one("#note", Input).value.strip(), self.query_one("#page", Input).value.strip()))

    def action_cancel(self) -> None:
        self.dismiss(None)


class ConfirmDialog(ModalScreen[bool]):
    """Yes or no, with a summary of what is about to happen."""

    BINDINGS = [
        Binding("escape,n", "cancel", "取消", id="dialog-no", tooltip="不做这件事"),
        Binding("y", "confirm", "确定", id="dialog-yes", tooltip="确认"),
    ]

    def __init__(self, title: str, lines: Sequence[str], confirm: str = "确定") -> None:
        super().__init__(classes="dialog")
        self.title_text = title
        self.lines = lines
        self.confirm_text = confirm

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog-box wide"):
            yield Label(self.title_text, classes="dialog-title")
            with VerticalScroll(classes="dialog-body"):
                yield Static(escape("\n".join(self.lines)))
            with Horizontal(classes="dialog-buttons"):
                yield Button(f"{self.confirm_text}(Y)", variant="primary", id="yes")
                yield Button("取消(N)", id="no")

    def on_mount(self) -> None:
        self.query_one("#yes", Button).focus()

    @on(Button.Pressed)
    def pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")

    def action_confirm(self) -> None:
        self.dismiss(True)

    def action_cancel(self) -> None:
        self.dismiss(False)


class ReasonDialog(ModalScreen[str | None]):
    """Ask for a required reason (退回重评)."""

    BINDINGS = [CANCEL]

    def __init__(self, title: str, prompt: str) -> None:
        super().__init__(classes="dialog")
        self.title_text = title
        self.prompt = prompt

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog-box"):
            yield Label(self.title_text, classes="dialog-title")
            yield Label(self.prompt)
            yield Input(id="reason", placeholder="必填")
            yield Label("", id="error", classes="dialog-error")
            yield Label("Enter 确定　Esc 取消", classes="dialog-keys")

    @on(Input.Submitted)
    def accept(self) -> None:
        reason = self.query_one("#reason", Input).value.strip()
        if not reason:
            self.query_one("#error", Label).update("理由不能为空")
            return
        self.dismiss(reason)

    def action_cancel(self) -> None:
        self.dismiss(None)


class ChoiceDialog(ModalScreen[str | None]):
    """Pick one of a few values (e.g. an agency to filter by); returns its key."""

    BINDINGS = [CANCEL]

    def __init__(self, title: str, choices: Sequence[tuple[str, str]], current: str) -> None:
        super().__init__(classes="dialog")
        self.title_text = title
        self.choices = choices
        self.current = current

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog-box wide"):
            yield Label(self.title_text, classes="dialog-title")
            yield OptionList(*(Option(escape(label), id=f"c{n}") for n, (_, label) in enumerate(self.choices)))
            yield Label("↑↓ 选择　Enter 确定　Esc 取消", classes="dialog-keys")

    def on_mount(self) -> None:
        options = self.query_one(OptionList)
        keys = [key for key, _ in self.choices]
        options.highlighted = keys.index(self.current) if self.current in keys else 0
        options.focus()

    @on(OptionList.OptionSelected)
    def chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(self.choices[event.option_index][0])

    def action_cancel(self) -> None:
        self.dismiss(None)


class HelpDialog(ModalScreen[None]):
    """Every key of the screen underneath, generated from its bindings."""

    BINDINGS = [Binding("escape,question_mark,q", "close", "关闭", id="help-close", tooltip="关闭帮助")]

    def __init__(self, title: str, keys: Sequence[tuple[str, str, str]]) -> None:
        super().__init__(classes="dialog")
        self.title_text = title
        self.keys = keys

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog-box wide"):
            yield Label(self.title_text, classes="dialog-title")
            with VerticalScroll(classes="dialog-body"):
                with Grid(id="help-keys"):
                    for keys, description, tooltip in self.keys:
                        yield Label(escape(keys), classes="help-key")
                        yield Label(escape(description), classes="help-description")
                        yield Label(escape(tooltip), classes="help-tooltip")
            yield Label("Esc 关闭　Ctrl+P 命令面板（可按案号打开案卷）", classes="dialog-keys")

    def action_close(self) -> None:
        self.dismiss(None)


class ErrorDialog(ModalScreen[None]):
    """A problem the reviewer has to read (not a passing notice)."""

    BINDINGS = [Binding("escape,enter", "close", "关闭", id="error-close", tooltip="关闭错误信息")]

    def __init__(self, title: str, message: str, details: Sequence[str] = ()) -> None:
        super().__init__(classes="dialog")
        self.title_text = title
        self.message = message
        self.details = details

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog-box wide error"):
            yield Label(self.title_text, classes="dialog-title")
            with VerticalScroll(classes="dialog-body"):
                yield Static(escape("\n".join([self.message, *(f"  - {d}" for d in self.details)])))
            yield Label("Enter / Esc 关闭", classes="dialog-keys")

    def action_close(self) -> None:
        self.dismiss(None)
