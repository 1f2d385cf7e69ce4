"""reports.excel.FastWorksheet writes the same sheets as xlsxwriter's own worksheet, byte for byte."""

from __future__ import annotations

import zipfile
from datetime import datetime

import pytest
import xlsxwriter
from xlsxwriter.worksheet import Worksheet

from reports.excel import FastWorksheet


def _workbook(path, worksheet_class, constant_memory: bool) -> None:
    wb = xlsxwriter.Workbook(str(path), {"constant_memory": constant_memory, "strings_to_formulas": False,
                                         "strings_to_urls": False, "strings_to_numbers": False})
    wb.set_properties({"created": datetime(2025, 1, 10, 9, 0, 0)})  # the same docProps in both files
    text = wb.add_format({"font_name": "宋体", "valign": "top"})
    score = wb.add_format({"num_format": "0.00"})
    ws = wb.add_worksheet("数据", worksheet_class=worksheet_class)
    ws.set_column(2, 2, 20, text)
    ws.set_row(3, 30, score)
    values = ["某市第001行政执法局", " 前后有空格 ", "<&>\"'", "_x0000_ 与 \x01 控制字符", "多行\n文本", "",
              "=SUM(A1:A2)", "https://example.com", "0123", "<r>not rich</r>"]
    numbers = [0.0, -1.5, 97.125, 1e-9, 123456789.123456, 3]
    for row in range(40):  # several span blocks of 16 rows
        for col, v in enumerate(values):
            ws.write_string(row, col, v, text if (row + col) % 3 else None)
        for col, n in enumerate(numbers, len(values)):
            ws.write_number(row, col, n * (row + 1), score if (row + col) % 2 else None)
        ws.write_blank(row, 30, None, text)
        ws.write_boolean(row, 31, bool(row % 2), text)
    ws.write_formula(41, 0, "=1+1", text, 2)
    ws.write_rich_string(42, 0, "普通", wb.add_format({"bold": True}), "加粗", text)
    ws.write_datetime(43, 0, datetime(2025, 1, 10), wb.add_format({"num_format": "yyyy-mm-dd"}))
    ws.autofilter(0, 0, 40, 31)
    ws.freeze_panes(1, 0)
    wb.close()


@pytest.mark.parametrize("constant_memory", [False, True])
def test_fast_worksheet_writes_the_same_xml(tmp_path, constant_memory):
    fast, stock = tmp_path / "fast.xlsx", tmp_path / "stock.xlsx"
    _workbook(fast, FastWorksheet, constant_memory)
    _workbook(stock, Worksheet, constant_memory)
    with zipfile.ZipFile(fast) as a, zipfile.ZipFile(stock) as b:
        assert a.namelist() == b.namelist()
        sheet = "xl/worksheets/sheet1.xml"
        assert sheet in a.namelist()
        assert b'<c r="B2" s="1" t="s">' in b.read(sheet) or constant_memory  # the fast path was taken
        for name in a.namelist():
            assert a.read(name) == b.read(name), name


def _rows_workbook(path, fast: bool, default_height: bool, data_bar_2010: bool) -> None:
    """Rows as reports.excel._Sheet writes them (FastWorksheet.write_cells) or, for the reference,
    with xlsxwriter's own writers, cell by cell; some rows have a height, a comment, or a cell
    written after the row's others."""
    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True, "strings_to_formulas": False,
                                         "strings_to_urls": False, "strings_to_numbers": False})
    wb.set_properties({"created": datetime(2025, 1, 10, 9, 0, 0)})
    text = wb.add_format({"font_name": "宋体", "valign": "top"})
    score = wb.add_format({"num_format": "0.00"})
    ws = wb.add_worksheet("数据", worksheet_class=FastWorksheet if fast else Worksheet)
    if default_height:
        ws.set_default_row(18)
    if data_bar_2010:
        ws.conditional_format(0, 5, 60, 5, {"type": "data_bar", "data_bar_2010": True})
    values = ["某市第001行政执法局", " 前后有空格 ", "<&>\"'", "_x0000_ 与 \x01 控制字符", "多行\n文本", "<r>不是富文本</r>"]
    for row in range(60):
        cells = [(col, f"{v}{row % 7}", text, False) for col, v in enumerate(values)
                 if (row + col) % 5]  # some cells left empty
        cells.append((len(values), row * 1.25 - 3, score, True))
        if row % 11 == 3:
            ws.set_row(row, 30)
        if row % 13 == 5:
            ws.write_comment(row, 0, "批注")
        if not (fast and ws.write_cells(row, cells)):
            for col, value, fmt, numeric in cells:
                (ws.write_number if numeric else ws.write_string)(row, col, value, fmt)
        if row % 17 == 9:
            ws.write_string(row, len(values) + 2, "同一行后写的单元格", text)
    wb.close()


@pytest.mark.parametrize("default_height", [False, True], ids=["default-height", "set-default-row"])
@pytest.mark.parametrize("data_bar_2010", [False, True], ids=["excel2007", "excel2010"])
def test_rows_written_in_one_piece_are_xlsxwriters_rows(tmp_path, default_height, data_bar_2010):
    fast, stock = tmp_path / "fast.xlsx", tmp_path / "stock.xlsx"
    _rows_workbook(fast, True, default_height, data_bar_2010)
    _rows_workbook(stock, False, default_height, data_bar_2010)
    with zipfile.ZipFile(fast) as a, zipfile.ZipFile(stock) as b:
        assert a.namelist() == b.namelist()
        assert b'<row r="2"' in a.read("xl/worksheets/sheet1.xml")
        for name in a.namelist():
            assert a.read(name) == b.read(name), name
