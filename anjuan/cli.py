"""Command-line entry point. Commands live in anjuan/commands/*, each importing its heavy
modules inside the command body so that `anjuan --help` stays fast."""

from __future__ import annotations

import os
import sys

import click

from .errors import AnjuanError

CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


class AnjuanGroup(click.Group):
    def list_commands(self, ctx):
        # Workflow order, not alphabetical: 导入 → 抽样 → 分配 → 评查 → 合并 → 通报.
        order = ["demo", "init", "standard", "import", "sample", "reviewer", "assign", "pack",
                 "review", "answers", "merge", "conflicts", "status", "report"]
        names = list(self.commands)
        return [n for n in order if n in names] + sorted(n for n in names if n not in order)


@click.group(cls=AnjuanGroup, context_settings=CONTEXT_SETTINGS)
@click.version_option(package_name="anjuan", message="anjuan %(version)s")
@click.option("--debug", is_flag=True, help="出错时显示完整的调用栈（供开发人员排查问题）。")
@click.pass_context
def cli(ctx: click.Context, debug: bool) -> None:
    """anjuan — 行政执法案卷评查工具。

    \b
    工作流程：导入案卷目录 → 随机抽样 → 分配评查人员 → 离线评查 → 合并与合议 → 出具通报。
    每条命令的用法：anjuan 命令 --help
    """
    ctx.ensure_object(dict)
    ctx.obj["debug"] = debug


def console(stderr: bool = False):
    from rich.console import Console

    import shutil

    # Piped output (CI logs, files) gets a wide page so Chinese tables are not squeezed.
    tty = (sys.stderr if stderr else sys.stdout).isatty()
    width = None if tty else max(120, shutil.get_terminal_size((120, 40)).columns)
    return Console(stderr=stderr, highlight=False, soft_wrap=True, width=width)


def fail(message: str, details: list[str] | None = None) -> None:
    err = console(stderr=True)
    err.print(f"[bold red]错误：[/]{message}", markup=True, highlight=False)
    for d in details or []:
        err.print(f"  - {d}", markup=False)


def main() -> None:
    from . import commands  # noqa: F401  (registers the commands)

    debug = "--debug" in sys.argv or os.environ.get("ANJUAN_DEBUG") == "1"
    try:
        cli.main(standalone_mode=False, prog_name="anjuan")
    except click.exceptions.Abort:
        console(stderr=True).print("已取消。")
        sys.exit(1)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except AnjuanError as exc:
        if debug:
            raise
        fail(exc.message, exc.details)
        sys.exit(1)
    except KeyboardInterrupt:
        console(stderr=True).print("已中断，未完成的操作没有写入数据库。")
        sys.exit(130)
    except Exception as exc:  # noqa: BLE001 - last line of defence: one line, not a traceback
        if debug:
            raise
        fail(f"程序内部错误：{type(exc).__name__}: {exc}（加 --debug 查看详细信息，并请反馈给开发人员）")
        sys.exit(2)
