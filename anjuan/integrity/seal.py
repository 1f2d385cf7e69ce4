"""Authenticating reviewer packages.

`anjuan pack` records each package it issues in the campaign (package_issue: id, reviewer, time,
a random secret) and writes the id and the secret into the package's meta rows. Every write to a
package (reviewing, answers import) re-seals it: meta `package_mac` = HMAC-SHA256(secret, the
canonical serialisation of the package id, its reviewer, its campaign and every review row with
its history head). History rows are covered through the chain (anjuan.integrity.chain) and answers
through the replay check (anjuan.integrity.verify), so the seal covers reviews, answers and history.

Merge accepts a package only if its id was issued by this campaign to the reviewer it claims, its
secret is that package's secret, and the seal matches its content: a package edited outside anjuan,
or one carrying another reviewer's ids, is refused. Re-issuing keeps older packages of the same
reviewer valid (each has its own secret); which version of a review wins is decided by revision
and history, never by which package came last.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from sqlalchemy import text
from sqlalchemy.engine import Connection

REVIEW_FIELDS = ("id", "case_id", "reviewer_id", "is_final", "status", "revision", "score", "grade", "vetoed",
                 "note", "created_at", "updated_at", "submitted_at", "history_hash", "settled_from")
META_ID, META_SECRET, META_MAC = "package_id", "package_secret", "package_mac"


def new_secret() -> str:
    return secrets.token_hex(32)


def _text(v) -> str:
    # The type is part of the value: 1, '1' and 1.0 are different rows.
    return "\x00" if v is None else f"{type(v).__name__}:{v}"


def package_mac(secret: str, package_id: str, reviewer_id: str, campaign_id: str, reviews) -> str:
    """HMAC-SHA256 over the package's identity and its review rows (tuples in REVIEW_FIELDS order,
    raw values as the SQLite driver returns them)."""
    mac = hmac.new(secret.encode("utf-8"), digestmod=hashlib.sha256)
    mac.update("\x1f".join((package_id, reviewer_id, campaign_id)).encode("utf-8"))
    for row in sorted(reviews, key=lambda r: str(r[0])):
        mac.update(("\x1e" + "\x1f".join(map(_text, row))).encode("utf-8"))
    return mac.hexdigest()


def raw_reviews(conn: Connection, table: str = "review", where: str = "", params: dict | None = None) -> list[tuple]:
    cols = ", ".join(REVIEW_FIELDS)
    return [tuple(r) for r in conn.execute(text(f"SELECT {cols} FROM {table} {where}"), params or {})]


def seal(conn: Connection) -> None:
    """Re-seal a package after a write (in the writing transaction); does nothing in a campaign."""
    meta = dict(conn.execute(text("SELECT key, value FROM meta WHERE key IN "
                                  "('role', 'package_id', 'package_secret', 'package_reviewer_id', 'campaign_id')")).all())
    if meta.get("role") != "package" or not meta.get(META_SECRET):
        return
    mac = package_mac(meta[META_SECRET], meta.get(META_ID, ""), meta.get("package_reviewer_id", ""),
                      meta.get("campaign_id", ""), raw_reviews(conn))
    n = conn.execute(text("UPDATE meta SET value = :v WHERE key = :k"), {"v": mac, "k": META_MAC}).rowcount
    if not n:
        conn.execute(text("INSERT INTO meta (key, value) VALUES (:k, :v)"), {"k": META_MAC, "v": mac})


def same_secret(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode("utf-8"), b.encode("utf-8"))
