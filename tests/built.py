"""Build a folder of test inputs once per test process, hand each test its own copy.

Fixtures that build a campaign step by step (import, sample, assign, score, export, return a
ledger) cost seconds; many tests start from the same state. `copy_of(key, build, dest)` runs
`build(folder)` the first time a key is asked for, in a private folder, and afterwards only copies
that folder's files into `dest`. Every test still gets fresh files it may change at will; what is
built is exactly what the builder wrote, so a builder must write only inside its folder.
"""

from __future__ import annotations

import atexit
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

_built: dict[str, Path] = {}
_root: Path | None = None


def copy_of(key: str, build: Callable[[Path], object], dest: Path) -> Path:
    global _root
    source = _built.get(key)
    if source is None:
        if _root is None:
            _root = Path(tempfile.mkdtemp(prefix="anjuan-built-"))
            atexit.register(shutil.rmtree, _root, True)
        source = _root / key
        source.mkdir()
        build(source)
        _built[key] = source
    shutil.copytree(source, dest, dirs_exist_ok=True)
    return dest
