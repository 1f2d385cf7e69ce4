"""Reading small tabular files (CSV in any Chinese encoding, or Excel) as rows of strings."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from .errors import InputError


class UndecodableText(ValueError):
    """Bytes that are not text in any encoding we read; the message says why (in Chinese)."""


# UTF-16 text that lost a byte: from there on every ASCII character c reads as chr(c << 8).
# Four of those in a row (0x2000-0x7E00, low byte zero) do not happen in real Chinese text.
_SHIFTED_UTF16 = re.compile("[" + "".join(chr(c << 8) for c in range(0x20, 0x7F)) + "\u0a00\u0d00]{4,}").search

# A CSV field may hold this many characters (Python's default limit, 131072, fails with an
# internal error); longer cells are refused by the callers with their row and column.
csv.field_size_limit(1 << 30)


class CsvProblem(ValueError):
    """A CSV file whose records cannot be trusted: the message says where (1-based record)."""

    def __init__(self, row: int, column: int, message: str):
        super().__init__(message)
        self.row, self.column, self.message = row, column, message


def parse_csv(text: str, delimiter: str | None = None) -> tuple[list[list[str]], str]:
    """Rows of a decoded CSV text and the delimiter used (comma, or tab when the file has more
    tabs than commas). Proves no record swallowed the ones after it: a quote opened and never
    closed makes the following lines part of one cell, so a cell whose lines look like records
    of their own (several delimiters each) is refused with the row and column it starts at."""
    if delimiter is None:
        sample = text[:20000]
        delimiter = "\t" if sample.count("\t") > sample.count(",") else ","
    try:
        rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error as exc:
        raise CsvProblem(0, 0, f"CSV 格式有误：{exc}") from None
    # As many records as physical lines: no cell holds a line break, nothing can be swallowed.
    if len(rows) >= text.count("\n"):
        return rows, delimiter
    widths = sorted(len(r) for r in rows if len(r) > 1)
    typical = widths[len(widths) // 2] if widths else 1
    need = max(2, typical - 2)
    for i, row in enumerate(rows):
        if not any("\n" in cell or "\r" in cell for cell in row):
            continue
        for j, cell in enumerate(row):
            if "\n" not in cell and "\r" not in cell:
                continue
            lines = cell.splitlines()
            swallowed = [ln for ln in lines[1:] if ln.count(delimiter) >= need]
            if swallowed:
                raise CsvProblem(i + 1, j + 1, (
                    f"此单元格以英文双引号开头，但引号没有配对，其后 {len(lines) - 1} 行都被并入了这一个单元格"
                    f"（其中 {len(swallowed)} 行看起来是单独的记录）。请删除或配对多余的双引号（\"）后重新保存"))
    return rows, delimiter


def decode_csv_bytes(data: bytes) -> tuple[str, str]:
    """Text of a CSV file and the encoding used: UTF-16 with a BOM, UTF-8 (with or without BOM),
    then GB18030 (a superset of GBK and GB2312), then whatever charset-normalizer finds."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise UndecodableText(
                f"文件标明为 UTF-16 编码，但内容不完整或已损坏（第 {exc.start} 字节附近）") from None
        shifted = _SHIFTED_UTF16(text)
        if shifted:
            line = text.count("\n", 0, shifted.start()) + 1
            raise UndecodableText(f"文件标明为 UTF-16 编码，但从第{line}行起文字错位（文件可能缺了字节，已损坏）")
        return text, "utf-16"
    elif b"\x00" in data[:8192]:
        raise UndecodableText("不是文本格式的 CSV 文件（含有二进制内容）")
    try:
        return data.decode("utf-8-sig"), ("utf-8-sig" if data.startswith(b"\xef\xbb\xbf") else "utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030"), "gb18030"
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None:
        raise UndecodableText("无法识别文件的文字编码")
    return str(best), best.encoding


# ---------------------------------------------------------------------------------------------
# Case numbers (案号): one spelling per case, so that duplicates are found whatever was typed.

# Control and format characters (NUL, U+200E/U+200F direction marks, zero-width spaces and
# joiners, soft hyphen, BOM, bidi embeddings): invisible in Excel, but they make two equal-looking
# case numbers different.
_INVISIBLE = re.compile("[\x00-\x1f\x7f-\x9f\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e"
                        "\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb]")
# The year in brackets: 〔2024〕 is the official form (GB/T 9704); [2024] ［2024］ (2024) （2024）
# 【2024】 and 〈2024〉 are the same case number typed on another keyboard.
_YEAR_BRACKETS = re.compile(r"[\[［(（【〈<〔﹝]\s*((?:19|20)\d\d)\s*[\]］)）】〉>〕﹞]")
_CASE_NO_SUSPECT = re.compile("[\x00-\x1f\x7f-\x9f\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e"
                              "\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb\\[［(（【〈<﹝]").search


def normalise_case_no(s: str) -> str:
    """A case number with invisible characters removed and the year's brackets made 〔〕
    (expects text already trimmed and made half-width)."""
    if not _CASE_NO_SUSPECT(s):
        return s
    s = _INVISIBLE.sub("", s)
    s = _YEAR_BRACKETS.sub(r"〔\1〕", s)
    return " ".join(s.split())


def cell_text(v) -> str:
    if v is None:
        return ""
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    if isinstance(v, datetime):
        return v.date().isoformat() if v.time() == datetime.min.time() else v.isoformat(sep=" ")
    if isinstance(v, date):
        return v.isoformat()
    return str(v)


@dataclass(frozen=True)
class SheetProblem:
    """One problem in a sheet someone filled in (answers, a returned ledger), located as the user
    sees it in Excel: file, row, column header and letter."""

    file: str
    row: int
    column: str
    letter: str
    message: str

    def __str__(self) -> str:
        col = f" {self.column}（{self.letter}列）" if self.column else ""
        return f"{self.file} 第{self.row}行{col}：{self.message}"


def column_letter(index: int) -> str:
    """0 → A, 25 → Z, 26 → AA."""
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


# ---------------------------------------------------------------------------------------------
# Workbook size: checked in the XML before calamine builds the sheet, because calamine allocates
# every cell of the rectangle from A1 to the farthest value (one stray cell at XFD1048576 asks for
# 512 GB and aborts the process).

MAX_SHEET_CELLS = 5_000_000          # rows × columns of the used range of one worksheet
MAX_SHEET_XML_BYTES = 512_000_000  # uncompressed XML of one worksheet (zip bombs)

# A formula whose result was never saved: <c r="B2"><f>…</f></c> with no <v>, or with an empty
# one (<v></v>, <v/>: openpyxl and other libraries write formulas so).
_UNCACHED_FORMULA = re.compile(
    rb'\br="([A-Z]{1,3})([0-9]+)"([^>/]*)>\s*<(?:\w+:)?f\b(?:[^>]*/>|[^>]*>[^<]*</(?:\w+:)?f>)\s*'
    rb'(<(?:\w+:)?v\s*/>\s*|<(?:\w+:)?v>\s*</(?:\w+:)?v>\s*)?</(?:\w+:)?c>')
# ... except that a formula typed as text (t="str") whose saved result is the empty string is blank.
_TEXT_TYPE = re.compile(rb'\bt="str"')


# Anything but a plain <c r="A1"…> with a one-letter column and at most 6 digits: wide columns,
# huge row numbers, cells without a reference, namespace-prefixed cells.
_UNUSUAL = re.compile(rb'<(?:c (?:r="(?:[A-Z]{2}|[A-Z][0-9]{7})|(?!r="))|c>|\w+:c[\s>])')


def column_number(letters: str) -> int:
    """A → 1, Z → 26, AA → 27."""
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n


@dataclass
class SheetScan:
    """What the XML of one worksheet says before any cell is built."""

    name: str
    rows: int = 0                 # last row holding a value (1-based)
    columns: int = 0              # last column holding a value (1-based)
    farthest: str = ""            # the cell reference of the farthest value, e.g. "XFD1048576"
    uncached_formulas: list[tuple[int, int]] = field(default_factory=list)  # (row, column), 1-based
    too_big_xml: bool = False
    damaged: bool = False

    @property
    def cells(self) -> int:
        return self.rows * self.columns


def _xlsx_sheet_parts(zf) -> dict[str, str]:
    """Worksheet name → path of its XML part inside the zip."""
    import posixpath
    import xml.etree.ElementTree as ET

    ns_main = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
    ns_rel = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
    rels_ns = "{http://schemas.openxmlformats.org/package/2006/relationships}"
    try:
        book = ET.fromstring(zf.read("xl/workbook.xml"))
        rels = ET.fromstring(zf.read("xl/_rels/workbook.xml.rels"))
    except (KeyError, ET.ParseError):
        return {}
    targets = {}
    for rel in rels.iter(f"{rels_ns}Relationship"):
        target = rel.get("Target", "")
        target = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join("xl", target))
        targets[rel.get("Id")] = target
    parts = {}
    for sheet in book.iter(f"{ns_main}sheet"):
        part = targets.get(sheet.get(f"{ns_rel}id"))
        if part:
            parts[sheet.get("name", "")] = part
    return parts


def scan_xlsx(data: bytes | Path) -> dict[str, SheetScan]:
    """The used size of every worksheet of an .xlsx/.xlsm (or .ods) file, read from its XML
    (nothing is built per cell). Empty dict when the file is not a readable zip workbook."""
    import zipfile

    try:
        zf = zipfile.ZipFile(io.BytesIO(data) if isinstance(data, bytes) else data)
    except Exception:  # noqa: BLE001 - not a zip we can read (BadZipFile, NotImplementedError, …)
        return {}
    out: dict[str, SheetScan] = {}
    with zf:
        if "content.xml" in zf.namelist() and "xl/workbook.xml" not in zf.namelist():
            try:
                return scan_ods(zf)
            except Exception:  # noqa: BLE001 - damaged content.xml: calamine reports it
                return {}
        try:
            parts = _xlsx_sheet_parts(zf)
        except Exception:  # noqa: BLE001 - a damaged zip (zlib, CRC, encryption…): calamine says so
            return {}
        for name, part in parts.items():
            scan = out[name] = SheetScan(name)
            try:
                _scan_sheet_xml(zf, part, scan)
            except KeyError:
                continue  # a sheet without its part: calamine reports the damage
            except Exception:  # noqa: BLE001 - damaged data: refuse rather than let calamine guess
                scan.damaged = True
    return out


def _max_ref(text: bytes, prefix: bytes) -> tuple[int, int, str]:
    """(last row, last column, letters of that column) over the cells with content whose
    reference follows `prefix` (b'<c r="' on the fast path, a generic pattern otherwise)."""
    max_row = max_col = 0
    letters = ""
    for width in (3, 2, 1):
        hits = re.findall(prefix + rb'([A-Z]{%d})[0-9]+"[^>/]*>' % width, text) if re.search(
            prefix + rb"[A-Z]{%d}[0-9]" % width, text) else []
        if hits:
            letters = max(hits).decode()
            max_col = column_number(letters)
            break
    for digits in range(8, 0, -1):
        if re.search(prefix + rb'[A-Z]{1,3}[0-9]{%d}"' % digits, text):
            rows = re.findall(prefix + rb'[A-Z]{1,3}([0-9]{%d})"[^>/]*>' % digits, text)
            if rows:
                max_row = max(int(r) for r in rows)
                break
    return max_row, max_col, letters


_ODS_TABLE = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
_ODS_OFFICE = "{urn:oasis:names:tc:opendocument:xmlns:office:1.0}"


def scan_ods(zf) -> dict[str, SheetScan]:
    """The used size of every table of an OpenDocument spreadsheet: rows and cells there carry
    repeat counts (a 1 KB file can describe 60,000 × 700 cells), added up here element by element
    without expanding them."""
    import xml.etree.ElementTree as ET

    out: dict[str, SheetScan] = {}
    scan: SheetScan | None = None
    row = col = 0
    row_repeat = 1
    row_has_value = False
    with zf.open("content.xml") as fh:
        for event, el in ET.iterparse(fh, events=("start", "end")):
            tag = el.tag
            if event == "start":
                if tag == f"{_ODS_TABLE}table":
                    name = el.get(f"{_ODS_TABLE}name", "")
                    scan = out[name] = SheetScan(name)
                    row = 0
                elif tag == f"{_ODS_TABLE}table-row":
                    col, row_has_value = 0, False
                    row_repeat = int(el.get(f"{_ODS_TABLE}number-rows-repeated", "1") or 1)
                continue
            if tag in (f"{_ODS_TABLE}table-cell", f"{_ODS_TABLE}covered-table-cell"):
                repeat = int(el.get(f"{_ODS_TABLE}number-columns-repeated", "1") or 1)
                col += repeat
                if scan is not None and (el.get(f"{_ODS_OFFICE}value-type") or len(el)):
                    scan.columns = max(scan.columns, col)
                    row_has_value = True
                el.clear()
            elif tag == f"{_ODS_TABLE}table-row":
                row += row_repeat
                if scan is not None and row_has_value:
                    scan.rows = max(scan.rows, row)
                el.clear()
    for scan in out.values():
        scan.farthest = f"{column_letter(max(scan.columns - 1, 0))}{scan.rows}"
    return out


def _scan_sheet_xml(zf, part: str, scan: SheetScan) -> None:
    with zf.open(part) as fh:
        text = fh.read(MAX_SHEET_XML_BYTES + 1)
    if len(text) > MAX_SHEET_XML_BYTES:
        scan.too_big_xml = True
        return
    if not _UNUSUAL.search(text):
        # The usual file (Excel, WPS, the common libraries): every cell names its position
        # first, columns A–Z, fewer than 1,000,000 rows. Bound the size cheaply, and only
        # compute it exactly when the bound is over the limit.
        max_row, max_col, letters = 99_999, 26, "Z"
        if re.search(rb'<c r="[A-Z][0-9]{6}"', text):
            rows = re.findall(rb'<c r="[A-Z]([0-9]{6})"[^>/]*>', text)
            max_row = max(int(r) for r in rows) if rows else max_row
        if max_row * max_col > MAX_SHEET_CELLS:
            max_row, max_col, letters = _max_ref(text, rb'<c r="')
    else:
        max_row, max_col, letters = _max_ref(text, rb'<(?:\w+:)?c\s[^>]*?\br="')
        # Cells without a reference follow the previous one: the widest row bounds the width,
        # the number of rows bounds the height.
        row_chunks = re.split(rb"<(?:\w+:)?row\b", text)
        widest = max((len(re.findall(rb"<(?:\w+:)?c[\s>]", r)) for r in row_chunks), default=0)
        row_numbers = [int(r) for r in re.findall(rb'<(?:\w+:)?row\b[^>]*?\sr="([0-9]+)"', text)]
        if widest > max_col:
            max_col, letters = widest, column_letter(widest - 1)
        max_row = max([max_row, len(row_chunks) - 1, *row_numbers])
    scan.rows, scan.columns = max_row, max_col
    scan.farthest = f"{letters or 'A'}{max_row}"
    if b"<f" in text or re.search(rb"<\w+:f[\s>/]", text):
        for hit in _UNCACHED_FORMULA.finditer(text):
            if hit.group(4) and _TEXT_TYPE.search(hit.group(3)):
                continue
            scan.uncached_formulas.append((int(hit.group(2)), column_number(hit.group(1).decode())))
            if len(scan.uncached_formulas) >= 1000:
                break


def sheet_too_big(scan: SheetScan) -> str | None:
    """Why a worksheet is refused before it is read (Chinese), or None."""
    if scan.damaged:
        return f"工作表“{scan.name}”的数据已损坏，无法读取。请用 Excel 打开后另存为 .xlsx 再导入"
    if scan.too_big_xml:
        return (f"工作表“{scan.name}”的内容超过 {MAX_SHEET_XML_BYTES // 1_000_000} MB，无法读取。"
                "请删除多余的行列，或分成几个文件后再导入")
    if scan.cells > MAX_SHEET_CELLS:
        return (f"工作表“{scan.name}”的使用范围延伸到 {scan.farthest}（{scan.rows} 行 × {scan.columns} 列，"
                f"超过 {MAX_SHEET_CELLS // 10000} 万个单元格的上限），多半是远处有误输入的内容。"
                f"请在 Excel 中删除 {scan.farthest} 等多余的单元格（或整行整列）后保存，再导入")
    return None


def read_table(path: Path) -> list[list[str]]:
    """The cells of a one-sheet table (answer sheets, reviewer lists) as text. A workbook must
    hold its data on one worksheet: rows on a second (or hidden) sheet would be ignored, so they
    are refused; so is a sheet too large to read or a formula whose result was never saved."""
    if not path.exists():
        raise InputError(f"找不到文件 {path}")
    if path.is_dir():
        raise InputError(f"{path} 是文件夹，不是表格文件，请指定 .xlsx 或 .csv 文件")
    suffix = path.suffix.lower()
    try:
        with open(path, "rb") as fh:
            head = fh.read(8)
    except OSError as exc:
        raise InputError(f"无法读取文件 {path}：{exc.strerror or exc}") from None
    if head[:5] == b"%PDF-":
        raise InputError(f"{path.name} 是 PDF 文件，不是电子表格，请提供 Excel（.xlsx）或 CSV 文件")
    if suffix in (".xlsx", ".xlsm", ".xls", ".ods"):
        if head[:4] != b"PK\x03\x04" and head != b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
            raise InputError(f"{path.name} 不是有效的 Excel 文件（内容不是 Excel 格式，可能已损坏或改了扩展名），"
                             "请用 Excel 打开后另存为 .xlsx")
        return _read_workbook(path, head)
    if suffix in (".csv", ".txt"):
        try:
            text, _ = decode_csv_bytes(path.read_bytes())
        except UndecodableText as exc:
            raise InputError(f"{path.name}：{exc}，请用 Excel 打开后另存为“CSV UTF-8（逗号分隔）”或 .xlsx") from None
        try:
            rows, _ = parse_csv(text, ",")
        except CsvProblem as exc:
            where = f" 第{exc.row}行 {column_letter(exc.column - 1)}列" if exc.row else ""
            raise InputError(f"{path.name}{where}：{exc.message}") from None
        return rows
    raise InputError(f"{path.name}：不支持的文件类型“{suffix}”，请使用 .xlsx 或 .csv")


def _read_workbook(path: Path, head: bytes) -> list[list[str]]:
    from python_calamine import CalamineWorkbook, SheetTypeEnum

    scans = scan_xlsx(path) if head[:4] == b"PK\x03\x04" else {}
    for scan in scans.values():
        why = sheet_too_big(scan)
        if why:
            raise InputError(f"{path.name}：{why}")
    damaged = f"{path.name} 无法读取，Excel 文件可能已损坏，请用 Excel 打开后另存为 .xlsx"
    try:
        wb = CalamineWorkbook.from_path(str(path))
    except Exception:  # noqa: BLE001 - calamine raises several types for bad files
        raise InputError(damaged) from None
    with wb:
        names = [s.name for s in wb.sheets_metadata if s.typ == SheetTypeEnum.WorkSheet]
        if not names:
            raise InputError(damaged)
        try:
            sheets = [wb.get_sheet_by_name(n) for n in names]
        except Exception:  # noqa: BLE001
            raise InputError(damaged) from None
        for n, sh in zip(names, sheets, strict=True):  # .xls files were not scanned beforehand
            if sh.height * sh.width > MAX_SHEET_CELLS:
                raise InputError(f"{path.name}：" + (sheet_too_big(SheetScan(
                    n, sh.height, sh.width, f"{column_letter(sh.width - 1)}{sh.height}")) or ""))
        try:
            tables = [[[cell_text(c) for c in row] for row in sh.to_python(skip_empty_area=False)] for sh in sheets]
        except Exception:  # noqa: BLE001
            raise InputError(damaged) from None
    others = [n for n, t in zip(names[1:], tables[1:], strict=True) if any(c.strip() for row in t for c in row)]
    if others:
        raise InputError(
            f"{path.name} 除第一个工作表“{names[0]}”外，工作表“{'”“'.join(others)}”中也有内容（含隐藏的工作表）。"
            "只读取一个工作表，为免漏读，请把内容合并到第一个工作表并删除其他工作表后再导入")
    uncached = scans.get(names[0]).uncached_formulas if names[0] in scans else []
    if uncached:
        row, col = uncached[0]
        more = f"等 {len(uncached)} 个单元格" if len(uncached) > 1 else ""
        raise InputError(
            f"{path.name} 第{row}行 {column_letter(col - 1)}列{more}是公式，但文件中没有保存计算结果（会被读成空白）。"
            "请用 Excel 打开该文件，等计算完成后保存，再导入")
    return tables[0]
