"""Writing every requested format of a bulletin into an output folder.

Layout of the folder:
    <通报标题>.xlsx / .docx / .html / .md / .json     the bulletin (公开版 adds “（公开版）”)
    反馈意见书/<执法机关>反馈意见书.docx / .html / .md   one per agency (公开版: 反馈意见书（公开版）/)
Files are written one at a time and each through a temporary name, so an interrupted run never
leaves a half-written file under its final name.
"""

from __future__ import annotations

import gc
import os
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from .errors import ReportError
from .filenames import safe_filename
from .model import BulletinData

FORMATS = ("xlsx", "docx", "html", "md", "json")
PER_AGENCY = ("docx", "html", "md")

Progress = Callable[[int, int, str], None]  # (done, total, what is being written)


@contextmanager
def paused_gc() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while millions of small, acyclic objects are made.

    Each full collection walks every live object, and they keep being triggered as the data
    grows, which costs more than a third of the run time on a large campaign. Reference counting
    still frees memory as usual; the collector is switched back on afterwards.
    """
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
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
    return safe_filename(data.title + ("（公开版）" if data.public else ""), "评查结果通报")


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
                  templates_dir: str | Path | None = None, progress: Progress | None = None) -> list[Path]:
    """Write the bulletin and the feedback documents; returns the files written."""
    outdir = Path(outdir)
    if templates_dir is not None:
        td = Path(templates_dir)
        if not td.is_dir():
            raise ReportError(f"模板目录 {td} 不存在或不是目录")
    try:
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
        with paused_gc():
            _build(data, outdir, formats, templates_dir, stem, sub, agencies, written, tick)
    except OSError as exc:
        raise ReportError(f"写入 {exc.filename or outdir} 失败：{exc.strerror or exc}") from None
    return written


def _build(data: BulletinData, outdir: Path, formats: list[str], templates_dir, stem: str, sub: Path,
           agencies, written: list[Path], tick: Callable[[str], None]) -> None:
    for fmt in formats:
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

                writer = DocxWriter()
            else:
                from .web import WebRenderer

                writer = WebRenderer(fmt, templates_dir, feedback_dir(data))
            written.append(_write(bulletin, writer.write_bulletin, data))
            tick(bulletin.name)
            for a in agencies:
                target = sub / f"{a.file_stem}.{fmt}"
                written.append(_write(target, writer.write_feedback, data, a))
                tick(target.name)
