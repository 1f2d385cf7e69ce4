"""组长总览: the lead's dashboard — progress and scores per agency, reviewers, the 合议 queue, the
merge log and agreement between reviewers.

The skeleton paints at once; two thread workers then read the campaign part by part (one: the
progress, the outcomes and the 合议 queue; the other: the merge log, 自查/复查, the 整改台账 and
the agreement statistics) and post each part as it is read, so even a campaign of 20,000 files
shows its progress table within a moment and is fully loaded within a second.
"""

from __future__ import annotations

from collections import Counter

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.widgets import Header, Static, TabbedContent, TabPane
from textual.worker import Worker, WorkerState, get_current_worker

from anjuan.lead.conflicts import SideBySide, agreement_summary, item_differences
from anjuan.lead.dashboard import (
    AgencyScores,
    MergeEntry,
    QueueEntry,
    conflict_queue,
    final_scores,
    merge_history,
)
from anjuan.lead.finals import campaign_rows, file_outcomes
from anjuan.lead.status import CampaignStatus, campaign_status
from anjuan.rectify.ledger import (
    AgencyLedger,
    LedgerEntry,
    ledger_summary,
    local_today,
    overdue_entries,
)
from anjuan.review.reviewing import CaseDetail, case_detail
from reports.build import paused_gc

from ..session import ReviewSession
from ..widgets.cells import points, show_text
from ..widgets.footer import CompactFooter
from ..widgets.grid_list import Bar, Col, GridList, Styled
from .base import WorkbenchScreen
from .settle import STALE, SettleScreen

LOADING = "正在读取…"


def percent(part: int, whole: int) -> str:
    return f"{part * 100 / whole:.0f}%" if whole else "—"


def read_rounds(db) -> tuple:
    """The 自查 summary and 复查 comparison, reading the 抽查 finals once, and only if there are rounds."""
    from sqlalchemy import select

    from anjuan import models as m

    with db.read_session() as s:
        if s.execute(select(m.RoundResult.__table__.c.id).limit(1)).first() is None:
            return None, []  # no 自查 or 复查 result at all: not even the modules that read them are needed
    from anjuan.rounds.recheck import recheck_comparison
    from anjuan.rounds.results import round_results, spot_results
    from anjuan.rounds.selfcheck import has_selfcheck, selfcheck_summary

    own = has_selfcheck(db)
    again = bool(round_results(db, kind=m.ROUND_RECHECK))
    if not own and not again:
        return None, []
    spot = spot_results(db)
    return (selfcheck_summary(db, spot=spot) if own else None), (recheck_comparison(db, spot) if again else [])


def grade_style(grade: str, bands: list[str]) -> str:
    """Grade cells: the top band green, the bottom band red, anything between amber."""
    if not grade or not bands:
        return "muted"
    return "good" if grade == bands[0] else "bad" if grade == bands[-1] else "warn"


class QueueList(GridList):
    """The 合议 queue: Enter opens the chosen file on the 合议 screen."""

    BINDINGS = [Binding("enter", "choose", "合议", id="dashboard-settle", tooltip="打开所选案卷进行合议（也可双击）")]


class DashboardScreen(WorkbenchScreen[None]):
    """The lead's workspace: what stands where, and the files waiting for 合议."""

    BINDINGS = [
        Binding("1", "tab('overview')", "总览", id="dashboard-tab-overview", tooltip="各执法机关的进度与得分、评查人员进度"),
        Binding("2", "tab('queue')", "待合议", id="dashboard-tab-queue", tooltip="两名评查人员意见不一致、等待合议的案卷"),
        Binding("3", "tab('merges')", "合并记录", id="dashboard-tab-merges", tooltip="已合并的评查人员数据包（时间、文件、人员、内容）"),
        Binding("4", "tab('agreement')", "一致性", id="dashboard-tab-agreement", tooltip="双人评查的条目一致率、Kappa 和平均分差"),
        Binding("5", "tab('rectify')", "整改", id="dashboard-tab-rectify",
                tooltip="整改台账：各执法机关问题数、未整改、整改中、已整改、逾期，以及逾期问题清单"),
        Binding("6", "tab('rounds')", "自查复查", id="dashboard-tab-rounds",
                tooltip="各执法机关自查数量、自查与抽查的偏差；复查结果与抽查结果的逐项对比"),
        Binding("f5,ctrl+r", "reload", "刷新", id="dashboard-reload", tooltip="重新读取数据库（在外部合并数据包之后按此刷新）"),
        Binding("l", "app.show_cases", "我的案卷", id="dashboard-cases", tooltip="打开分配给本人的案卷列表（Esc 返回总览）"),
    ]

    class StatusRead(Message):
        """Progress per agency and per reviewer was read (without the file-level figures: those
        come with OutcomesRead)."""

        def __init__(self, status: CampaignStatus) -> None:
            super().__init__()
            self.status = status

    class OutcomesRead(Message):
        """Each file's outcome was worked out: the 合议 queue and the final scores per agency."""

        def __init__(self, queue: list[QueueEntry], scores: list[AgencyScores], states: Counter) -> None:
            super().__init__()
            self.queue = queue
            self.scores = scores
            self.states = states

    class MergesRead(Message):
        """The merge log was read."""

        def __init__(self, entries: list[MergeEntry]) -> None:
            super().__init__()
            self.entries = entries

    class AgreementRead(Message):
        """Agreement between the reviewers of double-reviewed files was worked out."""

        def __init__(self, summary: dict) -> None:
            super().__init__()
            self.summary = summary

    class LedgerRead(Message):
        """The 整改台账 was read: counts per agency and the overdue items."""

        def __init__(self, summary: list[AgencyLedger], overdue: list[LedgerEntry], today) -> None:
            super().__init__()
            self.summary = summary
            self.overdue = overdue
            self.today = today

    class RoundsRead(Message):
        """The 自查 figures and the 复查 comparison were read (None / empty when there are none)."""

        def __init__(self, selfcheck, recheck: list) -> None:
            super().__init__()
            self.selfcheck = selfcheck
            self.recheck = recheck

    class ConflictRead(Message):
        """A file from the queue was read for 合议."""

        def __init__(self, side: SideBySide, detail: CaseDetail) -> None:
            super().__init__()
            self.side = side
            self.detail = detail

    def __init__(self, session: ReviewSession) -> None:
        super().__init__()
        self.session = session
        self.bands = [b.name for b in session.standard.bands]
        # Score bars run from the lowest passing band's minimum (60) to full marks: the agencies'
        # means usually lie close together, and the title says where the axis starts.
        self.high = sum(c.points for c in session.standard.categories) or 100.0
        self.low = min((b.min for b in session.standard.bands if 0 < b.min < self.high), default=0.0)
        self.status: CampaignStatus | None = None
        self.scores: dict[str, AgencyScores] = {}
        self.queue: list[QueueEntry] = []
        self.states: Counter = Counter()
        self.merges: list[MergeEntry] = []
        self.reading = False
        """A read is under way (not `loading`: that is Textual's loading-indicator switch)."""
        self.failed = False
        """The last read stopped with an error."""
        self.loaded = False
        """Every part has been read at least once."""
        self._parts_pending = 0  # reading threads that have not posted their last part yet

    def compose(self) -> ComposeResult:
        yield Header(icon="卷")
        yield Static(LOADING, id="summary")
        with TabbedContent(initial="overview", id="tabs"):
            with TabPane("1 总览", id="overview"):
                yield Static(f"执法机关：进度与已定稿案卷得分（条形自 {points(self.low)} 分至 {points(self.high)} 分）",
                             classes="section-title")
                yield GridList([
                    Col("执法机关", most=28, shrink=True), Col("案卷", align="right", drop=10),
                    Col("抽查", align="right"), Col("已分配", align="right", drop=9),
                    Col("提交份数", align="right"), Col("评查均分", align="right", drop=5),
                    Col("已定稿", align="right"), Col("待合议", align="right"),
                    # On a narrow screen the grade counts go before 评查均分, 不合格 last of them.
                    *(Col(band, align="right", drop=6 if band == self.bands[-1] else 8) for band in self.bands),
                    Col("定稿均分", flex=1, least=12), Col("", width=6, align="right"),
                ], id="agencies")
                yield Static("评查人员", classes="section-title")
                yield GridList([
                    Col("评查人员", most=12), Col("单位", most=24, shrink=True), Col("已分配", align="right"),
                    Col("评查中", align="right"), Col("已提交", align="right"), Col("进度", flex=1),
                    Col("", width=5, align="right"), Col("均分", width=6, align="right"),
                ], id="reviewers")
            with TabPane("2 待合议", id="queue"):
                yield QueueList([
                    Col("案号", most=26), Col("执法机关", most=20, drop=3), Col("评查人A", most=8),
                    Col("得分", align="right"), Col("等级", most=6, drop=2), Col("评查人B", most=8),
                    Col("得分", align="right"), Col("等级", most=6, drop=1), Col("分歧原因", flex=1, least=24),
                ], choosable=True, id="conflicts")
            with TabPane("3 合并记录", id="merges"):
                yield GridList([Col("合并时间", most=16), Col("数据包", most=30, shrink=True), Col("评查人员", most=10),
                                Col("内容", flex=1)], id="merge-log")
            with TabPane("4 一致性", id="agreement"):
                yield Static(LOADING, id="agreement-text")
                yield GridList([Col("评查人员", most=20), Col("双评案卷", align="right"), Col("条目", align="right"),
                                Col("条目一致率", align="right"), Col("Kappa", align="right"),
                                Col("平均分差", align="right"), Col("", flex=1)], id="pairs")
            with TabPane("5 整改", id="rectify"):
                yield Static("各执法机关整改进度（按报回的整改台账）", classes="section-title")
                yield GridList([Col("执法机关", most=28, shrink=True), Col("问题数", align="right"),
                                Col("未整改", align="right"), Col("整改中", align="right"), Col("已整改", align="right"),
                                Col("不予整改", align="right"), Col("逾期", align="right"), Col("已整改比例", flex=1, least=12),
                                Col("", width=5, align="right")], id="ledger")
                yield Static("逾期未整改问题", classes="section-title", id="overdue-title")
                yield GridList([Col("问题编号", most=8), Col("执法机关", most=20, shrink=True), Col("案号", most=22),
                                Col("评查项目", most=8), Col("存在问题", flex=1, least=16), Col("整改期限", most=10),
                                Col("状态", most=6), Col("逾期天数", align="right")], id="overdue")
            with TabPane("6 自查复查", id="rounds"):
                yield Static("自查情况（偏差 = 自查得分 − 抽查得分，按双方都评查的案卷计）", classes="section-title",
                             id="selfcheck-title")
                yield GridList([Col("执法机关", most=28, shrink=True), Col("应自查", align="right"),
                                Col("已自查", align="right"), Col("达标", most=4), Col("自查均分", align="right"),
                                Col("共同案卷", align="right"), Col("偏差", align="right"),
                                Col("等次不同", align="right"), Col("自查漏查", align="right"), Col("评价", flex=1)],
                               id="selfcheck")
                yield Static("复查结果与抽查结果对比", classes="section-title")
                yield GridList([Col("案号", most=24), Col("执法机关", most=20, shrink=True), Col("抽查得分", align="right"),
                                Col("抽查等次", most=6), Col("复查得分", align="right"), Col("复查等次", most=6),
                                Col("已整改", align="right"), Col("仍存在", align="right"), Col("新发现", align="right"),
                                Col("", flex=1)], id="recheck")
        yield CompactFooter()

    def on_mount(self) -> None:
        self.sub_title = "组长总览"
        self.query_one("#agencies", GridList).focus()
        self.reload()

    # Reading, in a thread: each part is posted as soon as it is read.
    def action_reload(self) -> None:
        self.reload()

    def reload(self) -> None:
        self.reading = True
        self.failed = False
        self.show_summary()
        # Two threads of about equal work: the progress, the outcomes and the queue in one; the
        # merge log, 自查/复查, the 整改台账 and the agreement statistics in the other. Much of
        # it is the database's (SQLite leaves the GIL while it reads and counts), so on two cores
        # they overlap well.
        self._parts_pending = 2
        self.load()
        self.load_others()

    @work(thread=True, exclusive=True, group="dashboard", exit_on_error=False, description="读取评查进度与待合议案卷")
    def load(self) -> None:
        with paused_gc():
            self._load()

    def _load(self) -> None:
        db = self.session.db
        worker = get_current_worker()
        # Read once, for the progress table, the outcomes and the scores; the progress is shown
        # first, while the veto items are read and the outcomes worked out.
        rows = campaign_rows(db, vetoes=False)
        self.post_message(self.StatusRead(campaign_status(db, rows=rows, finals=False)))
        if worker.is_cancelled:
            return
        outcomes = file_outcomes(db, rows=rows)  # worked out once, for the 合议 queue and the scores
        states = Counter(o.state for o in outcomes.values())
        self.post_message(self.OutcomesRead(conflict_queue(db, outcomes), final_scores(db, outcomes, rows), states))

    @work(thread=True, exclusive=True, group="dashboard-others", exit_on_error=False,
          description="读取合并记录、自查复查、整改台账和双人评查一致性")
    def load_others(self) -> None:
        with paused_gc():
            self._load_others()

    def _load_others(self) -> None:
        db = self.session.db
        worker = get_current_worker()
        # The agreement statistics first: one long query that SQLite answers outside the GIL,
        # while the other thread works out the outcomes in Python.
        summary = agreement_summary(db)
        if worker.is_cancelled:
            return
        self.post_message(self.AgreementRead(summary))
        self.post_message(self.MergesRead(merge_history(db)))
        if worker.is_cancelled:
            return
        self.post_message(self.RoundsRead(*read_rounds(db)))
        if worker.is_cancelled:
            return
        today = local_today()
        self.post_message(self.LedgerRead(ledger_summary(db, today), overdue_entries(db, today), today))

    def _part_read(self) -> None:
        """One of the two reading threads has posted its last part."""
        self._parts_pending -= 1
        if self._parts_pending <= 0:
            self.reading = False
            self.loaded = True
        self.show_summary()

    @on(Worker.StateChanged)
    def read_failed(self, event: Worker.StateChanged) -> None:
        # The error itself is reported by WorkbenchScreen; here the summary stops saying 正在读取.
        if event.worker.group in ("dashboard", "dashboard-others") and event.state == WorkerState.ERROR:
            self.reading = False
            self.failed = True
            self.show_summary()

    @on(StatusRead)
    def status_read(self, message: StatusRead) -> None:
        self.status = message.status
        self.show_agencies()
        self.show_reviewers()
        self.show_summary()

    @on(OutcomesRead)
    def outcomes_read(self, message: OutcomesRead) -> None:
        self.queue = message.queue
        self.scores = {s.agency: s for s in message.scores}
        self.states = message.states
        self.show_agencies()
        self.show_queue()
        self._part_read()  # the first reading thread's last part

    @on(MergesRead)
    def merges_read(self, message: MergesRead) -> None:
        self.merges = message.entries
        grid = self.query_one("#merge-log", GridList)
        grid.empty_text = "尚未合并过评查人员的数据包（anjuan merge 评查活动.db 王敏.db …）"
        grid.show([(e.merged_at, e.package_file, e.reviewer, e.summary) for e in message.entries])
        self.label_tab("merges", f"3 合并记录 {len(message.entries)}")

    @on(AgreementRead)
    def agreement_read(self, message: AgreementRead) -> None:
        data = message.summary

        def row(name: str, figures: dict) -> tuple:
            pct = figures.get("item_agreement")
            kappa = figures.get("kappa")
            diff = figures.get("mean_abs_diff")
            return (name, str(figures.get("files", 0)), str(figures.get("items", 0)),
                    "—" if pct is None else f"{pct * 100:.1f}%", "—" if kappa is None else f"{kappa:.2f}",
                    "—" if diff is None else f"{diff:.2f}", "")

        grid = self.query_one("#pairs", GridList)
        if data.get("files"):
            rows = [row("全部", data)] + [row("、".join(p["reviewers"]), p) for p in data.get("pairs", [])]
            self.query_one("#agreement-text", Static).update(
                "同一案卷两名评查人员各自提交后比较：条目一致率为结论相同的条目所占比例；Kappa 扣除偶然一致"
                "（≥0.8 很好，0.6–0.8 较好，<0.4 较差）；平均分差为两份得分之差的绝对值的平均。")
        else:
            rows = []
            self.query_one("#agreement-text", Static).update(data.get("text", ""))
        grid.empty_text = "尚无两名评查人员均已提交的双人评查案卷"
        grid.show(rows)

    @on(RoundsRead)
    def rounds_read(self, message: RoundsRead) -> None:
        grid = self.query_one("#selfcheck", GridList)
        grid.empty_text = "还没有导入自查结果（anjuan selfcheck import 评查活动.db 自查.db）"
        rows, keys = [], []
        for a in message.selfcheck.agencies if message.selfcheck else []:
            rows.append((a.agency, str(a.required), str(a.checked), Styled("是", "good") if a.meets else Styled("否", "bad"),
                         points(a.self_mean) if a.self_mean is not None else Styled("—", "muted"), str(a.both),
                         "—" if a.mean_diff is None else f"{a.mean_diff:+.2f}",
                         str(a.grade_diffs) if a.both else "—", str(len(a.missed)) if a.both else "—",
                         Styled("自查偏宽", "bad") if a.lenient else ""))
            keys.append(a.agency)
        grid.show(rows, keys)
        if message.selfcheck:
            self.query_one("#selfcheck-title", Static).update(
                f"自查情况（比例要求 {message.selfcheck.ratio * 100:g}%；偏差 = 自查得分 − 抽查得分，按双方都评查的案卷计）")
        again = self.query_one("#recheck", GridList)
        again.empty_text = "还没有导入复查结果（anjuan recheck import 评查活动.db 复查.db）"
        again.show([(f.case_no, f.agency, points(f.spot_score) if f.spot_score is not None else "—",
                     Styled(f.spot_grade, grade_style(f.spot_grade, self.bands)), points(f.score),
                     Styled(f.grade, grade_style(f.grade, self.bands)), str(f.fixed),
                     Styled(str(f.still), "bad") if f.still else "0", Styled(str(f.new), "warn") if f.new else "0", "")
                    for f in message.recheck], [f.case_no for f in message.recheck])

    @on(LedgerRead)
    def ledger_read(self, message: LedgerRead) -> None:
        grid = self.query_one("#ledger", GridList)
        grid.empty_text = "还没有整改台账（anjuan ledger export 评查活动.db -o 整改台账 --deadline 年-月-日）"
        rows = []
        for a in message.summary:
            rows.append((a.agency, str(a.total), str(a.open), str(a.doing),
                         Styled(str(a.done), "good") if a.done else "0", str(a.refused),
                         Styled(str(a.overdue), "bad") if a.overdue else "0",
                         Bar(a.done, a.total or 1), percent(a.done, a.total)))
        grid.show(rows, [a.agency for a in message.summary])
        late = self.query_one("#overdue", GridList)
        late.empty_text = f"截至 {message.today.isoformat()} 没有逾期未整改的问题"
        late.show([(e.code, e.agency, e.case_no, e.item_id, e.problem, e.deadline.isoformat(), e.state,
                    Styled(str(e.days_overdue(message.today)), "bad")) for e in message.overdue],
                  [e.code for e in message.overdue])
        self.query_one("#overdue-title", Static).update(
            f"逾期未整改问题（截至 {message.today.isoformat()}，共 {len(message.overdue)} 个）")
        label = f"5 整改 逾期{len(message.overdue)}" if message.overdue else "5 整改"
        self.label_tab("rectify", label)
        self._part_read()  # the second reading thread's last part

    # Showing what was read.
    def show_summary(self) -> None:
        parts = []
        if self.status is not None:
            sampled = sum(a.sampled for a in self.status.agencies)
            parts.append(f"抽查 [b]{sampled}[/b] 卷")
            if self.states:
                final, waiting, pending = self.states["final"], self.states["conflict"], self.states["pending"]
                parts.append(f"已定稿 [b]{final}[/b]（{percent(final, sampled)}）")
                parts.append(f"待合议 [b $warning]{waiting}[/]" if waiting else "待合议 0")
                parts.append(f"未完成 {pending}")
            submitted = sum(r.submitted for r in self.status.reviewers)
            assigned = sum(r.assigned for r in self.status.reviewers)
            parts.append(f"评查记录已提交 {submitted}/{assigned} 份")
        text = "　".join(parts) if parts else LOADING
        if self.reading and parts:
            text += "　[$text-muted]正在读取…[/]"
        elif self.failed:
            text += "　[$error]读取未完成（F5 重试）[/]"
        show_text(self.query_one("#summary", Static), text)

    def show_agencies(self) -> None:
        if self.status is None:
            return
        rows, keys = [], []
        for a in self.status.agencies:
            if not (a.catalog or a.sampled):
                continue
            s = self.scores.get(a.agency)
            bar: Styled | Bar = (Bar(s.mean - self.low, self.high - self.low) if s and s.mean is not None
                                 else Styled("—" if self.scores else "", "muted"))
            rows.append((
                a.agency, str(a.catalog), str(a.sampled), str(a.assigned), str(a.submitted),
                points(a.mean_score) if a.mean_score is not None else Styled("—", "muted"),
                str(s.final) if s else "", Styled(str(s.conflicts), "warn") if s and s.conflicts else ("0" if s else ""),
                *(Styled(str(s.grades.get(band, 0)), grade_style(band, self.bands)) if s and s.grades.get(band)
                  else ("0" if s else "") for band in self.bands),
                bar, points(s.mean) if s and s.mean is not None else "",
            ))
            keys.append(a.agency)
        grid = self.query_one("#agencies", GridList)
        grid.empty_text = "评查活动中还没有执法机关（先用 anjuan import 导入案卷目录）"
        grid.show(rows, keys)

    def show_reviewers(self) -> None:
        assert self.status is not None
        rows, keys = [], []
        for r in self.status.reviewers:
            if r.role == "lead" and not r.assigned:
                continue
            share = r.submitted / r.assigned if r.assigned else 0.0
            name = r.reviewer + ("（组长）" if r.role == "lead" else "")
            rows.append((name, r.unit or "—", str(r.assigned), str(r.draft), str(r.submitted),
                         Bar(share, 1.0), percent(r.submitted, r.assigned),
                         points(r.mean_score) if r.mean_score is not None else Styled("—", "muted")))
            keys.append(r.reviewer)
        grid = self.query_one("#reviewers", GridList)
        grid.empty_text = "还没有评查人员（anjuan reviewers import）"
        grid.show(rows, keys)

    def show_queue(self) -> None:
        rows = []
        for e in self.queue:
            rows.append((e.case_no, e.agency, e.a.reviewer, points(e.a.score), Styled(e.a.grade, grade_style(e.a.grade, self.bands)),
                         e.b.reviewer, points(e.b.score), Styled(e.b.grade, grade_style(e.b.grade, self.bands)),
                         "；".join(e.reasons)))
        grid = self.query_one("#conflicts", GridList)
        grid.empty_text = "没有待合议的案卷：双人评查的案卷两人意见一致，或尚未都提交"
        grid.show(rows, [e.case_id for e in self.queue])
        self.label_tab("queue", f"2 待合议 {len(self.queue)}")

    # Tabs.
    def label_tab(self, pane: str, label: str) -> None:
        """Relabel a tab, only when the label changes (every relabelling lays the tabs out again)."""
        tab = self.query_one(TabbedContent).get_tab(pane)
        if tab.label_text != label:
            tab.label = label

    def action_tab(self, tab: str) -> None:
        self.query_one(TabbedContent).active = tab

    @on(TabbedContent.TabActivated)
    def tab_shown(self, event: TabbedContent.TabActivated) -> None:
        pane = event.tabbed_content.active_pane
        grids = list(pane.query(GridList)) if pane is not None else []
        if grids:
            grids[0].focus()

    # 合议.
    @on(GridList.RowChosen, "#conflicts")
    def conflict_chosen(self, event: GridList.RowChosen) -> None:
        self.open_conflict(event.key)

    def open_conflict(self, case_id: str) -> None:
        """Read a file's two reviews (in a thread) and open the 合议 screen on it."""
        self.read_conflict(case_id)

    @work(thread=True, exclusive=True, group="open-conflict", exit_on_error=False, description="读取两份评查记录")
    def read_conflict(self, case_id: str) -> None:
        db = self.session.db
        side, detail = item_differences(db, case_id), case_detail(db, case_id)
        if not get_current_worker().is_cancelled:
            self.post_message(self.ConflictRead(side, detail))

    @on(ConflictRead)
    def conflict_read(self, message: ConflictRead) -> None:
        if isinstance(self.app.screen, SettleScreen):
            return  # Enter pressed twice: the file is open already
        case_id = message.side.case_id
        self.app.push_screen(SettleScreen(self.session, message.side, message.detail),
                             lambda settled: self.settle_closed(settled, case_id))

    def settle_closed(self, settled: bool | str | None, case_id: str | None = None) -> None:
        self.reload()
        if settled == STALE and case_id:
            self.open_conflict(case_id)
