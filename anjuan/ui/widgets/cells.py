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
    """Put markup text in a Static, only when it differs from what it shows, and lay the screen
    out again only when the new text changes the widget's size.

    Textual's `Static.update` lays the whole screen out again after every update, and the status
    lines and panels are updated after each key. A widget whose width and height are fixed (not
    `auto`) cannot change size with its text; an auto-sized one changes size only when the text's
    natural width (auto width) or height at the current width (auto height) changes.
    """
    if widget.content == text:
        return
    styles = widget.styles
    if not styles.auto_dimensions:
        widget.update(text, layout=False)
        return
    if not widget.region:
        widget.update(text)  # not laid out yet: the first layout sizes it anyway
        return
    before = _natural_size(widget)
    widget.update(text, layout=False)
    if _natural_size(widget) != before:
        widget.refresh(layout=True)


def _natural_size(widget) -> tuple[int | None, int | None]:
    """The auto dimensions of a widget as its content asks for them (None where not auto)."""
    styles = widget.styles
    viewport = widget.app.size
    parent = widget.parent
    container = parent.content_size if parent is not None and hasattr(parent, "content_size") else viewport
    width = widget.get_content_width(container, viewport) if styles.width is not None and styles.width.is_auto else None
    height = None
    if styles.height is not None and styles.height.is_auto:
        height = widget.get_content_height(container, viewport, widget.content_size.width if width is None else width)
    return width, height
