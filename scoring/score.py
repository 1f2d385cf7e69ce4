"""Scoring one case file against a standard (pure)."""

from __future__ import annotations

from dataclasses import dataclass

from .standard import EPS, NA_FULL_MARKS, VETO_ZERO, Item, Standard

PASS = "符合"
DEDUCT = "扣分"
NA = "不适用"
VETO = "否决"
VERDICTS = (PASS, DEDUCT, NA, VETO)


@dataclass(frozen=True, slots=True)
class AnswerInput:
    """One reviewer answer to one checklist item, as the engine sees it."""

    item_id: str
    verdict: str
    deducted: float = 0.0
    note: str = ""
    page_ref: str = ""


@dataclass(frozen=True, slots=True)
class CategoryResult:
    id: str
    name: str
    possible: float
    lost: float

    @property
    def loss_rate(self) -> float:
        """Share of the category's applicable points that were lost (失分率)."""
        return self.lost / self.possible if self.possible > EPS else 0.0


@dataclass(frozen=True, slots=True)
class Problem:
    """A deduction or veto found in a file."""

    item_id: str
    category_id: str
    verdict: str
    deducted: float
    note: str
    page_ref: str = ""


@dataclass(frozen=True, slots=True)
class CaseScore:
    """The result of scoring one file: score, grade and what went into them."""

    score: float
    grade: str
    vetoed: bool
    excellent_barred: bool
    possible: float
    kept: float
    applicable: int
    answered: int
    unanswered: tuple[str, ...]
    categories: tuple[CategoryResult, ...]
    problems: tuple[Problem, ...]
    veto_items: tuple[str, ...] = ()

    @property
    def complete(self) -> bool:
        return not self.unanswered


def clamp_deduction(item: Item, deducted: float) -> float:
    """Deductions stop at the item's points and never go negative (扣完为止，不计负分)."""
    return min(max(deducted, 0.0), item.points)


def score_case(standard: Standard, kind: str | None, answers) -> CaseScore:
    """Score a file of the given 案件类别 from its answers.

    Unanswered items count as full marks, so a draft shows the score it is heading for; the
    `unanswered` list says what is missing before it can be submitted.

    The sums are those of walking the items in checklist order (`_tally`). When every point value
    involved is exact in binary (see `_exact`), no sum is ever rounded, so the order of the terms
    cannot matter: the file is then scored from the all-符合 totals of its kind (`_Template`),
    adjusted for the answered items only — the same numbers, bit for bit, in a fraction of the time.
    """
    by_item = {a.item_id: a for a in answers}
    tpl = _template(standard, kind)
    tally = _tally_answered(standard, tpl, by_item) if tpl.exact else None
    if tally is None:
        tally = _tally(standard, tpl.items, by_item)
    return _result(standard, tpl.items, *tally)


_EXACT_LIMIT = 2.0 ** 20
"""Bound on the magnitude of an exact value: with at most 2**20 items of at most 2**20 points,
each a multiple of 2**-10, every partial sum is a multiple of 2**-10 below 2**40, which a float
(53-bit significand) holds exactly."""


def _exact(x) -> bool:
    """Whether x is a number that is a multiple of 2**-10 and below _EXACT_LIMIT in magnitude
    (1, 0.5, 0.25, 2.125…, but not 0.1, 0.3, NaN or infinity)."""
    return (type(x) is float or type(x) is int) and -_EXACT_LIMIT < x < _EXACT_LIMIT and (x * 1024.0).is_integer()


class _Template:
    """The items of one 案件类别 and, when their points are exact, the tally of a file with every
    item 符合: possible and kept points, category possible points, each item's position."""

    __slots__ = ("items", "exact", "possible", "cat_possible", "position", "ids")

    def __init__(self, items: tuple[Item, ...]):
        self.items = items
        self.ids = tuple(i.id for i in items)
        self.position = {iid: n for n, iid in enumerate(self.ids)}
        self.exact = len(items) < _EXACT_LIMIT and all(_exact(i.points) for i in items)
        self.possible = 0.0
        self.cat_possible: dict[str, float] = {}
        for i in items:
            self.possible += i.points
            self.cat_possible[i.category_id] = self.cat_possible.get(i.category_id, 0.0) + i.points


def _template(standard: Standard, kind: str | None) -> _Template:
    key = ("_score_template", kind)
    tpl = standard.__dict__.get(key)
    if tpl is None:
        tpl = standard.__dict__[key] = _Template(standard.items_for(kind))
    return tpl


def _tally(standard: Standard, items: tuple[Item, ...], by_item: dict[str, AnswerInput]):
    """The reference: every item in checklist order, each one's points added as it comes."""
    possible = kept = 0.0
    cat_possible: dict[str, float] = {}
    cat_lost: dict[str, float] = {}
    unanswered: list[str] = []
    problems: list[Problem] = []
    veto_items: list[str] = []
    barred = False
    answered = 0
    for item in items:
        a = by_item.get(item.id)
        pts = item.points
        if a is None:
            unanswered.append(item.id)
            item_possible, item_kept = pts, pts
        else:
            answered += 1
            if a.verdict == NA:
                if standard.not_applicable == NA_FULL_MARKS:
                    item_possible, item_kept = pts, pts
                else:
                    item_possible = item_kept = 0.0
            elif a.verdict == VETO and item.veto:
                veto_items.append(item.id)
                item_possible, item_kept = pts, 0.0
                problems.append(Problem(item.id, item.category_id, VETO, pts, a.note, a.page_ref))
            elif a.verdict == DEDUCT:
                lost = clamp_deduction(item, a.deducted)
                item_possible, item_kept = pts, pts - lost
                if lost > EPS or a.note:
                    problems.append(Problem(item.id, item.category_id, DEDUCT, lost, a.note, a.page_ref))
                    if item.bars_excellent and lost > EPS:
                        barred = True
            else:
                item_possible, item_kept = pts, pts
        possible += item_possible
        kept += item_kept
        cat_possible[item.category_id] = cat_possible.get(item.category_id, 0.0) + item_possible
        cat_lost[item.category_id] = cat_lost.get(item.category_id, 0.0) + (item_possible - item_kept)
    return possible, kept, cat_possible, cat_lost, unanswered, problems, veto_items, barred, answered


def _tally_answered(standard: Standard, tpl: _Template, by_item: dict[str, AnswerInput]):
    """`_tally` from the all-符合 template, visiting only the answered items; None when a
    deduction is not exact (then only the reference order gives the reference sums)."""
    position = tpl.position
    hits = sorted(n for n in map(position.get, by_item) if n is not None)
    possible = kept = tpl.possible
    cat_possible = dict(tpl.cat_possible)
    cat_lost = dict.fromkeys(cat_possible, 0.0)
    problems: list[Problem] = []
    veto_items: list[str] = []
    barred = False
    na_full = standard.not_applicable == NA_FULL_MARKS
    items = tpl.items
    for n in hits:
        item = items[n]
        a = by_item[item.id]
        verdict = a.verdict
        if verdict == NA:
            if not na_full:
                pts = item.points
                possible -= pts
                kept -= pts
                cat_possible[item.category_id] -= pts
        elif verdict == VETO and item.veto:
            pts = item.points
            veto_items.append(item.id)
            kept -= pts
            cat_lost[item.category_id] += pts
            problems.append(Problem(item.id, item.category_id, VETO, pts, a.note, a.page_ref))
        elif verdict == DEDUCT:
            lost = clamp_deduction(item, a.deducted)
            if not _exact(lost):
                return None
            kept -= lost
            cat_lost[item.category_id] += lost
            if lost > EPS or a.note:
                problems.append(Problem(item.id, item.category_id, DEDUCT, lost, a.note, a.page_ref))
                if item.bars_excellent and lost > EPS:
                    barred = True
    if len(hits) == len(items):
        unanswered = []
    elif hits:
        unanswered = [iid for iid in tpl.ids if iid not in by_item]
    else:
        unanswered = list(tpl.ids)
    return possible, kept, cat_possible, cat_lost, unanswered, problems, veto_items, barred, len(hits)


def _result(standard: Standard, items, possible, kept, cat_possible, cat_lost, unanswered, problems,
            veto_items, barred, answered) -> CaseScore:
    if standard.weighted:
        # each category counts with its weight, whatever its items of this kind add up to;
        # a category with nothing applicable leaves the weighting
        possible, kept = 0.0, 0.0
        for c in standard.categories:
            cp = cat_possible.get(c.id, 0.0)
            if cp > EPS:
                possible += c.points
                kept += c.points * (cp - cat_lost.get(c.id, 0.0)) / cp
    score = 100.0 * kept / possible if possible > EPS else 100.0
    vetoed = bool(veto_items)
    if vetoed and standard.veto_score == VETO_ZERO:
        score = 0.0
    score = round(min(max(score, 0.0), 100.0), 2)
    grade = grade_of(standard, score, vetoed, barred)
    categories = tuple(
        CategoryResult(c.id, c.name, cat_possible.get(c.id, 0.0), round(cat_lost.get(c.id, 0.0), 4))
        for c in standard.categories
    )
    return CaseScore(
        score=score, grade=grade, vetoed=vetoed, excellent_barred=barred,
        possible=possible, kept=kept, applicable=len(items), answered=answered,
        unanswered=tuple(unanswered), categories=categories, problems=tuple(problems),
        veto_items=tuple(veto_items),
    )


def score_case_reference(standard: Standard, kind: str | None, answers) -> CaseScore:
    """score_case by the reference order alone (`_tally`), for tests that compare the two."""
    items = standard.items_for(kind)
    return _result(standard, items, *_tally(standard, items, {a.item_id: a for a in answers}))


def grade_of(standard: Standard, score: float, vetoed: bool = False, barred: bool = False) -> str:
    """The grade band for a score; a veto fails the file, a barring defect caps it below the top.

    A barring defect only takes away the top grade: it never moves a file into the failing band
    (with just two bands, 合格/不合格, there is no top grade to take away).
    """
    if vetoed:
        return standard.fail_band.name
    grade = standard.grade_for(score)
    if barred and grade == standard.top_band.name and len(standard.bands) > 2:
        return standard.bands[1].name
    return grade
