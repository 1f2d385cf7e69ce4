"""The workbook's zip is compressed at reports.excel.ZIP_LEVEL (faster than zlib's default), only
in the thread that writes a bulletin; other xlsxwriter workbooks keep the default level."""

from __future__ import annotations

import threading
import zipfile
import zlib

import pytest
import xlsxwriter

from reports.excel import ZIP_LEVEL, zip_level


def _workbook(path, constant_memory: bool) -> None:
    wb = xlsxwriter.Workbook(str(path), {"constant_memory": constant_memory})
    ws = wb.add_worksheet("表")
    for r in range(3000):
        ws.write_string(r, 0, f"某市第{r % 37:03d}行政执法局")
        ws.write_number(r, 1, r * 0.37)
        ws.write_string(r, 2, "案卷材料不完整" * (r % 5))
    wb.close()


def _levels(path) -> set[int | None]:
    """For each deflated member: the zlib level (1 or 6) whose output has exactly its size."""
    out = set()
    with zipfile.ZipFile(path) as z:
        for info in z.infolist():
            if info.compress_type != zipfile.ZIP_DEFLATED or info.file_size < 2000:
                continue
            raw = z.read(info)
            sizes = {}
            for level in (1, 6):
                c = zlib.compressobj(level, zlib.DEFLATED, -15)
                sizes[level] = len(c.compress(raw) + c.flush())
            assert sizes[1] != sizes[6]
            out.add(next((lv for lv, n in sizes.items() if n == info.compress_size), None))
    return out


@pytest.mark.parametrize("constant_memory", [False, True], ids=["in-memory", "constant-memory"])
def test_zip_level_applies_inside_the_block_only(tmp_path, constant_memory):
    assert ZIP_LEVEL == 1
    with zip_level(ZIP_LEVEL):
        _workbook(tmp_path / "fast.xlsx", constant_memory)
    _workbook(tmp_path / "plain.xlsx", constant_memory)
    assert _levels(tmp_path / "fast.xlsx") == {1}
    assert _levels(tmp_path / "plain.xlsx") == {6}


def test_zip_level_is_per_thread(tmp_path):
    """A workbook another thread writes meanwhile keeps the default level."""
    inside, done = threading.Event(), threading.Event()

    def other() -> None:
        inside.wait(10)
        _workbook(tmp_path / "other.xlsx", False)
        done.set()

    t = threading.Thread(target=other)
    t.start()
    with zip_level(1):
        inside.set()
        assert done.wait(30)
        _workbook(tmp_path / "mine.xlsx", False)
    t.join()
    assert _levels(tmp_path / "other.xlsx") == {6}
    assert _levels(tmp_path / "mine.xlsx") == {1}


def test_bulletin_workbook_is_written_at_zip_level(tmp_path):
    from reports.excel import write_xlsx
    from tests.test_reports import bulletin_of, make_campaign  # a small real campaign

    path = tmp_path / "c.db"
    make_campaign(path)
    write_xlsx(bulletin_of(path), tmp_path / "b.xlsx")
    assert _levels(tmp_path / "b.xlsx") == {ZIP_LEVEL}
