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

SCHEMA_VERSION = 2

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
    __table_args__ = (Index("ix_answer_history_review", "review_id", "at"),)
    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    review_id: str = Field(max_length=36)
    item_id: str | None = None
    actor_id: str = Field(max_length=36)
    at: str = Field(default_factory=now)
    action: str
    old: str | None = None
    new: str | None = None
    reason: str = ""
    # The server login that wrote the row (PostgreSQL: stamped by a trigger from session_user,
    # see anjuan/postgres/roles.py); None in SQLite files.
    login: str | None = Field(default=None, max_length=63)


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
