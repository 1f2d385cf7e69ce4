"""anjuan demo: build the demo campaign and open it."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ..cli import cli, console


@cli.command()
@click.argument("folder", default="anjuan-demo", type=click.Path(file_okay=False))
@click.option("--no-ui", is_flag=True, help="只生成示例数据，不打开评查界面。")
def demo(folder, no_ui):
    """生成一个示例评查活动（9 个执法机关约 600 卷案卷目录，已抽样并分配给 3 名评查人员），并打开评查界面。

    \b
    示例：anjuan demo            # 在 ./anjuan-demo 下生成
          anjuan demo 演示 --no-ui
    """
    from ..demo import REVIEWERS, build_demo
    from ..errors import AnjuanError

    path = Path(folder)
    out = console()
    db = path / "评查活动.db"
    if db.exists():
        out.print(f"{path} 中已有示例评查活动，直接打开（要重新生成，请先删除该目录）：{db}")
    else:
        try:
            with out.status("正在生成示例评查活动……"):
                result = build_demo(path)
        except OSError as exc:
            raise AnjuanError(f"无法在 {path} 中生成示例（目录不存在或没有写入权限：{exc.filename or path}），请换一个可写的目录") from None
        out.print(f"已生成示例评查活动：{db}（{result.files} 卷案卷目录，抽取 {result.sampled} 卷，3 名评查人员和 1 名组长）")
    first, lead = REVIEWERS[0][0], REVIEWERS[-1][0]
    out.print("接下来可以：")
    steps = [
        ("查看进度", f"anjuan status {db}"),
        ("以评查人员身份评查", f"anjuan review {db} --reviewer {first}"),
        ("生成离线数据包", f"anjuan pack {db} --reviewer {first} -o {path / (first + '.db')}"),
        ("以组长身份查看进度、合议", f"anjuan review {db} --reviewer {lead}"),
        ("查看待合议案卷", f"anjuan conflicts {db}"),
        ("出具评查结果通报", f"anjuan report {db} -o {path / '通报'}"),
    ]
    for what, command in steps:
        out.print(f"  {what}：", markup=False)
        out.print(f"    {command}", markup=False)
    if not no_ui and sys.stdin.isatty() and sys.stdout.isatty():
        from ..ui.app import run_review

        run_review(str(db), first)
