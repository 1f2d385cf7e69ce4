"""Creating a campaign and reading back its campaign record and checklist standard."""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from scoring import Standard, StandardError, load_standard

from . import models as m
from .db import ROLE_CAMPAIGN, Database, create_database
from .errors import AnjuanError, DatabaseError, InputError

_STANDARD_CACHE: dict[str, Standard] = {}


def builtin_standard_text(name: str = "default") -> str:
    """The text of a built-in standard: "default", "naiman", or an earlier edition kept for the
    campaigns created with it, by file name ("default-v1") or as name@edition ("default@1")."""
    return (resources.files("anjuan._data") / "standards" / f"{builtin_file_stem(name)}.toml").read_text(encoding="utf-8")


def builtin_file_stem(name: str) -> str:
    """The file stem of a built-in standard name: "default@1" is kept as default-v1.toml."""
    found = re.fullmatch(r"([A-Za-z][\w-]*)@(\d+)", name.strip())
    return f"{found.group(1)}-v{found.group(2)}" if found else name.strip()


def builtin_standard_names() -> list[str]:
    folder = resources.files("anjuan._data") / "standards"
    return sorted(f.name[:-5] for f in folder.iterdir() if f.name.endswith(".toml"))


def builtin_display_names() -> list[str]:
    """Names to type for the built-in standards: earlier editions as name@edition (default@1)."""
    return [re.sub(r"-v(\d+)$", r"@\1", n) for n in builtin_standard_names()]


def read_standard_file(path: str | Path) -> Standard:
    """Load and validate a standard file (or a built-in one by name); problems come with lines."""
    p = Path(path)
    if not p.exists() and "@" in str(path) and builtin_file_stem(str(path)) in builtin_standard_names():
        return standard_from_text(builtin_standard_text(str(path)))
    if not p.exists() and (p.stem in builtin_standard_names()) and (
            p.suffix in ("", ".toml") and (len(p.parts) == 1 or p.parent.name == "standards")):
        # "naiman", "naiman.toml" or the README's data/standards/naiman.toml outside a checkout
        return standard_from_text(builtin_standard_text(p.stem))
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        names = "、".join(builtin_display_names())
        raise InputError(f"找不到评查标准文件 {p}（内置标准可直接写名称：{names}）") from None
    except IsADirectoryError:
        raise InputError(f"{p} 是文件夹，不是评查标准文件，请指定 .toml 文件或内置标准名称") from None
    except UnicodeDecodeError:
        raise InputError(f"评查标准文件 {p} 不是 UTF-8 编码的文本，请另存为 UTF-8") from None
    except OSError as exc:
        raise InputError(f"无法读取评查标准文件 {p}：{exc.strerror or exc}") from None
    try:
        return load_standard(text, str(p))
    except StandardError as exc:
        raise InputError(str(exc).splitlines()[0], [str(pr) for pr in exc.problems]) from None


def standard_from_text(text: str) -> Standard:
    """Parse a stored or built-in standard, cached by hash (such a text never changes, and is
    valid: a built-in one is checked by the tests, a stored one was checked when stored)."""
    from scoring import sha256_text

    key = sha256_text(text)
    std = _STANDARD_CACHE.get(key)
    if std is None:
        std = load_standard(text)
        _STANDARD_CACHE[key] = std
    return std


@dataclass(frozen=True)
class CampaignInfo:
    id: str
    name: str
    year: int | None
    organiser: str
    standard: Standard


def init_campaign(target: str | Path, name: str, year: int | None = None, organiser: str = "",
                  standard_path: str | Path | None = None) -> Database:
    """Create a campaign database scored by the given standard (the built-in one by default)."""
    if not name.strip():
        raise AnjuanError("评查活动名称不能为空，请用 --name 指定，例如 --name \"2024年度行政处罚案卷评查\"")
    std = read_standard_file(standard_path) if standard_path else standard_from_text(builtin_standard_text())
    if year is None:
        found = re.search(r"(19|20)\d{2}", name)
        year = int(found.group(0)) if found else None
    db = create_database(target, ROLE_CAMPAIGN)
    with db.session() as s:
        s.add(m.StandardRow(sha256=std.sha256, std_id=std.id, name=std.name, version=std.version, toml_text=std.text))
        s.flush()
        camp = m.Campaign(name=name.strip(), year=year, organiser=organiser.strip(), standard_sha=std.sha256)
        s.add(camp)
        s.flush()
        s.add(m.Meta(key="campaign_id", value=camp.id))
    return db


def campaign_info(db: Database) -> CampaignInfo:
    """The campaign this database belongs to and the standard that scores it."""
    from sqlmodel import select

    cached = db.__dict__.get("_campaign_info")
    if cached is not None:
        return cached
    with db.read_session() as s:
        camp = s.exec(select(m.Campaign)).first()
        if camp is None:
            raise DatabaseError(f"数据库 {db.label} 中没有评查活动，请先用 anjuan init 创建")
        row = s.get(m.StandardRow, camp.standard_sha)
        if row is None:
            raise DatabaseError(f"数据库 {db.label} 缺少评查标准（{camp.standard_sha[:12]}），文件可能已损坏")
        info = CampaignInfo(camp.id, camp.name, camp.year, camp.organiser, standard_from_text(row.toml_text))
    db.__dict__["_campaign_info"] = info
    return info
