"""What the lead's dashboard reads: the 合议 queue, scores of the files decided so far per agency,
and the merge log.

The queue and the scores are worked out from one finals.file_outcomes() call (which the caller
makes once and passes in), plus one aggregated read each; nothing here loads answers, so on a
campaign of 20,000 files each call takes well under a second.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select

from anjuan import models as m
from anjuan.db import Database
from anjuan.lead.finals import CampaignRows, FileOutcome, ReviewSummary, campaign_rows


@dataclass(frozen=True)
class QueueEntry:
    """A file waiting for 合议: its two submitted reviews disagree."""

    case_id: str
    case_no: str
    agency: str
    title: str
    a: ReviewSummary
    """The earlier submitted review (reviewer A on the 合议 screen)."""
    b: ReviewSummary
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class AgencyScores:
    """Scores of an agency's files that have a final result so far."""

    agency: str
    sampled: int
    final: int
    """Files with a final result (settled, single-reviewed, or two agreeing reviews)."""
    conflicts: int
    mean: float | None
    grades: dict[str, int] = field(default_factory=dict)
    """Files per grade (等次), e.g. {"优秀": 3, "合格": 1}."""


@dataclass(frozen=True)
class MergeEntry:
    """One merged reviewer package, as merge_log recorded it."""

    merged_at: str
    """Local time, e.g. 2024-06-03 14:05."""
    package_file: str
    reviewer: str
    summary: str
    """What the package brought, in words (新增 3 份评查记录…)."""


def _natural(text: str) -> tuple:
    return tuple(int(p) if n % 2 else p for n, p in enumerate(re.split(r"(\d+)", text)))


def _case_heads(db: Database, case_ids: list[str]) -> dict[str, tuple[str, str, str]]:
    """(案号, 执法机关, 案件名称) per file."""
    cf, ag = m.CaseFile.__table__, m.Agency.__table__
    out: dict[str, tuple[str, str, str]] = {}
    with db.read_session() as s:
        for i in range(0, len(case_ids), 500):
            q = (select(cf.c.id, cf.c.case_no, ag.c.name, cf.c.title)
                 .select_from(cf.join(ag, ag.c.id == cf.c.agency_id)).where(cf.c.id.in_(case_ids[i:i + 500])))
            for cid, case_no, agency, title in s.execute(q):
                out[cid] = (case_no, agency, title or "")
    return out


def conflict_queue(db: Database, outcomes: dict[str, FileOutcome]) -> list[QueueEntry]:
    """Files whose reviews disagree and are not settled yet, in 执法机关/案号 order."""
    waiting = [o for o in outcomes.values() if o.state == "conflict" and len(o.reviews) >= 2]
    heads = _case_heads(db, [o.case_id for o in waiting])
    out = [QueueEntry(o.case_id, *heads[o.case_id], o.reviews[0], o.reviews[1], o.reasons)
           for o in waiting if o.case_id in heads]
    out.sort(key=lambda e: (e.agency, _natural(e.case_no)))
    return out


def final_scores(db: Database, outcomes: dict[str, FileOutcome], rows: CampaignRows | None = None) -> list[AgencyScores]:
    """Per agency with sampled files (by name): how many files are final, their mean score and
    grades, and how many wait for 合议. `rows` (finals.campaign_rows) may be passed by a caller
    that has read them already."""
    if rows is None:
        rows = campaign_rows(db, vetoes=False)
    finals = {o.final_review_id for o in outcomes.values() if o.final_review_id}
    scores: dict[str, list[tuple[float, str]]] = {}
    sampled: dict[str, int] = {}
    conflicts: dict[str, int] = {}
    agency_of = rows.sampled_agencies
    done = m.STATUS_SUBMITTED
    for rid, cid, _, _, status, score, grade, *_rest in rows.reviews:
        if status == done and rid in finals and cid in agency_of:
            scores.setdefault(agency_of[cid], []).append((score or 0.0, grade or ""))
    for cid, agency in agency_of.items():
        sampled[agency] = sampled.get(agency, 0) + 1
        outcome = outcomes.get(cid)
        if outcome is not None and outcome.state == "conflict":
            conflicts[agency] = conflicts.get(agency, 0) + 1
    out = []
    for agency in sorted(sampled):
        got = scores.get(agency, [])
        grades: dict[str, int] = {}
        for _, grade in got:
            grades[grade] = grades.get(grade, 0) + 1
        mean = round(sum(x for x, _ in got) / len(got), 2) if got else None
        out.append(AgencyScores(agency, sampled[agency], len(got), conflicts.get(agency, 0), mean, grades))
    return out


def _local_time(stamp: str) -> str:
    try:
        return datetime.fromisoformat(stamp.replace("Z", "+00:00")).astimezone().strftime("%Y-%m-%d %H:%M")
    except ValueError:
        return stamp


def _summary_text(raw: str) -> str:
    try:
        data = json.loads(raw or "{}")
    except ValueError:
        return raw
    reviews = data.get("reviews", {}) if isinstance(data.get("reviews"), dict) else {}
    parts = []
    new, updated = reviews.get("new", 0), reviews.get("updated", 0)
    if new or updated:
        parts.append("评查记录" + "、".join(p for p in (f"新增 {new} 份" if new else "", f"更新 {updated} 份" if updated else "") if p))
    if reviews.get("stale"):
        parts.append(f"{reviews['stale']} 份较旧未采用")
    if data.get("answers"):
        parts.append(f"答案 {data['answers']} 条")
    if data.get("conflicts"):
        parts.append(f"待合议 {data['conflicts']} 卷")
    return "，".join(parts) or "无新内容"


def merge_history(db: Database, limit: int = 500) -> list[MergeEntry]:
    """The most recent merged packages, newest first."""
    log, rw = m.MergeLog.__table__, m.Reviewer.__table__
    q = (select(log.c.merged_at, log.c.package_file, rw.c.name, log.c.summary)
         .select_from(log.outerjoin(rw, rw.c.id == log.c.reviewer_id))
         .order_by(log.c.merged_at.desc(), log.c.package_file).limit(limit))
    with db.read_session() as s:
        rows = s.execute(q).all()
    return [MergeEntry(_local_time(at or ""), package, name or "—", _summary_text(summary))
            for at, package, name, summary in rows]


__all__ = ["AgencyScores", "MergeEntry", "QueueEntry", "conflict_queue", "final_scores", "merge_history"]
