"""Sampling, assignment (回避, balance, reproducibility), packs and status."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from anjuan import models as m
from anjuan.db import open_database
from anjuan.errors import AnjuanError, WorkflowError
from anjuan.lead.status import campaign_status
from anjuan.prepare.assignment import assign
from anjuan.prepare.reviewers import add_reviewer, import_reviewers
from anjuan.prepare.sampling import draw_key, draw_sample, sample_size, split_by_kind
from anjuan.review.pack import pack
from anjuan.review.reviewing import (
    StoredAnswer,
    list_assigned,
    open_review,
    resolve_reviewer,
    save_answer,
)
from tests.conftest import add_catalog, simple_catalog

SIZES = {"县市场监督管理局": 40, "县交通运输局": 17, "县农业农村局": 9}


def sampled_nos(db) -> dict[str, list[str]]:
    with db.session() as s:
        rows = s.execute(select(m.Agency.name, m.CaseFile.case_no).join(m.CaseFile, m.CaseFile.agency_id == m.Agency.id)
                         .join(m.SampledCase, m.SampledCase.case_id == m.CaseFile.id)).all()
    out: dict[str, list[str]] = {}
    for a, no in rows:
        out.setdefault(a, []).append(no)
    return {k: sorted(v) for k, v in out.items()}


def test_sample_size_rounds_up_and_clamps():
    assert sample_size(40, 0.3) == 12
    assert sample_size(17, 0.3) == 6  # ceil(5.1)
    assert sample_size(10, 0.3) == 3  # 0.3*10 is 3.0000000000000004 in floating point: still 3
    assert sample_size(9, 0.3, min_n=5) == 5
    assert sample_size(40, 0.3, max_n=10) == 10
    assert sample_size(3, 0.3, min_n=5) == 3  # never more than the catalog


def test_split_by_kind_largest_remainder():
    assert split_by_kind(5, {"行政处罚": 8, "行政许可": 2}) == {"行政处罚": 4, "行政许可": 1}
    assert sum(split_by_kind(7, {"a": 3, "b": 3, "c": 3}).values()) == 7
    assert split_by_kind(3, {"a": 1, "b": 10}) == {"a": 0, "b": 3}


def test_sampling_is_reproducible_and_matches_documented_algorithm(campaign, tmp_path):
    add_catalog(campaign, simple_catalog(SIZES))
    result = draw_sample(campaign, seed="2024", ratio=0.3)
    drawn = {a.agency: a.drawn for a in result.agencies}
    assert {k: len(v) for k, v in drawn.items()} == {"县市场监督管理局": 12, "县交通运输局": 6, "县农业农村局": 3}
    # The documented algorithm, by hand: order by sha256(seed|agency|case_no), take the first n.
    for agency, n in (("县交通运输局", 6), ("县农业农村局", 3)):
        nos = [f"{agency[:2]}罚〔2024〕{i}号" for i in range(1, SIZES[agency] + 1)]
        expected = sorted(nos, key=lambda no: draw_key("2024", agency, no))[:n]
        assert drawn[agency] == expected
    # Pinned: this exact draw must not change across machines or Python versions.
    assert drawn["县农业农村局"] == ["县农罚〔2024〕1号", "县农罚〔2024〕8号", "县农罚〔2024〕2号"]

    other = __import__("anjuan.campaign", fromlist=["init_campaign"]).init_campaign(tmp_path / "d.db", "另一次")
    add_catalog(other, simple_catalog(SIZES))
    draw_sample(other, seed="2024", ratio=0.3)
    assert sampled_nos(other) == sampled_nos(campaign)
    with campaign.session() as s:
        batch = s.exec(select(m.SamplingBatch)).first()[0]
        assert batch.seed == "2024" and '"ratio": 0.3' in batch.params


def test_sampling_different_seed_differs_and_no_redraw(campaign):
    add_catalog(campaign, simple_catalog(SIZES))
    draw_sample(campaign, seed="1", ratio=0.3)
    first = sampled_nos(campaign)
    again = draw_sample(campaign, seed="2", ratio=0.3)
    assert all(a.skipped for a in again.agencies)
    assert sampled_nos(campaign) == first
    draw_sample(campaign, seed="2", ratio=0.3, redraw=True)
    assert sampled_nos(campaign) != first


def test_sampling_by_kind_stratifies(campaign):
    files = [(f"甲罚〔2024〕{i}号", "行政处罚") for i in range(1, 9)] + [(f"甲许〔2024〕{i}号", "行政许可") for i in range(1, 3)]
    add_catalog(campaign, {"县甲局": files})
    result = draw_sample(campaign, seed="s", ratio=0.5, by_kind=True)
    drawn = result.agencies[0].drawn
    assert len(drawn) == 5
    assert sum("许" in no for no in drawn) == 1


def test_sampling_errors(campaign):
    with pytest.raises(WorkflowError, match="anjuan import"):
        draw_sample(campaign, seed="1", ratio=0.3)
    add_catalog(campaign, simple_catalog(SIZES))
    with pytest.raises(AnjuanError, match="抽样比例"):
        draw_sample(campaign, seed="1", ratio=30)
    with pytest.raises(AnjuanError, match="没有找到执法机关"):
        draw_sample(campaign, seed="1", ratio=0.3, agencies=["不存在的局"])


def team(db):
    add_reviewer(db, "王敏", "县司法局")
    add_reviewer(db, "陈立新", "某律师事务所")
    add_reviewer(db, "刘建国", "县市场监督管理局")
    add_reviewer(db, "李卫东", "县司法局", role="lead")


def test_assignment_balanced_with_recusal_and_reproducible(campaign, tmp_path):
    add_catalog(campaign, simple_catalog(SIZES))
    team(campaign)
    draw_sample(campaign, seed="7", ratio=0.3)
    result = assign(campaign, seed="7", double=0.2)
    loads = [len(v) for v in result.by_reviewer.values()]
    total_files = 12 + 6 + 3
    assert sum(loads) == total_files + round(0.2 * total_files)
    assert max(loads) - min(loads) <= 1
    assert "李卫东" not in result.by_reviewer  # the lead is not given files
    assert not any("县市" in no for no in result.by_reviewer["刘建国"])  # 回避
    with campaign.session() as s:
        per_case = s.execute(select(m.Assignment.case_id, func.count()).group_by(m.Assignment.case_id)).all()
    assert len(per_case) == total_files
    assert sorted(c for _, c in per_case).count(2) == round(0.2 * total_files)

    other = __import__("anjuan.campaign", fromlist=["init_campaign"]).init_campaign(tmp_path / "d.db", "另一次")
    add_catalog(other, simple_catalog(SIZES))
    team(other)
    draw_sample(other, seed="7", ratio=0.3)
    assert assign(other, seed="7", double=0.2).by_reviewer == result.by_reviewer


def test_assignment_impossible_recusal_names_agency(campaign):
    add_catalog(campaign, simple_catalog({"县市场监督管理局": 5}))
    add_reviewer(campaign, "刘建国", "县市场监督管理局")
    draw_sample(campaign, seed="1", ratio=1)
    with pytest.raises(WorkflowError, match="县市场监督管理局"):
        assign(campaign, seed="1")


def test_assignment_rebalances_under_heavy_recusal(campaign):
    # Most files come from the agency of one reviewer: the others must carry them, still within one.
    add_catalog(campaign, simple_catalog({"县甲局": 20, "县乙局": 4}))
    add_reviewer(campaign, "甲", "县甲局")
    add_reviewer(campaign, "乙", "县乙局")
    add_reviewer(campaign, "丙", "县司法局")
    draw_sample(campaign, seed="1", ratio=1)
    with pytest.raises(WorkflowError, match="回避"):
        assign(campaign, seed="1")  # 甲 can take at most the 4 乙 files: 24 files cannot balance to 8/8/8


def test_pack_holds_only_the_reviewers_files_and_work(campaign, tmp_path):
    add_catalog(campaign, simple_catalog(SIZES))
    team(campaign)
    draw_sample(campaign, seed="7", ratio=0.3)
    result = assign(campaign, seed="7", double=0.2)
    chen = resolve_reviewer(campaign, "陈立新")
    wang = resolve_reviewer(campaign, "王敏")
    # Each reviewer has some work in the campaign db.
    for r in (chen, wang):
        case = list_assigned(campaign, r.id)[0]
        st = open_review(campaign, case.case_id, r.id)
        save_answer(campaign, st.review_id, r.id, StoredAnswer("ZT-06", "扣分", 1.0, note="未注明执法证件号码"))
    out = tmp_path / "陈立新.db"
    info = pack(campaign, "陈立新", out)
    assert info.files == len(result.by_reviewer["陈立新"])
    pkg = open_database(out)
    with pkg.session() as s:
        assert s.get(m.Meta, "role").value == "package"
        assert s.get(m.Meta, "package_reviewer_id").value == chen.id
        assert [r.name for r in s.scalars(select(m.Reviewer))] == ["陈立新"]
        nos = sorted(s.scalars(select(m.CaseFile.case_no)))
        assert nos == sorted(result.by_reviewer["陈立新"])
        assert {a.reviewer_id for a in s.scalars(select(m.Assignment))} == {chen.id}
        reviews = list(s.scalars(select(m.Review)))
        assert len(reviews) == 1 and reviews[0].reviewer_id == chen.id
        answers = list(s.scalars(select(m.Answer)))
        assert [(a.item_id, a.deducted) for a in answers] == [("ZT-06", 1.0)]
        assert s.scalar(select(func.count()).select_from(m.ImportBatch)) == 0
        assert s.scalar(select(func.count()).select_from(m.SampledCase)) == 0
    # The package opens as its own reviewer, with no --reviewer needed.
    assert resolve_reviewer(pkg, None).name == "陈立新"
    assert len(list_assigned(pkg, chen.id)) == info.files
    pkg.engine.dispose()
    with pytest.raises(AnjuanError, match="已存在"):
        pack(campaign, "陈立新", out)


def test_status_counts(campaign):
    add_catalog(campaign, simple_catalog(SIZES))
    team(campaign)
    draw_sample(campaign, seed="7", ratio=0.3)
    assign(campaign, seed="7")
    st = campaign_status(campaign)
    by = {a.agency: a for a in st.agencies}
    assert (by["县交通运输局"].catalog, by["县交通运输局"].sampled, by["县交通运输局"].assigned) == (17, 6, 6)
    assert sum(r.assigned for r in st.reviewers) == 21
    assert all(a.submitted == 0 and a.mean_score is None for a in st.agencies)


def test_reviewer_import_all_or_nothing(campaign, tmp_path):
    good = tmp_path / "r.csv"
    good.write_text("姓名,单位,角色\n王敏,县司法局,评查员\n李卫东,县司法局,组长\n", encoding="gbk")
    assert [p.name for p in import_reviewers(campaign, good)] == ["王敏", "李卫东"]
    bad = tmp_path / "bad.csv"
    bad.write_text("姓名,单位,角色\n张三,县司法局,评查员\n张三,县司法局,评查员\n李四,,队长\n", encoding="utf-8")
    with pytest.raises(AnjuanError) as err:
        import_reviewers(campaign, bad)
    assert any("第3行" in d and "重复" in d for d in err.value.details)
    assert any("第4行" in d and "队长" in d for d in err.value.details)
    with campaign.session() as s:
        assert s.scalar(select(func.count()).select_from(m.Reviewer)) == 2


def test_open_refuses_newer_schema(tmp_path):
    from anjuan.campaign import init_campaign

    db = init_campaign(tmp_path / "n.db", "测试")
    with db.session() as s:
        s.merge(m.Meta(key="schema_version", value=str(m.SCHEMA_VERSION + 1)))
    db.engine.dispose()
    with pytest.raises(AnjuanError, match="更新版本"):
        open_database(tmp_path / "n.db")


def test_open_refuses_non_database(tmp_path):
    p = Path(tmp_path / "x.db")
    p.write_text("not a db")
    with pytest.raises(AnjuanError, match="不是 anjuan 数据库"):
        open_database(p)


@pytest.mark.sqlite_only
def test_sqlite_pragmas(campaign):
    with campaign.engine.connect() as c:
        assert c.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert c.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert c.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
        assert c.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 1000


def test_status_counts_files_on_the_bulletin_basis(campaign):
    from anjuan.campaign import campaign_info
    from anjuan.review.reviewing import submit_review

    add_catalog(campaign, simple_catalog({"县交通运输局": 4}))
    team(campaign)
    draw_sample(campaign, seed="7", ratio=1)
    assign(campaign, seed="7", double=0.5)  # two of the four files get a second reviewer
    std = campaign_info(campaign).standard
    wang = resolve_reviewer(campaign, "王敏")
    for row in list_assigned(campaign, wang.id):
        st = open_review(campaign, row.case_id, wang.id)
        for item in std.items_for("行政处罚"):
            st = save_answer(campaign, st.review_id, wang.id, StoredAnswer(item.id, "符合"))
        st = save_answer(campaign, st.review_id, wang.id, StoredAnswer("ZT-06", "扣分", 2.0, note="未签名"))
        submit_review(campaign, st.review_id, wang.id)
    with campaign.session() as s:
        doubles = {cid for cid, n in s.execute(select(m.Assignment.case_id, func.count()).group_by(m.Assignment.case_id)) if n == 2}
    mine = {r.case_id for r in list_assigned(campaign, wang.id)}
    a = campaign_status(campaign).agencies[0]
    assert a.submitted == len(mine)
    # Files of Wang's that nobody else reviews are final; doubles wait for the second reviewer.
    assert a.final == len(mine - doubles) and a.conflicts == 0
    expected = st.result.score
    assert a.final_mean == (expected if a.final else None)


def test_double_review_only_where_two_reviewers_may_score(campaign):
    add_catalog(campaign, simple_catalog({"县甲局": 2, "县乙局": 6}))
    add_reviewer(campaign, "甲一", "县甲局")
    add_reviewer(campaign, "甲二", "县甲局")
    add_reviewer(campaign, "丙", "县司法局")
    draw_sample(campaign, seed="1", ratio=1)
    result = assign(campaign, seed="1", double=0.5)
    assert (result.new_files, result.new) == (8, 12)
    assert sorted(len(v) for v in result.by_reviewer.values()) == [4, 4, 4]
    with campaign.session() as s:
        per_case = dict(s.execute(select(m.CaseFile.case_no, func.count()).join(
            m.Assignment, m.Assignment.case_id == m.CaseFile.id).group_by(m.CaseFile.case_no)).all())
    # Only 丙 may score 县甲局's files, so none of them is double-reviewed.
    assert [per_case[f"县甲罚〔2024〕{i}号"] for i in (1, 2)] == [1, 1]
    assert sum(n == 2 for n in per_case.values()) == 4


def test_assign_again_after_a_reviewer_joins(campaign):
    add_catalog(campaign, simple_catalog({"县甲局": 10, "县乙局": 4}))
    add_reviewer(campaign, "王敏", "县司法局")
    add_reviewer(campaign, "陈立新", "律所")
    draw_sample(campaign, seed="1", ratio=1, agencies=["县甲局"])
    assert assign(campaign, seed="1").loads == {"王敏": 5, "陈立新": 5}
    add_reviewer(campaign, "李强", "县司法局")
    draw_sample(campaign, seed="1", ratio=1, agencies=["县乙局"])
    second = assign(campaign, seed="1")
    assert second.new_files == 4
    # Earlier files stay where they were; the new ones go to the least loaded.
    assert second.loads == {"李强": 4, "王敏": 5, "陈立新": 5}


def test_reads_do_not_wait_for_a_writer_and_close_folds_the_wal(tmp_path):
    import threading
    import time

    from anjuan.campaign import init_campaign

    init_campaign(tmp_path / "c.db", "锁测试").close()
    writer_db, reader_db = open_database(tmp_path / "c.db"), open_database(tmp_path / "c.db")
    holding, release = threading.Event(), threading.Event()

    def writer():
        with writer_db.session() as s:
            s.add(m.Agency(name="某局"))
            s.flush()
            holding.set()
            release.wait(10)

    t = threading.Thread(target=writer)
    t.start()
    holding.wait(5)
    start = time.monotonic()
    assert campaign_status(reader_db).agencies == []  # the uncommitted agency is not seen
    waited = time.monotonic() - start
    release.set()
    t.join()
    assert waited < 5  # a read under BEGIN IMMEDIATE would wait for the writer (busy timeout 10 s)
    writer_db.close()
    reader_db.close()
    wal = tmp_path / "c.db-wal"
    assert not wal.exists() or wal.stat().st_size == 0


def test_file_without_kind_gets_every_item(campaign):
    from anjuan.campaign import campaign_info

    add_catalog(campaign, {"县甲局": [("甲〔2024〕1号", "")]})
    add_reviewer(campaign, "王敏", "县司法局")
    draw_sample(campaign, seed="1", ratio=1)
    assign(campaign, seed="1")
    std = campaign_info(campaign).standard
    wang = resolve_reviewer(campaign, "王敏")
    st = open_review(campaign, list_assigned(campaign, wang.id)[0].case_id, wang.id)
    assert len(st.result.unanswered) == len(std.items)  # nothing skipped silently
    kind_specific = next(i for i in std.items if i.applies_to)
    st = save_answer(campaign, st.review_id, wang.id, StoredAnswer(kind_specific.id, "不适用"))
    assert st.answers[kind_specific.id].verdict == "不适用"
