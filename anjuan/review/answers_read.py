"""Reading answer sheets: the columns, header names and cell clean-up of the sheet layout
described in answers_io.py, and `read_sheet` (CSV or Excel → trimmed rows)."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import Path

from anjuan.errors import InputError
from anjuan.tables import SheetProblem, column_letter  # noqa: F401  (SheetProblem re-exported)

CORE_COLUMNS = ("案号", "执法机关", "条目编号", "结论", "扣分", "问题描述", "卷内页码")
EXTRA_COLUMNS = ("条目内容", "评查人员", "状态")
EXPORT_COLUMNS = CORE_COLUMNS + EXTRA_COLUMNS

FIELDS = ("case_no", "agency", "item", "verdict", "deducted", "note", "page_ref", "reviewer")
FIELD_LABELS = dict(zip(FIELDS, CORE_COLUMNS + ("评查人员",), strict=True))
REQUIRED_FIELDS = FIELDS[:7]

# Header names accepted on import, per field (the export's own names first).
HEADER_ALIASES: dict[str, tuple[str, ...]] = {
    "case_no": ("案号", "案卷号", "决定书文号", "文号"),
    "agency": ("执法机关", "执法单位", "实施机关"),
    "item": ("条目编号", "条目", "评查条目", "条目号", "评查项目编号"),
    "verdict": ("结论", "评查结论", "评查结果"),
    "deducted": ("扣分", "扣分值", "扣分分值"),
    "note": ("问题描述", "存在问题", "问题", "说明"),
    "page_ref": ("卷内页码", "页码", "卷内页"),
    "reviewer": ("评查人员", "评查人", "评查员"),
}
_ALIAS = {alias: fld for fld, names in HEADER_ALIASES.items() for alias in names}

MAX_ERRORS_SHOWN = 50
HEADER_SCAN_ROWS = 10
# Full-width ASCII → half-width, ideographic space → space, invisible marks removed.
_FW = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)}
_FW.update({0x3000: 0x20, 0x200B: None, 0x200C: None, 0x200D: None, 0xFEFF: None})
_FW_TABLE = str.maketrans(_FW)
# Cells Excel would take as the start of a formula when it opens a CSV file.
_FORMULA_START = ("=", "+", "-", "@")


# ---------------------------------------------------------------------------------------------
# Small helpers


def _norm(s: str) -> str:
    """Trimmed, full-width ASCII made half-width, whitespace runs collapsed."""
    if not s.isascii():
        s = s.translate(_FW_TABLE)
    return " ".join(s.split())


def _cell(s: str) -> str:
    """A cell as read: trimmed, invisible marks dropped, an export's formula guard removed."""
    s = s.replace("\ufeff", "").replace("\u200b", "").strip()
    if len(s) > 1 and s[0] == "'" and s[1] in _FORMULA_START:
        s = s[1:]
    return s


def _header_key(s: str) -> str:
    return "".join(_norm(s).split()).strip("*※△▲★☆:：")


def _fmt(x: float) -> str:
    return f"{x:g}"


def _parse_number(text: str) -> float | None:
    """“2”, “２”, “1.5”, “１．５分” → float; None when it is not a number."""
    t = _norm(text).replace("。", ".")
    if t.endswith("分"):
        t = t[:-1].strip()
    # Plain decimals only: float() would also take “0_1” (as 1), “1e-320” and “inf”.
    if not _DECIMAL(t):
        return None
    x = float(t)
    return x if math.isfinite(x) else None


_DECIMAL = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)").fullmatch
# 问题描述 / 卷内页码 longer than this are refused with their row (the screens allow as much).
MAX_NOTE_CHARS = 5_000


# ---------------------------------------------------------------------------------------------
# Import: reading the sheet


@dataclass
class _Row:
    row: int                     # Excel row number
    cells: dict[str, str]        # field → trimmed cell text


@dataclass
class _Sheet:
    name: str
    columns: dict[str, int]      # field → column index
    headers: dict[str, str]      # field → header text as written
    rows: list[_Row]

    def problem(self, row: int, fld: str | None, message: str) -> SheetProblem:
        if fld is None:
            return SheetProblem(self.name, row, "", "", message)
        return SheetProblem(self.name, row, self.headers[fld], column_letter(self.columns[fld]), message)


def _header_fields(cells: list[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for i, c in enumerate(cells):
        fld = _ALIAS.get(_header_key(c))
        if fld is not None and fld not in found:
            found[fld] = i
    return found


def read_sheet(path: str | Path) -> _Sheet:
    """Read an answer sheet (CSV in UTF-8/GBK/GB18030, or Excel) into trimmed rows."""
    from anjuan.tables import read_table

    path = Path(path)
    table = read_table(path)
    header_at, columns = None, {}
    for i, row in enumerate(table[:HEADER_SCAN_ROWS]):
        cols = _header_fields(row)
        if all(f in cols for f in ("case_no", "item", "verdict")):
            header_at, columns = i, cols
            break
    if header_at is None:
        if not any(any(c.strip() for c in row) for row in table):
            raise InputError(f"{path.name} 是空文件，没有评查结论")
        header_at, columns = 0, _header_fields(table[0]) if table else {}
    missing = [FIELD_LABELS[f] for f in REQUIRED_FIELDS if f not in columns]
    if missing:
        raise InputError(
            f"{path.name} 第{header_at + 1}行（表头）：缺少“{'”“'.join(missing)}”列",
            [f"表头应包含：{'、'.join(CORE_COLUMNS)}（{'、'.join(EXTRA_COLUMNS)} 可有可无）"])
    headers = {f: table[header_at][i].strip() for f, i in columns.items()}
    header_cells = table[header_at]
    width = max((i + 1 for i, c in enumerate(header_cells) if c.strip()), default=0)
    rows = []
    for n, raw in enumerate(table[header_at + 1:], header_at + 2):
        extra = [(i, c.strip()) for i, c in enumerate(raw[width:], width) if c.strip()]
        if extra:
            # A value beyond the last named column: in a CSV row with more fields than the
            # header (an unquoted comma), every cell after the comma has slid one column right.
            i, value = extra[0]
            raise InputError(
                f"{path.name} 第{n}行 {column_letter(i)}列：这一行比表头多出内容“{value}”，表头只有 {width} 列"
                f"（到 {column_letter(width - 1)}列）。多半是某个单元格中的英文逗号使其后的内容错位，"
                "请把该单元格用英文双引号括起（或改用中文逗号）后重新导入")
        cells = {f: _cell(raw[i]) if i < len(raw) else "" for f, i in columns.items()}
        cells = {f: _cell(raw[i]) if i < len(raw) else "" for f, i in columns.items()}
        if not any(cells[f] for f in REQUIRED_FIELDS):
            continue
        rows.append(_Row(n, cells))
    return _Sheet(path.name, columns, headers, rows)

