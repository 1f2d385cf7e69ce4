"""Wording of the bulletin sections on other rounds: 自查情况 (self-check and its deviation from
the 抽查) and 与上年度对比 (year on year). Each section is a few paragraphs and one table (a
Block), which every format renders the same way, so the figures read the same in Word, Excel,
HTML and Markdown."""

from __future__ import annotations

from dataclasses import dataclass, field

from . import wording as w

SECTIONS = ("selfcheck", "previous")


@dataclass
class Block:
    paragraphs: list[str]
    headers: list[str] = field(default_factory=list)
    rows: list[list] = field(default_factory=list)
    widths: list[int] = field(default_factory=list)
    aligns: list[str] = field(default_factory=list)  # left | center | right
    caption: str = ""
    after: list[str] = field(default_factory=list)


def sections(data) -> list[tuple[str, str]]:
    out = []
    if getattr(data, "selfcheck", None) is not None:
        out.append(("selfcheck", "执法机关自查情况"))
    if getattr(data, "previous", None) is not None:
        out.append(("previous", "与上年度评查结果对比"))
    return out


def _signed(x: float | None) -> str:
    return "—" if x is None else f"{x:+.2f}"


def selfcheck_block(data) -> Block:
    sc = data.selfcheck
    sent = [a for a in sc.agencies if a.checked]
    missing = [a for a in sc.agencies if not a.checked]
    short = [a for a in sent if not a.meets]
    lenient = [a for a in sc.agencies if a.lenient]
    para = (f"按照自查案卷数量不少于本部门执法案卷总数{sc.ratio * 100:g}%的要求，{len(sent)}个执法机关报送了自查结果，"
            + (f"其中{len(short)}个未达到自查数量要求（{'、'.join(a.agency for a in short)}）。" if short
               else "自查数量均达到要求。"))
    if missing:
        para += f"{'、'.join(a.agency for a in missing)}尚未报送自查结果。"
    paras = [para]
    compared = [a for a in sc.agencies if a.both]
    if compared:
        paras.append("对自查与抽查都评查的案卷，逐卷比较两者的得分、等次和发现的问题（偏差为自查得分减抽查得分）。"
                     f"自查平均得分比抽查高出{w.points(sc.lenient_gap)}分及以上的，认定为自查偏宽。")
    if lenient:
        paras.append(f"{'、'.join(a.agency for a in lenient)}自查偏宽，自查未能如实反映案卷质量，"
                     "请认真查找原因，严格按照评查标准重新开展自查。")
    missed = sum(len(a.missed) for a in sc.agencies)
    if missed:
        paras.append(f"抽查发现而自查未发现的问题共{missed}个，相关执法机关要一并列入整改台账。")
    rows = [[a.agency, a.catalog, a.required, a.checked, "是" if a.meets else "否", w.score(a.self_mean), a.both,
             _signed(a.mean_diff), a.grade_diffs if a.both else "—", len(a.missed) if a.both else "—",
             "自查偏宽" if a.lenient else ""] for a in sc.agencies]
    return Block(paras, ["执法机关", "案卷总数", "应自查", "已自查", "达标", "自查均分", "共同案卷", "偏差", "等次不同",
                         "自查漏查", "评价"], rows, [12, 4, 4, 4, 3, 5, 4, 5, 4, 4, 5],
                 ["left"] + ["right"] * 3 + ["center"] + ["right"] * 5 + ["center"], "自查与抽查偏差情况")


def previous_block(data) -> Block:
    yy = data.previous
    year = f"{yy.previous_year}年度" if yy.previous_year else "上年度"
    up = [r for r in yy.agencies if r.diff is not None and r.diff > 0]
    down = [r for r in yy.agencies if r.diff is not None and r.diff < 0]
    matched = [r for r in yy.agencies if r.prev_mean is not None]
    if matched:
        same = len(matched) - len(up) - len(down)
        paras = [f"与{year}评查（{yy.previous_campaign}）相比，{len(matched)}个执法机关两年均有评查结果，其中{len(up)}个平均分上升，"
                 f"{len(down)}个下降" + (f"，{same}个持平。" if same else "。")]
    else:
        paras = [f"{year}评查（{yy.previous_campaign}）中没有与本年名称相同且有评查结果的执法机关，无法逐一对比。"]
    if not yy.same_standard:
        paras.append("两年评查标准不同，问题按评查项目名称对应比较。")
    rows = [[r.agency, w.score(r.mean), r.grade or "—", r.rank if r.rank is not None else "—", w.score(r.prev_mean),
             r.prev_grade or "—", r.prev_rank if r.prev_rank is not None else "—", _signed(r.diff)] for r in yy.agencies]
    after = []
    if yy.recurring:
        after.append("以下问题在两年评查中重复出现，相关执法机关要作为整改重点，建立长效机制，防止屡查屡犯：")
        after.extend(f"{r.agency}：{r.item_text}（本年{r.count}卷，上年{r.prev_count}卷）" for r in yy.recurring)
    else:
        after.append("未发现两年评查中重复出现的问题。")
    return Block(paras, ["执法机关", "本年均分", "本年等次", "本年名次", "上年均分", "上年等次", "上年名次", "均分变化"],
                 rows, [12, 5, 5, 4, 5, 5, 4, 5], ["left"] + ["right", "center", "right"] * 2 + ["right"],
                 "与上年度对比", after)


def block(data, key: str) -> Block:
    return selfcheck_block(data) if key == "selfcheck" else previous_block(data)
