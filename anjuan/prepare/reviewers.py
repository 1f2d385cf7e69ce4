"""The review team: adding reviewers one by one or from a CSV/Excel list."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

from anjuan import models as m
from anjuan.db import Database
from anjuan.errors import AnjuanError, InputError

ROLE_WORDS = {
    "lead": m.ROLE_LEAD, "组长": m.ROLE_LEAD, "负责人": m.ROLE_LEAD, "牵头人": m.ROLE_LEAD,
    "reviewer": m.ROLE_REVIEWER, "评查员": m.ROLE_REVIEWER, "评查人员": m.ROLE_REVIEWER, "组员": m.ROLE_REVIEWER, "": m.ROLE_REVIEWER,
}
NAME_HEADERS = ("姓名", "评查人员", "评查员", "name")
UNIT_HEADERS = ("单位", "所在单位", "工作单位", "执法机关", "agency", "unit")
ROLE_HEADERS = ("角色", "身份", "role")


@dataclass(frozen=True)
class ReviewerInfo:
    name: str
    unit: str
    role: str


def role_of(word: str) -> str:
    role = ROLE_WORDS.get(word.strip().lower() if word.isascii() else word.strip())
    if role is None:
        raise AnjuanError(f"角色“{word}”无效，应为 lead（组长）或 reviewer（评查员）")
    return role


def _add(s, name: str, unit: str, role: str) -> m.Reviewer:
    name, unit = name.strip(), unit.strip()
    if not name:
        raise AnjuanError("评查人员姓名不能为空")
    if s.scalars(select(m.Reviewer).where(m.Reviewer.name == name)).first():
        raise AnjuanError(f"评查人员“{name}”已存在（同名人员请加注单位以示区别，如“张伟（律所）”）")
    agency_id = s.scalar(select(m.Agency.id).where(m.Agency.name == unit)) if unit else None
    r = m.Reviewer(name=name, unit=unit, agency_id=agency_id, role=role)
    s.add(r)
    return r


def add_reviewer(db: Database, name: str, unit: str = "", role: str = m.ROLE_REVIEWER) -> ReviewerInfo:
    with db.session() as s:
        r = _add(s, name, unit, role_of(role))
        return ReviewerInfo(r.name, r.unit, r.role)


def import_reviewers(db: Database, path: str | Path) -> list[ReviewerInfo]:
    """Add every reviewer listed in a CSV/Excel file (columns 姓名, 单位, 角色); all or nothing."""
    from anjuan.tables import read_table

    path = Path(path)
    rows = read_table(path)
    if not rows:
        raise InputError(f"{path.name} 是空文件")
    header = [h.strip() for h in rows[0]]

    def col(names):
        return next((i for i, h in enumerate(header) if h in names or h.lower() in names), None)

    ci, ui, ri = col(NAME_HEADERS), col(UNIT_HEADERS), col(ROLE_HEADERS)
    if ci is None:
        raise InputError(f"{path.name} 第1行：缺少“姓名”列（表头应包含 姓名、单位、角色）")
    errors, people = [], []
    seen: dict[str, int] = {}
    for n, row in enumerate(rows[1:], 2):
        cells = [c.strip() for c in row] + [""] * len(header)
        if not any(cells):
            continue
        name = cells[ci]
        if not name:
            errors.append(f"{path.name} 第{n}行“{header[ci]}”列：姓名为空")
            continue
        if name in seen:
            errors.append(f"{path.name} 第{n}行：姓名“{name}”与第{seen[name]}行重复")
            continue
        seen[name] = n
        try:
            role = role_of(cells[ri]) if ri is not None else m.ROLE_REVIEWER
        except AnjuanError as exc:
            errors.append(f"{path.name} 第{n}行“{header[ri]}”列：{exc.message}")
            continue
        people.append(ReviewerInfo(name, cells[ui] if ui is not None else "", role))
    if errors:
        raise InputError(f"{path.name} 有 {len(errors)} 处错误，未导入任何人员", errors)
    with db.session() as s:
        for p in people:
            try:
                _add(s, p.name, p.unit, p.role)
            except AnjuanError as exc:
                raise InputError(f"{path.name}：{exc.message}，未导入任何人员") from None
    return people


def list_reviewers(db: Database) -> list[ReviewerInfo]:
    with db.session() as s:
        return [ReviewerInfo(r.name, r.unit, r.role) for r in s.scalars(select(m.Reviewer).order_by(m.Reviewer.role, m.Reviewer.name))]
