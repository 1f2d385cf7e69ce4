"""Database tables of a campaign database or reviewer package.

Rows that travel between databases (reviewer packages ↔ campaign) have UUID text primary keys,
so databases made on different laptops merge without collisions. Timestamps are ISO-8601 UTC
strings: they sort correctly, compare equal across databases and merge without conversion.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

SCHEMA_VERSION = 4

ROLE_LEAD = "lead"
ROLE_REVIEWER = "reviewer"

STATUS_DRAFT = "draft"
STATUS_SUBMITTED = "submitted"
STATUS_REOPENED = "reopened"


def new_id() -> str:
    return str(uuid.uuid4())


def now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class Meta(SQLModel, table=True):
    """Key/value facts about the database: schema version, role (campaign or package)."""

    key: str = Field(primary_key=True, max_length=64)
    value: str


class StandardRow(SQLModel, table=True):
    __tablename__ = "standard"
    sha256: str = Field(primary_key=True, max_length=64)
    std_id: str
    name: str
    version: str
    toml_text: str
    added_at: str = Field(default_factory=now)


class Campaign(SQLModel, table=True):
    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    name: str
    year: int | None = None
    organiser: str = ""
    standard_sha: str = Field(foreign_key="standard.sha256", max_length=64)
    created_at: str = Field(default_factory=now)


class Agency(SQLModel, table=True):
    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    name: str = Field(unique=True)
    created_at: str = Field(default_factory=now)


class ImportBatch(SQLModel, table=True):
    __tablename__ = "import_batch"
    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    file_name: str
    sha256: str = Field(unique=True, max_length=64)
    rows: int = 0
    imported_at: str = Field(default_factory=now)


class CaseFile(SQLModel, table=True):
    __tablename__ = "case_file"
    __table_args__ = (UniqueConstraint("agency_id", "case_no"),)
    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    agency_id: str = Field(foreign_key="agency.id", max_length=36, index=True)
    case_no: str
    title: str = ""
    party: str = ""
    kind: str = ""
    decided_on: str | None = None
    officers: str = ""
    source_file: str = ""
    source_row: int | None = None
    extra: str = "{}"
    import_id: str | None = Field(default=None, foreign_key="import_batch.id", max_length=36)


class SamplingBatch(SQLModel, table=True):
    __tablename__ = "sampling_batch"
    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    created_at: str = Field(default_factory=now)
    seed: str
    params: str = "{}"
    algorithm: str = ""


class SampledCase(SQLModel, table=True):
    __tablename__ = "sampled_case"
    case_id: str = Field(primary_key=True, foreign_key="case_file.id", max_length=36)
    batch_id: str = Field(foreign_key="sampling_batch.id", max_length=36, index=True)
    position: int = 0


class Reviewer(SQLModel, table=True):
    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    name: str = Field(unique=True)
    agency_id: str | None = Field(default=None, foreign_key="agency.id", max_length=36)
    unit: str = ""  # own work unit as written (may be no agency under review, e.g. a law firm)
    role: str = ROLE_REVIEWER
    created_at: str = Field(default_factory=now)


class Assignment(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("case_id", "reviewer_id"),)
    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    case_id: str = Field(foreign_key="case_file.id", max_length=36, index=True)
    reviewer_id: str = Field(foreign_key="reviewer.id", max_length=36, index=True)
    slot: int = 1
    seed: str = ""
    assigned_at: str = Field(default_factory=now)


class Review(SQLModel, table=True):
    """One reviewer's scoring of one file, or (is_final) the settled result of a file."""

    __table_args__ = (UniqueConstraint("case_id", "reviewer_id", "is_final"),)
    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    case_id: str = Field(foreign_key="case_file.id", max_length=36, index=True)
    reviewer_id: str = Field(foreign_key="reviewer.id", max_length=36, index=True)
    is_final: bool = False
    status: str = STATUS_DRAFT
    revision: int = 0
    score: float | None = None
    grade: str | None = None
    vetoed: bool = False
    note: str = ""
    created_at: str = Field(default_factory=now)
    updated_at: str = Field(default_factory=now)
    submitted_at: str | None = None
    # Head of this review's hash-chained history (anjuan.integrity.chain); "" while it has none.
    history_hash: str = Field(default="", max_length=64)
    # A settled result (is_final): the originals it settled, as JSON {review id: [revision, history_hash]}.
    settled_from: str | None = None


class Answer(SQLModel, table=True):
    """One checklist item as answered in a review."""

    __table_args__ = (UniqueConstraint("review_id", "item_id"),)
    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    review_id: str = Field(foreign_key="review.id", max_length=36)
    item_id: str
    verdict: str
    deducted: float = 0.0
    option: int | None = None
    occurrences: int = 1
    note: str = ""
    page_ref: str = ""
    updated_at: str = Field(default_factory=now)


class AnswerHistory(SQLModel, table=True):
    """Append-only log of every change to an answer or a review's status (who, when, old, new)."""

    __tablename__ = "answer_history"
    __table_args__ = (Index("ix_answer_history_review", "review_id", "at"),
                      UniqueConstraint("review_id", "seq", name="uq_answer_history_chain"))
    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    review_id: str = Field(max_length=36)
    item_id: str | None = None
    actor_id: str = Field(max_length=36)
    at: str = Field(default_factory=now)
    action: str
    old: str | None = None
    new: str | None = None
    reason: str = ""
    # Position in the review's history (1, 2, …) and sha256 chained to the previous row's hash.
    seq: int | None = None
    hash: str = Field(default="", max_length=64)
    # The server login that wrote the row (PostgreSQL: stamped by a trigger from session_user,
    # see anjuan/postgres/roles.py); None in SQLite files. Not part of the hash chain.
    login: str | None = Field(default=None, max_length=63)


class PackageIssue(SQLModel, table=True):
    """A reviewer package issued by `anjuan pack` (campaign side only: packages never hold this table's rows).

    The package carries its id and secret in its meta rows; merge accepts it only if the secret and
    the HMAC over its content match the row recorded here for the reviewer it claims."""

    __tablename__ = "package_issue"
    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    reviewer_id: str = Field(foreign_key="reviewer.id", max_length=36, index=True)
    issued_at: str = Field(default_factory=now)
    secret: str = Field(max_length=64)
    file_name: str = ""


class ReviewerLogin(SQLModel, table=True):
    """A server login (PostgreSQL role) and the reviewer or lead it is (anjuan user add)."""

    __tablename__ = "reviewer_login"
    login: str = Field(primary_key=True, max_length=63)
    reviewer_id: str = Field(foreign_key="reviewer.id", max_length=36, index=True)
    created_at: str = Field(default_factory=now)


class MergeLog(SQLModel, table=True):
    __tablename__ = "merge_log"
    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    package_file: str
    checksum: str = Field(max_length=64)
    reviewer_id: str | None = Field(default=None, max_length=36)
    merged_at: str = Field(default_factory=now)
    summary: str = "{}"


# --- Rounds of a campaign (schema version 2) ------------------------------------------------
# The review and answer tables of a campaign database hold its 抽查 round (the bureau's spot
# check). A 自查 (an agency's self-check) or a 复查 (re-check after rectification) is run in a
# round database of its own — a campaign database made from this one (anjuan selfcheck new,
# anjuan recheck new) in which sampling, assignment, packages, merge and 合议 work as for 抽查 —
# and its final results are imported here, file by file and item by item.

ROUND_SELF = "self"  # 自查
ROUND_SPOT = "spot"  # 抽查
ROUND_RECHECK = "recheck"  # 复查
ROUND_LABELS = {ROUND_SELF: "自查", ROUND_SPOT: "抽查", ROUND_RECHECK: "复查"}


class Round(SQLModel, table=True):
    __tablename__ = "round"
    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    kind: str = Field(max_length=16)  # self | spot | recheck
    name: str = ""
    agency_id: str | None = Field(default=None, foreign_key="agency.id", max_length=36)  # a 自查 round's agency
    source: str = ""  # the round database or sheet its results came from
    source_sha256: str = ""
    params: str = "{}"
    created_at: str = Field(default_factory=now)
    imported_at: str | None = None


class RoundResult(SQLModel, table=True):
    """The final result of one file in a 自查 or 复查 round."""

    __tablename__ = "round_result"
    __table_args__ = (UniqueConstraint("round_id", "case_id"),)
    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    round_id: str = Field(foreign_key="round.id", max_length=36, index=True)
    case_id: str = Field(foreign_key="case_file.id", max_length=36, index=True)
    score: float
    grade: str
    vetoed: bool = False
    note: str = ""
    reviewers: str = ""


class RoundAnswer(SQLModel, table=True):
    """One checklist item of a round result that is not 符合 (符合 items are not stored)."""

    __tablename__ = "round_answer"
    __table_args__ = (UniqueConstraint("result_id", "item_id"),)
    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    result_id: str = Field(foreign_key="round_result.id", max_length=36, index=True)
    item_id: str
    verdict: str
    deducted: float = 0.0
    note: str = ""
    page_ref: str = ""


# --- 整改台账 (rectification ledger) --------------------------------------------------------

LEDGER_OPEN = "未整改"
LEDGER_DOING = "整改中"
LEDGER_DONE = "已整改"
LEDGER_REFUSED = "不予整改"
LEDGER_OVERDUE = "逾期"  # derived: 未整改/整改中 after the deadline; never stored
LEDGER_STATES = (LEDGER_OPEN, LEDGER_DOING, LEDGER_DONE, LEDGER_REFUSED)


class LedgerItem(SQLModel, table=True):
    """One problem an agency must rectify: a defect of a file's final result in a round."""

    __tablename__ = "ledger_item"
    __table_args__ = (UniqueConstraint("round_id", "case_id", "item_id"),)
    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    code: str = Field(unique=True, max_length=32)  # 问题编号, e.g. ZG-0007: how returned ledgers match rows
    round_id: str = Field(foreign_key="round.id", max_length=36, index=True)
    case_id: str = Field(foreign_key="case_file.id", max_length=36, index=True)
    item_id: str
    item_text: str = ""
    verdict: str = ""
    deducted: float = 0.0
    problem: str = ""  # as the reviewer wrote it
    page_ref: str = ""
    deadline: str  # YYYY-MM-DD, a local (Asia/Shanghai) date
    state: str = LEDGER_OPEN
    measure: str = ""  # 整改措施
    owner: str = ""  # 责任人
    progress: str = ""  # 完成情况
    done_on: str | None = None  # 完成日期
    evidence: str = ""  # 佐证材料
    reason: str = ""  # 不予整改的理由
    created_at: str = Field(default_factory=now)
    updated_at: str = Field(default_factory=now)


class LedgerImport(SQLModel, table=True):
    __tablename__ = "ledger_import"
    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    file_name: str
    sha256: str = Field(max_length=64)
    rows: int = 0
    changed: int = 0
    imported_at: str = Field(default_factory=now)
