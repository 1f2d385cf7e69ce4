"""File names that are safe on Windows and Linux whatever an agency is called (pure).

- Characters Windows forbids (\\ / : * ? " < > |), control and format characters (including
  bidirectional overrides and zero-width characters) are removed; runs of white space become one.
- Leading and trailing dots and spaces are trimmed (so "../" or "..." cannot climb a directory, and
  Windows does not silently drop a trailing dot).
- Reserved device names (CON, PRN, AUX, NUL, COM1–9, LPT1–9, also with an extension such as
  "con.txt") get a leading underscore.
- The stem is capped at 80 characters and 180 bytes of UTF-8 (Linux allows 255 bytes per name, a
  Chinese character takes 3), leaving room for a suffix and a "（2）" that tells apart names that
  come out the same; a cut name ends with "…".
"""

from __future__ import annotations

import re
import unicodedata

FORBIDDEN = set('\\/:*?"<>|')
RESERVED = {"CON", "PRN", "AUX", "NUL", "CLOCK$", "CONIN$", "CONOUT$",
            *(f"COM{i}" for i in range(10)), *(f"LPT{i}" for i in range(10)),
            "COM¹", "COM²", "COM³", "LPT¹", "LPT²", "LPT³"}
MAX_CHARS = 80
MAX_BYTES = 180
_SPACES = re.compile(r"\s+")


def _keep(ch: str) -> bool:
    if ch in FORBIDDEN:
        return False
    return unicodedata.category(ch) not in ("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp")


def _cap(stem: str, max_chars: int, max_bytes: int) -> str:
    if len(stem) <= max_chars and len(stem.encode("utf-8")) <= max_bytes:
        return stem
    out = []
    size = len("…".encode())
    for ch in stem:
        b = len(ch.encode("utf-8"))
        if len(out) + 1 >= max_chars or size + b > max_bytes:
            break
        out.append(ch)
        size += b
    return "".join(out).rstrip(". ") + "…"


def safe_filename(name: str, default: str = "未命名", max_chars: int = MAX_CHARS,
                  max_bytes: int = MAX_BYTES) -> str:
    """A file name stem (no directory part) made from any text."""
    text = unicodedata.normalize("NFC", str(name or ""))
    text = "".join(ch if _keep(ch) else " " if ch.isspace() else "" for ch in text)
    text = _SPACES.sub(" ", text).strip(". ")
    if not text:
        text = default
    base = text.split(".", 1)[0].strip().upper()
    if base in RESERVED:
        text = "_" + text
    return _cap(text, max_chars, max_bytes).strip(" ") or default


class UniqueNames:
    """Hands out safe stems, never the same one twice (compared case-insensitively, as on Windows)."""

    def __init__(self):
        self._used: set[str] = set()

    def take(self, name: str, default: str = "未命名") -> str:
        stem = safe_filename(name, default)
        candidate, n = stem, 1
        while candidate.casefold() in self._used:
            n += 1
            suffix = f"（{n}）"
            candidate = safe_filename(stem, default, MAX_CHARS - len(suffix),
                                      MAX_BYTES - len(suffix.encode())) + suffix
        self._used.add(candidate.casefold())
        return candidate
