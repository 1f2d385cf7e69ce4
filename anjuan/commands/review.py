"""anjuan review: the reviewer's workbench (评查工作台) in the terminal."""

from __future__ import annotations

import click

from ..cli import cli


@cli.command()
@click.argument("db_file", metavar="FILE.db")
@click.option("--reviewer", default=None, help="以哪位评查人员的身份打开（评查人员的数据包可省略；组长用自己的姓名打开进度总览与合议）。")
def review(db_file, reviewer):
    """打开评查工作台：逐卷逐项评查、保存、提交。

    \b
    FILE.db 可以是评查人员的数据包（自动以包内评查人员身份打开），
    也可以是评查活动数据库（用 --reviewer 指定评查人员）。
    以组长身份打开时，显示进度总览、待合议案卷、合并记录和一致性统计，可逐项合议。
    每评一项即保存；按 ? 查看全部快捷键，Ctrl+Q 退出。
    示例：anjuan review 王敏.db
          anjuan review 2024评查.db --reviewer 王敏
          anjuan review 2024评查.db --reviewer 李卫东      # 组长
    """
    import sys

    from anjuan.review.reviewing import resolve_reviewer

    from ..db import open_database
    from ..errors import AnjuanError
    from ..identity import acting_reviewer_name

    db = open_database(db_file)  # wrong file or unknown reviewer: say so before anything else
    try:
        reviewer = acting_reviewer_name(db, reviewer)  # on a server: the login's own reviewer
        resolve_reviewer(db, reviewer)
    finally:
        db.engine.dispose()
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        raise AnjuanError("评查工作台须在终端中打开（当前输入或输出不是终端）；批量录入请用 anjuan answers import")
    from ..ui.app import run_review

    run_review(db_file, reviewer)
