"""A warm interpreter that runs `python -m anjuan …` in forked children (test helper, Linux/macOS).

Started once per test process as `sys.executable tests/cli_zygote.py`, it imports the modules
the anjuan commands import anyway (SQLAlchemy, SQLModel, click, rich, the report libraries and
every module of anjuan but its Textual UI, of reports and of scoring), then serves requests read
from stdin, one JSON object per line:

    {"argv": [...], "cwd": "...", "env": {...}, "stdin": path, "stdout": path, "stderr": path}

For each request it forks; the child takes the request's working directory, environment and
standard streams (files opened on fds 0, 1 and 2), puts the working directory first on sys.path
as `python -m` does, and runs the `anjuan` package as `__main__` with `runpy` — the very code
path of `python -m anjuan`. The child leaves through the normal interpreter exit (SystemExit,
atexit handlers, buffered streams flushed, uncaught exceptions printed), so its exit status is the
status `python -m anjuan` would have had. The server answers `{"pid": N}` at once and then
`{"status": S}` (S is the exit code, or -signal when the child was killed).

What a fork cannot reproduce — a different interpreter configuration (PYTHON* variables, locale
variables) — is left to a real subprocess: tests/anjuan_cli.py falls back to one.
"""

from __future__ import annotations

import atexit
import gc
import json
import os
import runpy
import sys
import threading
import time


def _preload() -> None:
    # Modules imported by the commands themselves; importing them here changes nothing a command
    # sees (none reads the environment or the working directory at import time).
    import pkgutil

    import click  # noqa: F401
    import rich.console  # noqa: F401
    import sqlalchemy  # noqa: F401
    import sqlalchemy.dialects.postgresql  # noqa: F401
    import sqlalchemy.dialects.sqlite  # noqa: F401
    import sqlmodel  # noqa: F401

    import anjuan.cli  # noqa: F401
    import anjuan.db  # noqa: F401
    import anjuan.models  # noqa: F401

    names = ["psycopg", "xlsxwriter", "python_calamine", "docx", "docxtpl", "jinja2", "charset_normalizer"]
    for package in ("anjuan", "reports", "scoring"):  # every module of the three packages but the UI
        try:
            root = __import__(package)
            names += [m.name for m in pkgutil.walk_packages(root.__path__, package + ".", onerror=lambda _: None)
                      if not m.name.startswith("anjuan.ui") and not m.name.endswith("__main__")]
        except Exception:  # noqa: BLE001 - the command imports what it needs itself
            pass
    for name in names:
        try:
            __import__(name)
        except Exception:  # noqa: BLE001 - an optional module: the command imports it itself
            pass


def _child(request: dict) -> None:
    """Become `python -m anjuan ARGS` for this request; never returns."""
    try:
        for fd, key, flags in ((0, "stdin", os.O_RDONLY), (1, "stdout", os.O_WRONLY), (2, "stderr", os.O_WRONLY)):
            target = os.open(request[key], flags)
            os.dup2(target, fd)
            os.close(target)
        os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update(request["env"])
        if hasattr(time, "tzset"):
            time.tzset()
    except BaseException:  # noqa: BLE001 - the test sees why the command could not start
        import traceback

        with open(request["stderr"], "a", encoding="utf-8") as err:
            err.write("cli_zygote: could not start the command\n" + traceback.format_exc())
        os._exit(125)
    sys.argv = ["anjuan", *request["argv"][1:]]  # argv is ["anjuan", ARGS…] as after `-m`
    sys.path[0] = os.getcwd()
    try:
        runpy.run_module("anjuan", run_name="__main__", alter_sys=True)
        code = 0
    except SystemExit as exc:  # what the interpreter does with it
        if exc.code is None:
            code = 0
        elif isinstance(exc.code, int):
            code = exc.code
        else:
            print(exc.code, file=sys.stderr)
            code = 1
    except BaseException:  # noqa: BLE001 - printed as the interpreter prints it
        sys.excepthook(*sys.exc_info())
        code = 1
    # The interpreter's exit without its final teardown of every module and object, which in a
    # forked child only copies the parent's memory page by page: wait for non-daemon threads,
    # run atexit handlers, flush the streams, leave.
    shutdown = getattr(threading, "_shutdown", None)
    if shutdown is not None:
        shutdown()
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
    os._exit(code & 0xFF)


def serve() -> None:
    _preload()
    gc.collect()
    gc.freeze()  # children's collections then skip (and do not copy) the preloaded objects
    requests = sys.stdin
    replies = sys.stdout
    for line in requests:
        request = json.loads(line)
        pid = os.fork()
        if pid == 0:
            _child(request)
        replies.write(json.dumps({"pid": pid}) + "\n")
        replies.flush()
        _, raw = os.waitpid(pid, 0)
        status = os.waitstatus_to_exitcode(raw)
        replies.write(json.dumps({"status": status}) + "\n")
        replies.flush()
    # The test process closed the requests: leave without tearing down the preloaded modules one by
    # one (a fraction of a second the test process would wait for at its end).
    os._exit(0)


if __name__ == "__main__":
    serve()
