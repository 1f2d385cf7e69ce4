"""评查 screen: every verdict, notes, the live score, submit and reopen — checked on screen and
in the database through the reviewing service."""

from __future__ import annotations

import json

from textual.widgets import Input, Label

from anjuan.campaign import campaign_info
from anjuan.db import open_database
from anjuan.review.reviewing import history, review_state
from anjuan.ui.app import make_app
from anjuan.ui.dialogs import (
    ConfirmDialog,
    FreeDeductionDialog,
    HelpDialog,
    NoteDialog,
    ReasonDialog,
)
from anjuan.ui.screens.scoring import ScoringScreen
from anjuan.ui.widgets.checklist import Checklist
from anjuan.ui.widgets.item_detail import ItemDetail
from anjuan.ui.widgets.score_panel import ScorePanel
from scoring import DEDUCT, NA, PASS, VETO, score_case

from .conftest import FROZEN_TIME, open_file, settle

SIZE = (120, 36)
FRESH = "测交罚〔2024〕4号"  # 行政处罚, not reviewed yet


def stored(path, review_id):
    """(answers, status) of a review as the database holds them."""
    db = open_database(path)
    try:
        state = review_state(db, review_id)
        return state.answers, state.status
    finally:
        db.close()


def actions(path, review_id) -> list[tuple[str, str | None, str]]:
    db = open_database(path)
    try:
        return [(h.action, h.item_id, h.reason) for h in history(db, review_id)]
    finally:
        db.close()


def text_of(widget) -> str:
    return str(widget.render())


def panel(screen: ScoringScreen) -> str:
    return text_of(screen.query_one(ScorePanel))


def detail(screen: ScoringScreen) -> str:
    return str(screen.query_one("#detail-text").render())


async def test_header_and_applicable_checklist(campaign_db):
    app = make_app(str(campaign_db), "王敏")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_file(pilot, FRESH)
        head = " ".join(text_of(w) for w in screen.query(".case-line"))
        for part in (FRESH, "测试县交通运输局", "当事人", "行政处罚", "决定日期 2024-01-03", "张三、李四"):
            assert part in head
        std = campaign_info(screen.session.db).standard
        applicable = [i.id for i in std.items_for("行政处罚")]
        assert screen.checklist.item_ids == applicable
        assert len(applicable) < len(std.items)  # items of other 案件类别 are left out
        # Category titles are in the list but the cursor skips them.
        assert screen.checklist.current.id == applicable[0]
        await pilot.press("k")
        assert screen.checklist.current.id == applicable[0]
        assert "未评 66 项" in panel(screen)


async def test_each_verdict_is_saved_with_history_and_rescored(campaign_db):
    app = make_app(str(campaign_db), "王敏")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_file(pilot, FRESH)
        rid = screen.review_id
        # space = 符合 and moves on.
        await pilot.press("space")
        await settle(pilot)
        answers, _ = stored(campaign_db, rid)
        assert answers["ZT-01"].verdict == PASS
        assert screen.checklist.current.id == "ZT-02"
        # v = 否决 on a veto item: score 0, grade 不合格, red warning.
        await pilot.press("v")
        await settle(pilot)
        answers, _ = stored(campaign_db, rid)
        assert answers["ZT-02"].verdict == VETO and answers["ZT-02"].note  # the standard's veto wording
        assert screen.result.vetoed and screen.result.score == 0 and screen.result.grade == "不合格"
        assert "否决：ZT-02" in panel(screen) and screen.query_one(ScorePanel).has_class("-vetoed")
        # x clears it again: the veto warning goes away.
        await pilot.press("x")
        await settle(pilot)
        answers, _ = stored(campaign_db, rid)
        assert "ZT-02" not in answers and not screen.result.vetoed
        assert "否决" not in panel(screen)
        # n = 不适用 on ZT-06 (2 分); 1 = its first deduction option on ZT-07.
        screen.checklist.go_to("ZT-06")
        await pilot.press("n")
        await pilot.press("1")
        await settle(pilot)
        answers, _ = stored(campaign_db, rid)
        assert answers["ZT-06"].verdict == NA
        assert answers["ZT-07"].verdict == DEDUCT and answers["ZT-07"].deducted == 1.0 and answers["ZT-07"].option == 1
        assert screen.checklist.answers == answers
        assert [a for a, _, _ in actions(campaign_db, rid)] == ["answer", "answer", "clear", "answer", "answer"]
        # The score on screen is the engine's score of what the database holds.
        expected = score_case(screen.session.standard, "行政处罚", [a.as_input() for a in answers.values()])
        assert screen.result == expected
        assert f"得分 {expected.score:g}" in panel(screen)


async def test_saved_shows_only_after_the_service_returned(campaign_db):
    app = make_app(str(campaign_db), "王敏")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_file(pilot, FRESH)
        assert "已保存" not in text_of(screen.query_one("#saved"))
        await pilot.press("space")
        # The score is already updated, the save may still be on its way.
        assert "ZT-01" in screen.answers
        await settle(pilot)
        assert text_of(screen.query_one("#saved")) == f"已保存 {FROZEN_TIME}"
        answers, _ = stored(campaign_db, screen.review_id)
        assert "ZT-01" in answers


async def test_per_occurrence_option_adds_up_and_stops_at_the_items_points(campaign_db):
    app = make_app(str(campaign_db), "王敏")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_file(pilot, FRESH)
        screen.checklist.go_to("ZT-09")  # 2 分; option 1 = 每处扣 0.5 分
        for times in range(1, 5):
            await pilot.press("1")
            await settle(pilot)
            answers, _ = stored(campaign_db, screen.review_id)
            assert answers["ZT-09"].occurrences == times
            assert answers["ZT-09"].deducted == 0.5 * times
        assert "×4" in detail(screen)
        await pilot.press("1")  # 扣完为止
        await settle(pilot)
        answers, _ = stored(campaign_db, screen.review_id)
        assert answers["ZT-09"].deducted == 2.0 and answers["ZT-09"].occurrences == 4
        assert any("扣完为止" in n.message for n in app._notifications)
        # Another option replaces the answer; a number with no option says so and changes nothing.
        await pilot.press("2")
        await pilot.press("7")
        await settle(pilot)
        answers, _ = stored(campaign_db, screen.review_id)
        assert answers["ZT-09"].option == 2 and answers["ZT-09"].deducted == 1.0
        assert any("只有 2 个扣分选项" in n.message for n in app._notifications)


async def test_free_deduction_dialog_checks_the_points(campaign_db):
    app = make_app(str(campaign_db), "王敏")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_file(pilot, FRESH)
        screen.checklist.go_to("ZT-08")  # 2 分
        await pilot.press("d")
        assert isinstance(app.screen, FreeDeductionDialog)
        await pilot.press("3", "enter", *"other", "enter")  # more than the item's points
        assert isinstance(app.screen, FreeDeductionDialog)
        assert "不超过 2" in text_of(app.screen.query_one("#error", Label))
        app.screen.query_one("#points", Input).value = ""
        await pilot.press("1", ".", "5", "enter")
        app.screen.query_one("#note", Input).value = ""
        await pilot.press(*"abc", "enter")
        await settle(pilot)
        assert app.screen is screen
        answers, _ = stored(campaign_db, screen.review_id)
        assert answers["ZT-08"].verdict == DEDUCT and answers["ZT-08"].deducted == 1.5
        assert answers["ZT-08"].option is None and answers["ZT-08"].note == "abc"
        # Escape leaves the answer alone.
        await pilot.press("d", "escape")
        await settle(pilot)
        assert stored(campaign_db, screen.review_id)[0]["ZT-08"].deducted == 1.5


async def test_veto_on_an_ordinary_item_only_explains(campaign_db):
    app = make_app(str(campaign_db), "王敏")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_file(pilot, FRESH)
        screen.checklist.go_to("ZT-06")
        await pilot.press("v")
        await settle(pilot)
        assert "ZT-06" not in screen.answers
        assert stored(campaign_db, screen.review_id)[0] == {}
        assert any("不是否决项" in n.message for n in app._notifications)


async def test_edit_note_is_prefilled_from_the_option_and_saved(campaign_db):
    app = make_app(str(campaign_db), "王敏")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_file(pilot, FRESH)
        screen.checklist.go_to("ZT-08")
        option = screen.checklist.current.deductions[1]
        await pilot.press("2")
        await pilot.press("e")
        assert isinstance(app.screen, NoteDialog)
        note = app.screen.query_one("#note", Input)
        assert note.value == option.text
        await pilot.press("end", *"3", "enter", *"12", "enter")  # Enter moves on, then saves
        await settle(pilot)
        answers, _ = stored(campaign_db, screen.review_id)
        assert answers["ZT-08"].note == option.text + "3"
        assert answers["ZT-08"].page_ref == "12"
        assert "卷内页码" in detail(screen) and "12" in detail(screen)
        # e on an unanswered item asks for a verdict first.
        screen.checklist.go_to("ZT-09")
        await pilot.press("e")
        assert app.screen is screen


async def test_score_and_grade_follow_the_answers(campaign_db):
    app = make_app(str(campaign_db), "王敏")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_file(pilot, FRESH)
        assert screen.result.grade == "优秀"
        # Take the full points off items until the file drops below 90.
        grades = []
        for item_id in screen.checklist.item_ids:
            item = screen.session.standard.item(item_id)
            if item.points >= 2 and item.deductions:
                screen.checklist.go_to(item_id)
                await pilot.press("d", *str(int(item.points)), "enter", "enter")
                await pilot.pause()
                grades.append(screen.result.grade)
                if screen.result.score < 90:
                    break
        await settle(pilot)
        assert grades[0] == "优秀" and grades[-1] == "合格"
        assert "等级 合格" in panel(screen)
        assert stored(campaign_db, screen.review_id)[0].keys() == screen.answers.keys()
        lost = {c.name: c.lost for c in screen.result.categories}
        assert any(v > 0 for v in lost.values())
        for name, value in lost.items():
            if value:
                assert f"扣 {value:g}" in panel(screen).replace(f"{name}", "")


async def test_next_unanswered_with_u_and_tab(campaign_db):
    app = make_app(str(campaign_db), "王敏")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_file(pilot, FRESH)
        ids = screen.checklist.item_ids
        await pilot.press("space", "space", "space")  # ZT-01..03 answered, cursor on ZT-04
        await pilot.press("up", "up", "up")
        assert screen.checklist.current.id == ids[0]
        await pilot.press("u")
        assert screen.checklist.current.id == ids[3]
        await pilot.press("j", "space", "k")  # answer ids[4], back to ids[3]
        await pilot.press("tab")
        assert screen.checklist.current.id == ids[5]
        await settle(pilot)


async def test_submit_with_unanswered_items_jumps_to_the_first(campaign_db):
    app = make_app(str(campaign_db), "王敏")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_file(pilot, FRESH)
        await pilot.press("space", "space")
        screen.checklist.go_to(screen.checklist.item_ids[-1])
        await pilot.press("S")
        await settle(pilot)
        assert app.screen is screen
        assert screen.checklist.current.id == screen.checklist.item_ids[2]
        assert any("还有 64 项未评" in n.message for n in app._notifications)
        assert stored(campaign_db, screen.review_id)[1] == "draft"


def pass_all_but(path, case_no: str, reviewer: str, item: str, last: int) -> None:
    """Answer 符合 through the reviewing service on every item of a file but `item` and the `last` ones."""
    from sqlalchemy import select

    from anjuan import models as m
    from anjuan.review.reviewing import StoredAnswer, open_review, resolve_reviewer, save_answer

    db = open_database(path)
    try:
        with db.session() as s:
            case_id, kind = s.execute(select(m.CaseFile.id, m.CaseFile.kind).where(m.CaseFile.case_no == case_no)).one()
        me = resolve_reviewer(db, reviewer).id
        state = open_review(db, case_id, me)
        for each in campaign_info(db).standard.items_for(kind)[:-last]:
            if each.id != item:
                save_answer(db, state.review_id, me, StoredAnswer(each.id, PASS))
    finally:
        db.close()


async def test_submit_then_read_only_then_reopen_with_reason(campaign_db):
    # Most items were answered earlier (through the service); the last ones are answered here.
    pass_all_but(campaign_db, FRESH, "王敏", "ZT-07", last=4)
    app = make_app(str(campaign_db), "王敏")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_file(pilot, FRESH)
        rid = screen.review_id
        screen.checklist.go_to("ZT-07")
        await pilot.press("1")  # one problem
        await pilot.press("home")
        for _ in range(4):
            await pilot.press("u", "space")
        await settle(pilot)
        assert not screen.result.unanswered
        assert "可提交" in text_of(screen.query_one("#score"))
        await pilot.press("ctrl+s")
        assert isinstance(app.screen, ConfirmDialog)
        summary = "\n".join(app.screen.lines)
        assert f"得分　{screen.result.score:g}" in summary and "ZT-07" in summary and "发现问题 1 处" in summary
        await pilot.press("y")
        await settle(pilot)
        answers, status = stored(campaign_db, rid)
        assert status == "submitted"
        assert "已提交（只读）" in text_of(screen.query_one("#saved"))
        panel = text_of(screen.query_one("#score"))  # the side panel agrees with the status bar
        assert "本卷已提交" in panel and "可提交" not in panel
        # Answer keys change nothing now and say why.
        before = dict(answers)
        for key in ("space", "1", "n", "x", "d", "e"):
            await pilot.press(key)
        await settle(pilot)
        assert app.screen is screen
        assert stored(campaign_db, rid)[0] == before
        assert any(n.message.startswith("已提交，不能修改") for n in app._notifications)
        # 退回重评 needs a reason.
        await pilot.press("r")
        assert isinstance(app.screen, ReasonDialog)
        await pilot.press("enter")
        assert isinstance(app.screen, ReasonDialog)
        assert "不能为空" in text_of(app.screen.query_one("#error", Label))
        await pilot.press(*"ZT-07 wrong", "enter")
        await settle(pilot)
        assert stored(campaign_db, rid)[1] == "reopened"
        assert "可提交" in text_of(screen.query_one("#score")) and "本卷已提交" not in text_of(screen.query_one("#score"))
        log = actions(campaign_db, rid)
        assert log[-2][0] == "submit" and log[-1] == ("reopen", None, "ZT-07 wrong")
        # Editable again.
        await pilot.press("x")
        await settle(pilot)
        assert len(stored(campaign_db, rid)[0]) == len(before) - 1


async def test_reopen_of_a_draft_is_refused_and_submit_hidden_once_submitted(campaign_db):
    app = make_app(str(campaign_db), "王敏")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_file(pilot, FRESH)
        await pilot.press("r")
        assert app.screen is screen  # r is not offered on a draft
        footer_keys = {b.binding.id for b in screen.active_bindings.values() if b.enabled}
        assert "score-submit" in footer_keys and "score-reopen" not in footer_keys


async def test_opening_a_submitted_file_is_read_only(campaign_db):
    app = make_app(str(campaign_db), "王敏")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_file(pilot, "测市监罚〔2024〕7号")
        before = stored(campaign_db, screen.review_id)[0]
        await pilot.press("x", "space")
        await settle(pilot)
        assert stored(campaign_db, screen.review_id)[0] == before
        assert "已提交（只读）" in text_of(screen.query_one("#saved"))
        assert "发现问题" not in panel(screen) and "得分" in panel(screen)


async def test_clicking_an_item_selects_it(campaign_db):
    app = make_app(str(campaign_db), "王敏")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_file(pilot, FRESH)
        checklist = screen.query_one(Checklist)
        await pilot.click(Checklist, offset=(10, 3))  # line 3: the third item under the title
        assert checklist.current.id == checklist.item_ids[2]
        assert checklist.current.id in detail(screen)
        await pilot.click(Checklist, offset=(10, 0))  # a category title: cursor does not move
        assert checklist.current.id == checklist.item_ids[2]


async def test_detail_pane_shows_basis_guide_and_numbered_options(campaign_db):
    app = make_app(str(campaign_db), "王敏")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_file(pilot, FRESH)
        screen.checklist.go_to("ZT-08")
        await pilot.pause()
        item = screen.checklist.current
        text = detail(screen)
        for part in (item.id, "依据", "指引", "1．", "2．", "3．", "d．自由扣分"):
            assert part in text
        assert screen.query_one(ItemDetail).display


async def test_help_is_generated_from_the_scoring_bindings(campaign_db):
    app = make_app(str(campaign_db), "王敏")
    async with app.run_test(size=SIZE) as pilot:
        await open_file(pilot, FRESH)
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpDialog)
        keys = {d: set(k.split(" / ")) for k, d, _ in app.screen.keys}
        assert keys["符合"] == {"空格"} and keys["扣分"] == {"1-9"} and keys["下一未评"] == {"u", "tab"}
        assert keys["清除"] == {"x", "⌫"} and keys["提交"] == {"^s", "S"} and "退回重评" not in keys
        for description in ("不适用", "否决", "自由扣分", "描述", "返回", "上移", "下移", "帮助"):
            assert description in keys


async def test_escape_in_a_dialog_does_not_leave_the_file(campaign_db):
    app = make_app(str(campaign_db), "王敏")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_file(pilot, FRESH)
        await pilot.press("space", "up", "e")
        assert isinstance(app.screen, NoteDialog)
        await pilot.press(*"abc", "escape")
        await settle(pilot)
        assert app.screen is screen
        answers, _ = stored(campaign_db, screen.review_id)
        assert json.loads(answers["ZT-01"].to_json())["note"] == ""


async def test_a_refused_save_is_reported_and_the_screen_shows_the_database(campaign_db, monkeypatch):
    from anjuan.errors import WorkflowError

    def refused(db, review_id, actor_id, answer, revision=None):
        raise WorkflowError("该案卷已提交，不能修改")

    app = make_app(str(campaign_db), "王敏")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_file(pilot, FRESH)
        monkeypatch.setattr("anjuan.ui.screens.scoring.save_answer", refused)
        await pilot.press("space")
        await settle(pilot)
        # Shown at once, then taken back when the service refused it.
        assert "ZT-01" not in screen.answers and "ZT-01" not in screen.checklist.answers
        assert "未评 66 项" in panel(screen)
        assert any("不能修改" in n.message and n.severity == "error" for n in app._notifications)
        assert stored(campaign_db, screen.review_id)[0] == {}


async def test_a_change_made_elsewhere_meanwhile_is_reloaded_and_shown_not_overwritten(campaign_db):
    """Another session saves to the same review while the screen is open: the screen's next write
    is refused (stale revision), the screen reloads the review and says what changed."""
    from anjuan.review.reviewing import StoredAnswer, save_answer

    app = make_app(str(campaign_db), "王敏")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_file(pilot, FRESH)
        item = screen.checklist.current.id
        other = open_database(str(campaign_db))
        try:
            save_answer(other, screen.review_id, screen.session.reviewer_id,
                        StoredAnswer(item, NA, note="另一台电脑上评的"))
        finally:
            other.close()
        await pilot.press("space")  # 符合 on the same item, based on the revision the screen loaded
        await settle(pilot)
        assert any(n.title == "内容已被修改" and f"{item}：未评 → 不适用" in n.message and "未保存" in n.message
                   for n in app._notifications), [(n.title, n.message) for n in app._notifications]
        assert screen.answers[item].verdict == NA  # the screen shows what the database holds
        answers, _ = stored(campaign_db, screen.review_id)
        assert answers[item].verdict == NA
        # Redone on the reloaded review, the change is saved.
        screen.checklist.go_to(item)
        await pilot.pause()
        await pilot.press("space")
        await settle(pilot)
        assert stored(campaign_db, screen.review_id)[0][item].verdict == PASS
