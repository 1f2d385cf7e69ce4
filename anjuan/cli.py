"""Command-line entry point. Commands live in anjuan/commands/*, each importing its heavy
modules inside the command body so that `anjuan --help` stays fast."""

from __future__ import annotations

import os
import sys

import click

from .errors import AnjuanError

CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


HELP_TEXT = "显示本说明并退出。"


def _chinese_help(text: str) -> str:
    return (text.replace("[required]", "[必填]").replace("[default: ", "[默认：")
            .replace("Usage: ", "用法：").replace("Options:", "选项：").replace("Commands:", "命令：")
            .replace("[OPTIONS]", "[选项]").replace("COMMAND [ARGS]...", "命令 [参数]..."))


class AnjuanCommand(click.Command):
    def get_help_option(self, ctx):
        opt = super().get_help_option(ctx)
        if opt is not None:
            opt.help = HELP_TEXT
        return opt

    def get_help(self, ctx) -> str:
        return _chinese_help(super().get_help(ctx))


class AnjuanGroup(click.Group):
    command_class = AnjuanCommand
    group_class = type  # subgroups are AnjuanGroups too

    def get_help(self, ctx) -> str:
        return _chinese_help(super().get_help(ctx))

    def get_help_option(self, ctx):
        opt = super().get_help_option(ctx)
        if opt is not None:
            opt.help = HELP_TEXT
        return opt

    def list_commands(self, ctx):
        # Workflow order, not alphabetical: 导入 → 抽样 → 分配 → 评查 → 合并 → 通报.
        order = ["demo", "init", "standard", "import", "sample", "reviewer", "assign", "pack",
                 "review", "answers", "merge", "conflicts", "verify", "status", "report", "selfcheck", "ledger",
                 "recheck", "user"]
        names = list(self.commands)
        return [n for n in order if n in names] + sorted(n for n in names if n not in order)


@click.group(cls=AnjuanGroup, context_settings=CONTEXT_SETTINGS)
@click.version_option(package_name="anjuan", message="anjuan %(version)s", help="显示版本号并退出。")
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
    import shutil

    from rich.console import Console

    # Piped output (CI logs, files) gets a wide page so Chinese tables are not squeezed.
    tty = (sys.stderr if stderr else sys.stdout).isatty()
    width = None if tty else max(120, shutil.get_terminal_size((120, 40)).columns)
    return Console(stderr=stderr, highlight=False, soft_wrap=True, width=width)


def fail(message: str, details: list[str] | None = None) -> None:
    from rich.markup import escape

    err = console(stderr=True)
    # escape: a message may contain brackets (pip install 'anjuan[postgres]'), which are not markup.
    err.print(f"[bold red]错误：[/]{escape(message)}", markup=True, highlight=False)
    for d in details or []:
        err.print(f"  - {d}", markup=False)


_USAGE_PATTERNS = [
    (r"Missing option '([^']+)'.*", r"缺少必填选项 \1"),
    (r"Missing argument '([^']+)'.*", r"缺少参数 \1"),
    (r"No such option: (\S+).*", r"没有选项 \1"),
    (r"No such option '([^']+)'.*", r"没有选项 \1"),
    (r"No such command '([^']+)'.*", r"没有命令“\1”"),
    (r"Invalid value for '([^']+)': (.*)", r"\1 的值无效：\2"),
    (r"Got unexpected extra arguments? \((.*)\)", r"多余的参数：\1"),
    (r"Option '([^']+)' requires an argument.*", r"选项 \1 后面需要一个值"),
]


def usage_message(text: str) -> str:
    """Click's usage errors in Chinese (the common ones; others pass through unchanged)."""
    import re

    text = re.sub(r"'([^']+)' / '([^']+)'", r"'\2'", text)  # '-o' / '--output' → '--output'
    for pattern, repl in _USAGE_PATTERNS:
        if re.fullmatch(pattern, text, flags=re.S):
            text = re.sub(pattern, repl, text, flags=re.S)
            break
    text = text.replace("is not a valid float", "不是有效的数字").replace("is not a valid integer", "不是有效的整数")
    text = re.sub(r"'(.*?)' is not one of (.*)\.", r"“\1”不在可选值 \2 之中", text)
    text = re.sub(r"(?:Directory|File|Path) '(.*?)' is a file", r"“\1”是文件，这里应为目录", text)
    text = re.sub(r"(?:Directory|File|Path) '(.*?)' is a directory", r"“\1”是目录，这里应为文件", text)
    text = re.sub(r"(?:Directory|File|Path) '(.*?)' does not exist", r"“\1”不存在", text)
    return text


def server_error_message(exc: BaseException) -> str | None:
    """A database server's refusal in plain words (no SQL dump), or None if it is not one.

    Permission errors mean the login may not do this (roles and row-level security, see
    anjuan/postgres/roles.py); deadlocks and serialisation failures are races with another user,
    after which nothing was written and the command can simply be run again."""
    if not type(exc).__module__.startswith("sqlalchemy"):
        return None
    orig = getattr(exc, "orig", None)
    if not type(orig).__module__.startswith("psycopg"):
        return None  # SQLite's own errors (disk full, read-only, locked) are worded by anjuan.faults
    state = getattr(orig, "sqlstate", None) or ""
    if state == "42501" or state == "42P01" and "permission" in str(orig):
        return "当前登录账号没有执行此操作的权限（评查人员账号只能查看、修改本人的评查记录），未写入任何数据"
    if state in ("40P01", "40001", "55P03", "23505"):
        return "与其他用户同时进行的操作冲突，本次操作未写入任何数据，请稍后重新执行"
    if state.startswith("08") or type(exc).__name__ == "OperationalError" and state == "":
        from .db import shown

        text = " ".join(str(orig).split()) if orig is not None else type(exc).__name__
        return f"数据库连接中断或无法连接（{shown(text)}），本次操作未完成，请检查网络与服务器后重试"
    return None


def main() -> None:
    from . import commands  # noqa: F401  (registers the commands)

    debug = "--debug" in sys.argv or os.environ.get("ANJUAN_DEBUG") == "1"
    # --debug is accepted anywhere on the line (anjuan status x.db --debug), as users type it.
    args = sys.argv[1:]
    if "--debug" in args[1:]:
        args = ["--debug"] + [a for a in args if a != "--debug"]
    try:
        cli.main(args=args, standalone_mode=False, prog_name="anjuan")
    except click.exceptions.Abort:
        console(stderr=True).print("已取消。")
        sys.exit(1)
    except getattr(click.exceptions, "NoArgsIsHelpError", ()) as exc:  # click ≥ 8.2; 8.1 prints help and exits 0
        # `anjuan` (or `anjuan standard`) alone asks for the help, not an error line.
        click.echo(exc.ctx.get_help() if exc.ctx else exc.format_message())
        sys.exit(0)
    except click.UsageError as exc:
        hint = f"（用法见 {exc.ctx.command_path} --help）" if exc.ctx else ""
        fail(usage_message(exc.format_message()).rstrip(".") + hint)
        sys.exit(1)
    except click.ClickException as exc:
        fail(usage_message(exc.format_message()).rstrip("."))
        sys.exit(1)
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
        known = server_error_message(exc)
        if known:
            fail(known)
            sys.exit(1)
        from .faults import describe

        described = describe(exc)  # disk full, read-only file or medium, database held by a writer
        if described is not None:
            fail(described.message, described.details)
            sys.exit(1)
        what = f"{type(exc).__name__}: {exc}"
        orig = getattr(exc, "orig", None)
        if orig is not None:  # a database error: its first line, never the SQL and its parameters
            from .db import shown

            what = f"{type(orig).__name__}: {shown((str(orig).splitlines() or [''])[0])}"
        fail(f"程序内部错误：{what}（加 --debug 查看详细信息，并请反馈给开发人员）")
        sys.exit(2)
