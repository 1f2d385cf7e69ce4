"""Scoring one file (scoring/score.py), with every number worked out by hand.

tests/data/standards/small.toml, items and points:
    主体适格 subject 20:   ZT-01 0 (veto)   ZT-02 10 (扣4)   ZT-03 10 (扣10)
    程序合法 procedure 50: CX-01 20 (每处扣5)  CX-02 20 (仅处罚)  CX-03 20 (仅许可)  CX-04 10 (bars_excellent, 扣2)
    文书规范 document 30:  WS-01 15 (扣3)   WS-02 15 (扣5)
A 行政处罚 file is scored on everything but CX-03 (100 points), a 行政许可 file on everything but
CX-02 (100 points). Bands: 优秀 ≥90, 合格 ≥60, 不合格 <60.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from scoring import DEDUCT, NA, PASS, VETO, AnswerInput, grade_of, load_standard, score_case
from scoring.score import Problem, clamp_deduction

SMALL = Path(__file__).parent / "data" / "standards" / "small.toml"
PUNISH = "行政处罚"
PERMIT = "行政许可"


def small(*replacements: tuple[str, str]):
    """small.toml, optionally with text replacements (each must hit exactly once)."""
    text = SMALL.read_text(encoding="utf-8")
    for old, new in replacements:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    return load_standard(text)


STD = small()
FULL_MARKS = small(('not_applicable = "exclude"', 'not_applicable = "full_marks"'))
KEEP = small(('veto_score = "zero"', 'veto_score = "keep"'))


def answers(std, kind, **verdicts):
    """Answers for every item that applies to `kind`: 符合 unless given.

    A value is a verdict string, a number (扣分 of that many points) or an AnswerInput.
    Keyword names use '_' for '-' (ZT_02 → ZT-02).
    """
    given = {k.replace("_", "-"): v for k, v in verdicts.items()}
    out = []
    for item in std.items_for(kind):
        v = given.pop(item.id, PASS)
        if isinstance(v, AnswerInput):
            out.append(v)
        elif isinstance(v, (int, float)):
            out.append(AnswerInput(item.id, DEDUCT, float(v)))
        else:
            out.append(AnswerInput(item.id, v))
    assert not given, f"items not applicable to {kind}: {given}"
    return out


def cats(cs):
    return [(c.id, c.possible, c.lost) for c in cs.categories]


# --- plain scores -----------------------------------------------------------------------------


def test_all_pass_is_100():
    cs = score_case(STD, PUNISH, answers(STD, PUNISH))
    assert (cs.score, cs.grade, cs.vetoed, cs.excellent_barred) == (100.0, "优秀", False, False)
    assert (cs.possible, cs.kept, cs.applicable, cs.answered) == (100.0, 100.0, 8, 8)
    assert cs.unanswered == () and cs.complete
    assert cs.problems == () and cs.veto_items == ()
    assert cats(cs) == [("subject", 20.0, 0.0), ("procedure", 50.0, 0.0), ("document", 30.0, 0.0)]


def test_one_deduction():
    # ZT-02 扣 4: 96/100 = 96.0 → 优秀; 主体适格 lost 4 of 20 = 20%
    a = answers(STD, PUNISH, ZT_02=AnswerInput("ZT-02", DEDUCT, 4, "未出示执法证件", "第3页"))
    cs = score_case(STD, PUNISH, a)
    assert (cs.score, cs.grade) == (96.0, "优秀")
    assert (cs.possible, cs.kept) == (100.0, 96.0)
    assert cs.problems == (Problem("ZT-02", "subject", DEDUCT, 4.0, "未出示执法证件", "第3页"),)
    assert cats(cs) == [("subject", 20.0, 4.0), ("procedure", 50.0, 0.0), ("document", 30.0, 0.0)]
    assert cs.categories[0].loss_rate == pytest.approx(0.2)
    assert cs.categories[1].loss_rate == 0.0


def test_several_deductions_and_category_loss_rates():
    # CX-01 两处未载明日期 2×5 = 10, WS-02 扣 5: 100 - 15 = 85/100 = 85.0 → 合格
    # 程序合法 10/50 = 0.2, 文书规范 5/30 = 0.1667
    cs = score_case(STD, PUNISH, answers(STD, PUNISH, CX_01=10, WS_02=5))
    assert (cs.score, cs.grade) == (85.0, "合格")
    assert cats(cs) == [("subject", 20.0, 0.0), ("procedure", 50.0, 10.0), ("document", 30.0, 5.0)]
    assert [c.loss_rate for c in cs.categories] == [0.0, pytest.approx(0.2), pytest.approx(5 / 30)]
    assert [(p.item_id, p.deducted) for p in cs.problems] == [("CX-01", 10.0), ("WS-02", 5.0)]


@pytest.mark.parametrize("lost, score, grade", [
    ({"ZT_03": 10}, 90.0, "优秀"),                         # 90/100: exactly the 优秀 bound
    ({"ZT_03": 10, "WS_01": 0.5}, 89.5, "合格"),           # just below
    ({"CX_02": 20, "CX_01": 20}, 60.0, "合格"),            # exactly the 合格 bound
    ({"CX_02": 20, "CX_01": 20, "WS_01": 1}, 59.0, "不合格"),
    ({"CX_01": 20, "CX_02": 20, "ZT_03": 10, "WS_01": 15, "WS_02": 15, "ZT_02": 10, "CX_04": 10}, 0.0, "不合格"),
])
def test_band_bounds(lost, score, grade):
    cs = score_case(STD, PUNISH, answers(STD, PUNISH, **lost))
    assert (cs.score, cs.grade) == (score, grade)


def test_score_is_rounded_to_two_decimals():
    # 行政处罚, CX-02 (20) and CX-04 (10) 不适用, WS-02 扣 5, WS-01 扣 3:
    # possible 100 - 30 = 70, kept 70 - 8 = 62 → 88.571… → 88.57 → 合格
    cs = score_case(STD, PUNISH, answers(STD, PUNISH, CX_02=NA, CX_04=NA, WS_02=5, WS_01=3))
    assert (cs.possible, cs.kept) == (70.0, 62.0)
    assert (cs.score, cs.grade) == (88.57, "合格")


# --- 不适用: exclude vs full_marks ----------------------------------------------------------


def test_na_excluded_from_numerator_and_denominator():
    # WS-01 不适用 (15 out), WS-02 扣 5: kept 80 of 85 → 94.1176… → 94.12 → 优秀
    # 文书规范: possible 15, lost 5 → 1/3
    cs = score_case(STD, PUNISH, answers(STD, PUNISH, WS_01=NA, WS_02=5))
    assert (cs.possible, cs.kept) == (85.0, 80.0)
    assert (cs.score, cs.grade) == (94.12, "优秀")
    assert cats(cs)[2] == ("document", 15.0, 5.0)
    assert cs.categories[2].loss_rate == pytest.approx(1 / 3)
    assert cs.answered == 8  # 不适用 is an answer


def test_na_full_marks():
    # same answers, not_applicable = "full_marks": WS-01 counts 15/15: kept 95 of 100 → 95.0
    cs = score_case(FULL_MARKS, PUNISH, answers(FULL_MARKS, PUNISH, WS_01=NA, WS_02=5))
    assert (cs.possible, cs.kept) == (100.0, 95.0)
    assert (cs.score, cs.grade) == (95.0, "优秀")
    assert cats(cs)[2] == ("document", 30.0, 5.0)


def test_na_policy_can_change_the_grade():
    # CX-02 不适用, CX-01 扣 10:
    #   exclude:    kept 70 of 80  → 87.5 → 合格
    #   full_marks: kept 90 of 100 → 90.0 → 优秀
    ex = score_case(STD, PUNISH, answers(STD, PUNISH, CX_02=NA, CX_01=10))
    fm = score_case(FULL_MARKS, PUNISH, answers(FULL_MARKS, PUNISH, CX_02=NA, CX_01=10))
    assert (ex.score, ex.grade) == (87.5, "合格")
    assert (fm.score, fm.grade) == (90.0, "优秀")


def test_everything_not_applicable_scores_100():
    std = STD
    a = [AnswerInput(i.id, NA) for i in std.items_for(PUNISH)]
    cs = score_case(std, PUNISH, a)
    assert (cs.possible, cs.kept, cs.score, cs.grade) == (0.0, 0.0, 100.0, "优秀")
    assert [c.loss_rate for c in cs.categories] == [0.0, 0.0, 0.0]


# --- 否决 -----------------------------------------------------------------------------------


def test_veto_zero():
    # ZT-01 否决 (0-point veto item), veto_score = "zero" → 0.0, 不合格
    a = answers(STD, PUNISH, ZT_01=AnswerInput("ZT-01", VETO, note="超越职权"), ZT_02=4)
    cs = score_case(STD, PUNISH, a)
    assert (cs.score, cs.grade, cs.vetoed) == (0.0, "不合格", True)
    assert cs.veto_items == ("ZT-01",)
    assert (cs.possible, cs.kept) == (100.0, 96.0)  # the points are still what they were
    assert cs.problems == (
        Problem("ZT-01", "subject", VETO, 0.0, "超越职权", ""),
        Problem("ZT-02", "subject", DEDUCT, 4.0, "", ""),
    )


def test_veto_keep():
    # same answers, veto_score = "keep": 96/100 kept → 96.0, but graded 不合格
    a = answers(KEEP, PUNISH, ZT_01=VETO, ZT_02=4)
    cs = score_case(KEEP, PUNISH, a)
    assert (cs.score, cs.grade, cs.vetoed) == (96.0, "不合格", True)
    assert cs.veto_items == ("ZT-01",)


def test_veto_on_item_with_points_loses_them_when_kept():
    # ZT-02 made a 10-point veto item. 否决 on it:
    #   zero: 0.0;  keep: 90/100 = 90.0 but 不合格
    zero = small(('id = "ZT-02"\ntext = "执法人员具有执法资格并出示证件"\npoints = 10',
                  'id = "ZT-02"\ntext = "执法人员具有执法资格并出示证件"\npoints = 10\nveto = true'))
    keep = small(('id = "ZT-02"\ntext = "执法人员具有执法资格并出示证件"\npoints = 10',
                  'id = "ZT-02"\ntext = "执法人员具有执法资格并出示证件"\npoints = 10\nveto = true'),
                 ('veto_score = "zero"', 'veto_score = "keep"'))
    z = score_case(zero, PUNISH, answers(zero, PUNISH, ZT_02=VETO))
    k = score_case(keep, PUNISH, answers(keep, PUNISH, ZT_02=VETO))
    assert (z.score, z.grade) == (0.0, "不合格")
    assert (k.score, k.grade, k.kept) == (90.0, "不合格", 90.0)
    assert k.problems == (Problem("ZT-02", "subject", VETO, 10.0, "", ""),)
    assert cats(k)[0] == ("subject", 20.0, 10.0)


def test_veto_answer_on_non_veto_item_does_not_veto_the_file():
    cs = score_case(STD, PUNISH, answers(STD, PUNISH, WS_01=VETO))
    assert cs.vetoed is False
    assert cs.veto_items == ()
    assert cs.grade != "不合格"


# --- 扣完为止 --------------------------------------------------------------------------------


def test_clamp_deduction_function():
    item = STD.item("CX-01")  # 20 points
    assert clamp_deduction(item, 25) == 20.0
    assert clamp_deduction(item, 20) == 20.0
    assert clamp_deduction(item, 7.5) == 7.5
    assert clamp_deduction(item, -3) == 0.0


def test_per_occurrence_deductions_stop_at_item_points():
    # CX-01 每处扣 5, 五处 = 25 > 20 → 扣 20 (扣完为止): 80/100 → 80.0 合格
    cs = score_case(STD, PUNISH, answers(STD, PUNISH, CX_01=25))
    assert (cs.score, cs.grade, cs.kept) == (80.0, "合格", 80.0)
    assert cs.problems == (Problem("CX-01", "procedure", DEDUCT, 20.0, "", ""),)
    assert cats(cs)[1] == ("procedure", 50.0, 20.0)


def test_many_oversized_deductions_never_go_negative():
    # every item 扣 999 → every item loses exactly its points → 0/100 = 0.0, never negative
    a = answers(STD, PUNISH, **{i.id.replace("-", "_"): 999 for i in STD.items_for(PUNISH)})
    cs = score_case(STD, PUNISH, a)
    assert (cs.score, cs.kept, cs.possible) == (0.0, 0.0, 100.0)
    assert cats(cs) == [("subject", 20.0, 20.0), ("procedure", 50.0, 50.0), ("document", 30.0, 30.0)]
    # the 0-point veto item ZT-01 cannot lose anything, so it is not a problem
    assert [p.item_id for p in cs.problems] == ["ZT-02", "ZT-03", "CX-01", "CX-02", "CX-04", "WS-01", "WS-02"]


def test_negative_deduction_is_zero_and_note_only_deduction_is_recorded():
    cs = score_case(STD, PUNISH, answers(STD, PUNISH, WS_01=-3))
    assert (cs.score, cs.problems) == (100.0, ())
    a = answers(STD, PUNISH, WS_01=AnswerInput("WS-01", DEDUCT, 0, "编号格式轻微瑕疵"))
    cs = score_case(STD, PUNISH, a)
    assert cs.score == 100.0
    assert cs.problems == (Problem("WS-01", "document", DEDUCT, 0.0, "编号格式轻微瑕疵", ""),)


# --- bars_excellent -------------------------------------------------------------------------


def test_bars_excellent_caps_grade():
    # CX-04 扣 2: 98.0 would be 优秀, but CX-04 bars excellence → 合格
    cs = score_case(STD, PUNISH, answers(STD, PUNISH, CX_04=2))
    assert (cs.score, cs.grade, cs.excellent_barred) == (98.0, "合格", True)


def test_same_loss_elsewhere_stays_excellent():
    # WS-01 扣 2 → 98.0 优秀 (WS-01 does not bar excellence)
    cs = score_case(STD, PUNISH, answers(STD, PUNISH, WS_01=2))
    assert (cs.score, cs.grade, cs.excellent_barred) == (98.0, "优秀", False)


def test_bars_excellent_without_loss_does_not_bar():
    cs = score_case(STD, PUNISH, answers(STD, PUNISH, CX_04=0))
    assert (cs.score, cs.grade, cs.excellent_barred) == (100.0, "优秀", False)
    cs = score_case(STD, PUNISH, answers(STD, PUNISH, CX_04=NA))
    assert (cs.score, cs.grade, cs.excellent_barred) == (100.0, "优秀", False)


def test_bars_excellent_does_not_lower_a_lower_grade():
    # CX-04 扣 2 + CX-01 扣 10 → 88.0, already 合格: stays 合格; 50 lost → 50.0 stays 不合格
    cs = score_case(STD, PUNISH, answers(STD, PUNISH, CX_04=2, CX_01=10))
    assert (cs.score, cs.grade, cs.excellent_barred) == (88.0, "合格", True)
    cs = score_case(STD, PUNISH, answers(STD, PUNISH, CX_04=10, CX_01=20, CX_02=20))
    assert (cs.score, cs.grade) == (50.0, "不合格")


BANDS = '[[bands]]\nname = "优秀"\nmin = 90\n[[bands]]\nname = "合格"\nmin = 60\n[[bands]]\nname = "不合格"\nmin = 0\n'


def test_added_good_band_and_barring_drops_to_it():
    std = small((BANDS, '[[bands]]\nname = "优秀"\nmin = 90\n[[bands]]\nname = "良好"\nmin = 80\n'
                        '[[bands]]\nname = "合格"\nmin = 60\n[[bands]]\nname = "不合格"\nmin = 0\n'))
    assert [b.name for b in std.bands] == ["优秀", "良好", "合格", "不合格"]
    # 98 barred → 良好 (the band below the top); 85 → 良好; 75 → 合格; 95 → 优秀
    assert score_case(std, PUNISH, answers(std, PUNISH, CX_04=2)).grade == "良好"
    assert score_case(std, PUNISH, answers(std, PUNISH, CX_01=15)).grade == "良好"
    assert score_case(std, PUNISH, answers(std, PUNISH, CX_01=20, WS_01=5)).grade == "合格"
    assert score_case(std, PUNISH, answers(std, PUNISH, WS_02=5)).grade == "优秀"


def test_moved_bounds():
    std = small((BANDS, '[[bands]]\nname = "优秀"\nmin = 95\n[[bands]]\nname = "合格"\nmin = 70\n'
                        '[[bands]]\nname = "不合格"\nmin = 0\n'))
    # 92 → 合格 (优秀 needs 95); 70 → 合格; 69 → 不合格
    assert score_case(std, PUNISH, answers(std, PUNISH, ZT_02=4, ZT_03=4)).grade == "合格"
    assert score_case(std, PUNISH, answers(std, PUNISH, CX_01=20, ZT_03=10)).grade == "合格"
    assert score_case(std, PUNISH, answers(std, PUNISH, CX_01=20, ZT_03=10, WS_01=1)).grade == "不合格"


def test_bars_excellent_with_two_bands_never_fails_a_file():
    # Only 合格 ≥60 / 不合格: there is no 优秀 to take away, so 98 with a CX-04 defect stays 合格.
    std = small((BANDS, '[[bands]]\nname = "合格"\nmin = 60\n[[bands]]\nname = "不合格"\nmin = 0\n'))
    cs = score_case(std, PUNISH, answers(std, PUNISH, CX_04=2))
    assert (cs.score, cs.grade, cs.excellent_barred) == (98.0, "合格", True)


def test_grade_of():
    assert grade_of(STD, 95.0) == "优秀"
    assert grade_of(STD, 95.0, barred=True) == "合格"
    assert grade_of(STD, 95.0, vetoed=True) == "不合格"
    assert grade_of(STD, 70.0, barred=True) == "合格"
    assert grade_of(STD, 30.0) == "不合格"


# --- kinds ----------------------------------------------------------------------------------


def test_permit_file_uses_permit_items_and_ignores_others():
    # 行政许可: CX-03 扣 10 → 90/100 = 90.0 优秀; an answer for CX-02 (处罚 only) is ignored
    a = answers(STD, PERMIT, CX_03=10) + [AnswerInput("CX-02", DEDUCT, 20)]
    cs = score_case(STD, PERMIT, a)
    assert (cs.score, cs.grade, cs.applicable, cs.answered) == (90.0, "优秀", 8, 8)
    assert [p.item_id for p in cs.problems] == ["CX-03"]
    assert cats(cs)[1] == ("procedure", 50.0, 10.0)


def test_punishment_file_ignores_permit_item():
    a = answers(STD, PUNISH) + [AnswerInput("CX-03", DEDUCT, 10)]
    cs = score_case(STD, PUNISH, a)
    assert (cs.score, cs.applicable, cs.problems) == (100.0, 8, ())


def test_no_kind_uses_every_item():
    # kind None: all 9 items, 120 points; CX-03 扣 10 → 110/120 = 91.666… → 91.67 优秀
    cs = score_case(STD, None, answers(STD, None, CX_03=10))
    assert (cs.possible, cs.kept, cs.applicable) == (120.0, 110.0, 9)
    assert (cs.score, cs.grade) == (91.67, "优秀")
    assert cats(cs)[1] == ("procedure", 70.0, 10.0)


# --- unanswered (draft preview) -------------------------------------------------------------


def test_unanswered_items_count_as_kept_and_are_listed():
    # answered: ZT-02 扣 4, WS-01 不适用. The other six count as full marks:
    # possible 100 - 15 = 85, kept 85 - 4 = 81 → 95.294… → 95.29
    a = [AnswerInput("ZT-02", DEDUCT, 4), AnswerInput("WS-01", NA)]
    cs = score_case(STD, PUNISH, a)
    assert cs.unanswered == ("ZT-01", "ZT-03", "CX-01", "CX-02", "CX-04", "WS-02")
    assert (cs.answered, cs.applicable, cs.complete) == (2, 8, False)
    assert (cs.possible, cs.kept) == (85.0, 81.0)
    assert (cs.score, cs.grade) == (95.29, "优秀")


def test_no_answers_at_all():
    cs = score_case(STD, PERMIT, [])
    assert (cs.score, cs.grade, cs.answered, cs.possible) == (100.0, "优秀", 0, 100.0)
    assert cs.unanswered == tuple(i.id for i in STD.items_for(PERMIT))
    assert len(cs.unanswered) == 8


def test_answers_for_items_of_another_kind_do_not_complete_a_file():
    a = answers(STD, PUNISH)
    cs = score_case(STD, PERMIT, a)  # CX-02's answer does not count; CX-03 is missing
    assert cs.unanswered == ("CX-03",)
    assert (cs.answered, cs.complete) == (7, False)
