"""The rules every review must satisfy, checked row by row on raw rows (as the SQLite driver or
psycopg returns them, so a forged value such as is_final = 2 or revision = 'zzz' is seen as it is).

check_review() is what `anjuan verify` reports and what `anjuan merge` runs on every package
review before writing anything:
- the review row: status known, revision a whole number, is_final exactly 0 or 1;
- every answer: anjuan.review.reviewing.validate_stored (the one answer-validation rule);
- the history: seq 1, 2, … with every hash chained (anjuan.integrity.chain) and the head equal to
  review.history_hash;
- the replay of the history gives exactly the stored answers and status; every "old" value is
  the previous "new"; nothing is changed while submitted; a reopen follows a submit and has a reason;
- an original review's revision is the number of its history rows (each change is one row);
- score, grade and 否决 are those recomputed from the answers.
"""

from __future__ import annotations

import json
from functools import lru_cache

from anjuan import models as m
from anjuan.integrity.chain import row_hash
from anjuan.review.reviewing import StoredAnswer, validate_stored
from scoring import Standard, score_case

ANSWER_FIELDS = ("id", "review_id", "item_id", "verdict", "deducted", "option", "occurrences", "note", "page_ref",
                 "updated_at")
HISTORY_FIELDS = ("id", "review_id", "item_id", "actor_id", "at", "action", "old", "new", "reason", "seq", "hash")
STATUSES = (m.STATUS_DRAFT, m.STATUS_SUBMITTED, m.STATUS_REOPENED)
REVIEWER_ACTIONS = ("answer", "clear", "submit", "reopen")


def is_int(v) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def flag(v) -> bool | None:
    """A stored boolean as True/False, or None if it is anything but 0/1 (or a real bool)."""
    if isinstance(v, bool):
        return v
    if is_int(v) and v in (0, 1):
        return bool(v)
    return None


@lru_cache(maxsize=65536)
def _parsed(text: str) -> tuple | None:
    try:
        d = json.loads(text)
    except (TypeError, ValueError):
        return None
    if not isinstance(d, dict) or "verdict" not in d:
        return None
    ded = d.get("deducted", 0.0)
    return (d["verdict"], float(ded) if is_int(ded) or isinstance(ded, float) else ded, d.get("option"),
            d.get("occurrences", 1), d.get("note", ""), d.get("page_ref", ""))


def _key(a: tuple) -> tuple:
    """An answer row (ANSWER_FIELDS) as the tuple _parsed gives for its JSON."""
    ded = a[4]
    return (a[3], float(ded) if is_int(ded) or isinstance(ded, float) else ded, a[5], a[6], a[7], a[8])


_memo: dict = {"std": None, "rows": {}}


def _answer_problem(std: Standard, kind: str, row: tuple) -> str | None:
    """validate_stored, remembered per standard (the same answer recurs across thousands of reviews;
    a Standard is compared by identity, as hashing one walks the whole checklist)."""
    if _memo["std"] is not std or len(_memo["rows"]) > 200_000:
        _memo["std"], _memo["rows"] = std, {}
    rows = _memo["rows"]
    key = (kind, row)
    if key not in rows:
        rows[key] = validate_stored(std, kind, StoredAnswer(*row))
    return rows[key]


def check_review(std: Standard, kind: str, review: tuple, answers: list[tuple], history: list[tuple],
                 chain_only_from: int = 0) -> list[str]:
    """What is wrong with one review (raw rows in the *_FIELDS orders); empty if nothing.

    Messages are one line each and name the item or history row concerned."""
    problems: list[str] = []
    status, revision = review[4], review[5]
    is_final = flag(review[3])
    if is_final is None:
        problems.append(f"“合议结果”标记的值“{review[3]}”无效")
        return problems
    if status not in STATUSES:
        problems.append(f"状态“{status}”无效")
    if not is_int(revision) or revision < 0:
        problems.append(f"修订号“{revision}”不是非负整数")
        return problems
    # Answers.
    stored: dict[str, tuple] = {}
    for a in answers:
        item = a[2]
        if item in stored:
            problems.append(f"条目 {item} 有两条答案")
            continue
        try:
            problem = _answer_problem(std, kind, (a[2], a[3], a[4], a[5], a[6], a[7], a[8]))
        except TypeError:  # an unhashable value cannot come from the driver; be safe
            problem = validate_stored(std, kind, StoredAnswer(a[2], a[3], a[4], a[5], a[6], a[7], a[8]))
        if problem:
            problems.append(f"条目 {item}：{problem}")
        stored[item] = _key(a)
    # Chain.
    rows = sorted(history, key=lambda h: (h[9] if is_int(h[9]) else -1, str(h[0])))
    prev = ""
    for n, h in enumerate(rows, 1):
        if h[9] != n or not is_int(h[9]):
            problems.append(f"修改记录 {h[0]} 的序号为“{h[9]}”，应为 {n}（修改记录缺失、重复或被改动）")
            return problems
        if n > chain_only_from:
            expect = row_hash(prev, h[:10])
            if h[10] != expect:
                problems.append(f"修改记录第 {n} 条（{h[5]}，{h[4]}）的校验值不符，修改记录被改动过")
                return problems
        prev = h[10]
    if (review[13] or "") != prev:
        problems.append("评查记录的修改记录校验值与修改记录不符（修改记录被删除或改动过）")
        return problems
    # Replay.
    state: dict[str, tuple] = {}
    replay_status = m.STATUS_DRAFT
    for n, h in enumerate(rows, 1):
        action, item, old, new, reason = h[5], h[2], h[6], h[7], h[8]
        where = f"修改记录第 {n} 条（{action}，{h[4]}）"
        if action in ("answer", "clear"):
            if replay_status == m.STATUS_SUBMITTED:
                problems.append(f"{where}：评查已提交后修改了答案，而没有退回重评的记录")
                return problems
            before = None if old is None else _parsed(old)
            if old is not None and before is None:
                problems.append(f"{where}：原值无法识别")
                return problems
            if before != state.get(item):
                problems.append(f"{where}：记录的原值与上一条修改后的值不一致")
                return problems
            if action == "answer":
                after = _parsed(new) if isinstance(new, str) else None
                if after is None:
                    problems.append(f"{where}：新值无法识别")
                    return problems
                state[item] = after
            else:
                state.pop(item, None)
        elif action == "submit":
            if replay_status == m.STATUS_SUBMITTED:
                problems.append(f"{where}：重复提交")
                return problems
            replay_status = m.STATUS_SUBMITTED
        elif action == "reopen":
            if replay_status != m.STATUS_SUBMITTED:
                problems.append(f"{where}：只有已提交的评查才能退回重评")
                return problems
            if not isinstance(reason, str) or not reason.strip():
                problems.append(f"{where}：退回重评没有填写理由")
                return problems
            replay_status = m.STATUS_REOPENED
        elif action == "settle" and is_final:
            if item is None:
                replay_status = m.STATUS_SUBMITTED
            else:
                after = _parsed(new) if isinstance(new, str) else None
                if after is None:
                    problems.append(f"{where}：新值无法识别")
                    return problems
                state[item] = after
        else:
            problems.append(f"{where}：操作“{action}”无效")
            return problems
    if is_final and any(h[5] == "settle" and h[2] is None for h in rows):
        # A re-settled result replaces its whole answer set: replay only the last settle's items.
        last = max(i for i, h in enumerate(rows) if h[5] == "settle" and h[2] is None)
        first = last
        while first > 0 and rows[first - 1][5] == "settle" and rows[first - 1][2] is not None:
            first -= 1
        state = {h[2]: _parsed(h[7]) for h in rows[first:last]}
    if state != stored:
        differ = sorted(set(state) ^ set(stored) | {k for k in state.keys() & stored.keys() if state[k] != stored[k]})
        problems.append(f"答案与修改记录的重放结果不一致（条目 {'、'.join(differ[:5])}{'等' if len(differ) > 5 else ''}），"
                        "答案被绕过修改记录改动过")
        return problems
    if replay_status != status:
        problems.append(f"状态“{status}”与修改记录的重放结果“{replay_status}”不一致")
        return problems
    if not is_final and revision != len(rows):
        problems.append(f"修订号 {revision} 与修改记录条数 {len(rows)} 不符")
        return problems
    # Scores are recomputed, never trusted.
    if not (revision == 0 and review[6] is None):
        from scoring import AnswerInput

        result = score_case(std, kind or None, [AnswerInput(k, v[0], float(v[1]), v[4], v[5]) for k, v in stored.items()])
        score = review[6]
        ok = (isinstance(score, (int, float)) and not isinstance(score, bool) and abs(score - result.score) < 1e-6
              and review[7] == result.grade and flag(review[8]) == result.vetoed)
        if not ok:
            problems.append(f"保存的得分/等次（{score}/{review[7]}）与按答案重新计算的结果（{result.score:g}/{result.grade}）不符")
    return problems


def answer_key(row: tuple) -> tuple:
    return _key(row)
