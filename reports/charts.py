"""Charts of a bulletin as SVG (pure: no plotting library, no fonts needed at build time).

Three charts: each agency's mean score by rank (with the band lines), the grade distribution and
the loss rate of each category of the standard. SVG is drawn here rather than with a plotting
library because the text is Chinese: a raster image would need a CJK font on the machine that
builds the report, while SVG text is drawn by the reader (browser, Word, WPS, LibreOffice) with the
fonts it has. The HTML bulletin inlines the SVG; the Word bulletin embeds it as an SVG picture
(Office 2016 and later, WPS and LibreOffice draw it).
"""

from __future__ import annotations

from xml.sax.saxutils import escape

from . import model as md
from . import wording as w

WIDTH = 600
FONT = "仿宋, FangSong, 'Noto Serif CJK SC', 'Source Han Serif SC', SimSun, serif"
BAR = "#4a6fa5"
FAIL = "#b04a4a"
GRID = "#bbbbbb"
MAX_AGENCIES = 40  # more would make an unreadable chart; the ranking table has them all


def _svg(height: int, body: list[str]) -> str:
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" '
            f'viewBox="0 0 {WIDTH} {height}" font-family="{FONT}" font-size="12">'
            f'<rect width="{WIDTH}" height="{height}" fill="#ffffff"/>' + "".join(body) + "</svg>")


def _t(x: float, y: float, text: str, anchor: str = "start", size: int = 12, fill: str = "#000") -> str:
    return (f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" font-size="{size}" fill="{fill}">'
            f"{escape(text)}</text>")


def _label(text: str, limit: int = 14) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def ranking_svg(data: md.BulletinData) -> str:
    """Horizontal bars: mean score of each ranked agency, best first, with the band lines."""
    ranked = data.ranked[:MAX_AGENCIES]
    row = 22
    left, right, top = 190, 60, 24
    height = top + row * len(ranked) + 34
    span = WIDTH - left - right
    body = []
    for b in data.standard.bands[:-1]:
        x = left + span * b.min / 100
        body.append(f'<line x1="{x:.1f}" y1="{top - 6}" x2="{x:.1f}" y2="{top + row * len(ranked)}" '
                    f'stroke="{GRID}" stroke-dasharray="4 3"/>')
        body.append(_t(x, top - 10, f"{b.name}{w.points(b.min)}", "middle", 10, "#555"))
    for n, a in enumerate(ranked):
        y = top + n * row
        mean = a.stats.mean if a.stats else 0.0
        colour = FAIL if data.standard.bands and mean < data.standard.bands[-2].min else BAR
        body.append(_t(left - 8, y + 15, f"{a.rank}. {_label(a.name)}", "end"))
        body.append(f'<rect x="{left}" y="{y + 4}" width="{span * max(mean, 0) / 100:.1f}" height="{row - 8}" '
                    f'fill="{colour}"/>')
        body.append(_t(left + span * max(mean, 0) / 100 + 4, y + 15, w.score(mean)))
    axis_y = top + row * len(ranked)
    body.append(f'<line x1="{left}" y1="{axis_y}" x2="{left + span}" y2="{axis_y}" stroke="#000"/>')
    for v in (0, 20, 40, 60, 80, 100):
        body.append(_t(left + span * v / 100, axis_y + 14, str(v), "middle", 10))
    body.append(_t(left + span / 2, axis_y + 30, "平均分", "middle", 11))
    return _svg(height, body)


def grades_svg(data: md.BulletinData) -> str:
    """Vertical bars: files in each grade, with counts and shares."""
    o = data.overall
    grades = o.grades if o else []
    height = 240
    left, bottom, top = 60, 200, 30
    most = max((g.count for g in grades), default=0) or 1
    col = (WIDTH - left - 40) / max(len(grades), 1)
    body = [f'<line x1="{left}" y1="{bottom}" x2="{WIDTH - 40}" y2="{bottom}" stroke="#000"/>']
    for n, g in enumerate(grades):
        h = (bottom - top) * g.count / most
        x = left + n * col + col * 0.25
        colour = FAIL if n == len(grades) - 1 else BAR
        body.append(f'<rect x="{x:.1f}" y="{bottom - h:.1f}" width="{col * 0.5:.1f}" height="{h:.1f}" fill="{colour}"/>')
        body.append(_t(x + col * 0.25, bottom - h - 6, f"{g.count}卷（{w.pct(g.share)}）", "middle"))
        body.append(_t(x + col * 0.25, bottom + 18, g.name, "middle"))
    return _svg(height, body)


def categories_svg(data: md.BulletinData) -> str:
    """Horizontal bars: loss rate of each category."""
    cats = [c for c in data.categories if c.possible > 0]
    row = 26
    left, right, top = 130, 70, 12
    height = top + row * len(cats) + 34
    span = WIDTH - left - right
    most = max((c.rate for c in cats), default=0) or 1
    body = []
    for n, c in enumerate(cats):
        y = top + n * row
        width = span * c.rate / most
        body.append(_t(left - 8, y + 17, _label(c.name, 8), "end"))
        body.append(f'<rect x="{left}" y="{y + 5}" width="{width:.1f}" height="{row - 10}" fill="{BAR}"/>')
        body.append(_t(left + width + 4, y + 17, w.pct(c.rate)))
    axis_y = top + row * len(cats)
    body.append(f'<line x1="{left}" y1="{axis_y}" x2="{left + span}" y2="{axis_y}" stroke="#000"/>')
    body.append(_t(left + span / 2, axis_y + 22, "失分率（失分合计 ÷ 适用分值合计）", "middle", 11))
    return _svg(height, body)


def chart_svgs(data: md.BulletinData) -> list[tuple[str, str]]:
    """(caption, SVG text) of every chart the bulletin has data for."""
    if data.overall is None:
        return []
    out = []
    if data.ranked:
        caption = "各执法机关平均分"
        if len(data.ranked) > MAX_AGENCIES:
            caption += f"（前{MAX_AGENCIES}名）"
        out.append((caption, ranking_svg(data)))
    out.append(("等次分布", grades_svg(data)))
    if any(c.possible > 0 for c in data.categories):
        out.append(("各类别失分率", categories_svg(data)))
    return out


def svg_size(svg: str) -> tuple[int, int]:
    """(width, height) in pixels as written by this module."""
    import re

    mo = re.search(r'width="(\d+)" height="(\d+)"', svg)
    return (int(mo.group(1)), int(mo.group(2))) if mo else (WIDTH, 300)
