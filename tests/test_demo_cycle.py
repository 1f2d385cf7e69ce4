"""anjuan demo --cycle: the whole cycle on the demo campaign, then every step a lead repeats by hand."""

from __future__ import annotations

import json

import pytest
from anjuan_cli import run_anjuan


def run(*args):
    return run_anjuan(*args)


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    folder = tmp_path_factory.mktemp("cycle") / "演示"
    r = run("demo", folder, "--cycle", "--no-ui")
    assert r.returncode == 0, r.stderr
    assert "anjuan report" in r.stdout and "--rectification" in r.stdout
    return folder


def test_the_cycle_leaves_every_round_in_place(demo):
    db = demo / "评查活动.db"
    sc = json.loads(run("selfcheck", "show", db, "--json").stdout)
    agencies = {a["agency"]: a for a in sc["agencies"]}
    assert len(agencies) == 9  # every agency must self-check: six have not handed anything in
    done = {"安溪县交通运输局", "安溪县城市管理综合行政执法局", "安溪县市场监督管理局"}
    assert {n for n, a in agencies.items() if a["meets"]} == done
    assert all(a["checked"] == 0 for n, a in agencies.items() if n not in done)
    assert agencies["安溪县交通运输局"]["lenient"]  # the demo's generous self-check is named
    ledger = json.loads(run("ledger", "list", db, "--json").stdout)
    totals = {a["agency"]: a for a in ledger["agencies"]}
    for name, a in totals.items():
        assert a["total"] == a["open"] + a["doing"] + a["done"] + a["refused"], name
    assert totals["安溪县农业农村局"]["done"] == 0 and totals["安溪县市场监督管理局"]["done"] > 0  # only three sent theirs back
    again = json.loads(run("recheck", "show", db, "--json").stdout)
    assert again and all(f["spot_grade"] for f in again)


def test_a_lead_repeats_each_step(demo, tmp_path):
    db = demo / "评查活动.db"
    steps = [
        ("selfcheck", "new", db, "--agency", "安溪县应急管理局", "-o", tmp_path / "应急自查.db"),
        ("selfcheck", "import", db, demo / "自查" / "安溪县交通运输局自查.db"),
        ("selfcheck", "import", db, demo / "自查" / "安溪县市场监督管理局自查结果.xlsx", "--agency", "安溪县市场监督管理局"),
        ("report", db, "-o", tmp_path / "通报", "--format", "md"),
        ("ledger", "export", db, "-o", tmp_path / "台账"),
        ("ledger", "import", db, *sorted((demo / "报回台账").glob("*.xlsx"))),
        ("ledger", "list", db, "--overdue"),
        ("recheck", "new", db, "-o", tmp_path / "复查2.db", "--rectified", "0.3", "--seed", "20250415", "--dry-run"),
        ("recheck", "import", db, demo / "复查.db"),
        ("report", db, "-o", tmp_path / "整改通报", "--rectification", "--format", "md,docx"),
    ]
    for args in steps:
        r = run(*args)
        assert r.returncode == 0, (args, r.stderr)
    bulletin = next((tmp_path / "通报").glob("*.md")).read_text(encoding="utf-8")
    assert "执法机关自查情况" in bulletin and "安溪县交通运输局自查偏宽" in bulletin
    report = next((tmp_path / "整改通报").glob("*.md")).read_text(encoding="utf-8")
    for heading in ("整改总体情况", "逾期未整改问题", "复查情况", "自查情况", "下一步工作要求"):
        assert heading in report
    assert len(list((tmp_path / "台账").glob("*.xlsx"))) == 5
