"""anjuan demo: build the demo campaign and open it."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ..cli import cli, console


@cli.command()
@click.argument("folder", default="anjuan-demo", type=click.Path(file_okay=False))
@click.option("--no-ui", is_flag=True, help="只生成示例数据，不打开评查界面。")
@click.option("--cycle", is_flag=True,
              help="演示完整流程：在示例评查活动上完成自查、整改台账下发与报回、复查，可接着出具评查结果通报和整改情况通报。")
def demo(folder, no_ui, cycle):
    """生成一个示例评查活动（9 个执法机关约 600 卷案卷目录，已抽样并分配给 3 名评查人员），并打开评查界面。

    \b
    示例：anjuan demo            # 在 ./anjuan-demo 下生成
          anjuan demo 演示 --no-ui
          anjuan demo 整改演示 --cycle     # 自查 → 抽查 → 通报 → 整改台账 → 复查 → 整改情况通报
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
    if cycle:
        return _cycle(path, db, no_ui)
    first, lead = REVIEWERS[0][0], REVIEWERS[-1][0]
    out.print("接下来可以：")
    steps = [
        ("查看进度", f"anjuan status {db}"),
        ("以评查人员身份评查", f"anjuan review {db} --reviewer {first}"),
        ("生成离线数据包", f"anjuan pack {db} --reviewer {first} -o {path / (first + '.db')}"),
        ("以组长身份查看进度、合议", f"anjuan review {db} --reviewer {lead}"),
        ("查看待合议案卷", f"anjuan conflicts {db}"),
        ("出具评查结果通报", f"anjuan report {db} -o {path / '通报'}"),
        ("演示自查、整改台账、复查和整改情况通报", f"anjuan demo {path} --cycle"),
    ]
    for what, command in steps:
        out.print(f"  {what}：", markup=False)
        out.print(f"    {command}", markup=False)
    if not no_ui and sys.stdin.isatty() and sys.stdout.isatty():
        from ..ui.app import run_review

        run_review(str(db), first)


def _cycle(path: Path, db: Path, no_ui: bool) -> None:
    from ..demo_cycle import build_cycle
    from ..errors import AnjuanError

    out = console()
    if (path / "复查.db").exists():
        out.print(f"{path} 中已完成过完整流程演示（要重新生成，请先删除该目录）。")
        import json

        steps = json.loads((path / "整改流程.json").read_text(encoding="utf-8"))
    else:
        try:
            with out.status("正在演示自查、整改台账和复查……"):
                steps = build_cycle(path, db).steps
        except OSError as exc:
            raise AnjuanError(f"无法在 {path} 中生成示例（{exc.filename or path}），请换一个可写的目录") from None
        out.print("已完成：3 个执法机关自查（2 个用自查数据库，1 个报送自查结果表）→ 下发整改台账 → 3 个机关报回台账 → 复查。")
    out.print("每一步都可以自己再做一遍：", markup=False)
    for what, command in steps:
        out.print(f"  {what}：", markup=False)
        out.print(f"    {command}", markup=False)
    if not no_ui and sys.stdin.isatty() and sys.stdout.isatty():
        from ..ui.app import run_review

        run_review(str(db), "李卫东")
