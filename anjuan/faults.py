"""Faults of the machine, not of the input: a full disk, a read-only file or medium, another
program holding the database. Each becomes one clear Chinese message (an AnjuanError), never an
internal error dumping SQL; and no half-written output file is left behind."""

from __future__ import annotations

import errno
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from .errors import AnjuanError, DatabaseError

DISK_FULL = "磁盘空间已满，操作没有完成，已写入的内容全部撤销（数据库没有任何改动）。请清理磁盘空间或换一个有足够空间的位置后重试"


def _where(target: str | os.PathLike | None) -> str:
    return f" {target}" if target else ""


def describe_os_error(exc: OSError, target: str | os.PathLike | None = None) -> AnjuanError | None:
    """An AnjuanError for the OS errors a user can act on, or None."""
    target = target or exc.filename
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return AnjuanError(f"写入{_where(target)}时{DISK_FULL}")
    if exc.errno == errno.EROFS:
        return AnjuanError(f"无法写入{_where(target)}：所在磁盘或文件夹是只读的（如光盘、写保护的U盘或只读的网络共享）。"
                           "请把文件复制到可写的位置后重试")
    if exc.errno in (errno.EACCES, errno.EPERM):
        return AnjuanError(f"没有权限写入{_where(target)}：文件或文件夹是只读的，或正被其他程序占用。"
                           "请检查文件属性和权限（或关闭占用它的程序）后重试")
    return None


def describe_db_error(exc: BaseException, label: str = "") -> AnjuanError | None:
    """An AnjuanError for a database error caused by the machine (SQLite's words in the DBAPI
    exception), or None when it is something else."""
    orig = getattr(exc, "orig", exc)
    text = str(orig).lower()
    where = f"数据库{_where(label)}"
    if "database or disk is full" in text or "disk i/o error" in text and _disk_full(label):
        return DatabaseError(f"写入{where}时{DISK_FULL}")
    if "readonly database" in text or "read-only" in text and "database" in text:
        return DatabaseError(f"{where}是只读的（文件属性只读，或所在磁盘、文件夹不可写），无法写入，数据库没有任何改动。"
                             "查看类命令（status、report、standard show、answers export）可以照常使用；"
                             "如需写入，请把数据库文件复制到可写的位置后重试")
    if "database is locked" in text or "database table is locked" in text:
        from .sqlite import write_wait_seconds

        return DatabaseError(f"另一个程序正在写入{where}，已等待 {write_wait_seconds():g} 秒仍未结束，本次操作没有写入任何内容。"
                             "请等对方完成（或关闭正在使用该数据库的其他 anjuan 窗口）后重试")
    if "unable to open database file" in text:
        return DatabaseError(f"无法打开{where}：文件或所在文件夹不可访问（可能是只读的磁盘，或没有权限）")
    if isinstance(orig, OSError):
        return describe_os_error(orig, label or None)
    return None


def _disk_full(label: str) -> bool:
    try:
        return shutil.disk_usage(Path(label).parent if label else ".").free < 1 << 20
    except OSError:
        return False


def describe(exc: BaseException, label: str = "") -> AnjuanError | None:
    if isinstance(exc, AnjuanError):
        return exc
    if isinstance(exc, OSError):
        return describe_os_error(exc)
    from sqlalchemy.exc import DBAPIError

    if isinstance(exc, DBAPIError):
        return describe_db_error(exc, label)
    return None


@contextmanager
def no_leftovers(*paths: str | os.PathLike) -> Iterator[None]:
    """Remove every file and folder created under `paths` (files or folders) if the block fails:
    a failed pack or report leaves nothing behind that a retry would trip over."""
    roots = [Path(p) for p in paths]
    before: set[Path] = set()
    for root in roots:
        if root.is_dir():
            before.update(root.rglob("*"))
        before.add(root) if root.exists() else None
    try:
        yield
    except BaseException:
        created: list[Path] = []
        for root in roots:
            if root not in before and root.exists():
                created.append(root)
            if root.is_dir():
                created.extend(p for p in root.rglob("*") if p not in before)
        for p in sorted(created, key=lambda p: len(p.parts), reverse=True):
            try:
                if p.is_dir() and not p.is_symlink():
                    shutil.rmtree(p, ignore_errors=True)
                else:
                    p.unlink(missing_ok=True)
            except OSError:
                pass
        raise


def refuse_filled_folder(outdir, suffixes: tuple[str, ...], force: bool) -> None:
    """Documents are never written over earlier ones (perhaps edited by hand) without --force."""
    from pathlib import Path

    from .errors import AnjuanError

    out = Path(outdir)
    if not force and out.is_dir() and any(p.suffix in suffixes and not p.name.startswith(".") for p in out.iterdir()):
        raise AnjuanError(f"输出目录 {out} 中已有文件：请换一个目录，或加 --force 覆盖")
