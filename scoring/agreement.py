"""Inter-rater agreement on double-reviewed files (pure)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class ReviewPair:
    """Two independent reviews of the same file: item verdicts and scores."""

    case_id: str
    verdicts_a: Mapping[str, str]
    verdicts_b: Mapping[str, str]
    score_a: float
    score_b: float


@dataclass(frozen=True)
class Agreement:
    files: int
    items: int
    percent: float | None
    kappa: float | None
    mean_abs_diff: float | None


def cohen_kappa(pairs: list[tuple[str, str]]) -> float | None:
    """Cohen's kappa for paired labels; None when there is nothing to compare.

    When both raters used a single identical label throughout, chance agreement is 1 and kappa is
    undefined; we report 1.0 (perfect agreement) in that case, as the observed agreement is total.
    """
    n = len(pairs)
    if n == 0:
        return None
    po = sum(a == b for a, b in pairs) / n
    ca = Counter(a for a, _ in pairs)
    cb = Counter(b for _, b in pairs)
    pe = sum(ca[k] * cb.get(k, 0) for k in ca) / (n * n)
    if abs(1 - pe) < 1e-12:
        return 1.0 if po == 1 else 0.0
    return (po - pe) / (1 - pe)


def agreement(pairs: Iterable[ReviewPair]) -> Agreement:
    """Percent agreement and kappa over items both reviewers answered, and mean |score difference|."""
    labels: list[tuple[str, str]] = []
    diffs: list[float] = []
    files = 0
    for p in pairs:
        files += 1
        diffs.append(abs(p.score_a - p.score_b))
        for item_id in sorted(p.verdicts_a.keys() & p.verdicts_b.keys()):
            labels.append((p.verdicts_a[item_id], p.verdicts_b[item_id]))
    n = len(labels)
    return Agreement(
        files=files,
        items=n,
        percent=(sum(a == b for a, b in labels) / n) if n else None,
        kappa=cohen_kappa(labels),
        mean_abs_diff=(round(sum(diffs) / len(diffs), 4) if diffs else None),
    )


def agreement_from_counts(table: Mapping[tuple[str, str], int], diffs: list[float]) -> Agreement:
    """The same figures as agreement(), from a table of (verdict A, verdict B) → number of items
    both reviewers answered, and the |score differences| of the files in file order (the database
    counts the pairs, so 100,000s of answers are not materialised)."""
    n = sum(table.values())
    same = sum(k for (a, b), k in table.items() if a == b)
    kappa = None
    if n:
        ca: Counter = Counter()
        cb: Counter = Counter()
        for (a, b), k in table.items():
            ca[a] += k
            cb[b] += k
        po = same / n
        pe = sum(ca[v] * cb.get(v, 0) for v in ca) / (n * n)
        kappa = (1.0 if po == 1 else 0.0) if abs(1 - pe) < 1e-12 else (po - pe) / (1 - pe)
    return Agreement(
        files=len(diffs),
        items=n,
        percent=(same / n) if n else None,
        kappa=kappa,
        mean_abs_diff=(round(sum(diffs) / len(diffs), 4) if diffs else None),
    )

