"""Excel workbook of a bulletin (xlsxwriter).

Sheets: 总体情况 (summary, grade distribution, category loss), 执法机关排名, 案卷得分, 问题明细,
典型问题, 不合格案卷, 未完成案卷 (if any), 评查一致性 (if double review), 图表 (agency mean scores
and grade distribution). Every text cell is written with write_string and the workbook is created
with strings_to_formulas/urls/numbers off, so a case title such as =HYPERLINK("…") stays text.
"""

from __future__ import annotations

import os
import re
import shutil
import threading
import zipfile
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path

import xlsxwriter
import xlsxwriter.workbook
import xlsxwriter.worksheet
from xlsxwriter.utility import xl_col_to_name, xl_rowcol_to_cell_fast
from xlsxwriter.worksheet import Worksheet

from . import wording as w
from .model import VERDICT_VETO, BulletinData

MAX_CELL = 32767
# Up to this many cells the workbook is built in memory (shared strings: a smaller file); beyond
# it xlsxwriter's constant_memory mode writes each row as soon as the next one starts. In memory,
# xlsxwriter keeps about 100 bytes per cell until the file is closed (20,000 files with 144,000
# problems: 1.4 million cells, 140 MB), streaming keeps one row; both take about as long.
IN_MEMORY_CELLS = 500_000
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _text(value) -> str:
    text = _CONTROL.sub("", "" if value is None else str(value))
    return text if len(text) <= MAX_CELL else text[: MAX_CELL - 1] + "…"


_TEXT_CACHE: dict[str, str] = {}


def _cached_text(value) -> str:
    """_text with a cache: agency names, item texts and bases repeat on thousands of rows."""
    hit = _TEXT_CACHE.get(value)
    if hit is None:
        hit = _text(value)
        if len(_TEXT_CACHE) < 100_000:
            _TEXT_CACHE[value] = hit
    return hit


def _lines(text: str, width: float) -> int:
    """Lines a wrapped cell needs: CJK characters are two units wide, a column `width` units."""
    per_line = max(width - 1, 4)
    total = 0
    for part in text.split("\n"):
        units = sum(2 if ord(ch) > 0x2E7F else 1 for ch in part)
        total += max(1, -(-units // per_line))
    return total


# FastWorksheet's short paths use these xlsxwriter (3.x) internals; where one is missing every
# cell goes through xlsxwriter's own code.
CellNumberTuple = getattr(xlsxwriter.worksheet, "CellNumberTuple", None)
CellStringTuple = getattr(xlsxwriter.worksheet, "CellStringTuple", None)
_preserve = getattr(xlsxwriter.worksheet, "_preserve_whitespace", None)
FAST = None not in (CellNumberTuple, CellStringTuple, _preserve) and all(
    hasattr(Worksheet, name) for name in ("_write_single_row", "_check_dimensions", "_escape_control_characters",
                                          "_escape_data", "_write_cell", "_write_optimized_sheet_data"))
_INF = float("inf")
_COLUMNS: dict[int, str] = {}


def _column(col: int) -> str:
    name = _COLUMNS.get(col)
    if name is None:
        name = _COLUMNS[col] = xl_col_to_name(col)
    return name


ZIP_LEVEL = 1
"""zlib level of the workbook's zip: level 1 compresses three times as fast as the default (6) for
a file about a fifth larger (20,000 files: 4.2 s of a 14 s report at level 6)."""
ZIP_CHUNK = 4 << 20
_zip_level = threading.local()  # the level the writing thread asked for (zip_level)


class _LeveledZipFile(zipfile.ZipFile):
    """The ZipFile xlsxwriter's Workbook makes, at the level of zip_level() in the thread that
    makes it; elsewhere (another thread, or outside zip_level) exactly the standard ZipFile."""

    def __init__(self, *args, **kwargs):
        level = getattr(_zip_level, "level", None)
        if level is not None and kwargs.get("compresslevel") is None:
            kwargs["compresslevel"] = level
        self._leveled = level is not None
        super().__init__(*args, **kwargs)

    def writestr(self, zinfo_or_arcname, data, compress_type=None, compresslevel=None):
        # xlsxwriter's in-memory mode passes ZipInfo objects, which carry no level of their own
        if self._leveled and compresslevel is None:
            compresslevel = self.compresslevel
        super().writestr(zinfo_or_arcname, data, compress_type, compresslevel)

    def write(self, filename, arcname=None, compress_type=None, compresslevel=None):
        """ZipFile.write of a file, copied in chunks of ZIP_CHUNK bytes instead of 8 KB: each
        chunk lets go of the interpreter lock four times (read, crc32, compress, write), and a
        thread that takes it back while another one runs Python waits for its turn each time."""
        if not self._leveled or os.path.isdir(filename):
            return super().write(filename, arcname, compress_type, compresslevel)
        zinfo = zipfile.ZipInfo.from_file(filename, arcname, strict_timestamps=self._strict_timestamps)
        zinfo.compress_type = self.compression if compress_type is None else compress_type
        level = self.compresslevel if compresslevel is None else compresslevel
        if hasattr(zinfo, "compress_level"):  # Python 3.13 and later
            zinfo.compress_level = level
        else:
            zinfo._compresslevel = level
        with open(filename, "rb") as src, self.open(zinfo, "w") as dest:
            shutil.copyfileobj(src, dest, ZIP_CHUNK)
        return None


# xlsxwriter (3.x) makes its zip with the ZipFile of its workbook module; where that is not the
# standard one (another version, or someone else's hook) it is left alone and the level is the default.
if getattr(xlsxwriter.workbook, "ZipFile", None) is zipfile.ZipFile:
    xlsxwriter.workbook.ZipFile = _LeveledZipFile


@contextmanager
def zip_level(level: int | None):
    """Workbooks closed in this thread inside the block are zipped at `level` (None: the default)."""
    before = getattr(_zip_level, "level", None)
    _zip_level.level = level
    try:
        yield
    finally:
        _zip_level.level = before


class _RawCells:
    """The XML of a row's cells, written as it is (FastWorksheet.write_cells)."""

    __slots__ = ("xml",)

    def __init__(self, xml: str):
        self.xml = xml


class FastWorksheet(Worksheet):
    """xlsxwriter's worksheet with a shorter path for the cells a bulletin writes by the million.

    A formatted number or string is written as the very XML xlsxwriter writes for it, without
    building and escaping an attribute list per cell (a cell reference and a style index have
    nothing to escape); in constant_memory mode the escaped form of each distinct string is kept
    (agency names, item texts and notes repeat on thousands of rows). Every other cell goes
    through xlsxwriter's own code. tests/test_excel_cells.py checks the sheets are byte for byte
    those of the stock worksheet.
    """

    INLINE_CACHE = 100_000

    def write_cells(self, row: int, cells: list[tuple[int, object, object, bool]]) -> bool:
        """In constant_memory mode, the cells (column, value, format, is a number) of a row that
        nothing else writes to, in column order, kept as one piece of XML until the row is written
        (one write instead of one per cell). False, and nothing done, where xlsxwriter's own
        writers are needed (not streaming, a row already started or out of bounds, a string
        that may need truncating or looks like a rich string, a number that is not finite)."""
        if not FAST or not self.constant_memory or not cells or self.table.get(row):
            return False
        if row > self.previous_row:
            self._write_single_row(row)  # as xlsxwriter's writers do: the previous row is complete
        if self._check_dimensions(row, cells[0][0]) or self._check_dimensions(row, cells[-1][0]):
            return False
        r = str(row + 1)
        parts = []
        heads = self.__dict__.setdefault("_heads", {})  # (column, format) -> ('<c r="A', '" s="3"')
        tails = self.__dict__.setdefault("_inline_cache", {})
        for col, value, fmt, numeric in cells:
            head = heads.get((col, fmt))
            if head is None:
                if fmt is None:
                    return False
                head = heads[(col, fmt)] = (f'<c r="{_column(col)}', f'" s="{fmt._get_xf_index()}"')
            if numeric:
                if value != value or value in (_INF, -_INF):
                    return False
                parts.append(f"{head[0]}{r}{head[1]}><v>{value:.16G}</v></c>")
            else:
                tail = tails.get(value)
                if tail is None:
                    tail = self._inline(value) if len(value) <= self.xls_strmax // 2 else None
                    if tail is None:
                        return False
                parts.append(f"{head[0]}{r}{head[1]}{tail}")
        self.table[row][cells[0][0]] = _RawCells("".join(parts))
        return True

    def _write_single_row(self, current_row_num: int = 0) -> None:
        """In constant_memory mode, a row that holds only the XML of write_cells, with no row
        format, height or comment, is written in one piece: what xlsxwriter writes for it, without
        building the row's attributes and looking up each column."""
        row_num = self.previous_row
        cells = self.table.get(row_num)
        if (FAST and cells is not None and len(cells) == 1 and self.excel_version != 2010
                and self.default_row_height == self.original_row_height
                and row_num not in self.row_info and row_num not in self.comments):
            (cell,) = cells.values()
            if type(cell) is _RawCells:
                self.previous_row = current_row_num
                self.fh.write(f'<row r="{row_num + 1}">{cell.xml}</row>')
                self.table.clear()
                return
        super()._write_single_row(current_row_num)

    def _write_optimized_sheet_data(self) -> None:
        """In constant_memory mode, the rows kept in the temporary file are copied into the sheet
        as bytes, in large chunks, rather than decoded and encoded again 64 KB at a time: the same
        bytes (both files are UTF-8 text written the same way), and the copy lets other threads
        run (reports.build writes the documents while the workbook is zipped)."""
        fh = self.fh
        if not FAST or self.dim_rowmin is None or not hasattr(fh, "buffer"):
            super()._write_optimized_sheet_data()
            return
        self._xml_start_tag("sheetData")
        if not self.row_data_fh_closed:
            self.row_data_fh.close()
            self.row_data_fh_closed = True
        fh.flush()
        with open(self.row_data_filename, "rb") as rows:
            shutil.copyfileobj(rows, fh.buffer, ZIP_CHUNK)
        os.unlink(self.row_data_filename)
        self._xml_end_tag("sheetData")

    def _write_cell(self, row: int, col: int, cell) -> None:
        kind = type(cell)
        if kind is _RawCells:
            self.fh.write(cell.xml)
            return
        fmt = cell.format
        if fmt is not None:
            if kind is CellStringTuple:
                if not self.constant_memory:  # a shared string: its index
                    self.fh.write(f'<c r="{xl_rowcol_to_cell_fast(row, col)}" s="{fmt._get_xf_index()}" t="s">'
                                  f'<v>{cell.string}</v></c>')
                    return
                tail = self._inline(cell.string)
                if tail is not None:
                    self.fh.write(f'<c r="{xl_rowcol_to_cell_fast(row, col)}" s="{fmt._get_xf_index()}"{tail}')
                    return
            elif kind is CellNumberTuple:
                self.fh.write(f'<c r="{xl_rowcol_to_cell_fast(row, col)}" s="{fmt._get_xf_index()}">'
                              f'<v>{cell.number:.16G}</v></c>')
                return
        super()._write_cell(row, col, cell)

    def _inline(self, string: str) -> str | None:
        """What follows the style index of an in-line string cell (None: not a plain string)."""
        cache = self.__dict__.setdefault("_inline_cache", {})
        tail = cache.get(string)
        if tail is None:
            if not FAST:
                return None
            text = self._escape_control_characters(string)
            if text.startswith("<r>") and text.endswith("</r>"):
                return None  # xlsxwriter writes it as a rich string
            space = ' xml:space="preserve"' if _preserve(text) else ""
            tail = f' t="inlineStr"><is><t{space}>{self._escape_data(text)}</t></is></c>'
            if len(cache) < self.INLINE_CACHE:
                cache[string] = tail
        return tail


class _Sheet:
    """A worksheet written row by row with typed cells."""

    def __init__(self, wb, name: str, formats: dict, headers: list[tuple[str, int, str]] | None = None,
                 fit: bool = False):
        self.ws = wb.add_worksheet(name, worksheet_class=FastWorksheet)
        self.f = formats
        self.row = 0
        self.name = name
        _print_setup(self.ws, landscape=bool(headers) and sum(h[1] for h in headers) > 100)
        if headers:
            self.ws.repeat_rows(0)
            for col, (_, width, kind) in enumerate(headers):
                fmt = formats["wrap"] if kind == "wrap" else None
                self.ws.set_column(col, col, width, fmt)
            self.ws.set_row(0, 30)
            for col, (title, _, _) in enumerate(headers):
                self.ws.write_string(0, col, title, formats["head"])
            self.ws.freeze_panes(1, 0)
            self.kinds = [k for _, _, k in headers]
            self.widths = [w for _, w, _ in headers]
            self.fit = fit
            ws = self.ws
            # the undecorated writers: row and column are always numbers here (no "A1" to parse)
            number, string = getattr(ws, "_write_number", ws.write_number), getattr(ws, "_write_string", ws.write_string)
            self._writers = [(number, formats[k], True) if k in ("score", "pct", "int", "num")
                             else (string, formats["wrap" if k == "wrap" else "text"], False)
                             for k in self.kinds]
            self.row = 1

    def put(self, col: int, value, kind: str = "text") -> None:
        ws, f, r = self.ws, self.f, self.row
        if value is None:
            ws.write_blank(r, col, None, f["text"])
        elif kind in ("score", "pct", "int", "num"):
            ws.write_number(r, col, float(value), f[kind])
        else:
            ws.write_string(r, col, _text(value), f["wrap"] if kind == "wrap" else f["text"])

    def add(self, values, kinds=None, veto: int | None = None) -> None:
        """One row; `veto`: the column that shows 否决 (in red) instead of its value."""
        if kinds is not None:
            for col, (v, k) in enumerate(zip(values, kinds, strict=False)):
                self.put(col, v, k)
            self.row += 1
            return
        r = self.row
        cells = []
        writers = self._writers
        cached = _TEXT_CACHE.get
        for col, v in enumerate(values):
            if col == veto:
                cells.append((col, VERDICT_VETO, self.f["veto"], False))
                continue
            if v is None or v == "":  # empty cells are not written at all (column formats apply)
                continue
            _, fmt, numeric = writers[col]
            if not numeric:
                v = (cached(v) if type(v) is str else None) or _cached_text(v)
            cells.append((col, v, fmt, numeric))
        fast = getattr(self.ws, "write_cells", None)
        if not (fast and fast(r, cells)):
            for col, value, fmt, _numeric in cells:
                if col == veto:
                    self.ws.write_string(r, col, value, fmt)
                else:
                    writers[col][0](r, col, value, fmt)
        if self.fit:
            lines = max((_lines(v, self.widths[c]) for c, v in enumerate(values)
                         if self.kinds[c] == "wrap" and isinstance(v, str)), default=1)
            if lines > 1:
                self.ws.set_row(r, 14.5 * min(lines, 20))
        self.row = r + 1

    def finish(self, autofilter: bool = True) -> None:
        if autofilter and self.row > 1 and hasattr(self, "kinds"):
            self.ws.autofilter(0, 0, self.row - 1, len(self.kinds) - 1)


def _print_setup(ws, landscape: bool = False) -> None:
    """A4, fitted to the page width, page numbers in the footer."""
    ws.set_paper(9)
    if landscape:
        ws.set_landscape()
    ws.fit_to_pages(1, 0)
    ws.set_margins(left=0.5, right=0.5, top=0.6, bottom=0.7)
    ws.set_footer("&C第 &P 页，共 &N 页")


def write_xlsx(data: BulletinData, path: Path, stream: bool | None = None) -> None:
    """Write the workbook; stream=None picks constant_memory for large campaigns only."""
    prepare_xlsx(data, path, stream)()


def prepare_xlsx(data: BulletinData, path: Path, stream: bool | None = None) -> Callable[[], None]:
    """Everything of write_xlsx but zipping the workbook up: returns the call that does it (and
    then has written `path`). That last step is mostly zlib and file I/O, during which another
    thread can run Python (reports.build writes the documents meanwhile)."""
    if stream is None:
        files = sum(len(a.files) for a in data.agencies)
        stream = 12 * files + 7 * sum(len(f.problems) for f in data.files()) > IN_MEMORY_CELLS
    wb = xlsxwriter.Workbook(str(path), {
        "constant_memory": stream, "strings_to_formulas": False, "strings_to_urls": False,
        "strings_to_numbers": False,
    })
    font = {"font_name": "宋体", "font_size": 10.5}
    formats = {
        "head": wb.add_format({**font, "bold": True, "bg_color": "#D9E1F2", "border": 1, "align": "center",
                               "valign": "vcenter", "text_wrap": True}),
        "text": wb.add_format({**font, "valign": "top"}),
        "wrap": wb.add_format({**font, "valign": "top", "text_wrap": True}),
        "score": wb.add_format({**font, "num_format": "0.00", "valign": "top"}),
        "pct": wb.add_format({**font, "num_format": "0.0%", "valign": "top"}),
        "int": wb.add_format({**font, "num_format": "0", "valign": "top"}),
        "num": wb.add_format({**font, "num_format": "0.##", "valign": "top"}),
        "title": wb.add_format({"font_name": "黑体", "font_size": 16, "align": "center", "valign": "vcenter"}),
        "label": wb.add_format({**font, "bold": True, "valign": "top"}),
        "section": wb.add_format({"font_name": "黑体", "font_size": 12, "valign": "vcenter"}),
        "veto": wb.add_format({**font, "valign": "top", "align": "right", "font_color": "#C00000"}),
        "left_text": wb.add_format({**font, "valign": "top", "align": "left", "text_wrap": True}),
        "left_int": wb.add_format({**font, "valign": "top", "align": "left", "num_format": "0"}),
        "left_score": wb.add_format({**font, "valign": "top", "align": "left", "num_format": "0.00"}),
        "left_pct": wb.add_format({**font, "valign": "top", "align": "left", "num_format": "0.0%"}),
    }
    wb.set_properties({"title": _text(data.title), "author": _text(data.organiser), "comments": "anjuan"})
    bands = [b.name for b in data.standard.bands]

    grade_rows = _summary(wb, data, formats)
    ranked_rows = _ranking(wb, data, formats, bands)
    _files(wb, data, formats)
    _problems(wb, data, formats)
    _typical(wb, data, formats)
    _failed(wb, data, formats)
    if data.excellent_files:
        _excellent(wb, data, formats)
    if data.open_files:
        _open(wb, data, formats)
    if data.agreement is not None:
        _agreement(wb, data, formats)
    if data.workload and not data.public:
        _workload(wb, data, formats)
    _round_sheets(wb, data, formats)
    _charts(wb, data, ranked_rows, grade_rows)

    def close() -> None:
        with zip_level(ZIP_LEVEL):
            wb.close()

    return close


def _summary(wb, data: BulletinData, f) -> tuple[int, int] | None:
    s = _Sheet(wb, "总体情况", f)
    ws = s.ws
    ws.set_column(0, 0, 22)
    ws.set_column(1, 1, 16)
    ws.set_column(2, 4, 16)
    ws.set_row(0, 32)
    ws.merge_range(0, 0, 0, 4, "", f["title"])
    ws.write_string(0, 0, _text(data.title + ("（公开版）" if data.public else "")), f["title"])
    s.row = 2
    o = data.overall
    sm = data.sampling
    rows = [
        ("评查活动", data.campaign, "text"),
        ("组织单位", data.organiser, "text"),
        ("评查标准", f"{data.standard.name}（{data.standard.version}）", "text"),
        ("执法机关数", sm.agencies, "int"),
        ("案卷目录总数", sm.catalog, "int"),
        ("抽查案卷数", sm.sampled, "int"),
        ("已完成评查", sm.reviewed, "int"),
        ("待合议", sm.conflicts, "int"),
        ("未完成", sm.pending, "int"),
        ("平均分", o.mean if o else None, "score"),
        ("中位数", o.median if o else None, "score"),
        ("最高分", o.max if o else None, "score"),
        ("最低分", o.min if o else None, "score"),
        ("合格率", o.pass_rate if o else None, "pct"),
        ("优秀率", o.excellent_rate if o else None, "pct"),
        ("整改期限", w.cn_date(data.deadline), "text"),
        ("生成日期", w.cn_date(data.generated_on), "text"),
        ("版本", "公开版（已隐去个人信息）" if data.public else "内部版", "text"),
    ]
    for n, b in enumerate(sm.batches, 1):
        label = f"抽样{n}" if len(sm.batches) > 1 else "抽样"
        rows.append((f"{label}随机种子", b.seed, "text"))
        rows.append((f"{label}方法", b.algorithm, "text"))
        params = []
        if b.ratio is not None:
            params.append(f"比例{b.ratio * 100:g}%")
        if b.min:
            params.append(f"最少{b.min}卷")
        if b.max is not None:
            params.append(f"最多{b.max}卷")
        if b.by_kind:
            params.append("按案件类别分层")
        rows.append((f"{label}参数", "，".join(params) or "—", "text"))
    for label, value, kind in rows:
        ws.write_string(s.row, 0, label, f["label"])
        if value is None:
            ws.merge_range(s.row, 1, s.row, 4, "", f["left_text"])
        elif kind == "text":
            text = _text(value)
            lines = max(1, -(-sum(2 if ord(ch) > 0x2E80 else 1 for ch in text) // 70))
            if lines > 1:
                ws.set_row(s.row, 15 * lines)
            ws.merge_range(s.row, 1, s.row, 4, "", f["left_text"])
            ws.write_string(s.row, 1, text, f["left_text"])
        else:
            ws.merge_range(s.row, 1, s.row, 4, "", f["left_" + kind])
            ws.write_number(s.row, 1, float(value), f["left_" + kind])
        s.row += 1
    s.row += 1
    ws.write_string(s.row, 0, "等次分布", f["section"])
    s.row += 1
    for col, h in enumerate(("等次", "分数线", "案卷数", "占比")):
        ws.write_string(s.row, col, h, f["head"])
    s.row += 1
    grade_rows = None
    if o:
        first = s.row
        for g in o.grades:
            s.add((g.name, g.min, g.count, g.share), ("text", "num", "int", "pct"))
        grade_rows = (first, s.row - 1)
    s.row += 1
    ws.write_string(s.row, 0, "各类别失分", f["section"])
    s.row += 1
    for col, h in enumerate(("类别", "标准分值", "适用分值合计", "失分合计", "失分率")):
        ws.write_string(s.row, col, h, f["head"])
    s.row += 1
    for c in data.categories:
        s.add((c.name, c.points, c.possible, c.lost, c.rate), ("text", "num", "num", "num", "pct"))
    return grade_rows


def _ranking(wb, data: BulletinData, f, bands: list[str]) -> int:
    headers = [("名次", 6, "int"), ("执法机关", 30, "text"), ("案卷目录数", 10, "int"), ("抽查卷数", 9, "int"),
               ("已评卷数", 9, "int"), ("待合议", 8, "int"), ("未完成", 8, "int"), ("平均分", 9, "score"),
               ("中位数", 9, "score"), ("最高分", 9, "score"), ("最低分", 9, "score"), ("总分", 10, "score"),
               ("合格率", 9, "pct"), ("优秀率", 9, "pct")]
    headers += [(b, 8, "int") for b in bands]
    s = _Sheet(wb, "执法机关排名", f, headers)
    ranked = 0
    for a in data.agencies:
        st = a.stats
        row = [a.rank, a.name, a.catalog, a.sampled, a.reviewed, a.conflicts, a.pending]
        if st:
            ranked += 1
            row += [st.mean, st.median, st.max, st.min, st.total, st.pass_rate, st.excellent_rate]
            row += [g.count for g in st.grades]
        else:
            row += [None] * (7 + len(bands))
        s.add(row)
    s.finish()
    return ranked


def _files(wb, data: BulletinData, f) -> None:
    # one line per file (no wrapping): a long sheet stays easy to scan, sort and filter
    headers = [("执法机关", 28, "text"), ("案号", 22, "text"), ("案件名称", 40, "text"), ("当事人", 20, "text"),
               ("案件类别", 10, "text"), ("得分", 8, "score"), ("等次", 8, "text"), ("否决", 6, "text"),
               ("合议确定", 8, "text"), ("问题数", 7, "int"), ("扣分合计", 9, "num"), ("评查意见", 40, "text"),
               ("不得评优", 9, "text")]
    s = _Sheet(wb, "案卷得分", f, headers)
    barred = {id(x) for x in w.barred_files(data)}
    for a in data.agencies:
        for x in a.files:
            s.add((x.agency, x.case_no, x.title, x.party, x.kind, x.score, x.grade, "是" if x.vetoed else "",
                   "是" if x.settled else "", len(x.problems), x.points_lost, x.note,
                   "是" if id(x) in barred else ""))
    s.finish()


def _problems(wb, data: BulletinData, f) -> None:
    # One row per problem found (the legal basis of each item is on the 典型问题 sheet). 扣分 holds
    # the points deducted, or the text 否决 for a veto.
    headers = [("执法机关", 28, "text"), ("案号", 22, "text"), ("项目编号", 9, "text"), ("评查项目", 60, "text"),
               ("扣分", 6, "num"), ("存在问题", 50, "text"), ("页码", 8, "text"), ("问题表述", 40, "text")]
    s = _Sheet(wb, "问题明细", f, headers)
    for a in data.agencies:
        for x in a.files:
            for p in x.problems:
                if p.verdict == VERDICT_VETO:
                    s.add((x.agency, x.case_no, p.item_id, p.item_text, None, p.note, p.page_ref, p.statement), veto=4)
                else:
                    s.add((x.agency, x.case_no, p.item_id, p.item_text, p.deducted, p.note, p.page_ref, p.statement))
    s.finish()


def _typical(wb, data: BulletinData, f) -> None:
    headers = [("序号", 6, "int"), ("项目编号", 9, "text"), ("类别", 10, "text"), ("评查项目", 44, "wrap"),
               ("问题案卷数", 10, "int"), ("占已评案卷", 10, "pct"), ("涉及机关数", 10, "int"), ("否决卷数", 9, "int"),
               ("扣分合计", 9, "num"), ("依据", 40, "wrap"), ("示例（已隐去个人信息）", 50, "wrap"),
               ("问题表述（按出现次数）", 50, "wrap")]
    s = _Sheet(wb, "典型问题", f, headers, fit=True)
    for n, tp in enumerate(data.typical_problems, 1):
        examples = "\n".join(w.example_text(e) for e in tp.examples)
        wordings = "\n".join(f"{st.text}（{st.count}卷）" for st in tp.statements)
        s.add((n, tp.item_id, tp.category, tp.item_text, tp.count, tp.share, tp.agencies, tp.vetoes,
               tp.points_lost, tp.basis, examples, wordings))
    s.finish()


def _failed(wb, data: BulletinData, f) -> None:
    headers = [("序号", 6, "int"), ("执法机关", 24, "wrap"), ("案号", 22, "text"), ("案件名称", 36, "wrap"),
               ("得分", 8, "score"), ("主要问题", 60, "wrap")]
    s = _Sheet(wb, "不合格案卷", f, headers, fit=True)
    for n, x in enumerate(data.failed_files, 1):
        s.add((n, x.agency, x.case_no, x.title, x.score, "\n".join(x.reasons)))
    s.finish()


def _excellent(wb, data: BulletinData, f) -> None:
    headers = [("序号", 6, "int"), ("执法机关", 24, "wrap"), ("案号", 22, "text"), ("案件名称", 40, "wrap"),
               ("案件类别", 10, "text"), ("得分", 8, "score")]
    s = _Sheet(wb, "优秀案卷", f, headers, fit=True)
    for n, x in enumerate(data.excellent_files, 1):
        s.add((n, x.agency, x.case_no, x.title, x.kind, x.score))
    s.finish()


def _workload(wb, data: BulletinData, f) -> None:
    """Internal: each reviewer's assigned, submitted and draft reviews (never in a public version)."""
    headers = [("评查人员", 12, "text"), ("所在单位", 28, "text"), ("分配卷数", 9, "int"), ("已提交", 8, "int"),
               ("草稿", 8, "int"), ("未开始", 8, "int"), ("作为最终结果", 12, "int"), ("待合议", 8, "int"),
               ("完成率", 9, "pct")]
    s = _Sheet(wb, "评查人员工作量", f, headers)
    for r in data.workload:
        not_started = max(r.assigned - r.submitted - r.drafts, 0)
        s.add((r.name, r.unit, r.assigned, r.submitted, r.drafts, not_started, r.final, r.conflicts,
               r.submitted / r.assigned if r.assigned else 0.0))
    s.finish()


def _open(wb, data: BulletinData, f) -> None:
    headers = [("序号", 6, "int"), ("执法机关", 24, "wrap"), ("案号", 22, "text"), ("案件名称", 36, "wrap"),
               ("状态", 8, "text"), ("说明", 50, "wrap")]
    s = _Sheet(wb, "未完成案卷", f, headers, fit=True)
    for n, x in enumerate(data.open_files, 1):
        s.add((n, x.agency, x.case_no, x.title, x.state, "；".join(x.reasons)))
    s.finish()


def _agreement(wb, data: BulletinData, f) -> None:
    a = data.agreement
    s = _Sheet(wb, "评查一致性", f, [("指标", 30, "text"), ("数值", 14, "num")])
    rows = [("双人独立评查案卷数", a.files, "int"), ("比对评查项目数", a.items, "int"),
            ("逐项认定一致率", a.percent, "pct"), ("Cohen's κ系数", a.kappa, "num"),
            ("两人得分平均相差（分）", a.mean_abs_diff, "score"), ("评定等次一致案卷数", a.same_grade, "int"),
            ("经合议确定案卷数", a.settled, "int"), ("待合议案卷数", a.conflicts, "int"),
            ("合议触发分差（分）", a.threshold, "num")]
    for label, value, kind in rows:
        s.add((label, None if value is None else round(value, 3) if kind == "num" else value), ("text", kind))
    s.row += 1
    for para in w.agreement_text(data):
        s.ws.write_string(s.row, 0, _text(para), f["text"])
        s.row += 1


def _round_sheets(wb, data: BulletinData, f) -> None:
    """自查 and 上年度对比 sheets (reports.rounds_text), when the bulletin has them."""
    from .rounds_text import block, sections

    for key, title in sections(data):
        blk = block(data, key)
        kinds = ["wrap" if a == "left" else "text" for a in blk.aligns]
        s = _Sheet(wb, title[:31], f, [(h, 10 * wd // 4 + 4, k) for h, wd, k in zip(blk.headers, blk.widths, kinds, strict=True)],
                   fit=True)
        for row in blk.rows:
            s.add([_text(v) for v in row])
        s.finish()
        s.row += 1
        for para in [*blk.paragraphs, *blk.after]:
            s.ws.write_string(s.row, 0, _text(para), f["text"])
            s.row += 1


def _band_colours(n: int) -> list[str]:
    """Top band green, failing band red, those between blue and amber."""
    middle = ["#1565C0", "#F9A825", "#6A1B9A", "#00838F"]
    if n <= 1:
        return ["#2E7D32"][:n]
    return ["#2E7D32", *[middle[i % len(middle)] for i in range(n - 2)], "#C62828"]


def _charts(wb, data: BulletinData, ranked: int, grade_rows: tuple[int, int] | None) -> None:
    ws = wb.add_worksheet("图表")
    _print_setup(ws)
    ws.write_string(0, 0, "各执法机关平均分与等次分布（数据见“执法机关排名”“总体情况”工作表）", wb.add_format({"font_name": "黑体", "font_size": 12}))
    if grade_rows:
        grades_chart = wb.add_chart({"type": "column"})
        first, last = grade_rows
        grades_chart.add_series({
            "name": "案卷数",
            "categories": ["总体情况", first, 0, last, 0],
            "values": ["总体情况", first, 2, last, 2],
            "data_labels": {"value": True},
            "points": [{"fill": {"color": c}} for c in _band_colours(last - first + 1)],
        })
        grades_chart.set_title({"name": "等次分布", "name_font": {"name": "黑体", "size": 12}})
        grades_chart.set_legend({"none": True})
        grades_chart.set_y_axis({"major_gridlines": {"visible": True}, "min": 0})
        grades_chart.set_size({"width": 480, "height": 300})
        ws.insert_chart(2, 0, grades_chart)
    if ranked:
        bar = wb.add_chart({"type": "bar"})
        bar.add_series({
            "name": "平均分",
            "categories": ["执法机关排名", 1, 1, ranked, 1],
            "values": ["执法机关排名", 1, 7, ranked, 7],
            "data_labels": {"value": True, "num_format": "0.00"},
            "fill": {"color": "#1565C0"},
            "gap": 60,
        })
        bar.set_title({"name": "各执法机关平均分", "name_font": {"name": "黑体", "size": 12}})
        bar.set_legend({"none": True})
        bar.set_x_axis({"min": 0, "max": 100, "major_gridlines": {"visible": True}})
        bar.set_y_axis({"reverse": True, "num_font": {"name": "宋体", "size": 9}})
        bar.set_size({"width": 720, "height": max(300, 60 + 22 * ranked)})
        ws.insert_chart(19, 0, bar)
        below = 19 + (max(300, 60 + 22 * ranked)) // 20 + 2
        ws.write_string(below, 0, "注：平均分为各执法机关已完成评查案卷得分的算术平均数；未完成和待合议的案卷不计入。",
                        wb.add_format({"font_name": "宋体", "font_size": 10.5}))
