"""Disagreements between the two reviewers of a file, the lead's 合议, and inter-rater agreement.

- list_conflicts(): files whose two submitted reviews disagree (finals.file_outcomes), with both
  reviews side by side.
- item_differences(): one file's two reviews item by item (verdict, deduction, note) with a flag
  for items on which they differ — what the 合议 screen shows.
- settle(): the lead takes either reviewer's answer per item, or enters their own, with a reason.
  The result is a separate review (is_final, reviewer = the lead, submitted) with its own answers
  and history rows (action "settle"); the two original reviews are not touched. It is the file's
  final result from then on.
- agreement_summary(): percent agreement and Cohen's kappa on item verdicts and the mean absolute
  score difference over files with two submitted original reviews, overall and per reviewer pair.

Two answers "differ" when their verdicts or deductions differ (or only one reviewer answered);
notes and page references are free text and are shown, but do not by themselves make a difference.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import asdict, dataclass, replace

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from anjuan import models as m
from anjuan.campaign import campaign_info
from anjuan.db import ROLE_CAMPAIGN, Database, campaign_lock, database_role
from anjuan.errors import AnjuanError, InputError, StaleRevisionError, WorkflowError
from anjuan.integrity import chain
from anjuan.lead.finals import (
    DEFAULT_THRESHOLD,
    ReviewSummary,
    disagreement,
    file_outcomes,
    is_stale,
    paired_verdict_counts,
    settled_from_json,
)
from anjuan.review.reviewing import StoredAnswer, validate_answer
from scoring import DEDUCT, NA, PASS, VETO, Standard, score_case
from scoring.agreement import agreement_from_counts

SOURCE_A = "a"
SOURCE_B = "b"
SOURCE_LEAD = "lead"
SOURCE_AGREED = "agreed"  # both reviewers gave the same answer and the lead made no choice

ACTION_SETTLE = "settle"


@dataclass(frozen=True)
class ReviewSide:
    """One of the two original reviews of a file."""

    review_id: str
    reviewer_id: str
    reviewer: str
    score: float
    grade: str
    vetoed: bool
    submitted_at: str
    note: str = ""
    revision: int = 0  # as read: a 合议 based on it is refused if it has changed since
    excellent_barred: bool = False  # the score reaches the top band but a 不得评优 item was deducted

    def describe(self) -> str:
        """"92.48 分，合格（不得评优）": the score and grade, with why a top score is not the top grade."""
        return f"{self.score:.2f} 分，{self.grade}" + ("（不得评优）" if self.excellent_barred else "")


@dataclass(frozen=True)
class ItemDiff:
    """One checklist item as the two reviewers answered it."""

    item_id: str
    category: str
    text: str
    points: float
    veto: bool
    a: StoredAnswer | None
    b: StoredAnswer | None
    differs: bool  # verdict or deduction differ, or only one of them answered
    note_differs: bool

    def describe(self, side: str) -> str:
        return describe_answer(self.a if side == SOURCE_A else self.b)

    def to_json(self) -> dict:
        return {"item_id": self.item_id, "category": self.category, "text": self.text, "points": self.points,
                "veto": self.veto, "differs": self.differs, "note_differs": self.note_differs,
                "a": asdict(self.a) if self.a else None, "b": asdict(self.b) if self.b else None}


@dataclass(frozen=True)
class SideBySide:
    """A double-reviewed file: both reviews item by item, and why they disagree (if they do)."""

    case_id: str
    case_no: str
    agency: str
    title: str
    kind: str
    a: ReviewSide
    b: ReviewSide
    items: tuple[ItemDiff, ...]
    reasons: tuple[str, ...]
    final_review_id: str | None = None  # a settled result, if the file has one

    @property
    def differing(self) -> list[ItemDiff]:
        return [d for d in self.items if d.differs]

    def to_json(self) -> dict:
        return {"case_id": self.case_id, "case_no": self.case_no, "agency": self.agency, "title": self.title,
                "kind": self.kind, "reviews": [{"side": "A", **asdict(self.a)}, {"side": "B", **asdict(self.b)}], "reasons": list(self.reasons),
                "differing_items": [d.to_json() for d in self.differing], "final_review_id": self.final_review_id}


@dataclass(frozen=True)
class SettleResult:
    review_id: str
    case_id: str
    score: float
    grade: str
    vetoed: bool
    answers: dict[str, StoredAnswer]
    sources: dict[str, str]  # item id → SOURCE_A / SOURCE_B / SOURCE_LEAD / SOURCE_AGREED


def describe_answer(a: StoredAnswer | None) -> str:
    if a is None:
        return "未评"
    if a.verdict == DEDUCT:
        return f"扣 {a.deducted:g} 分" + (f"（{a.note}）" if a.note else "")
    if a.verdict == VETO:
        return "否决" + (f"（{a.note}）" if a.note else "")
    return a.verdict


def same_answer(x: StoredAnswer | None, y: StoredAnswer | None) -> bool:
    if x is None or y is None:
        return x is y
    return x.verdict == y.verdict and abs((x.deducted or 0.0) - (y.deducted or 0.0)) < 1e-9


def _stored(row: m.Answer) -> StoredAnswer:
    return StoredAnswer(row.item_id, row.verdict, row.deducted, row.option, row.occurrences, row.note, row.page_ref)


def _answers(s: Session, review_ids: list[str]) -> dict[str, dict[str, StoredAnswer]]:
    out: dict[str, dict[str, StoredAnswer]] = {rid: {} for rid in review_ids}
    for i in range(0, len(review_ids), 500):
        for row in s.scalars(select(m.Answer).where(m.Answer.review_id.in_(review_ids[i:i + 500]))):
            out[row.review_id][row.item_id] = _stored(row)
    return out


def _originals(s: Session, case_ids: list[str]) -> dict[str, list[ReviewSide]]:
    """Submitted original reviews per file, earliest submitted first (as finals orders them)."""
    rv, rw = m.Review.__table__, m.Reviewer.__table__
    out: dict[str, list[ReviewSide]] = {}
    for i in range(0, len(case_ids), 500):
        q = (select(rv.c.id, rv.c.case_id, rv.c.reviewer_id, rw.c.name, rv.c.score, rv.c.grade, rv.c.vetoed,
                    rv.c.submitted_at, rv.c.note, rv.c.revision)
             .select_from(rv.join(rw, rw.c.id == rv.c.reviewer_id))
             .where((rv.c.case_id.in_(case_ids[i:i + 500])) & (rv.c.is_final == False)  # noqa: E712
                    & (rv.c.status == m.STATUS_SUBMITTED)))
        for rid, cid, reviewer_id, name, score, grade, vetoed, at, note, rev in s.execute(q):
            out.setdefault(cid, []).append(ReviewSide(rid, reviewer_id, name, score or 0.0, grade or "", bool(vetoed),
                                                      at or "", note or "", rev or 0))
    for v in out.values():
        v.sort(key=lambda r: (r.submitted_at, r.review_id))
    return out


def _summary(side: ReviewSide, answers: dict[str, StoredAnswer]) -> ReviewSummary:
    vetoes = frozenset(k for k, a in answers.items() if a.verdict == VETO)
    return ReviewSummary(side.review_id, side.reviewer_id, side.reviewer, side.score, side.grade, side.submitted_at, vetoes)


def _side_by_side(std: Standard, case: tuple, a: ReviewSide, b: ReviewSide, answers: dict[str, dict[str, StoredAnswer]],
                  reasons: tuple[str, ...], final_id: str | None) -> SideBySide:
    case_id, case_no, agency, title, kind = case
    a, b = _with_barred(std, a), _with_barred(std, b)
    cats = {c.id: c.name for c in std.categories}
    xa, xb = answers.get(a.review_id, {}), answers.get(b.review_id, {})
    items = []
    for item in std.items_for(kind or None):
        x, y = xa.get(item.id), xb.get(item.id)
        items.append(ItemDiff(item.id, cats.get(item.category_id, ""), item.text, item.points, item.veto, x, y,
                              not same_answer(x, y), bool(x and y and (x.note, x.page_ref) != (y.note, y.page_ref))))
    return SideBySide(case_id, case_no, agency, title or "", kind or "", a, b, tuple(items), reasons, final_id)


def _with_barred(std: Standard, side: ReviewSide) -> ReviewSide:
    """Mark a review whose score alone would be the top grade but whose grade is lower (不得评优)."""
    barred = (not side.vetoed and len(std.bands) > 2 and std.grade_for(side.score) == std.top_band.name
              and side.grade != std.top_band.name)
    return replace(side, excellent_barred=barred)


def _cases(s: Session, case_ids: list[str]) -> dict[str, tuple]:
    cf, ag = m.CaseFile.__table__, m.Agency.__table__
    out = {}
    for i in range(0, len(case_ids), 500):
        q = (select(cf.c.id, cf.c.case_no, ag.c.name, cf.c.title, cf.c.kind)
             .select_from(cf.join(ag, ag.c.id == cf.c.agency_id)).where(cf.c.id.in_(case_ids[i:i + 500])))
        out.update({r[0]: tuple(r) for r in s.execute(q)})
    return out


def list_conflicts(db: Database, threshold: float = DEFAULT_THRESHOLD) -> list[SideBySide]:
    """Files whose two submitted reviews disagree and are not settled yet, in 执法机关/案号 order."""
    std = campaign_info(db).standard
    outcomes = {cid: o for cid, o in file_outcomes(db, threshold).items() if o.state == "conflict"}
    if not outcomes:
        return []
    ids = list(outcomes)
    with db.read_session() as s:
        cases = _cases(s, ids)
        originals = _originals(s, ids)
        answers = _answers(s, [r.review_id for revs in originals.values() for r in revs[:2]])
    out = []
    for cid, o in outcomes.items():
        revs = originals.get(cid, [])
        if len(revs) < 2 or cid not in cases:
            continue
        out.append(_side_by_side(std, cases[cid], revs[0], revs[1], answers, o.reasons, None))
    out.sort(key=lambda c: (c.agency, c.case_no))
    return out


def item_differences(db: Database, case_id: str, threshold: float = DEFAULT_THRESHOLD) -> SideBySide:
    """A double-reviewed file's two submitted reviews side by side, item by item."""
    std = campaign_info(db).standard
    with db.read_session() as s:
        case = _cases(s, [case_id]).get(case_id)
        if case is None:
            raise AnjuanError("找不到该案卷")
        revs = _originals(s, [case_id]).get(case_id, [])
        if len(revs) < 2:
            raise WorkflowError(f"案卷 {case[1]} 还没有两份已提交的评查记录，无需合议")
        a, b = revs[0], revs[1]
        answers = _answers(s, [a.review_id, b.review_id])
        final_id = s.scalar(select(m.Review.id).where(
            (m.Review.case_id == case_id) & (m.Review.is_final == True) & (m.Review.status == m.STATUS_SUBMITTED)))  # noqa: E712
    reasons = tuple(disagreement(_summary(a, answers[a.review_id]), _summary(b, answers[b.review_id]), threshold))
    return _side_by_side(std, case, a, b, answers, reasons, final_id)


def _normalise(std: Standard, kind: str, answer: StoredAnswer) -> StoredAnswer:
    """The lead's own answer, checked and stored the way reviewing.save_answer stores answers."""
    item_id = answer.item_id
    if answer.verdict == DEDUCT:
        deducted = answer.deducted
    elif answer.verdict == VETO and std.has_item(item_id):
        deducted = std.item(item_id).points
    else:
        deducted = 0.0
    problem = validate_answer(std, kind, item_id, answer.verdict, deducted)
    if problem:
        raise InputError(problem)
    if answer.verdict in (PASS, NA):
        return StoredAnswer(item_id, answer.verdict, 0.0, None, 1, answer.note, answer.page_ref)
    return StoredAnswer(item_id, answer.verdict, deducted, answer.option, max(1, answer.occurrences), answer.note,
                        answer.page_ref)


def _which(source: str, a: ReviewSide, b: ReviewSide) -> str:
    if source in (SOURCE_A, a.review_id, a.reviewer_id):
        return SOURCE_A
    if source in (SOURCE_B, b.review_id, b.reviewer_id):
        return SOURCE_B
    if source in (SOURCE_LEAD, "own"):
        return SOURCE_LEAD
    raise InputError(f"来源“{source}”无效：应为 a（{a.reviewer}）、b（{b.reviewer}）或 lead（组长认定）")


def settle(db: Database, case_id: str, lead_reviewer_id: str,
           choices: dict[str, tuple[str, StoredAnswer | None]], reason: str,
           revisions: dict[str, int] | None = None) -> SettleResult:
    """合议: make the file's final review from the lead's choice per item, with a reason.

    choices maps item id → (source, answer): source "a" or "b" (or that review's or reviewer's id)
    takes that reviewer's answer; "lead" takes `answer`, entered by the lead. Items not in choices
    must be answered identically by both reviewers (that answer is kept); every differing item needs
    a choice. The originals are left as they are. `revisions` (review id → revision) are the
    revisions of the reviews the lead looked at (the two originals, and a settled result being
    redone); if any has changed since, nothing is written and StaleRevisionError is raised.
    A settled result whose originals changed afterwards (原评查已变更) is settled again in place.
    """
    reason = (reason or "").strip()
    if not reason:
        raise WorkflowError("合议须填写理由")
    if database_role(db) != ROLE_CAMPAIGN:
        raise WorkflowError("合议只能在评查活动数据库中进行，不能在评查人员的数据包中进行")
    std = campaign_info(db).standard
    with db.session() as s:
        return _settle_in(s, std, case_id, lead_reviewer_id, choices, reason, revisions)


def _settle_in(s: Session, std: Standard, case_id: str, lead_reviewer_id: str,
               choices: dict[str, tuple[str, StoredAnswer | None]], reason: str,
               revisions: dict[str, int] | None) -> SettleResult:
    """settle() inside the caller's transaction."""
    campaign_lock(s, "settle")  # one campaign-wide writer at a time on a server (anjuan/postgres/locks.py)
    lead = s.get(m.Reviewer, lead_reviewer_id)
    if lead is None or lead.role != m.ROLE_LEAD:
        raise WorkflowError("只有组长可以合议")
    # Lock the file's row (PostgreSQL; SQLite's BEGIN IMMEDIATE already serialises writers)
    # so two leads settling the same file at once cannot both write a final review.
    case = s.get(m.CaseFile, case_id, with_for_update=True)
    if case is None:
        raise AnjuanError("找不到该案卷")
    revs = _originals(s, [case_id]).get(case_id, [])
    if len(revs) < 2:
        raise WorkflowError(f"案卷 {case.case_no} 还没有两份已提交的评查记录，无需合议")
    a, b = revs[0], revs[1]
    finals = list(s.scalars(select(m.Review).where((m.Review.case_id == case_id) & (m.Review.is_final == True))  # noqa: E712
                            .with_for_update()))
    if revisions is not None:
        for rid, seen in revisions.items():
            now_rev = s.scalar(select(m.Review.revision).where(m.Review.id == rid))
            if now_rev != seen:
                raise StaleRevisionError(
                    f"案卷 {case.case_no} 的评查记录已被修改（您看到的是第 {seen} 版，现为第 {now_rev} 版），本次合议未保存；"
                    "请重新打开合议界面核对后再合议", seen, now_rev)
    if any(f.status == m.STATUS_SUBMITTED and not is_stale(s, f) for f in finals):
        raise WorkflowError(f"案卷 {case.case_no} 已合议。如需重新合议，请先退回合议结果：anjuan conflicts 评查活动.db --reopen \"{case.case_no}\" --reason 理由")
    answers = _answers(s, [a.review_id, b.review_id])
    kind = case.kind or ""
    items = std.items_for(kind or None)
    applicable = {i.id for i in items}
    stray = [k for k in choices if k not in applicable]
    if stray:
        raise InputError(f"条目 {'、'.join(stray)} 不适用于该案卷或评查标准中没有")
    chosen: dict[str, StoredAnswer] = {}
    sources: dict[str, str] = {}
    undecided = []
    for item in items:
        x, y = answers[a.review_id].get(item.id), answers[b.review_id].get(item.id)
        if item.id in choices:
            source, given = choices[item.id]
            side = _which(source, a, b)
            if side == SOURCE_LEAD:
                if given is None:
                    raise InputError(f"条目 {item.id} 选择由组长认定，但没有填写认定结果")
                pick = _normalise(std, kind, StoredAnswer(item.id, given.verdict, given.deducted, given.option,
                                                          given.occurrences, given.note, given.page_ref))
            else:
                pick = x if side == SOURCE_A else y
                if pick is None:
                    who = (a if side == SOURCE_A else b).reviewer
                    raise InputError(f"{who}没有评条目 {item.id}，不能采纳其意见")
        elif x is not None and same_answer(x, y):
            side, pick = SOURCE_AGREED, x
        else:
            undecided.append(item.id)
            continue
        chosen[item.id], sources[item.id] = pick, side
    if undecided:
        raise WorkflowError(f"以下条目两名评查人员意见不一致，须逐项选定采纳哪一方或由组长认定：{'、'.join(undecided)}")
    result = score_case(std, kind or None, [p.as_input() for p in chosen.values()])
    stamp = m.now()
    review = next((f for f in finals if f.reviewer_id == lead_reviewer_id), None)
    old_status = review.status if review is not None else None
    old: dict[str, StoredAnswer] = {}
    if review is None:
        review = m.Review(case_id=case_id, reviewer_id=lead_reviewer_id, is_final=True, created_at=stamp)
    else:  # a settled result the lead reopened: settled again in place
        old = _answers(s, [review.id])[review.id]
        s.execute(delete(m.Answer.__table__).where(m.Answer.__table__.c.review_id == review.id))
    review.status = m.STATUS_SUBMITTED
    review.revision = (review.revision or 0) + 1
    review.score, review.grade, review.vetoed = result.score, result.grade, result.vetoed
    review.note = reason
    review.updated_at = review.submitted_at = stamp
    # What was settled: a later change to either original makes this result stale (finals.py).
    review.settled_from = settled_from_json(s, [a.review_id, b.review_id])
    s.add(review)
    s.flush()
    s.execute(insert(m.Answer.__table__), [
        {"id": m.new_id(), "review_id": review.id, "item_id": k, "verdict": v.verdict, "deducted": v.deducted,
         "option": v.option, "occurrences": v.occurrences, "note": v.note, "page_ref": v.page_ref, "updated_at": stamp}
        for k, v in chosen.items()])
    names = {SOURCE_A: a.reviewer, SOURCE_B: b.reviewer, SOURCE_LEAD: lead.name, SOURCE_AGREED: "两人一致"}
    from_review = {SOURCE_A: a.review_id, SOURCE_B: b.review_id}
    history = [{"id": m.new_id(), "review_id": review.id, "item_id": k, "actor_id": lead_reviewer_id, "at": stamp,
                "action": ACTION_SETTLE, "old": old[k].to_json() if k in old else None,
                "new": json.dumps(json.loads(v.to_json()) | {"source": sources[k], "source_name": names[sources[k]],
                                                             "from_review": from_review.get(sources[k])},
                                  ensure_ascii=False, sort_keys=True),
                "reason": reason} for k, v in chosen.items()]
    history.append({"id": m.new_id(), "review_id": review.id, "item_id": None, "actor_id": lead_reviewer_id, "at": stamp,
                    "action": ACTION_SETTLE, "old": json.dumps({"status": old_status, "reviews": [a.review_id, b.review_id]}),
                    "new": json.dumps({"status": m.STATUS_SUBMITTED, "score": result.score, "grade": result.grade},
                                      ensure_ascii=False),
                    "reason": reason})
    review.history_hash = chain.append(s.connection(), history, set_heads=False)[review.id]
    s.add(review)
    review_id = review.id
    return SettleResult(review_id, case_id, result.score, result.grade, result.vetoed, chosen, sources)


def find_case(db: Database, case_no: str, agency: str | None = None) -> tuple[str, str, str]:
    """(case id, case number, agency) of the file with this 案号 (and 执法机关, where the number alone
    is ambiguous)."""
    cf, ag = m.CaseFile.__table__, m.Agency.__table__
    no = (case_no or "").strip()
    with db.read_session() as s:
        q = select(cf.c.id, cf.c.case_no, ag.c.name).select_from(cf.join(ag, ag.c.id == cf.c.agency_id)).where(cf.c.case_no == no)
        if agency:
            q = q.where(ag.c.name == agency.strip())
        rows = s.execute(q.order_by(ag.c.name)).all()
    if not rows:
        where = f"（执法机关“{agency}”）" if agency else ""
        raise AnjuanError(f"找不到案号为“{no}”的案卷{where}，请检查案号")
    if len(rows) > 1:
        raise AnjuanError(f"有 {len(rows)} 个执法机关的案卷案号均为“{no}”（{'、'.join(r[2] for r in rows)}），"
                          "请加 --agency 指定执法机关")
    return tuple(rows[0])  # type: ignore[return-value]


@dataclass(frozen=True)
class SettlePlan:
    """One file to settle from the CLI: either adopt one reviewer's whole review, or the answers of a sheet."""

    case_id: str
    label: str  # "案号（执法机关）" for messages
    adopt: str | None = None  # SOURCE_A / SOURCE_B
    answers: tuple[tuple[StoredAnswer, str], ...] = ()  # (answer, where in the sheet) when from a sheet


def settle_many(db: Database, lead_reviewer_id: str, plans: list[SettlePlan], reason: str) -> list[SettleResult]:
    """合议 from the CLI: settle every planned file in ONE transaction (all or nothing), recorded in the
    history exactly as the 合议 screen records it. Only files waiting for 合议 (待合议, including
    those whose 合议 went stale) can be settled this way."""
    reason = (reason or "").strip()
    if not reason:
        raise WorkflowError("合议须说明理由：请加 --reason \"合议理由\"（记入修改记录）")
    if database_role(db) != ROLE_CAMPAIGN:
        raise WorkflowError("合议只能在评查活动数据库中进行，不能在评查人员的数据包中进行")
    if not plans:
        raise WorkflowError("没有需要合议的案卷")
    std = campaign_info(db).standard
    outcomes = file_outcomes(db)
    for p in plans:
        o = outcomes.get(p.case_id)
        if o is None or o.state != "conflict":
            what = "已合议" if o is not None and o.settled and not o.stale else ("尚未完成评查" if o is None or o.state == "pending" else "两名评查人员意见一致")
            raise WorkflowError(f"案卷 {p.label} 不在待合议之列（{what}），不能合议")
    out = []
    with db.session() as s:
        for p in plans:
            revs = _originals(s, [p.case_id]).get(p.case_id, [])
            if len(revs) < 2:
                raise WorkflowError(f"案卷 {p.label} 还没有两份已提交的评查记录，无需合议")
            a, b = revs[0], revs[1]
            answers = _answers(s, [a.review_id, b.review_id])
            xa, xb = answers[a.review_id], answers[b.review_id]
            choices: dict[str, tuple[str, StoredAnswer | None]] = {}
            if p.adopt is not None:
                who = a if p.adopt == SOURCE_A else b
                mine = xa if p.adopt == SOURCE_A else xb
                for item_id in set(xa) | set(xb):
                    if not same_answer(xa.get(item_id), xb.get(item_id)):
                        if item_id not in mine:
                            raise WorkflowError(f"案卷 {p.label}：{who.reviewer}没有评条目 {item_id}，不能整体采纳其意见")
                        choices[item_id] = (p.adopt, None)
            else:
                for given, _where in p.answers:
                    x, y = xa.get(given.item_id), xb.get(given.item_id)
                    if x is not None and same_answer(x, given) and given.note in ("", x.note):
                        choices[given.item_id] = (SOURCE_A, None)
                    elif y is not None and same_answer(y, given) and given.note in ("", y.note):
                        choices[given.item_id] = (SOURCE_B, None)
                    else:
                        choices[given.item_id] = (SOURCE_LEAD, given)
            try:
                out.append(_settle_in(s, std, p.case_id, lead_reviewer_id, choices, reason, None))
            except AnjuanError as exc:
                raise type(exc)(f"案卷 {p.label}：{exc.message}") from None
    return out


def plans_from_sheet(db: Database, path: str) -> list[SettlePlan]:
    """The 合议 answers of a sheet in the `anjuan answers` format (案号, 执法机关, 条目编号, 结论, 扣分,
    问题描述, 卷内页码), grouped per file; every row checked by the answers import's rules."""
    from anjuan.review.answers_io import _Case, _check_row, _too_many, read_sheet

    std = campaign_info(db).standard
    sheet = read_sheet(path)
    cf, ag = m.CaseFile.__table__, m.Agency.__table__
    with db.read_session() as s:
        files = s.execute(select(cf.c.id, cf.c.case_no, ag.c.name, cf.c.kind)
                          .select_from(cf.join(ag, ag.c.id == cf.c.agency_id))).all()
    by_no: dict[str, list] = {}
    for f in files:
        by_no.setdefault(f[1], []).append(f)
    problems = []
    plans: dict[str, list[tuple[StoredAnswer, str]]] = {}
    labels: dict[str, str] = {}
    seen: set[tuple[str, str]] = set()
    for r in sheet.rows:
        no, agency = r.cells["case_no"], r.cells.get("agency", "")
        found = [f for f in by_no.get(no, []) if not agency or f[2] == agency]
        if not found:
            problems.append(sheet.problem(r.row, "case_no", f"找不到案号为“{no}”的案卷" + (f"（执法机关“{agency}”）" if agency else "")))
            continue
        if len(found) > 1:
            problems.append(sheet.problem(r.row, "case_no", f"有多个执法机关的案卷案号均为“{no}”，请填写执法机关"))
            continue
        cid, case_no, agency_name, kind = found[0]
        answer = _check_row(sheet, std, r, _Case(cid, agency_name, case_no, kind or ""), problems)
        if answer is None:
            continue
        if (cid, answer.item_id) in seen:
            problems.append(sheet.problem(r.row, "item", f"条目“{answer.item_id}”在本表中重复出现（案号 {case_no}）"))
            continue
        seen.add((cid, answer.item_id))
        plans.setdefault(cid, []).append((answer, f"{sheet.name} 第{r.row}行"))
        labels[cid] = f"{case_no}（{agency_name}）"
    if problems:
        raise _too_many(sheet.name, problems)
    if not plans:
        raise InputError(f"{sheet.name} 中没有合议结论")
    return [SettlePlan(cid, labels[cid], None, tuple(rows)) for cid, rows in plans.items()]


# ---- agreement -------------------------------------------------------------------------------------

def _pct(x: float | None) -> str:
    return "—" if x is None else f"{x * 100:.1f}%"


def _num(x: float | None, fmt: str = ".2f") -> str:
    return "—" if x is None else format(x, fmt)


def _figures(ag) -> dict:
    return {"files": ag.files, "items": ag.items,
            "item_agreement": None if ag.percent is None else round(ag.percent, 4),
            "kappa": None if ag.kappa is None else round(ag.kappa, 4),
            "mean_abs_diff": None if ag.mean_abs_diff is None else round(ag.mean_abs_diff, 4)}


def _line(ag) -> str:
    return f"{ag.files} 卷，条目一致率 {_pct(ag.percent)}，Kappa {_num(ag.kappa)}，平均分差 {_num(ag.mean_abs_diff)} 分"


def agreement_summary(db: Database) -> dict:
    """Agreement between the two reviewers over files with two submitted original reviews.

    Returns files, items, item_agreement (share of items with the same verdict), kappa (Cohen's,
    on item verdicts), mean_abs_diff (mean |score difference|), the same per reviewer pair under
    "pairs", and "text": a short Chinese summary for `anjuan status`.
    """
    rv, rw = m.Review.__table__, m.Reviewer.__table__
    with db.read_session() as s:
        q = (select(rv.c.id, rv.c.case_id, rw.c.name, rv.c.score, rv.c.submitted_at)
             .select_from(rv.join(rw, rw.c.id == rv.c.reviewer_id))
             .where((rv.c.is_final == False) & (rv.c.status == m.STATUS_SUBMITTED)))  # noqa: E712
        by_case: dict[str, list[tuple]] = {}
        for rid, cid, name, score, at in s.execute(q):
            by_case.setdefault(cid, []).append((at or "", rid, name, score or 0.0))
        doubles = {cid: sorted(v)[:2] for cid, v in by_case.items() if len(v) >= 2}
        tables = paired_verdict_counts(s, {(v[0][1], v[1][1]): cid for cid, v in doubles.items()})
    overall_table: Counter = Counter()
    overall_diffs: list[float] = []
    by_pair: dict[tuple[str, str], tuple[Counter, list[float]]] = {}
    for cid in sorted(doubles):
        (_, _, na, sa), (_, _, nb, sb) = doubles[cid]
        table = tables.get(cid, Counter())
        overall_table.update(table)
        overall_diffs.append(abs(sa - sb))
        pair_table, pair_diffs = by_pair.setdefault(tuple(sorted((na, nb))), (Counter(), []))
        pair_table.update(table)
        pair_diffs.append(abs(sa - sb))
    overall = agreement_from_counts(overall_table, overall_diffs)
    out = _figures(overall)
    out["pairs"] = []
    if not doubles:
        out["text"] = "双人评查一致性：尚无两名评查人员均已提交的双人评查案卷"
        return out
    lines = [f"双人评查一致性：{_line(overall)}"]
    for names in sorted(by_pair):
        ag = agreement_from_counts(*by_pair[names])
        out["pairs"].append({"reviewers": list(names)} | _figures(ag))
        lines.append(f"  {names[0]}、{names[1]}：{_line(ag)}")
    out["text"] = "\n".join(lines)
    return out


__all__ = [
    "ItemDiff", "ReviewSide", "SOURCE_A", "SOURCE_B", "SOURCE_LEAD", "SettleResult", "SideBySide",
    "SettlePlan", "agreement_summary", "describe_answer", "find_case", "item_differences", "list_conflicts",
    "plans_from_sheet", "same_answer", "settle", "settle_many",
]
