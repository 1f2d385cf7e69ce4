"""Reading catalog files: the file's bytes, its kind (Excel or CSV), and its sheets as rows of
cells; plus the result types every stage of a catalog import shares (problems, rows, reports).

Nothing here interprets the cells: finding the header and checking each row is
catalog_validate.py; writing to the database is catalog_import.py.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path

from anjuan.tables import CsvProblem, UndecodableText, decode_csv_bytes, parse_csv

MAX_ERRORS_SHOWN = 50

SPREADSHEET_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".xlsb", ".ods")
CSV_SUFFIXES = (".csv", ".txt")

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
    # the same for the 案件类别 column (sheets without one are left out)
    kind_columns: dict[str, tuple[str, str]] = field(default_factory=dict)
    sheets: list[str] = field(default_factory=list)  # catalog sheets read, in workbook order
    rows: list[CatalogRow] = field(default_factory=list)
    errors: list[ImportProblem] = field(default_factory=list)
    blank_rows: int = 0
    inferred_kinds: int = 0  # rows whose blank 案件类别 was read off the 案号 or the title
    missing_kinds: int = 0  # rows still without a 案件类别
    # case numbers changed by normalise_case_no (invisible characters, year brackets), and the
    # first few as (row, as written, as stored)
    case_nos_normalised: int = 0
    case_no_examples: list[tuple[int, str, str]] = field(default_factory=list)

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
    case_nos_normalised: int = 0
    case_no_examples: list[tuple[int, str, str]] = field(default_factory=list)


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


class _FileProblem(Exception):
    """The file as a whole cannot be read (not a spreadsheet, no header, …); `row` and
    `column` (1-based) when the problem has a place."""

    def __init__(self, message: str, row: int | None = None, column: int = 0):
        super().__init__(message)
        self.row, self.column = row, column


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
    try:
        rows, _ = parse_csv(text)
    except CsvProblem as exc:
        raise _FileProblem(exc.message, exc.row or None, exc.column) from None
    return rows, encoding


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


@dataclass
class SheetData:
    """One worksheet as read: its cells from A1, whether it is hidden, and the cells holding a
    formula whose result was never saved (they read as blank)."""

    name: str
    rows: list[list]
    hidden: bool = False
    uncached_formulas: list[tuple[int, int]] = field(default_factory=list)  # (row, column), 1-based


def _workbook_sheets(data: bytes) -> list[SheetData]:
    """Every worksheet, visible or hidden (the caller decides what hidden data means). Each
    sheet's size is checked in its XML first: calamine allocates the whole used rectangle."""
    from python_calamine import CalamineWorkbook, SheetTypeEnum, SheetVisibleEnum

    from anjuan.tables import MAX_SHEET_CELLS, SheetScan, column_letter, scan_xlsx, sheet_too_big

    scans = scan_xlsx(data) if data[:4] == b"PK\x03\x04" else {}
    for scan in scans.values():
        why = sheet_too_big(scan)
        if why:
            raise _FileProblem(why)
    try:
        wb = CalamineWorkbook.from_filelike(io.BytesIO(data))
    except Exception as exc:  # noqa: BLE001 - calamine raises several error types
        if "password" in str(exc).lower() or type(exc).__name__ == "PasswordError":
            raise _FileProblem("工作簿设置了打开密码，请取消密码后再导入") from None
        raise _FileProblem("文件已损坏或不是真正的 Excel 文件（内容无法按 Excel 格式读取），"
                           "请用 Excel 打开后另存为 .xlsx 再导入") from None
    sheets = []
    with wb:
        for meta in wb.sheets_metadata:
            if meta.typ != SheetTypeEnum.WorkSheet:
                continue
            try:
                sheet = wb.get_sheet_by_name(meta.name)
                # .xls and damaged files were not scanned: check the size before the Python rows.
                if sheet.height * sheet.width > MAX_SHEET_CELLS:
                    raise _FileProblem(sheet_too_big(SheetScan(
                        meta.name, sheet.height, sheet.width,
                        f"{column_letter(sheet.width - 1)}{sheet.height}")) or "")
                rows = sheet.to_python(skip_empty_area=False)
            except _FileProblem:
                raise
            except Exception:  # noqa: BLE001
                raise _FileProblem(f"无法读取工作表“{meta.name}”，文件可能已损坏，请用 Excel 打开后另存为 .xlsx 再导入") from None
            scan = scans.get(meta.name)
            sheets.append(SheetData(meta.name, rows, meta.visible != SheetVisibleEnum.Visible,
                                    scan.uncached_formulas if scan else []))
    return sheets


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

