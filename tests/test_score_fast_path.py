"""score_case's fast path (all-符合 template adjusted for the answered items) gives exactly what
the reference loop over every item gives: the same numbers bit for bit (compared by repr, so
-0.0, int/float and NaN differences would show), the same problems, unanswered and veto order."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scoring import DEDUCT, NA, PASS, VETO, AnswerInput, load_standard, score_case
from scoring.score import _exact, _template, score_case_reference
from scoring.standard import Band, Category, Deduction, Item, Standard

DATA = Path(__file__).parents[1] / "data" / "standards"
STANDARDS = [load_standard(p.read_text(encoding="utf-8"), p.name) for p in sorted(DATA.glob("*.toml"))]
KINDS = ("行政处罚", "行政许可", "行政检查")

# dyadic values (exact sums) and values that are not (0.1, 0.3, 1/3) or not ordinary (NaN, -0.0)
EXACT_POINTS = st.sampled_from([0.0, 0.5, 1.0, 1.5, 2.0, 2.25, 3.0, 5.0, 10.0, 0.125, 1, 2, 7])
ANY_POINTS = st.one_of(EXACT_POINTS, st.sampled_from([0.1, 0.3, 0.7, 1 / 3, 2.2]),
                       st.floats(0, 30, allow_nan=False, allow_infinity=False))
DEDUCTIONS = st.one_of(
    st.sampled_from([0.0, -0.0, 0.5, 1.0, 2.0, 0.25, 3, 1, 0.1, 0.3, 0.2, 1 / 3, -1.0, 100.0, 2.0 ** 30]),
    st.floats(-5, 40, allow_nan=False, allow_infinity=False),
    st.sampled_from([float("nan"), float("inf")]),
)


@st.composite
def random_standards(draw, points=ANY_POINTS):
    n_cats = draw(st.integers(1, 4))
    categories = []
    n = 0
    for c in range(n_cats):
        items = []
        for _ in range(draw(st.integers(0, 6))):
            n += 1
            applies = draw(st.sampled_from([(), (), ("行政处罚",), ("行政许可",), ("行政处罚", "行政检查")]))
            items.append(Item(f"I{n}", f"c{c}", f"条目{n}", draw(points), veto=draw(st.booleans()),
                              bars_excellent=draw(st.booleans()), applies_to=applies,
                              deductions=(Deduction("问题", 1.0),)))
        categories.append(Category(f"c{c}", f"类别{c}", draw(st.sampled_from([10.0, 25.0, 0.3, 40.0])), tuple(items)))
    bands = draw(st.sampled_from([
        (Band("优秀", 90), Band("合格", 60), Band("不合格", 0)),
        (Band("合格", 60), Band("不合格", 0)),
        (Band("优秀", 95), Band("良好", 80), Band("合格", 70), Band("不合格", 0)),
    ]))
    return Standard("g", "生成的标准", "1", "", draw(st.sampled_from(["exclude", "full_marks"])),
                    draw(st.sampled_from(["zero", "keep"])), KINDS, bands, tuple(categories), text="",
                    schema=draw(st.sampled_from([1, 2])))


@st.composite
def answers_for(draw, std: Standard, deductions=DEDUCTIONS):
    ids = [i.id for i in std.items] + ["不存在的条目"]
    out = []
    for _ in range(draw(st.integers(0, len(ids) + 3))):  # repeats: the last answer of an item counts
        verdict = draw(st.sampled_from([PASS, DEDUCT, DEDUCT, NA, VETO, "其他"]))
        deducted = draw(deductions) if verdict == DEDUCT else draw(st.sampled_from([0.0, 0.0, 1.0]))
        out.append(AnswerInput(draw(st.sampled_from(ids)), verdict, deducted,
                               draw(st.sampled_from(["", "", "说明"])), draw(st.sampled_from(["", "第3页"]))))
    return out


def same(std: Standard, kind, answers) -> None:
    fast = score_case(std, kind, answers)
    ref = score_case_reference(std, kind, answers)
    assert repr(fast) == repr(ref)


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_fast_path_matches_reference_on_random_standards(data):
    std = data.draw(random_standards())
    kind = data.draw(st.sampled_from([*KINDS, None, "", "其他类别"]))
    same(std, kind, data.draw(answers_for(std)))


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_fast_path_matches_reference_on_exact_standards(data):
    """Standards whose points are all exact: the fast path is taken unless a deduction is not."""
    std = data.draw(random_standards(points=EXACT_POINTS))
    kind = data.draw(st.sampled_from([*KINDS, None]))
    assert _template(std, kind).exact
    same(std, kind, data.draw(answers_for(std)))


def random_answers(rnd, std: Standard) -> list[AnswerInput]:
    """answers_for's answers drawn from a seeded random generator: a packaged standard has some 60
    items, and drawing each answer through hypothesis takes most of the test's time."""
    ids = [i.id for i in std.items] + ["不存在的条目"]
    plain = [0.0, -0.0, 0.5, 1.0, 2.0, 0.25, 3, 1, 0.1, 0.3, 0.2, 1 / 3, -1.0, 100.0, 2.0 ** 30, float("nan"), float("inf")]
    out = []
    for _ in range(rnd.randint(0, len(ids) + 3)):
        verdict = rnd.choice([PASS, DEDUCT, DEDUCT, NA, VETO, "其他"])
        if verdict == DEDUCT:
            deducted = rnd.choice(plain) if rnd.random() < 0.7 else rnd.uniform(-5, 40)
        else:
            deducted = rnd.choice([0.0, 0.0, 1.0])
        out.append(AnswerInput(rnd.choice(ids), verdict, deducted, rnd.choice(["", "", "说明"]), rnd.choice(["", "第3页"])))
    return out


@pytest.mark.parametrize("std", STANDARDS, ids=lambda s: f"{s.id}-{s.version}")
@settings(max_examples=150, deadline=None)
@given(seed=st.integers(0, 2 ** 64 - 1))
def test_fast_path_matches_reference_on_packaged_standards(std, seed):
    # A generator seeded once per example (a failing example names its seed): st.randoms() would
    # make every one of the example's some 300 random calls a draw of hypothesis's own.
    rnd = random.Random(seed)
    kind = rnd.choice([*std.kinds, None])
    same(std, kind, random_answers(rnd, std))


@pytest.mark.parametrize("std", STANDARDS, ids=lambda s: f"{s.id}-{s.version}")
def test_packaged_standards_take_the_fast_path(std):
    """Otherwise the property tests above would compare the reference with itself."""
    for kind in (*std.kinds, None):
        assert _template(std, kind).exact


def test_exact_values():
    assert all(_exact(x) for x in (0, 0.0, -0.0, 1, 0.5, 2.25, 1 / 1024, 1000.75, -3.5))
    assert not any(_exact(x) for x in (0.1, 0.3, 1 / 3, 1 / 2048, float("nan"), float("inf"), 2.0 ** 20,
                                       True, "1", None))


def test_non_exact_deduction_falls_back_to_the_reference_order():
    """0.1 + 0.2 + 0.3 is not 0.3 + 0.2 + 0.1 in floating point: the reference order decides."""
    items = tuple(Item(f"I{n}", "c", "", 1.0) for n in range(6))
    std = Standard("g", "标准", "1", "", "exclude", "zero", (), (Band("合格", 60), Band("不合格", 0)),
                   (Category("c", "类别", 6.0, items),), text="")
    answers = [AnswerInput(f"I{n}", DEDUCT, d) for n, d in zip((5, 1, 3), (0.3, 0.1, 0.2), strict=True)]
    cs = score_case(std, None, answers)
    assert repr(cs) == repr(score_case_reference(std, None, answers))
    assert cs.kept == ((((((1.0 + (1 - 0.1)) + 1.0) + (1 - 0.2)) + 1.0) + (1 - 0.3)))
    assert [p.item_id for p in cs.problems] == ["I1", "I3", "I5"]
