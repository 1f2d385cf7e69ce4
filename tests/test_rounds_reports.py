"""The other rounds in the documents: 自查 figures in status and the 评查结果通报, the year-on-year
comparison (--previous) and the 整改情况通报, on the hand-computed campaign of tests/rounds_fixtures.py."""

from __future__ import annotations

import json
from datetime import date

import pytest
from anjuan_cli import run_anjuan

from anjuan.db import open_database
from anjuan.rectify.ledger import create_ledger, import_ledgers
from anjuan.rectify.report import load_rectification
from tests.merge_fixtures import build_campaign
from tests.rounds_fixtures import M1, M2, M3, MARKET, TRANSPORT, score_in
from tests.test_rounds import AFTER, DEADLINE, _ledger_csv, make_cycle, make_returned


@pytest.fixture
def cycle(tmp_path):
    return make_cycle(tmp_path)


@pytest.fixture
def returned(cycle, tmp_path):
    return make_returned(cycle, tmp_path)


def run(*args):
    return run_anjuan(*args)


def test_status_shows_self_check_and_ledger_figures(returned):
    r = run("status", returned, "--json")
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    market = {a["agency"]: a for a in data["selfcheck"]["agencies"]}[MARKET]
    assert (market["checked"], market["required"], market["mean_diff"], market["lenient"]) == (2, 1, 5.5, True)
    assert {a["agency"]: a["total"] for a in data["rectification"]["agencies"]} == {TRANSPORT: 1, MARKET: 5}
    text = run("status", returned).stdout
    assert "自查情况（自查比例要求 30%）" in text and "自查偏宽" in text and "整改进度" in text


def test_bulletin_names_a_lenient_self_check(returned, tmp_path):
    r = run("report", returned, "-o", tmp_path / "out", "--format", "json,docx,md,html,xlsx", "--deadline", "2025-03-31", "--force")
    assert r.returncode == 0, r.stderr
    data = json.loads(next((tmp_path / "out").glob("*.json")).read_text(encoding="utf-8"))
    sc = {a["agency"]: a for a in data["selfcheck"]["agencies"]}
    assert (sc[MARKET]["self_mean"], sc[MARKET]["spot_mean_both"], sc[MARKET]["grade_diffs"]) == (97.0, 91.5, 1)
    assert [(p["case_no"], p["item_id"]) for p in sc[MARKET]["missed"]] == [(M1, "CX-01"), (M2, "WS-01")]
    assert "previous" not in data
    md = next((tmp_path / "out").glob("*.md")).read_text(encoding="utf-8")
    assert "执法机关自查情况" in md and f"{TRANSPORT}、{MARKET}自查偏宽" in md
    assert "| 县市场监督管理局 | 3 | 1 | 2 | 是 | 97.00 | 2 | \\+5.50 | 1 | 2 | 自查偏宽 |" in md  # Markdown escapes a leading +
    from docx import Document

    doc = Document(str(next((tmp_path / "out").glob("*.docx"))))
    assert any("自查偏宽，自查未能如实反映案卷质量" in p.text for p in doc.paragraphs)


def test_year_on_year_by_hand(cycle, tmp_path):
    """Last year: 市1 CX-01 −5 (95), every other file 100. This year (see rounds_fixtures):
    市 (95 + 88 + 0)/3 = 61 → 合格, rank 2; 交 (100 + 80)/2 = 90 → 优秀, rank 1.
    Last year 市 (95 + 100 + 100)/3 = 98.33, 交 100: both 优秀, 交 first on 100.
    CX-01 recurs at 市场监管局 (one file each year)."""
    (tmp_path / "last").mkdir()
    last = build_campaign(tmp_path / "last", double=0.0, agencies={MARKET: 3, TRANSPORT: 2})
    score_in(last, {M1: {"CX-01": 5}, M2: {}, M3: {}, "交通罚〔2024〕1号": {}, "交通罚〔2024〕2号": {}})
    r = run("report", cycle, "-o", tmp_path / "out", "--format", "json,md", "--previous", last)
    assert r.returncode == 0, r.stderr
    data = json.loads(next((tmp_path / "out").glob("*.json")).read_text(encoding="utf-8"))
    rows = {a["agency"]: a for a in data["previous"]["agencies"]}
    assert (rows[MARKET]["mean"], rows[MARKET]["grade"], rows[MARKET]["rank"]) == (61.0, "合格", 2)
    assert (rows[MARKET]["prev_grade"], rows[MARKET]["prev_rank"], rows[MARKET]["diff"]) == ("优秀", 2, -37.33)
    assert rows[MARKET]["prev_mean"] == pytest.approx(98.33, abs=0.005)
    assert (rows[TRANSPORT]["mean"], rows[TRANSPORT]["rank"], rows[TRANSPORT]["prev_mean"], rows[TRANSPORT]["diff"]) == (90.0, 1, 100.0, -10.0)
    assert [(p["agency"], p["item_id"], p["count"], p["prev_count"]) for p in data["previous"]["recurring"]] == [
        (MARKET, "CX-01", 1, 1)]
    md = next((tmp_path / "out").glob("*.md")).read_text(encoding="utf-8")
    assert "与上年度评查结果对比" in md and "县市场监督管理局：立案" not in md
    assert "以下问题在两年评查中重复出现" in md
    bad = run("report", cycle, "-o", tmp_path / "x", "--previous", tmp_path / "none.db")
    assert bad.returncode == 1 and "找不到上年度评查活动数据库" in bad.stderr


def test_previous_must_not_be_the_campaign_itself(cycle, tmp_path):
    """--previous with the campaign itself (or a copy of it) is refused: one line, exit 1, no bulletin."""
    import shutil

    copy = tmp_path / "副本.db"
    shutil.copy(cycle, copy)
    for prev, said in ((cycle, "就是本评查活动数据库"), (copy, "与本评查活动是同一个评查活动")):
        out = tmp_path / f"out-{prev.stem}"
        r = run("report", cycle, "-o", out, "--format", "json", "--previous", prev)
        assert r.returncode == 1 and said in r.stderr, r.stderr
        assert "Traceback" not in r.stderr and [ln for ln in r.stderr.splitlines() if said in ln][0].startswith("错误：")
        assert not out.exists() or not any(out.iterdir())


def test_rectification_bulletin_figures(returned, tmp_path):
    db = open_database(returned)
    try:
        data = load_rectification(db, today=AFTER)
    finally:
        db.close()
    got = {a.name: (a.problems, a.done, a.doing, a.open, a.refused, a.overdue) for a in data.agencies}
    assert got == {TRANSPORT: (1, 0, 0, 1, 0, 1), MARKET: (5, 2, 1, 1, 1, 2)}
    assert [(o.code, o.days) for o in data.overdue] == [("ZG-0001", 10), ("ZG-0003", 10), ("ZG-0004", 10)]
    r = run("report", returned, "-o", tmp_path / "zg", "--rectification")
    assert r.returncode == 0, r.stderr
    names = sorted(p.suffix for p in (tmp_path / "zg").iterdir())
    assert names == [".docx", ".html", ".json", ".md", ".xlsx"]
    md = next((tmp_path / "zg").glob("*.md")).read_text(encoding="utf-8")
    assert "逐项列明问题6个" in md and "已整改2个，整改率33.3%" in md
    assert "| 县市场监督管理局 | 5 | 2 | 1 | 1 | 1 |" in md
    pub = run("report", returned, "-o", tmp_path / "pub", "--rectification", "--public", "--format", "json")
    assert pub.returncode == 0, pub.stderr
    text = next((tmp_path / "pub").glob("*.json")).read_text(encoding="utf-8")
    assert "存在问题" not in text and '"public": true' in text


def test_rectification_bulletin_needs_a_ledger(tmp_path):
    from tests.rounds_fixtures import spot_campaign

    r = run("report", spot_campaign(tmp_path), "-o", tmp_path / "zg", "--rectification")
    assert r.returncode == 1 and "还没有整改台账" in r.stderr and "Traceback" not in r.stderr


def test_ledger_states_feed_the_bulletin_after_a_second_return(returned, tmp_path):
    """A second return updates the same problems (matched by number), and the figures follow."""
    db = open_database(returned)
    try:
        again = _ledger_csv(tmp_path / "again.csv", [["ZG-0004", M2, "已整改", "补正", "2025-04-08", ""]])
        assert import_ledgers(db, [again], today=AFTER).changed == 1
        assert create_ledger(db, DEADLINE).created == 0
        data = load_rectification(db, today=date(2025, 4, 10))
    finally:
        db.close()
    market = next(a for a in data.agencies if a.name == MARKET)
    assert (market.done, market.open, market.overdue) == (3, 0, 1)


def test_last_years_database_is_read_not_upgraded(cycle, tmp_path):
    """--previous reads an older campaign (here the schema-1 fixture) without changing the file."""
    import hashlib
    import shutil
    from pathlib import Path

    old = tmp_path / "2023.db"
    shutil.copyfile(Path(__file__).parent / "data" / "v1" / "campaign-v1.db", old)
    before = hashlib.sha256(old.read_bytes()).hexdigest()
    r = run("report", cycle, "-o", tmp_path / "out", "--format", "json", "--previous", old)
    assert r.returncode == 0, r.stderr
    assert hashlib.sha256(old.read_bytes()).hexdigest() == before
    data = json.loads(next((tmp_path / "out").glob("*.json")).read_text(encoding="utf-8"))
    assert data["previous"]["previous_campaign"] == "2024年度行政执法案卷评查"
    assert all(r["prev_mean"] is None for r in data["previous"]["agencies"])  # no agency in common


def test_an_agency_without_a_self_check_is_named(tmp_path):
    from tests.rounds_fixtures import spot_campaign
    from tests.test_rounds import write_selfcheck_sheet

    campaign = spot_campaign(tmp_path)
    r = run("selfcheck", "import", campaign, write_selfcheck_sheet(tmp_path / "s.csv"), "--agency", MARKET)
    assert r.returncode == 0, r.stderr
    data = json.loads(run("selfcheck", "show", campaign, "--json").stdout)
    transport = next(a for a in data["agencies"] if a["agency"] == TRANSPORT)
    assert (transport["checked"], transport["required"], transport["meets"], transport["both"]) == (0, 1, False, 0)
    r = run("report", campaign, "-o", tmp_path / "out", "--format", "md")
    md = next((tmp_path / "out").glob("*.md")).read_text(encoding="utf-8")
    assert f"1个执法机关报送了自查结果，自查数量均达到要求。{TRANSPORT}尚未报送自查结果。" in md
