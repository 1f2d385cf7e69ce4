"""agreement_from_counts (the database counts verdict pairs) gives exactly agreement()'s figures."""

from __future__ import annotations

from collections import Counter

from hypothesis import given, settings
from hypothesis import strategies as st

from scoring.agreement import ReviewPair, agreement, agreement_from_counts

VERDICTS = st.sampled_from(["符合", "扣分", "不适用", "否决"])
ANSWERS = st.dictionaries(st.sampled_from([f"I{i}" for i in range(8)]), VERDICTS, max_size=8)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(ANSWERS, ANSWERS, st.floats(0, 100), st.floats(0, 100)), max_size=12))
def test_counts_give_the_same_figures(files):
    pairs = [ReviewPair(str(i), a, b, sa, sb) for i, (a, b, sa, sb) in enumerate(files)]
    table: Counter = Counter()
    for p in pairs:
        for item in p.verdicts_a.keys() & p.verdicts_b.keys():
            table[(p.verdicts_a[item], p.verdicts_b[item])] += 1
    assert agreement_from_counts(table, [abs(p.score_a - p.score_b) for p in pairs]) == agreement(pairs)
