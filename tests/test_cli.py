"""CLI behaviour: help everywhere, one-line errors with exit 1, fast start-up, import hygiene."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import click
import pytest
from anjuan_cli import run_anjuan
from click.testing import CliRunner

import anjuan.commands  # noqa: F401  (registers the commands)
from anjuan.cli import cli


def all_commands(group: click.Group, prefix=()):
    for name, cmd in group.commands.items():
        yield (*prefix, name), cmd
        if isinstance(cmd, click.Group):
            yield from all_commands(cmd, (*prefix, name))


@pytest.mark.parametrize("path,cmd", list(all_commands(cli)), ids=lambda v: " ".join(v) if isinstance(v, tuple) else "")
def test_every_command_has_chinese_help(path, cmd):
    assert cmd.help and any("\u4e00" <= ch <= "\u9fff" for ch in cmd.help), path
    result = CliRunner().invoke(cli, [*path, "--help"])
    assert result.exit_code == 0, result.output


def run(*args, cwd=None):
    return run_anjuan(*args, cwd=cwd)


def test_help_does_not_import_heavy_modules():
    code = ("import sys, anjuan.cli, anjuan.commands; "
            "print(sorted(m for m in ('textual', 'sqlalchemy', 'sqlmodel', 'xlsxwriter', 'docx', 'jinja2') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == "[]"


@pytest.mark.parametrize("module", ["scoring", "scoring.aggregate", "reports"])
def test_pure_layers_import_no_database_or_ui(module):
    code = (f"import sys, importlib; importlib.import_module('{module}'); "
            "print(sorted(m for m in ('textual', 'sqlalchemy', 'sqlmodel', 'anjuan.db') if m in sys.modules))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    if proc.returncode != 0 and "No module named" in proc.stderr and module == "reports":
        pytest.skip("reports package not built yet")
    assert proc.stdout.strip() == "[]", proc.stderr


def test_init_then_show_then_refuse_overwrite(tmp_path, targets):
    x = "x.db" if not targets.is_pg else targets.new()
    r = run("init", x, "--name", "2024年度行政处罚案卷评查", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "已创建评查活动“2024年度行政处罚案卷评查”" in r.stdout
    r = run("standard", "show", x, "--json", cwd=tmp_path)
    data = json.loads(r.stdout)
    assert [c["name"] for c in data["categories"]] == ["主体适格", "程序", "裁量", "文书"]
    assert sum(c["points"] for c in data["categories"]) == 100
    r = run("init", x, "--name", "再来一次", cwd=tmp_path)
    assert r.returncode == 1
    assert r.stderr.count("\n") == 1 and ("已存在" in r.stderr or "已有 anjuan 数据" in r.stderr)
    assert "Traceback" not in r.stderr


def test_missing_database_is_one_line_error(tmp_path):
    r = run("status", "nope.db", cwd=tmp_path)
    assert r.returncode == 1
    assert r.stderr.strip().startswith("错误：找不到数据库文件 nope.db")
    assert "Traceback" not in r.stderr
    r = run("--debug", "status", "nope.db", cwd=tmp_path)
    assert "Traceback" in r.stderr


def test_shipped_standards_are_valid():
    for name in ("default", "naiman", "default-v1", "naiman-v1"):
        r = run("standard", "check", str(Path(__file__).parent.parent / "data" / "standards" / f"{name}.toml"))
        assert r.returncode == 0, r.stderr
        assert r.stdout.startswith("校验通过")


def test_usage_errors_are_chinese_and_exit_1(tmp_path):
    r = run("sample", "x.db", "--ratio", "abc", "--seed", "1", cwd=tmp_path)
    assert r.returncode == 1
    assert r.stderr.strip() == "错误：--ratio 的值无效：'abc' 不是有效的数字（用法见 anjuan sample --help）"
    r = run("status", "x.db", "--foo", cwd=tmp_path)
    assert r.stderr.strip() == "错误：没有选项 --foo（用法见 anjuan status --help）"
    r = run("init", cwd=tmp_path)
    assert r.returncode == 1 and "缺少参数 CAMPAIGN.db" in r.stderr
    r = run("status", "nope.db", "--debug", cwd=tmp_path)  # --debug after the command works too
    assert "Traceback" in r.stderr


def test_help_is_chinese():
    out = CliRunner().invoke(cli, ["sample", "--help"], prog_name="anjuan").output
    assert out.startswith("用法：anjuan sample [选项] CAMPAIGN.db")
    assert "[必填]" in out and "显示本说明并退出。" in out and "[required]" not in out
