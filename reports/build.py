"""Writing every requested format of a bulletin into an output folder.

Layout of the folder:
    <通报标题>.xlsx / .docx / .html / .md / .json     the bulletin (公开版 adds “（公开版）”)
    反馈意见书/<执法机关>反馈意见书.docx / .html / .md   one per agency (公开版: 反馈意见书（公开版）/)
Files are written one at a time (but for the workbook's zip, made by a second thread meanwhile:
see _build) and each through a temporary name, so an interrupted run never leaves a half-written
file under its final name; temporary files a killed run left behind are removed by the next run.

Guards (ReportError, nothing written): no file has a final result; the folder already holds report
files (unless force=True, which first removes the earlier report's files so two runs never mix);
a bureau Word template that is not usable. While files are 待合议 or unfinished the documents are
drafts: “（草稿）” in every title and file name.
"""

from __future__ import annotations

import gc
import os
import re
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from .errors import ReportError
from .filenames import safe_filename
from .model import BulletinData

FORMATS = ("xlsx", "docx", "html", "md", "json")
PER_AGENCY = ("docx", "html", "md")

Progress = Callable[[int, int, str], None]  # (done, total, what is being written)


_gc_lock = threading.Lock()
_gc_pausing = 0  # callers inside paused_gc(), in any thread
_gc_resume = False  # whether the collector was on when the first of them paused it


@contextmanager
def paused_gc() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while 100,000s of small, acyclic objects are made
    (rows of a catalog, a campaign's answers, a report's cells).

    Each full collection walks every live object, and they keep being triggered as the data
    grows, which costs a third of the run time on a large campaign. Reference counting still frees
    memory as usual. Pauses nest and may overlap across threads (the dashboard reads in two): the
    collector is switched back on when the last one ends, if it was on before the first.
    """
    global _gc_pausing, _gc_resume
    with _gc_lock:
        if _gc_pausing == 0:
            _gc_resume = gc.isenabled()
            gc.disable()
        _gc_pausing += 1
    try:
        yield
    finally:
        with _gc_lock:
            _gc_pausing -= 1
            if _gc_pausing == 0 and _gc_resume:
                gc.enable()


def parse_formats(text: str | Sequence[str]) -> list[str]:
    items = text.split(",") if isinstance(text, str) else list(text)
    out = []
    for item in (i.strip().lower().lstrip(".") for i in items):
        if not item:
            continue
        if item not in FORMATS:
            raise ReportError(f"不支持的格式“{item}”，可选：{','.join(FORMATS)}")
        if item not in out:
            out.append(item)
    if not out:
        raise ReportError(f"请至少指定一种格式，可选：{','.join(FORMATS)}")
    return out


def bulletin_stem(data: BulletinData) -> str:
    draft = "（草稿）" if data.draft else ""
    return safe_filename(data.title + draft + ("（公开版）" if data.public else ""), "评查结果通报")


REPORT_SUFFIXES = {f".{f}" for f in FORMATS}
REPORT_DIRS = ("反馈意见书", "反馈意见书（公开版）")
_TMP = re.compile(r"^\..*\.(\d+)\.tmp\.[A-Za-z]+$")


def existing_reports(outdir: Path) -> list[Path]:
    """Report files an earlier run left in `outdir` (bulletins and feedback folders)."""
    if not outdir.is_dir():
        return []
    out = []
    for p in sorted(outdir.iterdir()):
        if p.is_file() and p.suffix.lower() in REPORT_SUFFIXES and not p.name.startswith("."):
            out.append(p)
        elif p.is_dir() and p.name in REPORT_DIRS:
            out.append(p)
    return out


STALE_AFTER = 6 * 3600  # seconds: where a process cannot be asked, an older temp file is stale


def _alive(pid: int, path: Path) -> bool:
    """Whether the run that writes this temporary file may still be running."""
    if pid == os.getpid():
        return True
    if os.name != "posix":  # os.kill(pid, 0) would terminate the process on Windows
        import time

        try:
            return time.time() - path.stat().st_mtime < STALE_AFTER
        except OSError:
            return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return True


def remove_stale_temp_files(outdir: Path) -> list[Path]:
    """Remove the temporary files (.<name>.<pid>.tmp.<ext>) of runs that were killed."""
    removed = []
    if not outdir.is_dir():
        return removed
    for folder in [outdir, *(outdir / d for d in REPORT_DIRS)]:
        if not folder.is_dir():
            continue
        for p in folder.iterdir():
            mo = _TMP.match(p.name)
            if mo and p.is_file() and not _alive(int(mo.group(1)), p):
                try:
                    p.unlink()
                    removed.append(p)
                except OSError:
                    pass
    return removed


def _clear(paths: list[Path]) -> None:
    import shutil

    for p in paths:
        if p.is_dir():
            shutil.rmtree(p)
        else:
            p.unlink()


def feedback_dir(data: BulletinData) -> str:
    return "反馈意见书（公开版）" if data.public else "反馈意见书"


def _tmp(path: Path) -> Path:
    return path.with_name(f".{path.stem[:40]}.{os.getpid()}.tmp{path.suffix}")


def _write(path: Path, writer: Callable[..., None], *args) -> Path:
    """writer(*args, tmp) writes a temporary file that then replaces `path` in one step."""
    tmp = _tmp(path)
    try:
        writer(*args, tmp)
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()
    return path


def build_reports(data: BulletinData, outdir: str | Path, formats: Sequence[str] = FORMATS,
                  templates_dir: str | Path | None = None, progress: Progress | None = None,
                  force: bool = False, word_template: str | Path | None = None,
                  charts: bool = True) -> list[Path]:
    """Write the bulletin and the feedback documents; returns the files written."""
    outdir = Path(outdir)
    if data.overall is None:
        raise ReportError("还没有任何案卷有最终评查结果，不能出具通报：请先完成评查（双人评查意见不一致的先合议）")
    if templates_dir is not None:
        td = Path(templates_dir)
        if not td.is_dir():
            raise ReportError(f"模板目录 {td} 不存在或不是目录")
    if word_template is not None and "docx" in formats:
        from .word import check_template

        check_template(Path(word_template))
    remove_stale_temp_files(outdir)
    old = existing_reports(outdir)
    if old and not force:
        names = "、".join(p.name for p in old[:3]) + ("等" if len(old) > 3 else "")
        raise ReportError(f"输出目录 {outdir} 中已有通报文件（{names}）：请换一个目录，"
                          "或加 --force 删除这些文件后重新生成")
    try:
        if old:
            _clear(old)
        outdir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ReportError(f"无法创建输出目录 {outdir}：{exc.strerror or exc}") from None
    formats = list(formats)
    agencies = data.agencies
    total = sum(1 + (len(agencies) if f in PER_AGENCY else 0) for f in formats)
    done = 0

    def tick(label: str) -> None:
        nonlocal done
        done += 1
        if progress:
            progress(done, total, label)

    stem = bulletin_stem(data)
    sub = outdir / feedback_dir(data)
    if any(f in PER_AGENCY for f in formats) and agencies:
        sub.mkdir(exist_ok=True)
    written: list[Path] = []
    try:
        from .wording import remembering_details

        with paused_gc(), remembering_details():
            _build(data, outdir, formats, templates_dir, stem, sub, agencies, written, tick, word_template, charts)
    except OSError as exc:
        raise ReportError(f"写入 {exc.filename or outdir} 失败：{exc.strerror or exc}") from None
    return written


BACKGROUND_XLSX = True  # the workbook is zipped by a second thread while the documents are written


def _build(data: BulletinData, outdir: Path, formats: list[str], templates_dir, stem: str, sub: Path,
           agencies, written: list[Path], tick: Callable[[str], None], word_template=None,
           charts: bool = True) -> None:
    """Write each format in turn. When other formats follow the workbook, its last step (zipping
    its sheets: zlib and file I/O, which let Python run on) is done by a second thread while this
    one writes the documents. Everything else stays as when written in turn: the same bytes,
    `written` in the order of `formats`, progress reported from this thread (the workbook's as
    soon as it is seen done), the first error raised once the other thread has stopped, with its
    temporary file removed."""
    wrote: dict[str, list[Path]] = {fmt: [] for fmt in formats}
    worker: _Background | None = None

    def step(label: str) -> None:
        if worker is not None:
            worker.report(tick)
        tick(label)

    try:
        for n, fmt in enumerate(formats):
            if fmt == "xlsx" and BACKGROUND_XLSX and n < len(formats) - 1:
                worker = _Background(outdir / f"{stem}.xlsx", wrote[fmt])
                worker.start(data)
                continue
            _build_one(fmt, data, outdir, templates_dir, stem, sub, agencies, wrote[fmt], step,
                       word_template, charts)
        if worker is not None:
            worker.join()
            worker.report(tick)
    finally:
        if worker is not None:
            worker.join(reraise=False)
        for fmt in formats:
            written.extend(wrote[fmt])


class _Background:
    """The workbook, built in this thread and zipped in a second one (_build)."""

    def __init__(self, path: Path, written: list[Path]):
        self.path = path
        self.written = written
        self.thread: threading.Thread | None = None
        self.error: BaseException | None = None
        self.reported = False

    def start(self, data: BulletinData) -> None:
        from .excel import prepare_xlsx

        tmp = _tmp(self.path)
        try:
            close = prepare_xlsx(data, tmp)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise

        def run() -> None:
            try:  # close() finishes the temporary file _write then puts in place (same name: _tmp)
                self.written.append(_write(self.path, lambda _: close()))
            except BaseException as exc:  # handed to the main thread, raised there
                self.error = exc

        self.thread = threading.Thread(target=run, name="anjuan-xlsx", daemon=True)
        self.thread.start()

    def report(self, tick: Callable[[str], None]) -> None:
        """Tick the workbook once it is written; raise its error as soon as there is one."""
        if self.thread is None or self.thread.is_alive():
            return
        self.join()
        if not self.reported:
            self.reported = True
            tick(self.path.name)

    def join(self, reraise: bool = True) -> None:
        if self.thread is not None:
            self.thread.join()
        if reraise and self.error is not None:
            error, self.error = self.error, None
            raise error


def _build_one(fmt: str, data: BulletinData, outdir: Path, templates_dir, stem: str, sub: Path, agencies,
               written: list[Path], tick: Callable[[str], None], word_template=None, charts: bool = True) -> None:
    bulletin = outdir / f"{stem}.{fmt}"
    if fmt == "xlsx":
        from .excel import write_xlsx

        written.append(_write(bulletin, write_xlsx, data))
        tick(bulletin.name)
    elif fmt == "json":
        from .jsonout import write_json

        written.append(_write(bulletin, write_json, data))
        tick(bulletin.name)
    else:
        if fmt == "docx":
            from .word import DocxWriter

            writer = DocxWriter(word_template, charts=charts)
        else:
            from .web import WebRenderer

            writer = WebRenderer(fmt, templates_dir, feedback_dir(data), charts=charts)
        written.append(_write(bulletin, writer.write_bulletin, data))
        tick(bulletin.name)
        for a in agencies:
            target = sub / f"{a.file_stem}.{fmt}"
            written.append(_write(target, writer.write_feedback, data, a))
            tick(target.name)
