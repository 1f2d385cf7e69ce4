"""anjuan init, anjuan standard list/check/show/diff."""

from __future__ import annotations

import json
import re

import click

from ..cli import cli, console


@cli.command()
@click.argument("campaign_db", metavar="CAMPAIGN.db")
@click.option("--name", required=True, help="评查活动名称，如“2024年度行政处罚案卷评查”。")
@click.option("--year", type=int, help="评查年度（默认从名称中识别）。")
@click.option("--organiser", default="", help="组织单位，如“××县司法局”。")
@click.option("--standard", "standard_path", help="评查标准：TOML 文件，或内置标准名称 default（通用标准第2版，默认）、default@1（通用标准第1版）、naiman（奈曼旗五要点标准）。")
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

        db = open_database(source, read_only=True)
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
        alias = re.sub(r"-v(\d+)$", r"@\1", name)
        note = "（默认）" if name == "default" else ("（早期版本，供用它建立的评查活动使用）" if alias != name else "")
        out.print(f"{alias:10} {std.name}（{std.version}，{len(std.items)} 个条目）{note}", markup=False)
    out.print("用法：anjuan init 评查.db --name … --standard 名称；anjuan standard show 名称；anjuan standard diff default@1 default")


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
@click.option("--kind", metavar="案件类别", help="只显示这一类案卷适用的条目及分值合计，如 --kind 行政检查。")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出。")
def standard_show(file, kind, as_json):
    """以树形显示评查标准的类别、条目、分值和扣分项（FILE 可以是 .toml、评查数据库或内置标准名称）。

    \b
    示例：anjuan standard show default
          anjuan standard show default --kind 行政检查
          anjuan standard show 2024评查.db --json
    """
    std = _load_any(file)
    if kind is not None:
        kind = kind.strip()
        if kind not in std.kinds:
            from ..errors import InputError

            choices = "、".join(std.kinds) or "（本标准未列出案件类别）"
            raise InputError(f"案件类别“{kind}”不在评查标准“{std.name}”的类别中，可选：{choices}")
    if as_json:
        data = std.to_dict()
        if kind:
            keep = {i.id for i in std.items_for(kind)}
            points = std.category_points_for(kind)
            for c in data["categories"]:
                c["items"] = [i for i in c["items"] if i["id"] in keep]
                c["kind_points"] = points[c["id"]]
            data["kind"] = kind
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
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
    kind_points = std.category_points_for(kind) if kind else {}
    if kind:
        items = std.items_for(kind)
        total = sum(kind_points.values())
        how = "按类别权重折算为百分制" if std.weighted else "即百分制"
        tree.add(f"[bold]{escape(kind)}[/]案卷适用 {len(items)} 个条目（其中否决项 {sum(1 for i in items if i.veto)} 个），"
                 f"评分条目分值合计 {pts(total)}，{how}")
    for c in std.categories:
        if kind and std.weighted:
            head = f"权重 {pts(c.points)}，本类案卷条目合计 {pts(kind_points[c.id])}"
        elif kind:
            head = pts(kind_points[c.id])
        else:
            head = f"权重 {pts(c.points)}" if std.weighted else pts(c.points)
        branch = tree.add(f"[bold cyan]{escape(c.name)}[/] {head}")
        node_parent, group = branch, None
        for i in c.items:
            if kind and not i.applies(kind):
                continue
            if i.group and i.group != group:
                group = i.group
                node_parent = branch.add(f"[bold]{escape(group)}[/]")
            parent = node_parent if i.group else branch
            flags = []
            if i.veto:
                flags.append("[bold red]一票否决[/]")
            if i.bars_excellent:
                flags.append("[yellow]不得评优[/]")
            if i.applies_to:
                flags.append("仅" + "、".join(i.applies_to))
            label = f"{escape(i.id)} {escape(i.text)}" + (f" {pts(i.points)}" if i.points else "")
            node = parent.add(label + (" " + " ".join(flags) if flags else ""))
            if i.basis:
                node.add(f"[dim]依据：{escape(i.basis)}[/]")
            for d in i.deductions:
                how = f"每处扣{d.points:g}分，扣完为止" if d.per_occurrence else f"扣{d.points:g}分"
                node.add(f"[magenta]{how}[/]：{escape(d.text)}")
    console().print(tree, soft_wrap=False)  # wrap long 依据 lines inside the tree instead of cutting them


@standard.command("diff")
@click.argument("old", metavar="OLD")
@click.argument("new", metavar="NEW")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出。")
def standard_diff(old, new, as_json):
    """比较两个评查标准：新增、删除、改分值、改适用类别、改否决的条目，供决定评查活动是否改用新标准。

    OLD、NEW 可以是 .toml 文件、评查数据库或内置标准名称（default、default@1、naiman）。

    \b
    示例：anjuan standard diff default@1 default
          anjuan standard diff 2024评查.db default --json
    """
    from scoring.standard import diff_standards

    a, b = _load_any(old), _load_any(new)
    d = diff_standards(a, b)
    if as_json:
        def change(c):
            return {"id": c.id, "text": c.text, "old": c.old, "new": c.new}

        def item(i):
            return {"id": i.id, "text": i.text, "points": i.points, "veto": i.veto, "applies_to": list(i.applies_to)}

        click.echo(json.dumps({
            "old": {"name": a.name, "version": a.version, "sha256": a.sha256},
            "new": {"name": b.name, "version": b.version, "sha256": b.sha256},
            "same_scoring": d.same_scoring, "header": [change(c) for c in d.header],
            "added": [item(i) for i in d.added], "removed": [item(i) for i in d.removed],
            "repointed": [change(c) for c in d.repointed], "rekinded": [change(c) for c in d.rekinded],
            "veto_changed": [change(c) for c in d.veto_changed], "moved": [change(c) for c in d.moved],
            "reworded": list(d.reworded), "deductions_changed": list(d.deductions_changed),
            "kinds": {k: {"old": _kind_summary(a, k), "new": _kind_summary(b, k)} for k in _all_kinds(a, b)},
        }, ensure_ascii=False, indent=2))
        return
    out = console()
    say = out.print
    say(f"原标准：{a.name}（{a.version}，{len(a.items)} 个条目，校验码 {a.sha256[:12]}）", markup=False)
    say(f"新标准：{b.name}（{b.version}，{len(b.items)} 个条目，校验码 {b.sha256[:12]}）", markup=False)
    if a.sha256 == b.sha256:
        say("两个标准完全相同。")
        return
    if d.header:
        say("\n计分规则：")
        for c in d.header:
            say(f"  {c.text}：{c.old} → {c.new}", markup=False)
    say("\n各类案卷：")
    for k in _all_kinds(a, b):
        o, n = _kind_summary(a, k), _kind_summary(b, k)
        say(f"  {k}：条目 {o['items']} → {n['items']}，否决项 {o['vetoes']} → {n['vetoes']}，"
            f"评分条目分值合计 {o['points']:g} → {n['points']:g}", markup=False)

    def block(title: str, rows: list[str]) -> None:
        if rows:
            say(f"\n{title}（{len(rows)} 项）：")
            for r in rows:
                say("  " + r, markup=False)

    def kinds(i) -> str:
        return "、".join(i.applies_to) if i.applies_to else "全部类别"

    def described(i) -> str:
        what = "否决项" if i.veto else f"{i.points:g}分"
        return f"{i.id} {i.text}（{what}，{kinds(i)}）"

    block("改为否决或取消否决", [f"{c.id} {c.text}：{c.old} → {c.new}" for c in d.veto_changed])
    block("新增条目", [described(i) for i in d.added])
    block("删除条目", [described(i) for i in d.removed])
    block("分值改变", [f"{c.id} {c.text}：{c.old} → {c.new}" for c in d.repointed])
    block("适用类别改变", [f"{c.id} {c.text}：{c.old} → {c.new}" for c in d.rekinded])
    block("移入其他类别", [f"{c.id} {c.text}：{c.old} → {c.new}" for c in d.moved])
    if d.reworded or d.deductions_changed:
        say(f"\n另有 {len(d.reworded)} 个条目改写了内容，{len(d.deductions_changed)} 个条目改动了扣分项或不得评优标记"
            "（anjuan standard show 查看全文）。")
    say("\n已建立的评查活动保存了创建时的标准全文，继续按原标准计分；改用新标准须新建评查活动（anjuan init --standard 新标准）。")


def _all_kinds(a, b) -> list[str]:
    return list(dict.fromkeys([*a.kinds, *b.kinds]))


def _kind_summary(std, kind: str) -> dict:
    items = std.items_for(kind) if kind in std.kinds else ()
    return {"items": len(items), "vetoes": sum(1 for i in items if i.veto), "points": sum(i.points for i in items)}
