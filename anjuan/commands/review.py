"""anjuan review: the reviewer's workbench (评查工作台) in the terminal."""

from __future__ import annotations

import click

from ..cli import cli


@cli.command()
@click.argument("db_file", metavar="FILE.db")
@click.option("--reviewer", default=None, help="以哪位评查人员的身份打开（评查人员的数据包可省略；组长可查看指定人员的案卷）。")
def review(db_file, reviewer):
    """打开评查工作台：逐卷逐项评查、保存、提交。

    \b
    FILE.db 可以是评查人员的数据包（自动以包内评查人员身份打开），
    也可以是评查活动数据库（用 --reviewer 指定评查人员）。
    每评一项即保存；按 ? 查看全部快捷键，Ctrl+Q 退出。
    示例：anjuan review 王敏.db
          anjuan review 2024评查.db --reviewer 王敏
    """
    from ..ui.app import run_review

    run_review(db_file, reviewer)
