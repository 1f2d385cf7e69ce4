"""What a merge reports: per package and overall, and the refusal raised when nothing is written."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from anjuan.errors import WorkflowError


class MergeRefused(WorkflowError):
    """Packages that cannot be merged; nothing was written."""


@dataclass
class PackageReport:
    """What one package brought (or why it was refused)."""

    path: str
    checksum: str = ""
    reviewer_id: str | None = None
    reviewer: str | None = None
    error: str | None = None
    reviews_new: int = 0
    reviews_updated: int = 0
    reviews_replaced: int = 0  # of the updated: the campaign's review had another id (made in another package)
    reviews_unchanged: int = 0
    reviews_stale: int = 0  # older than the version kept: not applied
    answers: int = 0
    history: int = 0
    conflicts: int = 0
    logged: bool = False
    index: int = field(default=0, repr=False)
    wal: bool = field(default=False, repr=False)
    meta: dict = field(default_factory=dict, repr=False)

    @property
    def name(self) -> str:
        return Path(self.path).name

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def changed(self) -> bool:
        return bool(self.reviews_new or self.reviews_updated or self.history)

    def summary(self) -> dict:
        return {"reviews": {"new": self.reviews_new, "updated": self.reviews_updated, "replaced": self.reviews_replaced,
                            "unchanged": self.reviews_unchanged, "stale": self.reviews_stale},
                "answers": self.answers, "history": self.history, "conflicts": self.conflicts}

    def to_json(self) -> dict:
        out = {"package": self.path, "checksum": self.checksum, "reviewer": self.reviewer, "reviewer_id": self.reviewer_id,
               "ok": self.ok}
        if self.error:
            out["error"] = self.error
        else:
            out |= self.summary() | {"logged": self.logged}
        return out


@dataclass
class MergeResult:
    campaign: str
    dry_run: bool
    packages: list[PackageReport]
    conflicts: int = 0  # files in conflict in the whole campaign after the merge
    seconds: float = 0.0
    # Files this merge changed whose 合议 result is now stale (原评查已变更): "案号（执法机关）".
    stale_settled: list[str] = field(default_factory=list)

    @property
    def merged(self) -> list[PackageReport]:
        return [p for p in self.packages if p.ok]

    @property
    def skipped(self) -> list[PackageReport]:
        return [p for p in self.packages if not p.ok]

    def to_json(self) -> dict:
        return {"campaign": self.campaign, "dry_run": self.dry_run, "conflicts": self.conflicts,
                "stale_settled": self.stale_settled,
                "packages": [p.to_json() for p in self.packages if p.ok],
                "skipped": [p.to_json() for p in self.packages if not p.ok]}
