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
    statement: str = ""  # the problem as a bureau states it (deduction option wording, note or veto text)
    bars_excellent: bool = False


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
    reviewers: list[str] = field(default_factory=list)  # who reviewed the file (internal documents only)

    @property
    def barred_from_excellent(self) -> bool:
        """Scored in the top band's range but not graded in it because a 不得评优 item was deducted."""
        return self.excellent_barred and not self.vetoed


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


@dataclass(slots=True, frozen=True)
class CategoryLoss:
    id: str
    name: str
    points: float  # the category's points in the standard
    possible: float  # applicable points summed over the files
    lost: float
    rate: float = field(init=False)
    """Share of the applicable points that were lost (失分率)."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "rate", self.lost / self.possible if self.possible > 0 else 0.0)


@dataclass(slots=True)
class Example:
    """A short, always anonymised illustration of a typical problem."""

    agency: str
    case_no: str
    note: str


@dataclass(slots=True)
class Statement:
    """One way a problem was stated, and in how many files."""

    text: str
    count: int


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
    statement: str = ""  # the problem in a bureau's words (most frequent wording)
    statements: list[Statement] = field(default_factory=list)  # every wording, most frequent first
    veto: bool = False  # a veto item (its files fail)


@dataclass(slots=True)
class ExcellentFile:
    agency: str
    case_no: str
    title: str
    kind: str
    score: float


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
    statement: str = ""


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
    statement: str = ""  # the problem in a bureau's words
    veto: bool = False


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
    barring: list[str] = field(default_factory=list)  # what a 不得评优 item requires, one per item


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
    local_date: date | None = None  # the day of the draw in the bureau's time zone


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
class WorkloadRow:
    """One reviewer's share of the campaign (internal xlsx only)."""

    name: str
    unit: str
    assigned: int
    submitted: int
    drafts: int
    final: int  # files whose final result is this reviewer's review
    conflicts: int  # of the reviewer's files, waiting for 合议


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
    excellent_files: list[ExcellentFile] = field(default_factory=list)
    good_practices: list[str] = field(default_factory=list)  # what the files without problems did well
    draft: bool = False  # files still open: the documents are marked 草稿
    doc_no: str = ""  # 发文字号, e.g. 甲司发〔2025〕3号
    issued_on: date | None = None  # 成文日期 (defaults to generated_on)
    cc: list[str] = field(default_factory=list)  # 抄送机关
    annexes: list[str] = field(default_factory=list)  # annex keys chosen by the lead, in order
    workload: list[WorkloadRow] = field(default_factory=list)  # internal only
    typical_cut_tied: int = 0  # problems tied with the last one shown, all shown

    @property
    def date(self) -> date:
        """The 成文日期 printed under the signature."""
        return self.issued_on or self.generated_on
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
