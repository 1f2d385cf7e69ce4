"""Validating catalogs: finding the header, normalising cells (text, case numbers, dates) and
checking every row, with each problem located by file, sheet, row and column.

`read_catalog` parses one file into clean rows plus every problem found in it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from itertools import chain, repeat
from pathlib import Path

from anjuan.prepare.catalog_read import (
    CatalogRow,
    ImportProblem,
    ParsedCatalog,
    Progress,
    SheetData,
    _cell_text,
    _csv_rows,
    _FileProblem,
    _load,
    _sniff_kind,
    _workbook_sheets,
)
from anjuan.tables import _CASE_NO_SUSPECT, column_letter, normalise_case_no
from reports.build import paused_gc

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
PROGRESS_EVERY = 5_000
# A catalog cell longer than this is a paste gone wrong (or a swallowed file), not a title.
MAX_CELL_CHARS = 2_000

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
    if not 1950 <= int(y) <= 2099:  # a typo (2200, 1024), as for Excel serial numbers below
        return None
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


def read_catalog(path: str | Path, agency: str | None = None, progress: Progress | None = None) -> ParsedCatalog:
    """Parse one catalog file. Never raises for bad content: problems are in `.errors`.

    `agency` is used for rows whose agency cell is blank, or for all rows when the file has no
    agency column. `progress(file name, rows done, rows total)` is called every few thousand rows.
    """
    parsed, data = _load(path)
    if data is not None:
        with paused_gc():
            _parse_bytes(parsed, data, agency, progress)
    return parsed


def _parse_bytes(parsed: ParsedCatalog, data: bytes, agency: str | None, progress: Progress | None) -> None:
    name = parsed.file_name
    try:
        kind = _sniff_kind(name, data)
        parsed.format = kind
        if kind == "csv":
            rows, parsed.encoding = _csv_rows(data)
            sheets = [SheetData("", rows)]
        else:
            sheets = _workbook_sheets(data)
    except _FileProblem as exc:
        letter = column_letter(exc.column - 1) if exc.column else ""
        parsed.errors.append(ImportProblem(name, str(exc), exc.row, f"{letter}列" if letter else ""))
        return

    # Hidden worksheets are read like the others: a catalog hidden in one is an error, not a
    # silent loss; hidden sheets without a catalog header (lookup lists) are left alone.
    hidden = [sh for sh in sheets if sh.hidden]
    sheets = [sh for sh in sheets if not sh.hidden]
    for sh in hidden:
        header = _find_header(sh.rows)
        if header is not None and "case_no" in header.fields:
            n = sum(1 for r in sh.rows[header.row + 1:] if any(_cell_text(c).strip() for c in r))
            if n:
                parsed.errors.append(ImportProblem(
                    name, f"这是隐藏的工作表，其中有 {n} 行案卷记录。隐藏工作表不会被略过：如需导入，"
                    "请在 Excel 中取消隐藏；如不需要，请删除该工作表，再重新导入", sheet=sh.name))
    found = [(sh.name, sh.rows, _find_header(sh.rows)) for sh in sheets]
    catalogs = [(s, r, h) for s, r, h in found if h is not None and "case_no" in h.fields]
    if not catalogs:
        # Report against the sheet that looks most like a catalog (or the first one).
        candidates = [(s, r, h) for s, r, h in found if h is not None]
        if not candidates:
            if parsed.errors:
                return
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
    multi_sheet = len(catalogs) > 1
    uncached = {sh.name: sh.uncached_formulas for sh in sheets}
    formula_cells: set[tuple[str, int | None, str]] = set()
    for sheet, rows, header in catalogs:
        label = sheet if multi_sheet else ""
        parsed.errors.extend(_rows_above_header(name, label, rows, header))
        formulas = _uncached_formulas(name, label, header, uncached.get(sheet, []))
        parsed.errors.extend(formulas)
        formula_cells.update((e.sheet, e.row, e.letter) for e in formulas)

    multi = multi_sheet
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
    if formula_cells:
        # A formula cell without a result reads as blank ("案号为空" …): say only that it is a formula.
        first_seen: set[tuple[str, int | None, str]] = set()
        kept = []
        for e in parsed.errors:
            key = (e.sheet, e.row, e.letter)
            if key in formula_cells:
                if key in first_seen:
                    continue
                first_seen.add(key)
            kept.append(e)
        parsed.errors = kept
    # Every record under a header is accounted for: imported, blank, or an error.
    if not parsed.errors:
        records = sum(len(r) - h.row - 1 for _, r, h in catalogs)
        if len(parsed.rows) + parsed.blank_rows != records:
            parsed.errors.append(ImportProblem(
                name, f"读取到 {records} 行记录，但只识别出 {len(parsed.rows)} 条案卷和 {parsed.blank_rows} 个空行，"
                "为防止漏导入，没有导入任何内容。请把文件另存为 .xlsx 后重试"))
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


def _rows_above_header(name: str, sheet: str, rows: list[list], header: _Header) -> list[ImportProblem]:
    """Rows above the header that look like case files (a case number and at least two more
    catalog columns filled in): they would be dropped, so they are errors."""
    problems = []
    c_case = header.fields["case_no"]
    mapped = list(header.fields.values())
    for i, row in enumerate(rows[:header.row]):
        cells = [_cell_text(row[c]).strip() if c < len(row) else "" for c in mapped]
        case_no = _cell_text(row[c_case]).strip() if c_case < len(row) else ""
        if case_no and sum(1 for c in cells if c) >= 3:
            problems.append(ImportProblem(
                name, f"这一行在表头（第{header.row + 1}行）之上，看起来是一条案卷记录（案号“{case_no}”），"
                "表头之上的行不会导入。请把表头移到所有案卷记录的上方后重新导入",
                i + 1, header.cells[c_case], column_letter(c_case), case_no, sheet))
    return problems


def _uncached_formulas(name: str, sheet: str, header: _Header,
                       cells: list[tuple[int, int]]) -> list[ImportProblem]:
    """Formula cells under the header whose result was never saved: they would read as blank."""
    used = set(header.fields.values()) | {c for c, _ in header.extra}
    problems = []
    for row, col in cells:
        if row - 1 <= header.row or col - 1 not in used:
            continue
        text = header.cells[col - 1] if col - 1 < len(header.cells) else ""
        problems.append(ImportProblem(
            name, "这是公式，但文件中没有保存公式的计算结果（会被读成空白）。请用 Excel 打开该文件，"
            "等计算完成后保存（或把公式列“选择性粘贴”为数值），再导入", row, text, column_letter(col - 1), None, sheet))
    return problems


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
    if c_kind >= 0:
        parsed.kind_columns[sheet] = (cells[c_kind], column_letter(c_kind))
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
        if any(map(_CASE_NO_SUSPECT, cases)):
            fixed = [normalise_case_no(v) for v in cases]
            for k, (before, after) in enumerate(zip(cases, fixed, strict=True)):
                if before != after:
                    parsed.case_nos_normalised += 1
                    if len(parsed.case_no_examples) < 3:
                        parsed.case_no_examples.append((start + 1 + k, before, after))
            cases = fixed
        longest = max(map(len, chain.from_iterable(block)), default=0)
        if longest > MAX_CELL_CHARS:
            for k, raw in enumerate(block):
                for c, v in enumerate(raw):
                    if len(v) > MAX_CELL_CHARS:
                        text = cells[c] if c < len(cells) else ""
                        errors.append(ImportProblem(
                            name, f"单元格内容过长（{len(v)} 字，最多 {MAX_CELL_CHARS} 字），可能是多行内容粘贴到了一个单元格，"
                            "请核对后重新导入", start + 1 + k, text, column_letter(c), None, sheet))
            block = [[v if len(v) <= MAX_CELL_CHARS else "" for v in raw] for raw in block]
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


def check_kinds(catalogs: list[ParsedCatalog], kinds: tuple[str, ...], standard_name: str) -> None:
    """Rows whose 案件类别 (as written, after the short aliases) is not one of the standard's
    kinds: such a file would be scored against the wrong, shorter checklist. Blank kinds were
    inferred or warned about earlier and are left alone."""
    if not kinds:
        return
    allowed = set(kinds)
    choices = "、".join(kinds)
    for p in catalogs:
        keep: list[CatalogRow] = []
        for r in p.rows:
            if not r.kind or r.kind in allowed:
                keep.append(r)
                continue
            column, letter = p.kind_columns.get(r.sheet, (FIELD_LABELS["kind"], ""))
            p.errors.append(ImportProblem(
                p.file_name, f"案件类别“{r.kind}”不在评查标准“{standard_name}”的类别中，应为：{choices}",
                r.source_row, column, letter, r.kind, r.sheet))
        p.rows = keep


def _display_name(p: ParsedCatalog, r: CatalogRow) -> str:
    return f"{p.file_name} 工作表“{r.sheet}”" if r.sheet else p.file_name

