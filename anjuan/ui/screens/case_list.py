"""案卷列表: the reviewer's assigned files, with progress, filters, search and sorting."""

from __future__ import annotations

import re
import unicodedata

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.widgets import Header, Input, Static

from anjuan.review.reviewing import (
    CaseRow,
    case_detail,
    list_assigned,
    open_review,
    progress,
    reviewer_names,
)

from ...errors import AnjuanError
from ..dialogs import ChoiceDialog
from ..session import ReviewSession
from ..widgets.case_table import COLUMNS, CaseTable
from ..widgets.cells import show_text
from ..widgets.footer import CompactFooter
from .base import WorkbenchScreen
from .scoring import ScoringScreen

STATUS_FILTERS: tuple[str | None, ...] = (None, "未评", "评查中", "已退回", "已提交")
STATUS_ORDER = {"未评": 0, "评查中": 1, "已退回": 2, "已提交": 3}
SORT_KEYS = tuple(c.key for c in COLUMNS)
TITLES = {c.key: c.title for c in COLUMNS}


OPENING, CLOSING = "〔[(【{<〈", "〕])】}>〉"
BRACKETS = str.maketrans({**{c: "〔" for c in OPENING}, **{c: "〕" for c in CLOSING}})


def searchable(text: str) -> str:
    """Text as the search box compares it: full/half width folded (NFKC), case folded, and every
    bracket variant written as 〔 or 〕, so (2024) and ［2024］ find 〔2024〕."""
    return unicodedata.normalize("NFKC", text).casefold().translate(BRACKETS)


class Haystack:
    """Text to search, matched as written: a term with brackets must match them; a term without
    brackets may leave them out (测交罚20244号 finds 测交罚〔2024〕4号, as 〔〕 are awkward to type)
    but may not start inside a bracketed part and run out of it, so 41号 does not find 〔2024〕1号."""

    __slots__ = ("group", "plain", "text")

    def __init__(self, text: str) -> None:
        self.text = searchable(text)
        plain: list[str] = []
        group: list[int] = []  # per plain character: where its bracketed part starts, or -1 outside one
        start = -1
        for ch in self.text:
            if ch == "〔":
                start = len(plain)
            elif ch == "〕":
                start = -1
            else:
                plain.append(ch)
                group.append(start)
        self.plain, self.group = "".join(plain), group

    def has(self, term: str) -> bool:
        if "〔" in term or "〕" in term:
            return term in self.text
        at = self.plain.find(term)
        while at >= 0:
            g, end = self.group[at], at + len(term) - 1
            if g < 0 or g == at or self.group[end] == g:
                return True
            at = self.plain.find(term, at + 1)
        return False


def search_terms(query: str) -> list[str]:
    return searchable(query).split()


def natural(text: str) -> tuple:
    """Sort key that puts 〔2024〕2号 before 〔2024〕10号."""
    return tuple(int(p) if n % 2 else p for n, p in enumerate(re.split(r"(\d+)", text)))


class CaseListScreen(WorkbenchScreen[None]):
    """Lists the reviewer's files; Enter opens one for scoring."""

    BINDINGS = [
        Binding("slash", "search", "搜索", id="cases-search", tooltip="按案号、案件名称、当事人筛选，边输入边筛选"),
        Binding("f", "cycle_status", "状态", id="cases-filter-status", tooltip="按状态筛选：全部→未评→评查中→已退回→已提交"),
        Binding("a", "pick_agency", "执法机关", id="cases-filter-agency", tooltip="选择一个执法机关，只看其案卷"),
        Binding("s", "cycle_sort", "排序", id="cases-sort", tooltip="依次按 案号/执法机关/案件名称/案件类别/状态/得分/等级 排序（也可点击列标题）"),
        Binding("o", "reverse_sort", "倒序", show=False, id="cases-sort-reverse", tooltip="升序与降序切换"),
        Binding("escape", "clear_filters", "清除筛选", id="cases-clear", tooltip="取消状态、执法机关和搜索筛选"),
        Binding("up", "table('cursor_up')", "上移", show=False, id="cases-up", tooltip="搜索时也可上下移动光标"),
        Binding("down", "table('cursor_down')", "下移", show=False, id="cases-down", tooltip="搜索时也可上下移动光标"),
    ]

    class Loaded(Message):
        """The reviewer's case rows and progress were read."""

        def __init__(self, rows: list[CaseRow], done: int, total: int, others: list[str]) -> None:
            super().__init__()
            self.rows = rows
            self.done = done
            self.total = total
            self.others = others

    class ProgressRead(Message):
        """The reviewer's progress (submitted of assigned) was read again."""

        def __init__(self, done: int, total: int) -> None:
            super().__init__()
            self.done = done
            self.total = total

    def __init__(self, session: ReviewSession) -> None:
        super().__init__()
        self.session = session
        self.rows: list[CaseRow] = []
        self.loaded = False
        self.status_filter: str | None = None
        self.agency_filter: str | None = None
        self.search_text = ""
        self.sort_key = "agency"
        self.sort_reverse = False
        self._sorted: list[CaseRow] = []
        self.searching = False
        self._haystack: dict[str, Haystack] | None = None
        """Per file, the text the search box looks in (built on the first search)."""

    def compose(self) -> ComposeResult:
        yield Header(icon="卷")
        yield Static("正在读取案卷…", id="progress")
        yield Static("", id="filters")
        yield CaseTable(id="cases")
        yield Input(placeholder="搜索案号、案件名称、当事人（Enter 确定，Esc 取消）", id="search")
        yield CompactFooter()

    def on_mount(self) -> None:
        self.sub_title = "案卷列表"
        self.query_one(CaseTable).focus()
        self.load()

    @work(thread=True, exclusive=True, group="load-cases", exit_on_error=False, description="读取分配的案卷")
    def load(self) -> None:
        s = self.session
        rows = list_assigned(s.db, s.reviewer_id)
        done, total = progress(s.db, s.reviewer_id)
        others = [] if rows else [n for n in reviewer_names(s.db) if n != s.reviewer_name]
        self.post_message(self.Loaded(rows, done, total, others))

    @on(Loaded)
    def show_loaded(self, message: Loaded) -> None:
        table = self.query_one(CaseTable)
        current = table.current.case_id if table.current else None
        self.rows = message.rows
        self._haystack = None
        self.loaded = True
        if not message.rows:
            hint = "组长可用 --reviewer 指定评查人员查看其案卷" if self.session.is_lead else "请向组长确认分配情况"
            table.empty_text = f"没有分配给“{self.session.reviewer_name}”的案卷。{hint}"
            if message.others:
                table.empty_text += "：" + "、".join(message.others)
        self._show_progress(message.done, message.total)
        self.resort(keep=current)

    def _show_progress(self, done: int, total: int) -> None:
        counts = {label: 0 for label in STATUS_ORDER}
        for row in self.rows:
            counts[row.status] = counts.get(row.status, 0) + 1
        rest = "　".join(f"{label} {counts[label]}" for label in ("评查中", "已退回", "未评") if counts[label])
        show_text(self.query_one("#progress", Static),
            f"[b]已提交 {done}/{total}[/b]" + (f"　{rest}" if rest else "") + f"　评查人 {self.session.reviewer_name}")

    # The view: sort once, then filter the sorted rows on every keystroke.
    def resort(self, keep: str | None = None) -> None:
        key = self.sort_key
        grades = {b.name: n for n, b in enumerate(self.session.standard.bands)}

        def sort_key(row: CaseRow) -> tuple:
            base = (row.agency, natural(row.case_no))
            if key == "case_no":
                return (natural(row.case_no), row.agency)
            if key == "score":
                return (row.score is None, row.score or 0.0, *base)
            if key == "grade":
                return (row.grade is None, grades.get(row.grade or "", 99), *base)
            if key == "status":
                return (STATUS_ORDER.get(row.status, 9), *base)
            if key == "agency":
                return base
            return (getattr(row, key), *base)

        self._sorted = sorted(self.rows, key=sort_key, reverse=self.sort_reverse)
        self.refilter(keep)

    def refilter(self, keep: str | None = None) -> None:
        table = self.query_one(CaseTable)
        if keep is None and table.current is not None:
            keep = table.current.case_id
        terms = search_terms(self.search_text)
        if terms and self._haystack is None:
            self._haystack = {r.case_id: Haystack(f"{r.case_no}\n{r.title}\n{r.party}") for r in self.rows}
        hay = self._haystack or {}
        view = [
            r for r in self._sorted
            if (self.status_filter is None or r.status == self.status_filter)
            and (self.agency_filter is None or r.agency == self.agency_filter)
            and all(hay[r.case_id].has(t) for t in terms)
        ]
        table.sort_key, table.sort_reverse = self.sort_key, self.sort_reverse
        table.show_rows(view, keep)
        shown = f"显示 {len(view)}/{len(self.rows)}" if self.loaded else "读取中…"
        parts = [
            f"状态 [b]{self.status_filter or '全部'}[/b](f)",
            f"执法机关 [b]{self.agency_filter or '全部'}[/b](a)",
            f"排序 [b]{TITLES[self.sort_key]}{'▼' if self.sort_reverse else '▲'}[/b](s/o)",
        ]
        if self.search_text:
            parts.append(f"搜索 [b]{self.search_text}[/b]")
        show_text(self.query_one("#filters", Static), "　".join(parts) + f"　{shown}")
        if self.filtered != self._offers_clear:  # the footer is rebuilt only when its keys change
            self._offers_clear = self.filtered
            self.refresh_bindings()

    _offers_clear: bool | None = None

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "clear_filters":
            return self.filtered
        return True

    @property
    def filtered(self) -> bool:
        return bool(self.status_filter or self.agency_filter or self.search_text or self.searching)

    # Actions.
    def action_table(self, action: str) -> None:
        getattr(self.query_one(CaseTable), f"action_{action}")()

    def action_search(self) -> None:
        box = self.query_one("#search", Input)
        self.searching = True
        box.add_class("-open")
        box.focus()
        self.refresh_bindings()

    @on(Input.Changed, "#search")
    def search_changed(self, event: Input.Changed) -> None:
        self.search_text = event.value.strip()
        self.refilter()

    @on(Input.Submitted, "#search")
    def search_done(self) -> None:
        self.query_one(CaseTable).focus()
        if not self.search_text:
            self.searching = False
            self.query_one("#search", Input).remove_class("-open")
            self.refresh_bindings()

    def action_cycle_status(self) -> None:
        n = STATUS_FILTERS.index(self.status_filter)
        self.status_filter = STATUS_FILTERS[(n + 1) % len(STATUS_FILTERS)]
        self.refilter()

    def action_pick_agency(self) -> None:
        counts: dict[str, int] = {}
        for row in self.rows:
            counts[row.agency] = counts.get(row.agency, 0) + 1
        choices = [("", f"全部执法机关（{len(self.rows)} 卷）")] + [(a, f"{a}（{n} 卷）") for a, n in sorted(counts.items())]

        def chosen(agency: str | None) -> None:
            if agency is not None:
                self.agency_filter = agency or None
                self.refilter()

        self.app.push_screen(ChoiceDialog("按执法机关筛选", choices, self.agency_filter or ""), chosen)

    def action_cycle_sort(self) -> None:
        n = SORT_KEYS.index(self.sort_key)
        self.sort_key = SORT_KEYS[(n + 1) % len(SORT_KEYS)]
        self.sort_reverse = False
        self.resort()

    def action_reverse_sort(self) -> None:
        self.sort_reverse = not self.sort_reverse
        self.resort()

    @on(CaseTable.SortRequested)
    def sort_clicked(self, event: CaseTable.SortRequested) -> None:
        if event.key == self.sort_key:
            self.sort_reverse = not self.sort_reverse
        else:
            self.sort_key, self.sort_reverse = event.key, False
        self.resort()

    def action_clear_filters(self) -> None:
        box = self.query_one("#search", Input)
        self.status_filter = self.agency_filter = None
        self.search_text = ""
        with box.prevent(Input.Changed):
            box.value = ""
        self.searching = False
        box.remove_class("-open")
        self.query_one(CaseTable).focus()
        self.refilter()

    # Opening a file and coming back.
    @on(CaseTable.CaseChosen)
    async def case_chosen(self, event: CaseTable.CaseChosen) -> None:
        await self.open_case(event.row)

    async def open_case(self, row: CaseRow) -> None:
        """Open a file for scoring (creating the empty review on first open)."""
        s = self.session
        # Answers of the file just left may still be on their way; read the file after them.
        await self.app.writer.wait_idle()  # type: ignore[attr-defined]
        try:
            detail = case_detail(s.db, row.case_id)
            state = open_review(s.db, row.case_id, s.reviewer_id)
        except AnjuanError as exc:
            self.app.report_error(exc)  # type: ignore[attr-defined]
            return
        self.app.push_screen(ScoringScreen(s, row, detail, state), self.case_closed)

    def case_closed(self, row: CaseRow | None) -> None:
        if row is None:
            return
        self.rows = [row if r.case_id == row.case_id else r for r in self.rows]
        self.resort(keep=row.case_id)
        self.refresh_progress()

    @work(thread=True, exclusive=True, group="progress", exit_on_error=False, description="读取评查进度")
    def refresh_progress(self) -> None:
        self.post_message(self.ProgressRead(*progress(self.session.db, self.session.reviewer_id)))

    @on(ProgressRead)
    def progress_read(self, message: ProgressRead) -> None:
        self._show_progress(message.done, message.total)

    def find_case(self, case_id: str) -> CaseRow | None:
        return next((r for r in self.rows if r.case_id == case_id), None)

