"""What every workbench screen shares: failed workers are reported in one place (the app)."""

from __future__ import annotations

from typing import Generic, TypeVar

from textual import on
from textual.screen import Screen
from textual.worker import Worker, WorkerState

ResultType = TypeVar("ResultType")


class WorkbenchScreen(Screen[ResultType], Generic[ResultType]):
    """A screen whose failed thread workers end up in the app's error dialog."""

    @on(Worker.StateChanged)
    def worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state == WorkerState.ERROR and event.worker.error is not None:
            self.app.report_error(event.worker.error)  # type: ignore[attr-defined]
