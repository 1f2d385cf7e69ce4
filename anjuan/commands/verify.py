"""anjuan verify."""

from __future__ import annotations

import json
import sys

import click

from ..cli import cli, console


@cli.command()
@click.argument("database", metavar="CAMPAIGN_OR_PACKAGE.db")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出检查结果。")
def verify(database, as_json):
    """逐条检查评查活动数据库或评查人员数据包是否完整、未被改动。

    \b
    检查每份评查记录：答案是否符合评查标准，修改记录是否连续完整（校验值逐条相连），
    答案是否与修改记录重放的结果一致，已提交的评查是否只经退回重评才被修改，
    得分、等次是否与按答案重新计算的一致；数据包还检查是否含组长数据、内容校验值是否相符。
    anjuan merge 在写入任何数据之前做同样的检查。发现问题时逐条列出并以状态 1 退出。
    \b
    示例：anjuan verify 2024评查.db
          anjuan verify 交回/王敏.db --json
    """
    from anjuan.integrity.report import verify_target

    report = verify_target(database)
    if as_json:
        click.echo(json.dumps(report.to_json(), ensure_ascii=False, indent=2))
    else:
        out = console()
        what = "评查人员数据包" if report.role == "package" else "评查活动数据库"
        if report.ok:
            out.print(f"{what} {report.target} 检查通过：{report.reviews} 份评查记录、{report.answers} 条答案、"
                      f"{report.history} 条修改记录均完整、未被改动。", markup=False)
        else:
            out.print(f"{what} {report.target} 发现 {len(report.problems)} 处问题：", markup=False)
            for line in report.problems:
                out.print(f"  - {line}", markup=False)
    if not report.ok:
        sys.exit(1)
