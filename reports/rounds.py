"""Figures across rounds (pure: plain data in, plain data out).

自查与抽查的偏差 per agency: how many files it self-checked against the required share of its
catalog, its self-check mean, and on the files both the agency and the bureau scored: the mean
score difference (自查 − 抽查), files graded differently (and how many the agency graded higher),
and the problems the bureau found that the self-check missed. A self-check whose mean on the
common files is at least `lenient_gap` points above the bureau's is named 偏宽.

复查对比: each re-checked file against its 抽查 result, item by item: 已整改 (a problem of the
抽查 gone), 仍存在 (still there), 新发现 (a problem the 抽查 did not record).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

DEFAULT_RATIO = 0.30
DEFAULT_LENIENT_GAP = 5.0
EPS = 1e-9


@dataclass(frozen=True, slots=True)
class Scored:
    """One file's final result in a round, as plain data."""

    agency: str
    case_no: str
    score: float
    grade: str
    problems: dict[str, str]  # item id → what was written (note)


@dataclass(slots=True)
class MissedProblem:
    case_no: str
    item_id: str
    item_text: str
    note: str


@dataclass(slots=True)
class SelfCheckEntry:
    agency: str
    catalog: int
    required: int  # files the agency must self-check (ratio × catalog, rounded up)
    checked: int
    meets: bool
    self_mean: float | None
    both: int  # files scored by both the self-check and the 抽查
    self_mean_both: float | None
    spot_mean_both: float | None
    mean_diff: float | None  # 自查 − 抽查 on the common files
    grade_diffs: int
    graded_higher: int  # of grade_diffs: the agency's grade better than the bureau's
    missed: list[MissedProblem] = field(default_factory=list)
    lenient: bool = False


@dataclass(slots=True)
class SelfCheckSummary:
    ratio: float
    lenient_gap: float
    agencies: list[SelfCheckEntry] = field(default_factory=list)


def _mean(xs: list[float]) -> float | None:
    return round(sum(xs) / len(xs), 2) if xs else None


def required_files(catalog: int, ratio: float) -> int:
    return math.ceil(catalog * ratio - EPS) if catalog else 0


def self_check_summary(catalog: dict[str, int], own: dict[str, Scored], spot: dict[str, Scored],
                       grades: list[str], item_text: dict[str, str], ratio: float = DEFAULT_RATIO,
                       lenient_gap: float = DEFAULT_LENIENT_GAP, agencies: list[str] | None = None) -> SelfCheckSummary:
    """own and spot are keyed by case id; grades run best first (the standard's bands)."""
    rank = {g: i for i, g in enumerate(grades)}
    names = agencies if agencies is not None else sorted({r.agency for r in own.values()})
    out = SelfCheckSummary(ratio, lenient_gap)
    for name in names:
        mine = {cid: r for cid, r in own.items() if r.agency == name}
        common = sorted((cid for cid in mine if cid in spot), key=lambda c: mine[c].case_no)
        req = required_files(catalog.get(name, 0), ratio)
        e = SelfCheckEntry(name, catalog.get(name, 0), req, len(mine), len(mine) >= req and len(mine) > 0,
                           _mean([r.score for r in mine.values()]), len(common),
                           _mean([mine[c].score for c in common]), _mean([spot[c].score for c in common]),
                           None, 0, 0)
        if common:
            e.mean_diff = round(sum(mine[c].score - spot[c].score for c in common) / len(common), 2)
            for c in common:
                a, b = mine[c], spot[c]
                if a.grade != b.grade:
                    e.grade_diffs += 1
                    if rank.get(a.grade, 99) < rank.get(b.grade, 99):
                        e.graded_higher += 1
                for item in sorted(b.problems):
                    if item not in a.problems:
                        e.missed.append(MissedProblem(b.case_no, item, item_text.get(item, ""), b.problems[item]))
            e.lenient = e.mean_diff >= lenient_gap - EPS
        out.agencies.append(e)
    return out


FIXED = "已整改"
STILL = "仍存在"
NEW = "新发现"


@dataclass(slots=True)
class ItemChange:
    item_id: str
    item_text: str
    change: str  # 已整改 | 仍存在 | 新发现
    before: str  # the 抽查 note ("" for 新发现)
    after: str  # the 复查 note ("" for 已整改)


@dataclass(slots=True)
class RecheckFile:
    agency: str
    case_no: str
    spot_score: float | None
    spot_grade: str
    score: float
    grade: str
    fixed: int = 0
    still: int = 0
    new: int = 0
    items: list[ItemChange] = field(default_factory=list)


def compare_recheck(spot: dict[str, Scored], recheck: dict[str, Scored], item_text: dict[str, str],
                    item_order: list[str]) -> list[RecheckFile]:
    """Each re-checked file against its 抽查 result, item by item, in the standard's item order."""
    order = {i: n for n, i in enumerate(item_order)}
    out = []
    for cid, r in sorted(recheck.items(), key=lambda kv: (kv[1].agency, kv[1].case_no)):
        s = spot.get(cid)
        before = s.problems if s else {}
        f = RecheckFile(r.agency, r.case_no, s.score if s else None, s.grade if s else "", r.score, r.grade)
        for item in sorted(set(before) | set(r.problems), key=lambda i: (order.get(i, len(order)), i)):
            if item in before and item not in r.problems:
                f.items.append(ItemChange(item, item_text.get(item, ""), FIXED, before[item], ""))
                f.fixed += 1
            elif item in before:
                f.items.append(ItemChange(item, item_text.get(item, ""), STILL, before[item], r.problems[item]))
                f.still += 1
            else:
                f.items.append(ItemChange(item, item_text.get(item, ""), NEW, "", r.problems[item]))
                f.new += 1
        out.append(f)
    return out


# --- Year on year -----------------------------------------------------------------------------


@dataclass(slots=True)
class YearRow:
    agency: str
    mean: float | None
    grade: str  # the band the agency's mean falls in
    rank: int | None
    prev_mean: float | None
    prev_grade: str
    prev_rank: int | None
    diff: float | None  # mean − last year's mean


@dataclass(slots=True)
class RecurringProblem:
    agency: str
    item_id: str
    item_text: str
    count: int  # files with the problem this year
    prev_count: int  # and last year


@dataclass(slots=True)
class YearOnYear:
    previous_campaign: str
    previous_year: int | None
    same_standard: bool
    agencies: list[YearRow] = field(default_factory=list)
    recurring: list[RecurringProblem] = field(default_factory=list)


def _band(bands, mean: float | None) -> str:
    if mean is None:
        return ""
    for b in bands:
        if mean >= b.min - EPS:
            return b.name
    return bands[-1].name if bands else ""


def _norm(text: str) -> str:
    return "".join(text.split())


def year_on_year(current, previous) -> YearOnYear:
    """Compare two bulletins (reports.model.BulletinData): each agency of this year with the same
    agency last year (by name), and the checklist problems each agency had in both years (by item
    id under the same standard, by item text otherwise)."""
    same = current.standard.id == previous.standard.id
    before = {a.name: a for a in previous.agencies}
    out = YearOnYear(previous.campaign, previous.year, same)
    for a in current.agencies:
        p = before.get(a.name)
        mean = a.stats.mean if a.stats else None
        pmean = p.stats.mean if p and p.stats else None
        out.agencies.append(YearRow(a.name, mean, _band(current.standard.bands, mean), a.rank, pmean,
                                    _band(previous.standard.bands, pmean), p.rank if p else None,
                                    round(mean - pmean, 2) if mean is not None and pmean is not None else None))
        if p is None:
            continue
        key = (lambda g: g.item_id) if same else (lambda g: _norm(g.item_text))
        last = {key(g): g for g in p.problems}
        for g in a.problems:
            old = last.get(key(g))
            if old is not None:
                out.recurring.append(RecurringProblem(a.name, g.item_id, g.item_text, g.count, old.count))
    return out
