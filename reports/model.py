"""Plain data of a bulletin: every figure the builders print, and nothing they must look up.

All text in here is already masked when the bulletin is a public one (see reports.masking), so a
builder cannot leak personal data by printing a field. Numbers are raw (not formatted); the
builders format them with reports.wording.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

SCHEMA = "anjuan.bulletin/1"

VERDICT_DEDUCT = "扣分"
VERDICT_VETO = "否决"

STATE_CONFLICT = "待合议"
STATE_PENDING = "未完成"


@dataclass(slots=True)
class ProblemEntry:
    """One defect found in one file: the checklist item, what was wrong and the legal basis."""

    item_id: str
    item_text: str
    category: str
    verdict: str  # 扣分 | 否决
    deducted: float
    note: str
    page_ref: str
    basis: str


@dataclass(slots=True)
class FileEntry:
    """A sampled file with a final review."""

    case_id: str
    agency: str
    case_no: str
    title: str
    party: str
    kind: str
    score: float
    grade: str
    vetoed: bool
    excellent_barred: bool
    points_lost: float
    note: str
    settled: bool  # result fixed by 合议
    problems: list[ProblemEntry] = field(default_factory=list)


@dataclass(slots=True)
class OpenFile:
    """A sampled file without a final review: 待合议 (reviews disagree) or 未完成."""

    agency: str
    case_no: str
    title: str
    state: str
    reasons: list[str] = field(default_factory=list)


@dataclass(slots=True)
class GradeCount:
    name: str
    min: float
    count: int
    share: float


@dataclass(slots=True)
class Stats:
    count: int
    mean: float
    median: float
    min: float
    max: float
    total: float
    pass_rate: float
    excellent_rate: float
    grades: list[GradeCount]


@dataclass(slots=True)
class CategoryLoss:
    id: str
    name: str
    points: float  # the category's points in the standard
    possible: float  # applicable points summed over the files
    lost: float

    @property
    def rate(self) -> float:
        return self.lost / self.possible if self.possible > 0 else 0.0


@dataclass(slots=True)
class Example:
    """A short, always anonymised illustration of a typical problem."""

    agency: str
    case_no: str
    note: str


@dataclass(slots=True)
class TypicalProblem:
    item_id: str
    item_text: str
    category: str
    basis: str
    count: int  # files with the defect
    vetoes: int
    points_lost: float
    share: float  # of the files with a final review
    agencies: int  # agencies with at least one such file
    examples: list[Example] = field(default_factory=list)


@dataclass(slots=True)
class FailedFile:
    agency: str
    case_no: str
    title: str
    score: float
    reasons: list[str]


@dataclass(slots=True)
class Occurrence:
    case_no: str
    verdict: str
    deducted: float
    note: str
    page_ref: str


@dataclass(slots=True)
class ProblemGroup:
    """All occurrences of one checklist item in one agency's files (for its 反馈意见书)."""

    item_id: str
    item_text: str
    category: str
    basis: str
    count: int
    points_lost: float
    occurrences: list[Occurrence] = field(default_factory=list)


@dataclass(slots=True)
class AgencyEntry:
    name: str
    file_stem: str  # safe file name stem of its 反馈意见书
    catalog: int
    sampled: int
    reviewed: int
    conflicts: int
    pending: int
    rank: int | None  # None: no file with a final review yet
    stats: Stats | None
    categories: list[CategoryLoss] = field(default_factory=list)
    files: list[FileEntry] = field(default_factory=list)
    open_files: list[OpenFile] = field(default_factory=list)
    problems: list[ProblemGroup] = field(default_factory=list)
    failed: list[FailedFile] = field(default_factory=list)
    requirements: list[str] = field(default_factory=list)


@dataclass(slots=True)
class BandInfo:
    name: str
    min: float


@dataclass(slots=True)
class CategoryInfo:
    id: str
    name: str
    points: float


@dataclass(slots=True)
class StandardInfo:
    id: str
    name: str
    version: str
    sha256: str
    bands: list[BandInfo]
    categories: list[CategoryInfo]
    veto_zero: bool


@dataclass(slots=True)
class SamplingBatchInfo:
    created_at: str
    seed: str
    ratio: float | None
    min: int | None
    max: int | None
    by_kind: bool
    algorithm: str
    agencies: list[str] = field(default_factory=list)  # empty: all agencies


@dataclass(slots=True)
class SamplingSummary:
    agencies: int
    catalog: int
    sampled: int
    reviewed: int  # files with a final review
    conflicts: int
    pending: int
    batches: list[SamplingBatchInfo] = field(default_factory=list)


@dataclass(slots=True)
class AgreementStats:
    """Inter-rater agreement over double-reviewed files (appendix)."""

    files: int  # files reviewed independently by two reviewers (both submitted)
    items: int  # checklist items both answered
    percent: float | None  # share of items with the same verdict
    kappa: float | None
    mean_abs_diff: float | None  # mean |score difference|
    same_grade: int
    conflicts: int  # files now waiting for 合议
    settled: int  # files whose result was fixed by 合议
    threshold: float  # score difference that makes a conflict


@dataclass(slots=True)
class BulletinData:
    campaign: str
    year: int | None
    organiser: str
    title: str
    standard: StandardInfo
    generated_on: date
    deadline: date
    deadline_is_default: bool
    public: bool
    sampling: SamplingSummary
    overall: Stats | None
    agencies: list[AgencyEntry]  # ranked first (by rank), then those without results
    categories: list[CategoryLoss]
    typical_problems: list[TypicalProblem]
    failed_files: list[FailedFile]
    open_files: list[OpenFile]
    requirements: list[str]
    agreement: AgreementStats | None = None
    schema: str = SCHEMA
    # Other rounds (reports.rounds), present only when the campaign has them: the 自查 figures
    # and the comparison with last year's campaign. Absent from the JSON when None.
    selfcheck: object | None = None  # reports.rounds.SelfCheckSummary
    previous: object | None = None  # reports.rounds.YearOnYear

    @property
    def ranked(self) -> list[AgencyEntry]:
        return [a for a in self.agencies if a.rank is not None]

    def files(self):
        """Every file with a final review, agency by agency (a generator: nothing is copied)."""
        for a in self.agencies:
            yield from a.files
