# ruff: noqa: F811  (pytest fixtures imported from test_answers_io are used as arguments)
"""QA findings on input checks: unknown 案件类别, CSV rows wider than their header, formulas
without a saved result, and internal or English errors where a one-line Chinese message belongs.
Every refusal is one line starting with 错误：, exit 1, and nothing written."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import openpyxl
import pytest
from anjuan_cli import run_anjuan

from tests.test_answers_io import (  # noqa: F401  (fixtures)
    camp,
    db,
    files_of,
    full_rows,
    snapshot,
    template,
    write_csv,
)
from tests.test_bad_input import HEADER, case_count, catalog_rows, csv_bytes


def run_cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return run_anjuan(*args, cwd=cwd)


def assert_refused(proc: subprocess.CompletedProcess, *needles: str) -> str:
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr and "内部错误" not in proc.stderr, proc.stderr
    first = proc.stderr.strip().splitlines()[0]
    assert first.startswith("错误："), proc.stderr
    for n in needles:
        assert n in proc.stderr, proc.stderr
    return proc.stderr


# ---------------------------------------------------------------------------------------------
# 1. 案件类别 outside the standard


@pytest.mark.parametrize("kind", ["行政处罚决定", "一般程序", "行政征收", "外星类别", "12345"])
def test_unknown_kind_is_refused(campaign, tmp_path, kind):
    rows = [HEADER, *catalog_rows(3)]
    rows[2][5] = kind
    path = tmp_path / "目录.csv"
    path.write_bytes(csv_bytes(rows))
    target = campaign.target
    campaign.close()
    err = assert_refused(run_cli("import", target, str(path)),
                         f"目录.csv 第3行 案件类别（F列）：案件类别“{kind}”不在评查标准",
                         "应为：行政处罚、行政许可、行政强制、行政检查")
    assert "没有导入任何案卷" in err
    from anjuan.db import open_database

    db2 = open_database(target)
    try:
        assert case_count(db2) == 0
    finally:
        db2.close()


def test_short_and_blank_kinds_still_import(campaign, tmp_path):
    from sqlalchemy import select

    from anjuan import models as m
    from anjuan.prepare.catalog_import import import_catalogs

    rows = [HEADER, *catalog_rows(3)]
    rows[1][5] = "处罚"
    rows[2][5] = ""          # inferred from 测罚〔2024〕2号
    rows[3][5] = "行政检查"
    path = tmp_path / "目录.csv"
    path.write_bytes(csv_bytes(rows))
    report = import_catalogs(campaign, [path])
    assert report.total_rows == 3 and report.files[0].inferred_kinds == 1
    with campaign.engine.connect() as conn:
        kinds = dict(conn.execute(select(m.CaseFile.case_no, m.CaseFile.kind)).all())
    assert kinds == {"测罚〔2024〕1号": "行政处罚", "测罚〔2024〕2号": "行政处罚", "测罚〔2024〕3号": "行政检查"}


# ---------------------------------------------------------------------------------------------
# 2. A CSV answer row with more fields than the header


def test_answer_row_wider_than_header_is_refused(db, camp, tmp_path):
    case = files_of(db, "张三")[0]
    rows = full_rows(db, case)
    rows[1] = [case[1], case[0], rows[1][2], "扣分", "1", "5", "委托书缺失", "第3页"]  # "1,5" unquoted
    path = write_csv(tmp_path / "结论.csv", rows)
    before = snapshot(db)
    db.close()
    assert_refused(run_cli("answers", "import", str(camp), str(path), "--reviewer", "张三"),
                   "结论.csv 第3行 H列", "“第3页”", "表头只有 7 列")
    from anjuan.db import open_database

    again = open_database(camp)
    try:
        assert snapshot(again) == before
    finally:
        again.close()


# ---------------------------------------------------------------------------------------------
# 3. Formulas whose result was never calculated (openpyxl and similar tools write <v></v>)


def test_catalog_formula_without_result_names_the_cell(campaign, tmp_path):
    path = tmp_path / "公式目录.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(HEADER)
    for r in catalog_rows(3):
        ws.append(r)
    ws["C3"] = '="测罚〔2024〕"&A3&"号"'
    wb.save(path)
    target = campaign.target
    campaign.close()
    err = assert_refused(run_cli("import", target, str(path)),
                         "公式目录.xlsx 第3行 案号（C列）：这是公式，但文件中没有保存公式的计算结果")
    assert "案号为空" not in err


def test_answer_formula_without_result_names_the_cell(db, camp, tmp_path):
    case = files_of(db, "张三")[0]
    rows = full_rows(db, case)
    rows[0][3] = "扣分"
    path = tmp_path / "结论.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["案号", "执法机关", "条目编号", "结论", "扣分", "问题描述", "卷内页码"])
    for r in rows:
        ws.append(r)
    ws["E2"] = "=2+3"
    wb.save(path)
    before = snapshot(db)
    db.close()
    err = assert_refused(run_cli("answers", "import", str(camp), str(path), "--reviewer", "张三"),
                         "结论.xlsx 第2行 E列是公式，但文件中没有保存计算结果")
    assert "须填写扣分分值" not in err
    from anjuan.db import open_database

    again = open_database(camp)
    try:
        assert snapshot(again) == before
    finally:
        again.close()


# ---------------------------------------------------------------------------------------------
# 4. Folders and unreadable templates are messages, not internal errors


@pytest.mark.parametrize("args", [
    ("standard", "check", "{dir}"),
    ("standard", "show", "{dir}"),
    ("standard", "diff", "{dir}", "default"),
    ("init", "{tmp}/x.db", "--name", "x", "--standard", "{dir}"),
])
def test_folder_as_standard_is_a_message(tmp_path, args):
    folder = tmp_path / "标准目录"
    folder.mkdir()
    argv = [a.format(dir=folder, tmp=tmp_path) for a in args]
    assert_refused(run_cli(*argv), f"{folder} 是文件夹，不是评查标准文件")
    assert not (tmp_path / "x.db").exists()


@pytest.fixture(scope="module")
def report_campaign(tmp_path_factory) -> Path:
    from tests.test_reports import make_campaign

    return make_campaign(tmp_path_factory.mktemp("camp") / "c.db")


def test_template_not_utf8_is_a_message(report_campaign, tmp_path):
    tdir = tmp_path / "模板"
    tdir.mkdir()
    (tdir / "bulletin.md.j2").write_bytes("自定义通报 {{ data.overall.mean }}\n".encode("gbk"))
    out = tmp_path / "out"
    assert_refused(run_cli("report", str(report_campaign), "-o", str(out), "--format", "md", "--templates", str(tdir)),
                   f"模板 {tdir / 'bulletin.md.j2'} 不是 UTF-8 编码的文本")
    assert not any(out.rglob("*.md"))


@pytest.mark.parametrize(("text", "said"), [
    ("第一行\n{% if %}\n", "第2行有错误：此处缺少表达式"),
    ("第一行\n{% for a in data.agencies %}\n{{ a.name }}\n", "第3行有错误：模板在结束标签之前就结束了（缺少 endfor 或 else）"),
    ("第一行\n第二行\n{{ no_such_name }}\n", "第3行有错误：变量“no_such_name”没有定义（'no_such_name' is undefined）"),
    ("{{ data.no_such_field }}\n", "第1行有错误：BulletinData 对象没有属性“no_such_field”"),
])
def test_template_errors_are_chinese_with_file_and_line(report_campaign, tmp_path, text, said):
    tdir = tmp_path / "模板"
    tdir.mkdir()
    (tdir / "bulletin.md.j2").write_text(text, encoding="utf-8")
    err = assert_refused(run_cli("report", str(report_campaign), "-o", str(tmp_path / "out"), "--format", "md",
                                 "--templates", str(tdir)),
                         f"模板 {tdir / 'bulletin.md.j2'} {said}")
    assert len(err.strip().splitlines()) == 1


# ---------------------------------------------------------------------------------------------
# 5. English or misleading messages


def test_damaged_xlsx_is_described_in_chinese(campaign, tmp_path):
    path = tmp_path / "pk.xlsx"
    path.write_bytes(b"PK\x03\x04garbage")
    target = campaign.target
    campaign.close()
    err = assert_refused(run_cli("import", target, str(path)), "pk.xlsx：文件已损坏或不是真正的 Excel 文件")
    assert "Cannot" not in err


@pytest.mark.parametrize(("text", "said"), [
    ("x = \n", "第1行：TOML 语法错误（第5列）：值的写法不正确"),
    ('id = "a"\nname = "b\n', "第2行：TOML 语法错误（第10列）：字符串缺少结尾的英文双引号"),
    ("id = 1\nid = 2\n", "第2行：TOML 语法错误（第7列）：重复赋值"),
    ("kinds = [1, 2\n", "第1行：TOML 语法错误（文件末尾）：列表缺少结尾的“]”"),
])
def test_toml_syntax_errors_are_chinese(tmp_path, text, said):
    path = tmp_path / "bad.toml"
    path.write_text(text, encoding="utf-8")
    proc = run_cli("standard", "check", str(path))
    assert_refused(proc, said)
    assert not re.search("[A-Za-z]{4,} [a-z]{3,}", proc.stderr.replace(str(path), ""))


def test_empty_database_path_is_refused(tmp_path):
    assert_refused(run_cli("init", "", "--name", "x", cwd=tmp_path), "数据库文件名为空")
    assert list(tmp_path.iterdir()) == []


def test_no_arguments_prints_help():
    proc = run_cli()
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("用法：anjuan") and "错误" not in proc.stdout + proc.stderr


def test_word_template_placeholder_error_is_chinese(report_campaign, tmp_path):
    import docx

    path = tmp_path / "红头.docx"
    doc = docx.Document()
    doc.add_paragraph("{{p body }}")
    doc.add_paragraph("{% for a in x %}")
    doc.save(str(path))
    out = tmp_path / "out"
    assert_refused(run_cli("report", str(report_campaign), "-o", str(out), "--format", "docx",
                           "--word-template", str(path)),
                   "Word 模板 红头.docx 的占位符有错误：模板在结束标签之前就结束了（缺少 endfor 或 else）")
