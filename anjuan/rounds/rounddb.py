"""Round databases: a 自查 or 复查 round is run in a campaign database of its own, made from the
campaign, and its final results come back into the campaign's round tables.

A round database is an ordinary campaign database (same standard, the round's files with the
campaign's file ids), so everything that works for 抽查 works for the round unchanged: sampling,
assignment, reviewer packages, merge, 合议 and status. Meta rows say what it is for:
round_kind (self | recheck), round_id (the Round row it fills in the campaign),
round_parent_campaign (the campaign's id) and, for a 自查, round_agency.

A self-check database holds one agency's whole catalog and no reviewers: the agency adds its own
staff, samples at least the required share of its files and reviews them; 回避 does not apply
inside the agency (anjuan.prepare.assignment reads round_kind).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import delete, insert, select

from anjuan import models as m
from anjuan.campaign import campaign_info
from anjuan.db import ROLE_CAMPAIGN, Database, create_database, database_role, open_database
from anjuan.errors import InputError, WorkflowError

META_KIND = "round_kind"
META_ID = "round_id"
META_PARENT = "round_parent_campaign"
META_AGENCY = "round_agency"


def _copy(src, dst, table, where=None, **override) -> int:
    q = select(table) if where is None else select(table).where(where)
    rows = [dict(r._mapping) | override for r in src.execute(q)]
    if rows:
        dst.execute(insert(table), rows)
    return len(rows)


def new_round_database(db: Database, out: str | Path, kind: str, agency: str | None = None,
                       case_ids: list[str] | None = None, params: dict | None = None, seed: str = "") -> Database:
    """Create the round database `out` for a 自查 (one agency's catalog) or a 复查 (the given files,
    all of them drawn, with the campaign's reviewers). Returns it open."""
    if database_role(db) != ROLE_CAMPAIGN or db.meta(META_KIND):
        raise WorkflowError("只能从评查活动数据库生成自查或复查数据库")
    info = campaign_info(db)
    t = m.SQLModel.metadata.tables
    cf, ag = t["case_file"], t["agency"]
    with db.read_session() as s:
        if kind == m.ROUND_SELF:
            agency_id = s.scalar(select(ag.c.id).where(ag.c.name == agency))
            if agency_id is None:
                raise InputError(f"执法机关“{agency}”不在本评查活动中")
            where = cf.c.agency_id == agency_id
        else:
            agency_id = None
            where = cf.c.id.in_(case_ids or [])
        n = len(s.execute(select(cf.c.id).where(where)).all())
    if n == 0:
        raise WorkflowError("没有可放入该轮次的案卷" + ("（该执法机关尚未导入案卷目录）" if kind == m.ROUND_SELF else ""))
    round_id = m.new_id()
    label = m.ROUND_LABELS[kind]
    target = create_database(out, ROLE_CAMPAIGN)
    try:
        with db.read_session() as src, target.session() as dst:
            dst.execute(insert(t["meta"]), [
                {"key": META_KIND, "value": kind}, {"key": META_ID, "value": round_id},
                {"key": META_PARENT, "value": info.id}, {"key": META_AGENCY, "value": agency or ""},
            ])
            _copy(src, dst, t["standard"], t["standard"].c.sha256 == info.standard.sha256)
            camp_id = m.new_id()
            name = f"{info.name}（{agency}{label}）" if agency else f"{info.name}（{label}）"
            dst.execute(insert(t["campaign"]).values(id=camp_id, name=name, year=info.year, organiser=agency or info.organiser,
                                                    standard_sha=info.standard.sha256, created_at=m.now()))
            dst.execute(insert(t["meta"]).values(key="campaign_id", value=camp_id))
            agencies = ag.c.id.in_(select(cf.c.agency_id).where(where))
            if kind == m.ROUND_RECHECK:
                # the reviewers come along, and with them the agencies they belong to (回避)
                agencies = agencies | ag.c.id.in_(select(t["reviewer"].c.agency_id).where(t["reviewer"].c.agency_id.is_not(None)))
            _copy(src, dst, ag, agencies)
            _copy(src, dst, cf, where, import_id=None)
            if kind == m.ROUND_RECHECK:
                _copy(src, dst, t["reviewer"])
                batch = m.new_id()
                dst.execute(insert(t["sampling_batch"]).values(
                    id=batch, created_at=m.now(), seed=seed, params=json.dumps(params or {}, ensure_ascii=False),
                    algorithm="复查选定：" + "；".join(f"{k}={v}" for k, v in (params or {}).items())))
                ids = [cid for (cid,) in src.execute(select(cf.c.id).where(where).order_by(cf.c.case_no))]
                dst.execute(insert(t["sampled_case"]), [{"case_id": c, "batch_id": batch, "position": i}
                                                        for i, c in enumerate(ids)])
        with db.session() as s:
            s.add(m.Round(id=round_id, kind=kind, name=f"{agency}{label}" if agency else label, agency_id=agency_id,
                          source=Path(str(out)).name, params=json.dumps(params or {}, ensure_ascii=False)))
    except BaseException:
        target.engine.dispose()
        for p in (Path(str(out)), Path(f"{out}-wal"), Path(f"{out}-shm")):
            p.unlink(missing_ok=True)
        raise
    return target


@dataclass
class RoundImport:
    kind: str
    round_name: str
    imported: int = 0
    replaced: int = 0
    open_files: list[str] = field(default_factory=list)  # case numbers without a final result


def store_results(s, round_id: str, results: list[tuple[str, object, str, str]]) -> int:
    """Replace a round's results: (case id, CaseScore, note, reviewers) per file."""
    rr, ra = m.RoundResult.__table__, m.RoundAnswer.__table__
    old = [r for (r,) in s.execute(select(rr.c.id).where(rr.c.round_id == round_id))]
    if old:
        s.execute(delete(ra).where(ra.c.result_id.in_(old)))
        s.execute(delete(rr).where(rr.c.round_id == round_id))
    rows, answers = [], []
    for case_id, cs, note, reviewers in results:
        rid = m.new_id()
        rows.append({"id": rid, "round_id": round_id, "case_id": case_id, "score": cs.score, "grade": cs.grade,
                     "vetoed": cs.vetoed, "note": note, "reviewers": reviewers})
        answers.extend({"id": m.new_id(), "result_id": rid, "item_id": p.item_id, "verdict": p.verdict,
                        "deducted": p.deducted, "note": p.note, "page_ref": p.page_ref} for p in cs.problems)
    if rows:
        s.execute(insert(rr), rows)
    if answers:
        s.execute(insert(ra), answers)
    return len(old)


def import_round_database(db: Database, path: str | Path) -> RoundImport:
    """Bring a round database's final results into the campaign (replacing an earlier import of
    the same round). Files without a final result (未完成, 待合议) are listed, not imported."""
    from anjuan.lead.reporting import read_inputs

    path = Path(path)
    info = campaign_info(db)
    src = open_database(path)
    try:
        kind, round_id, parent = src.meta(META_KIND), src.meta(META_ID), src.meta(META_PARENT)
        if not kind or not round_id:
            raise InputError(f"{path.name} 不是自查或复查数据库（应由 anjuan selfcheck new 或 anjuan recheck new 生成）")
        if parent != info.id:
            raise InputError(f"{path.name} 不是本评查活动生成的{m.ROUND_LABELS.get(kind, '')}数据库（评查活动不同）")
        if campaign_info(src).standard.sha256 != info.standard.sha256:
            raise InputError(f"{path.name} 使用的评查标准与本评查活动不同，不能导入")
        inputs = read_inputs(src)
        cases = list(inputs.cases)
        with src.read_session() as s:
            reviewers = {}
            for cid, name in s.execute(select(m.Review.case_id, m.Reviewer.name).join(
                    m.Reviewer, m.Reviewer.id == m.Review.reviewer_id).where(m.Review.status == m.STATUS_SUBMITTED)):
                reviewers.setdefault(cid, []).append(name)
    finally:
        src.close()
    with db.session() as s:
        rd = s.get(m.Round, round_id)
        if rd is None:
            raise InputError(f"{path.name} 对应的{m.ROUND_LABELS.get(kind, '')}轮次不在本评查活动中（可能已被删除）")
        known = dict(s.execute(select(m.CaseFile.id, m.CaseFile.case_no).where(
            m.CaseFile.id.in_([c.case_id for c in cases]))).all())
        missing = [c.case_no for c in cases if c.case_id not in known]
        if missing:
            raise InputError(f"{path.name} 中的案卷 {'、'.join(missing[:5])} 不在本评查活动中，不能导入")
        results = [(c.case_id, c.score, c.note, "、".join(sorted(set(reviewers.get(c.case_id, [])))))
                   for c in cases if c.state == "final" and c.score is not None]
        replaced = store_results(s, round_id, results)
        rd.imported_at = m.now()
        rd.source = path.name
        import hashlib

        rd.source_sha256 = hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else ""
        s.add(rd)
    out = RoundImport(kind, rd.name, len(results), replaced)
    out.open_files = [c.case_no for c in cases if c.state != "final" or c.score is None]
    return out


def rounds(db: Database) -> list[m.Round]:
    with db.read_session() as s:
        return list(s.scalars(select(m.Round).order_by(m.Round.created_at)))
