"""`anjuan verify`: check a campaign database or a reviewer package row by row.

Every review is checked with anjuan.integrity.verify.check_review (the rules merge applies to a
package before writing anything); a package is also checked for what only a campaign may hold
(合议 results, lead's history rows) and for its seal (anjuan.integrity.seal). The secret that
proves who a package was issued to is only known to the campaign, so `verify` on a package alone
checks its seal against the secret it carries; merge checks both.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import text

from anjuan.db import ROLE_PACKAGE, Database, database_role, open_database
from anjuan.integrity.seal import REVIEW_FIELDS
from anjuan.integrity.verify import (
    ANSWER_FIELDS,
    HISTORY_FIELDS,
    REVIEWER_ACTIONS,
    check_review,
    flag,
)


@dataclass
class VerifyReport:
    target: str
    role: str
    reviews: int = 0
    answers: int = 0
    history: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def lines(self) -> list[str]:
        return list(self.problems)

    def to_json(self) -> dict:
        return {"target": self.target, "role": self.role, "ok": self.ok, "reviews": self.reviews,
                "answers": self.answers, "history": self.history, "problems": self.problems}


def _rows(db: Database, table: str, fields: tuple[str, ...]) -> list[tuple]:
    with db.read_session() as s:
        return [tuple(r) for r in s.connection().exec_driver_sql(f"SELECT {', '.join(fields)} FROM {table}")]


def verify_database(db: Database) -> VerifyReport:
    from anjuan.campaign import campaign_info
    from anjuan.integrity.seal import META_ID, META_MAC, META_SECRET, package_mac

    role = database_role(db)
    report = VerifyReport(db.label, role)
    std = campaign_info(db).standard
    reviews = _rows(db, "review", REVIEW_FIELDS)
    answers = _rows(db, "answer", ANSWER_FIELDS)
    history = _rows(db, "answer_history", HISTORY_FIELDS)
    report.reviews, report.answers, report.history = len(reviews), len(answers), len(history)
    with db.read_session() as s:
        conn = s.connection()
        cases = {cid: (no, kind or "", agency) for cid, no, kind, agency in conn.execute(text(
            "SELECT c.id, c.case_no, c.kind, a.name FROM case_file c JOIN agency a ON a.id = c.agency_id"))}
        people = dict(conn.execute(text("SELECT id, name FROM reviewer")).all())
        meta = dict(conn.execute(text("SELECT key, value FROM meta")).all())
    by_a: dict[str, list[tuple]] = {}
    for a in answers:
        by_a.setdefault(a[1], []).append(a)
    by_h: dict[str, list[tuple]] = {}
    for h in history:
        by_h.setdefault(h[1], []).append(h)
    ids = {r[0] for r in reviews}
    for what, rows in (("评查条目", answers), ("修改记录", history)):
        stray = [r for r in rows if r[1] not in ids]
        if stray:
            report.problems.append(f"有 {len(stray)} 条{what}不属于任何评查记录（如 {stray[0][0]}）")
    is_package = role == ROLE_PACKAGE
    owner = meta.get("package_reviewer_id")

    def label(r: tuple) -> str:
        no, _, agency = cases.get(r[1], (str(r[1])[:8], "", ""))
        who = people.get(r[2], str(r[2])[:8])
        final = "合议结果" if flag(r[3]) else "评查记录"
        return f"{final} {no}（{agency}，{who}）"

    for r in sorted(reviews, key=lambda r: (cases.get(r[1], ("", "", ""))[2], cases.get(r[1], ("",))[0], str(r[2]))):
        kind = cases.get(r[1], (None, "", ""))[1]
        for p in check_review(std, kind, r, by_a.get(r[0], []), by_h.get(r[0], [])):
            report.problems.append(f"{label(r)}：{p}")
        if is_package:
            if flag(r[3]) is not False or r[14] not in (None, ""):
                report.problems.append(f"{label(r)}：评查人员数据包不能含合议结果或合议信息")
            if r[2] != owner:
                report.problems.append(f"{label(r)}：不属于数据包的评查人员")
            for h in by_h.get(r[0], []):
                if h[3] != owner or h[5] not in REVIEWER_ACTIONS:
                    report.problems.append(f"{label(r)}：修改记录第 {h[9]} 条（{h[5]}）不是评查人员本人的操作")
    if is_package:
        if not meta.get(META_SECRET) or not meta.get(META_MAC):
            report.problems.append("数据包没有签发凭据（由旧版本 anjuan 生成，或不是用 anjuan pack 生成），合并时将被拒绝")
        elif package_mac(meta[META_SECRET], meta.get(META_ID, ""), owner or "", meta.get("campaign_id", ""),
                         reviews) != meta[META_MAC]:
            report.problems.append("数据包内容校验值不符：评查记录表在 anjuan 之外被改动过")
    return report


def verify_target(target: str) -> VerifyReport:
    db = open_database(target)
    try:
        return verify_database(db)
    finally:
        db.close()
