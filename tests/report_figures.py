"""Comparing a bulletin's JSON with a golden one by its figures.

The bulletin's wording was rewritten after the goldens were made (problems stated as problems, 草稿
marks, annex numbers, vetoes first, other agencies' parties masked in titles) and the JSON gained
fields; its figures were not to change. `figures(got, schema(golden))` keeps only the golden's keys, so every value the golden holds must be there unchanged, except the prose fields named
in PROSE; lists of records are compared as sets (their order is presentation), an agency's
problems per checklist item.
"""

from __future__ import annotations

import json

PROSE = {"note", "requirements", "file_stem", "title"}


def schema(value):
    """The keys a JSON value has, merged over all elements of each list."""
    if isinstance(value, dict):
        return {k: schema(v) for k, v in value.items()}
    if isinstance(value, list):
        merged: dict | None = None
        for v in value:
            sv = schema(v)
            merged = sv if merged is None else _merge(merged, sv)
        return [merged]
    return None


def _merge(a, b):
    if isinstance(a, dict) and isinstance(b, dict):
        return {k: _merge(a.get(k), b.get(k)) if k in a and k in b else a.get(k, b.get(k)) for k in a | b}
    if isinstance(a, list) and isinstance(b, list):
        return [_merge(a[0], b[0]) if a[0] is not None and b[0] is not None else a[0] or b[0]]
    return a if a is not None else b


def figures(value, like):
    """`value` cut to the schema `like` (keys it does not have dropped), prose fields left out,
    lists of records sorted."""
    if isinstance(like, dict) and isinstance(value, dict):
        return {k: _by_item(value[k], like[k]) if k == "problems" else figures(value[k], like[k])
                for k in like if k not in PROSE and k in value}
    if isinstance(like, list) and isinstance(value, list):
        items = [figures(v, like[0]) for v in value]
        if all(isinstance(x, dict) for x in items):
            items.sort(key=lambda x: json.dumps(x, ensure_ascii=False, sort_keys=True))
        return items
    return value


def _by_item(problems, like):
    """An agency's problems per checklist item: the bulletin now lists one entry per problem
    wording, so one item may stand in several entries; the points lost and the files are the figures."""
    if not isinstance(problems, list) or not like or not isinstance(like[0], dict):
        return figures(problems, like)
    out: dict[str, dict] = {}
    for p in problems:
        entry = out.setdefault(p["item_id"], {"points_lost": 0.0, "occurrences": []})
        entry["points_lost"] = round(entry["points_lost"] + p.get("points_lost", 0.0), 6)
        entry["occurrences"] += figures(p.get("occurrences", []), like[0].get("occurrences", [None]))
    for entry in out.values():
        entry["occurrences"].sort(key=lambda x: json.dumps(x, ensure_ascii=False, sort_keys=True))
    return out


def assert_same_figures(got_json: bytes | str, golden_json: bytes | str) -> None:
    golden = json.loads(golden_json)
    got = json.loads(got_json)
    shape = schema(golden)
    assert figures(golden, shape) == figures(got, shape)
