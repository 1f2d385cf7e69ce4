"""Checklist standards: parse, validate and describe a TOML standard (pure, no I/O beyond text)."""

from __future__ import annotations

import hashlib
import re
import tomllib
from dataclasses import dataclass, field

NA_EXCLUDE = "exclude"
NA_FULL_MARKS = "full_marks"
VETO_ZERO = "zero"
VETO_KEEP = "keep"
EPS = 1e-9
SCHEMAS = (1, 2)
"""Format versions. Schema 1: for every kind, the items of a category sum to the category's points,
and a file's score is its kept points over its applicable points. Schema 2: a category's points are
its weight; each kind's items inside it carry points by importance (any positive total), and a
file's score weighs each category's kept share by the category's points (see FORMAT.md)."""


@dataclass(frozen=True)
class Deduction:
    """One deduction option of an item: its standard problem wording and points."""

    text: str
    points: float
    per_occurrence: bool = False


@dataclass(frozen=True)
class Item:
    """One checklist item (评查项目)."""

    id: str
    category_id: str
    text: str
    points: float
    veto: bool = False
    veto_text: str = ""
    bars_excellent: bool = False
    applies_to: tuple[str, ...] = ()
    basis: str = ""
    guide: str = ""
    deductions: tuple[Deduction, ...] = ()
    group: str = ""

    def applies(self, kind: str | None) -> bool:
        """Whether the item applies to a file of this 案件类别. A file with no kind ("" or None)
        gets every item, so nothing is skipped silently: the reviewer marks what does not apply."""
        return not self.applies_to or not kind or kind in self.applies_to


@dataclass(frozen=True)
class Category:
    id: str
    name: str
    points: float
    items: tuple[Item, ...] = ()


@dataclass(frozen=True)
class Band:
    name: str
    min: float


@dataclass(frozen=True)
class Standard:
    """A parsed, validated checklist standard together with its source text and hash."""

    id: str
    name: str
    version: str
    description: str
    not_applicable: str
    veto_score: str
    kinds: tuple[str, ...]
    bands: tuple[Band, ...]
    categories: tuple[Category, ...]
    text: str = field(repr=False, compare=False)
    sha256: str = ""
    schema: int = 1

    @property
    def weighted(self) -> bool:
        """Schema 2: category points are weights, item points inside a category vary by kind."""
        return self.schema >= 2

    @property
    def items(self) -> tuple[Item, ...]:
        return tuple(i for c in self.categories for i in c.items)

    def item(self, item_id: str) -> Item:
        return self._index()[item_id]

    def has_item(self, item_id: str) -> bool:
        return item_id in self._index()

    def _index(self) -> dict[str, Item]:
        idx = self.__dict__.get("_idx")
        if idx is None:
            idx = {i.id: i for i in self.items}
            object.__setattr__(self, "_idx", idx)
        return idx

    def items_for(self, kind: str | None) -> tuple[Item, ...]:
        """Items that apply to a file of the given 案件类别, in checklist order."""
        key = ("_for", kind)
        cached = self.__dict__.get(key)
        if cached is None:
            cached = tuple(i for i in self.items if i.applies(kind))
            self.__dict__[key] = cached
        return cached

    def category_points_for(self, kind: str | None) -> dict[str, float]:
        """Points of the items of each category that apply to a file of this kind."""
        return {c.id: sum(i.points for i in c.items if i.applies(kind)) for c in self.categories}

    def category(self, category_id: str) -> Category:
        return next(c for c in self.categories if c.id == category_id)

    @property
    def top_band(self) -> Band:
        return self.bands[0]

    @property
    def fail_band(self) -> Band:
        return self.bands[-1]

    def grade_for(self, score: float) -> str:
        for band in self.bands:
            if score >= band.min - EPS:
                return band.name
        return self.bands[-1].name

    def to_dict(self) -> dict:
        """A JSON-ready description of the standard."""
        return {
            "id": self.id,
            "name": self.name,
            "version": self.version,
            "sha256": self.sha256,
            "description": self.description,
            "not_applicable": self.not_applicable,
            "veto_score": self.veto_score,
            **({"schema": self.schema} if self.schema != 1 else {}),
            "kinds": list(self.kinds),
            "bands": [{"name": b.name, "min": b.min} for b in self.bands],
            "categories": [
                {
                    "id": c.id,
                    "name": c.name,
                    "points": c.points,
                    "items": [
                        {
                            "id": i.id,
                            "text": i.text,
                            "points": i.points,
                            "veto": i.veto,
                            "veto_text": i.veto_text,
                            "bars_excellent": i.bars_excellent,
                            "applies_to": list(i.applies_to),
                            "basis": i.basis,
                            "guide": i.guide,
                            "deductions": [
                                {"text": d.text, "points": d.points, "per_occurrence": d.per_occurrence}
                                for d in i.deductions
                            ],
                        } | ({"group": i.group} if i.group else {})
                        for i in c.items
                    ],
                }
                for c in self.categories
            ],
        }


@dataclass(frozen=True)
class StandardProblem:
    """One validation problem, located by line in the TOML text where possible."""

    message: str
    line: int | None = None
    where: str = ""

    def __str__(self) -> str:
        loc = f"第{self.line}行" if self.line else ""
        where = f"（{self.where}）" if self.where else ""
        return f"{loc}{where}：{self.message}" if loc or where else self.message


class StandardError(ValueError):
    """A standard that cannot be used; carries every problem found."""

    def __init__(self, problems: list[StandardProblem], source: str = ""):
        self.problems = problems
        self.source = source
        head = f"评查标准 {source} 有 {len(problems)} 处错误" if source else f"评查标准有 {len(problems)} 处错误"
        super().__init__(head + "：\n" + "\n".join(f"  - {p}" for p in problems))


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _fmt(x: float) -> str:
    return f"{x:g}"


_ID_LINE = re.compile(r'^\s*id\s*=\s*["\']([^"\']*)["\']')


class _Lines:
    """Finds the line where an id is declared, so errors point into the file."""

    def __init__(self, text: str):
        self.lines = text.splitlines()
        self._ids: dict[str, list[int]] | None = None

    def of_id(self, ident: str, start: int = 0) -> int | None:
        """The first line after `start` declaring id = "ident" (either quote, as TOML allows)."""
        if "'" in ident or '"' in ident:  # not a key of the index below: read the lines
            pat = re.compile(r'^\s*id\s*=\s*["\']' + re.escape(ident) + r'["\']')
            for n, line in enumerate(self.lines[start:], start + 1):
                if pat.match(line):
                    return n
            return None
        if self._ids is None:  # every check asks for most ids: one pass over the text answers all
            self._ids = {}
            for n, line in enumerate(self.lines, 1):
                found = _ID_LINE.match(line)
                if found:
                    self._ids.setdefault(found.group(1), []).append(n)
        for n in self._ids.get(ident, ()):
            if n > start:
                return n
        return None

    def of_key(self, key: str, after: int | None = None) -> int | None:
        pat = re.compile(r"^\s*" + re.escape(key) + r"\s*=")
        start = after or 0
        for n, line in enumerate(self.lines[start:], start + 1):
            if pat.match(line):
                return n
        return None

    def of_band(self, name: str) -> int | None:
        pat = re.compile(r'^\s*name\s*=\s*["\']' + re.escape(name) + r'["\']')
        in_bands = False
        for n, line in enumerate(self.lines, 1):
            if line.strip().startswith("[[bands]]"):
                in_bands = True
            elif line.strip().startswith("["):
                in_bands = False
            if in_bands and pat.match(line):
                return n
        return None


def _num(value, what: str, problems: list[StandardProblem], line, where) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        problems.append(StandardProblem(f"{what}应为数字，实际为 {value!r}", line, where))
        return 0.0
    if value < 0:
        problems.append(StandardProblem(f"{what}不能为负数（{value}）", line, where))
    return float(value)


def _str(value, what: str, problems, line, where, required=True) -> str:
    if value is None:
        if required:
            problems.append(StandardProblem(f"缺少{what}", line, where))
        return ""
    if not isinstance(value, str):
        problems.append(StandardProblem(f"{what}应为文字，实际为 {value!r}", line, where))
        return ""
    if required and not value.strip():
        problems.append(StandardProblem(f"{what}不能为空", line, where))
    return value.strip()


def _tables(value, what: str, problems: list[StandardProblem], line=None, where="") -> list[dict]:
    """The tables of an array of tables ([[...]]); anything else is reported, not crashed on."""
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        problems.append(StandardProblem(f"{what}应写成表数组 [[{what}]]，实际为 {value!r}", line, where))
        return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []
    return value


# tomllib's messages (Python 3.11-3.13 word them so), most common first; {0} is the quoted part.
_TOML_MESSAGES: tuple[tuple[str, str], ...] = (
    (r"Invalid value", "值的写法不正确（文字须用英文双引号括起，数字不加引号，列表用 [ ]）"),
    (r"Expected '=' after a key in a key/value pair", "键名后面缺少“=”"),
    (r"Expected newline or end of document after a statement", "一行只能写一项，这一项后面有多余的内容"),
    (r"Invalid statement", "无法识别的语句"),
    (r"Invalid initial character for a key part", "键名以不允许的字符开头（键名只能用字母、数字、_ 和 -，或用英文双引号括起）"),
    (r"Unterminated string", "字符串缺少结尾的英文双引号"),
    (r"Unclosed array", "列表缺少结尾的“]”"),
    (r"Unclosed inline table", "内联表缺少结尾的“}”"),
    (r"Expected ']' at the end of a table declaration", "表名后面缺少“]”"),
    (r"Expected ']]' at the end of an array declaration", "表数组名后面缺少“]]”"),
    (r"Cannot overwrite a value", "重复赋值：这个键已经有值"),
    (r"Cannot declare (.+) twice", "表 {0} 重复声明"),
    (r"Cannot redefine namespace (.+)", "不能重新定义 {0}"),
    (r"Cannot mutate immutable namespace (.+)", "不能修改已定义完毕的 {0}"),
    (r"Duplicate inline table key (.+)", "内联表中的键 {0} 重复"),
    (r"Illegal character '\\n'", "字符串缺少结尾的英文双引号（单行字符串不能换行）"),
    (r"Illegal character (.+)", "字符串中有不允许的字符 {0}"),
    (r"Found invalid character (.+)", "有不允许的字符 {0}"),
    (r"Expected (.+)", "此处应为 {0}"),
    (r"Unescaped '\\' in a string", "字符串中的反斜杠“\\”须写成“\\\\”"),
    (r"Invalid hex value", "转义序列中的十六进制数不正确"),
    (r"Escaped character is not a Unicode scalar value", "转义字符不是有效的 Unicode 字符"),
    (r"Invalid date or datetime", "日期或时间的写法不正确"),
)


def toml_error_text(message: str, text: str) -> tuple[str, int | None]:
    """A tomllib error in Chinese, with its line number: "TOML 语法错误（第5列）：键名后面缺少“=”"."""
    found = re.fullmatch(r"(.*) \((?:at line (\d+), column (\d+)|at (end of document))\)", message, re.S)
    what, line, where = message, None, ""
    if found:
        what = found.group(1)
        if found.group(4):
            line, where = text.count("\n") + (0 if text.endswith("\n") or not text else 1), "文件末尾"
            line = max(line, 1)
        else:
            line, where = int(found.group(2)), f"第{found.group(3)}列"
    for pattern, chinese in _TOML_MESSAGES:
        hit = re.fullmatch(pattern, what, re.S)
        if hit:
            said = chinese.format(*hit.groups())
            break
    else:
        said = f"无法解析（{what}）"
    return f"TOML 语法错误{f'（{where}）' if where else ''}：{said}", line


def check_standard(text: str) -> tuple[Standard | None, list[StandardProblem]]:
    """Parse and validate a standard; returns it (or None) and every problem found."""
    problems: list[StandardProblem] = []
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        message, line = toml_error_text(str(exc), text)
        return None, [StandardProblem(message, line)]
    lines = _Lines(text)

    schema = raw.get("schema", 1)
    if isinstance(schema, bool) or schema not in SCHEMAS:
        problems.append(StandardProblem(f"schema 应为 {' 或 '.join(str(x) for x in SCHEMAS)}，实际为 {schema!r}", lines.of_key("schema"), "文件头"))
        schema = 1
    top = {k: raw.get(k) for k in ("id", "name", "version")}
    sid = _str(top["id"], "标准编号 id", problems, lines.of_key("id"), "文件头")
    name = _str(top["name"], "标准名称 name", problems, lines.of_key("name"), "文件头")
    version = _str(str(top["version"]) if top["version"] is not None else None, "版本 version", problems, lines.of_key("version"), "文件头")
    na = raw.get("not_applicable", NA_EXCLUDE)
    if na not in (NA_EXCLUDE, NA_FULL_MARKS):
        problems.append(StandardProblem(f"not_applicable 应为 \"{NA_EXCLUDE}\" 或 \"{NA_FULL_MARKS}\"，实际为 {na!r}", lines.of_key("not_applicable"), "文件头"))
    veto_score = raw.get("veto_score", VETO_ZERO)
    if veto_score not in (VETO_ZERO, VETO_KEEP):
        problems.append(StandardProblem(f"veto_score 应为 \"{VETO_ZERO}\" 或 \"{VETO_KEEP}\"，实际为 {veto_score!r}", lines.of_key("veto_score"), "文件头"))
    kinds_raw = raw.get("kinds", [])
    if not isinstance(kinds_raw, list) or not all(isinstance(k, str) for k in kinds_raw):
        problems.append(StandardProblem("kinds 应为案件类别文字的列表", lines.of_key("kinds"), "文件头"))
        kinds_raw = []
    kinds = tuple(k.strip() for k in kinds_raw)

    bands = _parse_bands(raw.get("bands"), lines, problems)

    seen_ids: dict[str, int | None] = {}
    categories: list[Category] = []
    raw_cats = _tables(raw.get("categories"), "categories", problems, lines.of_key("categories"), "类别")
    if not raw_cats:
        problems.append(StandardProblem("至少需要一个评查类别 [[categories]]"))
    cursor = 0
    for cat_no, rc in enumerate(raw_cats, 1):
        cid = str(rc.get("id", "")).strip()
        cline = lines.of_id(cid, cursor) if cid else None
        cursor = cline or cursor
        where = f"类别 {cid or cat_no}"
        if not cid:
            problems.append(StandardProblem(f"第{cat_no}个类别缺少 id", None, where))
        elif cid in seen_ids:
            problems.append(StandardProblem(f"编号 {cid} 重复（第{seen_ids[cid]}行已使用）", cline, where))
        seen_ids.setdefault(cid, cline)
        cname = _str(rc.get("name"), "类别名称 name", problems, cline, where)
        cpoints = _num(rc.get("points"), "类别分值 points", problems, cline, where)
        items: list[Item] = []
        for ri in _tables(rc.get("items"), "categories.items", problems, cline, where):
            item, cursor = _parse_item(ri, cid, lines, cursor, seen_ids, problems)
            if item:
                items.append(item)
        categories.append(Category(cid, cname, cpoints, tuple(items)))

    total = sum(c.points for c in categories)
    if categories and abs(total - 100) > EPS:
        detail = "；".join(f"{c.name or c.id} {_fmt(c.points)}" for c in categories)
        problems.append(StandardProblem(f"各类别分值合计应为 100，实际为 {_fmt(total)}（{detail}），相差 {_fmt(total - 100)}", lines.of_key("points"), "类别合计"))
    if schema >= 2:
        _check_schema2(categories, kinds, lines, problems)
    else:
        _check_category_sums(categories, kinds, lines, problems)
    for c in categories:
        for i in c.items:
            for k in i.applies_to:
                if kinds and k not in kinds:
                    problems.append(StandardProblem(f"applies_to 中的案件类别“{k}”不在 kinds 列表中", lines.of_id(i.id), f"条目 {i.id}"))

    if problems:
        return None, problems
    std = Standard(
        id=sid, name=name, version=version, description=str(raw.get("description", "")).strip(),
        not_applicable=na, veto_score=veto_score, kinds=kinds, bands=tuple(bands),
        categories=tuple(categories), text=text, sha256=sha256_text(text), schema=schema,
    )
    return std, []


def _parse_bands(raw_bands, lines: _Lines, problems: list[StandardProblem]) -> list[Band]:
    if raw_bands is None:
        return [Band("优秀", 90.0), Band("合格", 60.0), Band("不合格", 0.0)]
    bands: list[Band] = []
    for rb in _tables(raw_bands, "bands", problems, lines.of_key("bands"), "等次"):
        bname = str(rb.get("name", "")).strip()
        line = lines.of_band(bname) if bname else None
        if not bname:
            problems.append(StandardProblem("等次缺少名称 name", None, "等次"))
        bands.append(Band(bname, _num(rb.get("min"), f"等次“{bname}”的下限 min", problems, line, "等次")))
    for prev, cur in zip(bands, bands[1:], strict=False):
        if cur.min >= prev.min:
            problems.append(StandardProblem(
                f"等次须按分数从高到低排列：“{cur.name}”的下限 {_fmt(cur.min)} 不低于上一等次“{prev.name}”的 {_fmt(prev.min)}",
                lines.of_band(cur.name), "等次"))
    if bands and bands[-1].min != 0:
        problems.append(StandardProblem(f"最低等次“{bands[-1].name}”的下限应为 0，实际为 {_fmt(bands[-1].min)}", lines.of_band(bands[-1].name), "等次"))
    if len(bands) < 2:
        problems.append(StandardProblem("至少需要两个等次", lines.of_key("[[bands]]"), "等次"))
    return bands


def _parse_item(ri, cid, lines: _Lines, cursor, seen_ids, problems):
    iid = str(ri.get("id", "")).strip()
    line = lines.of_id(iid, cursor) if iid else None
    cursor = line or cursor
    where = f"条目 {iid or '?'}"
    if not iid:
        problems.append(StandardProblem(f"类别 {cid} 下有条目缺少 id", None, where))
        return None, cursor
    if iid in seen_ids:
        problems.append(StandardProblem(f"编号 {iid} 重复（第{seen_ids[iid]}行已使用）", line, where))
    seen_ids.setdefault(iid, line)
    text = _str(ri.get("text"), "条目内容 text", problems, line, where)
    points = _num(ri.get("points"), "条目分值 points", problems, line, where)
    veto = bool(ri.get("veto", False))
    if points == 0 and not veto:
        problems.append(StandardProblem("分值为 0 的条目只能是否决项（veto = true）", line, where))
    applies = ri.get("applies_to", []) or []
    if not isinstance(applies, list):
        problems.append(StandardProblem("applies_to 应为案件类别列表", line, where))
        applies = []
    deductions = []
    for n, rd in enumerate(_tables(ri.get("deductions"), "categories.items.deductions", problems, line, where), 1):
        dpoints = _num(rd.get("points"), f"第{n}个扣分项的分值", problems, line, where)
        dtext = _str(rd.get("text"), f"第{n}个扣分项的问题表述 text", problems, line, where)
        if dpoints > points + EPS:
            problems.append(StandardProblem(f"第{n}个扣分项“{dtext}”扣 {_fmt(dpoints)} 分，超过条目分值 {_fmt(points)} 分", line, where))
        if dpoints <= 0:
            problems.append(StandardProblem(f"第{n}个扣分项“{dtext}”的分值应大于 0", line, where))
        deductions.append(Deduction(dtext, dpoints, bool(rd.get("per_occurrence", False))))
    item = Item(
        id=iid, category_id=cid, text=text, points=points, veto=veto,
        veto_text=str(ri.get("veto_text", "")).strip(),
        bars_excellent=bool(ri.get("bars_excellent", False)),
        applies_to=tuple(str(a).strip() for a in applies),
        basis=str(ri.get("basis", "")).strip(), guide=str(ri.get("guide", "")).strip(),
        deductions=tuple(deductions), group=str(ri.get("group", "")).strip(),
    )
    return item, cursor


def _check_category_sums(categories, kinds, lines: _Lines, problems) -> None:
    for c in categories:
        line = lines.of_id(c.id)
        if not kinds:
            s = sum(i.points for i in c.items)
            if abs(s - c.points) > EPS:
                problems.append(StandardProblem(f"类别“{c.name}”分值为 {_fmt(c.points)}，其条目合计 {_fmt(s)}，相差 {_fmt(s - c.points)}", line, f"类别 {c.id}"))
            continue
        for kind in kinds:
            s = sum(i.points for i in c.items if i.applies(kind))
            if abs(s - c.points) > EPS:
                problems.append(StandardProblem(
                    f"类别“{c.name}”分值为 {_fmt(c.points)}，适用于“{kind}”的条目合计 {_fmt(s)}，相差 {_fmt(s - c.points)}",
                    line, f"类别 {c.id}"))


def _check_schema2(categories, kinds, lines: _Lines, problems) -> None:
    """The rules of schema 2 (FORMAT.md): veto items carry no points and no deductions (a defect is
    either a veto or a deduction, never both); scored items carry deduction options; every kind is
    scored in every category."""
    if not kinds:
        problems.append(StandardProblem("schema = 2 的标准须用 kinds 列出适用的案件类别", lines.of_key("kinds"), "文件头"))
    for c in categories:
        for i in c.items:
            line, where = lines.of_id(i.id), f"条目 {i.id}"
            if i.veto:
                if i.points > EPS:
                    problems.append(StandardProblem(f"否决项的分值应为 0（同一问题不能既否决又扣分），实际为 {_fmt(i.points)}", line, where))
                if i.deductions:
                    problems.append(StandardProblem("否决项不能再设扣分项（同一问题不能既否决又扣分）", line, where))
                if not i.veto_text:
                    problems.append(StandardProblem("否决项须写明否决情形 veto_text", line, where))
            elif not i.deductions:
                problems.append(StandardProblem("评分条目至少需要一个扣分项", line, where))
        for kind in kinds:
            if not any(i.points > EPS and i.applies(kind) for i in c.items):
                problems.append(StandardProblem(f"类别“{c.name}”没有适用于“{kind}”的评分条目", lines.of_id(c.id), f"类别 {c.id}"))


def load_standard(text: str, source: str = "") -> Standard:
    """Parse a standard, raising StandardError with every problem if it is not valid."""
    std, problems = check_standard(text)
    if std is None:
        raise StandardError(problems, source)
    return std


@dataclass(frozen=True)
class ItemChange:
    """One item present in both standards whose scoring changed."""

    id: str
    text: str
    old: str
    new: str


@dataclass(frozen=True)
class StandardDiff:
    """What changes for a campaign if it is scored by `new` instead of `old` (pure data)."""

    old: Standard
    new: Standard
    added: tuple[Item, ...]
    removed: tuple[Item, ...]
    repointed: tuple[ItemChange, ...]
    rekinded: tuple[ItemChange, ...]
    veto_changed: tuple[ItemChange, ...]
    moved: tuple[ItemChange, ...]
    reworded: tuple[str, ...]
    deductions_changed: tuple[str, ...]
    header: tuple[ItemChange, ...]

    @property
    def same_scoring(self) -> bool:
        return not (self.added or self.removed or self.repointed or self.rekinded or self.veto_changed
                    or self.moved or self.deductions_changed or self.header)


def _kinds_label(item: Item) -> str:
    return "、".join(item.applies_to) if item.applies_to else "全部类别"


def diff_standards(old: Standard, new: Standard) -> StandardDiff:
    """Items added, removed, re-pointed, re-kinded, veto changed or moved between two standards."""
    old_ids = {i.id: i for i in old.items}
    new_ids = {i.id: i for i in new.items}
    cat_old = {c.id: c.name for c in old.categories}
    cat_new = {c.id: c.name for c in new.categories}
    repointed, rekinded, veto, moved, reworded, deds = [], [], [], [], [], []
    for item in new.items:
        was = old_ids.get(item.id)
        if was is None:
            continue
        if abs(was.points - item.points) > EPS:
            repointed.append(ItemChange(item.id, item.text, f"{_fmt(was.points)}分", f"{_fmt(item.points)}分"))
        if set(was.applies_to) != set(item.applies_to):
            rekinded.append(ItemChange(item.id, item.text, _kinds_label(was), _kinds_label(item)))
        if was.veto != item.veto:
            veto.append(ItemChange(item.id, item.text, "否决项" if was.veto else "扣分项", "否决项" if item.veto else "扣分项"))
        if cat_old.get(was.category_id) != cat_new.get(item.category_id):
            moved.append(ItemChange(item.id, item.text, cat_old.get(was.category_id, was.category_id),
                                    cat_new.get(item.category_id, item.category_id)))
        if was.text != item.text:
            reworded.append(item.id)
        if [(d.text, d.points, d.per_occurrence) for d in was.deductions] != [(d.text, d.points, d.per_occurrence) for d in item.deductions] \
                or was.bars_excellent != item.bars_excellent:
            deds.append(item.id)
    header = []

    def head(label: str, a, b) -> None:
        if a != b:
            header.append(ItemChange("", label, str(a), str(b)))

    head("计分方式", "条目分值合计" if not old.weighted else "类别权重", "条目分值合计" if not new.weighted else "类别权重")
    head("类别及分值", "，".join(f"{c.name}{_fmt(c.points)}" for c in old.categories),
         "，".join(f"{c.name}{_fmt(c.points)}" for c in new.categories))
    head("等次", "，".join(f"{b.name}≥{_fmt(b.min)}" for b in old.bands), "，".join(f"{b.name}≥{_fmt(b.min)}" for b in new.bands))
    head("不适用项", old.not_applicable, new.not_applicable)
    head("否决后得分", old.veto_score, new.veto_score)
    head("案件类别", "、".join(old.kinds), "、".join(new.kinds))
    return StandardDiff(
        old=old, new=new,
        added=tuple(i for i in new.items if i.id not in old_ids),
        removed=tuple(i for i in old.items if i.id not in new_ids),
        repointed=tuple(repointed), rekinded=tuple(rekinded), veto_changed=tuple(veto), moved=tuple(moved),
        reworded=tuple(reworded), deductions_changed=tuple(deds), header=tuple(header),
    )
