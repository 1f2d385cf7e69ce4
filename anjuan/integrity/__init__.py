"""Integrity of reviews: hash-chained history, package authentication and row-by-row verification.

- chain: every answer-history row carries its position in the review's history (seq) and a
  sha256 chained to the previous row's hash; the review row keeps the head (history_hash).
- seal: a reviewer package carries a secret recorded in the campaign when it was issued and an
  HMAC-SHA256 over a canonical serialisation of its reviews (each with its history head); every
  write to a package re-seals it.
- verify: the rules every review must satisfy (valid answers, intact chain, answers equal to the
  replay of the history, a submitted review changed only after a recorded reopen, scores as
  recomputed); used by `anjuan verify` and, before writing anything, by `anjuan merge`.
"""
