"""Shared fixtures: fresh campaign databases built through the service layer."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from sqlalchemy import insert

from anjuan import models as m
from anjuan.campaign import init_campaign

os.environ.setdefault("TEXTUAL_ANIMATIONS", "none")


def add_catalog(db, catalog: dict[str, list[tuple[str, str]]]) -> None:
    """Insert agencies and their files: {agency: [(case_no, kind), ...]}."""
    with db.session() as s:
        for name, files in catalog.items():
            agency = m.Agency(name=name)
            s.add(agency)
            s.flush()
            s.execute(insert(m.CaseFile.__table__), [
                {"id": m.new_id(), "agency_id": agency.id, "case_no": no, "title": f"{no}案", "party": "某公司",
                 "kind": kind, "decided_on": "2024-03-01", "officers": "甲、乙", "source_file": "t.csv",
                 "source_row": i + 2, "extra": "{}", "import_id": None}
                for i, (no, kind) in enumerate(files)
            ])


def simple_catalog(sizes: dict[str, int], kind: str = "行政处罚") -> dict[str, list[tuple[str, str]]]:
    return {name: [(f"{name[:2]}罚〔2024〕{i}号", kind) for i in range(1, n + 1)] for name, n in sizes.items()}


@pytest.fixture
def campaign(tmp_path: Path):
    """A new, empty campaign database scored by the first edition of the built-in standard
    (default-v1: the ids and points these tests were written against)."""
    db = init_campaign(tmp_path / "c.db", "2024年度行政执法案卷评查", organiser="测试县司法局", standard_path="default-v1")
    yield db
    db.engine.dispose()
