"""Importing case catalogs (案卷目录) from Excel (.xlsx/.xls) and CSV files.

`read_catalog` parses one file into clean rows plus every problem found in it (file, Excel row,
column, value, what was expected). `import_catalogs` parses several files, checks them against
each other and against the database, and writes all of them in one transaction, or nothing at
all when any file has a problem. Rows are written with SQLAlchemy Core executemany in chunks.
"""

from __future__ import annotations

import csv
import gc
import hashlib
import io
import json
import os
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from itertools import repeat
from pathlib import Path

from anjuan import models as m
from anjuan.db import Database, campaign_lock
from anjuan.errors import InputError
from anjuan.tables import UndecodableText, column_letter, decode_csv_bytes

# ---------------------------------------------------------------------------------------------
# Column names

FIELDS = ("case_no", "agency", "title", "party", "kind", "decided_on", "officers")

FIELD_LABELS = {
    "case_no": "案号", "agency": "执法机关", "title": "案件名称", "party": "当事人",
    "kind": "案件类别", "decided_on": "决定日期", "officers": "承办人",
}

# Header names per field, most specific first: when a sheet has two columns of one field
# (say 案卷号 and 决定书文号) the earlier name wins and the other column is kept as extra data.
HEADER_ALIASES: dict[str, tuple[str, ...]] = {
    "case_no": ("案号", "处罚决定书文号", "行政处罚决定书文号", "决定书文号", "决定文书号", "案卷号", "文号",
                "文书号", "案件编号"),
    "agency": ("执法机关", "执法机关名称", "执法单位", "执法主体", "实施机关", "实施主体", "单位名称",
               "执法部门", "办案单位"),
    "title": ("案件名称", "案由", "案件事由", "违法行为", "事项名称"),
    "party": ("当事人", "当事人名称", "当事人姓名", "当事人姓名（名称）", "当事人名称（姓名）", "行政相对人",
              "相对人", "被处罚人", "申请人"),
    "kind": ("案件类别", "执法类别", "案件类型", "执法类型", "执法行为类别", "案件种类", "类别", "类型"),
    "decided_on": ("决定日期", "作出决定日期", "处罚决定日期", "许可决定日期", "处罚日期", "决定时间",
                   "作出决定时间", "结案日期", "结案时间", "办结日期"),
    "officers": ("承办人", "承办人员", "执法人员", "办案人员", "执法人", "办案人", "经办人", "主办人"),
}
SERIAL_HEADERS = frozenset({"序号"})

_ALIAS: dict[str, tuple[str, int]] = {
    alias: (fld, rank) for fld, names in HEADER_ALIASES.items() for rank, alias in enumerate(names)
}

KIND_ALIASES = {"处罚": "行政处罚", "许可": "行政许可", "强制": "行政强制", "检查": "行政检查"}

# 案号 carry the kind of decision as the character before the year: 安市监罚〔2024〕37号.
_KIND_IN_CASE_NO = re.compile(r"(罚|许|强|检)[字]?\s*[〔\[(（【]?\s*(19|20)\d\d")
_KIND_CHAR = {"罚": "行政处罚", "许": "行政许可", "强": "行政强制", "检": "行政检查"}


def infer_kind(case_no: str, context: str = "") -> str:
    """The 案件类别 a catalog left blank, from the 案号 (…罚〔2024〕…) or the catalog's title."""
    hit = _KIND_IN_CASE_NO.search(case_no)
    if hit:
        return _KIND_CHAR[hit.group(1)]
    found = {k for k in _KIND_CHAR.values() if k in context}
    return found.pop() if len(found) == 1 else ""

HEADER_SCAN_ROWS = 20
MAX_ERRORS_SHOWN = 50
INSERT_CHUNK = 20_000
PROGRESS_EVERY = 5_000

SPREADSHEET_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".xlsb", ".ods")
CSV_SUFFIXES = (".csv", ".txt")

DATE_EXPECTED = "应为 2021-07-06、2021/7/6、2021.7.6、2021年7月6日 或 20210706 这样的日期"

# ---------------------------------------------------------------------------------------------
# Text normalisation

# Full-width ASCII (！ .. ～) → half-width, ideographic space → space, invisible marks removed.
_FULL_WIDTH = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)}
_FULL_WIDTH.update({0x3000: 0x20, 0x200B: None, 0x200C: None, 0x200D: None, 0xFEFF: None})
_FW_ALL = str.maketrans(_FULL_WIDTH)
# In free text keep the punctuation that belongs to Chinese writing (，：；！？（）), as official
# documents print it; digits, letters and spaces still become half-width.
_FW_TEXT = str.maketrans({k: v for k, v in _FULL_WIDTH.items() if chr(k) not in "，：；！？（）"})


# str.translate is slow on non-ASCII text; most cells have nothing to translate, so look first.
_NEEDS_FW = re.compile("[\uff01-\uff5e\u3000\u200b-\u200d\ufeff]").search


def clean_text(s: str) -> str:
    """Trimmed text with whitespace runs collapsed; full-width digits, letters and spaces made
    half-width (Chinese punctuation ，：；！？ and brackets （）〔〕【】 kept)."""
    if not s.isascii() and _NEEDS_FW(s):
        s = s.translate(_FW_TEXT)
    return " ".join(s.split())


def clean_code(s: str) -> str:
    """Like clean_text, but every full-width ASCII character is made half-width (case numbers,
    dates). Chinese brackets 〔〕 are not full-width ASCII and stay as they are."""
    if not s.isascii() and _NEEDS_FW(s):
        s = s.translate(_FW_ALL)
    return " ".join(s.split())


def header_key(s: str) -> str:
    """A header cell as compared with the known names: no spaces or line breaks, half-width,
    without marks such as * or ※ around it."""
    s = "".join(clean_code(s).split())
    return s.strip("*※△▲★☆:：")


def _lookup_header(key: str) -> tuple[str, int] | None:
    hit = _ALIAS.get(key)
    if hit is None and key.endswith(")") and "(" in key:
        # 决定日期(年月日), 案号(必填) …
        hit = _ALIAS.get(key[: key.rindex("(")].strip("*※△▲★☆:："))
    return hit


def normalise_kind(kind: str) -> str:
    return KIND_ALIASES.get(kind, kind)


# ---------------------------------------------------------------------------------------------
# Dates

_DATE_RE = re.compile(
    r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?"
    r"(?:\s*[T ]?\s*\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?"
)
_COMPACT_RE = re.compile(r"(\d{4})(\d{2})(\d{2})")
_SERIAL_RE = re.compile(r"\d{5}(?:\.\d+)?")
_EXCEL_EPOCH = date(1899, 12, 30)
# Serial numbers accepted as dates: 1950-01-01 .. 2099-12-31 (anything else is a typo).
_SERIAL_MIN, _SERIAL_MAX = 18264, 73050


def _ymd(y: str | int, mo: str | int, d: str | int) -> str | None:
    try:
        return date(int(y), int(mo), int(d)).isoformat()
    except ValueError:
        return None


def _from_number(v: float) -> str | None:
    if v != v:  # NaN
        return None
    if 19_000_101 <= v <= 21_001_231 and float(v).is_integer():
        n = int(v)
        return _ymd(n // 10000, n // 100 % 100, n % 100)
    if _SERIAL_MIN <= v <= _SERIAL_MAX:
        return (_EXCEL_EPOCH + timedelta(days=int(v))).isoformat()
    return None


def parse_date(value: object) -> str | None:
    """An ISO date "YYYY-MM-DD" from a cell, or None if the value is not a date we accept.

    Accepts Excel date cells, Excel serial numbers, 2021-07-06, 2021/7/6, 2021.7.6,
    2021年7月6日 and 20210706 (optionally followed by a time, as Excel CSV exports write it).
    """
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return _from_number(value)
    if not isinstance(value, str):
        return None
    s = clean_code(value)
    found = _DATE_RE.fullmatch(s)
    if found:
        return _ymd(*found.groups())
    found = _COMPACT_RE.fullmatch(s)
    if found:
        return _ymd(*found.groups())
    if _SERIAL_RE.fullmatch(s):
        return _from_number(float(s))
    return None


# ---------------------------------------------------------------------------------------------
# Results


@dataclass(frozen=True)
class ImportProblem:
    """One problem in a catalog, located as the user sees it in Excel."""

    file: str
    message: str
    row: int | None = None
    column: str = ""          # header text as written in the file (or the field's label)
    letter: str = ""          # Excel column letter
    value: str | None = None  # the offending cell text
    sheet: str = ""           # only set when a workbook has several catalog sheets

    @property
    def location(self) -> str:
        loc = self.file
        if self.sheet:
            loc += f" 工作表“{self.sheet}”"
        if self.row is not None:
            loc += f" 第{self.row}行"
        if self.column:
            loc += f" {self.column}"
            if self.letter:
                loc += f"（{self.letter}列）"
        return loc

    def __str__(self) -> str:
        return f"{self.location}：{self.message}"


@dataclass(slots=True)
class CatalogRow:
    """One case file as read from a catalog, normalised."""

    source_row: int
    agency: str
    case_no: str
    title: str = ""
    party: str = ""
    kind: str = ""
    decided_on: str | None = None
    officers: str = ""
    extra: dict[str, str] = field(default_factory=dict)
    sheet: str = ""


@dataclass
class ParsedCatalog:
    path: Path
    file_name: str
    sha256: str = ""
    format: str = ""                      # "xlsx", "xls", "csv"
    encoding: str | None = None           # CSV files only
    header_row: int | None = None         # Excel row of the header (first catalog sheet)
    columns: dict[str, str] = field(default_factory=dict)  # field → header text as written
    extra_columns: list[str] = field(default_factory=list)
    # sheet ("" for a single-sheet file) → (header text, Excel letter) of the case number column
    case_columns: dict[str, tuple[str, str]] = field(default_factory=dict)
    sheets: list[str] = field(default_factory=list)  # catalog sheets read, in workbook order
    rows: list[CatalogRow] = field(default_factory=list)
    errors: list[ImportProblem] = field(default_factory=list)
    blank_rows: int = 0
    inferred_kinds: int = 0  # rows whose blank 案件类别 was read off the 案号 or the title
    missing_kinds: int = 0  # rows still without a 案件类别

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass
class AgencyCount:
    name: str
    rows: int
    new: bool = False


@dataclass
class FileSummary:
    file_name: str
    sha256: str
    rows: int
    blank_rows: int
    format: str
    encoding: str | None = None
    import_id: str | None = None
    inferred_kinds: int = 0
    missing_kinds: int = 0
    extra_columns: list[str] = field(default_factory=list)


@dataclass
class ImportReport:
    files: list[FileSummary] = field(default_factory=list)
    agencies: list[AgencyCount] = field(default_factory=list)
    errors: list[ImportProblem] = field(default_factory=list)
    dry_run: bool = False

    @property
    def total_rows(self) -> int:
        return sum(f.rows for f in self.files)

    total = total_rows

    @property
    def new_agencies(self) -> int:
        return sum(1 for a in self.agencies if a.new)

    @property
    def ok(self) -> bool:
        return not self.errors


Progress = Callable[[str, int, int], None]


def error_details(errors: Sequence[ImportProblem], cap: int = MAX_ERRORS_SHOWN) -> list[str]:
    """Error lines grouped by file, at most `cap` per file, then how many were left out."""
    by_file: dict[str, list[ImportProblem]] = {}
    for e in errors:
        by_file.setdefault(e.file, []).append(e)
    lines: list[str] = []
    for problems in by_file.values():
        lines.extend(str(p) for p in problems[:cap])
        if len(problems) > cap:
            lines.append(f"{problems[0].file}：还有 {len(problems) - cap} 处错误未列出")
    return lines


# ---------------------------------------------------------------------------------------------
# Reading files


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while building 100,000s of small objects (rows, cell
    lists, parameter dicts): it would otherwise rescan the growing heap again and again, which
    costs a third of the import time. Reference counting still frees memory as usual."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


class _FileProblem(Exception):
    """The file as a whole cannot be read (not a spreadsheet, no header, …)."""


def _sniff_kind(name: str, data: bytes) -> str:
    """"xlsx" (any zip-based workbook), "xls" (OLE2 workbook) or "csv"; raises _FileProblem."""
    suffix = Path(name).suffix.lower()
    zipped = data[:4] == b"PK\x03\x04"
    ole = data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
    if data[:5] == b"%PDF-":
        raise _FileProblem("这是 PDF 文件，不是电子表格。请提供 Excel（.xlsx/.xls）或 CSV 格式的案卷目录")
    if suffix in SPREADSHEET_SUFFIXES:
        if zipped:
            return "xlsx"
        if ole:
            return "xls"
        if not data:
            raise _FileProblem("文件是空的（0 字节），不是有效的 Excel 文件")
        raise _FileProblem(
            f"不是有效的 Excel 文件（扩展名为 {suffix}，但内容不是 Excel 格式，可能已损坏或是改了扩展名的其他文件）。"
            "请用 Excel 打开后另存为 .xlsx 再导入"
        )
    if suffix in CSV_SUFFIXES:
        if zipped or ole:
            raise _FileProblem(f"扩展名为 {suffix}，但内容是 Excel 工作簿，请把扩展名改为 .xlsx（或 .xls）后再导入")
        return "csv"
    raise _FileProblem(f"不支持的文件类型“{suffix or '无扩展名'}”，案卷目录应为 Excel（.xlsx/.xls）或 CSV（.csv）文件")


def _csv_rows(data: bytes) -> tuple[list[list[str]], str]:
    try:
        text, encoding = decode_csv_bytes(data)
    except UndecodableText as exc:
        hint = ("请提供 Excel 或 CSV 格式的案卷目录" if "二进制" in str(exc)
                else "请用 Excel 打开后另存为“CSV UTF-8（逗号分隔）”再导入")
        raise _FileProblem(f"{exc}，{hint}") from None
    sample = text[:20000]
    delimiter = "\t" if sample.count("\t") > sample.count(",") else ","
    try:
        return list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)), encoding
    except csv.Error as exc:
        raise _FileProblem(f"CSV 格式有误：{exc}") from None


def _cell_text(v: object) -> str:
    if isinstance(v, str):
        return v
    if isinstance(v, bool):
        return "是" if v else "否"
    if isinstance(v, float):
        return str(int(v)) if v.is_integer() else repr(v)
    if isinstance(v, datetime):
        return v.date().isoformat() if v.time() == time() else v.isoformat(sep=" ")
    if isinstance(v, date | time):
        return v.isoformat()
    return "" if v is None else str(v)


def _workbook_sheets(data: bytes) -> list[tuple[str, list[list]]]:
    """(sheet name, rows as from row 1 column A) of every visible worksheet."""
    from python_calamine import CalamineWorkbook, SheetTypeEnum, SheetVisibleEnum

    try:
        wb = CalamineWorkbook.from_filelike(io.BytesIO(data))
    except Exception as exc:  # noqa: BLE001 - calamine raises several error types
        if "password" in str(exc).lower() or type(exc).__name__ == "PasswordError":
            raise _FileProblem("工作簿设置了打开密码，请取消密码后再导入") from None
        raise _FileProblem(f"无法读取 Excel 文件（{exc}），文件可能已损坏，请用 Excel 打开后另存为 .xlsx 再导入") from None
    sheets = []
    with wb:
        for meta in wb.sheets_metadata:
            if meta.visible != SheetVisibleEnum.Visible or meta.typ != SheetTypeEnum.WorkSheet:
                continue
            try:
                rows = wb.get_sheet_by_name(meta.name).to_python(skip_empty_area=False)
            except Exception as exc:  # noqa: BLE001
                raise _FileProblem(f"无法读取工作表“{meta.name}”：{exc}") from None
            sheets.append((meta.name, rows))
    return sheets


@dataclass
class _Header:
    row: int                       # 0-based index of the header row
    cells: list[str]               # header texts as written (line breaks and extra spaces removed)
    fields: dict[str, int]         # field → column index
    extra: list[tuple[int, str]]   # (column index, key in CaseFile.extra)
    serial: list[int]              # 序号 columns (ignored; a row with only a 序号 is blank)
    score: int


def _find_header(rows: list[list]) -> _Header | None:
    best: tuple[int, int] | None = None  # (score, index)
    for i, row in enumerate(rows[:HEADER_SCAN_ROWS]):
        found = set()
        for cell in row:
            if isinstance(cell, str) and cell:
                key = header_key(cell)
                hit = _lookup_header(key)
                if hit:
                    found.add(hit[0])
                elif key in SERIAL_HEADERS:
                    found.add(key)
        if found and (best is None or len(found) > best[0]):
            best = (len(found), i)
    if best is None:
        return None
    score, index = best
    # Header text as written, without line breaks ("决定\n日期" → "决定日期").
    cells = [" ".join("".join(_cell_text(c).splitlines()).split()) for c in rows[index]]
    chosen: dict[str, tuple[int, int]] = {}  # field → (rank, column)
    for col, text in enumerate(cells):
        hit = _lookup_header(header_key(text)) if text else None
        if hit and (hit[0] not in chosen or hit[1] < chosen[hit[0]][0]):
            chosen[hit[0]] = (hit[1], col)
    fields = {f: col for f, (_, col) in chosen.items()}
    used = set(fields.values())
    extra: list[tuple[int, str]] = []
    serial: list[int] = []
    seen_keys: set[str] = set()
    width = max((len(r) for r in rows[index:]), default=0)
    for col in range(width):
        if col in used:
            continue
        text = cells[col] if col < len(cells) else ""
        if text and header_key(text) in SERIAL_HEADERS:
            serial.append(col)
            continue
        key = text or f"{column_letter(col)}列"
        if key in seen_keys:
            key = f"{text}（{column_letter(col)}列）"
        seen_keys.add(key)
        extra.append((col, key))
    return _Header(index, cells, fields, extra, serial, score)


def _load(path: str | Path) -> tuple[ParsedCatalog, bytes | None]:
    """An empty ParsedCatalog for the file (with its sha256) and the file's bytes, or None
    and the reason in `.errors` when it cannot be read."""
    p = Path(path)
    parsed = ParsedCatalog(path=p, file_name=p.name)
    try:
        data = p.read_bytes()
    except FileNotFoundError:
        parsed.errors.append(ImportProblem(p.name, f"找不到文件 {p}，请检查路径"))
        return parsed, None
    except IsADirectoryError:
        parsed.errors.append(ImportProblem(p.name, f"{p} 是文件夹，不是案卷目录文件"))
        return parsed, None
    except OSError as exc:
        parsed.errors.append(ImportProblem(p.name, f"无法读取文件 {p}：{exc.strerror or exc}"))
        return parsed, None
    parsed.sha256 = hashlib.sha256(data).hexdigest()
    return parsed, data


def read_catalog(path: str | Path, agency: str | None = None, progress: Progress | None = None) -> ParsedCatalog:
    """Parse one catalog file. Never raises for bad content: problems are in `.errors`.

    `agency` is used for rows whose agency cell is blank, or for all rows when the file has no
    agency column. `progress(file name, rows done, rows total)` is called every few thousand rows.
    """
    parsed, data = _load(path)
    if data is not None:
        with _gc_paused():
            _parse_bytes(parsed, data, agency, progress)
    return parsed


def _parse_bytes(parsed: ParsedCatalog, data: bytes, agency: str | None, progress: Progress | None) -> None:
    name = parsed.file_name
    try:
        kind = _sniff_kind(name, data)
        parsed.format = kind
        if kind == "csv":
            rows, parsed.encoding = _csv_rows(data)
            sheets: list[tuple[str, list[list]]] = [("", rows)]
        else:
            sheets = _workbook_sheets(data)
    except _FileProblem as exc:
        parsed.errors.append(ImportProblem(name, str(exc)))
        return

    found = [(sheet, rows, _find_header(rows)) for sheet, rows in sheets]
    catalogs = [(s, r, h) for s, r, h in found if h is not None and "case_no" in h.fields]
    if not catalogs:
        # Report against the sheet that looks most like a catalog (or the first one).
        candidates = [(s, r, h) for s, r, h in found if h is not None]
        if not candidates:
            if not any(any(_cell_text(c).strip() for c in row) for _, rows, _ in found for row in rows):
                parsed.errors.append(ImportProblem(name, "文件中没有任何内容"))
            else:
                parsed.errors.append(ImportProblem(
                    name, f"在前{HEADER_SCAN_ROWS}行中找不到表头（应有“案号”“执法机关”“案件名称”“决定日期”等列名）。"
                    "请确认这是案卷目录，并且表头行写有这些列名"))
            return
        sheet, rows, header = max(candidates, key=lambda c: c[2].score)
        parsed.errors.append(_missing_case_no(name, sheet if len(sheets) > 1 else "", header))
        if "agency" not in header.fields and not agency:
            parsed.errors.append(_missing_agency(name, sheet if len(sheets) > 1 else "", header))
        return

    multi = len(catalogs) > 1
    context = name + " " + " ".join(
        _cell_text(c) for _, rows, h in catalogs for row in rows[: h.row] for c in row)
    parsed.sheets = [s for s, _, _ in catalogs] if multi else [""]
    first = catalogs[0][2]
    parsed.header_row = first.row + 1
    parsed.columns = {f: first.cells[c] for f, c in first.fields.items()}
    parsed.extra_columns = [k for _, k in first.extra]
    total = sum(len(r) - h.row - 1 for _, r, h in catalogs)
    done = 0
    seen: dict[tuple[str, str], tuple[str, int]] = {}
    for sheet, rows, header in catalogs:
        label = sheet if multi else ""
        if "agency" not in header.fields and not agency:
            parsed.errors.append(_missing_agency(name, label, header))
            continue
        done = _parse_rows(parsed, rows, header, agency, label, seen, progress, done, total)
    if not parsed.rows and not parsed.errors:
        parsed.errors.append(ImportProblem(
            name, f"表头（第{parsed.header_row}行）下面没有任何案卷记录", sheet=catalogs[0][0] if multi else ""))
    for r in parsed.rows:
        if not r.kind:
            r.kind = infer_kind(r.case_no, context)
            if r.kind:
                parsed.inferred_kinds += 1
            else:
                parsed.missing_kinds += 1


def _columns_found(header: _Header) -> str:
    names = [c for c in header.cells if c]
    return "、".join(names) if names else "（无）"


def _missing_case_no(name: str, sheet: str, header: _Header) -> ImportProblem:
    aliases = "、".join(HEADER_ALIASES["case_no"][1:])
    return ImportProblem(
        name, f"缺少必需的“案号”列（也可以叫：{aliases}）。表头中现有的列：{_columns_found(header)}",
        row=header.row + 1, column="表头", sheet=sheet)


def _missing_agency(name: str, sheet: str, header: _Header) -> ImportProblem:
    aliases = "、".join(HEADER_ALIASES["agency"][1:])
    return ImportProblem(
        name, f"缺少“执法机关”列（也可以叫：{aliases}），请在表中增加该列，"
        f"或用 --agency 指定本文件所属的执法机关。表头中现有的列：{_columns_found(header)}",
        row=header.row + 1, column="表头", sheet=sheet)


def _clean_column(values: list[str], table: dict) -> list[str]:
    """clean_text / clean_code over a whole column (one comprehension, no call per cell)."""
    needs = _NEEDS_FW
    return [" ".join((v.translate(table) if not v.isascii() and needs(v) else v).split()) for v in values]


def _parse_date_cell(v: str) -> str | None:
    """ISO date, None for an empty cell, "" for a value that is not a date."""
    if not v or v.isspace():
        return None
    return parse_date(v) or ""


def _parse_rows(parsed: ParsedCatalog, rows: list[list], header: _Header, default_agency: str | None,
                sheet: str, seen: dict[tuple[str, str], tuple[str, int]],
                progress: Progress | None, done: int, total: int) -> int:
    """Turn the data rows under `header` into CatalogRows / problems. Returns rows processed.

    Works column by column on blocks of rows: list comprehensions and per-distinct-value
    caches instead of a dozen Python statements per row (100,000 rows in well under a second).
    """
    name = parsed.file_name
    errors = parsed.errors
    out = parsed.rows
    f = header.fields
    cells = header.cells
    default_agency = clean_text(default_agency) if default_agency else ""

    def col_info(fld: str) -> tuple[int, str, str]:
        c = f.get(fld, -1)
        return c, (cells[c] if c >= 0 else FIELD_LABELS[fld]), (column_letter(c) if c >= 0 else "")

    c_case, h_case, l_case = col_info("case_no")
    parsed.case_columns[sheet] = (h_case, l_case)
    c_agency, h_agency, l_agency = col_info("agency")
    c_title = f.get("title", -1)
    c_party = f.get("party", -1)
    c_kind = f.get("kind", -1)
    c_date, h_date, l_date = col_info("decided_on")
    c_off = f.get("officers", -1)
    extra_cols = header.extra
    serial = set(header.serial)
    is_csv = parsed.format == "csv"
    # Rows are padded so that every mapped column index exists.
    width = max([c for c in (c_case, c_agency, c_title, c_party, c_kind, c_date, c_off) if c >= 0]
                + [c for c, _ in extra_cols] + [0]) + 1
    caches: dict[str, dict[str, object]] = {"agency": {}, "kind": {}, "officers": {}, "date": {}}

    def cached(kind: str, values: list[str], convert: Callable[[str], object]) -> list:
        table = caches[kind]
        for v in set(values):
            if v not in table:
                table[v] = convert(v)
        return [table[v] for v in values]

    def agency_of(v: str) -> str:
        return clean_text(v) or default_agency

    first = header.row + 1
    for start in range(first, len(rows), PROGRESS_EVERY):
        if progress is not None and start > first:
            progress(name, done + start - first, total)
        block = rows[start:start + PROGRESS_EVERY]
        if not is_csv:
            block = [[c if c.__class__ is str else _cell_text(c) for c in r] for r in block]
        if any(len(r) < width for r in block):
            block = [r if len(r) >= width else r + [""] * (width - len(r)) for r in block]
        n = len(block)
        blank = [""] * n
        cases = _clean_column([r[c_case] for r in block], _FW_ALL)
        agencies = (cached("agency", [r[c_agency] for r in block], agency_of) if c_agency >= 0
                    else [default_agency] * n)
        titles = _clean_column([r[c_title] for r in block], _FW_TEXT) if c_title >= 0 else blank
        parties = _clean_column([r[c_party] for r in block], _FW_TEXT) if c_party >= 0 else blank
        kinds = (cached("kind", [r[c_kind] for r in block], lambda v: normalise_kind(clean_text(v)))
                 if c_kind >= 0 else blank)
        officers = cached("officers", [r[c_off] for r in block], clean_text) if c_off >= 0 else blank
        dates = cached("date", [r[c_date] for r in block], _parse_date_cell) if c_date >= 0 else [None] * n
        if extra_cols:
            keys = [k for _, k in extra_cols]
            values = [_clean_column([r[c] for r in block], _FW_TEXT) for c, _ in extra_cols]
            extras = [{k: v for k, v in zip(keys, vals, strict=True) if v} for vals in zip(*values, strict=True)]
        else:
            extras = [{} for _ in range(n)]
        numbers = range(start + 1, start + 1 + n)  # Excel row numbers

        # Validation: one cheap pass; the detailed checks only run for rows that fail it.
        good: list[int] = []
        for k, case_no, agency, decided, row_no in zip(range(n), cases, agencies, dates, numbers, strict=True):
            if case_no and agency and decided != "":
                prev = seen.setdefault((agency, case_no), (sheet, row_no))
                if prev[1] == row_no and prev[0] == sheet:
                    good.append(k)
                    continue
                where = f"第{prev[1]}行" if prev[0] == sheet else f"工作表“{prev[0]}”第{prev[1]}行"
                errors.append(ImportProblem(
                    name, f"案号“{case_no}”与{where}重复（同一执法机关“{agency}”的案号不能重复）",
                    row_no, h_case, l_case, case_no, sheet))
                continue
            if not case_no:
                raw = block[k]
                if not "".join(raw).strip() or (serial and not "".join(
                        v for c, v in enumerate(raw) if c not in serial).strip()):
                    parsed.blank_rows += 1
                    continue
                errors.append(ImportProblem(name, "案号为空，每条案卷都必须填写案号", row_no, h_case, l_case, "", sheet))
                continue
            if not agency:
                errors.append(ImportProblem(
                    name, "执法机关为空，应填写作出决定的执法机关名称（或用 --agency 指定）",
                    row_no, h_agency, l_agency, "", sheet))
            if decided == "":
                shown = clean_code(block[k][c_date])
                errors.append(ImportProblem(
                    name, f"“{shown}”不是有效的日期，{DATE_EXPECTED}", row_no, h_date, l_date, shown, sheet))

        sheets = repeat(sheet, n)
        if len(good) == n:
            out.extend(map(CatalogRow, numbers, agencies, cases, titles, parties, kinds, dates, officers,
                           extras, sheets))
        else:
            out.extend(CatalogRow(numbers[k], agencies[k], cases[k], titles[k], parties[k], kinds[k], dates[k],
                                  officers[k], extras[k], sheet) for k in good)
    done += max(0, len(rows) - first)
    if progress is not None:
        progress(name, done, total)
    return done


# ---------------------------------------------------------------------------------------------
# Importing into a campaign database


def _local_time(iso_utc: str) -> str:
    try:
        return datetime.fromisoformat(iso_utc).replace(tzinfo=UTC).astimezone().strftime("%Y-%m-%d %H:%M")
    except ValueError:
        return iso_utc


def _new_ids(n: int) -> list[str]:
    """n random version-4 UUIDs as text; much cheaper than n calls of uuid.uuid4()."""
    h = os.urandom(16 * n).hex()
    variant = "89ab"
    return [
        f"{h[i:i + 8]}-{h[i + 8:i + 12]}-4{h[i + 13:i + 16]}-{variant[int(h[i + 16], 16) & 3]}{h[i + 17:i + 20]}-{h[i + 20:i + 32]}"
        for i in range(0, 32 * n, 32)
    ]


def _source_name(parsed: ParsedCatalog, row: CatalogRow) -> str:
    return f"{parsed.file_name}（{row.sheet}）" if row.sheet else parsed.file_name


def _previous_imports(conn, shas: Iterable[str]) -> dict[str, tuple[str, str, int]]:
    from sqlalchemy import select

    t = m.ImportBatch.__table__
    shas = [s for s in shas if s]
    if not shas:
        return {}
    rows = conn.execute(select(t.c.sha256, t.c.file_name, t.c.imported_at, t.c.rows).where(t.c.sha256.in_(shas)))
    return {r[0]: (r[1], r[2], r[3]) for r in rows}


def _reimport_problem(parsed: ParsedCatalog, previous: tuple[str, str, int]) -> ImportProblem:
    file_name, at, rows = previous
    same = "" if file_name == parsed.file_name else f"（当时的文件名为 {file_name}）"
    return ImportProblem(
        parsed.file_name,
        f"该文件已于 {_local_time(at)} 导入过{same}，共 {rows} 条案卷，不能重复导入。"
        "如需补充案卷，请只把新增的案卷放在一个新文件中导入")


def _check_against_db(conn, catalogs: list[ParsedCatalog]) -> list[ImportProblem]:
    """Problems found only by looking at the database: re-imported files, case numbers that
    already exist for the same agency."""
    from sqlalchemy import select

    problems: list[ImportProblem] = []
    previous = _previous_imports(conn, (p.sha256 for p in catalogs))
    for p in catalogs:
        if p.sha256 in previous and p.rows:  # (files found re-imported before parsing have no rows)
            problems.append(_reimport_problem(p, previous[p.sha256]))
    names = sorted({r.agency for p in catalogs for r in p.rows})
    if not names:
        return problems
    a, c = m.Agency.__table__, m.CaseFile.__table__
    existing: dict[tuple[str, str], tuple[str, int | None]] = {}
    for i in range(0, len(names), 500):
        q = (select(a.c.name, c.c.case_no, c.c.source_file, c.c.source_row)
             .select_from(c.join(a, c.c.agency_id == a.c.id)).where(a.c.name.in_(names[i:i + 500])))
        for name, case_no, source_file, source_row in conn.execute(q):
            existing[(name, case_no)] = (source_file, source_row)
    if not existing:
        return problems
    for p in catalogs:
        if p.sha256 in previous:
            continue
        for r in p.rows:
            hit = existing.get((r.agency, r.case_no))
            if hit is not None:
                column, letter = p.case_columns.get(r.sheet, (FIELD_LABELS["case_no"], ""))
                src = f"（此前从 {hit[0]} 第{hit[1]}行导入）" if hit[0] and hit[1] else ""
                problems.append(ImportProblem(
                    p.file_name, f"案号“{r.case_no}”已在评查数据库中{src}，同一执法机关“{r.agency}”的案号不能重复",
                    r.source_row, column, letter, r.case_no, r.sheet))
    return problems


def _cross_file_duplicates(catalogs: list[ParsedCatalog]) -> None:
    """Case numbers repeated across the files of one import (each file is already checked on
    its own). The later occurrence is the error and names the first."""
    if len(catalogs) < 2:
        return
    seen: dict[tuple[str, str], tuple[str, int]] = {}
    for p in catalogs:
        keep: list[CatalogRow] = []
        for r in p.rows:
            key = (r.agency, r.case_no)
            prev = seen.get(key)
            if prev is not None:
                column, letter = p.case_columns.get(r.sheet, (FIELD_LABELS["case_no"], ""))
                p.errors.append(ImportProblem(
                    p.file_name, f"案号“{r.case_no}”与 {prev[0]} 第{prev[1]}行重复（同一执法机关“{r.agency}”的案号不能重复）",
                    r.source_row, column, letter, r.case_no, r.sheet))
                continue
            seen.setdefault(key, (_display_name(p, r), r.source_row))
            keep.append(r)
        p.rows = keep


def _display_name(p: ParsedCatalog, r: CatalogRow) -> str:
    return f"{p.file_name} 工作表“{r.sheet}”" if r.sheet else p.file_name


def _summaries(catalogs: list[ParsedCatalog], known_agencies: set[str]) -> tuple[list[FileSummary], list[AgencyCount]]:
    files = [FileSummary(p.file_name, p.sha256, len(p.rows), p.blank_rows, p.format, p.encoding,
                         inferred_kinds=p.inferred_kinds, missing_kinds=p.missing_kinds,
                         extra_columns=list(p.extra_columns)) for p in catalogs]
    counts: dict[str, int] = {}
    for p in catalogs:
        for r in p.rows:
            counts[r.agency] = counts.get(r.agency, 0) + 1
    agencies = [AgencyCount(n, k, n not in known_agencies) for n, k in counts.items()]
    return files, agencies


def _known_agencies(conn, names: Iterable[str]) -> dict[str, str]:
    from sqlalchemy import select

    a = m.Agency.__table__
    names = sorted(set(names))
    known: dict[str, str] = {}
    for i in range(0, len(names), 500):
        for aid, name in conn.execute(select(a.c.id, a.c.name).where(a.c.name.in_(names[i:i + 500]))):
            known[name] = aid
    return known


def _fail(errors: list[ImportProblem], n_files: int) -> InputError:
    files = len({e.file for e in errors})
    scope = "所有文件均未导入" if n_files > 1 else "没有导入任何案卷"
    return InputError(
        f"案卷目录有 {len(errors)} 处错误（涉及 {files} 个文件），{scope}。请按下列提示修改后重新导入：",
        error_details(errors))


def import_catalogs(db: Database, paths: Sequence[str | Path], agency: str | None = None,
                    dry_run: bool = False, progress: Progress | None = None) -> ImportReport:
    """Import catalog files into a campaign database, all or nothing.

    Raises InputError listing every problem (nothing written) when any file has one, unless
    `dry_run`, which returns the report with its errors and never writes.
    """
    with _gc_paused():
        return _import_catalogs(db, paths, agency, dry_run, progress)


def _import_catalogs(db: Database, paths: Sequence[str | Path], agency: str | None,
                     dry_run: bool, progress: Progress | None) -> ImportReport:
    from sqlalchemy import insert

    if not paths:
        raise InputError("请至少指定一个案卷目录文件（.xlsx、.xls 或 .csv）")
    if agency is not None and not clean_text(agency):
        raise InputError("--agency 指定的执法机关名称为空")

    # 1. Read every file (outside any transaction: parsing may take a while). Files imported
    #    before are recognised by their sha256 and not parsed at all.
    loaded = [_load(path) for path in paths]
    catalogs = [parsed for parsed, _ in loaded]
    with db.engine.connect() as conn:
        previous = _previous_imports(conn, (c.sha256 for c in catalogs))
    first_of: dict[str, str] = {}
    for parsed, data in loaded:
        if data is None:
            continue
        if parsed.sha256 in previous:
            parsed.errors.append(_reimport_problem(parsed, previous[parsed.sha256]))
            continue
        if parsed.sha256 in first_of:
            parsed.errors.append(ImportProblem(
                parsed.file_name, f"与本次导入的 {first_of[parsed.sha256]} 内容完全相同，同一文件只能导入一次"))
            continue
        first_of[parsed.sha256] = parsed.file_name
        _parse_bytes(parsed, data, agency, progress)
    del loaded
    _cross_file_duplicates(catalogs)

    def all_errors(extra: list[ImportProblem]) -> list[ImportProblem]:
        # In file order, then sheet order, then row order (file-wide problems first).
        order = {p.file_name: i for i, p in enumerate(catalogs)}
        sheet_order = {(p.file_name, sh): i for p in catalogs for i, sh in enumerate(p.sheets)}
        errs = [e for p in catalogs for e in p.errors] + extra
        return sorted(errs, key=lambda e: (order.get(e.file, 0), sheet_order.get((e.file, e.sheet), 0), e.row or 0))

    # Problems only the database can reveal are reported together with those of the files.
    with db.engine.connect() as conn:
        db_problems = _check_against_db(conn, catalogs)
        if dry_run:
            known = _known_agencies(conn, (r.agency for p in catalogs for r in p.rows))
    if dry_run:
        files, agencies = _summaries(catalogs, set(known))
        return ImportReport(files, agencies, all_errors(db_problems), dry_run=True)
    if db_problems or any(p.errors for p in catalogs):
        raise _fail(all_errors(db_problems), len(catalogs))

    # 2. Write everything in one transaction; the database checks are repeated inside it so
    #    that a concurrent import cannot slip in between check and write.
    with db.session() as s:
        campaign_lock(s, "import")
        conn = s.connection()
        db_problems = _check_against_db(conn, catalogs)
        if db_problems:
            raise _fail(all_errors(db_problems), len(catalogs))
        names = {r.agency for p in catalogs for r in p.rows}
        known = _known_agencies(conn, names)
        files, agencies = _summaries(catalogs, set(known))
        created = sorted(names - set(known))
        if created:
            ids = _new_ids(len(created))
            stamp = m.now()
            conn.execute(insert(m.Agency.__table__),
                         [{"id": i, "name": n, "created_at": stamp} for i, n in zip(ids, created, strict=True)])
            known.update(zip(created, ids, strict=True))
        total = sum(len(p.rows) for p in catalogs)
        # Ascending ids: the primary-key index then grows in order instead of being split at
        # random places (about a fifth faster on large imports).
        all_ids = sorted(_new_ids(total))
        written = 0
        table = m.CaseFile.__table__
        server = conn.dialect.name == "postgresql"  # rows go in with COPY (anjuan/postgres/copy.py)
        if server:
            from anjuan.postgres.copy import copy_into

            columns = [c.name for c in table.columns]
        for parsed, summary in zip(catalogs, files, strict=True):
            batch_id = _new_ids(1)[0]
            summary.import_id = batch_id
            conn.execute(insert(m.ImportBatch.__table__), [{
                "id": batch_id, "file_name": parsed.file_name, "sha256": parsed.sha256,
                "rows": len(parsed.rows), "imported_at": m.now()}])
            rows = parsed.rows
            for start in range(0, len(rows), INSERT_CHUNK):
                chunk = rows[start:start + INSERT_CHUNK]
                ids = all_ids[written:written + len(chunk)]
                dumps = json.dumps
                params = [
                    {"id": ids[k], "agency_id": known[r.agency], "case_no": r.case_no, "title": r.title,
                     "party": r.party, "kind": r.kind, "decided_on": r.decided_on, "officers": r.officers,
                     "source_file": _source_name(parsed, r) if r.sheet else parsed.file_name,
                     "source_row": r.source_row,
                     "extra": dumps(r.extra, ensure_ascii=False) if r.extra else "{}",
                     "import_id": batch_id}
                    for k, r in enumerate(chunk)
                ]
                if server:
                    copy_into(conn, table.name, columns, ([p[c] for c in columns] for p in params))
                else:
                    conn.execute(insert(table), params)
                written += len(chunk)
                if progress is not None:
                    progress("写入数据库", written, total)
    return ImportReport(files, agencies, [], dry_run=False)

