"""The always-visible score panel: score, grade, points lost per category, veto, unanswered."""

from __future__ import annotations

from rich.cells import cell_len
from textual.markup import escape
from textual.widgets import Static

from scoring import CaseScore, Standard

from .cells import fit, points, show_text


class ScorePanel(Static):
    """Shows a CaseScore; the screen recomputes it in memory after every answer."""

    def show(self, result: CaseScore, standard: Standard, submitted: bool = False) -> None:
        self.set_class(result.vetoed, "-vetoed")
        self.set_class(not result.unanswered, "-complete")
        grade_style = "$error" if result.vetoed or result.grade == standard.fail_band.name else (
            "$success" if result.grade == standard.top_band.name else "$warning")
        if result.answered == 0:
            lines = ["得分 [b]—[/b]　等级 [b]—[/b]　[dim]尚未开始评查[/]"]
        else:
            provisional = "　[dim]暂计[/]" if result.unanswered else ""
            lines = [f"得分 [b]{points(result.score)}[/b]　等级 [b {grade_style}]{escape(result.grade)}[/]{provisional}"]
        if result.unanswered:
            lines.append(f"[$warning]未评 {len(result.unanswered)} 项[/]（共 {result.applicable} 项）")
        elif submitted:
            lines.append(f"[$success]全部 {result.applicable} 项已评，本卷已提交[/]（只读）")
        else:
            lines.append(f"[$success]全部 {result.applicable} 项已评[/]，可提交")
        if result.vetoed:
            lines.append(f"[b $error]⚠ 否决：{escape('、'.join(result.veto_items))}，本卷不合格[/]")
        elif result.excellent_barred:
            lines.append("[$warning]有不得评优的问题，不能评为优秀[/]")
        name_width = max(cell_len(c.name) for c in result.categories) if result.categories else 4
        for c in result.categories:
            name = fit(c.name, name_width)
            if c.possible <= 1e-9:
                lines.append(f"{escape(name)}  [dim]不适用[/]")
                continue
            lost = f"扣 {points(c.lost)}" if c.lost > 1e-9 else "扣 0"
            style = "$error" if c.lost > 1e-9 else "dim"
            lines.append(f"{escape(name)}  [{style}]{fit(lost, 7)}[/]／{points(c.possible)}")
        show_text(self, "\n".join(lines))
