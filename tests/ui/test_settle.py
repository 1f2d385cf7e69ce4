"""合议: the lead takes A's answer on one item, B's on another, their own on a third, gives a
reason and finishes; the result is the file's final review and the originals are untouched."""

from __future__ import annotations

import json

from sqlalchemy import select

from anjuan import models as m
from anjuan.campaign import campaign_info
from anjuan.db import open_database
from anjuan.lead.conflicts import item_differences
from anjuan.lead.finals import file_outcomes
from anjuan.review.reviewing import StoredAnswer, history, resolve_reviewer, review_state
from anjuan.ui.app import make_app
from anjuan.ui.dialogs import (
    ChoiceDialog,
    ConfirmDialog,
    FreeDeductionDialog,
    HelpDialog,
    NoteDialog,
    ReasonDialog,
)
from anjuan.ui.screens.dashboard import DashboardScreen
from anjuan.ui.screens.settle import SettleScreen
from anjuan.ui.widgets.grid_list import GridList, Styled
from scoring import DEDUCT, PASS

from .conftest import CONFLICT, settle

SIZE = (120, 40)
REASON = "ZT-02 否决情形不成立 ZT-08 身份证明复印件未签注 酌情扣 1 分"


def snapshot_of(path, case_no: str) -> dict:
    """Everything about a file's reviews: each review row and its answers, by review id."""
    db = open_database(path)
    try:
        with db.session() as s:
            case_id = s.scalar(select(m.CaseFile.id).where(m.CaseFile.case_no == case_no))
            reviews = list(s.scalars(select(m.Review).where(m.Review.case_id == case_id)))
            rows = {r.id: (r.reviewer_id, r.is_final, r.status, r.revision, r.score, r.grade, r.vetoed, r.note,
                           r.updated_at, r.submitted_at) for r in reviews}
        return {"case_id": case_id,
                "reviews": {rid: (row, review_state(db, rid).answers) for rid, row in rows.items()}}
    finally:
        db.close()


async def open_conflict(pilot, case_no: str) -> SettleScreen:
    """From the dashboard: the 合议 tab, the file's row, Enter."""
    app = pilot.app
    await settle(pilot)
    assert isinstance(app.screen, DashboardScreen)
    await pilot.press("2")
    queue = app.screen.query_one("#conflicts", GridList)
    while queue.rows[queue.cursor][0] != case_no:
        await pilot.press("down")
    await pilot.press("enter")
    await settle(pilot)
    screen = app.screen
    assert isinstance(screen, SettleScreen) and screen.side.case_no == case_no
    return screen


def cell(screen: SettleScreen, item_id: str, column: int) -> str:
    grid = screen.query_one("#items", GridList)
    value = grid.rows[list(grid.keys).index(item_id)][column]
    return value.text if isinstance(value, Styled) else value


async def test_settle_takes_a_b_and_own_answers_and_saves_the_final_review(lead_db):
    before = snapshot_of(lead_db, CONFLICT)
    originals = {rid: data for rid, data in before["reviews"].items() if not data[0][1]}
    assert len(originals) == 2
    db = open_database(lead_db)
    try:
        std = campaign_info(db).standard
        lead_id = resolve_reviewer(db, "李卫东").id
        side = item_differences(db, before["case_id"])
    finally:
        db.close()
    assert [d.item_id for d in side.differing] == ["ZT-02", "ZT-07", "ZT-08"]
    assert (side.a.reviewer, side.b.reviewer) == ("王敏", "陈立新")

    app = make_app(str(lead_db), "李卫东")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_conflict(pilot, CONFLICT)
        # Header, both reviews, and the first differing item under the cursor.
        head = "\n".join(str(w.render()) for w in screen.query("#case-head Static"))
        assert CONFLICT in head and "测试县市场监督管理局" in head and "否决项认定不一致（ZT-02）" in head
        assert "王敏" in str(screen.query_one("#side-a").render()) and "陈立新" in str(screen.query_one("#side-b").render())
        assert screen.grid.current_key == "ZT-02"
        assert cell(screen, "ZT-02", 0) == "分歧" and cell(screen, "ZT-02", 5) == "待定"
        assert cell(screen, "ZT-01", 5) == "一致"
        # Undecided items are not counted as full marks: no score until every item is decided.
        result = str(screen.query_one("#side-result").render())
        assert "合议结果 —" in result and "待定 3 项" in result and "100" not in result and "优秀" not in result
        compare_b = str(screen.query_one("#compare-b").render())
        assert "否决" in compare_b and "第2页" in compare_b
        # Items that do not apply to a 行政处罚 file are not listed.
        assert set(screen.grid.keys) == {i.id for i in std.items_for("行政处罚")}

        # Finishing too early is refused and jumps to the first open item.
        await pilot.press("ctrl+s")
        assert not isinstance(app.screen, ReasonDialog)
        assert screen.grid.current_key == "ZT-02"

        # ZT-02: A (王敏, 符合) with `a`; the cursor moves on to ZT-07.
        await pilot.press("a")
        assert cell(screen, "ZT-02", 5) == "采纳A" and screen.grid.current_key == "ZT-07"
        assert "待定 2 项" in str(screen.query_one("#side-result").render())
        # ZT-07: B (陈立新, 符合) with `2`.
        await pilot.press("2")
        assert cell(screen, "ZT-07", 5) == "采纳B" and screen.grid.current_key == "ZT-08"
        # ZT-08: the lead's own answer — 自由扣分 1 分, a note and a page.
        await pilot.press("e")
        assert isinstance(app.screen, ChoiceDialog)
        keys = [k for k, _ in app.screen.choices]
        await pilot.press(*["down"] * keys.index(DEDUCT), "enter")
        assert isinstance(app.screen, FreeDeductionDialog)
        await pilot.press("1", "enter", *"身份证明复印件未签注", "enter")
        assert isinstance(app.screen, NoteDialog)
        assert app.screen.query_one("#note").value == "身份证明复印件未签注"
        assert app.screen.query_one("#page").value == "第3页"  # prefilled from B's answer
        await pilot.press("enter", *"第4页", "enter")  # the prefilled page is selected: typing replaces it
        assert app.screen is screen
        assert cell(screen, "ZT-08", 5) == "组长:扣1"
        assert "99" in str(screen.query_one("#side-result").render())

        # Finish: the reason is required.
        await pilot.press("ctrl+s")
        assert isinstance(app.screen, ReasonDialog)
        assert "99 分，合格" in app.screen.title_text  # ZT-08 bars 优秀
        await pilot.press("enter")
        assert isinstance(app.screen, ReasonDialog)
        assert "不能为空" in str(app.screen.query_one("#error").render())
        await pilot.press(*REASON, "enter")
        await settle(pilot)
        # Back on the dashboard, whose queue no longer lists the file.
        assert isinstance(app.screen, DashboardScreen)
        assert [e.case_no for e in app.screen.queue] == ["测城管许〔2024〕10号"]

    after = snapshot_of(lead_db, CONFLICT)
    # The two originals are exactly as they were.
    assert {rid: data for rid, data in after["reviews"].items() if not data[0][1]} == originals
    # One new review: final, by the lead, submitted, with the reason as its note.
    finals = {rid: data for rid, data in after["reviews"].items() if data[0][1]}
    assert len(finals) == 1
    final_id, (row, answers) = next(iter(finals.items()))
    reviewer_id, is_final, status, _, score, grade, vetoed, note, *_ = row
    assert (reviewer_id, is_final, status, score, grade, vetoed, note) == (lead_id, True, m.STATUS_SUBMITTED, 99.0, "合格", False, REASON)
    expected = {i.id: StoredAnswer(i.id, PASS) for i in std.items_for("行政处罚")}
    expected["ZT-08"] = StoredAnswer("ZT-08", DEDUCT, 1.0, None, 1, "身份证明复印件未签注", "第4页")
    assert answers == expected
    # History: one "settle" row per item and one for the review, all with the reason.
    db = open_database(lead_db)
    try:
        rows = history(db, final_id)
        outcome = file_outcomes(db)[after["case_id"]]
    finally:
        db.close()
    assert {r.action for r in rows} == {"settle"} and {r.reason for r in rows} == {REASON}
    assert {r.item_id for r in rows} == set(expected) | {None}
    sources = {r.item_id: json.loads(r.new)["source"] for r in rows if r.item_id}
    assert (sources["ZT-02"], sources["ZT-07"], sources["ZT-08"], sources["ZT-01"]) == ("a", "b", "lead", "agreed")
    # finals.file_outcomes now reports the file final, with the settled review.
    assert (outcome.state, outcome.final_review_id, outcome.settled) == ("final", final_id, True)


async def test_clearing_a_choice_and_overriding_an_agreed_item(lead_db):
    app = make_app(str(lead_db), "李卫东")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_conflict(pilot, CONFLICT)
        await pilot.press("b")
        assert cell(screen, "ZT-02", 5) == "采纳B"
        assert screen.result.vetoed and screen.result.grade == "不合格"  # B's veto: the running result fails
        await pilot.press("f", "up")
        assert screen.grid.current_key == "ZT-02"
        await pilot.press("x")
        assert cell(screen, "ZT-02", 5) == "待定" and not screen.result.vetoed
        # Agreeing items may be overridden too, and x puts them back to the agreed answer.
        await pilot.press("f", "home", "1")
        assert cell(screen, "ZT-01", 5) == "采纳A"
        await pilot.press("home", "backspace")
        assert cell(screen, "ZT-01", 5) == "一致"


async def test_only_differing_filter_and_next_open_item(lead_db):
    app = make_app(str(lead_db), "李卫东")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_conflict(pilot, CONFLICT)
        await pilot.press("f")
        assert list(screen.grid.keys) == ["ZT-02", "ZT-07", "ZT-08"]
        await pilot.press("tab")
        assert screen.grid.current_key == "ZT-07"
        await pilot.press("u")
        assert screen.grid.current_key == "ZT-08"
        await pilot.press("f")
        assert len(screen.grid.keys) > 3 and screen.grid.current_key == "ZT-08"


async def test_escape_with_choices_asks_before_discarding(lead_db):
    before = snapshot_of(lead_db, CONFLICT)
    app = make_app(str(lead_db), "李卫东")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_conflict(pilot, CONFLICT)
        await pilot.press("a", "escape")
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("n")
        assert app.screen is screen and cell(screen, "ZT-02", 5) == "采纳A"
        await pilot.press("escape", "y")
        await settle(pilot)
        assert isinstance(app.screen, DashboardScreen)
    assert snapshot_of(lead_db, CONFLICT) == before


async def test_help_lists_the_settle_keys(lead_db):
    app = make_app(str(lead_db), "李卫东")
    async with app.run_test(size=SIZE) as pilot:
        await open_conflict(pilot, CONFLICT)
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpDialog)
        text = "\n".join(f"{k} {d}" for k, d, _ in app.screen.keys)
        for expected in ("1 / a 采纳A", "2 / b 采纳B", "e 组长认定", "x / ⌫ 撤销", "tab / u 下一待定",
                         "f 只看分歧", "^s 完成合议", "esc 返回"):
            assert expected in text, expected


async def half_settled(pilot) -> None:
    """The 合议 screen with A taken on ZT-02 and the cursor on ZT-07."""
    await open_conflict(pilot, CONFLICT)
    await pilot.press("a")
    await settle(pilot)


def test_settle_snapshot_120x40(snap_compare, lead_file):
    assert snap_compare(make_app(str(lead_file), "李卫东"), terminal_size=SIZE, run_before=half_settled)


async def test_a_settlement_refused_because_a_review_changed_meanwhile_reopens_on_the_new_state(lead_db):
    """While the lead decides, reviewer A's review is reopened and submitted again elsewhere: the
    合议 is not saved, the lead is told, and the 合议 screen opens again on the reviews as they now are."""
    from anjuan.review.reviewing import reopen_review, submit_review

    app = make_app(str(lead_db), "李卫东")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_conflict(pilot, CONFLICT)
        seen = screen.side.a.revision
        await pilot.press("a", "a", "a")
        db = open_database(lead_db)
        try:
            lead = resolve_reviewer(db, "李卫东").id
            reopen_review(db, screen.side.a.review_id, lead, "核对页码")
            submit_review(db, screen.side.a.review_id, lead)
        finally:
            db.close()
        await pilot.press("ctrl+s")
        assert isinstance(app.screen, ReasonDialog)
        await pilot.press(*"采纳王敏意见", "enter")
        await settle(pilot)
        await settle(pilot)
        assert any(n.title == "内容已被修改" and "未保存" in n.message for n in app._notifications)
        again = app.screen
        assert isinstance(again, SettleScreen) and again is not screen
        # (Submitted again, 王敏's review is now the later one: side B.)
        revisions = {again.side.a.review_id: again.side.a.revision, again.side.b.review_id: again.side.b.revision}
        assert revisions[screen.side.a.review_id] == seen + 2
    db = open_database(lead_db)
    try:
        cid = item_differences(db, screen.side.case_id).case_id
        assert file_outcomes(db)[cid].state == "conflict"  # nothing was settled
    finally:
        db.close()
