"""Validating an answer sheet against the campaign: which case file each row is about, whether
its item, 结论 and 扣分 are valid (the same validate_answer the screens use), and what would change."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from sqlalchemy import select

from anjuan import models as m
from anjuan.errors import InputError
from anjuan.review.answers_read import (
    MAX_ERRORS_SHOWN,
    MAX_NOTE_CHARS,
    SheetProblem,
    _fmt,
    _norm,
    _parse_number,
    _Row,
    _Sheet,
)
from anjuan.review.reviewing import StoredAnswer, validate_answer
from anjuan.tables import normalise_case_no
from scoring import DEDUCT, NA, PASS, VERDICTS, VETO, Standard

IN_CHUNK = 500
EPS = 1e-9

def _chunks(values: Sequence, n: int = IN_CHUNK) -> Iterable[Sequence]:
    for i in range(0, len(values), n):
        yield values[i:i + n]


# ---------------------------------------------------------------------------------------------
# Import: checking against the database


@dataclass
class _Case:
    id: str
    agency: str
    case_no: str
    kind: str

    @property
    def label(self) -> str:
        return f"{self.agency} {self.case_no}"


@dataclass
class _Review:
    id: str
    status: str
    revision: int
    new: bool = False
    answers: dict[str, StoredAnswer] = field(default_factory=dict)
    answer_ids: dict[str, str] = field(default_factory=dict)


@dataclass
class _Planned:
    row: int
    case: _Case
    answer: StoredAnswer


def _load_cases(conn, reviewer_id: str) -> tuple[dict, dict]:
    """The reviewer's files (assigned, or with an own review): exact and normalised keys."""
    cf, ag, asg, rv = m.CaseFile.__table__, m.Agency.__table__, m.Assignment.__table__, m.Review.__table__
    mine = (cf.c.id.in_(select(asg.c.case_id).where(asg.c.reviewer_id == reviewer_id))
            | cf.c.id.in_(select(rv.c.case_id).where((rv.c.reviewer_id == reviewer_id) & (rv.c.is_final == False))))  # noqa: E712
    exact, normal = {}, {}
    for cid, case_no, kind, agency in conn.execute(
            select(cf.c.id, cf.c.case_no, cf.c.kind, ag.c.name)
            .select_from(cf.join(ag, ag.c.id == cf.c.agency_id)).where(mine)):
        case = _Case(cid, agency, case_no, kind or "")
        exact[(agency, case_no)] = case
        normal.setdefault((_norm(agency), normalise_case_no(_norm(case_no))), case)
    return exact, normal


def _existing_case_keys(conn, keys: set[tuple[str, str]]) -> set[tuple[str, str]]:
    """Of these (agency, case number) keys, normalised, those that exist in the catalog."""
    cf, ag = m.CaseFile.__table__, m.Agency.__table__
    found: set[tuple[str, str]] = set()
    numbers = sorted({no for _, no in keys} | {_norm(no) for _, no in keys})
    for chunk in _chunks(numbers):
        for agency, case_no in conn.execute(
                select(ag.c.name, cf.c.case_no).select_from(cf.join(ag, ag.c.id == cf.c.agency_id))
                .where(cf.c.case_no.in_(chunk))):
            found.add((_norm(agency), _norm(case_no)))
    return found


def _load_reviews(conn, reviewer_id: str, case_ids: list[str]) -> dict[str, _Review]:
    rv, an = m.Review.__table__, m.Answer.__table__
    reviews: dict[str, _Review] = {}
    by_id: dict[str, _Review] = {}
    for chunk in _chunks(case_ids):
        for rid, cid, status, revision in conn.execute(
                select(rv.c.id, rv.c.case_id, rv.c.status, rv.c.revision)
                .where((rv.c.reviewer_id == reviewer_id) & (rv.c.is_final == False) & rv.c.case_id.in_(chunk))  # noqa: E712
                .with_for_update()):  # locked like every review write (no lost revision on PostgreSQL)
            reviews[cid] = by_id[rid] = _Review(rid, status, revision or 0)
    for chunk in _chunks(list(by_id)):
        for a in conn.execute(select(an).where(an.c.review_id.in_(chunk))):
            r = by_id[a.review_id]
            r.answers[a.item_id] = StoredAnswer(a.item_id, a.verdict, a.deducted, a.option, a.occurrences,
                                                a.note or "", a.page_ref or "")
            r.answer_ids[a.item_id] = a.id
    return reviews


def _resolve_item(std: Standard, text: str) -> str | None:
    ident = _norm(text).replace(" ", "")
    if std.has_item(ident):
        return ident
    matches = [i.id for i in std.items if i.id.upper() == ident.upper()]
    return matches[0] if len(matches) == 1 else None


def _same(old: StoredAnswer, new: StoredAnswer) -> bool:
    """Equal in everything the sheet carries (option/occurrences are not in the sheet)."""
    return (old.verdict == new.verdict and abs((old.deducted or 0.0) - new.deducted) < EPS
            and (old.note or "") == new.note and (old.page_ref or "") == new.page_ref)


def _check_row(sheet: _Sheet, std: Standard, r: _Row, case: _Case | None,
               problems: list[SheetProblem]) -> StoredAnswer | None:
    """The row's answer, or None after recording its problems (file-level ones aside)."""
    c = r.cells
    n_before = len(problems)

    def bad(fld: str, message: str) -> None:
        problems.append(sheet.problem(r.row, fld, message))

    item_id = None
    if not c["item"]:
        bad("item", "条目编号为空")
    else:
        item_id = _resolve_item(std, c["item"])
        if item_id is None:
            bad("item", f"评查标准中没有条目“{c['item']}”")
    item = std.item(item_id) if item_id else None
    if item is not None and case is not None and not item.applies(case.kind):
        kind = f"“{case.kind}”类案卷"
        bad("item", f"条目“{item_id}”不适用于{kind}（案号 {case.case_no}）")

    verdict = _norm(c["verdict"]).replace(" ", "")
    if not verdict:
        bad("verdict", "结论为空，应为 符合/扣分/不适用/否决 之一")
        verdict = None
    elif verdict not in VERDICTS:
        bad("verdict", f"结论“{c['verdict']}”无效，应为 符合/扣分/不适用/否决 之一")
        verdict = None
    elif verdict == VETO and item is not None and not item.veto:
        bad("verdict", f"条目“{item_id}”不是否决项，不能选择“否决”")

    raw = c["deducted"]
    value = _parse_number(raw) if raw else None
    deducted = 0.0
    if raw and value is None:
        bad("deducted", f"扣分“{raw}”不是有效的数字")
    elif verdict == DEDUCT:
        if not raw:
            bad("deducted", "结论为“扣分”时须填写扣分分值")
        elif value <= 0:
            bad("deducted", f"扣分“{raw}”应大于 0")
        elif item is not None and value > item.points + EPS:
            bad("deducted", f"扣分“{raw}”超过条目“{item_id}”的分值 {_fmt(item.points)}")
        else:
            deducted = value
    elif verdict in (PASS, NA):
        if raw and abs(value) > EPS:
            bad("deducted", f"结论为“{verdict}”时扣分应为空或 0，实际为“{raw}”")
    elif verdict == VETO and item is not None:
        if raw and abs(value - item.points) > EPS:
            bad("deducted", f"否决项不另行扣分，扣分应为空（或该条目分值 {_fmt(item.points)}），实际为“{raw}”")
        deducted = item.points

    for fld in ("note", "page_ref"):
        if len(c[fld]) > MAX_NOTE_CHARS:
            bad(fld, f"内容过长（{len(c[fld])} 字，最多 {MAX_NOTE_CHARS} 字），请精简后再导入")
    if len(problems) > n_before or item_id is None or verdict is None:
        return None
    if case is not None:
        why = validate_answer(std, case.kind, item_id, verdict, deducted)
        if why:
            bad("verdict", why)
            return None
    return StoredAnswer(item_id, verdict, deducted, None, 1, c["note"], c["page_ref"])


def _too_many(sheet: str, problems: list[SheetProblem]) -> InputError:
    problems.sort(key=lambda p: (p.row, p.letter.rjust(3)))
    lines = [str(p) for p in problems[:MAX_ERRORS_SHOWN]]
    if len(problems) > MAX_ERRORS_SHOWN:
        lines.append(f"{sheet}：还有 {len(problems) - MAX_ERRORS_SHOWN} 处错误未列出")
    return InputError(f"{sheet} 有 {len(problems)} 处错误，没有导入任何评查结论。请按下列提示修改后重新导入：", lines)


def _count(n: int) -> str:
    return f"（本表中该案卷共 {n} 行）" if n > 1 else ""

