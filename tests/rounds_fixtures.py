"""A small campaign with hand-computable results for the 自查 / 整改台账 / 复查 tests.

Standard tests/data/standards/small.toml, 行政处罚 files (100 points: ZT-01 veto, ZT-02 10, ZT-03 10,
CX-01 20, CX-02 20, CX-04 10, WS-01 15, WS-02 15; 优秀 ≥ 90, 合格 ≥ 60; a veto scores 0).

抽查 finals (one reviewer each):
  市场罚〔2024〕1号  CX-01 −5              → 95  优秀
  市场罚〔2024〕2号  ZT-02 −4, WS-01 −8     → 88  合格
  市场罚〔2024〕3号  ZT-01 否决             → 0   不合格
  交通罚〔2024〕1号  —                      → 100 优秀
  交通罚〔2024〕2号  CX-02 −20              → 80  合格
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from anjuan import models as m
from anjuan.campaign import campaign_info
from anjuan.db import open_database
from anjuan.review.reviewing import StoredAnswer, open_review, save_answer, submit_review
from tests.built import copy_of
from tests.merge_fixtures import build_campaign

MARKET, TRANSPORT = "县市场监督管理局", "县交通运输局"
M1, M2, M3 = (f"市场罚〔2024〕{i}号" for i in (1, 2, 3))
T1, T2 = (f"交通罚〔2024〕{i}号" for i in (1, 2))

SPOT_PLAN = {
    M1: {"CX-01": 5},
    M2: {"ZT-02": 4, "WS-01": 8},
    M3: {"ZT-01": "否决"},
    T1: {},
    T2: {"CX-02": 20},
}


def note_of(item: str) -> str:
    return f"{item}存在问题"


def score_in(path, plan: dict[str, dict[str, object]], reviewer: str | None = None) -> None:
    """Answer and submit the given files in a campaign (or round) database, each by its assigned
    reviewer (or `reviewer`); items not in a file's plan are 符合."""
    db = open_database(path)
    try:
        std = campaign_info(db).standard
        with db.read_session() as s:
            rows = s.execute(select(m.CaseFile.id, m.CaseFile.case_no, m.CaseFile.kind, m.Assignment.reviewer_id)
                             .join(m.Assignment, m.Assignment.case_id == m.CaseFile.id)).all()
            names = dict(s.execute(select(m.Reviewer.name, m.Reviewer.id)).all())
        for cid, no, kind, rid in rows:
            if no not in plan or (reviewer and names[reviewer] != rid):
                continue
            state = open_review(db, cid, rid)
            given = plan[no]
            for item in std.items_for(kind):
                v = given.get(item.id, "符合")
                if isinstance(v, (int, float)):
                    ans = StoredAnswer(item.id, "扣分", float(v), note=note_of(item.id), page_ref="第3页")
                elif v == "否决":
                    ans = StoredAnswer(item.id, "否决", 0.0, note=note_of(item.id), page_ref="第1页")
                else:
                    ans = StoredAnswer(item.id, v)
                state = save_answer(db, state.review_id, rid, ans)
            submit_review(db, state.review_id, rid)
    finally:
        db.close()


def spot_campaign(folder: Path, own: bool = False) -> Path:
    """folder/c.db: the spot-check campaign of SPOT_PLAN, built once per test process and copied —
    or, with `own`, built anew: a campaign of its own (its own campaign id)."""
    if own:
        _build_spot(folder)
        return folder / "c.db"
    return copy_of("spot", _build_spot, folder) / "c.db"


def _build_spot(folder: Path) -> None:
    path = build_campaign(folder, double=0.0, agencies={MARKET: 3, TRANSPORT: 2})
    score_in(path, SPOT_PLAN)
