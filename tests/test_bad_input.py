# ruff: noqa: F811  (pytest fixtures imported from test_answers_io are used as arguments)
"""Issue 13, first list: every bad input ends in a one-line Chinese message naming file, row and
column, exit 1 and nothing written — or, where the input is legitimate, a correct import.

Each test here is one case of that list (native crash, silent row loss, invisible duplicates,
silently ignored data, internal errors instead of messages)."""

from __future__ import annotations

import csv
import io
import subprocess
from pathlib import Path

import pytest
import xlsxwriter
from anjuan_cli import run_anjuan
from sqlalchemy import func, select

from anjuan import models as m
from anjuan.errors import InputError
from anjuan.prepare.catalog_import import import_catalogs, read_catalog
from anjuan.review.answers_io import import_answers
from tests.test_answers_io import (  # noqa: F401  (fixtures)
    camp,
    db,
    files_of,
    full_rows,
    snapshot,
    template,
    write_csv,
)

HEADER = ["序号", "执法机关", "案号", "案件名称", "当事人", "案件类别", "决定日期"]


def catalog_rows(n: int, start: int = 1) -> list[list[str]]:
    return [[str(i), "测试县市场监督管理局", f"测罚〔2024〕{i}号", f"某公司未按规定公示信息案{i}", f"某公司{i}",
             "行政处罚", "2024-03-01"] for i in range(start, start + n)]


def csv_bytes(rows: list[list[str]], encoding: str = "utf-8") -> bytes:
    buf = io.StringIO(newline="")
    csv.writer(buf, lineterminator="\r\n").writerows(rows)
    return buf.getvalue().encode(encoding)


def case_count(db) -> int:
    with db.engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(m.CaseFile.__table__)).scalar_one()


def refused(db, path: Path) -> InputError:
    """Import must refuse the file and write nothing."""
    before = case_count(db)
    with pytest.raises(InputError) as exc:
        import_catalogs(db, [path])
    assert case_count(db) == before
    return exc.value


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return run_anjuan(*args)


def assert_one_line_refusal(proc: subprocess.CompletedProcess, *needles: str) -> None:
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stderr and "内部错误" not in proc.stderr
    first = proc.stderr.strip().splitlines()[0]
    assert first.startswith("错误：")
    for n in needles:
        assert n in proc.stderr, proc.stderr


# ---------------------------------------------------------------------------------------------
# Native crash: a far-away cell would make calamine allocate the whole rectangle


def far_cell_workbook(path: Path, row: int, col: int) -> Path:
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("目录")
    ws.write_row(0, 0, HEADER)
    ws.write_row(1, 0, catalog_rows(1)[0])
    ws.write_string(row, col, "x")
    wb.close()
    return path


@pytest.mark.parametrize(("row", "col", "ref"), [(1048575, 16383, "XFD1048576"), (59999, 701, "ZZ60000")])
def test_far_cell_is_refused_before_it_is_read(campaign, tmp_path, row, col, ref):
    path = far_cell_workbook(tmp_path / "远处单元格.xlsx", row, col)
    err = refused(campaign, path)
    assert f"远处单元格.xlsx：工作表“目录”的使用范围延伸到 {ref}" in "\n".join(err.details)


def test_far_cell_cli_exits_1_for_import_and_answers(tmp_path, campaign):
    path = far_cell_workbook(tmp_path / "远处单元格.xlsx", 1048575, 16383)
    db_path = campaign.target
    campaign.close()
    proc = run_cli("import", db_path, str(path))
    assert_one_line_refusal(proc, "XFD1048576")
    proc = run_cli("answers", "import", db_path, str(path), "--reviewer", "张三")
    assert_one_line_refusal(proc, "XFD1048576")


def test_far_cell_in_answer_sheet_is_refused(db, tmp_path):
    path = far_cell_workbook(tmp_path / "结论.xlsx", 1048575, 16383)
    before = snapshot(db)
    with pytest.raises(InputError, match="XFD1048576"):
        import_answers(db, path, "张三")
    assert snapshot(db) == before


# ---------------------------------------------------------------------------------------------
# Silent row loss in catalogs


def test_stray_quote_does_not_swallow_rows(campaign, tmp_path):
    rows = [HEADER, *catalog_rows(10)]
    data = csv_bytes(rows).replace("某公司未按规定公示信息案2".encode(), b'"stray')
    path = tmp_path / "引号.csv"
    path.write_bytes(data)
    err = refused(campaign, path)
    assert err.details == [
        "引号.csv 第3行 D列：此单元格以英文双引号开头，但引号没有配对，其后 8 行都被并入了这一个单元格"
        "（其中 8 行看起来是单独的记录）。请删除或配对多余的双引号（\"）后重新保存"]


def test_quoted_multi_line_cells_are_legitimate(campaign, tmp_path):
    rows = [HEADER, *catalog_rows(3)]
    rows[2][3] = "第一行\n第二行\n第三行"
    path = tmp_path / "多行.csv"
    path.write_bytes(csv_bytes(rows))
    report = import_catalogs(campaign, [path])
    assert report.total_rows == 3
    with campaign.engine.connect() as conn:
        titles = [t for (t,) in conn.execute(select(m.CaseFile.title).order_by(m.CaseFile.source_row))]
    assert titles[1] == "第一行 第二行 第三行"


def test_data_rows_above_the_header_are_errors(campaign, tmp_path):
    rows = [*catalog_rows(5), HEADER, *catalog_rows(3, start=6)]
    path = tmp_path / "表头在中间.csv"
    path.write_bytes(csv_bytes(rows))
    err = refused(campaign, path)
    assert len(err.details) == 5
    assert err.details[0] == (
        "表头在中间.csv 第1行 案号（C列）：这一行在表头（第6行）之上，看起来是一条案卷记录（案号“测罚〔2024〕1号”），"
        "表头之上的行不会导入。请把表头移到所有案卷记录的上方后重新导入")


def test_title_rows_above_the_header_are_fine(campaign, tmp_path):
    rows = [["2024年度测试县行政处罚案卷目录"], ["填报单位：测试县司法局", "", "填报日期：2024-12-01"], HEADER,
            *catalog_rows(3)]
    path = tmp_path / "有标题.csv"
    path.write_bytes(csv_bytes(rows))
    assert import_catalogs(campaign, [path]).total_rows == 3


@pytest.mark.parametrize("cut", ["one byte", "two bytes"])
def test_damaged_utf16_is_refused(campaign, tmp_path, cut):
    data = b"\xff\xfe" + csv_bytes([HEADER, *catalog_rows(10)], "utf-16-le")
    middle = len(data) // 2 & ~1
    data = data[:middle] + data[middle + (1 if cut == "one byte" else 3):]
    path = tmp_path / "utf16.csv"
    path.write_bytes(data)
    err = refused(campaign, path)
    assert "文件标明为 UTF-16 编码" in err.details[0]


def test_intact_utf16_imports(campaign, tmp_path):
    path = tmp_path / "utf16.csv"
    path.write_bytes(b"\xff\xfe" + csv_bytes([HEADER, *catalog_rows(10)], "utf-16-le"))
    assert import_catalogs(campaign, [path]).total_rows == 10


def test_stray_quote_in_answer_sheet_is_refused(db, tmp_path):
    case = files_of(db, "张三")[0]
    rows = full_rows(db, case)
    rows[0][5] = "STRAY说明"
    path = write_csv(tmp_path / "结论.csv", rows)
    path.write_bytes(path.read_bytes().replace(b"STRAY", b'"'))
    before = snapshot(db)
    with pytest.raises(InputError) as exc:
        import_answers(db, path, "张三")
    assert snapshot(db) == before
    assert exc.value.message.startswith("结论.csv 第2行 F列：此单元格以英文双引号开头，但引号没有配对")


# ---------------------------------------------------------------------------------------------
# Invisible duplicates


@pytest.mark.parametrize("twin", ["测罚〔2024〕5号\x00", "测罚\u200e〔2024〕5号", "测罚[2024]5号", "测罚［2024］5号",
                                  "测罚（2024）5号", "测罚(2024)5号", "\ufeff测罚【2024】5号"])
def test_case_numbers_are_normalised_before_duplicate_checks(campaign, tmp_path, twin):
    rows = [HEADER, *catalog_rows(200)]
    rows[150][2] = twin  # the 150th case, typed as the 5th one differently (past the first 8 KB)
    path = tmp_path / "重复.csv"
    path.write_bytes(csv_bytes(rows))
    err = refused(campaign, path)
    assert err.details == ["重复.csv 第151行 案号（C列）：案号“测罚〔2024〕5号”与第6行重复（同一执法机关“测试县市场监督管理局”的案号不能重复）"]


def test_normalised_case_numbers_are_reported(campaign, tmp_path):
    rows = [HEADER, *catalog_rows(3)]
    rows[1][2] = "测罚[2024]1号"
    rows[2][2] = "测罚\u200e〔2024〕2号"
    path = tmp_path / "写法.csv"
    path.write_bytes(csv_bytes(rows))
    report = import_catalogs(campaign, [path])
    assert report.files[0].case_nos_normalised == 2
    assert report.files[0].case_no_examples == [(2, "测罚[2024]1号", "测罚〔2024〕1号"),
                                                (3, "测罚\u200e〔2024〕2号", "测罚〔2024〕2号")]
    with campaign.engine.connect() as conn:
        stored = sorted(n for (n,) in conn.execute(select(m.CaseFile.case_no)))
    assert stored == ["测罚〔2024〕1号", "测罚〔2024〕2号", "测罚〔2024〕3号"]


def test_normalisation_is_shown_by_the_cli(campaign, tmp_path):
    rows = [HEADER, *catalog_rows(2)]
    rows[1][2] = "测罚[2024]1号"
    path = tmp_path / "写法.csv"
    path.write_bytes(csv_bytes(rows))
    target = campaign.target
    campaign.close()
    proc = run_cli("import", target, str(path))
    assert proc.returncode == 0, proc.stderr
    assert "1 个案号已统一写法（去掉不可见字符，年份括号统一为〔〕）：第2行“测罚[2024]1号”→“测罚〔2024〕1号”" in proc.stdout


# ---------------------------------------------------------------------------------------------
# Silently ignored


def test_rows_on_a_hidden_sheet_are_not_ignored(campaign, tmp_path):
    path = tmp_path / "隐藏.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("目录")
    ws.write_row(0, 0, HEADER)
    ws.write_row(1, 0, catalog_rows(1)[0])
    hidden = wb.add_worksheet("旧目录")
    hidden.write_row(0, 0, HEADER)
    for i, r in enumerate(catalog_rows(4, start=2), 1):
        hidden.write_row(i, 0, r)
    hidden.hide()
    wb.close()
    err = refused(campaign, path)
    assert err.details == ["隐藏.xlsx 工作表“旧目录”：这是隐藏的工作表，其中有 4 行案卷记录。隐藏工作表不会被略过："
                           "如需导入，请在 Excel 中取消隐藏；如不需要，请删除该工作表，再重新导入"]


def uncached_formula_workbook(path: Path) -> Path:
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("目录")
    ws.write_row(0, 0, HEADER)
    for i, r in enumerate(catalog_rows(3), 1):
        ws.write_row(i, 0, r)
    ws.write_formula(2, 3, '=E3&"案"', None, "")  # written without a result, as some tools save
    wb.close()
    # xlsxwriter stores <v></v> for an empty result; a file saved without calculation has no <v>.
    import zipfile

    raw = {n: zipfile.ZipFile(path).read(n) for n in zipfile.ZipFile(path).namelist()}
    raw["xl/worksheets/sheet1.xml"] = raw["xl/worksheets/sheet1.xml"].replace(b"<v></v>", b"")
    with zipfile.ZipFile(path, "w") as z:
        for n, b in raw.items():
            z.writestr(n, b)
    return path


def test_formula_without_cached_value_is_an_error(campaign, tmp_path):
    path = uncached_formula_workbook(tmp_path / "公式.xlsx")
    err = refused(campaign, path)
    assert err.details == ["公式.xlsx 第3行 案件名称（D列）：这是公式，但文件中没有保存公式的计算结果（会被读成空白）。"
                           "请用 Excel 打开该文件，等计算完成后保存（或把公式列“选择性粘贴”为数值），再导入"]


def test_second_worksheet_of_answer_sheet_is_not_ignored(db, tmp_path):
    case = files_of(db, "张三")[0]
    rows = full_rows(db, case)
    path = tmp_path / "结论.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    for name, part in (("第一页", rows[:3]), ("第二页", rows[3:])):
        ws = wb.add_worksheet(name)
        ws.write_row(0, 0, ["案号", "执法机关", "条目编号", "结论", "扣分", "问题描述", "卷内页码"])
        for i, r in enumerate(part, 1):
            ws.write_row(i, 0, r)
    wb.close()
    before = snapshot(db)
    with pytest.raises(InputError, match="工作表“第二页”中也有内容"):
        import_answers(db, path, "张三")
    assert snapshot(db) == before


def test_text_date_out_of_range_is_an_error(campaign, tmp_path):
    rows = [HEADER, *catalog_rows(2)]
    rows[2][6] = "2200-01-01"
    path = tmp_path / "日期.csv"
    path.write_bytes(csv_bytes(rows))
    err = refused(campaign, path)
    assert err.details[0].startswith("日期.csv 第3行 决定日期（G列）：“2200-01-01”不是有效的日期")


@pytest.mark.parametrize("value", ["0_1", "1e-320", "inf", "1e3", "0x1"])
def test_deduction_must_be_a_plain_number(db, tmp_path, value):
    case = files_of(db, "张三")[0]
    rows = full_rows(db, case)
    rows[0][3:5] = ["扣分", value]
    path = write_csv(tmp_path / "结论.csv", rows)
    before = snapshot(db)
    with pytest.raises(InputError) as exc:
        import_answers(db, path, "张三")
    assert snapshot(db) == before
    assert f"扣分“{value}”不是有效的数字" in "\n".join(exc.value.details)


# ---------------------------------------------------------------------------------------------
# Internal errors instead of messages


def test_huge_note_is_a_message(db, tmp_path):
    case = files_of(db, "张三")[0]
    rows = full_rows(db, case)
    rows[0][5] = "很" * 1_000_000
    path = write_csv(tmp_path / "结论.csv", rows)
    before = snapshot(db)
    with pytest.raises(InputError) as exc:
        import_answers(db, path, "张三")
    assert snapshot(db) == before
    assert exc.value.details[0].startswith("结论.csv 第2行 问题描述（F列）：内容过长（1000000 字，最多 5000 字）")


def test_huge_catalog_cell_is_a_message(campaign, tmp_path):
    rows = [HEADER, *catalog_rows(2)]
    rows[2][3] = "长" * 1_000_000
    path = tmp_path / "长.csv"
    path.write_bytes(csv_bytes(rows))
    err = refused(campaign, path)
    assert err.details[0].startswith("长.csv 第3行 案件名称（D列）：单元格内容过长（1000000 字，最多 2000 字）")


def test_directory_as_answer_sheet_is_a_message(db, tmp_path):
    folder = tmp_path / "结论.xlsx"
    folder.mkdir()
    with pytest.raises(InputError, match="是文件夹，不是表格文件"):
        import_answers(db, folder, "张三")


def test_directory_as_catalog_is_a_message(campaign, tmp_path):
    folder = tmp_path / "目录.csv"
    folder.mkdir()
    err = refused(campaign, folder)
    assert "是文件夹，不是案卷目录文件" in err.details[0]


def test_read_catalog_never_raises_on_far_cell(tmp_path):
    p = read_catalog(far_cell_workbook(tmp_path / "x.xlsx", 59999, 701))
    assert not p.rows and "ZZ60000" in p.errors[0].message


def ods_workbook(path: Path, body: str) -> Path:
    import zipfile

    ns = ('xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
          'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
          'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"')
    content = (f'<?xml version="1.0" encoding="UTF-8"?><office:document-content {ns} office:version="1.2">'
               f'<office:body><office:spreadsheet><table:table table:name="目录">{body}</table:table>'
               '</office:spreadsheet></office:body></office:document-content>')
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet", compress_type=zipfile.ZIP_STORED)
        z.writestr("content.xml", content)
        z.writestr("META-INF/manifest.xml",
                   '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
                   'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0">'
                   '<manifest:file-entry manifest:full-path="/" '
                   'manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
                   '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
                   '</manifest:manifest>')
    return path


def ods_row(cells: list[str]) -> str:
    return "<table:table-row>" + "".join(
        f'<table:table-cell office:value-type="string"><text:p>{c}</text:p></table:table-cell>' for c in cells
    ) + "</table:table-row>"


def test_ods_with_repeated_cells_is_refused_before_it_is_read(campaign, tmp_path):
    # 1.5 KB describing 60,000 × 700 cells: calamine would build all of them (2.6 GB).
    body = (ods_row(HEADER) + '<table:table-row table:number-rows-repeated="60000">'
            '<table:table-cell table:number-columns-repeated="700"/></table:table-row>'
            '<table:table-row><table:table-cell table:number-columns-repeated="700"/>'
            '<table:table-cell office:value-type="string"><text:p>x</text:p></table:table-cell></table:table-row>')
    err = refused(campaign, ods_workbook(tmp_path / "目录.ods", body))
    assert "使用范围延伸到 ZY60002（60002 行 × 701 列" in err.details[0]


def test_ods_with_trailing_empty_repeats_imports(campaign, tmp_path):
    # LibreOffice ends a sheet with huge repeated empty rows and columns: those are not data.
    body = (ods_row(HEADER) + "".join(ods_row(r) for r in catalog_rows(3))
            + '<table:table-row table:number-rows-repeated="1048570">'
            '<table:table-cell table:number-columns-repeated="1024"/></table:table-row>')
    report = import_catalogs(campaign, [ods_workbook(tmp_path / "目录.ods", body)])
    assert report.total_rows == 3
