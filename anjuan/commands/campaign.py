"""anjuan init, anjuan standard check/show."""

from __future__ import annotations

import json

import click

from ..cli import cli, console


@cli.command()
@click.argument("campaign_db", metavar="CAMPAIGN.db")
@click.option("--name", required=True, help="评查活动名称，如“2024年度行政处罚案卷评查”。")
@click.option("--year", type=int, help="评查年度（默认从名称中识别）。")
@click.option("--organiser", default="", help="组织单位，如“××县司法局”。")
@click.option("--standard", "standard_path", help="评查标准：TOML 文件，或内置标准名称 default（通用标准，默认）、naiman（奈曼旗五要点标准）。")
def init(campaign_db, name, year, organiser, standard_path):
    """新建评查活动数据库。

    \b
    示例：anjuan init 2024评查.db --name "2024年度行政处罚案卷评查" --organiser "安溪县司法局"
    """
    from ..campaign import campaign_info, init_campaign
    from ..db import shown

    db = init_campaign(campaign_db, name, year, organiser, standard_path)
    info = campaign_info(db)
    db.close()
    out = console()
    out.print(f"已创建评查活动“{info.name}”：{shown(campaign_db)}")
    out.print(f"评查标准：{info.standard.name}（{info.standard.version}，{len(info.standard.items)} 个条目，校验码 {info.standard.sha256[:12]}）")
    out.print(f"下一步：anjuan import {shown(campaign_db)} 案卷目录.xlsx")


@cli.group()
def standard():
    """查看、校验评查标准（TOML 文件或数据库中保存的标准）。"""


def _load_any(source: str):
    """A standard from a TOML file, or the one stored in an anjuan database."""
    from pathlib import Path

    from ..campaign import read_standard_file

    p = Path(source)
    if not p.exists() and "://" not in source and p.suffix.lower() in (".db", ".sqlite", ".sqlite3"):
        from ..errors import InputError

        raise InputError(f"找不到文件 {p}")
    if p.suffix.lower() in (".db", ".sqlite", ".sqlite3") or "://" in source:
        from ..campaign import campaign_info
        from ..db import open_database

        db = open_database(source)
        try:
            return campaign_info(db).standard
        finally:
            db.engine.dispose()
    return read_standard_file(p)


@standard.command("list")
def standard_list():
    """列出内置的评查标准。

    \b
    示例：anjuan standard list
    """
    from scoring import load_standard

    from ..campaign import builtin_standard_names, builtin_standard_text

    out = console()
    for name in builtin_standard_names():
        std = load_standard(builtin_standard_text(name))
        out.print(f"{name:10} {std.name}（{std.version}，{len(std.items)} 个条目）", markup=False)
    out.print("用法：anjuan init 评查.db --name … --standard 名称；anjuan standard show 名称")


@standard.command("check")
@click.argument("file", metavar="FILE")
def standard_check(file):
    """校验评查标准文件，逐条列出错误（所在行、条目及原因）。

    \b
    示例：anjuan standard check data/standards/default.toml
    """
    std = _load_any(file)
    console().print(f"校验通过：{std.name}（{std.version}），{len(std.categories)} 个类别，{len(std.items)} 个条目，校验码 {std.sha256[:12]}")


@standard.command("show")
@click.argument("file", metavar="FILE")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出。")
def standard_show(file, as_json):
    """以树形显示评查标准的类别、条目、分值和扣分项（FILE 可以是 .toml 或评查数据库）。

    \b
    示例：anjuan standard show data/standards/default.toml
          anjuan standard show 2024评查.db --json
    """
    std = _load_any(file)
    if as_json:
        click.echo(json.dumps(std.to_dict(), ensure_ascii=False, indent=2))
        return
    from rich.markup import escape
    from rich.tree import Tree

    def pts(x: float) -> str:
        return f"{x:g}分"

    bands = "，".join(f"{b.name}≥{b.min:g}" for b in std.bands)
    na = "不计入总分（从分母中剔除）" if std.not_applicable == "exclude" else "按满分计"
    veto = "得分为0，评为不合格" if std.veto_score == "zero" else "保留得分，评为不合格"
    tree = Tree(f"[bold]{escape(std.name)}[/]（{escape(std.version)}） 校验码 {std.sha256[:12]}")
    tree.add(f"等次：{bands}；不适用项{na}；否决项{veto}")
    for c in std.categories:
        branch = tree.add(f"[bold cyan]{escape(c.name)}[/] {pts(c.points)}")
        for i in c.items:
            flags = []
            if i.veto:
                flags.append("[bold red]一票否决[/]")
            if i.bars_excellent:
                flags.append("[yellow]不得评优[/]")
            if i.applies_to:
                flags.append("仅" + "、".join(i.applies_to))
            label = f"{escape(i.id)} {escape(i.text)}" + (f" {pts(i.points)}" if i.points else "")
            node = branch.add(label + (" " + " ".join(flags) if flags else ""))
            if i.basis:
                node.add(f"[dim]依据：{escape(i.basis)}[/]")
            for d in i.deductions:
                how = f"每处扣{d.points:g}分，扣完为止" if d.per_occurrence else f"扣{d.points:g}分"
                node.add(f"[magenta]{how}[/]：{escape(d.text)}")
    console().print(tree, soft_wrap=False)  # wrap long 依据 lines inside the tree instead of cutting them
