"""Aggregation, ranking, problem counts (scoring/aggregate.py) and agreement (scoring/agreement.py).

Cases are scored for real against tests/data/standards/small.toml (see test_score.py for its
items); every expected number is worked out by hand in the comments.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from scoring import (
    DEDUCT,
    NA,
    PASS,
    VETO,
    AnswerInput,
    ReviewPair,
    ScoredCase,
    aggregate,
    agreement,
    by_kind,
    cohen_kappa,
    group_stats,
    load_standard,
    rank,
    score_case,
)

STD = load_standard((Path(__file__).parent / "data" / "standards" / "small.toml").read_text(encoding="utf-8"))
PUNISH = "行政处罚"
PERMIT = "行政许可"


def case(case_id: str, agency: str, kind: str, **verdicts) -> ScoredCase:
    """A file answered 符合 on every applicable item except those given (number = 扣分)."""
    given = {k.replace("_", "-"): v for k, v in verdicts.items()}
    answers = []
    for item in STD.items_for(kind or None):
        v = given.pop(item.id, PASS)
        if isinstance(v, (int, float)):
            answers.append(AnswerInput(item.id, DEDUCT, float(v), f"{case_id}:{item.id}"))
        else:
            answers.append(AnswerInput(item.id, v, note=f"{case_id}:{item.id}"))
    assert not given
    return ScoredCase(case_id, f"号-{case_id}", agency, kind, score_case(STD, kind or None, answers))


# Scores (行政处罚 unless said otherwise):
#   甲局: a1 100 优秀 | a2 CX-01 扣10 + WS-02 扣5 → 85 合格 | a3 ZT-01 否决 + WS-02 扣5 → 0 不合格
#   乙局: b1 ZT-03 扣10 → 90 优秀 | b2 WS-02 扣5 → 95 优秀
#   丙局: c1 100 优秀 | c2 CX-01 扣10 + WS-02 扣5 → 85 合格
#   丁局: d1 (行政许可) WS-01 扣2.5 + WS-02 扣5 → 92.5 优秀
#   戊局: e1 WS-02 扣5 → 95 优秀
CASES = [
    case("a1", "甲局", PUNISH),
    case("a2", "甲局", PUNISH, CX_01=10, WS_02=5),
    case("a3", "甲局", PUNISH, ZT_01=VETO, WS_02=5),
    case("b1", "乙局", PUNISH, ZT_03=10),
    case("b2", "乙局", PUNISH, WS_02=5),
    case("c1", "丙局", PUNISH),
    case("c2", "丙局", PUNISH, CX_01=10, WS_02=5),
    case("d1", "丁局", PERMIT, WS_01=2.5, WS_02=5),
    case("e1", "戊局", PUNISH, WS_02=5),
]


def test_case_scores_are_as_worked_out():
    assert [(c.case_id, c.score.score, c.score.grade) for c in CASES] == [
        ("a1", 100.0, "优秀"), ("a2", 85.0, "合格"), ("a3", 0.0, "不合格"),
        ("b1", 90.0, "优秀"), ("b2", 95.0, "优秀"),
        ("c1", 100.0, "优秀"), ("c2", 85.0, "合格"),
        ("d1", 92.5, "优秀"), ("e1", 95.0, "优秀"),
    ]


def test_agency_stats_by_hand():
    # 甲局: 100, 85, 0 → mean 185/3 = 61.666… → 61.67; median 85; total 185
    # grades 优秀1 合格1 不合格1 → 合格率 2/3, 优秀率 1/3
    g = group_stats(STD, "甲局", CASES[:3])
    assert (g.key, g.count, g.mean, g.median, g.min, g.max, g.total) == ("甲局", 3, 61.67, 85.0, 0.0, 100.0, 185.0)
    assert g.pass_rate == pytest.approx(2 / 3)
    assert g.excellent_rate == pytest.approx(1 / 3)
    assert g.grades == {"优秀": 1, "合格": 1, "不合格": 1}
    assert g.case_ids == ("a1", "a2", "a3")
    # categories: 主体适格 3×20 = 60 possible, nothing lost (ZT-01 is worth 0);
    # 程序合法 3×50 = 150, CX-01 lost 10 → 1/15; 文书规范 3×30 = 90, WS-02 lost 5+5 = 10 → 1/9
    assert [(c.id, c.possible, c.lost) for c in g.categories] == [
        ("subject", 60.0, 0.0), ("procedure", 150.0, 10.0), ("document", 90.0, 10.0),
    ]
    assert [c.loss_rate for c in g.categories] == [0.0, pytest.approx(1 / 15), pytest.approx(1 / 9)]
    # problems: WS-02 in a2, a3 (2 files); then ZT-01 and CX-01 once each, in checklist order
    assert [(p.item_id, p.category_id, p.count, p.vetoes, p.points_lost) for p in g.problems] == [
        ("WS-02", "document", 2, 0, 10.0),
        ("ZT-01", "subject", 1, 1, 0.0),
        ("CX-01", "procedure", 1, 0, 10.0),
    ]
    assert g.problems[0].text == "引用法条准确"
    assert g.problems[0].examples == (("a2", "a2:WS-02"), ("a3", "a3:WS-02"))


def test_even_count_median_and_rates():
    # 乙局: 90, 95 → mean 92.5, median 92.5, total 185; both 优秀
    g = group_stats(STD, "乙局", CASES[3:5])
    assert (g.count, g.mean, g.median, g.min, g.max, g.total) == (2, 92.5, 92.5, 90.0, 95.0, 185.0)
    assert (g.pass_rate, g.excellent_rate) == (1.0, 1.0)
    assert g.grades == {"优秀": 2, "合格": 0, "不合格": 0}


def test_empty_group():
    g = group_stats(STD, "空", [])
    assert (g.count, g.mean, g.median, g.min, g.max, g.total, g.pass_rate, g.excellent_rate) == (
        0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0)
    assert g.grades == {"优秀": 0, "合格": 0, "不合格": 0}
    assert g.problems == ()


def test_aggregate_by_agency_ranks_ties_together():
    # means: 戊 95 (total 95); 乙 92.5 (total 185); 丙 92.5 (total 185); 丁 92.5 (total 92.5); 甲 61.67
    # 乙 and 丙 tie on mean and total → share rank 2 (listed by key: 丙 U+4E19 before 乙 U+4E59);
    # 丁 has the same mean but a lower total → 4
    groups = aggregate(STD, CASES)
    assert [(g.key, g.rank, g.mean, g.total) for g in groups] == [
        ("戊局", 1, 95.0, 95.0),
        ("丙局", 2, 92.5, 185.0),
        ("乙局", 2, 92.5, 185.0),
        ("丁局", 4, 92.5, 92.5),
        ("甲局", 5, 61.67, 185.0),
    ]
    assert [g.count for g in groups] == [1, 2, 2, 1, 3]


def test_rank_one_two_two_four():
    base = group_stats(STD, "x", CASES[:1])
    from dataclasses import replace

    gs = [
        replace(base, key="D", mean=70.0, total=140.0),
        replace(base, key="B", mean=80.0, total=160.0),
        replace(base, key="A", mean=90.0, total=90.0),
        replace(base, key="C", mean=80.0, total=160.0),
    ]
    assert [(g.key, g.rank) for g in rank(gs)] == [("A", 1), ("B", 2), ("C", 2), ("D", 4)]
    # all equal → all first
    same = [replace(base, key=k, mean=50.0, total=100.0) for k in "zyx"]
    assert [(g.key, g.rank) for g in rank(same)] == [("x", 1), ("y", 1), ("z", 1)]
    assert rank([]) == []


def test_problem_counts_order_over_all_files():
    # WS-02: a2 a3 b2 c2 d1 e1 = 6 files, 6×5 = 30 points; CX-01: a2 c2 = 2 files, 20 points;
    # then once each in checklist order: ZT-01 (a3, veto), ZT-03 (b1, 10), WS-01 (d1, 2.5)
    [g] = aggregate(STD, CASES, key=lambda c: "全部")
    assert [(p.item_id, p.count, p.vetoes, p.points_lost) for p in g.problems] == [
        ("WS-02", 6, 0, 30.0),
        ("CX-01", 2, 0, 20.0),
        ("ZT-01", 1, 1, 0.0),
        ("ZT-03", 1, 0, 10.0),
        ("WS-01", 1, 0, 2.5),
    ]
    # at most 3 examples by default, in file order
    assert [cid for cid, _ in g.problems[0].examples] == ["a2", "a3", "b2"]
    [g1] = aggregate(STD, CASES, key=lambda c: "全部", examples=1)
    assert g1.problems[0].examples == (("a2", "a2:WS-02"),)
    # 9 files: 100 85 0 90 95 100 85 92.5 95 → total 742.5, mean 82.5, median 92.5
    assert (g.count, g.total, g.mean, g.median, g.rank) == (9, 742.5, 82.5, 92.5, 1)
    assert g.grades == {"优秀": 6, "合格": 2, "不合格": 1}
    assert g.pass_rate == pytest.approx(8 / 9)
    assert g.excellent_rate == pytest.approx(6 / 9)


def test_aggregate_by_kind():
    # 行政处罚: 100 85 0 90 95 100 85 95 → 650/8 = 81.25; sorted 0 85 85 90 95 95 100 100 → median 92.5
    # 行政许可: d1 92.5; an unlabelled file (kind "") falls under 未分类: 100
    extra = case("f1", "己局", "", CX_04=NA)
    groups = aggregate(STD, CASES + [extra], key=by_kind)
    assert [(g.key, g.rank, g.count, g.mean, g.median, g.min, g.max) for g in groups] == [
        ("未分类", 1, 1, 100.0, 100.0, 100.0, 100.0),
        ("行政许可", 2, 1, 92.5, 92.5, 92.5, 92.5),
        ("行政处罚", 3, 8, 81.25, 92.5, 0.0, 100.0),
    ]
    punish = groups[2]
    assert punish.grades == {"优秀": 5, "合格": 2, "不合格": 1}
    assert punish.pass_rate == 7 / 8
    assert punish.excellent_rate == 5 / 8
    assert punish.case_ids == ("a1", "a2", "a3", "b1", "b2", "c1", "c2", "e1")
    # 许可 file: 程序合法 nothing lost; 文书规范 7.5 of 30 = 0.25
    permit = groups[1]
    assert [(c.id, c.possible, c.lost, c.loss_rate) for c in permit.categories] == [
        ("subject", 20.0, 0.0, 0.0), ("procedure", 50.0, 0.0, 0.0), ("document", 30.0, 7.5, 0.25),
    ]


def test_by_kind_key():
    assert by_kind(CASES[0]) == "行政处罚"
    assert by_kind(ScoredCase("x", "x", "甲局", "", CASES[0].score)) == "未分类"


# --- agreement ------------------------------------------------------------------------------


def test_cohen_kappa_two_labels_by_hand():
    #            B 符合  B 扣分
    #  A 符合      6       1      | 7
    #  A 扣分      1       2      | 3
    #              7       3        n = 10
    # po = 8/10 = 0.8; pe = (7·7 + 3·3)/100 = 0.58; κ = (0.8 − 0.58)/(1 − 0.58) = 0.22/0.42 = 0.5238…
    pairs = [(PASS, PASS)] * 6 + [(PASS, DEDUCT)] + [(DEDUCT, PASS)] + [(DEDUCT, DEDUCT)] * 2
    assert cohen_kappa(pairs) == pytest.approx(0.22 / 0.42)
    assert round(cohen_kappa(pairs), 4) == 0.5238


def test_cohen_kappa_three_labels_by_hand():
    # pairs: (符合,符合)×5 (扣分,扣分)×2 (不适用,不适用)×1 (符合,扣分)×1 (扣分,不适用)×1, n = 10
    # po = 8/10 = 0.8
    # A: 符合 6, 扣分 3, 不适用 1;  B: 符合 5, 扣分 3, 不适用 2
    # pe = (6·5 + 3·3 + 1·2)/100 = 0.41;  κ = (0.8 − 0.41)/0.59 = 0.6610…
    pairs = ([(PASS, PASS)] * 5 + [(DEDUCT, DEDUCT)] * 2 + [(NA, NA)]
             + [(PASS, DEDUCT)] + [(DEDUCT, NA)])
    assert cohen_kappa(pairs) == pytest.approx(0.39 / 0.59)
    assert round(cohen_kappa(pairs), 4) == 0.661


def test_cohen_kappa_edge_cases():
    assert cohen_kappa([]) is None
    assert cohen_kappa([(PASS, PASS)] * 4) == 1.0  # one label throughout: total agreement
    # complete disagreement, balanced: po = 0, pe = (1·1 + 1·1)/4 = 0.5 → κ = −1
    assert cohen_kappa([(PASS, DEDUCT), (DEDUCT, PASS)]) == -1.0
    # agreement no better than chance: po = 0.5, pe = 0.5 → 0
    assert cohen_kappa([(PASS, PASS), (PASS, DEDUCT), (DEDUCT, PASS), (DEDUCT, DEDUCT)]) == 0.0


def test_agreement_over_files():
    # file 1: items X1..X5, A and B differ on X2 (符合/扣分); B did not answer X5 → 4 items compared
    # file 2: items Y1..Y6 (Y6 only A) → 5 items compared, differ on Y3 (扣分/不适用)
    # 9 items, 7 agree → percent 7/9
    # labels: A = 符合 X1 X2 X3 Y1 Y2, 扣分 X4 Y3 Y4, 否决 Y5
    #         B = 符合 X1 X3 Y1 Y2,    扣分 X2 X4 Y4, 不适用 Y3, 否决 Y5
    # A counts: 符合 5, 扣分 3, 否决 1;  B counts: 符合 4, 扣分 3, 不适用 1, 否决 1
    # pe = (5·4 + 3·3 + 1·1)/81 = 30/81;  κ = (7/9 − 30/81)/(1 − 30/81) = (63 − 30)/(81 − 30) = 33/51
    # scores: |96 − 92| = 4, |0 − 10| = 10 → mean 7
    p1 = ReviewPair(
        "c1",
        {"X1": PASS, "X2": PASS, "X3": PASS, "X4": DEDUCT, "X5": PASS},
        {"X1": PASS, "X2": DEDUCT, "X3": PASS, "X4": DEDUCT},
        96.0, 92.0,
    )
    p2 = ReviewPair(
        "c2",
        {"Y1": PASS, "Y2": PASS, "Y3": DEDUCT, "Y4": DEDUCT, "Y5": VETO, "Y6": PASS},
        {"Y1": PASS, "Y2": PASS, "Y3": NA, "Y4": DEDUCT, "Y5": VETO},
        0.0, 10.0,
    )
    ag = agreement([p1, p2])
    assert (ag.files, ag.items) == (2, 9)
    assert ag.percent == pytest.approx(7 / 9)
    assert ag.kappa == pytest.approx(33 / 51)
    assert ag.mean_abs_diff == 7.0


def test_agreement_rounds_mean_abs_diff_and_handles_nothing():
    # |1 − 0| + |0 − 0| + |0 − 1| = 2 over 3 files → 0.6667
    pairs = [ReviewPair(f"c{n}", {}, {}, a, b) for n, (a, b) in enumerate([(1.0, 0.0), (0.0, 0.0), (0.0, 1.0)])]
    ag = agreement(pairs)
    assert (ag.files, ag.items, ag.percent, ag.kappa, ag.mean_abs_diff) == (3, 0, None, None, 0.6667)
    empty = agreement([])
    assert (empty.files, empty.items, empty.percent, empty.kappa, empty.mean_abs_diff) == (0, 0, None, None, None)
