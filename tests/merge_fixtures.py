"""Fixtures for the merge and 合议 tests: a small campaign built through the services, packages made
with anjuan.review.pack, answered with anjuan.review.reviewing, and helpers to compare databases.

The campaign is scored with tests/data/standards/small.toml: a 行政处罚 file has 8 items
(ZT-01 veto, ZT-02 10, ZT-03 10, CX-01 20, CX-02 20, CX-04 10, WS-01 15, WS-02 15 = 100 points).
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sqlalchemy import insert, select

from anjuan import models as m
from anjuan.campaign import campaign_info, init_campaign
from anjuan.db import open_database
from anjuan.prepare.assignment import assign
from anjuan.prepare.reviewers import add_reviewer
from anjuan.prepare.sampling import draw_sample
from anjuan.review.pack import pack
from anjuan.review.reviewing import (
    StoredAnswer,
    list_assigned,
    open_review,
    resolve_reviewer,
    save_answer,
    submit_review,
)

SMALL = Path(__file__).parent / "data" / "standards" / "small.toml"
KIND = "行政处罚"
AGENCIES = {"县市场监督管理局": 3, "县交通运输局": 2}
REVIEWERS = ("王敏", "陈立新")
LEAD = "李卫东"


def build_campaign(folder: Path, double: float = 1.0, agencies: dict[str, int] | None = None, name: str = "c.db",
                   target: str | None = None) -> Path:
    """A closed campaign: agencies and files, two reviewers and a lead, everything sampled and assigned.

    With double=1.0 every file is reviewed by both reviewers. `target` (a database URL) instead of
    folder/name puts it on a server; the URL is then returned as is.
    """
    path = target or folder / name
    db = init_campaign(path, "测试评查", standard_path=SMALL)
    with db.session() as s:
        for agency, n in (agencies or AGENCIES).items():
            ag = m.Agency(name=agency)
            s.add(ag)
            s.flush()
            s.execute(insert(m.CaseFile.__table__), [
                {"id": m.new_id(), "agency_id": ag.id, "case_no": f"{agency[1:3]}罚〔2024〕{i}号", "title": f"某公司违法案{i}",
                 "party": "某公司", "kind": KIND, "decided_on": "2024-03-01", "officers": "甲、乙", "source_file": "t.csv",
                 "source_row": i + 1, "extra": "{}", "import_id": None}
                for i in range(1, n + 1)])
    for who in REVIEWERS:
        add_reviewer(db, who, "县司法局" if who == "王敏" else "某律师事务所")
    add_reviewer(db, LEAD, "县司法局", "lead")
    draw_sample(db, seed="1", ratio=1.0)
    assign(db, seed="1", double=double)
    db.close()
    return path  # type: ignore[return-value]


def make_package(campaign: Path, reviewer: str, out: Path) -> Path:
    db = open_database(campaign)
    try:
        pack(db, reviewer, out)
    finally:
        db.close()
    return out


def answer_files(package: Path, plan: dict[int, dict[str, object]] | None = None, submit: bool = True,
                 files: list[int] | None = None) -> list[str]:
    """Answer the package's files (positions in its case list) item by item through the reviewing service.

    plan[position] maps item ids to a verdict or a number (扣分 of that many points); others are 符合.
    Returns the case numbers answered.
    """
    plan = plan or {}
    db = open_database(package)
    try:
        std = campaign_info(db).standard
        me = resolve_reviewer(db, None)
        rows = list_assigned(db, me.id)
        done = []
        for pos, row in enumerate(rows):
            if files is not None and pos not in files:
                continue
            state = open_review(db, row.case_id, me.id)
            given = plan.get(pos, {})
            for item in std.items_for(row.kind):
                v = given.get(item.id, "符合")
                ans = StoredAnswer(item.id, "扣分", float(v), note="问题") if isinstance(v, (int, float)) else StoredAnswer(item.id, v)
                state = save_answer(db, state.review_id, me.id, ans)
            if submit:
                submit_review(db, state.review_id, me.id)
            done.append(row.case_no)
        return done
    finally:
        db.close()


def change_answer(package: Path, position: int, item_id: str, answer: StoredAnswer, reopen_reason: str = "修改") -> None:
    """Change one answer of an answered file in the package (reopening it if it was submitted)."""
    from anjuan.review.reviewing import reopen_review

    db = open_database(package)
    try:
        me = resolve_reviewer(db, None)
        row = list_assigned(db, me.id)[position]
        state = open_review(db, row.case_id, me.id)
        if state.status == m.STATUS_SUBMITTED:
            reopen_review(db, state.review_id, me.id, reopen_reason)
        save_answer(db, state.review_id, me.id, StoredAnswer(item_id, answer.verdict, answer.deducted, note=answer.note))
    finally:
        db.close()


def dump(path: Path, exclude: tuple[str, ...] = ()) -> dict[str, list[tuple]]:
    """Every row of every table, sorted (a logical dump; reads the file without changing it).

    A PostgreSQL URL is dumped the same way (booleans as 0/1, as SQLite stores them)."""
    if "://" in str(path):
        return _dump_url(str(path), exclude)
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        tables = [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
        return {t: sorted(con.execute(f'SELECT * FROM "{t}"').fetchall(), key=repr) for t in tables if t not in exclude}
    finally:
        con.close()


def file_state(path: Path) -> tuple[bytes, int]:
    """The .db file's bytes and the size of its -wal file (0 or absent once cleanly closed).

    For a campaign on PostgreSQL: its logical dump (what any session sees)."""
    if "://" in str(path):
        return dump(path), 0  # type: ignore[return-value]
    wal = path.with_name(path.name + "-wal")
    return path.read_bytes(), (wal.stat().st_size if wal.exists() else 0)


def reviewer_id(campaign: Path, name: str) -> str:
    db = open_database(campaign)
    try:
        with db.session() as s:
            return s.scalar(select(m.Reviewer.id).where(m.Reviewer.name == name))
    finally:
        db.close()


def _dump_url(url: str, exclude: tuple[str, ...]) -> dict[str, list[tuple]]:
    from sqlalchemy import create_engine

    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    try:
        with engine.connect() as c:
            out = {}
            for t in m.SQLModel.metadata.sorted_tables:
                if t.name in exclude:
                    continue
                rows = [tuple(int(v) if isinstance(v, bool) else v for v in r) for r in c.execute(select(t))]
                out[t.name] = sorted(rows, key=repr)
            return dict(sorted(out.items()))
    finally:
        engine.dispose()
