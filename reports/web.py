"""HTML and Markdown output through jinja2 templates.

Templates live in reports/templates; a user folder given with --templates is searched first, so
any template can be replaced by putting a file of the same name there (bulletin.html.j2,
feedback.html.j2, bulletin.md.j2, feedback.md.j2, _macros.html.j2, _style.css).

HTML templates are autoescaped. Markdown has no autoescape of its own, so the Markdown
environment escapes every {{ value }} through `finalize`: Markdown punctuation and HTML angle
brackets are backslash-escaped and line breaks become spaces, so a value can neither break out of
a table cell nor inject HTML. Documents are rendered and written one at a time.
"""

from __future__ import annotations

import re
from pathlib import Path

from jinja2 import (
    ChoiceLoader,
    Environment,
    FileSystemLoader,
    StrictUndefined,
    TemplateError,
    TemplateSyntaxError,
)
from markupsafe import Markup

from . import wording as w
from .errors import ReportError
from .model import AgencyEntry, BulletinData

TEMPLATES = Path(__file__).parent / "templates"
FEEDBACK_DIR = "反馈意见书"

_CONTROL_CHARS = [c for c in range(0x20) if c not in (0x09, 0x0A, 0x0D)] + [0x7F]
_HTML_TABLE = {c: None for c in _CONTROL_CHARS}
_MD_TABLE = {**_HTML_TABLE, **{ord(c): " " for c in "\r\n\t\u2028\u2029"},
             **{ord(c): "\\" + c for c in "\\`*_{}[]<>()#+!|~&"}}
# most values need no change at all: a quick search (in C) decides whether to translate
_HTML_NEEDS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_MD_NEEDS = re.compile("[\x00-\x1f\x7f\u2028\u2029\\\\`*_{}\\[\\]<>()#+!|~&]")


_LINE_START = frozenset(" -=.>")
_NUMBERED = re.compile(r"^(\d+)([.)])(?=\s|$)")


def md_escape(value) -> str:
    """Escape a value for Markdown text or a table cell (one pass through str.translate)."""
    if value is None:
        return ""
    if isinstance(value, Markup):
        return str(value)
    text = str(value)
    if _MD_NEEDS.search(text):
        text = text.translate(_MD_TABLE)
    if text[:1] in _LINE_START:  # could open a code block, list item, setext underline or quote
        text = text.lstrip(" ")
        if text[:1] in ("-", "=", ".", ">"):
            text = "\\" + text
    if text[:1].isdigit():
        text = _NUMBERED.sub(r"\1\\\2", text, count=1)  # "1. x" would start a numbered list
    return text


def _html_finalize(value):
    if value is None:
        return ""
    if isinstance(value, str) and not isinstance(value, Markup) and _HTML_NEEDS.search(value):
        return value.translate(_HTML_TABLE)
    return value


def environment(markdown: bool, templates_dir: str | Path | None = None) -> Environment:
    loaders = []
    if templates_dir is not None:
        loaders.append(FileSystemLoader(str(templates_dir)))
    loaders.append(FileSystemLoader(str(TEMPLATES)))
    env = Environment(
        loader=ChoiceLoader(loaders),
        autoescape=not markdown,
        finalize=md_escape if markdown else _html_finalize,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        undefined=StrictUndefined,
    )
    from .rounds_text import block as round_block

    env.globals.update(w=w, cn_num=w.cn_num, typical_shown=w.TYPICAL_SHOWN, round_block=round_block)
    env.filters.update(score=w.score, pct=w.pct, points=w.points, cn_date=w.cn_date)
    return env


def _template_error(exc: TemplateError, name: str) -> ReportError:
    where = getattr(exc, "filename", None) or getattr(exc, "name", None) or name
    line = f"第{exc.lineno}行" if isinstance(exc, TemplateSyntaxError) and exc.lineno else ""
    return ReportError(f"模板 {where} {line}有错误：{exc.message or exc}")


class WebRenderer:
    """Renders the bulletin and each agency's feedback to HTML or Markdown files."""

    def __init__(self, fmt: str, templates_dir: str | Path | None = None, feedback_dir: str = FEEDBACK_DIR,
                 charts: bool = False):
        assert fmt in ("html", "md")
        self.fmt = fmt
        self.charts = charts and fmt == "html"
        self.feedback_dir = feedback_dir
        self.env = environment(fmt == "md", templates_dir)
        names = (f"bulletin.{fmt}.j2", f"feedback.{fmt}.j2")
        try:
            self.bulletin, self.feedback = (self.env.get_template(n) for n in names)
        except TemplateError as exc:
            raise _template_error(exc, names[0]) from None

    def _context(self, data: BulletinData) -> dict:
        charts = []
        if self.charts:
            from .charts import chart_svgs

            charts = [(caption, Markup(svg)) for caption, svg in chart_svgs(data)]
        return {"data": data, "fail_band": data.standard.bands[-1].name if data.standard.bands else "",
                "links": True, "feedback_dir": self.feedback_dir, "charts": charts}

    def _dump(self, template, path: Path, **context) -> None:
        # One document at a time is rendered and written: a feedback document is at most a few MB.
        try:
            text = template.render(**context)
            with open(path, "w", encoding="utf-8", newline="\n") as out:
                out.write(text)
        except TemplateError as exc:
            raise _template_error(exc, template.name) from None

    def write_bulletin(self, data: BulletinData, path: Path) -> None:
        self._dump(self.bulletin, path, **self._context(data))

    def write_feedback(self, data: BulletinData, agency: AgencyEntry, path: Path) -> None:
        self._dump(self.feedback, path, agency=agency, **self._context(data))
