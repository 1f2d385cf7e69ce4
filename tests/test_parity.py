"""The same holdout flow on SQLite and on PostgreSQL gives the same json report.

The flow goes through the CLI as a team would: init, import the catalog, reviewers, sample,
assign (a fifth double-reviewed), offline packages answered by the reviewers, merge, 合议 of every
conflict, status and report. Ids differ between the two runs (UUIDs); everything a reader of the
report sees must not."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from anjuan.db import open_database
from anjuan.lead.conflicts import SOURCE_A, list_conflicts, settle
from anjuan.review.reviewing import resolve_reviewer
from tests.merge_fixtures import answer_files

DATA = Path(__file__).parent / "data" / "catalogs"
PEOPLE = (("王敏", "县司法局", "reviewer"), ("陈立新", "某律师事务所", "reviewer"), ("赵强", "市司法局", "reviewer"),
          ("李卫东", "县司法局", "lead"))


_RUN = {}


def cli(*args, cwd: Path):
    """anjuan's main() run in this process (as `python -m anjuan` would, without a new interpreter)."""
    r = _RUN["run"](*args)
    assert r.returncode == 0, (args, r.stderr)
    return r


def holdout_flow(target: str, folder: Path) -> dict:
    folder.mkdir(parents=True, exist_ok=True)
    cli("init", target, "--name", "2024年度行政执法案卷评查", "--organiser", "安溪县司法局", cwd=folder)
    cli("import", target, str(DATA / "gbk.csv"), str(DATA / "utf8_bom.csv"), str(DATA / "merged_title.xlsx"),
        "--agency", "安溪县交通运输局", cwd=folder)
    for name, unit, role in PEOPLE:
        cli("reviewer", "add", target, name, "--agency", unit, "--role", role, cwd=folder)
    cli("sample", target, "--ratio", "0.8", "--min", "2", "--seed", "20240601", cwd=folder)
    cli("assign", target, "--seed", "7", "--double", "0.5", cwd=folder)
    for k, (name, _, role) in enumerate(PEOPLE):
        if role != "reviewer":
            continue
        pkg = folder / f"{name}.db"
        cli("pack", target, "--reviewer", name, "-o", str(pkg), cwd=folder)
        # Each reviewer deducts differently, so some double-reviewed files disagree.
        plan = {0: {"ZT-06": 2.0}, 1: {"ZT-07": 1.0}} if k == 0 else {0: {"ZT-01": "否决"}, 2: {"ZT-08": 2.0}}
        answer_files(pkg, plan)
    merged = json.loads(cli("merge", target, *(str(folder / f"{n}.db") for n, _, r in PEOPLE if r == "reviewer"),
                            "--json", cwd=folder).stdout)
    db = open_database(target)
    try:
        lead = resolve_reviewer(db, "李卫东").id
        for c in list_conflicts(db):
            settle(db, c.case_id, lead, {d.item_id: (SOURCE_A, None) for d in c.differing}, "经合议采纳第一评查人意见")
    finally:
        db.close()
    status = json.loads(cli("status", target, "--json", cwd=folder).stdout)
    out = folder / "通报"
    cli("report", target, "-o", str(out), "--format", "json", "--deadline", "2031-03-31", cwd=folder)
    (report,) = list(out.glob("*.json"))
    return {"merge": [p["reviews"] | {"answers": p["answers"], "history": p["history"], "conflicts": p["conflicts"]}
                      for p in merged["packages"]],
            "status": status, "report": json.loads(report.read_text(encoding="utf-8"))}


def _without_volatile(value):
    """Drop what legitimately differs between two runs: ids, checksums and clock times."""
    if isinstance(value, dict):
        return {k: _without_volatile(v) for k, v in value.items()
                if k not in ("id", "review_id", "case_id", "checksum", "generated_at", "merged_at", "created_at", "campaign", "database")}
    if isinstance(value, list):
        return [_without_volatile(v) for v in value]
    return value


@pytest.mark.postgres
def test_same_flow_same_json_report_on_sqlite_and_postgres(tmp_path, pg_server, capsys, monkeypatch):
    from tests.conftest import Targets
    from tests.test_roles import in_process

    monkeypatch.chdir(tmp_path)
    _RUN["run"] = in_process(capsys, monkeypatch)

    pg = Targets("postgres", tmp_path)
    try:
        on_sqlite = holdout_flow(str(tmp_path / "sqlite" / "c.db"), tmp_path / "sqlite")
        on_server = holdout_flow(pg.new(), tmp_path / "postgres")
    finally:
        pg.cleanup()
    assert on_sqlite["report"]["agencies"] if "agencies" in on_sqlite["report"] else on_sqlite["report"]
    assert on_sqlite["merge"] == on_server["merge"]
    assert _without_volatile(on_sqlite["status"]) == _without_volatile(on_server["status"])
    assert _without_volatile(on_sqlite["report"]) == _without_volatile(on_server["report"])
