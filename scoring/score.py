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
    """
    by_item = {a.item_id: a for a in answers}
    possible = kept = 0.0
    cat_possible: dict[str, float] = {}
    cat_lost: dict[str, float] = {}
    unanswered: list[str] = []
    problems: list[Problem] = []
    veto_items: list[str] = []
    barred = False
    answered = 0
    items = standard.items_for(kind)
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
