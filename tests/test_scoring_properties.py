"""Property tests of the scoring engine over generated standards and answers (hypothesis)."""

from __future__ import annotations

import json
from dataclasses import replace

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from scoring import (
    DEDUCT,
    NA,
    PASS,
    VERDICTS,
    VETO,
    AnswerInput,
    ScoredCase,
    aggregate,
    check_standard,
    cohen_kappa,
    group_stats,
    score_case,
)

KINDS = ("行政处罚", "行政许可")
BAND_SETS = (
    None,  # default bands
    (("优秀", 90), ("合格", 60), ("不合格", 0)),
    (("优秀", 90), ("良好", 80), ("合格", 60), ("不合格", 0)),
    (("优秀", 95), ("合格", 70), ("不合格", 0)),
    (("合格", 60), ("不合格", 0)),
)

# Per test, not a profile loaded at import (that would set every other module's examples too).
SCORING = settings(deadline=None, max_examples=150)


def _split(draw, total: int, max_parts: int) -> list[int]:
    """A random composition of `total` into 1..max_parts positive integers."""
    parts = draw(st.integers(1, min(max_parts, total)))
    if parts == 1:
        return [total]
    cuts = sorted(draw(st.sets(st.integers(1, total - 1), min_size=parts - 1, max_size=parts - 1)))
    bounds = [0, *cuts, total]
    return [b - a for a, b in zip(bounds, bounds[1:], strict=False)]


def _item_toml(draw, iid: str, points: int, applies_to: tuple[str, ...] = (), veto_only: bool = False) -> str:
    veto = veto_only or draw(st.booleans())
    lines = [
        "[[categories.items]]",
        f'id = "{iid}"',
        f'text = "条目 {iid}"',
        f"points = {points}",
        f"veto = {str(veto).lower()}",
        f"bars_excellent = {str(draw(st.booleans())).lower()}",
        f"applies_to = {json.dumps(list(applies_to), ensure_ascii=False)}",
    ]
    if points > 0:
        for n in range(draw(st.integers(0, 2))):
            lines += [
                "[[categories.items.deductions]]",
                f'text = "问题 {iid}-{n}"',
                f"points = {draw(st.integers(1, points))}",
                f"per_occurrence = {str(draw(st.booleans())).lower()}",
            ]
    return "\n".join(lines) + "\n"


@st.composite
def standards(draw):
    """TOML text of a valid standard: categories summing to 100, items summing to their category
    for every kind, optional 0-point veto items, kind-specific item pairs, random policies/bands."""
    out = [
        "schema = 1",
        'id = "generated"',
        'name = "生成的标准"',
        'version = "1"',
        f'not_applicable = "{draw(st.sampled_from(["exclude", "full_marks"]))}"',
        f'veto_score = "{draw(st.sampled_from(["zero", "keep"]))}"',
        f"kinds = {json.dumps(list(KINDS), ensure_ascii=False)}",
        "",
    ]
    bands = draw(st.sampled_from(BAND_SETS))
    for name, low in bands or ():
        out += ["[[bands]]", f'name = "{name}"', f"min = {low}"]
    n = 0
    for c, cpoints in enumerate(_split(draw, 100, 4)):
        out += ["", "[[categories]]", f'id = "c{c}"', f'name = "类别{c}"', f"points = {cpoints}", ""]
        if draw(st.booleans()):
            n += 1
            out.append(_item_toml(draw, f"V{n}", 0, veto_only=True))
        for ipoints in _split(draw, cpoints, 4):
            n += 1
            if draw(st.integers(0, 3)) == 0:
                # the same points split by kind: one item for 处罚 files, one for 许可 files
                out.append(_item_toml(draw, f"P{n}", ipoints, ("行政处罚",)))
                out.append(_item_toml(draw, f"L{n}", ipoints, ("行政许可",)))
            else:
                out.append(_item_toml(draw, f"I{n}", ipoints))
    return "\n".join(out) + "\n"


@st.composite
def standard_kind_answers(draw, verdicts=VERDICTS, allow_missing=True):
    text = draw(standards())
    std, problems = check_standard(text)
    assert problems == [], [str(p) for p in problems]
    kind = draw(st.sampled_from([*KINDS, None]))
    answers = []
    for item in std.items_for(kind):
        choices = [v for v in verdicts if v != VETO or item.veto]
        if allow_missing:
            choices.append("missing")
        v = draw(st.sampled_from(choices))
        if v == "missing":
            continue
        deducted = draw(st.floats(0, 2 * item.points + 1, allow_nan=False)) if v == DEDUCT else 0.0
        answers.append(AnswerInput(item.id, v, deducted))
    return std, kind, answers


def grade_index(std, grade: str) -> int:
    return [b.name for b in std.bands].index(grade)


@SCORING
@given(standard_kind_answers())
def test_score_within_0_and_100_and_consistent(data):
    std, kind, answers = data
    cs = score_case(std, kind, answers)
    assert 0.0 <= cs.score <= 100.0
    assert cs.grade in [b.name for b in std.bands]
    assert 0.0 <= cs.kept <= cs.possible + 1e-9
    assert cs.answered + len(cs.unanswered) == cs.applicable == len(std.items_for(kind))
    assert abs(sum(c.possible for c in cs.categories) - cs.possible) < 1e-6
    assert abs(sum(c.lost for c in cs.categories) - (cs.possible - cs.kept)) < 1e-3
    for c in cs.categories:
        assert 0.0 <= c.lost <= c.possible + 1e-9
        assert 0.0 <= c.loss_rate <= 1.0 + 1e-9
    if cs.vetoed:
        assert cs.grade == std.fail_band.name
        if std.veto_score == "zero":
            assert cs.score == 0.0
    elif cs.possible > 0:
        assert cs.score == round(100 * cs.kept / cs.possible, 2)
    for p in cs.problems:
        assert 0.0 <= p.deducted <= std.item(p.item_id).points


@SCORING
@given(standard_kind_answers(), st.data())
def test_more_deductions_never_raise_score_or_grade(data, more):
    std, kind, answers = data
    before = score_case(std, kind, answers)
    by_item = {a.item_id: a for a in answers}
    worse = []
    for item in std.items_for(kind):
        a = by_item.get(item.id)
        if a is None or a.verdict in (PASS, DEDUCT):
            extra = more.draw(st.floats(0, item.points + 1, allow_nan=False))
            base = a.deducted if a is not None and a.verdict == DEDUCT else 0.0
            worse.append(AnswerInput(item.id, DEDUCT, base + extra))
        else:
            worse.append(a)  # 不适用 / 否决 unchanged
    after = score_case(std, kind, worse)
    assert after.score <= before.score
    assert grade_index(std, after.grade) >= grade_index(std, before.grade)
    assert after.kept <= before.kept + 1e-9


@SCORING
@given(standard_kind_answers(verdicts=(PASS, NA)), st.data())
def test_not_applicable_never_lowers_a_perfect_score(data, more):
    std, kind, answers = data
    before = score_case(std, kind, answers)
    assert before.score == 100.0  # no deductions, no vetoes
    items = std.items_for(kind)
    assume(items)
    chosen = more.draw(st.sets(st.sampled_from([i.id for i in items]), min_size=1))
    by_item = {a.item_id: a for a in answers}
    for iid in chosen:
        by_item[iid] = AnswerInput(iid, NA)
    after = score_case(std, kind, list(by_item.values()))
    assert after.score == 100.0
    assert after.grade == before.grade == std.grade_for(100.0)


@SCORING
@given(standard_kind_answers())
def test_aggregating_a_single_case_gives_that_case(data):
    std, kind, answers = data
    cs = score_case(std, kind, answers)
    sc = ScoredCase("c1", "1号", "甲局", kind or "", cs)
    [g] = aggregate(std, [sc])
    assert g == replace(group_stats(std, "甲局", [sc]), rank=1)
    assert (g.key, g.count, g.rank) == ("甲局", 1, 1)
    assert g.mean == g.median == g.min == g.max == g.total == cs.score
    assert g.grades == {b.name: int(b.name == cs.grade) for b in std.bands}
    assert g.pass_rate == (0.0 if cs.grade == std.fail_band.name else 1.0)
    assert g.excellent_rate == (1.0 if cs.grade == std.top_band.name else 0.0)
    assert [(c.id, c.possible, c.lost) for c in g.categories] == [(c.id, c.possible, c.lost) for c in cs.categories]
    assert sorted(p.item_id for p in g.problems) == sorted(p.item_id for p in cs.problems)
    assert all(p.count == 1 for p in g.problems)
    assert sum(p.vetoes for p in g.problems) == len(cs.veto_items)
    assert g.case_ids == ("c1",)


@SCORING
@given(standards())
def test_generated_standards_validate_and_round_trip(text):
    std, problems = check_standard(text)
    assert problems == []
    d = json.loads(json.dumps(std.to_dict(), ensure_ascii=False))
    assert [i["id"] for c in d["categories"] for i in c["items"]] == [i.id for i in std.items]
    assert sum(c["points"] for c in d["categories"]) == 100
    for kind in KINDS:
        assert sum(i.points for i in std.items_for(kind)) == 100


LABELS = st.sampled_from(list(VERDICTS))


@SCORING
@given(st.lists(st.tuples(LABELS, LABELS), max_size=60))
def test_kappa_within_minus_one_and_one(pairs):
    k = cohen_kappa(pairs)
    if not pairs:
        assert k is None
        return
    assert -1.0 <= k <= 1.0
    if all(a == b for a, b in pairs):
        assert k == 1.0


@SCORING
@given(st.lists(st.tuples(LABELS, LABELS), min_size=1, max_size=60))
def test_kappa_is_symmetric(pairs):
    assert abs(cohen_kappa(pairs) - cohen_kappa([(b, a) for a, b in pairs])) < 1e-12


# ---------------------------------------------------------------- schema 2 (category weights)

@st.composite
def standards_v2(draw):
    """TOML text of a valid schema-2 standard: category weights summing to 100, items with any
    positive points per kind (every kind scored in every category), veto items without points."""
    out = [
        "schema = 2", 'id = "generated-v2"', 'name = "生成的权重标准"', 'version = "2"',
        f'not_applicable = "{draw(st.sampled_from(["exclude", "full_marks"]))}"',
        f'veto_score = "{draw(st.sampled_from(["zero", "keep"]))}"',
        f"kinds = {json.dumps(list(KINDS), ensure_ascii=False)}", "",
    ]
    n = 0

    def scored(iid: str, applies: tuple[str, ...]) -> str:
        points = draw(st.integers(1, 10))
        lines = ["[[categories.items]]", f'id = "{iid}"', f'text = "条目 {iid}"', f"points = {points}",
                 f"bars_excellent = {str(draw(st.booleans())).lower()}",
                 f"applies_to = {json.dumps(list(applies), ensure_ascii=False)}"]
        for k in range(draw(st.integers(1, 2))):
            lines += ["[[categories.items.deductions]]", f'text = "问题 {iid}-{k}"',
                      f"points = {draw(st.integers(1, points))}", f"per_occurrence = {str(draw(st.booleans())).lower()}"]
        return "\n".join(lines) + "\n"

    for c, weight in enumerate(_split(draw, 100, 4)):
        out += ["", "[[categories]]", f'id = "c{c}"', f'name = "类别{c}"', f"points = {weight}", ""]
        if draw(st.booleans()):
            n += 1
            out.append(f'[[categories.items]]\nid = "V{n}"\ntext = "否决 {n}"\npoints = 0\nveto = true\nveto_text = "否决情形 {n}"\n')
        for kinds in (("行政处罚",), ("行政许可",)) if draw(st.booleans()) else ((),):
            for _ in range(draw(st.integers(1, 3))):
                n += 1
                out.append(scored(f"I{n}", kinds))
    return "\n".join(out) + "\n"


@st.composite
def weighted_kind_answers(draw, verdicts=VERDICTS):
    std, problems = check_standard(draw(standards_v2()))
    assert problems == [], [str(p) for p in problems]
    assert std.weighted
    kind = draw(st.sampled_from(KINDS))
    answers = []
    for item in std.items_for(kind):
        v = draw(st.sampled_from([v for v in verdicts if v != VETO or item.veto] + ["missing"]))
        if v != "missing":
            answers.append(AnswerInput(item.id, v, draw(st.floats(0, 2 * item.points + 1, allow_nan=False)) if v == DEDUCT else 0.0))
    return std, kind, answers


@SCORING
@given(weighted_kind_answers())
def test_weighted_score_is_the_weighted_mean_of_category_shares(data):
    std, kind, answers = data
    cs = score_case(std, kind, answers)
    assert 0.0 <= cs.score <= 100.0
    weights = {c.id: c.points for c in std.categories}
    shares = [(weights[c.id], (c.possible - c.lost) / c.possible) for c in cs.categories if c.possible > 1e-9]
    expected = 100.0 * sum(w * s for w, s in shares) / sum(w for w, _ in shares) if shares else 100.0
    if cs.vetoed:
        assert cs.grade == std.fail_band.name
        if std.veto_score == "zero":
            assert cs.score == 0.0
            return
    assert abs(cs.score - round(expected, 2)) < 0.011


@SCORING
@given(weighted_kind_answers(), st.data())
def test_weighted_more_deductions_never_raise_score(data, more):
    std, kind, answers = data
    before = score_case(std, kind, answers)
    by_item = {a.item_id: a for a in answers}
    worse = []
    for item in std.items_for(kind):
        a = by_item.get(item.id)
        if a is None or a.verdict in (PASS, DEDUCT):
            base = a.deducted if a is not None and a.verdict == DEDUCT else 0.0
            worse.append(AnswerInput(item.id, DEDUCT, base + more.draw(st.floats(0, item.points + 1, allow_nan=False))))
        else:
            worse.append(a)
    after = score_case(std, kind, worse)
    assert after.score <= before.score
    assert grade_index(std, after.grade) >= grade_index(std, before.grade)
