"""Disagreements, 合议 and agreement figures (anjuan/lead/conflicts.py, anjuan conflicts).

The merged campaign (tests/data/standards/small.toml, 行政处罚: 8 items, 100 points), files in list
order 交通1, 交通2, 市场1, 市场2, 市场3, each reviewed by 王敏 (submitted first) and 陈立新:

    file   王敏                    陈立新              scores      outcome (threshold 5)
    交通1  CX-02 扣 20 → 80 合格    all 符合 → 100 优秀   80 / 100    conflict: grade, 20 points
    交通2  ZT-01 否决 → 0 不合格    all 符合 → 100        0 / 100     conflict: grade, 100, veto
    市场1  WS-01 扣 3 → 97          WS-01 扣 3 → 97      97 / 97     agree
    市场2  all 符合 → 100           WS-02 扣 5 → 95      100 / 95    agree (5 is not more than 5)
    市场3  all 符合                 all 符合             100 / 100   agree

Agreement by hand over 5 files × 8 items = 40 verdict pairs, 3 of them different (交通1 CX-02,
交通2 ZT-01, 市场2 WS-02): po = 37/40 = 0.925. 王敏's labels: 符合 37, 扣分 2, 否决 1; 陈立新's:
符合 38, 扣分 2. pe = (37·38 + 2·2)/1600 = 1410/1600 = 0.88125, kappa = (0.925 − 0.88125)/(1 − 0.88125)
= 0.04375/0.11875 = 0.368421…; mean |score difference| = (20 + 100 + 0 + 5 + 0)/5 = 25.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from anjuan_cli import run_anjuan
from sqlalchemy import select

from anjuan import models as m
from anjuan.db import open_database
from anjuan.errors import InputError, WorkflowError
from anjuan.lead.conflicts import (
    SOURCE_A,
    SOURCE_B,
    SOURCE_LEAD,
    agreement_summary,
    item_differences,
    list_conflicts,
    settle,
)
from anjuan.lead.finals import file_outcomes
from anjuan.lead.merge import merge
from anjuan.review.reviewing import StoredAnswer, reopen_review
from tests.merge_fixtures import LEAD, answer_files, build_campaign, dump, make_package, reviewer_id

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    d = tmp_path_factory.mktemp("conflicts_template")
    c = build_campaign(d)
    a = make_package(c, "王敏", d / "a.db")
    b = make_package(c, "陈立新", d / "b.db")
    answer_files(a, {0: {"CX-02": 20}, 1: {"ZT-01": "否决"}, 2: {"WS-01": 3}})
    answer_files(b, {2: {"WS-01": 3}, 3: {"WS-02": 5}})
    db = open_database(c)
    merge(db, [a, b])
    db.close()
    return c


@pytest.fixture
def db(template, targets):
    d = open_database(targets.from_sqlite(template))
    yield d
    d.close()


def case_id(db, case_no: str) -> str:
    with db.session() as s:
        return s.scalar(select(m.CaseFile.id).where(m.CaseFile.case_no == case_no))


def lead_id(db) -> str:
    with db.session() as s:
        return s.scalar(select(m.Reviewer.id).where(m.Reviewer.name == LEAD))


def test_list_conflicts_shows_both_reviews_reasons_and_differing_items(db):
    found = list_conflicts(db)
    assert [c.case_no for c in found] == ["交通罚〔2024〕1号", "交通罚〔2024〕2号"]
    first, second = found
    assert first.agency == "县交通运输局"
    assert (first.a.reviewer, first.a.score, first.a.grade) == ("王敏", 80.0, "合格")
    assert (first.b.reviewer, first.b.score, first.b.grade) == ("陈立新", 100.0, "优秀")
    assert first.reasons == ("等次不同（合格/优秀）", "分差 20.00 分，超过 5 分")
    assert [d.item_id for d in first.differing] == ["CX-02"]
    assert first.differing[0].describe("a") == "扣 20 分（问题）" and first.differing[0].describe("b") == "符合"
    assert "否决项认定不一致（ZT-01）" in second.reasons and [d.item_id for d in second.differing] == ["ZT-01"]
    data = first.to_json()
    assert data["reviews"][0]["reviewer"] == "王敏" and data["differing_items"][0]["item_id"] == "CX-02"


def test_threshold_option(db):
    assert [c.case_no for c in list_conflicts(db, threshold=4)] == ["交通罚〔2024〕1号", "交通罚〔2024〕2号", "市场罚〔2024〕2号"]
    assert list_conflicts(db, threshold=4)[2].reasons == ("分差 5.00 分，超过 4 分",)


def test_item_differences_side_by_side(db):
    view = item_differences(db, case_id(db, "交通罚〔2024〕1号"))
    assert [d.item_id for d in view.items] == ["ZT-01", "ZT-02", "ZT-03", "CX-01", "CX-02", "CX-04", "WS-01", "WS-02"]
    cx02 = view.items[4]
    assert cx02.differs and cx02.a.verdict == "扣分" and cx02.a.deducted == 20 and cx02.b.verdict == "符合"
    assert cx02.category == "程序合法" and cx02.text == "告知陈述申辩权利"
    assert sum(d.differs for d in view.items) == 1 and view.final_review_id is None
    agreed = item_differences(db, case_id(db, "市场罚〔2024〕1号"))
    assert agreed.reasons == () and agreed.differing == []  # both 扣 3 分 on WS-01


def test_settle_takes_the_chosen_answers_and_becomes_the_final_review(db):
    cid, lead = case_id(db, "交通罚〔2024〕1号"), lead_id(db)
    view = item_differences(db, cid)
    originals = {t: [r for r in rows if view.a.review_id in r or view.b.review_id in r]
                 for t, rows in dump(db.target).items() if t in ("review", "answer", "answer_history")}
    result = settle(db, cid, lead, {"CX-02": (SOURCE_B, None)}, "经合议，告知书已送达当事人，陈立新意见正确")
    assert (result.score, result.grade, result.vetoed) == (100.0, "优秀", False)
    assert result.sources["CX-02"] == SOURCE_B and result.sources["WS-01"] == "agreed"

    outcome = file_outcomes(db)[cid]
    assert (outcome.state, outcome.final_review_id, outcome.settled) == ("final", result.review_id, True)
    with db.session() as s:
        final = s.get(m.Review, result.review_id)
        assert (final.is_final, final.reviewer_id, final.status, final.score, final.grade) == (True, lead, "submitted", 100.0, "优秀")
        assert final.note == "经合议，告知书已送达当事人，陈立新意见正确"
        answers = {a.item_id: a.verdict for a in s.scalars(select(m.Answer).where(m.Answer.review_id == final.id))}
        hist = list(s.scalars(select(m.AnswerHistory).where(m.AnswerHistory.review_id == final.id)))
    assert answers == dict.fromkeys(["ZT-01", "ZT-02", "ZT-03", "CX-01", "CX-02", "CX-04", "WS-01", "WS-02"], "符合")
    assert len(hist) == 9 and {h.action for h in hist} == {"settle"} and {h.actor_id for h in hist} == {lead}
    assert all(h.reason == "经合议，告知书已送达当事人，陈立新意见正确" for h in hist)
    cx = next(h for h in hist if h.item_id == "CX-02")
    assert json.loads(cx.new)["source_name"] == "陈立新" and json.loads(cx.new)["from_review"] == view.b.review_id
    # The two original reviews are untouched, and the file is no longer a conflict.
    after = {t: [r for r in rows if view.a.review_id in r or view.b.review_id in r]
             for t, rows in dump(db.target).items() if t in ("review", "answer", "answer_history")}
    assert after == originals
    assert [c.case_no for c in list_conflicts(db)] == ["交通罚〔2024〕2号"]
    assert item_differences(db, cid).final_review_id == result.review_id


def test_settle_with_the_leads_own_answers(db):
    cid, lead = case_id(db, "交通罚〔2024〕2号"), lead_id(db)
    result = settle(db, cid, lead, {
        "ZT-01": (SOURCE_LEAD, StoredAnswer("ZT-01", "符合")),
        "CX-01": ("lead", StoredAnswer("CX-01", "扣分", 12.0, note="三份文书未载明日期")),
    }, "超越职权证据不足，不予否决；另发现文书未载明日期")
    assert (result.score, result.grade) == (88.0, "合格")  # 100 − 12
    assert result.answers["CX-01"].deducted == 12.0 and result.sources["ZT-01"] == SOURCE_LEAD
    veto = settle(db, case_id(db, "交通罚〔2024〕1号"), lead, {"CX-02": (SOURCE_A, None)}, "采纳王敏意见")
    assert (veto.score, veto.grade) == (80.0, "合格")


def test_settle_refusals(db):
    cid, lead = case_id(db, "交通罚〔2024〕1号"), lead_id(db)
    wang = reviewer_id(db.target, "王敏")
    before = dump(db.target)
    with pytest.raises(WorkflowError, match="理由"):
        settle(db, cid, lead, {"CX-02": (SOURCE_B, None)}, "  ")
    with pytest.raises(WorkflowError, match="只有组长"):
        settle(db, cid, wang, {"CX-02": (SOURCE_B, None)}, "理由")
    with pytest.raises(WorkflowError, match="CX-02"):
        settle(db, cid, lead, {}, "理由")
    with pytest.raises(InputError, match="超过条目 CX-02 的分值"):
        settle(db, cid, lead, {"CX-02": (SOURCE_LEAD, StoredAnswer("CX-02", "扣分", 25.0))}, "理由")
    with pytest.raises(InputError, match="没有填写认定结果"):
        settle(db, cid, lead, {"CX-02": (SOURCE_LEAD, None)}, "理由")
    with pytest.raises(InputError, match="不适用"):
        settle(db, cid, lead, {"CX-02": (SOURCE_B, None), "CX-03": (SOURCE_A, None)}, "理由")
    assert dump(db.target) == before  # refused: nothing written
    settle(db, cid, lead, {"CX-02": (SOURCE_B, None)}, "理由")
    with pytest.raises(WorkflowError, match="已合议"):
        settle(db, cid, lead, {"CX-02": (SOURCE_A, None)}, "再议")


def test_settled_result_reopened_and_settled_again(db):
    cid, lead = case_id(db, "交通罚〔2024〕1号"), lead_id(db)
    first = settle(db, cid, lead, {"CX-02": (SOURCE_B, None)}, "采纳陈立新意见")
    reopen_review(db, first.review_id, lead, "发现送达回证缺失，重新合议")
    assert file_outcomes(db)[cid].state == "conflict"
    second = settle(db, cid, lead, {"CX-02": (SOURCE_A, None)}, "送达回证缺失，采纳王敏意见")
    assert second.review_id == first.review_id and (second.score, second.grade) == (80.0, "合格")
    with db.session() as s:
        final = s.get(m.Review, second.review_id)
        hist = [h for h in s.scalars(select(m.AnswerHistory).where(
            (m.AnswerHistory.review_id == final.id) & (m.AnswerHistory.item_id == "CX-02")))]
    assert final.revision == 3 and final.status == "submitted"  # settle, reopen, settle
    assert sorted(json.loads(h.new)["verdict"] for h in hist) == ["扣分", "符合"]
    assert any(h.old and json.loads(h.old)["verdict"] == "符合" for h in hist)


def test_agreement_summary_hand_computed(db):
    got = agreement_summary(db)
    assert (got["files"], got["items"], got["item_agreement"], got["mean_abs_diff"]) == (5, 40, 0.925, 25.0)
    assert got["kappa"] == pytest.approx(0.04375 / 0.11875, abs=1e-4)
    assert got["pairs"] == [{"reviewers": ["王敏", "陈立新"], "files": 5, "items": 40, "item_agreement": 0.925,
                             "kappa": round(0.04375 / 0.11875, 4), "mean_abs_diff": 25.0}]
    assert got["text"] == ("双人评查一致性：5 卷，条目一致率 92.5%，Kappa 0.37，平均分差 25.00 分\n"
                           "  王敏、陈立新：5 卷，条目一致率 92.5%，Kappa 0.37，平均分差 25.00 分")
    # A settled result does not count (originals only); a reopened review drops its file out:
    # 4 files, 32 pairs, 29 equal; pe = (29·30 + 2·2)/1024; mean diff 125/4.
    settle(db, case_id(db, "交通罚〔2024〕1号"), lead_id(db), {"CX-02": (SOURCE_B, None)}, "合议")
    assert agreement_summary(db)["files"] == 5
    with db.session() as s:
        rid = s.scalar(select(m.Review.id).join(m.CaseFile, m.CaseFile.id == m.Review.case_id).join(
            m.Reviewer, m.Reviewer.id == m.Review.reviewer_id).where(
            (m.CaseFile.case_no == "市场罚〔2024〕3号") & (m.Reviewer.name == "陈立新")))
    reopen_review(db, rid, lead_id(db), "复核")
    got = agreement_summary(db)
    po, pe = 29 / 32, (29 * 30 + 2 * 2) / 1024
    assert (got["files"], got["items"], got["mean_abs_diff"]) == (4, 32, 31.25)
    assert got["item_agreement"] == round(po, 4) and got["kappa"] == pytest.approx((po - pe) / (1 - pe), abs=1e-4)


def test_agreement_summary_without_double_reviews(tmp_path):
    c = build_campaign(tmp_path, double=0.0)
    d = open_database(c)
    try:
        got = agreement_summary(d)
    finally:
        d.close()
    assert got["files"] == 0 and got["kappa"] is None and got["pairs"] == []
    assert got["text"] == "双人评查一致性：尚无两名评查人员均已提交的双人评查案卷"


def run(*args, cwd: Path):
    return run_anjuan(*args, cwd=cwd)


def test_cli_conflicts_and_status(template, tmp_path, targets):
    c = targets.from_sqlite(template)
    r = run("conflicts", c, cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "共 2 件案卷" in r.stdout and "交通罚〔2024〕1号" in r.stdout and "县交通运输局" in r.stdout
    assert "A 王敏：80.00 分，合格；B 陈立新：100.00 分，优秀" in r.stdout and "CX-02" in r.stdout
    r = run("conflicts", c, "--threshold", "4", "--json", cwd=tmp_path)
    data = json.loads(r.stdout)
    assert data["threshold"] == 4 and len(data["conflicts"]) == 3
    assert data["conflicts"][0]["reviews"][1]["reviewer"] == "陈立新"
    r = run("status", c, "--json", cwd=tmp_path)
    assert json.loads(r.stdout)["agreement"]["files"] == 5
    r = run("status", c, cwd=tmp_path)
    assert "双人评查一致性：5 卷，条目一致率 92.5%" in r.stdout
    r = run("conflicts", "missing.db", cwd=tmp_path)
    assert r.returncode == 1 and r.stderr.startswith("错误：")


def test_cli_reopens_a_settled_result(template, tmp_path, targets):
    c = targets.from_sqlite(template)
    db = open_database(c)
    cid = case_id(db, "交通罚〔2024〕1号")
    settle(db, cid, lead_id(db), {"CX-02": (SOURCE_B, None)}, "采纳陈立新意见")
    assert file_outcomes(db)[cid].state == "final"
    db.close()
    r = run("conflicts", c, "--reopen", "交通罚〔2024〕1号", cwd=tmp_path)
    assert r.returncode == 1 and "理由" in r.stderr
    r = run("conflicts", c, "--reopen", "交通罚〔2024〕1号", "--reason", "补充材料后重新合议", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "已退回 交通罚〔2024〕1号 的合议结果" in r.stdout
    db = open_database(c)
    assert file_outcomes(db)[cid].state == "conflict"
    with db.session() as s:
        reasons = [h.reason for h in s.scalars(select(m.AnswerHistory).where(m.AnswerHistory.action == "reopen"))]
    assert reasons == ["补充材料后重新合议"]
    db.close()
    r = run("conflicts", c, "--reopen", "没有这个案号", "--reason", "x", cwd=tmp_path)
    assert r.returncode == 1 and "找不到案号为“没有这个案号”的案卷" in r.stderr
