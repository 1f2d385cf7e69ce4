"""Fitting Chinese text into terminal cells: a CJK character is two cells wide, not one."""

from __future__ import annotations

from rich.cells import cell_len, get_character_cell_size

ELLIPSIS = "…"


def clip(text: str, width: int) -> str:
    """The text cut to at most `width` cells, ending in … when something was cut off."""
    if width <= 0:
        return ""
    if cell_len(text) <= width:
        return text
    out: list[str] = []
    used = 0
    for ch in text:
        size = get_character_cell_size(ch)
        if used + size > width - 1:
            break
        out.append(ch)
        used += size
    return "".join(out) + ELLIPSIS


def fit(text: str, width: int, align: str = "left") -> str:
    """The text clipped and padded to exactly `width` cells."""
    text = clip(text, width)
    pad = width - cell_len(text)
    if pad <= 0:
        return text
    if align == "right":
        return " " * pad + text
    if align == "center":
        left = pad // 2
        return " " * left + text + " " * (pad - left)
    return text + " " * pad


def points(value: float | None) -> str:
    """A score or point value the way a score sheet writes it: 96.5, 100, 2."""
    if value is None:
        return ""
    return f"{value:.2f}".rstrip("0").rstrip(".")


def show_text(widget, text: str) -> None:
    """Put markup text in a Static, only when it differs from what it shows: every update makes
    Textual lay the whole screen out again, and the status line and panels are redrawn after each
    key whether or not their text changed."""
    if widget.content != text:
        widget.update(text)
