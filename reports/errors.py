"""Errors of report building that the user can fix (their messages are shown as they are)."""

from __future__ import annotations


class ReportError(Exception):
    """A bad template folder, a template error, an unwritable output folder, an unknown format."""
