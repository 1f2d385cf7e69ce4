"""Catalog import (anjuan import): parsing, error reporting, all-or-nothing writes, CLI.

Fixture files live in tests/data/catalogs/ (regenerate with make_fixtures.py there).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from anjuan_cli import run_anjuan
from click.testing import CliRunner
from sqlalchemy import func, select
from sqlmodel import SQLModel

import anjuan.commands  # noqa: F401  (registers the commands)
from anjuan import models as m
from anjuan.campaign import init_campaign
from anjuan.cli import cli
from anjuan.errors import InputError
from anjuan.prepare import catalog_import as ci
from anjuan.prepare.catalog_import import (
    CatalogRow,
    ImportProblem,
    import_catalogs,
    parse_date,
    read_catalog,
)

DATA = Path(__file__).parent / "data" / "catalogs"
SCJG = "安溪县市场监督管理局"
JT = "安溪县交通运输局"
YJ = "安溪县应急管理局"
CG = "安溪县城市管理局"


def make_campaign(path: Path):
    return init_campaign(path, "测试评查")


@pytest.fixture
def db(new_target):
    d = make_campaign(new_target())
    yield d
    d.engine.dispose()


def table_counts(db) -> dict[str, int]:
    with db.engine.connect() as conn:
        return {t.name: conn.execute(select(func.count()).select_from(t)).scalar_one()
                for t in SQLModel.metadata.sorted_tables}


def write_csv(path: Path, lines: list[list[str]], encoding: str = "utf-8") -> Path:
    import csv
    import io

    buf = io.StringIO(newline="")
    csv.writer(buf, lineterminator="\r\n").writerows(lines)
    path.write_bytes(buf.getvalue().encode(encoding))
    return path


def cli_run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    # The interpreter running the tests, never a fixed path or a `python` found on PATH.
    return run_anjuan(*args, cwd=cwd)


# ---------------------------------------------------------------------------------------------
# Parsing the fixture files: the whole result, every field of every row


def test_gbk_csv():
    p = read_catalog(DATA / "gbk.csv")
    assert p.errors == []
    assert (p.format, p.encoding, p.header_row, p.blank_rows) == ("csv", "gb18030", 1, 0)
    assert p.columns == {"agency": "执法机关", "case_no": "案号", "title": "案件名称", "party": "当事人",
                         "kind": "案件类别", "decided_on": "决定日期", "officers": "承办人"}
    assert p.extra_columns == ["备注"]
    assert p.rows == [
        CatalogRow(2, SCJG, "安市监罚〔2023〕1号", "某超市销售过期食品案", "安溪县某某超市", "行政处罚",
                   "2023-07-06", "张三、李四", {}),
        CatalogRow(3, SCJG, "安市监罚〔2023〕2号", "某公司虚假宣传案", "福建某某（集团）有限公司", "行政处罚",
                   "2023-08-15", "王五、赵六", {"备注": "已结案"}),
        CatalogRow(4, SCJG, "安市监强〔2023〕1号", "查封某仓库", "陈某某", "行政强制", "2023-09-01", "张三、李四", {}),
        CatalogRow(5, SCJG, "安市监许〔2023〕7号", "食品经营许可", "林某某", "行政许可", "2023-10-20", "", {}),
    ]
    assert len(p.sha256) == 64


def test_utf8_bom_csv_with_title_rows_and_agency_option():
    p = read_catalog(DATA / "utf8_bom.csv", agency=JT)
    assert p.errors == []
    assert (p.encoding, p.header_row, p.blank_rows) == ("utf-8-sig", 3, 2)  # row 5 empty, row 7 only 序号
    assert p.columns == {"case_no": "案卷号*", "title": "案由", "party": "行政相对人", "kind": "执法类别",
                         "decided_on": "作出决定日期"}
    assert p.extra_columns == ["罚没金额（元）"]
    assert p.rows == [
        CatalogRow(4, JT, "安交罚〔2023〕 11号", "超限运输", "厦门某某物流有限公司", "行政处罚", "2023-03-02", "",
                   {"罚没金额（元）": "5000"}),
        CatalogRow(6, JT, "安交罚〔2023〕12号", "未取得道路运输经营许可 从事经营", "吴某某", "行政检查",
                   "2023-03-09", "", {}),
        CatalogRow(8, JT, "AJ-2023-003", "巡游出租车检查", "泉州某出租车公司", "行政检查", None, "",
                   {"罚没金额（元）": "1200"}),
    ]


def test_gb18030_csv_with_characters_outside_gbk():
    raw = (DATA / "gb18030.csv").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("gbk")  # really needs GB18030
    p = read_catalog(DATA / "gb18030.csv")
    assert p.errors == []
    assert p.encoding == "gb18030"
    assert p.rows == [
        CatalogRow(2, CG, "安城管罚〔2023〕5号", "占道经营", "𠮷野家餐饮店", "行政处罚", "2023-11-30", "䶮某某", {}),
        CatalogRow(3, CG, "安城管罚〔2023〕6号", "违规设置户外广告", "李某某", "行政处罚", "2023-12-01", "䶮某某", {}),
    ]


def test_xlsx_with_merged_title_rows_and_date_cells():
    p = read_catalog(DATA / "merged_title.xlsx")
    assert p.errors == []
    assert (p.format, p.encoding, p.header_row, p.blank_rows) == ("xlsx", None, 3, 0)
    assert p.columns == {"agency": "执法部门", "case_no": "处罚决定书文号", "title": "案件名称", "party": "当事人",
                         "kind": "执法类型", "decided_on": "决定日期", "officers": "执法人员"}
    assert p.rows == [
        CatalogRow(4, YJ, "(安)应急罚〔2023〕1号", "某矿业公司未按规定开展安全培训案", "安溪某某矿业有限公司",
                   "行政处罚", "2023-04-18", "郑某、黄某", {"罚款金额": "20000"}),
        CatalogRow(5, YJ, "(安)应急罚〔2023〕2号", "某烟花爆竹店超量储存案", "安溪县某某烟花爆竹店",
                   "行政处罚", "2023-06-30", "郑某、黄某", {"罚款金额": "3500.5"}),
        CatalogRow(6, YJ, "(安)应急强〔2023〕1号", "查封某化工仓库", "安溪某某化工有限公司", "行政强制",
                   "2023-10-01", "黄某", {}),
    ]


# ---------------------------------------------------------------------------------------------
# Errors: file, row, column (header and letter), value, what was expected

DATE_HINT = "应为 2021-07-06、2021/7/6、2021.7.6、2021年7月6日 或 20210706 这样的日期"


def test_every_row_error_is_reported_with_its_location():
    p = read_catalog(DATA / "every_error.csv")
    f = "every_error.csv"
    assert p.errors == [
        ImportProblem(f, "案号为空，每条案卷都必须填写案号", 3, "案号", "C", ""),
        ImportProblem(f, "执法机关为空，应填写作出决定的执法机关名称（或用 --agency 指定）", 4, "执法机关", "B", ""),
        ImportProblem(f, f"“2023-13-01”不是有效的日期，{DATE_HINT}", 5, "决定日期", "E", "2023-13-01"),
        ImportProblem(f, f"“去年五月”不是有效的日期，{DATE_HINT}", 6, "决定日期", "E", "去年五月"),
        ImportProblem(f, f"案号“安市监罚〔2023〕1号”与第2行重复（同一执法机关“{SCJG}”的案号不能重复）",
                      7, "案号", "C", "安市监罚〔2023〕1号"),
    ]
    assert [str(e) for e in p.errors] == [
        "every_error.csv 第3行 案号（C列）：案号为空，每条案卷都必须填写案号",
        "every_error.csv 第4行 执法机关（B列）：执法机关为空，应填写作出决定的执法机关名称（或用 --agency 指定）",
        f"every_error.csv 第5行 决定日期（E列）：“2023-13-01”不是有效的日期，{DATE_HINT}",
        f"every_error.csv 第6行 决定日期（E列）：“去年五月”不是有效的日期，{DATE_HINT}",
        f"every_error.csv 第7行 案号（C列）：案号“安市监罚〔2023〕1号”与第2行重复（同一执法机关“{SCJG}”的案号不能重复）",
    ]
    # The same case number at another agency is fine; the good rows are still parsed.
    assert [(r.source_row, r.agency, r.case_no) for r in p.rows] == [
        (2, SCJG, "安市监罚〔2023〕1号"), (8, "安溪县公安局", "安市监罚〔2023〕1号")]


def test_agency_option_fills_blank_agency_cells():
    p = read_catalog(DATA / "every_error.csv", agency="安溪县某某局")
    assert not any("执法机关为空" in e.message for e in p.errors)
    assert (4, "安溪县某某局", "安市监罚〔2023〕3号") in [(r.source_row, r.agency, r.case_no) for r in p.rows]
    # ... while a filled agency column wins over --agency
    assert (2, SCJG, "安市监罚〔2023〕1号") in [(r.source_row, r.agency, r.case_no) for r in p.rows]


def test_missing_required_columns():
    p = read_catalog(DATA / "missing_column.csv")
    assert p.rows == []
    assert [str(e) for e in p.errors] == [
        "missing_column.csv 第1行 表头：缺少必需的“案号”列（也可以叫：处罚决定书文号、行政处罚决定书文号、决定书文号、决定文书号、案卷号、文号、文书号、案件编号）。"
        "表头中现有的列：序号、单位、案件名称、当事人",
        "missing_column.csv 第1行 表头：缺少“执法机关”列（也可以叫：执法机关名称、执法单位、执法主体、实施机关、实施主体、单位名称、执法部门、办案单位），"
        "请在表中增加该列，或用 --agency 指定本文件所属的执法机关。表头中现有的列：序号、单位、案件名称、当事人",
    ]
    # Without an agency column, --agency is required.
    p = read_catalog(DATA / "utf8_bom.csv")
    assert p.rows == []
    assert len(p.errors) == 1 and str(p.errors[0]).startswith("utf8_bom.csv 第3行 表头：缺少“执法机关”列")


def test_pdf_renamed_xlsx_is_not_a_spreadsheet():
    p = read_catalog(DATA / "not_a_spreadsheet.xlsx")
    assert p.rows == []
    assert [str(e) for e in p.errors] == [
        "not_a_spreadsheet.xlsx：这是 PDF 文件，不是电子表格。请提供 Excel（.xlsx/.xls）或 CSV 格式的案卷目录"]


def test_other_files_that_are_not_spreadsheets(tmp_path):
    binary = tmp_path / "目录.xlsx"
    binary.write_bytes(bytes(range(256)) * 4)
    zipped = tmp_path / "压缩包.xlsx"
    with zipfile.ZipFile(zipped, "w") as z:
        z.writestr("readme.txt", "not a workbook")
    word = tmp_path / "目录.docx"
    word.write_bytes(b"PK\x03\x04whatever")
    binary_csv = tmp_path / "目录.csv"
    binary_csv.write_bytes(b"\x00\x01\x02" * 100)
    empty = tmp_path / "空.csv"
    empty.write_bytes(b"")
    no_header = write_csv(tmp_path / "无表头.csv", [["甲", "乙"], ["1", "2"]])
    messages = {p.name: [str(e) for e in read_catalog(p).errors] for p in
                (binary, zipped, word, binary_csv, empty, no_header)}
    assert messages["目录.xlsx"] == [
        "目录.xlsx：不是有效的 Excel 文件（扩展名为 .xlsx，但内容不是 Excel 格式，可能已损坏或是改了扩展名的其他文件）。"
        "请用 Excel 打开后另存为 .xlsx 再导入"]
    assert len(messages["压缩包.xlsx"]) == 1 and messages["压缩包.xlsx"][0].startswith("压缩包.xlsx：文件已损坏或不是真正的 Excel 文件")
    assert messages["目录.docx"] == ["目录.docx：不支持的文件类型“.docx”，案卷目录应为 Excel（.xlsx/.xls）或 CSV（.csv）文件"]
    assert messages["目录.csv"] == ["目录.csv：不是文本格式的 CSV 文件（含有二进制内容），请提供 Excel 或 CSV 格式的案卷目录"]
    assert messages["空.csv"] == ["空.csv：文件中没有任何内容"]
    assert messages["无表头.csv"] == [
        "无表头.csv：在前20行中找不到表头（应有“案号”“执法机关”“案件名称”“决定日期”等列名）。"
        "请确认这是案卷目录，并且表头行写有这些列名"]


def test_missing_file(tmp_path):
    p = read_catalog(tmp_path / "没有.xlsx")
    assert [e.message for e in p.errors] == [f"找不到文件 {tmp_path / '没有.xlsx'}，请检查路径"]


# ---------------------------------------------------------------------------------------------
# Header detection and normalisation


@pytest.mark.parametrize("header,field", [
    ("案号", "case_no"), ("案卷号", "case_no"), ("文号", "case_no"), ("决定书文号", "case_no"),
    ("处罚决定书文号", "case_no"), ("案件编号", "case_no"), ("案 号", "case_no"), ("案\n号*", "case_no"),
    ("＊案号", "case_no"), ("案号（必填）", "case_no"), ("案号：", "case_no"), ("　案号　", "case_no"),
    ("执法机关", "agency"), ("执法单位", "agency"), ("单位名称", "agency"), ("实施机关", "agency"),
    ("执法部门", "agency"), ("案件名称", "title"), ("案由", "title"), ("当事人", "party"),
    ("行政相对人", "party"), ("当事人名称", "party"), ("案件类别", "kind"), ("执法类别", "kind"),
    ("案件类型", "kind"), ("执法类型", "kind"), ("决定日期", "decided_on"), ("结案日期", "decided_on"),
    ("处罚日期", "decided_on"), ("作出决定日期", "decided_on"), ("承办人", "officers"),
    ("执法人员", "officers"), ("办案人员", "officers"),
])
def test_header_names(tmp_path, header, field):
    others = [h for f, h in (("case_no", "案号"), ("agency", "执法机关")) if f != field]
    value = "2023-07-06" if field == "decided_on" else "X1"
    path = write_csv(tmp_path / "h.csv", [["标题行：2023年度案卷目录"], [header, *others, "备注"],
                                          [value, *(["Y1"] * len(others)), "Z"]])
    p = read_catalog(path)
    assert p.errors == [] and p.header_row == 2
    assert p.columns[field] == " ".join("".join(header.splitlines()).split())
    assert p.extra_columns == ["备注"]


def test_header_under_several_title_rows_and_serial_column(tmp_path):
    path = write_csv(tmp_path / "t.csv", [
        ["安溪县2023年度行政处罚案卷目录"], ["填报单位：安溪县林业局", "", "填报日期：2024年1月5日"], [],
        ["序号", "案号", "执法机关", "当事人", "", "说明", "说明"],
        ["1", "安林罚〔2023〕1号", "安溪县林业局", "苏某某", "x", "甲", "乙"],
        ["2", "", "", "", "", "", ""],
    ])
    p = read_catalog(path)
    assert p.errors == [] and p.header_row == 4 and p.blank_rows == 1
    assert p.extra_columns == ["E列", "说明", "说明（G列）"]
    # No 案件类别 column: the kind is read off the 罚 in the case number.
    assert p.rows == [CatalogRow(5, "安溪县林业局", "安林罚〔2023〕1号", "", "苏某某", "行政处罚", None, "",
                                 {"E列": "x", "说明": "甲", "说明（G列）": "乙"})]


def test_two_case_number_columns_most_specific_wins(tmp_path):
    path = write_csv(tmp_path / "t.csv", [["案卷号", "决定书文号", "执法机关"], ["档-001", "安林罚〔2023〕1号", "林业局"]])
    p = read_catalog(path)
    assert p.columns["case_no"] == "决定书文号"
    assert p.rows[0].case_no == "安林罚〔2023〕1号" and p.rows[0].extra == {"案卷号": "档-001"}


def test_tab_separated_utf16_text(tmp_path):
    path = tmp_path / "unicode.txt"
    path.write_bytes("案号\t执法机关\t决定日期\r\n安林罚〔2023〕1号\t林业局\t2023年7月6日\r\n".encode("utf-16"))
    p = read_catalog(path)
    assert p.errors == [] and p.encoding == "utf-16"
    assert [(r.case_no, r.agency, r.decided_on) for r in p.rows] == [("安林罚〔2023〕1号", "林业局", "2023-07-06")]


def test_normalisation():
    assert ci.clean_code("  安市监罚〔２０２３〕　１２号 ") == "安市监罚〔2023〕 12号"
    assert ci.clean_code("（安）应急罚〔2023〕1号") == "(安)应急罚〔2023〕1号"
    assert ci.clean_code("ＡＢ－１２３\u200b") == "AB-123"
    assert ci.clean_text("福建某某（集团）有限公司，  分公司\n二部") == "福建某某（集团）有限公司， 分公司 二部"
    assert ci.clean_text("我局：\t依法查处！") == "我局： 依法查处！"
    assert [ci.normalise_kind(k) for k in ("处罚", "许可", "强制", "检查", "行政裁决", "行政处罚")] == [
        "行政处罚", "行政许可", "行政强制", "行政检查", "行政裁决", "行政处罚"]
    assert [ci.column_letter(i) for i in (0, 25, 26, 27, 51, 52, 701, 702)] == [
        "A", "Z", "AA", "AB", "AZ", "BA", "ZZ", "AAA"]


@pytest.mark.parametrize("value,expected", [
    ("2021-07-06", "2021-07-06"), ("2021/7/6", "2021-07-06"), ("2021.7.6", "2021-07-06"),
    ("2021年7月6日", "2021-07-06"), ("2021年07月06日", "2021-07-06"), ("20210706", "2021-07-06"),
    ("２０２１－０７－０６", "2021-07-06"), (" 2021-7-6 ", "2021-07-06"), ("2021-07-06 00:00:00", "2021-07-06"),
    ("2021/7/6 14:30", "2021-07-06"), ("44383", "2021-07-06"), (44383, "2021-07-06"), (44383.75, "2021-07-06"),
    (20210706, "2021-07-06"), ("2024-02-29", "2024-02-29"),
    ("2023-02-29", None), ("2021-13-01", None), ("2021/7", None), ("去年", None), ("7/6/2021", None),
    ("", None), (5, None), ("99999999", None), (True, None),
])
def test_parse_date(value, expected):
    assert parse_date(value) == expected


def test_parse_date_cells():
    from datetime import date, datetime

    assert parse_date(date(2021, 7, 6)) == "2021-07-06"
    assert parse_date(datetime(2021, 7, 6, 23, 59)) == "2021-07-06"


def test_multi_sheet_workbook(tmp_path):
    import xlsxwriter

    path = tmp_path / "多表.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    for name, prefix in (("处罚", "罚"), ("许可", "许")):
        ws = wb.add_worksheet(name)
        ws.write_row(0, 0, ["执法机关", "案号", "案件类别"])
        ws.write_row(1, 0, ["安溪县林业局", f"安林{prefix}〔2023〕1号", name])
        ws.write_row(2, 0, ["安溪县林业局", "安林罚〔2023〕1号" if name == "许可" else "安林罚〔2023〕2号", name])
    notes = wb.add_worksheet("说明")
    notes.write(0, 0, "填表说明：每行一个案卷")
    hidden = wb.add_worksheet("隐藏")
    hidden.write_row(0, 0, ["执法机关", "案号"])
    hidden.write_row(1, 0, ["安溪县林业局", "隐藏〔2023〕1号"])
    hidden.hide()
    wb.close()
    p = read_catalog(path)
    assert [(r.sheet, r.source_row, r.case_no, r.kind) for r in p.rows] == [
        ("处罚", 2, "安林罚〔2023〕1号", "行政处罚"), ("处罚", 3, "安林罚〔2023〕2号", "行政处罚"),
        ("许可", 2, "安林许〔2023〕1号", "行政许可")]
    # A catalog on a hidden sheet is not skipped in silence (issue 13): it is an error.
    assert [str(e) for e in p.errors] == [
        "多表.xlsx 工作表“隐藏”：这是隐藏的工作表，其中有 1 行案卷记录。隐藏工作表不会被略过：如需导入，"
        "请在 Excel 中取消隐藏；如不需要，请删除该工作表，再重新导入",
        "多表.xlsx 工作表“许可” 第3行 案号（B列）：案号“安林罚〔2023〕1号”与工作表“处罚”第2行重复"
        "（同一执法机关“安溪县林业局”的案号不能重复）"]


# ---------------------------------------------------------------------------------------------
# Importing into a campaign database


def test_import_writes_agencies_batches_and_rows(db):
    files = [DATA / "gbk.csv", DATA / "gb18030.csv", DATA / "merged_title.xlsx"]
    before = table_counts(db)
    report = import_catalogs(db, files)
    assert report.errors == [] and not report.dry_run
    assert report.total_rows == 9 and report.new_agencies == 3
    assert [(a.name, a.rows, a.new) for a in report.agencies] == [(SCJG, 4, True), (CG, 2, True), (YJ, 3, True)]
    assert [(f.file_name, f.rows, f.format) for f in report.files] == [
        ("gbk.csv", 4, "csv"), ("gb18030.csv", 2, "csv"), ("merged_title.xlsx", 3, "xlsx")]
    after = table_counts(db)
    assert after["agency"] == before["agency"] + 3
    assert after["import_batch"] == before["import_batch"] + 3
    assert after["case_file"] == before["case_file"] + 9

    a, c, b = m.Agency.__table__, m.CaseFile.__table__, m.ImportBatch.__table__
    with db.engine.connect() as conn:
        batches = {r.file_name: r for r in conn.execute(select(b))}
        got = conn.execute(
            select(a.c.name, c.c.case_no, c.c.title, c.c.party, c.c.kind, c.c.decided_on, c.c.officers,
                   c.c.source_file, c.c.source_row, c.c.extra, c.c.import_id, c.c.id)
            .join(a, a.c.id == c.c.agency_id).order_by(c.c.source_file, c.c.source_row)).all()
    import hashlib

    for f in files:
        assert batches[f.name].sha256 == hashlib.sha256(f.read_bytes()).hexdigest()
    assert {n: r.rows for n, r in batches.items()} == {"gbk.csv": 4, "gb18030.csv": 2, "merged_title.xlsx": 3}
    assert [tuple(r[:10]) for r in got] == [
        (CG, "安城管罚〔2023〕5号", "占道经营", "𠮷野家餐饮店", "行政处罚", "2023-11-30", "䶮某某", "gb18030.csv", 2, "{}"),
        (CG, "安城管罚〔2023〕6号", "违规设置户外广告", "李某某", "行政处罚", "2023-12-01", "䶮某某", "gb18030.csv", 3, "{}"),
        (SCJG, "安市监罚〔2023〕1号", "某超市销售过期食品案", "安溪县某某超市", "行政处罚", "2023-07-06", "张三、李四", "gbk.csv", 2, "{}"),
        (SCJG, "安市监罚〔2023〕2号", "某公司虚假宣传案", "福建某某（集团）有限公司", "行政处罚", "2023-08-15", "王五、赵六", "gbk.csv", 3,
         '{"备注": "已结案"}'),
        (SCJG, "安市监强〔2023〕1号", "查封某仓库", "陈某某", "行政强制", "2023-09-01", "张三、李四", "gbk.csv", 4, "{}"),
        (SCJG, "安市监许〔2023〕7号", "食品经营许可", "林某某", "行政许可", "2023-10-20", "", "gbk.csv", 5, "{}"),
        (YJ, "(安)应急罚〔2023〕1号", "某矿业公司未按规定开展安全培训案", "安溪某某矿业有限公司", "行政处罚", "2023-04-18", "郑某、黄某",
         "merged_title.xlsx", 4, '{"罚款金额": "20000"}'),
        (YJ, "(安)应急罚〔2023〕2号", "某烟花爆竹店超量储存案", "安溪县某某烟花爆竹店", "行政处罚", "2023-06-30", "郑某、黄某",
         "merged_title.xlsx", 5, '{"罚款金额": "3500.5"}'),
        (YJ, "(安)应急强〔2023〕1号", "查封某化工仓库", "安溪某某化工有限公司", "行政强制", "2023-10-01", "黄某",
         "merged_title.xlsx", 6, "{}"),
    ]
    for r in got:
        assert r.import_id == batches[r.source_file].id
        assert re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}", r.id)
    assert json.loads(got[3].extra) == {"备注": "已结案"}


def test_existing_agency_is_reused(db):
    import_catalogs(db, [DATA / "gbk.csv"])
    report = import_catalogs(db, [DATA / "utf8_bom.csv"], agency=SCJG)
    assert [(a.name, a.rows, a.new) for a in report.agencies] == [(SCJG, 3, False)]
    assert table_counts(db)["agency"] == 1


def test_failed_import_leaves_database_unchanged(db):
    import_catalogs(db, [DATA / "gb18030.csv"])
    before = table_counts(db)
    good = [DATA / "gbk.csv", DATA / "merged_title.xlsx"]
    with pytest.raises(InputError) as info:
        import_catalogs(db, [*good, DATA / "every_error.csv", DATA / "not_a_spreadsheet.xlsx"])
    assert table_counts(db) == before
    err = info.value
    assert err.message == "案卷目录有 7 处错误（涉及 2 个文件），所有文件均未导入。请按下列提示修改后重新导入："
    assert err.details == [
        f"every_error.csv 第2行 案号（C列）：案号“安市监罚〔2023〕1号”与 gbk.csv 第2行重复（同一执法机关“{SCJG}”的案号不能重复）",
        "every_error.csv 第3行 案号（C列）：案号为空，每条案卷都必须填写案号",
        "every_error.csv 第4行 执法机关（B列）：执法机关为空，应填写作出决定的执法机关名称（或用 --agency 指定）",
        f"every_error.csv 第5行 决定日期（E列）：“2023-13-01”不是有效的日期，{DATE_HINT}",
        f"every_error.csv 第6行 决定日期（E列）：“去年五月”不是有效的日期，{DATE_HINT}",
        f"every_error.csv 第7行 案号（C列）：案号“安市监罚〔2023〕1号”与第2行重复（同一执法机关“{SCJG}”的案号不能重复）",
        "not_a_spreadsheet.xlsx：这是 PDF 文件，不是电子表格。请提供 Excel（.xlsx/.xls）或 CSV 格式的案卷目录",
    ]
    # The good files alone import fine afterwards: nothing of them was half-written.
    assert import_catalogs(db, good).total_rows == 7


def test_failure_while_writing_rolls_back_everything(db, monkeypatch):
    before = table_counts(db)
    monkeypatch.setattr(ci, "INSERT_CHUNK", 2)
    calls = []

    def progress(what, done, total):
        calls.append((what, done, total))
        if what == "写入数据库" and done >= 4:
            raise RuntimeError("断电")

    with pytest.raises(RuntimeError):
        import_catalogs(db, [DATA / "gbk.csv", DATA / "merged_title.xlsx"], progress=progress)
    assert ("写入数据库", 4, 7) in calls
    assert table_counts(db) == before


def test_duplicates_across_files_name_both(db, tmp_path):
    a = write_csv(tmp_path / "甲.csv", [["执法机关", "案号"], [SCJG, "安市监罚〔2023〕9号"], [SCJG, "安市监罚〔2023〕10号"]])
    b = write_csv(tmp_path / "乙.csv", [["序号", "执法机关", "案号"], ["1", SCJG, "安市监罚〔２０２３〕１０号"],
                                        ["2", "安溪县公安局", "安市监罚〔2023〕9号"]])
    before = table_counts(db)
    with pytest.raises(InputError) as info:
        import_catalogs(db, [a, b])
    assert info.value.details == [
        f"乙.csv 第2行 案号（C列）：案号“安市监罚〔2023〕10号”与 甲.csv 第3行重复（同一执法机关“{SCJG}”的案号不能重复）"]
    assert table_counts(db) == before


def test_duplicates_against_the_database(db, tmp_path):
    import_catalogs(db, [DATA / "gbk.csv"])
    before = table_counts(db)
    more = write_csv(tmp_path / "补充.csv", [["案号", "执法机关"], ["安市监罚〔2023〕20号", SCJG],
                                           ["安市监罚〔2023〕2号", SCJG], ["安市监罚〔2023〕2号", "安溪县公安局"]])
    with pytest.raises(InputError) as info:
        import_catalogs(db, [more])
    assert info.value.details == [
        f"补充.csv 第3行 案号（A列）：案号“安市监罚〔2023〕2号”已在评查数据库中（此前从 gbk.csv 第3行导入），"
        f"同一执法机关“{SCJG}”的案号不能重复"]
    assert info.value.message.endswith("没有导入任何案卷。请按下列提示修改后重新导入：")
    assert table_counts(db) == before


def test_reimport_is_refused(db, tmp_path):
    import_catalogs(db, [DATA / "gbk.csv"])
    before = table_counts(db)
    with pytest.raises(InputError) as info:
        import_catalogs(db, [DATA / "gbk.csv"])
    [line] = info.value.details
    assert re.fullmatch(r"gbk\.csv：该文件已于 \d{4}-\d{2}-\d{2} \d{2}:\d{2} 导入过，共 4 条案卷，不能重复导入。"
                        r"如需补充案卷，请只把新增的案卷放在一个新文件中导入", line), line
    # Same bytes under another name: still refused, naming the original file.
    copy = tmp_path / "改名.csv"
    shutil.copy(DATA / "gbk.csv", copy)
    with pytest.raises(InputError) as info:
        import_catalogs(db, [copy])
    assert "（当时的文件名为 gbk.csv）" in info.value.details[0]
    assert table_counts(db) == before


def test_same_file_twice_in_one_import(db, tmp_path):
    copy = tmp_path / "副本.csv"
    shutil.copy(DATA / "gbk.csv", copy)
    with pytest.raises(InputError) as info:
        import_catalogs(db, [DATA / "gbk.csv", copy])
    assert info.value.details == ["副本.csv：与本次导入的 gbk.csv 内容完全相同，同一文件只能导入一次"]


def test_dry_run_writes_nothing(db):
    before = table_counts(db)
    report = import_catalogs(db, [DATA / "gbk.csv", DATA / "merged_title.xlsx"], dry_run=True)
    assert report.dry_run and report.errors == [] and report.total_rows == 7
    assert [(a.name, a.rows, a.new) for a in report.agencies] == [(SCJG, 4, True), (YJ, 3, True)]
    assert table_counts(db) == before
    report = import_catalogs(db, [DATA / "merged_title.xlsx", DATA / "every_error.csv"], dry_run=True)
    assert report.total_rows == 5 and len(report.errors) == 5
    assert table_counts(db) == before
    # A dry run does not count as an import.
    assert import_catalogs(db, [DATA / "gbk.csv"]).total_rows == 4


def test_error_list_is_capped_per_file(db, tmp_path):
    lines = [["案号", "执法机关", "决定日期"]] + [[f"X{i}", SCJG, "无日期"] for i in range(60)]
    bad = write_csv(tmp_path / "很多错误.csv", lines)
    with pytest.raises(InputError) as info:
        import_catalogs(db, [bad, DATA / "every_error.csv"])
    details = info.value.details
    assert info.value.message.startswith("案卷目录有 65 处错误（涉及 2 个文件）")
    assert len(details) == 50 + 1 + 5
    assert details[0] == f"很多错误.csv 第2行 决定日期（C列）：“无日期”不是有效的日期，{DATE_HINT}"
    assert details[49].startswith("很多错误.csv 第51行 ")
    assert details[50] == "很多错误.csv：还有 10 处错误未列出"
    assert details[51].startswith("every_error.csv 第3行")


def test_large_file_progress_and_chunks(db, tmp_path, monkeypatch):
    monkeypatch.setattr(ci, "INSERT_CHUNK", 4000)
    n = 12_345
    lines = [["序号", "执法机关", "案号", "决定日期"]] + [
        [str(i), f"第{i % 7}局", f"罚〔2023〕{i}号", f"2023/{i % 12 + 1}/{i % 28 + 1}"] for i in range(n)]
    big = write_csv(tmp_path / "大.csv", lines)
    calls = []
    report = import_catalogs(db, [big], progress=lambda *a: calls.append(a))
    assert report.total_rows == n and len(report.agencies) == 7
    assert [c for c in calls if c[0] == "大.csv"] == [("大.csv", 5000, n), ("大.csv", 10000, n), ("大.csv", n, n)]
    assert [c for c in calls if c[0] == "写入数据库"] == [
        ("写入数据库", 4000, n), ("写入数据库", 8000, n), ("写入数据库", 12000, n), ("写入数据库", n, n)]
    with db.engine.connect() as conn:
        c = m.CaseFile.__table__
        assert conn.execute(select(func.count(func.distinct(c.c.id)))).scalar_one() == n
        assert conn.execute(select(c.c.decided_on).where(c.c.source_row == 2)).scalar_one() == "2023-01-01"


# ---------------------------------------------------------------------------------------------
# CLI


def test_cli_import_and_dry_run(tmp_path, new_target):
    target = new_target()
    make_campaign(target).close()
    r = cli_run("import", str(target), str(DATA / "gbk.csv"), str(DATA / "utf8_bom.csv"), "--agency", JT, "--dry-run")
    assert r.returncode == 0, r.stderr
    assert "试导入结果（未写入数据库）" in r.stdout and "检查通过，未写入数据库" in r.stdout
    assert "可导入 2 个文件，共 7 条案卷，涉及 2 个执法机关。" in r.stdout
    assert "utf8_bom.csv：3 条（UTF-8 编码，跳过无案号的空行或表尾 2 行）" in r.stdout

    r = cli_run("import", str(target), str(DATA / "gbk.csv"), str(DATA / "utf8_bom.csv"), "--agency", JT)
    assert r.returncode == 0, r.stderr
    assert "已导入 2 个文件，共 7 条案卷，涉及 2 个执法机关。" in r.stdout
    assert SCJG in r.stdout and JT in r.stdout and "新增执法机关 2 个" in r.stdout


def test_cli_errors_exit_1_with_one_line_error(tmp_path, new_target):
    target = new_target()
    make_campaign(target).close()
    r = cli_run("import", str(target), str(DATA / "merged_title.xlsx"), str(DATA / "every_error.csv"))
    assert r.returncode == 1
    assert "Traceback" not in r.stderr
    lines = r.stderr.splitlines()
    assert lines[0] == "错误：案卷目录有 5 处错误（涉及 1 个文件），所有文件均未导入。请按下列提示修改后重新导入："
    assert lines[1:] == [f"  - {d}" for d in read_catalog_errors(DATA / "every_error.csv")]
    db = make_campaign_reader(target)
    assert table_counts(db)["case_file"] == 0
    db.engine.dispose()

    r = cli_run("import", str(target), str(DATA / "not_a_spreadsheet.xlsx"))
    assert r.returncode == 1 and "Traceback" not in r.stderr
    assert r.stderr.splitlines() == [
        "错误：案卷目录有 1 处错误（涉及 1 个文件），没有导入任何案卷。请按下列提示修改后重新导入：",
        "  - not_a_spreadsheet.xlsx：这是 PDF 文件，不是电子表格。请提供 Excel（.xlsx/.xls）或 CSV 格式的案卷目录"]

    # dry run with errors: table on stdout, errors on stderr, exit 1, nothing written
    r = cli_run("import", str(target), str(DATA / "merged_title.xlsx"), str(DATA / "every_error.csv"), "--dry-run")
    assert r.returncode == 1
    assert "检查结果（有错误，未写入数据库；下表只统计无误的文件）" in r.stdout
    assert "every_error.csv：有 5 处错误，见下方" in r.stdout and "可导入" not in r.stdout
    assert "以下列不是标准列名，内容已原样保存：罚款金额" in r.stdout
    assert r.stderr.splitlines()[0].startswith("错误：案卷目录有 5 处错误（涉及 1 个文件），以上为试导入结果")
    db = make_campaign_reader(target)
    assert table_counts(db)["case_file"] == 0
    db.engine.dispose()


def test_cli_missing_database(tmp_path):
    r = cli_run("import", str(tmp_path / "无.db"), str(DATA / "gbk.csv"))
    assert r.returncode == 1
    assert r.stderr.startswith("错误：找不到数据库文件") and r.stderr.count("\n") == 1


def test_cli_runner_registration(tmp_path, new_target):
    target = new_target()
    make_campaign(target).close()
    result = CliRunner().invoke(cli, ["import", str(target), str(DATA / "merged_title.xlsx")])
    assert result.exit_code == 0, result.output
    assert "已导入 1 个文件，共 3 条案卷" in result.output
    result = CliRunner().invoke(cli, ["import", str(target), str(DATA / "merged_title.xlsx")])
    assert result.exit_code == 1 and isinstance(result.exception, InputError)


def read_catalog_errors(path: Path) -> list[str]:
    return [str(e) for e in read_catalog(path).errors]


def make_campaign_reader(path: Path):
    from anjuan.db import open_database

    return open_database(path)


def test_common_header_variants_and_kind_inference(tmp_path):
    # Headers as some agencies write them: 类别, 处罚决定日期, 承办人员, 执法主体.
    path = write_csv(tmp_path / "v.csv", [
        ["交通运输局2024年度行政处罚案卷目录"],
        ["序号", "文书号", "执法主体", "案由", "当事人姓名", "类别", "处罚决定日期", "承办人员"],
        ["1", "安交罚〔2024〕3号", "安溪县交通运输局", "超限运输案", "张三", "处罚", "2024年5月6日", "甲、乙"],
        ["2", "安交罚〔2024〕4号", "安溪县交通运输局", "非法营运案", "李四", "", "2024.5.7", "丙、丁"],
        ["3", "安交〔2024〕5号", "安溪县交通运输局", "拒载案", "王五", "", "2024/5/8", ""],
    ])
    p = ci.read_catalog(path)
    assert not p.errors
    assert [(r.case_no, r.kind, r.decided_on, r.officers) for r in p.rows] == [
        ("安交罚〔2024〕3号", "行政处罚", "2024-05-06", "甲、乙"),
        ("安交罚〔2024〕4号", "行政处罚", "2024-05-07", "丙、丁"),   # from 罚 in the 案号
        ("安交〔2024〕5号", "行政处罚", "2024-05-08", ""),           # from the title row
    ]
    assert (p.inferred_kinds, p.missing_kinds, p.extra_columns) == (2, 0, [])
    bad = write_csv(tmp_path / "d.csv", [["案号", "执法机关", "处罚决定日期"], ["安交罚〔2024〕9号", "交通局", "2024年5月"]])
    assert "不是有效的日期" in ci.read_catalog(bad).errors[0].message
