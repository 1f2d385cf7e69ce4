"""Aggregating case scores by agency or case kind, ranking and problem counts (pure)."""

from __future__ import annotations

import statistics
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from .score import VETO, CaseScore
from .standard import Standard


@dataclass(frozen=True)
class ScoredCase:
    """A file's identity plus its score, as aggregation needs it."""

    case_id: str
    case_no: str
    agency: str
    kind: str
    score: CaseScore
    title: str = ""


@dataclass(frozen=True)
class CategoryLoss:
    id: str
    name: str
    possible: float
    lost: float

    @property
    def loss_rate(self) -> float:
        return self.lost / self.possible if self.possible > 0 else 0.0


@dataclass(frozen=True)
class ProblemCount:
    """How often one checklist item was found defective, with example files."""

    item_id: str
    category_id: str
    text: str
    count: int
    vetoes: int
    points_lost: float
    examples: tuple[tuple[str, str], ...] = ()  # (case_id, note)


@dataclass(frozen=True)
class GroupStats:
    key: str
    count: int
    mean: float
    median: float
    min: float
    max: float
    total: float
    pass_rate: float
    excellent_rate: float
    grades: dict[str, int]
    categories: tuple[CategoryLoss, ...]
    problems: tuple[ProblemCount, ...]
    rank: int = 0
    case_ids: tuple[str, ...] = field(default=(), repr=False)


def group_stats(standard: Standard, key: str, cases: list[ScoredCase], examples: int = 3) -> GroupStats:
    """Statistics for one group of files (an agency, a case kind, or the whole campaign)."""
    scores = [c.score.score for c in cases]
    n = len(scores)
    grades = {b.name: 0 for b in standard.bands}
    for c in cases:
        grades[c.score.grade] = grades.get(c.score.grade, 0) + 1
    fail = standard.fail_band.name
    top = standard.top_band.name
    # each category's sums, added in the order of the files (one pass over them)
    sums = {cat.id: [0.0, 0.0] for cat in standard.categories}
    for c in cases:
        for r in c.score.categories:
            acc = sums.get(r.id)
            if acc is not None:
                acc[0] += r.possible
                acc[1] += r.lost
    cats = [CategoryLoss(cat.id, cat.name, sums[cat.id][0], round(sums[cat.id][1], 4)) for cat in standard.categories]
    return GroupStats(
        key=key,
        count=n,
        mean=round(statistics.fmean(scores), 2) if n else 0.0,
        median=round(statistics.median(scores), 2) if n else 0.0,
        min=min(scores) if n else 0.0,
        max=max(scores) if n else 0.0,
        total=round(sum(scores), 2),
        pass_rate=(n - grades.get(fail, 0)) / n if n else 0.0,
        excellent_rate=grades.get(top, 0) / n if n else 0.0,
        grades=grades,
        categories=tuple(cats),
        problems=problem_counts(standard, cases, examples),
        case_ids=tuple(c.case_id for c in cases),
    )


def problem_counts(standard: Standard, cases: Iterable[ScoredCase], examples: int = 3) -> tuple[ProblemCount, ...]:
    """Defective items ranked by how many files had them (most frequent first, then item order)."""
    counts: dict[str, list] = {}
    for c in cases:
        for p in c.score.problems:
            entry = counts.get(p.item_id)
            if entry is None:
                entry = counts[p.item_id] = [0, 0, 0.0, []]
            entry[0] += 1
            entry[1] += p.verdict == VETO
            entry[2] += p.deducted
            if len(entry[3]) < examples:
                entry[3].append((c.case_id, p.note))
    order = {item.id: n for n, item in enumerate(standard.items)}
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1][0], order.get(kv[0], 1 << 30)))
    out = []
    for item_id, (count, vetoes, lost, ex) in ranked:
        item = standard.item(item_id) if standard.has_item(item_id) else None
        out.append(ProblemCount(
            item_id=item_id,
            category_id=item.category_id if item else "",
            text=item.text if item else item_id,
            count=count, vetoes=vetoes, points_lost=round(lost, 4), examples=tuple(ex),
        ))
    return tuple(out)


def rank(groups: list[GroupStats]) -> list[GroupStats]:
    """Order by mean then total, descending; equal mean and total share a rank (1, 2, 2, 4)."""
    ordered = sorted(groups, key=lambda g: (-g.mean, -g.total, g.key))
    out: list[GroupStats] = []
    prev = None
    for pos, g in enumerate(ordered, 1):
        sig = (g.mean, g.total)
        r = out[-1].rank if prev == sig else pos
        prev = sig
        out.append(_with_rank(g, r))
    return out


def _with_rank(g: GroupStats, r: int) -> GroupStats:
    from dataclasses import replace

    return replace(g, rank=r)


def aggregate(
    standard: Standard,
    cases: Iterable[ScoredCase],
    key: Callable[[ScoredCase], str] = lambda c: c.agency,
    examples: int = 3,
) -> list[GroupStats]:
    """Group files (by agency unless told otherwise), compute statistics, and rank the groups."""
    groups: dict[str, list[ScoredCase]] = {}
    for c in cases:
        groups.setdefault(key(c), []).append(c)
    return rank([group_stats(standard, k, v, examples) for k, v in groups.items()])


def by_kind(c: ScoredCase) -> str:
    return c.kind or "未分类"
