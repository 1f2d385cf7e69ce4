"""reports.build zips the workbook in a second thread while it writes the documents: the files
are those of writing every format in turn, and an error in either thread is a one-line
ReportError that leaves no temporary file and no thread behind."""

from __future__ import annotations

import threading
import zipfile
from pathlib import Path

import pytest

import reports.build as build
import reports.excel as excel
from reports.build import FORMATS, build_reports
from reports.errors import ReportError
from tests.test_reports import bulletin_of, make_campaign


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    return bulletin_of(make_campaign(tmp_path_factory.mktemp("camp") / "c.db"))


def _contents(out: Path) -> dict[str, bytes]:
    """Every file's bytes; of a workbook or Word file, its members' (the zip stamps them with the
    time of writing), but for docProps/core.xml (the time it was written, to the second)."""
    files = {}
    for p in sorted(out.rglob("*")):
        if not p.is_file():
            continue
        name = str(p.relative_to(out))
        if p.suffix in (".xlsx", ".docx"):
            with zipfile.ZipFile(p) as z:
                for info in z.infolist():
                    if info.filename != "docProps/core.xml":
                        files[f"{name}:{info.filename}"] = z.read(info)
        else:
            files[name] = p.read_bytes()
    return files


def _no_temp_files(out: Path) -> bool:
    return not [p for p in out.rglob("*") if ".tmp" in p.name]


def _no_worker() -> bool:
    return not [t for t in threading.enumerate() if t.name == "anjuan-xlsx"]


@pytest.mark.parametrize("stream", [False, True], ids=["in-memory", "constant-memory"])
@pytest.mark.parametrize("formats", [list(FORMATS), ["docx", "xlsx", "md"]], ids=["all", "xlsx-between"])
def test_threaded_build_writes_what_a_sequential_one_does(data, tmp_path, monkeypatch, stream, formats):
    monkeypatch.setattr(excel, "IN_MEMORY_CELLS", -1 if stream else 10**9)
    seen: dict[bool, list[str]] = {}
    written: dict[bool, list[Path]] = {}
    for threaded in (False, True):
        monkeypatch.setattr(build, "BACKGROUND_XLSX", threaded)
        labels: list[str] = []
        out = tmp_path / str(threaded)
        written[threaded] = [p.relative_to(out) for p in build_reports(
            data, out, formats, progress=lambda done, total, label, labels=labels: labels.append((done, total, label)))]
        seen[threaded] = labels
        assert _no_temp_files(out)
    assert _contents(tmp_path / "True") == _contents(tmp_path / "False")
    assert written[True] == written[False]  # in the order of the formats asked for
    # every file reported once, counted 1..n, whatever the order the two threads finished in
    assert sorted(lbl for _, _, lbl in seen[True]) == sorted(lbl for _, _, lbl in seen[False])
    assert [d for d, _, _ in seen[True]] == list(range(1, len(seen[False]) + 1))
    assert _no_worker()


def test_error_while_zipping_the_workbook(data, tmp_path, monkeypatch):
    prepare = excel.prepare_xlsx

    def failing(data, path, stream=None):
        close = prepare(data, path, stream)

        def fail() -> None:
            close()  # the temporary file exists, half the work is done
            raise OSError(28, "No space left on device", str(path))
        return fail

    monkeypatch.setattr(excel, "prepare_xlsx", failing)
    out = tmp_path / "out"
    with pytest.raises(ReportError) as err:
        build_reports(data, out, list(FORMATS))
    assert "\n" not in str(err.value) and "No space left on device" in str(err.value)
    assert str(err.value).startswith("写入 ")
    assert _no_temp_files(out)
    assert not list(out.glob("*.xlsx"))
    assert _no_worker()


def test_error_in_the_documents_while_the_workbook_is_zipped(data, tmp_path, monkeypatch):
    from reports.web import WebRenderer

    def fail(self, *args):
        raise OSError(13, "Permission denied", args[-1])

    monkeypatch.setattr(WebRenderer, "write_bulletin", fail)
    out = tmp_path / "out"
    with pytest.raises(ReportError) as err:
        build_reports(data, out, ["xlsx", "html", "json"])
    assert "Permission denied" in str(err.value) and "\n" not in str(err.value)
    assert _no_temp_files(out)
    assert not list(out.glob("*.json"))  # nothing after the failing format
    assert _no_worker()  # the workbook's thread was waited for
