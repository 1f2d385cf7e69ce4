"""Fixtures for the workbench UI tests: a small fixed campaign, copied fresh for every test.

The campaign is written directly (agencies, files, reviewers, assignments) rather than through
the catalog import, so the UI tests and snapshots depend only on the reviewing service.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import textual._wait
from sqlalchemy import insert, select
from textual.widgets import Input

from anjuan import models as m
from anjuan.campaign import campaign_info, init_campaign
from anjuan.review.reviewing import (
    StoredAnswer,
    open_review,
    reopen_review,
    save_answer,
    submit_review,
)
from scoring import DEDUCT, PASS

# Pilot waits for the app to go idle by sleeping in steps of 20 ms (textual._wait) before and after
# every key press. The tests never rely on those sleeps — settle() below waits for the workers and
# the writer explicitly, and Pilot still waits for every queued message to be processed — so they
# take steps of 4 ms with the same idle test (CPU time under 5% of the step).
if hasattr(textual._wait, "SLEEP_GRANULARITY") and hasattr(textual._wait, "SLEEP_IDLE"):
    textual._wait.SLEEP_GRANULARITY = 0.004
    textual._wait.SLEEP_IDLE = 0.0002

CAMPAIGN = "2024年度行政执法案卷评查（测试）"
AGENCIES = (
    ("测试县市场监督管理局", "测市监"),
    ("测试县城市管理综合行政执法局", "测城管"),
    ("测试县交通运输局", "测交"),
)
KINDS = ("行政处罚", "行政处罚", "行政处罚", "行政许可", "行政强制", "行政检查")
WORDS = {"行政处罚": "罚", "行政许可": "许", "行政强制": "强", "行政检查": "检"}
PARTIES = ("陈建华", "安平鑫达商贸有限公司", "林秀英", "城东恒发物流有限公司", "黄志强", "兴盛餐饮店")
CAUSES = {"行政处罚": "销售过期食品案", "行政许可": "食品经营许可", "行政强制": "查封涉嫌不合格商品",
          "行政检查": "安全生产执法检查"}
FILES_PER_AGENCY = 12
FROZEN_TIME = "09:30:00"


def build_campaign(path: Path) -> None:
    """Write the fixed test campaign to `path`: 3 agencies × 12 files, all assigned to 王敏."""
    db = init_campaign(path, CAMPAIGN, 2024, "测试县司法局", standard_path="default-v1")  # snapshots show v1 items
    with db.session() as s:
        batch = m.SamplingBatch(seed="test", params="{}", algorithm="test")
        s.add(batch)
        people = {name: m.Reviewer(name=name, unit="测试县司法局", role=role)
                  for name, role in (("王敏", m.ROLE_REVIEWER), ("陈立新", m.ROLE_REVIEWER), ("李卫东", m.ROLE_LEAD))}
        s.add_all(people.values())
        s.flush()
        files, sampled, assigned = [], [], []
        for a, (agency_name, prefix) in enumerate(AGENCIES):
            agency = m.Agency(name=agency_name)
            s.add(agency)
            s.flush()
            for j in range(1, FILES_PER_AGENCY + 1):
                kind = KINDS[j % len(KINDS)]
                party = PARTIES[(a + j) % len(PARTIES)]
                case_id = m.new_id()
                files.append({"id": case_id, "agency_id": agency.id, "case_no": f"{prefix}{WORDS[kind]}〔2024〕{j * 3 + 1}号",
                              "title": party + CAUSES[kind], "party": party, "kind": kind,
                              "decided_on": f"2024-{j:02d}-{(j * 2) % 27 + 1:02d}", "officers": "张三、李四",
                              "source_file": "", "source_row": None, "extra": "{}", "import_id": None})
                sampled.append({"case_id": case_id, "batch_id": batch.id, "position": len(sampled)})
                assigned.append({"id": m.new_id(), "case_id": case_id, "reviewer_id": people["王敏"].id,
                                 "slot": 1, "seed": "test", "assigned_at": m.now()})
                if j <= 3:
                    assigned.append({"id": m.new_id(), "case_id": case_id, "reviewer_id": people["陈立新"].id,
                                     "slot": 2, "seed": "test", "assigned_at": m.now()})
        s.execute(insert(m.CaseFile.__table__), files)
        s.execute(insert(m.SampledCase.__table__), sampled)
        s.execute(insert(m.Assignment.__table__), assigned)
        me = people["王敏"].id
    std = campaign_info(db).standard

    def answer_all(case_no: str, deduct_first: bool = True) -> str:
        row = next(f for f in files if f["case_no"] == case_no)
        state = open_review(db, row["id"], me)
        for n, item in enumerate(std.items_for(row["kind"])):
            if deduct_first and n == 6 and item.deductions:
                d = item.deductions[0]
                save_answer(db, state.review_id, me, StoredAnswer(item.id, DEDUCT, min(d.points, item.points), 1, 1, d.text, "第5页"))
            else:
                save_answer(db, state.review_id, me, StoredAnswer(item.id, PASS))
        return state.review_id

    # 已提交, 已退回, 评查中: the rest stay 未评.
    submit_review(db, answer_all("测市监罚〔2024〕7号"), me)
    reopen_review(db, submit_review(db, answer_all("测市监罚〔2024〕19号"), me).review_id, me, "测试退回")
    draft = next(f for f in files if f["case_no"] == "测城管罚〔2024〕4号")
    state = open_review(db, draft["id"], me)
    for item in std.items_for(draft["kind"])[:3]:
        save_answer(db, state.review_id, me, StoredAnswer(item.id, PASS))
    db.close()


@pytest.fixture(scope="session")
def campaign_template(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("ui-template") / "评查活动.db"
    build_campaign(path)
    return path


@pytest.fixture
def campaign_file(campaign_template: Path, tmp_path: Path) -> Path:
    """A fresh SQLite copy of the test campaign (snapshot tests: one backend, one snapshot)."""
    target = tmp_path / "评查活动.db"
    shutil.copy(campaign_template, target)
    return target


@pytest.fixture
def lead_file(lead_template: Path, tmp_path: Path, monkeypatch) -> Iterator[Path]:
    """A fresh SQLite copy of the lead's campaign in China Standard Time (snapshot tests)."""
    import time

    monkeypatch.setenv("TZ", "Asia/Shanghai")
    time.tzset()
    target = tmp_path / "评查活动.db"
    shutil.copy(lead_template, target)
    yield target
    monkeypatch.undo()
    time.tzset()


@pytest.fixture
def campaign_db(campaign_template: Path, tmp_path: Path, targets):
    """A fresh copy of the test campaign for one test: a file, or (PostgreSQL) a database URL."""
    if targets.is_pg:
        return targets.from_sqlite(campaign_template)
    target = tmp_path / "评查活动.db"
    shutil.copy(campaign_template, target)
    return target


# The lead's campaign: the test campaign plus double reviews by 王敏 (A, submitted first) and
# 陈立新 (B). Two files wait for 合议, one pair agrees, and one package was merged.
CONFLICT = "测市监罚〔2024〕7号"
"""王敏 deducts on ZT-07 and passes the rest; 陈立新 passes ZT-07, deducts on ZT-08, vetoes on ZT-02."""
CONFLICT_2 = "测城管许〔2024〕10号"
"""王敏 passes everything; 陈立新 vetoes on ZT-01."""
AGREED = "测交罚〔2024〕4号"
"""Both pass everything: final without 合议."""
MERGED_AT = "2024-06-03T06:05:00.000000Z"
"""merge_log time of the fixture's package (14:05 in Asia/Shanghai)."""


def build_lead_campaign(path: Path) -> None:
    """Add the double reviews and a merge-log row to the test campaign at `path`."""
    from anjuan.db import open_database
    from anjuan.review.reviewing import resolve_reviewer
    from scoring import VETO

    db = open_database(path)
    std = campaign_info(db).standard
    wang, chen = resolve_reviewer(db, "王敏").id, resolve_reviewer(db, "陈立新").id
    with db.session() as s:
        files = {no: (cid, kind) for cid, no, kind in s.execute(
            select(m.CaseFile.id, m.CaseFile.case_no, m.CaseFile.kind))}

    def review(case_no: str, who: str, special: dict[str, StoredAnswer]) -> None:
        case_id, kind = files[case_no]
        state = open_review(db, case_id, who)
        for item in std.items_for(kind):
            if item.id not in state.answers or item.id in special:
                save_answer(db, state.review_id, who, special.get(item.id, StoredAnswer(item.id, PASS)))
        submit_review(db, state.review_id, who)

    zt02 = std.item("ZT-02")
    zt08 = std.item("ZT-08")
    review(CONFLICT_2, wang, {})
    review(AGREED, wang, {})
    review(AGREED, chen, {})
    review(CONFLICT, chen, {
        "ZT-02": StoredAnswer("ZT-02", VETO, zt02.points, None, 1, zt02.veto_text, "第2页"),
        "ZT-08": StoredAnswer("ZT-08", DEDUCT, zt08.deductions[0].points, 1, 1, zt08.deductions[0].text, "第3页"),
    })
    zt01 = std.item("ZT-01")
    review(CONFLICT_2, chen, {"ZT-01": StoredAnswer("ZT-01", VETO, zt01.points, None, 1, zt01.veto_text, "第1页")})
    with db.session() as s:
        s.execute(insert(m.MergeLog.__table__), [{
            "id": m.new_id(), "package_file": "陈立新.db", "checksum": "0" * 64, "reviewer_id": chen,
            "merged_at": MERGED_AT,
            "summary": '{"answers": 180, "conflicts": 2, "history": 190, "reviews": {"new": 3, "updated": 0}}'}])
    db.close()


@pytest.fixture(scope="session")
def lead_template(campaign_template: Path, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("ui-lead") / "评查活动.db"
    shutil.copy(campaign_template, path)
    build_lead_campaign(path)
    return path


@pytest.fixture
def lead_db(lead_template: Path, tmp_path: Path, monkeypatch, targets) -> Iterator[Path]:
    """A fresh copy of the lead's campaign, with local time pinned to China Standard Time
    (a file, or on PostgreSQL a database URL)."""
    import time

    monkeypatch.setenv("TZ", "Asia/Shanghai")
    time.tzset()
    if targets.is_pg:
        target = targets.from_sqlite(lead_template)
    else:
        target = tmp_path / "评查活动.db"
        shutil.copy(lead_template, target)
    yield target
    monkeypatch.undo()
    time.tzset()


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory) -> Path:
    """The full demo campaign (built through the catalog import); skipped if that fails."""
    from anjuan.demo import build_demo

    folder = tmp_path_factory.mktemp("ui-demo") / "demo"
    try:
        return build_demo(folder).campaign
    except Exception as exc:  # noqa: BLE001 - the import is another module's work in progress
        pytest.skip(f"示例评查活动无法生成：{exc}")


@pytest.fixture(autouse=True)
def steady_screen(monkeypatch):
    """Deterministic screens: a fixed 已保存 time and no blinking cursors."""
    monkeypatch.setattr("anjuan.ui.writer.clock", lambda: FROZEN_TIME)
    original = Input.__init__

    def no_blink(self, *args, **kwargs):
        original(self, *args, **kwargs)
        self.cursor_blink = False

    monkeypatch.setattr(Input, "__init__", no_blink)


async def settle(pilot) -> None:
    """Wait until every worker finished and every saved answer was reported back."""
    app = pilot.app
    for _ in range(100):
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        if app.writer.pending == 0 and not any(w.is_running for w in app.workers):
            return
    raise AssertionError("workers did not settle")


async def paste(pilot, text: str) -> None:
    """Paste text into the focused widget as a terminal delivers it: one event, not one per key."""
    from textual import events

    pilot.app.post_message(events.Paste(text))
    await pilot.pause()


async def open_file(pilot, case_no: str):
    """Find a file with the search box (its case number pasted, as from the 调卷通知) and open it with
    Enter, as a reviewer would. Typing into the search box is tested in test_case_list.py."""
    from anjuan.ui.screens.scoring import ScoringScreen

    await settle(pilot)
    await pilot.press("slash")
    await paste(pilot, case_no)
    await pilot.press("enter", "enter")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, ScoringScreen), screen
    assert screen.detail.case_no == case_no
    return screen
