"""A campaign database made before rounds existed (schema 1) opens, migrates to rounds and reports
exactly the same figures: the bulletin's figures (tests/report_figures.py), and the status figures."""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path

from report_figures import assert_same_figures
from sqlalchemy import select

from anjuan import models as m
from anjuan.db import open_database
from anjuan.lead.reporting import load_bulletin
from anjuan.lead.status import campaign_status
from reports.jsonout import write_json

V1 = Path(__file__).parent / "data" / "v1"
TODAY = date(2025, 1, 10)  # as in tests/data/v1/make_v1_campaign.py
DEADLINE = date(2025, 3, 31)


def _copy(tmp_path: Path) -> Path:
    target = tmp_path / "campaign-v1.db"
    shutil.copyfile(V1 / "campaign-v1.db", target)
    return target


def test_v1_database_is_version_1(tmp_path):
    db = open_database(_copy(tmp_path), migrate=False)
    try:
        assert db.meta("schema_version") == "1"
    finally:
        db.close()


def test_v1_campaign_migrates_and_reports_the_same_figures(tmp_path):
    db = open_database(_copy(tmp_path))
    try:
        assert db.meta("schema_version") == str(m.SCHEMA_VERSION)
        with db.read_session() as s:
            rounds = s.execute(select(m.Round.kind, m.Round.name)).all()
        assert rounds == [(m.ROUND_SPOT, "抽查")]
        out = tmp_path / "report.json"
        write_json(load_bulletin(db, TODAY, DEADLINE), out)
        assert_same_figures(out.read_bytes(), (V1 / "campaign-v1.report.json").read_bytes())
        status = campaign_status(db).to_json()
        assert status.pop("stale_settled") == []  # added with the integrity checks; nothing is stale
        assert status == json.loads((V1 / "campaign-v1.status.json").read_text(encoding="utf-8"))
    finally:
        db.close()
    # Opening again is a no-op: still one 抽查 round.
    db = open_database(tmp_path / "campaign-v1.db")
    try:
        with db.read_session() as s:
            assert s.scalar(select(m.Round.id).where(m.Round.kind == m.ROUND_SPOT)) is not None
            assert len(s.execute(select(m.Round.id)).all()) == 1
    finally:
        db.close()


def test_new_campaign_has_its_spot_round(campaign):
    with campaign.read_session() as s:
        assert s.execute(select(m.Round.kind)).scalars().all() == [m.ROUND_SPOT]
