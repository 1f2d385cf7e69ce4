"""自查: an agency's self-check, brought in from its self-check database or its answer sheet, and
the deviation between the self-check and the bureau's 抽查."""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, select

from anjuan import models as m
from anjuan.campaign import campaign_info
from anjuan.db import Database
from anjuan.errors import InputError
from anjuan.rounds.results import FileResult, round_results, spot_results
from reports.rounds import (
    DEFAULT_LENIENT_GAP,
    DEFAULT_RATIO,
    Scored,
    SelfCheckSummary,
    self_check_summary,
)
from scoring import AnswerInput, score_case

META_RATIO = "selfcheck_ratio"
WRONG_AGENCY_ROWS_LISTED = 3  # more rows naming another agency are summarised in one line
SHEET_PARAMS = '{"sheet": true}'  # the round that holds an agency's self-check sheets


@dataclass
class SheetImport:
    agency: str
    files: int
    rows: int
    replaced: int


def selfcheck_ratio(db: Database) -> float:
    raw = db.meta(META_RATIO)
    try:
        return float(raw) if raw else DEFAULT_RATIO
    except ValueError:
        return DEFAULT_RATIO


def set_selfcheck_ratio(db: Database, ratio: float) -> None:
    if not 0 < ratio <= 1:
        raise InputError(f"自查比例应大于 0、不超过 1（如 0.3 表示 30%），实际为 {ratio:g}")
    with db.session() as s:
        s.merge(m.Meta(key=META_RATIO, value=repr(float(ratio))))


def import_selfcheck_sheet(db: Database, agency: str, path: str | Path) -> SheetImport:
    """An agency's self-check results handed in as an answer sheet (the columns of anjuan answers
    export: 案号, 执法机关, 条目编号, 结论, 扣分, 问题描述, 卷内页码). Each row is checked by the same rule
    as every answer sheet; items a file does not list count as 符合. All or nothing; a new sheet
    for the agency replaces its previous self-check."""
    from anjuan.review.answers_io import _Case, _check_row, _too_many, read_sheet

    from .rounddb import store_results

    path = Path(path)
    std = campaign_info(db).standard
    sheet = read_sheet(path)
    with db.read_session() as s:
        agency_id = s.scalar(select(m.Agency.id).where(m.Agency.name == agency))
        if agency_id is None:
            raise InputError(f"执法机关“{agency}”不在本评查活动中")
        cases = {no: _Case(cid, agency, no, kind or "") for cid, no, kind in s.execute(
            select(m.CaseFile.id, m.CaseFile.case_no, m.CaseFile.kind).where(m.CaseFile.agency_id == agency_id))}
    problems = []
    wrong_agency = []  # (problem, agency named in the row): many usually means a wrong --agency
    per_case: OrderedDict[str, dict[str, AnswerInput]] = OrderedDict()
    for r in sheet.rows:
        c = r.cells
        n_before = len(problems)
        if c.get("agency") and c["agency"].replace(" ", "") != agency.replace(" ", ""):
            wrong_agency.append((sheet.problem(r.row, "agency", f"执法机关“{c['agency']}”不是“{agency}”：自查结果表只能填本机关的案卷"),
                                 c["agency"].strip()))
            continue
        case = cases.get(c["case_no"].replace(" ", ""))
        if case is None:
            problems.append(sheet.problem(r.row, "case_no", f"案号“{c['case_no']}”不在{agency}的案卷目录中"))
            continue
        answer = _check_row(sheet, std, r, case, problems)
        if answer is None or len(problems) > n_before:
            continue
        given = per_case.setdefault(case.id, {})
        if answer.item_id in given:
            problems.append(sheet.problem(r.row, "item", f"案号 {case.case_no} 的条目“{answer.item_id}”重复填写"))
            continue
        given[answer.item_id] = AnswerInput(answer.item_id, answer.verdict, answer.deducted, answer.note, answer.page_ref)
    if len(wrong_agency) > WRONG_AGENCY_ROWS_LISTED:
        first = wrong_agency[0][0]
        named = list(dict.fromkeys(a for _, a in wrong_agency))
        names = "、".join(f"“{a}”" for a in named[:3]) + (f"等 {len(named)} 个执法机关" if len(named) > 3 else "")
        rows = "、".join(str(p.row) for p, _ in wrong_agency[:WRONG_AGENCY_ROWS_LISTED])
        raise InputError(f"{sheet.name}：{len(wrong_agency)} 行的执法机关（{first.letter}列）是{names}，不是 --agency 指定的“{agency}”"
                         f"（如第{rows}行等）；请核对 --agency 是否写错，自查结果表只能填本机关的案卷。没有导入任何自查结果")
    problems.extend(p for p, _ in wrong_agency)
    if problems:
        problems.sort(key=lambda p: (p.row, p.letter.rjust(3)))
        if len(problems) == 1:
            raise InputError(f"{problems[0]}。没有导入任何自查结果，请修改后重新导入")
        err = _too_many(sheet.name, problems)
        raise InputError(f"{sheet.name} 有 {len(problems)} 处错误，没有导入任何自查结果。请按下列提示修改后重新导入：", err.details)
    if not per_case:
        raise InputError(f"{path.name} 中没有自查结果")
    kinds = {c.id: c.kind for c in cases.values()}
    results = [(cid, score_case(std, kinds[cid], list(given.values())), "", "") for cid, given in per_case.items()]
    sha = hashlib.sha256(path.read_bytes()).hexdigest()
    with db.session() as s:
        rd = s.scalar(select(m.Round).where((m.Round.kind == m.ROUND_SELF) & (m.Round.agency_id == agency_id)
                                            & (m.Round.params == SHEET_PARAMS)))
        if rd is None:
            rd = m.Round(kind=m.ROUND_SELF, name=f"{agency}自查", agency_id=agency_id, params=SHEET_PARAMS)
            s.add(rd)
            s.flush()
        # A self-check handed in twice (a database and a sheet) keeps only the newest for each file.
        others = [rid for (rid,) in s.execute(select(m.Round.id).where(
            (m.Round.kind == m.ROUND_SELF) & (m.Round.agency_id == agency_id) & (m.Round.id != rd.id)))]
        if others:
            from sqlalchemy import delete

            rr, ra = m.RoundResult.__table__, m.RoundAnswer.__table__
            dup = select(rr.c.id).where(rr.c.round_id.in_(others) & rr.c.case_id.in_(list(per_case)))
            s.execute(delete(ra).where(ra.c.result_id.in_(dup)))
            s.execute(delete(rr).where(rr.c.round_id.in_(others) & rr.c.case_id.in_(list(per_case))))
        replaced = store_results(s, rd.id, results)
        rd.source, rd.source_sha256, rd.imported_at = path.name, sha, m.now()
        s.add(rd)
    return SheetImport(agency, len(results), len(sheet.rows), replaced)


def _scored(results: dict[str, FileResult]) -> dict[str, Scored]:
    return {cid: Scored(r.agency, r.case_no, r.score, r.grade, {i: f.note for i, f in r.findings.items()})
            for cid, r in results.items()}


def has_selfcheck(db: Database) -> bool:
    with db.read_session() as s:
        return bool(s.scalar(select(func.count()).select_from(m.RoundResult.__table__).join(
            m.Round.__table__, m.Round.__table__.c.id == m.RoundResult.__table__.c.round_id).where(
            m.Round.__table__.c.kind == m.ROUND_SELF)))


def selfcheck_summary(db: Database, ratio: float | None = None, lenient_gap: float = DEFAULT_LENIENT_GAP,
                      spot: dict[str, FileResult] | None = None) -> SelfCheckSummary | None:
    """The 自查与抽查 figures of every agency in the campaign once any self-check has come in (None
    before): agencies that have not handed one in show 0 files self-checked."""
    own = round_results(db, kind=m.ROUND_SELF)
    if not own:
        return None
    std = campaign_info(db).standard
    with db.read_session() as s:
        catalog = dict(s.execute(select(m.Agency.name, func.count(m.CaseFile.id)).join(
            m.CaseFile, m.CaseFile.agency_id == m.Agency.id).group_by(m.Agency.name)).all())
    # Every agency with files must self-check: those that have not handed anything in are listed too.
    with_round = sorted(name for name, n in catalog.items() if n)
    spot = spot if spot is not None else spot_results(db)
    texts = {i.id: i.text for i in std.items}
    return self_check_summary(catalog, _scored(own), _scored(spot), [b.name for b in std.bands], texts,
                              ratio if ratio is not None else selfcheck_ratio(db), lenient_gap, with_round)
