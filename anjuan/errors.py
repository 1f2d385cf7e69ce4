"""Errors the user can act on. The CLI prints them as one line and exits 1 (no traceback)."""

from __future__ import annotations


class AnjuanError(Exception):
    """A user-facing error: what went wrong, where, and how to fix it (in Chinese)."""

    title = "错误"

    def __init__(self, message: str, details: list[str] | None = None):
        super().__init__(message)
        self.message = message
        self.details = details or []


class DatabaseError(AnjuanError):
    title = "数据库错误"


class InputError(AnjuanError):
    """Bad input data (a catalog, answer sheet, reviewer list): names file, row and column."""

    title = "数据错误"


class WorkflowError(AnjuanError):
    """An action not allowed in the current state (e.g. editing a submitted review)."""

    title = "操作不允许"


class StaleRevisionError(WorkflowError):
    """A write based on a revision of a review that is no longer the current one (someone else
    changed it in between): nothing was written; reload and redo."""

    title = "内容已被修改"

    def __init__(self, message: str, seen: int | None = None, current: int | None = None):
        super().__init__(message)
        self.seen = seen
        self.current = current
