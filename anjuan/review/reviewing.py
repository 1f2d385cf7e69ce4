"""Reviewing service: a reviewer's case list, answers, submit and reopen.

Every change is its own committed transaction with an answer-history row, so nothing a
reviewer typed is lost if the terminal is killed right after it was shown as saved.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.orm import Session

from anjuan import models as m
from anjuan.campaign import campaign_info
from anjuan.db import ROLE_PACKAGE, Database
from anjuan.errors import AnjuanError, InputError, StaleRevisionError, WorkflowError
from anjuan.integrity import chain
from anjuan.integrity.seal import seal
from scoring import DEDUCT, NA, PASS, VERDICTS, VETO, AnswerInput, CaseScore, Standard, score_case

STATUS_LABELS = {
    None: "未评",
    m.STATUS_DRAFT: "评查中",
    m.STATUS_SUBMITTED: "已提交",
    m.STATUS_REOPENED: "已退回",
}


@dataclass(frozen=True)
class CaseRow:
    """One line of a reviewer's case list."""

    case_id: str
    case_no: str
    agency: str
    title: str
    party: str
    kind: str
    status: str
    score: float | None
    grade: str | None
    review_id: str | None = None


@dataclass(frozen=True)
class CaseDetail:
    case_id: str
    case_no: str
    agency: str
    title: str
    party: str
    kind: str
    decided_on: str | None
    officers: str
    extra: dict = field(default_factory=dict)


@dataclass(frozen=True)
class StoredAnswer:
    item_id: str
    verdict: str
    deducted: float = 0.0
    option: int | None = None
    occurrences: int = 1
    note: str = ""
    page_ref: str = ""

    def as_input(self) -> AnswerInput:
        return AnswerInput(self.item_id, self.verdict, self.deducted, self.note, self.page_ref)

    def to_json(self) -> str:
        return json.dumps(
            {"verdict": self.verdict, "deducted": self.deducted, "option": self.option,
             "occurrences": self.occurrences, "note": self.note, "page_ref": self.page_ref},
            ensure_ascii=False, sort_keys=True,
        )


ANSWER_FIELDS = ("item_id", "verdict", "deducted", "option", "occurrences", "note", "page_ref")
"""The answer table's columns of a StoredAnswer, in its field order."""


@dataclass(frozen=True)
class ReviewState:
    review_id: str
    case_id: str
    reviewer_id: str
    status: str
    revision: int
    answers: dict[str, StoredAnswer]
    result: CaseScore

    @property
    def editable(self) -> bool:
        return self.status != m.STATUS_SUBMITTED


def reviewer_names(db: Database) -> list[str]:
    with db.read_session() as s:
        return list(s.scalars(select(m.Reviewer.name).order_by(m.Reviewer.name)))


def resolve_reviewer(db: Database, name: str | None) -> m.Reviewer:
    """The reviewer to act as: the named one, or a package's own reviewer."""
    with db.read_session() as s:
        if name:
            r = s.scalars(select(m.Reviewer).where(m.Reviewer.name == name)).first()
            if r is None:
                known = "、".join(s.scalars(select(m.Reviewer.name).order_by(m.Reviewer.name))) or "（尚无评查人员）"
                raise AnjuanError(f"没有名为“{name}”的评查人员。已有：{known}")
            return r
        role = s.get(m.Meta, "role")
        if role is not None and role.value == ROLE_PACKAGE:
            rid = s.get(m.Meta, "package_reviewer_id")
            r = s.get(m.Reviewer, rid.value) if rid else None
            if r is not None:
                return r
        leads = list(s.scalars(select(m.Reviewer).where(m.Reviewer.role == m.ROLE_LEAD).order_by(m.Reviewer.name)))
        if len(leads) == 1:
            return leads[0]
        names = "、".join(s.scalars(select(m.Reviewer.name).order_by(m.Reviewer.name))) or "（尚无评查人员）"
        raise AnjuanError(f"请用 --reviewer 指定以哪位评查人员的身份打开。已有：{names}")


def list_assigned(db: Database, reviewer_id: str) -> list[CaseRow]:
    """The reviewer's assigned files with their review status, in 执法机关/案号 order."""
    rv = m.Review.__table__
    cf = m.CaseFile.__table__
    ag = m.Agency.__table__
    asg = m.Assignment.__table__
    answered = (
        select(func.count()).select_from(m.Answer.__table__)
        .where(m.Answer.__table__.c.review_id == rv.c.id).correlate(rv).scalar_subquery()
    )
    q = (
        select(cf.c.id, cf.c.case_no, ag.c.name, cf.c.title, cf.c.party, cf.c.kind,
               rv.c.id, rv.c.status, rv.c.score, rv.c.grade, answered)
        .select_from(
            asg.join(cf, cf.c.id == asg.c.case_id).join(ag, ag.c.id == cf.c.agency_id)
            .outerjoin(rv, (rv.c.case_id == cf.c.id) & (rv.c.reviewer_id == asg.c.reviewer_id) & (rv.c.is_final == False))  # noqa: E712
        )
        .where(asg.c.reviewer_id == reviewer_id)
        .order_by(ag.c.name, cf.c.case_no)
    )
    rows = []
    with db.read_session() as s:
        for cid, no, agency, title, party, kind, rid, status, score, grade, n in s.execute(q):
            label = STATUS_LABELS.get(status, "评查中")
            if status == m.STATUS_DRAFT and not n:
                label = "未评"
            rows.append(CaseRow(cid, no, agency, title or "", party or "", kind or "", label,
                                score if n or status == m.STATUS_SUBMITTED else None,
                                grade if n or status == m.STATUS_SUBMITTED else None, rid))
    return rows


def case_detail(db: Database, case_id: str) -> CaseDetail:
    with db.read_session() as s:
        c = s.get(m.CaseFile, case_id)
        if c is None:
            raise AnjuanError("找不到该案卷")
        agency = s.get(m.Agency, c.agency_id)
        return CaseDetail(c.id, c.case_no, agency.name if agency else "", c.title, c.party, c.kind,
                          c.decided_on, c.officers, json.loads(c.extra or "{}"))


def _answers(s: Session, review_id: str) -> dict[str, StoredAnswer]:
    # Columns, not ORM objects: read after every save, so a Core select (a third of the time).
    a = m.Answer.__table__.c
    rows = s.execute(select(*(a[f] for f in ANSWER_FIELDS)).where(a.review_id == review_id))
    return {row[0]: StoredAnswer(*row) for row in rows}


def _state(s: Session, std: Standard, review: m.Review, kind: str) -> ReviewState:
    answers = _answers(s, review.id)
    result = score_case(std, kind, [a.as_input() for a in answers.values()])
    return ReviewState(review.id, review.case_id, review.reviewer_id, review.status, review.revision, answers, result)


def _case_kind(s: Session, case_id: str) -> str:
    return s.scalar(select(m.CaseFile.kind).where(m.CaseFile.id == case_id)) or ""


def open_review(db: Database, case_id: str, reviewer_id: str) -> ReviewState:
    """The reviewer's review of a file, created (empty draft) on first open."""
    std = campaign_info(db).standard
    with db.session() as s:
        s.get(m.CaseFile, case_id, with_for_update=True)  # one review per reviewer and file, even on PostgreSQL
        assigned = s.scalar(select(m.Assignment.id).where(
            (m.Assignment.case_id == case_id) & (m.Assignment.reviewer_id == reviewer_id)))
        review = s.scalars(select(m.Review).where(
            (m.Review.case_id == case_id) & (m.Review.reviewer_id == reviewer_id) & (m.Review.is_final == False)  # noqa: E712
        )).first()
        if review is None:
            if assigned is None:
                raise WorkflowError("该案卷未分配给您，不能评查")
            review = m.Review(case_id=case_id, reviewer_id=reviewer_id)
            s.add(review)
            s.flush()
            seal(s.connection())
        return _state(s, std, review, _case_kind(s, case_id))


def review_state(db: Database, review_id: str) -> ReviewState:
    std = campaign_info(db).standard
    with db.read_session() as s:
        review = s.get(m.Review, review_id)
        return _state(s, std, review, _case_kind(s, review.case_id))


def validate_answer(std: Standard, kind: str, item_id: str, verdict: str, deducted: float) -> str | None:
    """Why this answer is not allowed, or None if it is."""
    if not std.has_item(item_id):
        return f"评查标准中没有条目 {item_id}"
    item = std.item(item_id)
    if not item.applies(kind):
        return f"条目 {item_id} 不适用于“{kind}”类案卷"
    if verdict not in VERDICTS:
        return f"结论“{verdict}”无效，应为 符合/扣分/不适用/否决 之一"
    if verdict == VETO and not item.veto:
        return f"条目 {item_id} 不是否决项，不能选择“否决”"
    if verdict == DEDUCT:
        if deducted is None or not math.isfinite(deducted) or deducted <= 0:
            return "扣分应为大于 0 的数"
        if deducted > item.points + 1e-9:
            return f"扣分 {deducted:g} 超过条目 {item_id} 的分值 {item.points:g}"
    return None


def validate_stored(std: Standard, kind: str, a: StoredAnswer) -> str | None:
    """Why this stored answer row is not one anjuan would have written, or None if it is: the rules
    of validate_answer plus how save_answer normalises a row (types, 扣分 of 符合/不适用/否决, 次数)."""
    if not isinstance(a.item_id, str) or not a.item_id:
        return "条目编号无效"
    if not isinstance(a.verdict, str):
        return f"结论“{a.verdict}”无效，应为 符合/扣分/不适用/否决 之一"
    if isinstance(a.deducted, bool) or not isinstance(a.deducted, (int, float)):
        return f"扣分“{a.deducted}”不是数字"
    problem = validate_answer(std, kind, a.item_id, a.verdict, float(a.deducted))
    if problem:
        return problem
    item = std.item(a.item_id)
    if isinstance(a.occurrences, bool) or not isinstance(a.occurrences, int) or a.occurrences < 1:
        return f"条目 {a.item_id} 的次数“{a.occurrences}”无效，应为不小于 1 的整数"
    if a.option is not None and (isinstance(a.option, bool) or not isinstance(a.option, int)
                                 or not 1 <= a.option <= len(item.deductions)):
        return f"条目 {a.item_id} 的扣分情形“{a.option}”无效"
    if a.verdict in (PASS, NA) and (a.deducted != 0 or a.option is not None or a.occurrences != 1):
        return f"条目 {a.item_id} 结论为“{a.verdict}”，不应有扣分"
    if a.verdict == VETO and abs(a.deducted - item.points) > 1e-9:
        return f"条目 {a.item_id} 为否决，扣分应为该条目分值 {item.points:g}"
    if not isinstance(a.note, str) or not isinstance(a.page_ref, str):
        return f"条目 {a.item_id} 的说明或页码不是文字"
    return None


def _bump(s: Session, std: Standard, review: m.Review, kind: str, history: list[dict]) -> ReviewState:
    """Append the change's history rows (hash-chained), bump the revision, rescore and re-seal a
    package, all in the caller's transaction (which holds the review row's lock)."""
    head = chain.append(s.connection(), history, set_heads=False)[review.id]
    state = _state(s, std, review, kind)  # the answers as written above
    review.history_hash = head
    review.revision += 1
    review.updated_at = m.now()
    review.score = state.result.score
    review.grade = state.result.grade
    review.vetoed = state.result.vetoed
    s.flush()  # one UPDATE of the review row
    seal(s.connection())
    return ReviewState(state.review_id, state.case_id, state.reviewer_id, review.status,
                       review.revision, state.answers, state.result)


def _locked_review(s: Session, review_id: str, revision: int | None) -> m.Review:
    """The review row, locked for this transaction (SELECT … FOR UPDATE on PostgreSQL; SQLite's
    BEGIN IMMEDIATE already serialises writers), checked against the revision the writer saw."""
    review = s.get(m.Review, review_id, with_for_update=True)
    if review is None:
        raise WorkflowError("评查记录不存在")
    if revision is not None and review.revision != revision:
        raise StaleRevisionError(
            f"该评查记录已被修改（您看到的是第 {revision} 版，现为第 {review.revision} 版），本次操作未保存；"
            "已重新载入最新内容，请核对后重新操作", revision, review.revision)
    return review


def _editable_review(s: Session, review_id: str, revision: int | None = None) -> m.Review:
    review = _locked_review(s, review_id, revision)
    if review.status == m.STATUS_SUBMITTED:
        raise WorkflowError("该案卷已提交，不能修改；如需修改请先退回（重新打开）并说明理由")
    return review


def save_answer(db: Database, review_id: str, actor_id: str, answer: StoredAnswer,
                revision: int | None = None) -> ReviewState:
    """Record one item's answer (insert or change) with a history row; returns the new state.

    `revision` is the revision the writer last saw; if the review has changed since, nothing is
    written and StaleRevisionError is raised."""
    std = campaign_info(db).standard
    with db.session() as s:
        review = _editable_review(s, review_id, revision)
        kind = _case_kind(s, review.case_id)
        deducted = answer.deducted if answer.verdict == DEDUCT else (std.item(answer.item_id).points if answer.verdict == VETO and std.has_item(answer.item_id) else 0.0)
        problem = validate_answer(std, kind, answer.item_id, answer.verdict, deducted)
        if problem:
            raise InputError(problem)
        if answer.verdict in (PASS, NA):
            answer = StoredAnswer(answer.item_id, answer.verdict, 0.0, None, 1, answer.note, answer.page_ref)
        else:
            answer = StoredAnswer(answer.item_id, answer.verdict, float(deducted), answer.option,
                                  max(1, answer.occurrences), answer.note, answer.page_ref)
        problem = validate_stored(std, kind, answer)
        if problem:
            raise InputError(problem)
        an = m.Answer.__table__
        row = s.execute(select(an.c.id, *(an.c[f] for f in ANSWER_FIELDS))
                        .where((an.c.review_id == review_id) & (an.c.item_id == answer.item_id))).first()
        old = None
        values = dict(verdict=answer.verdict, deducted=answer.deducted, option=answer.option,
                      occurrences=answer.occurrences, note=answer.note, page_ref=answer.page_ref, updated_at=m.now())
        if row is None:  # statements without .values(): the parameters name the columns
            s.execute(insert(an), dict(id=m.new_id(), review_id=review_id, item_id=answer.item_id, **values))
        else:
            old = StoredAnswer(*row[1:])
            if old == answer:
                return _state(s, std, review, kind)
            s.execute(update(an).where(an.c.id == row[0]), values)
        return _bump(s, std, review, kind, [dict(review_id=review_id, item_id=answer.item_id, actor_id=actor_id,
                                                 action="answer", old=old.to_json() if old else None, new=answer.to_json())])


def clear_answer(db: Database, review_id: str, actor_id: str, item_id: str, revision: int | None = None) -> ReviewState:
    """Take an answer back (the item becomes unanswered again), keeping the history."""
    std = campaign_info(db).standard
    with db.session() as s:
        review = _editable_review(s, review_id, revision)
        kind = _case_kind(s, review.case_id)
        an = m.Answer.__table__
        row = s.execute(select(an.c.id, *(an.c[f] for f in ANSWER_FIELDS))
                        .where((an.c.review_id == review_id) & (an.c.item_id == item_id))).first()
        if row is None:
            return _state(s, std, review, kind)
        old = StoredAnswer(*row[1:])
        s.execute(delete(an).where(an.c.id == row[0]))
        return _bump(s, std, review, kind, [dict(review_id=review_id, item_id=item_id, actor_id=actor_id, action="clear",
                                                 old=old.to_json(), new=None)])


def submit_review(db: Database, review_id: str, actor_id: str, revision: int | None = None) -> ReviewState:
    """Submit a review; every applicable item must be answered. It becomes read-only."""
    std = campaign_info(db).standard
    with db.session() as s:
        review = _editable_review(s, review_id, revision)
        kind = _case_kind(s, review.case_id)
        state = _state(s, std, review, kind)
        if state.result.unanswered:
            missing = "、".join(state.result.unanswered[:8]) + ("等" if len(state.result.unanswered) > 8 else "")
            raise WorkflowError(f"还有 {len(state.result.unanswered)} 个适用条目未评：{missing}，请全部评完后再提交")
        old_status = review.status
        review.status = m.STATUS_SUBMITTED
        review.submitted_at = m.now()
        return _bump(s, std, review, kind, [dict(review_id=review_id, item_id=None, actor_id=actor_id, action="submit",
                                                 old=json.dumps({"status": old_status}),
                                                 new=json.dumps({"status": m.STATUS_SUBMITTED}))])


def reopen_review(db: Database, review_id: str, actor_id: str, reason: str, revision: int | None = None) -> ReviewState:
    """Reopen a submitted review for changes; the reason is kept in the history."""
    if not reason or not reason.strip():
        raise WorkflowError("退回重评须填写理由")
    std = campaign_info(db).standard
    with db.session() as s:
        review = _locked_review(s, review_id, revision)
        if review.status != m.STATUS_SUBMITTED:
            raise WorkflowError("只有已提交的案卷才能退回重评")
        kind = _case_kind(s, review.case_id)
        review.status = m.STATUS_REOPENED
        review.submitted_at = None
        return _bump(s, std, review, kind, [dict(review_id=review_id, item_id=None, actor_id=actor_id, action="reopen",
                                                 old=json.dumps({"status": m.STATUS_SUBMITTED}),
                                                 new=json.dumps({"status": m.STATUS_REOPENED}), reason=reason.strip())])


def history(db: Database, review_id: str) -> list[m.AnswerHistory]:
    with db.read_session() as s:
        return list(s.scalars(select(m.AnswerHistory).where(m.AnswerHistory.review_id == review_id).order_by(m.AnswerHistory.seq, m.AnswerHistory.at)))


def progress(db: Database, reviewer_id: str) -> tuple[int, int]:
    """(submitted, assigned) for the reviewer's progress line."""
    with db.read_session() as s:
        assigned = s.scalar(select(func.count()).select_from(m.Assignment).where(m.Assignment.reviewer_id == reviewer_id)) or 0
        submitted = s.scalar(select(func.count()).select_from(m.Review).where(
            (m.Review.reviewer_id == reviewer_id) & (m.Review.status == m.STATUS_SUBMITTED) & (m.Review.is_final == False))) or 0  # noqa: E712
        return submitted, assigned


__all__ = [
    "CaseDetail", "CaseRow", "ReviewState", "StoredAnswer", "case_detail", "clear_answer", "history",
    "list_assigned", "open_review", "progress", "reopen_review", "resolve_reviewer", "review_state",
    "reviewer_names", "save_answer", "submit_review", "validate_answer", "validate_stored",
]
