"""Reading a campaign database into the plain data of the 调卷通知 and the 案卷评查表
(reports.papers builds the documents)."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from anjuan import models as m
from anjuan.campaign import campaign_info
from anjuan.db import Database
from anjuan.errors import AnjuanError
from reports.compute import natural_key
from reports.papers import FormBook, FormFile, FormItem, NoticeAgency, NoticeData, NoticeFile
from scoring import DEDUCT, NA, PASS, VETO

VERDICT_WORDS = {PASS: "符合", DEDUCT: "扣分", VETO: "否决", NA: "不适用"}
STATUS_WORDS = {m.STATUS_SUBMITTED: "已提交", m.STATUS_DRAFT: "草稿", m.STATUS_REOPENED: "退回修改"}
DELIVER_DAYS = 7


def load_notice(db: Database, issued_on: date, deliver_by: date | None = None, place: str = "",
                contact: str = "", doc_no: str = "", agencies: list[str] | None = None) -> NoticeData:
    """The files drawn for each agency (all sampled files, or those of the given agencies)."""
    info = campaign_info(db)
    ag, cf, sc = m.Agency.__table__, m.CaseFile.__table__, m.SampledCase.__table__
    with db.read_session() as s:
        rows = s.execute(select(ag.c.name, cf.c.case_no, cf.c.title, cf.c.kind, cf.c.decided_on)
                         .select_from(sc.join(cf, cf.c.id == sc.c.case_id).join(ag, ag.c.id == cf.c.agency_id))).all()
    by_agency: dict[str, NoticeAgency] = {}
    for name, case_no, title, kind, decided in rows:
        if agencies and name not in agencies:
            continue
        by_agency.setdefault(name, NoticeAgency(name)).files.append(
            NoticeFile(case_no, title or "", kind or "", (decided or "")[:10]))
    if not by_agency:
        raise AnjuanError("还没有抽取案卷，无法出具调卷通知：请先用 anjuan sample 抽样")
    for a in by_agency.values():
        a.files.sort(key=lambda f: natural_key(f.case_no))
    return NoticeData(info.name, info.organiser, issued_on, deliver_by or issued_on + timedelta(days=DELIVER_DAYS),
                      place, contact, sorted(by_agency.values(), key=lambda a: a.name), doc_no)


def load_forms(db: Database, reviewers: list[str] | None = None) -> list[FormBook]:
    """Each reviewer's files with their own review (submitted or draft); blank when not reviewed."""
    info = campaign_info(db)
    std = info.standard
    cat_names = {c.id: c.name for c in std.categories}
    ag, cf, asg, rr, rv, an = (m.Agency.__table__, m.CaseFile.__table__, m.Assignment.__table__,
                               m.Reviewer.__table__, m.Review.__table__, m.Answer.__table__)
    with db.read_session() as s:
        people = s.execute(select(rr.c.id, rr.c.name, rr.c.unit).order_by(rr.c.name)).all()
        assigned = s.execute(
            select(asg.c.reviewer_id, cf.c.id, ag.c.name, cf.c.case_no, cf.c.title, cf.c.party, cf.c.kind)
            .select_from(asg.join(cf, cf.c.id == asg.c.case_id).join(ag, ag.c.id == cf.c.agency_id))).all()
        reviews = {(r.reviewer_id, r.case_id): r for r in s.execute(
            select(rv.c.id, rv.c.reviewer_id, rv.c.case_id, rv.c.status, rv.c.score, rv.c.grade, rv.c.note)
            .where(rv.c.is_final == False))}  # noqa: E712
        answers: dict[str, dict[str, tuple]] = {}
        wanted = {r.id for r in reviews.values()}
        for rid, item_id, verdict, deducted, note, page in s.execute(
                select(an.c.review_id, an.c.item_id, an.c.verdict, an.c.deducted, an.c.note, an.c.page_ref)):
            if rid in wanted:
                answers.setdefault(rid, {})[item_id] = (verdict, deducted or 0.0, note or "", page or "")
    names = {pid: (name, unit or "") for pid, name, unit in people}
    books: dict[str, FormBook] = {}
    for pid, (name, unit) in names.items():
        if reviewers and name not in reviewers:
            continue
        books[pid] = FormBook(info.name, info.organiser, std.name, name, unit)
    if reviewers:
        missing = [r for r in reviewers if r not in {b.reviewer for b in books.values()}]
        if missing:
            raise AnjuanError(f"没有评查人员“{'、'.join(missing)}”，请用 anjuan reviewer list 查看")
    for pid, case_id, agency, case_no, title, party, kind in assigned:
        book = books.get(pid)
        if book is None:
            continue
        r = reviews.get((pid, case_id))
        given = answers.get(r.id, {}) if r else {}
        items = []
        for it in std.items:
            if not it.applies(kind):
                continue
            verdict, deducted, note, page = given.get(it.id, ("", 0.0, "", ""))
            items.append(FormItem(cat_names.get(it.category_id, it.category_id), it.text, it.points, it.veto,
                                  VERDICT_WORDS.get(verdict, "") if r else "", deducted, note, page))
        status = STATUS_WORDS.get(r.status, r.status) if r else "未评查"
        book.files.append(FormFile(agency, case_no, title or "", party or "", kind or "", book.reviewer, status,
                                   r.score if r and r.status == m.STATUS_SUBMITTED else None,
                                   (r.grade or "") if r and r.status == m.STATUS_SUBMITTED else "", items,
                                   (r.note or "") if r else ""))
    out = [b for b in books.values() if b.files]
    for b in out:
        b.files.sort(key=lambda f: (f.agency, natural_key(f.case_no)))
    if not out:
        raise AnjuanError("还没有分配案卷给评查人员，无法出具评查表：请先用 anjuan assign 分配")
    return out
