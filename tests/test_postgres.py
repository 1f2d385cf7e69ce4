"""The same service code on PostgreSQL (runs when ANJUAN_TEST_PG names a database; .ci/run sets it)."""

from __future__ import annotations

import os
import uuid

import pytest
from sqlalchemy import create_engine, text

from anjuan.campaign import campaign_info, init_campaign
from anjuan.db import open_database
from anjuan.lead.status import campaign_status
from anjuan.prepare.assignment import assign
from anjuan.prepare.reviewers import add_reviewer
from anjuan.prepare.sampling import draw_sample
from anjuan.review.reviewing import (
    StoredAnswer,
    list_assigned,
    open_review,
    resolve_reviewer,
    save_answer,
    submit_review,
)
from tests.conftest import add_catalog, simple_catalog

PG = os.environ.get("ANJUAN_TEST_PG")
pytestmark = pytest.mark.skipif(not PG, reason="ANJUAN_TEST_PG not set (no PostgreSQL server)")


@pytest.fixture
def pg_url():
    """A fresh schema-less database per test: create a database, drop it afterwards."""
    admin = create_engine(PG.replace("postgresql://", "postgresql+psycopg://"), isolation_level="AUTOCOMMIT")
    name = "anjuan_" + uuid.uuid4().hex[:12]
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
    base, _, query = PG.partition("?")
    url = base.rsplit("/", 1)[0] + "/" + name + (("?" + query) if query else "")
    yield url
    with admin.connect() as c:
        c.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
    admin.dispose()


def test_full_flow_on_postgres(pg_url):
    db = init_campaign(pg_url, "2024年度行政执法案卷评查", standard_path="default-v1")  # item ids of the first edition
    add_catalog(db, simple_catalog({"县市场监督管理局": 20, "县交通运输局": 10}))
    add_reviewer(db, "王敏", "县司法局")
    add_reviewer(db, "陈立新", "律所")
    draw_sample(db, seed="1", ratio=0.3)
    result = assign(db, seed="1", double=0.5)
    assert sum(len(v) for v in result.by_reviewer.values()) == 9 + 4  # 6 + 3 files, half doubled: round(4.5) = 4
    db.engine.dispose()

    db = open_database(pg_url)
    std = campaign_info(db).standard
    wang = resolve_reviewer(db, "王敏")
    row = list_assigned(db, wang.id)[0]
    state = open_review(db, row.case_id, wang.id)
    for item in std.items_for("行政处罚"):
        state = save_answer(db, state.review_id, wang.id, StoredAnswer(item.id, "符合"))
    state = save_answer(db, state.review_id, wang.id, StoredAnswer("ZT-06", "扣分", 1.0, note="未注明执法证件号码"))
    state = submit_review(db, state.review_id, wang.id)
    assert state.status == "submitted" and state.result.score < 100
    by_agency = {a.agency: a for a in campaign_status(db).agencies}
    assert sum(a.submitted for a in by_agency.values()) == 1
    db.engine.dispose()
