"""Run the command line as a user does: `sys.executable -m anjuan ARGS` in its own process.

`run_anjuan(*args, cwd=, env=, input=, timeout=)` returns a `subprocess.CompletedProcess` with
text output, exactly as `subprocess.run([sys.executable, "-m", "anjuan", *args],
capture_output=True, text=True, encoding="utf-8")` would.

Starting a fresh interpreter costs about half a second, almost all of it importing SQLAlchemy,
SQLModel and the models; a suite with hundreds of command-line calls spends minutes on it. So
where the platform can fork, each call is a child forked from a warm interpreter
(tests/cli_zygote.py, itself started with `sys.executable`): a separate process with its own
working directory, environment, standard streams and exit status that runs the `anjuan` package as
`__main__`, as `python -m anjuan` does. A real `sys.executable -m anjuan` subprocess is used
instead when the call changes how the interpreter starts (PYTHON*, LANG or LC_* variables), when
another thread of the test is already running a command, when the platform has no fork, or when
ANJUAN_TEST_FRESH_CLI=1. Tests of process behaviour (SIGKILL, two commands at once) start real
subprocesses themselves.
"""

from __future__ import annotations

import atexit
import json
import os
import select
import signal
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

ZYGOTE = Path(__file__).with_name("cli_zygote.py")
STARTUP_KEYS = ("PYTHON", "LC_", "LANG")


class _Zygote:
    def __init__(self) -> None:
        self.env = dict(os.environ)
        self.proc = subprocess.Popen([sys.executable, str(ZYGOTE)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.DEVNULL, env=self.env, text=True, encoding="utf-8")
        self.dir = Path(tempfile.mkdtemp(prefix="anjuan-cli-"))

    def alive(self) -> bool:
        return self.proc.poll() is None

    def compatible(self, env: dict[str, str]) -> bool:
        def startup(e: dict[str, str]) -> dict[str, str]:
            return {k: v for k, v in e.items() if k.startswith(STARTUP_KEYS)}

        return startup(env) == startup(self.env)

    def _reply(self, timeout: float | None) -> dict | None:
        if timeout is not None:
            ready, _, _ = select.select([self.proc.stdout], [], [], timeout)
            if not ready:
                return None
        line = self.proc.stdout.readline()
        if not line:
            raise ConnectionError("cli zygote stopped")
        return json.loads(line)

    def run(self, argv: list[str], cwd: str, env: dict[str, str], stdin: bytes, timeout: float | None):
        paths = {}
        for key in ("stdin", "stdout", "stderr"):
            fd, name = tempfile.mkstemp(dir=self.dir, prefix=key)
            os.close(fd)
            paths[key] = name
        try:
            Path(paths["stdin"]).write_bytes(stdin)
            request = {"argv": argv[2:], "cwd": cwd, "env": env, **paths}
            self.proc.stdin.write(json.dumps(request) + "\n")
            self.proc.stdin.flush()
            pid = self._reply(None)["pid"]
            reply = self._reply(timeout)
            timed_out = reply is None
            if timed_out:
                os.kill(pid, signal.SIGKILL)
                reply = self._reply(None)
            out = Path(paths["stdout"]).read_bytes()
            err = Path(paths["stderr"]).read_bytes()
        finally:
            for name in paths.values():
                Path(name).unlink(missing_ok=True)
        if timed_out:
            raise subprocess.TimeoutExpired(argv, timeout, out, err)
        return reply["status"], out, err

    def stop(self) -> None:
        if self.alive():
            self.proc.stdin.close()
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        for p in self.dir.glob("*"):
            p.unlink(missing_ok=True)
        self.dir.rmdir()


_zygote: _Zygote | None = None
_busy = threading.Lock()


def _get_zygote() -> _Zygote:
    global _zygote
    if _zygote is None or not _zygote.alive():
        _zygote = _Zygote()
        atexit.register(_zygote.stop)
    return _zygote


def _text(data: bytes) -> str:
    return data.decode("utf-8", errors="replace").replace("\r\n", "\n").replace("\r", "\n")


def run_anjuan(*args, cwd: str | os.PathLike | None = None, env: dict[str, str | None] | None = None,
               input: str | bytes | None = None, timeout: float | None = 300) -> subprocess.CompletedProcess:
    """`sys.executable -m anjuan ARGS`; `env` adds variables to this process's environment
    (a value of None removes one)."""
    argv = [sys.executable, "-m", "anjuan", *map(str, args)]
    full_env = dict(os.environ)
    for key, value in (env or {}).items():
        if value is None:
            full_env.pop(key, None)
        else:
            full_env[key] = value
    stdin = input.encode("utf-8") if isinstance(input, str) else (input or b"")
    directory = os.fspath(cwd) if cwd is not None else os.getcwd()
    if not os.path.isdir(directory):
        raise FileNotFoundError(f"working directory for anjuan does not exist: {directory}")
    warm = hasattr(os, "fork") and os.environ.get("ANJUAN_TEST_FRESH_CLI") != "1"
    if warm and _busy.acquire(blocking=False):
        try:
            zygote = _get_zygote()
            if zygote.compatible(full_env):
                code, out, err = zygote.run(argv, directory, full_env, stdin, timeout)
                return subprocess.CompletedProcess(argv, code, _text(out), _text(err))
        finally:
            _busy.release()
    proc = subprocess.run(argv, capture_output=True, input=stdin, cwd=directory, env=full_env, timeout=timeout)
    return subprocess.CompletedProcess(argv, proc.returncode, _text(proc.stdout), _text(proc.stderr))
