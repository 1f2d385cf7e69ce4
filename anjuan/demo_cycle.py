"""The whole campaign cycle on the demo campaign (anjuan demo --cycle): 自查 → 抽查 → 通报 →
整改台账下发 → 台账报回 → 复查 → 整改情况通报.

Every step goes through the same services the commands use (round databases, self-check sheet
import, ledger export and import, re-check selection, merge of the round's results); only the
scoring by people and the agencies' filling in of their ledgers are simulated. The files each step
reads or writes are left in the demo folder, so a lead can repeat any step by hand.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import insert, select

from scoring import DEDUCT, NA, PASS, VETO, AnswerInput, score_case

from . import models as m
from .campaign import campaign_info
from .db import Database, open_database

DEADLINE = date(2025, 3, 31)
SELF_CHECK_DB = ("安溪县交通运输局", "安溪县城市管理综合行政执法局")  # run anjuan on their own files
SELF_CHECK_SHEET = "安溪县市场监督管理局"  # hands in an answer sheet
LENIENT = "安溪县交通运输局"  # scores its own files generously
RETURNS = ("安溪县交通运输局", "安溪县市场监督管理局", "安溪县城市管理综合行政执法局")  # send their ledgers back
STAFF = {"安溪县交通运输局": ("黄振兴", "林美玲"), "安溪县城市管理综合行政执法局": ("周海峰", "叶春梅")}


@dataclass
class CycleResult:
    folder: Path
    self_dbs: list[Path] = field(default_factory=list)
    self_sheet: Path | None = None
    ledgers: Path | None = None
    returned: list[Path] = field(default_factory=list)
    recheck: Path | None = None
    steps: list[tuple[str, str]] = field(default_factory=list)


def _score(db: Database, reviewer: str, rng: random.Random, deduct: float, only: set[str] | None = None) -> int:
    """Score every file assigned to `reviewer` (demo data): each item deducted with probability `deduct`."""
    std = campaign_info(db).standard
    with db.session() as s:
        rid = s.scalar(select(m.Reviewer.id).where(m.Reviewer.name == reviewer))
        files = s.execute(select(m.CaseFile.id, m.CaseFile.kind, m.CaseFile.case_no)
                          .join(m.Assignment, m.Assignment.case_id == m.CaseFile.id)
                          .where(m.Assignment.reviewer_id == rid).order_by(m.CaseFile.case_no)).all()
        reviews, answers = [], []
        for case_id, kind, case_no in files:
            if only is not None and case_no not in only:
                continue
            review_id, inputs = m.new_id(), []
            for item in std.items_for(kind):
                roll = rng.random()
                if item.veto:
                    verdict, ded, note = (VETO, item.points, item.veto_text) if roll < deduct / 60 else (PASS, 0.0, "")
                elif roll < deduct and item.deductions:
                    d = item.deductions[rng.randrange(len(item.deductions))]
                    verdict, ded, note = DEDUCT, min(item.points, d.points), d.text
                elif roll < deduct + 0.04 and not item.applies_to:
                    verdict, ded, note = NA, 0.0, ""
                else:
                    verdict, ded, note = PASS, 0.0, ""
                page = f"第{rng.randint(2, 60)}页" if verdict in (DEDUCT, VETO) else ""
                inputs.append(AnswerInput(item.id, verdict, ded, note, page))
                answers.append({"id": m.new_id(), "review_id": review_id, "item_id": item.id, "verdict": verdict,
                                "deducted": ded, "option": None, "occurrences": 1, "note": note, "page_ref": page,
                                "updated_at": m.now()})
            res = score_case(std, kind, inputs)
            stamp = m.now()
            reviews.append({"id": review_id, "case_id": case_id, "reviewer_id": rid, "is_final": False,
                            "status": m.STATUS_SUBMITTED, "revision": len(inputs), "score": res.score, "grade": res.grade,
                            "vetoed": res.vetoed, "note": "", "created_at": stamp, "updated_at": stamp, "submitted_at": stamp})
        if reviews:
            s.execute(insert(m.Review.__table__), reviews)
            s.execute(insert(m.Answer.__table__), answers)
    return len(reviews)


def _self_check_db(db: Database, folder: Path, agency: str, rng: random.Random) -> Path:
    from .prepare.assignment import assign
    from .prepare.reviewers import add_reviewer
    from .prepare.sampling import draw_sample
    from .rounds.rounddb import new_round_database

    path = folder / f"{agency}自查.db"
    own = new_round_database(db, path, m.ROUND_SELF, agency=agency)
    try:
        for name in STAFF[agency]:
            add_reviewer(own, name, agency)  # the agency's own staff: no 回避 inside a self-check
        draw_sample(own, seed="2025自查", ratio=0.6 if agency == LENIENT else 0.3)
        assign(own, seed="2025自查")
        for name in STAFF[agency]:
            _score(own, name, rng, 0.02 if agency == LENIENT else 0.09)
    finally:
        own.close()
    return path


def _self_check_sheet(db: Database, folder: Path, rng: random.Random) -> Path:
    """What an agency without anjuan hands in: its self-check as an answer sheet (problems only)."""
    import xlsxwriter

    from .prepare.sampling import draw_key, sample_size

    std = campaign_info(db).standard
    with db.read_session() as s:
        files = s.execute(select(m.CaseFile.case_no, m.CaseFile.kind).join(m.Agency).where(
            m.Agency.name == SELF_CHECK_SHEET)).all()
    chosen = sorted(files, key=lambda f: draw_key("2025自查", SELF_CHECK_SHEET, f.case_no))[:sample_size(len(files), 0.3)]
    path = folder / f"{SELF_CHECK_SHEET}自查结果.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("自查结果")
    for c, h in enumerate(("案号", "执法机关", "条目编号", "结论", "扣分", "问题描述", "卷内页码")):
        ws.write_string(0, c, h)
    r = 1
    for case_no, kind in sorted(chosen):
        items = [i for i in std.items_for(kind) if not i.veto and i.deductions]
        listed = False
        for item in items:
            if rng.random() < 0.07:
                d = item.deductions[rng.randrange(len(item.deductions))]
                for c, v in enumerate((case_no, SELF_CHECK_SHEET, item.id, "扣分", f"{min(item.points, d.points):g}", d.text,
                                       f"第{rng.randint(2, 40)}页")):
                    ws.write_string(r, c, v)
                r += 1
                listed = True
        if not listed:  # a file without problems still appears once, as 符合
            for c, v in enumerate((case_no, SELF_CHECK_SHEET, items[0].id, "符合", "", "", "")):
                ws.write_string(r, c, v)
            r += 1
    wb.close()
    return path


def _returned_ledger(db: Database, folder: Path, agency: str, rng: random.Random) -> Path:
    """An agency's ledger as it comes back: most problems rectified, some in progress, one refused."""
    import xlsxwriter

    from reports.ledger import COLUMNS

    from .rectify.ledger import ledger_entries

    path = folder / f"{agency}整改台账（报回）.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("整改台账")
    ws.write_string(0, 0, f"{agency}问题整改台账")
    for c, h in enumerate(COLUMNS):
        ws.write_string(1, c, h)
    entries = ledger_entries(db, agency)
    rng.shuffle(entries)  # rows come back in any order: they are matched by 问题编号
    late = agency == RETURNS[-1]
    for r, e in enumerate(entries, 2):
        roll = rng.random()
        if roll < (0.45 if late else 0.75):
            state, measure, done = "已整改", f"已补正：{e.problem[:20]}", (DEADLINE - timedelta(days=rng.randint(1, 40))).isoformat()
        elif roll < 0.9:
            state, measure, done = "整改中", "已制定整改方案，正在组织补正", ""
        elif roll < 0.95 and not late:
            state, measure, done = "不予整改", "", ""
        else:
            state, measure, done = "", "", ""
        row = dict(zip(COLUMNS, (e.code, e.agency, e.case_no, e.title, e.source, f"{e.item_id} {e.item_text}", e.problem,
                                 e.page_ref, e.deadline.isoformat(), state, measure, "法制股" if state else "",
                                 "已完成" if state == "已整改" else "", done, "整改材料见附件" if state == "已整改" else "",
                                 "案件已结案归档，当事人已履行完毕，无法补正" if state == "不予整改" else ""), strict=True))
        for c, h in enumerate(COLUMNS):
            ws.write_string(r, c, row[h])
    wb.close()
    return path


def build_cycle(folder: Path, campaign: Path) -> CycleResult:
    """Run the cycle on the demo campaign at `campaign` (made by anjuan.demo.build_demo)."""
    from .prepare.assignment import assign
    from .rectify.ledger import create_ledger, export_ledgers, import_ledgers
    from .rounds.recheck import new_recheck, select_recheck
    from .rounds.rounddb import import_round_database
    from .rounds.selfcheck import import_selfcheck_sheet

    rng = random.Random(20250110)
    out = CycleResult(folder)
    rounds = folder / "自查"
    rounds.mkdir(exist_ok=True)
    db = open_database(campaign)
    try:
        # 1. 自查: two agencies run anjuan on their own files, one hands in a sheet.
        for agency in SELF_CHECK_DB:
            path = _self_check_db(db, rounds, agency, rng)
            import_round_database(db, path)
            out.self_dbs.append(path)
        out.self_sheet = _self_check_sheet(db, rounds, rng)
        import_selfcheck_sheet(db, SELF_CHECK_SHEET, out.self_sheet)
        # 2./3. 抽查 and its bulletin: the demo campaign's reviews (the lead settles the 合议 queue).
        # 4. 整改台账 out.
        create_ledger(db, DEADLINE)
        out.ledgers = folder / "整改台账"
        export_ledgers(db, out.ledgers, today=DEADLINE - timedelta(days=60))
        # 5. Ledgers back.
        back = folder / "报回台账"
        back.mkdir(exist_ok=True)
        out.returned = [_returned_ledger(db, back, agency, rng) for agency in RETURNS]
        import_ledgers(db, out.returned)
        # 6. 复查: 不合格 and vetoed files and a third of the rectified ones.
        sel = select_recheck(db, rectified=0.3, seed="20250415")
        out.recheck = folder / "复查.db"
        params = {"不合格": True, "否决": True, "已整改抽取比例": 0.3, "指定": []}
        again = new_recheck(db, out.recheck, sel, params, "20250415")
        try:
            assign(again, seed="20250415")
            for name in ("王敏", "陈立新", "刘建国"):
                _score(again, name, rng, 0.03)
        finally:
            again.close()
        import_round_database(db, out.recheck)
    finally:
        db.close()
    c, f = campaign, folder
    out.steps = [
        ("自查：为执法机关生成自查数据库（已为两个机关生成并完成自查）", f"anjuan selfcheck new {c} --agency 安溪县应急管理局 -o {f / '自查' / '应急管理局自查.db'}"),
        ("自查：执法机关在自查数据库中评查（本单位人员，不回避）", f"anjuan review {out.self_dbs[0]} --reviewer {STAFF[SELF_CHECK_DB[0]][0]}"),
        ("自查：导入自查数据库和自查结果表", f"anjuan selfcheck import {c} {out.self_dbs[0]}\n    anjuan selfcheck import {c} {out.self_sheet} --agency {SELF_CHECK_SHEET}"),
        ("自查：查看自查与抽查的偏差", f"anjuan selfcheck show {c}"),
        ("抽查：组长总览、合议（TUI，按 2 进入待合议）", f"anjuan review {c} --reviewer 李卫东"),
        ("通报：评查结果通报（含自查情况）", f"anjuan report {c} -o {f / '通报'}"),
        ("整改台账：生成并下发", f"anjuan ledger export {c} -o {out.ledgers} --deadline {DEADLINE.isoformat()}"),
        ("整改台账：导入报回的台账", f"anjuan ledger import {c} {' '.join(str(p) for p in out.returned)}"),
        ("整改台账：整改进度和逾期问题（TUI 中按 5）", f"anjuan ledger list {c} --overdue"),
        ("复查：选定复查案卷（预览）", f"anjuan recheck new {c} -o {f / '复查2.db'} --rectified 0.3 --seed 20250415 --dry-run"),
        ("复查：在复查数据库中评查、合议（与抽查相同）", f"anjuan review {out.recheck} --reviewer 李卫东"),
        ("复查：导入复查结果并逐项对比", f"anjuan recheck import {c} {out.recheck}\n    anjuan recheck show {c}"),
        ("整改情况通报", f"anjuan report {c} -o {f / '整改通报'} --rectification"),
    ]
    (folder / "整改流程.json").write_text(json.dumps(out.steps, ensure_ascii=False, indent=1), encoding="utf-8")
    return out
