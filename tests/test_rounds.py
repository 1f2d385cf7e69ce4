"""自查, 整改台账 and 复查 on a campaign whose every figure is computed by hand (tests/rounds_fixtures.py)."""

from __future__ import annotations

import csv
import json
from datetime import date
from pathlib import Path

import pytest
from anjuan_cli import run_anjuan
from sqlalchemy import select

from anjuan import models as m
from anjuan.db import open_database
from anjuan.errors import InputError
from anjuan.prepare.assignment import assign
from anjuan.prepare.reviewers import add_reviewer
from anjuan.prepare.sampling import draw_sample
from anjuan.rectify.ledger import (
    create_ledger,
    export_ledgers,
    import_ledgers,
    ledger_entries,
    ledger_summary,
    overdue_entries,
)
from anjuan.rounds.recheck import new_recheck, recheck_comparison, select_recheck
from anjuan.rounds.rounddb import import_round_database, new_round_database
from anjuan.rounds.selfcheck import import_selfcheck_sheet, selfcheck_summary
from tests.built import copy_of
from tests.rounds_fixtures import M1, M2, M3, MARKET, T1, T2, TRANSPORT, score_in, spot_campaign

DEADLINE = date(2025, 3, 31)
AFTER = date(2025, 4, 10)


def run(*args):
    return run_anjuan(*args)


def write_selfcheck_sheet(path: Path) -> Path:
    """市场监管局's self-check as an answer sheet: 市1 all 符合 (100), 市2 ZT-02 −4 and WS-02 −2 (94)."""
    rows = [["案号", "执法机关", "条目编号", "结论", "扣分", "问题描述", "卷内页码"],
            [M1, MARKET, "CX-01", "符合", "", "", ""],
            [M2, MARKET, "ZT-02", "扣分", "4", "未出示执法证件", "第2页"],
            [M2, MARKET, "WS-02", "扣分", "2", "文书未编页码", "第9页"]]
    with open(path, "w", newline="", encoding="utf-8-sig") as fh:
        csv.writer(fh).writerows(rows)
    return path


def transport_selfcheck(campaign: Path, folder: Path) -> Path:
    """交通局 self-checks both its files in a self-check database with its own staff:
    交1 all 符合 (100), 交2 CX-02 −10 (90)."""
    db = open_database(campaign)
    try:
        out = new_round_database(db, folder / "交通自查.db", m.ROUND_SELF, agency=TRANSPORT)
    finally:
        db.close()
    try:
        add_reviewer(out, "交通局张三", TRANSPORT)  # own staff: no 回避 inside the agency
        draw_sample(out, seed="7", ratio=1.0)
        assign(out, seed="7")
    finally:
        out.close()
    score_in(folder / "交通自查.db", {T1: {}, T2: {"CX-02": 10}})
    return folder / "交通自查.db"


@pytest.fixture
def cycle(tmp_path):
    return make_cycle(tmp_path)


def make_cycle(tmp_path: Path) -> Path:
    """The spot campaign with 市场监管局's self-check sheet and 交通局's self-check database imported
    (built once per test process, then copied)."""
    return copy_of("cycle", _build_cycle, tmp_path) / "c.db"


def _build_cycle(tmp_path: Path) -> None:
    campaign = spot_campaign(tmp_path)
    db = open_database(campaign)
    try:
        import_selfcheck_sheet(db, MARKET, write_selfcheck_sheet(tmp_path / "市场自查.csv"))
        import_round_database(db, transport_selfcheck(campaign, tmp_path))
    finally:
        db.close()


def test_self_check_deviation_by_hand(cycle):
    db = open_database(cycle)
    try:
        summary = selfcheck_summary(db)
    finally:
        db.close()
    assert summary.ratio == 0.3 and summary.lenient_gap == 5.0
    market, transport = {a.agency: a for a in summary.agencies}[MARKET], {a.agency: a for a in summary.agencies}[TRANSPORT]
    # 市场: catalog 3, ⌈0.9⌉ = 1 required, 2 checked; self (100 + 94)/2 = 97; bureau (95 + 88)/2 = 91.5;
    # difference ((100−95) + (94−88))/2 = 5.5 ≥ 5 → 偏宽; 市2 优秀 vs 合格; missed 市1 CX-01, 市2 WS-01.
    assert (market.catalog, market.required, market.checked, market.meets) == (3, 1, 2, True)
    assert (market.self_mean, market.both, market.self_mean_both, market.spot_mean_both) == (97.0, 2, 97.0, 91.5)
    assert (market.mean_diff, market.grade_diffs, market.graded_higher, market.lenient) == (5.5, 1, 1, True)
    assert [(p.case_no, p.item_id) for p in market.missed] == [(M1, "CX-01"), (M2, "WS-01")]
    # 交通: ⌈0.6⌉ = 1 required, 2 checked; self (100 + 90)/2 = 95; bureau (100 + 80)/2 = 90;
    # difference 5.0: exactly the gap → 偏宽; 交2 优秀 vs 合格; CX-02 found by both → nothing missed.
    assert (transport.required, transport.checked, transport.self_mean, transport.spot_mean_both) == (1, 2, 95.0, 90.0)
    assert (transport.mean_diff, transport.grade_diffs, transport.missed, transport.lenient) == (5.0, 1, [], True)


def test_ratio_and_gap_are_configurable(cycle):
    db = open_database(cycle)
    try:
        summary = selfcheck_summary(db, ratio=0.7, lenient_gap=6.0)
    finally:
        db.close()
    market = {a.agency: a for a in summary.agencies}[MARKET]
    assert (market.required, market.meets, market.lenient) == (3, False, False)  # ⌈2.1⌉ = 3 > 2; 5.5 < 6


def test_self_check_sheet_is_all_or_nothing(tmp_path):
    campaign = spot_campaign(tmp_path)
    bad = tmp_path / "bad.csv"
    bad.write_text("案号,执法机关,条目编号,结论,扣分,问题描述,卷内页码\n"
                   f"{M1},{MARKET},CX-01,扣分,5,问题,\n"
                   f"{M2},{MARKET},CX-01,扣分,25,问题,\n", encoding="utf-8")
    db = open_database(campaign)
    try:
        with pytest.raises(InputError) as exc:
            import_selfcheck_sheet(db, MARKET, bad)
        assert exc.value.message.startswith("bad.csv 第3行 扣分（E列）：扣分“25”超过条目“CX-01”的分值 20")
        assert selfcheck_summary(db) is None  # nothing stored
        with pytest.raises(InputError, match="不在县市场监督管理局的案卷目录中"):
            other = tmp_path / "other.csv"
            other.write_text("案号,执法机关,条目编号,结论,扣分,问题描述,卷内页码\n"
                             f"{T1},,CX-01,符合,,,\n", encoding="utf-8")
            import_selfcheck_sheet(db, MARKET, other)
    finally:
        db.close()


def test_self_check_sheet_under_the_wrong_agency_is_one_line(tmp_path):
    """A whole sheet of 市场监管局 rows imported with --agency 交通局: one line with the count and the
    first rows, not one line per row; exit 1, nothing stored."""
    campaign = spot_campaign(tmp_path)
    items = ["CX-01", "CX-02", "ZT-01", "ZT-02", "WS-01", "WS-02"]
    rows = [f"{no},{MARKET},{item},符合,,," for no in (M1, M2, M3) for item in items]
    sheet = tmp_path / "市场自查.csv"
    sheet.write_text("案号,执法机关,条目编号,结论,扣分,问题描述,卷内页码\n" + "\n".join(rows) + "\n", encoding="utf-8")
    r = run("selfcheck", "import", campaign, sheet, "--agency", TRANSPORT)
    assert r.returncode == 1 and "Traceback" not in r.stderr
    lines = [ln for ln in r.stderr.strip().splitlines() if ln.strip()]
    assert len(lines) == 1, r.stderr
    assert f"18 行的执法机关（B列）是“{MARKET}”，不是 --agency 指定的“{TRANSPORT}”（如第2、3、4行等）" in lines[0]
    db = open_database(campaign)
    try:
        assert selfcheck_summary(db) is None
    finally:
        db.close()
    r = run("selfcheck", "import", campaign, sheet, "--agency", MARKET)
    assert r.returncode == 0, r.stderr


def test_self_check_database_skips_recusal_and_must_belong_to_the_campaign(cycle, tmp_path):
    stranger = spot_campaign(tmp_path / "other", own=True) if (tmp_path / "other").mkdir() is None else None
    db = open_database(stranger)
    try:
        with pytest.raises(InputError, match="不是本评查活动生成"):
            import_round_database(db, tmp_path / "交通自查.db")
    finally:
        db.close()


# --- 整改台账 -----------------------------------------------------------------------------


def ledger(cycle) -> list:
    db = open_database(cycle)
    try:
        made = create_ledger(db, DEADLINE)
        assert (made.created, made.kept) == (6, 0)
        again = create_ledger(db, date(2026, 1, 1))
        assert (again.created, again.kept) == (0, 6)  # numbers, deadlines and states stay
        return ledger_entries(db)
    finally:
        db.close()


def test_ledger_rows_are_the_final_problems(cycle):
    rows = ledger(cycle)
    got = [(e.code, e.agency, e.case_no, e.item_id, e.source, e.problem, e.deadline) for e in rows]
    assert got == [
        ("ZG-0001", TRANSPORT, T2, "CX-02", "抽查", "CX-02存在问题", DEADLINE),
        ("ZG-0002", MARKET, M1, "CX-01", "抽查", "CX-01存在问题", DEADLINE),
        ("ZG-0003", MARKET, M2, "ZT-02", "抽查", "ZT-02存在问题", DEADLINE),
        ("ZG-0004", MARKET, M2, "WS-01", "抽查", "WS-01存在问题", DEADLINE),
        ("ZG-0006", MARKET, M2, "WS-02", "自查", "文书未编页码", DEADLINE),  # found only by the self-check
        ("ZG-0005", MARKET, M3, "ZT-01", "抽查", "ZT-01存在问题", DEADLINE),
    ]


def fill_market_ledger(path: Path, out: Path, edits: dict[str, dict[str, object]], reverse: bool = True) -> Path:
    """Fill the exported ledger as an agency would (openpyxl), rows re-sorted to prove matching by 问题编号."""
    import openpyxl

    wb = openpyxl.load_workbook(path)
    ws = wb.active
    header = [c.value for c in ws[3]]
    col = {h: i for i, h in enumerate(header)}
    data = [[c.value for c in row] for row in ws.iter_rows(min_row=4)]
    if reverse:
        data.reverse()
    for r in data:
        for k, v in edits.get(r[col["问题编号"]], {}).items():
            r[col[k]] = v
    for n, r in enumerate(data, 4):
        for i, v in enumerate(r, 1):
            ws.cell(n, i, v)
    wb.save(out)
    return out


MARKET_RETURN = {
    "ZG-0002": {"整改状态": "已整改", "整改措施": "补正立案审批表", "责任人": "李明", "完成日期": "2025-03-20"},
    "ZG-0003": {"整改状态": "整改中", "整改措施": "组织执法人员培训"},
    "ZG-0005": {"整改状态": "不予整改", "不予整改理由": "案件已移送公安机关，卷宗不在本机关"},
    "ZG-0006": {"整改状态": "已整改", "整改措施": "重新编页", "完成日期": "2025年3月25日"},
}


@pytest.fixture
def returned(cycle, tmp_path):
    return make_returned(cycle, tmp_path)


def make_returned(cycle: Path, tmp_path: Path) -> Path:
    """The cycle with its ledger exported (deadline 2025-03-31) and 市场监管局's ledger returned
    (built once per test process, then copied over the cycle's folder)."""
    assert cycle == tmp_path / "c.db", cycle
    return copy_of("returned", lambda folder: _build_returned(make_cycle(folder), folder), tmp_path) / "c.db"


def _build_returned(cycle: Path, tmp_path: Path) -> Path:
    ledger(cycle)
    db = open_database(cycle)
    try:
        written = export_ledgers(db, tmp_path / "out", today=date(2025, 3, 1))
        assert sorted(p.name for p in written) == sorted(
            f"{a}问题整改台账.{x}" for a in (MARKET, TRANSPORT) for x in ("xlsx", "docx"))
        back = fill_market_ledger(tmp_path / "out" / f"{MARKET}问题整改台账.xlsx", tmp_path / "报回.xlsx", MARKET_RETURN)
        result = import_ledgers(db, [back], today=AFTER)
        assert (result.files, result.rows, result.changed) == (1, 5, 4)
    finally:
        db.close()
    return cycle


def test_ledger_states_and_overdue_by_hand(returned):
    db = open_database(returned)
    try:
        states = {e.code: (e.state, e.status(AFTER), e.days_overdue(AFTER)) for e in ledger_entries(db)}
        assert states == {
            "ZG-0001": ("未整改", "逾期", 10),  # 交通 sent nothing back: 10 days past 31 March on 10 April
            "ZG-0002": ("已整改", "已整改", 0),
            "ZG-0003": ("整改中", "逾期", 10),
            "ZG-0004": ("未整改", "逾期", 10),  # left blank
            "ZG-0005": ("不予整改", "不予整改", 0),
            "ZG-0006": ("已整改", "已整改", 0),
        }
        e = {x.code: x for x in ledger_entries(db)}
        assert (e["ZG-0002"].done_on, e["ZG-0006"].done_on) == (date(2025, 3, 20), date(2025, 3, 25))
        assert e["ZG-0005"].reason == "案件已移送公安机关，卷宗不在本机关"
        summary = {a.agency: (a.total, a.open, a.doing, a.done, a.refused, a.overdue) for a in ledger_summary(db, AFTER)}
        assert summary == {TRANSPORT: (1, 1, 0, 0, 0, 1), MARKET: (5, 1, 1, 2, 1, 2)}
        on_deadline = {a.agency: a.overdue for a in ledger_summary(db, DEADLINE)}
        assert on_deadline == {TRANSPORT: 0, MARKET: 0}  # the deadline day itself is not overdue
        assert [(x.code, x.days_overdue(AFTER)) for x in overdue_entries(db, AFTER)] == [
            ("ZG-0001", 10), ("ZG-0003", 10), ("ZG-0004", 10)]
    finally:
        db.close()


def _ledger_csv(path: Path, rows: list[list[str]]) -> Path:
    with open(path, "w", newline="", encoding="utf-8-sig") as fh:
        csv.writer(fh).writerows([["问题编号", "案号", "整改状态", "整改措施", "完成日期", "不予整改理由"], *rows])
    return path


@pytest.mark.parametrize(("row", "message"), [
    (["ZG-0099", "", "已整改", "x", "2025-03-01", ""], "第2行 问题编号（A列）：问题编号“ZG-0099”不在本评查活动的整改台账中"),
    (["ZG-0002", "", "完成了", "", "", ""], "第2行 整改状态（C列）：整改状态“完成了”无效"),
    (["ZG-0002", "", "已整改", "补正", "", ""], "第2行 完成日期（E列）：整改状态为“已整改”时须填写完成日期"),
    (["ZG-0002", "", "已整改", "补正", "2025-02-30", ""], "第2行 完成日期（E列）：完成日期“2025-02-30”不是有效日期"),
    (["ZG-0002", "", "已整改", "补正", "2025-05-01", ""], "晚于今天"),
    (["ZG-0002", "", "不予整改", "", "", ""], "不予整改理由（F列）：整改状态为“不予整改”时须"),
    (["ZG-0002", "", "逾期", "", "", ""], "“逾期”由系统按整改期限自动判定"),
    (["ZG-0002", "交通罚〔2024〕2号", "整改中", "", "", ""], "案号（B列）：案号“交通罚〔2024〕2号”与问题编号 ZG-0002 登记的案号"),
])
def test_bad_ledger_is_refused_with_file_row_column(returned, tmp_path, row, message):
    bad = _ledger_csv(tmp_path / "bad.csv", [row])
    db = open_database(returned)
    try:
        before = [(e.code, e.state, e.measure) for e in ledger_entries(db)]
        with pytest.raises(InputError) as exc:
            import_ledgers(db, [bad], today=AFTER)
        assert exc.value.message.startswith("bad.csv 第2行") and message in exc.value.message
        assert [(e.code, e.state, e.measure) for e in ledger_entries(db)] == before
    finally:
        db.close()


def test_ledger_import_is_all_or_nothing_across_files(returned, tmp_path):
    good = _ledger_csv(tmp_path / "good.csv", [["ZG-0001", "交通罚〔2024〕2号", "已整改", "重做", "2025-04-01", ""]])
    bad = _ledger_csv(tmp_path / "bad.csv", [["ZG-0004", "", "整改中", "", "", ""], ["ZG-0001", "", "整改中", "", "", ""]])
    r = run("ledger", "import", returned, good, bad, "--today", "2025-04-10")
    assert r.returncode == 1
    assert "bad.csv 第3行 问题编号（A列）：问题编号“ZG-0001”重复，已在good.csv 第2行出现" in r.stderr
    assert "Traceback" not in r.stderr
    db = open_database(returned)
    try:
        assert {e.code: e.state for e in ledger_entries(db)}["ZG-0001"] == "未整改"
    finally:
        db.close()
    r = run("ledger", "import", returned, good, "--today", "2025-04-10")
    assert r.returncode == 0, r.stderr
    r = run("ledger", "list", returned, "--overdue", "--today", "2025-04-10", "--json")
    data = json.loads(r.stdout)
    assert [(x["code"], x["days_overdue"]) for x in data["overdue"]] == [("ZG-0003", 10), ("ZG-0004", 10)]
    assert {a["agency"]: a["done"] for a in data["agencies"]} == {TRANSPORT: 1, MARKET: 2}


def test_ledger_docx_lists_every_problem(returned, tmp_path):
    from docx import Document

    doc = Document(str(tmp_path / "out" / f"{MARKET}问题整改台账.docx"))
    text = "\n".join(c.text for t in doc.tables for row in t.rows for c in row.cells)
    for code in ("ZG-0002", "ZG-0003", "ZG-0004", "ZG-0005", "ZG-0006"):
        assert code in text
    assert "ZG-0001" not in text
    assert any("2025年3月31日前完成整改" in p.text for p in doc.paragraphs)


# --- 复查 ---------------------------------------------------------------------------------


def test_recheck_selection_and_item_by_item_comparison(returned, tmp_path):
    db = open_database(returned)
    try:
        sel = select_recheck(db, rectified=1.0, seed="9")
        # 市3 is 不合格 and vetoed; of the files whose 抽查 problems are all closed with one 已整改
        # only 市1 qualifies (市2 still has 整改中/未整改, 市3 only 不予整改, 交2 未整改).
        assert {sel.case_nos[c]: sel.chosen[c] for c in sel.chosen} == {M3: ["不合格", "否决"], M1: ["已整改抽取"]}
        assert sel.rectified_pool == 1
        rdb = new_recheck(db, tmp_path / "复查.db", sel, {"rectified": 1.0}, "9")
        try:
            assign(rdb, seed="9")
        finally:
            rdb.close()
        # The re-check: 市1 now all 符合; 市3 still vetoed on ZT-01 and a new problem on CX-04.
        score_in(tmp_path / "复查.db", {M1: {}, M3: {"ZT-01": "否决", "CX-04": 3}})
        res = import_round_database(db, tmp_path / "复查.db")
        assert (res.kind, res.imported, res.open_files) == (m.ROUND_RECHECK, 2, [])
        files = {f.case_no: f for f in recheck_comparison(db)}
        assert (files[M1].spot_score, files[M1].score, files[M1].fixed, files[M1].still, files[M1].new) == (95.0, 100.0, 1, 0, 0)
        assert [(i.item_id, i.change) for i in files[M1].items] == [("CX-01", "已整改")]
        assert (files[M3].spot_grade, files[M3].grade, files[M3].fixed, files[M3].still, files[M3].new) == ("不合格", "不合格", 0, 1, 1)
        assert [(i.item_id, i.change) for i in files[M3].items] == [("ZT-01", "仍存在"), ("CX-04", "新发现")]
        # Importing again replaces, never doubles.
        import_round_database(db, tmp_path / "复查.db")
        with db.read_session() as s:
            assert len(s.execute(select(m.RoundResult.id).join(m.Round).where(m.Round.kind == m.ROUND_RECHECK)).all()) == 2
    finally:
        db.close()


def test_spot_figures_do_not_move_with_rounds(returned, tmp_path):
    """Self-check, ledger and re-check data leave the 抽查 status and bulletin unchanged."""
    import json

    fresh = spot_campaign(tmp_path / "fresh", own=True) if (tmp_path / "fresh").mkdir() is None else None
    a = json.loads(run("status", returned, "--json").stdout)
    b = json.loads(run("status", fresh, "--json").stdout)
    strip = ("selfcheck", "rectification")
    assert {k: v for k, v in a.items() if k not in strip} == {k: v for k, v in b.items() if k not in strip}


def test_recheck_round_works_with_packages_and_merge_as_for_the_spot_check(returned, tmp_path):
    """The lead makes the 复查 database, assigns, packs for each reviewer, the reviewers score
    offline, the lead merges — the same commands as for 抽查 — and imports the round."""
    from tests.merge_fixtures import answer_files

    rd = tmp_path / "复查.db"
    r = run("recheck", "new", returned, "-o", rd, "--case", M2)
    assert r.returncode == 0, r.stderr
    assert "不合格、否决" in r.stdout and "指定" in r.stdout  # 市3 by default, 市2 named
    assert run("assign", rd, "--seed", "5").returncode == 0
    packages = []
    for who in ("王敏", "陈立新"):
        pkg = tmp_path / f"{who}.db"
        r = run("pack", rd, "--reviewer", who, "-o", pkg)
        if r.returncode == 0:
            answer_files(pkg, {0: {"WS-01": 3}})
            packages.append(pkg)
    assert packages
    r = run("merge", rd, *packages)
    assert r.returncode == 0, r.stderr
    r = run("recheck", "import", returned, rd)
    assert r.returncode == 0, r.stderr
    assert "已导入复查结果：2 卷" in r.stdout
    show = run("recheck", "show", returned, "--json")
    files = {f["case_no"]: f for f in json.loads(show.stdout)}
    assert set(files) == {M2, M3}
    # Each re-check scored WS-01 −3 only: 市2 had ZT-02 and WS-01 → ZT-02 fixed, WS-01 still there;
    # 市3 had the ZT-01 veto → fixed, and WS-01 is new.
    assert [(i["item_id"], i["change"]) for i in files[M2]["items"]] == [("ZT-02", "已整改"), ("WS-01", "仍存在")]
    assert [(i["item_id"], i["change"]) for i in files[M3]["items"]] == [("ZT-01", "已整改"), ("WS-01", "新发现")]
    assert (files[M2]["score"], files[M3]["score"], files[M3]["grade"]) == (97.0, 97.0, "优秀")
    # A self-check database cannot be imported as a re-check, nor a re-check as a self-check.
    r = run("selfcheck", "import", returned, rd)
    assert r.returncode == 1 and "是复查数据库，请用 anjuan recheck import 导入" in r.stderr


def test_a_problem_gone_from_the_finals_is_kept_and_reported(cycle, tmp_path):
    """A new self-check sheet for 市场 without WS-02 removes that self-found problem; its ledger item
    (ZG-0006) stays, and the next export names it."""
    ledger(cycle)
    sheet = tmp_path / "again.csv"
    sheet.write_text("案号,执法机关,条目编号,结论,扣分,问题描述,卷内页码\n"
                     f"{M2},{MARKET},ZT-02,扣分,4,未出示执法证件,第2页\n", encoding="utf-8")
    db = open_database(cycle)
    try:
        import_selfcheck_sheet(db, MARKET, sheet)
        made = create_ledger(db, DEADLINE)
        assert (made.created, made.stale) == (0, ["ZG-0006"])
        assert "ZG-0006" in {e.code for e in ledger_entries(db)}
    finally:
        db.close()
    r = run("ledger", "export", cycle, "-o", tmp_path / "out", "--deadline", "2025-03-31")
    assert r.returncode == 0 and "问题 ZG-0006 在现在的最终评查结果中已不存在" in r.stdout


def test_ledger_export_refuses_to_overwrite_returned_ledgers(returned, tmp_path):
    """The output folder already holds the ledgers (perhaps edited by hand): refused, nothing written."""
    out = tmp_path / "out"
    edited = out / f"{MARKET}问题整改台账.xlsx"
    edited.write_bytes(b"hand-edited")
    db = open_database(returned)
    try:
        before = len(ledger_entries(db))
    finally:
        db.close()
    r = run("ledger", "export", returned, "-o", out, "--deadline", "2026-01-31")
    assert r.returncode == 1
    assert f"输出目录 {out} 中已有文件：请换一个目录，或加 --force 覆盖" in r.stderr
    assert "Traceback" not in r.stderr and len(r.stderr.strip().splitlines()) == 1
    assert edited.read_bytes() == b"hand-edited"
    r = run("ledger", "export", returned, "-o", out, "--force")
    assert r.returncode == 0, r.stderr
    assert edited.read_bytes() != b"hand-edited"
    db = open_database(returned)
    try:
        assert len(ledger_entries(db)) == before
    finally:
        db.close()


def test_ledger_import_refuses_a_changed_deadline(returned, tmp_path):
    """整改期限 is set by the bureau: a returned ledger that moves it is refused with file, row and column."""
    from datetime import datetime

    src = tmp_path / "out" / f"{MARKET}问题整改台账.xlsx"
    back = fill_market_ledger(src, tmp_path / "改期限.xlsx",
                              {"ZG-0004": {"整改期限": datetime(2025, 6, 30), "整改状态": "整改中"}}, reverse=False)
    same = fill_market_ledger(src, tmp_path / "原期限.xlsx",
                              {"ZG-0004": {"整改期限": datetime(2025, 3, 31), "整改状态": "整改中"}}, reverse=False)
    r = run("ledger", "import", returned, back, "--today", "2025-04-10")
    assert r.returncode == 1
    assert "改期限.xlsx 第" in r.stderr and "整改期限（I列）" in r.stderr
    assert "整改期限由司法局确定，不能在报回的台账中修改" in r.stderr and "2025-03-31" in r.stderr
    assert "Traceback" not in r.stderr
    db = open_database(returned)
    try:
        assert {e.code: e.state for e in ledger_entries(db)}["ZG-0004"] == "未整改"
    finally:
        db.close()
    r = run("ledger", "import", returned, same, "--today", "2025-04-10")
    assert r.returncode == 0, r.stderr
