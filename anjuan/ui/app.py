"""The reviewer's workbench (评查工作台): the case list and the scoring screen; for a lead opening
a campaign database, the lead's dashboard (组长总览) with the 合议 queue comes first.

`make_app` opens the database and resolves the reviewer before anything is drawn, so a wrong
file or an unknown reviewer is reported by the CLI as a one-line error, not inside the UI.
"""

from __future__ import annotations

from collections.abc import Iterable

from textual import on
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.command import CommandPalette
from textual.screen import Screen
from textual.worker import Worker, WorkerState

from anjuan.lead.dashboard import QueueEntry
from anjuan.review.reviewing import CaseRow, resolve_reviewer

from ..campaign import campaign_info
from ..db import ROLE_CAMPAIGN, database_role, open_database
from ..errors import AnjuanError
from .dialogs import ErrorDialog, HelpDialog
from .palette import ChinesePalette, WorkbenchCommands, ordered_keys
from .screens.case_list import CaseListScreen
from .screens.dashboard import DashboardScreen
from .screens.scoring import ScoringScreen
from .screens.settle import SettleScreen
from .session import ReviewSession
from .writer import WriteDone, Writer


class AnjuanApp(App[None]):
    """Wires the screens, the writer queue, help, the command palette and error reporting."""

    # Every screen's style sheet is read with the app's: a screen's own CSS_PATH makes Textual
    # parse all the app's CSS again (every widget's included) the first time the screen opens.
    # Each screen's rules start with its class name, so they apply to that screen only.
    CSS_PATH = ["app.tcss", "dialogs.tcss", "screens/case_list.tcss", "screens/scoring.tcss",
                "screens/settle.tcss", "screens/dashboard.tcss"]
    COMMANDS = App.COMMANDS | {WorkbenchCommands}
    COMMAND_PALETTE_DISPLAY = "^p"

    BINDINGS = [
        Binding("question_mark,f1", "help", "帮助", id="app-help", tooltip="列出当前界面的全部快捷键"),
        Binding("ctrl+p", "command_palette", "命令", show=False, priority=True, id="app-palette",
                tooltip="命令面板：输入案号打开案卷，或执行当前界面的操作"),
        Binding("ctrl+q", "quit", "退出", priority=True, id="app-quit", tooltip="退出（已评内容均已保存）"),
        Binding("escape", "dashboard", "组长总览", id="app-dashboard", tooltip="从案卷列表回到组长总览（进度、待合议、合并记录）"),
    ]

    def __init__(self, session: ReviewSession, lead_view: bool = False) -> None:
        super().__init__()
        self.session = session
        self.writer = Writer(self)
        self.title = f"{session.campaign}　评查人 {session.reviewer_name}{'（组长）' if session.is_lead else ''}"
        self.case_list: CaseListScreen | None = None
        self.dashboard: DashboardScreen | None = DashboardScreen(session) if lead_view else None
        """The lead's dashboard: the first screen when a lead opens a campaign database."""

    def on_mount(self) -> None:
        import anjuan.sqlite

        # A save that has to wait for another program's write says so on screen, not on stderr.
        anjuan.sqlite.wait_notice = self._wait_notice
        self.case_list = CaseListScreen(self.session)
        if self.dashboard is None:
            self.push_screen(self.case_list)
            return
        # Installed, so that the case list keeps its rows and filters between visits.
        self.install_screen(self.case_list, name="cases")
        self.push_screen(self.dashboard)

    def _wait_notice(self, message: str) -> None:
        import threading

        if threading.get_ident() == self._thread_id:
            self.notify(message, severity="warning")
        else:
            self.call_from_thread(self.notify, message, severity="warning")

    def on_unmount(self) -> None:
        import anjuan.sqlite

        anjuan.sqlite.wait_notice = anjuan.sqlite._default_notice

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "dashboard":
            return self.dashboard is not None and self.screen is self.case_list
        return True

    def action_show_cases(self) -> None:
        """The lead's own case list (files assigned to the lead), over the dashboard."""
        if self.case_list is not None and self.screen is self.dashboard:
            self.push_screen("cases")

    def action_dashboard(self) -> None:
        if self.dashboard is not None and self.screen is self.case_list:
            self.pop_screen()

    # Used by the command palette.
    def case_rows(self) -> list[CaseRow]:
        return self.case_list.rows if self.case_list else []

    def queue_entries(self) -> list[QueueEntry]:
        """Files waiting for 合议 (empty unless the dashboard is shown)."""
        return self.dashboard.queue if self.dashboard else []

    def open_conflict(self, case_id: str) -> None:
        """Open a file from the 合议 queue (from the command palette)."""
        if self.dashboard is None:
            return
        if isinstance(self.screen, SettleScreen):
            if self.screen.side.case_id != case_id:
                self.notify("请先完成或退出当前合议（Esc）", severity="warning")
            return
        self.dashboard.open_conflict(case_id)

    async def open_case(self, case_id: str) -> None:
        """Open a file by id from anywhere (leaving the file being scored first)."""
        row = self.case_list.find_case(case_id) if self.case_list else None
        if self.case_list is None or row is None:
            return
        if isinstance(self.screen, ScoringScreen):
            if self.screen.row.case_id == case_id:
                return
            await self.screen.dismiss(self.screen.list_row())
        await self.case_list.open_case(row)

    def action_command_palette(self) -> None:
        if self.use_command_palette and not CommandPalette.is_open(self):
            hint = "输入案号合议或打开案卷" if self.dashboard is not None else "输入案号打开案卷"
            self.push_screen(ChinesePalette(placeholder=f"{hint}，或输入操作名称……", id="--command-palette"))

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        # Quitting and help are the screens' own commands (from their bindings) in the palette.
        yield SystemCommand("切换配色", "选择界面配色（深色、浅色等）", self.action_change_theme)

    # Help, errors, quitting.
    def action_help(self) -> None:
        if isinstance(self.screen, HelpDialog):
            return
        keys = [(k, d, tip) for k, d, tip, _, _ in ordered_keys(self.screen)]
        title = f"快捷键 — {self.screen.sub_title or self.sub_title}"
        self.push_screen(HelpDialog(title, keys))

    @on(Worker.StateChanged)
    def worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state == WorkerState.ERROR and event.worker.error is not None:
            self.report_error(event.worker.error)

    def report_error(self, error: BaseException) -> None:
        """The one place a failure reaches the reviewer: an error dialog."""
        if isinstance(error, AnjuanError):
            self.push_screen(ErrorDialog(error.title, error.message, error.details))
        else:
            self.push_screen(ErrorDialog("程序内部错误", f"{type(error).__name__}: {error}",
                                         ["您已保存的评查结果不受影响；请把这条信息反馈给开发人员。"]))

    @on(WriteDone)
    def write_done(self, message: WriteDone) -> None:
        self.writer.finished(message)

    async def action_quit(self) -> None:
        # Answers still on their way to the database are written before the app exits.
        await self.writer.wait_idle()
        self.exit()


def make_app(target: str, reviewer: str | None = None) -> AnjuanApp:
    """The workbench for a campaign database or reviewer package, acting as `reviewer`
    (a package's own reviewer, or the campaign's lead, when not given). A lead opening a
    campaign database starts on the dashboard (组长总览)."""
    db = open_database(target)
    try:
        info = campaign_info(db)
        person = resolve_reviewer(db, reviewer)
        on_campaign = database_role(db) == ROLE_CAMPAIGN
    except AnjuanError:
        db.close()
        raise
    session = ReviewSession(db, person.id, person.name, person.role == "lead", info.name, info.standard)
    return AnjuanApp(session, lead_view=session.is_lead and on_campaign)


def run_review(target: str, reviewer: str | None = None) -> None:
    """Run the workbench in the terminal until the reviewer quits."""
    app = make_app(target, reviewer)
    try:
        app.run()
    finally:
        app.session.db.close()
