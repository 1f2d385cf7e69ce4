"""Hash-chained, append-only answer history.

hash(row) = sha256(previous row's hash + "\\x1e" + the row's fields joined by "\\x1f"), the first row
of a review chaining to "". Changing, deleting or reordering any row changes every later hash and
the head kept on the review row (review.history_hash), so an edit made outside anjuan shows.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

from sqlalchemy import func, select, update
from sqlalchemy.engine import Connection

from anjuan import models as m

HI, RV = m.AnswerHistory.__table__, m.Review.__table__
FIELDS = ("id", "review_id", "item_id", "actor_id", "at", "action", "old", "new", "reason", "seq")
_NULL = "\x00"


def _text(v) -> str:
    return _NULL if v is None else str(v)


def row_hash(prev: str, row: dict | tuple) -> str:
    """The chained hash of one history row (a dict, or a tuple in FIELDS order)."""
    values = [row[k] for k in FIELDS] if isinstance(row, dict) else row
    # _text inlined: this runs for every history row a merge checks.
    payload = prev + "\x1e" + "\x1f".join([_NULL if v is None else str(v) for v in values])
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def heads(conn: Connection, review_ids: Iterable[str]) -> dict[str, tuple[int, str]]:
    """(seq, hash) of the last history row of each review that has history."""
    ids = sorted(set(review_ids))
    out: dict[str, tuple[int, str]] = {}
    if len(ids) == 1:  # one review (every save): its last row through the (review_id, seq) index
        row = conn.execute(select(HI.c.seq, HI.c.hash).where((HI.c.review_id == ids[0]) & HI.c.seq.is_not(None))
                           .order_by(HI.c.seq.desc()).limit(1)).first()
        return {ids[0]: (row[0], row[1])} if row else out
    for i in range(0, len(ids), 500):
        chunk = ids[i:i + 500]
        last = (select(HI.c.review_id, func.max(HI.c.seq).label("seq")).where(HI.c.review_id.in_(chunk))
                .group_by(HI.c.review_id).subquery())
        q = select(HI.c.review_id, HI.c.seq, HI.c.hash).join(
            last, (last.c.review_id == HI.c.review_id) & (last.c.seq == HI.c.seq))
        out.update({rid: (seq, h) for rid, seq, h in conn.execute(q)})
    return out


def link(conn: Connection, rows: list[dict]) -> dict[str, str]:
    """Fill in seq and hash of new history rows (appended in the order given) from their reviews'
    current heads; returns each touched review's new head hash. The caller holds the review rows'
    write lock (BEGIN IMMEDIATE on SQLite, SELECT … FOR UPDATE on PostgreSQL)."""
    current = heads(conn, (r["review_id"] for r in rows))
    for r in rows:
        seq, prev = current.get(r["review_id"], (0, ""))
        r["seq"] = seq + 1
        r["hash"] = row_hash(prev, r)
        current[r["review_id"]] = (r["seq"], r["hash"])
    return {rid: h for rid, (_, h) in current.items()}


def append(conn: Connection, rows: list[dict], set_heads: bool = True) -> dict[str, str]:
    """Link and insert history rows; with set_heads, store each review's new head on its row."""
    if not rows:
        return {}
    for r in rows:
        r.setdefault("id", m.new_id())
        r.setdefault("at", m.now())
        for k in ("item_id", "old", "new"):
            r.setdefault(k, None)
        r.setdefault("reason", "")
    new_heads = link(conn, rows)
    conn.execute(HI.insert(), rows)
    if set_heads:
        for rid, h in new_heads.items():
            conn.execute(update(RV).where(RV.c.id == rid).values(history_hash=h))
    return new_heads


def rechain_all(conn: Connection, order_key) -> None:
    """Compute seq and hash of every history row and each review's head (schema migration).

    Rows are ordered per review by time, then by `order_key` (insertion order where the backend
    knows it)."""
    q = select(HI.c.id, *[HI.c[k] for k in FIELDS[1:-1]]).order_by(HI.c.review_id, HI.c.at, order_key)
    updates, last_of = [], {}
    seq, prev, current = 0, "", None
    for row in conn.execute(q):
        if row[1] != current:
            current, seq, prev = row[1], 0, ""
        seq += 1
        prev = row_hash(prev, (*row, seq))
        updates.append({"b_id": row[0], "b_seq": seq, "b_hash": prev})
        last_of[current] = prev
    from sqlalchemy import bindparam

    for i in range(0, len(updates), 5000):
        conn.execute(update(HI).where(HI.c.id == bindparam("b_id")).values(seq=bindparam("b_seq"), hash=bindparam("b_hash")),
                     updates[i:i + 5000])
    heads_ = [{"b_id": k, "b_h": v} for k, v in last_of.items()]
    for i in range(0, len(heads_), 5000):
        conn.execute(update(RV).where(RV.c.id == bindparam("b_id")).values(history_hash=bindparam("b_h")), heads_[i:i + 5000])
