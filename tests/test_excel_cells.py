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
