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
    TemplateNotFound,
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


class _UserLoader(FileSystemLoader):
    """The --templates folder: a file that is not UTF-8 text is the user's to fix, said so."""

    def get_source(self, environment, template):
        try:
            return super().get_source(environment, template)
        except UnicodeDecodeError:
            where = Path(self.searchpath[0]) / template
            raise ReportError(f"模板 {where} 不是 UTF-8 编码的文本，请用文本编辑器另存为 UTF-8 后重试") from None


def environment(markdown: bool, templates_dir: str | Path | None = None) -> Environment:
    loaders = []
    if templates_dir is not None:
        loaders.append(_UserLoader(str(templates_dir)))
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


# jinja2's messages, most common first: (pattern, Chinese with {0}, {1} for the groups).
_JINJA_MESSAGES: tuple[tuple[str, str], ...] = (
    (r"'(.+?)' is undefined", "变量“{0}”没有定义"),
    (r"'(?:[\w.]*\.)?(.+?)(?: object)?' has no attribute '(.+?)'", "{0} 对象没有属性“{1}”"),
    (r"Unexpected end of template\..*looking for the following tags: (.+?)\..*", "模板在结束标签之前就结束了（缺少 {0}）"),
    (r"Unexpected end of template\..*", "模板在结束标签之前就结束了"),
    (r"Encountered unknown tag '(.+?)'\..*", "无法识别的标签“{0}”"),
    (r"Expected an expression, got '(.+?)'", "此处缺少表达式（遇到的是“{0}”）"),
    (r"expected token '(.+?)', got '(.+?)'", "此处应为“{0}”，实际是“{1}”"),
    (r"unexpected '(.+?)'", "多余的“{0}”"),
    (r"unexpected char '(.+?)' at \d+", "不允许的字符“{0}”"),
    (r"unexpected end of template, expected '(.+?)'\.?", "模板意外结束，缺少“{0}”"),
    (r"No filter named '(.+?)'\.?", "没有名为“{0}”的过滤器"),
    (r"No test named '(.+?)'\.?", "没有名为“{0}”的测试"),
    (r"tag name expected", "缺少标签名"),
    (r"Block '(.+?)' defined twice", "块“{0}”定义了两次"),
)


def _template_frame(exc: BaseException) -> tuple[str | None, int | None]:
    """The template file and line an error happened on (the innermost template frame): jinja2
    rewrites the traceback so that frames in a template carry its file name and line."""
    found: tuple[str | None, int | None] = (None, None)
    tb = exc.__traceback__
    while tb is not None:
        name = tb.tb_frame.f_code.co_filename
        if name.endswith(".j2"):
            found = (name, tb.tb_lineno)
        tb = tb.tb_next
    return found


def _template_error(exc: TemplateError, name: str) -> ReportError:
    """A template error in Chinese, naming the template file and line; jinja2's own words follow
    in parentheses."""
    if isinstance(exc, TemplateSyntaxError):
        where, lineno = exc.filename or exc.name or name, exc.lineno
    else:
        frame_file, lineno = _template_frame(exc)
        where = frame_file or name
    line = f"第{lineno}行" if lineno else ""
    return ReportError(f"模板 {where} {line}有错误：{jinja_text(exc)}")


def jinja_text(exc: TemplateError) -> str:
    """What a jinja2 error says, in Chinese, with jinja2's own words in parentheses."""
    detail = " ".join(str(exc.message or exc).split())
    if isinstance(exc, TemplateNotFound):
        return f"找不到模板“{exc.name}”（{detail}）"
    for pattern, chinese in _JINJA_MESSAGES:
        hit = re.fullmatch(pattern, detail, re.S)
        if hit:
            return chinese.format(*(g.replace("' or '", " 或 ").strip("'") for g in hit.groups())) + f"（{detail}）"
    return f"语法或内容错误（{detail}）"


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
