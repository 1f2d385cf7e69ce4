"""Service writes (answers, submit, reopen) run one at a time, in the order they were made,
in a thread worker, so the screen never waits for a disk commit and never reorders changes."""

from __future__ import annotations

import asyncio
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from textual.message import Message

if TYPE_CHECKING:
    from textual.app import App


def clock() -> str:
    """Wall-clock time shown next to 已保存, in the bureau's time zone (anjuan.localtime: Asia/Shanghai
    or ANJUAN_TZ), not the machine's; tests replace it to keep snapshots stable."""
    from anjuan.errors import AnjuanError
    from anjuan.localtime import zone

    try:
        tz = zone()
    except AnjuanError:  # a bad ANJUAN_TZ is reported where dates are printed, not on every save
        from zoneinfo import ZoneInfo

        from anjuan.localtime import DEFAULT_TZ

        tz = ZoneInfo(DEFAULT_TZ)
    return datetime.now(UTC).astimezone(tz).strftime("%H:%M:%S")


@dataclass(frozen=True)
class Write:
    """One service call to make, and what to do on the UI thread once it returned."""

    label: str
    """What is being written, for error messages (e.g. 保存 CX-10)."""
    run: Callable[[], Any]
    """The service call; runs in the writer thread."""
    done: Callable[[Any, BaseException | None, str], None]
    """Called on the UI thread with (result, error, time) after the call returned."""


class WriteDone(Message):
    """A service write returned (or failed); delivered on the UI thread."""

    def __init__(self, write: Write, result: Any, error: BaseException | None, at: str) -> None:
        super().__init__()
        self.write = write
        self.result = result
        self.error = error
        self.at = at


class Writer:
    """A queue of service writes drained by one thread worker at a time."""

    def __init__(self, app: App) -> None:
        self._app = app
        self._queue: deque[Write] = deque()
        self._lock = threading.Lock()
        self._running = False
        self.pending = 0
        """Writes made but not yet reported back (touched on the UI thread only)."""
        self._idle = asyncio.Event()
        self._idle.set()

    def submit(self, write: Write) -> None:
        """Queue a write; call on the UI thread."""
        self.pending += 1
        self._idle.clear()
        with self._lock:
            self._queue.append(write)
            if self._running:
                return
            self._running = True
        self._app.run_worker(self._drain, name="保存评查结果", group="writes", thread=True,
                             exit_on_error=False, description="依次提交评查结果到数据库")

    def _drain(self) -> None:
        # No cancellation check: a write the reviewer made must reach the database even while the
        # app is closing (the interpreter waits for this thread before it exits).
        try:
            while True:
                with self._lock:
                    if not self._queue:
                        self._running = False
                        return
                    write = self._queue.popleft()
                try:
                    result, error = write.run(), None
                except Exception as exc:  # noqa: BLE001 - handed to the UI, which reports it
                    result, error = None, exc
                self._app.post_message(WriteDone(write, result, error, clock()))
        finally:
            # Should this loop ever fail, the next submit starts a new worker for what is left.
            with self._lock:
                self._running = False

    def finished(self, message: WriteDone) -> None:
        """Deliver a finished write to its caller; the app calls this for each WriteDone."""
        self.pending -= 1
        if self.pending <= 0:
            self.pending = 0
            self._idle.set()
        message.write.done(message.result, message.error, message.at)

    async def wait_idle(self) -> None:
        """Wait until every write made so far has been reported back."""
        await self._idle.wait()
