"""Fuzz tests (hypothesis) over catalog bytes, answer sheets and reviewer packages (issue 13).

Each runs FUZZ_EXAMPLES cases (500 by default; ANJUAN_FUZZ_EXAMPLES overrides) in-process on
small inputs. What must hold for every input:
* no exception but the user-facing ones (InputError / AnjuanError): no traceback;
* no silent loss: a catalog read without errors accounts for every record under its header,
  and a well-formed one yields exactly the rows written; an answer sheet imported without errors
  wrote or confirmed every row it read;
* a refused merge leaves the campaign unchanged.
"""

from __future__ import annotations

import csv
import io
import os
import random
import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from anjuan.errors import AnjuanError, InputError
from anjuan.prepare.catalog_read import ParsedCatalog
from anjuan.prepare.catalog_validate import _parse_bytes, clean_code
from anjuan.tables import normalise_case_no

FUZZ_EXAMPLES = int(os.environ.get("ANJUAN_FUZZ_EXAMPLES", "500"))
FUZZ = settings(max_examples=FUZZ_EXAMPLES, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture,
                                       HealthCheck.data_too_large])

HEADER = ["执法机关", "案号", "案件名称", "当事人", "案件类别", "决定日期"]
# Characters that break naive readers: quotes, delimiters, line breaks, invisible marks,
# full-width forms, brackets, NUL, surrogate-free astral characters.
NASTY = st.sampled_from(list('",\t\r\n\'=+-@ \u3000\u200b\u200e\ufeff\x00（）〔〕[]［］【】;；、') + ["𠀀", "é"])
TEXT = st.text(alphabet=st.one_of(NASTY, st.sampled_from(list("测试局罚号某公司案0123456789年月日-/."))),
               max_size=12)
DATE = st.one_of(st.sampled_from(["2024-03-01", "2024/3/1", "2024年3月1日", "20240301", "45352", "", "2200-01-01",
                                  "2024-13-01", "abc"]), TEXT)


def _parse(data: bytes, name: str = "目录.csv") -> ParsedCatalog:
    parsed = ParsedCatalog(path=Path(name), file_name=name)
    _parse_bytes(parsed, data, None, None)  # never raises: problems are in .errors
    return parsed


def _csv(rows: list[list[str]], encoding: str) -> bytes:
    buf = io.StringIO(newline="")
    csv.writer(buf, lineterminator="\r\n").writerows(rows)
    text = buf.getvalue()
    return (b"\xff\xfe" + text.encode("utf-16-le")) if encoding == "utf-16" else text.encode(encoding, "replace")


@st.composite
def catalogs(draw):
    n = draw(st.integers(1, 12))
    rows = []
    for i in range(n):
        case_no = draw(st.one_of(st.just(f"测罚〔2024〕{i}号"), TEXT))
        rows.append([draw(st.sampled_from(["测试县市场监督管理局", "测试县交通运输局", ""])), case_no,
                     draw(TEXT), draw(TEXT), draw(st.sampled_from(["行政处罚", "许可", ""])), draw(DATE)])
    above = draw(st.lists(st.lists(TEXT, max_size=3), max_size=2))
    return above, rows


@FUZZ
@given(catalogs(), st.sampled_from(["utf-8", "utf-8-sig", "gb18030", "utf-16"]))
def test_well_formed_catalogs_lose_no_row(catalog, encoding):
    above, rows = catalog
    parsed = _parse(_csv([*above, HEADER, *rows], encoding))
    if parsed.errors:
        for e in parsed.errors:
            assert e.message and e.file == "目录.csv"
        return
    # Every row written is imported, or is a blank row (no 案号 and nothing else).
    assert len(parsed.rows) + parsed.blank_rows == len(rows)
    written = [normalise_case_no(clean_code(r[1])) for r in rows]
    assert [r.case_no for r in parsed.rows] == [c for c in written if c]


@FUZZ
@given(catalogs(), st.lists(st.tuples(st.sampled_from(["flip", "drop", "insert", "cut"]), st.integers(0, 10_000),
                                      st.integers(0, 255)), min_size=1, max_size=4))
def test_mutated_catalog_bytes_never_crash(catalog, mutations):
    above, rows = catalog
    data = bytearray(_csv([*above, HEADER, *rows], "utf-8"))
    for op, pos, byte in mutations:
        pos %= max(1, len(data))
        if op == "flip":
            data[pos:pos + 1] = bytes([byte])
        elif op == "drop":
            del data[pos:pos + 1]
        elif op == "insert":
            data[pos:pos] = bytes([byte])
        else:
            del data[pos:]
    parsed = _parse(bytes(data))
    if not parsed.errors:
        # The importer's own proof: every record under the header is a row or a blank row.
        records = list(csv.reader(io.StringIO(bytes(data).decode("utf-8", "replace"), newline="")))
        assert len(parsed.rows) <= len(records)


@FUZZ
@given(st.binary(max_size=600), st.sampled_from(["目录.xlsx", "目录.csv", "目录.xls"]))
def test_random_bytes_never_crash(data, name):
    parsed = _parse(data, name)
    assert parsed.errors or parsed.rows


def _zip_mutations(base: bytes, rnd: random.Random) -> bytes:
    data = bytearray(base)
    for _ in range(rnd.randint(1, 6)):
        pos = rnd.randrange(len(data))
        data[pos] = rnd.randrange(256)
    return bytes(data)


@FUZZ
@given(st.integers(0, 2**32 - 1))
def test_mutated_workbooks_never_crash(seed):
    base = _workbook_bytes()
    parsed = _parse(_zip_mutations(base, random.Random(seed)), "目录.xlsx")
    assert parsed.errors or parsed.rows


_WORKBOOK: list[bytes] = []


def _workbook_bytes() -> bytes:
    if not _WORKBOOK:
        import xlsxwriter

        buf = io.BytesIO()
        wb = xlsxwriter.Workbook(buf, {"in_memory": True})
        ws = wb.add_worksheet("目录")
        ws.write_row(0, 0, HEADER)
        for i in range(1, 6):
            ws.write_row(i, 0, ["测试县市场监督管理局", f"测罚〔2024〕{i}号", "某案", "某公司", "行政处罚", "2024-03-01"])
        wb.close()
        _WORKBOOK.append(buf.getvalue())
    return _WORKBOOK[0]


# ---------------------------------------------------------------------------------------------
# Answer sheets


@pytest.fixture(scope="module")
def answers_world(tmp_path_factory):
    import tests.test_answers_io as tai
    from anjuan.db import open_database

    folder = tmp_path_factory.mktemp("fuzz-answers")
    path = tai.template.__wrapped__(tmp_path_factory)  # the same campaign as test_answers_io
    shutil.copy(path, folder / "c.db")
    db = open_database(folder / "c.db")
    cases = tai.files_of(db, "张三")
    rows = [r for case in cases[:2] for r in tai.full_rows(db, case)]
    yield db, rows, folder
    db.close()


CELL_NOISE = st.one_of(st.just(None), TEXT, st.sampled_from(["符合", "扣分", "否决", "不适用", "0", "1", "2.5", "-1",
                                                             "1e-320", "0_1", "nan", "２分", "", "'=1+1"]))


@FUZZ
@given(st.lists(st.tuples(st.integers(0, 60), st.integers(0, 6), CELL_NOISE), max_size=6),
       st.sampled_from(["utf-8-sig", "gb18030"]), st.booleans())
def test_answer_sheets_import_or_refuse(answers_world, edits, encoding, quote_break):
    from anjuan.review.answers_io import import_answers

    db, base_rows, folder = answers_world
    rows = [list(r) for r in base_rows]
    for r, c, value in edits:
        if rows and value is not None:
            rows[r % len(rows)][c] = value
    buf = io.StringIO(newline="")
    w = csv.writer(buf)
    w.writerow(["案号", "执法机关", "条目编号", "结论", "扣分", "问题描述", "卷内页码"])
    w.writerows(rows)
    data = buf.getvalue().encode(encoding, "replace")
    if quote_break and rows:
        data = data.replace(b"\r\n", b'\r\n"', 1)  # an unbalanced quote at the start of row 2
    with tempfile.NamedTemporaryFile("wb", suffix=".csv", dir=folder, delete=False) as fh:
        fh.write(data)
    try:
        report = import_answers(db, fh.name, "张三")
    except InputError as exc:
        assert exc.message
        return
    finally:
        os.unlink(fh.name)
    # Imported: every row read was written or found unchanged — none dropped.
    assert report.answers_written + report.unchanged == report.rows


# ---------------------------------------------------------------------------------------------
# Reviewer packages


@pytest.fixture(scope="module")
def merge_world(tmp_path_factory):
    from anjuan.db import open_database
    from tests.merge_fixtures import answer_files, build_campaign, make_package

    folder = tmp_path_factory.mktemp("fuzz-merge")
    c = build_campaign(folder)
    make_package(c, "王敏", folder / "a.db")
    answer_files(folder / "a.db")
    db = open_database(c)
    with db.read_session() as s:
        before = _counts(s)
    yield folder, db, before
    db.close()


_COUNTS: list = []


def _counts(s) -> dict[str, int]:
    from sqlalchemy import func, select

    from anjuan import models as m

    tables = m.SQLModel.metadata.sorted_tables  # one statement, built once: it runs after each of 500 cases
    if not _COUNTS:
        _COUNTS.append(select(*(select(func.count()).select_from(t).scalar_subquery() for t in tables)))
    row = s.execute(_COUNTS[0]).one()
    return {t.name: n for t, n in zip(tables, row, strict=True)}


@FUZZ
@given(st.integers(0, 2**32 - 1), st.sampled_from(["bytes", "truncate", "page"]))
def test_damaged_packages_are_refused_cleanly(merge_world, seed, how):
    from anjuan.lead.merge import merge

    folder, db, before = merge_world
    rnd = random.Random(seed)
    good = (folder / "a.db").read_bytes()
    data = bytearray(good)
    if how == "truncate":
        del data[rnd.randrange(len(data)):]
    elif how == "page":
        page = rnd.randrange(len(data) // 4096)
        data[page * 4096:(page + 1) * 4096] = rnd.randbytes(4096)
    else:
        for _ in range(rnd.randint(1, 20)):
            data[rnd.randrange(len(data))] = rnd.randrange(256)
    bad = folder / "bad.db"
    bad.write_bytes(bytes(data))
    try:
        merge(db, [str(bad)], dry_run=True)  # worked out in full, then rolled back
    except AnjuanError as exc:
        assert exc.message
    finally:
        for p in folder.glob("bad.db*"):
            p.unlink()
    with db.read_session() as s:
        assert _counts(s) == before
