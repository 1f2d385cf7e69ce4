"""Masking personal data for the public version of a bulletin (pure functions).

Rules:
- 当事人 who are natural persons keep their surname only: 张三丰 → 张某, 欧阳娜娜 → 欧阳某.
  A party name is taken to be a natural person when it is 2–4 Chinese characters (or a name with
  the middle dot ·, as in 买买提·艾力) and does not end with an organisation suffix such as
  公司, 店, 厂, 部, 中心, 合作社, 酒店, 超市, 网吧, 旅行社, 医院, 诊所. Several parties written in one
  field (separated by 、，,；; / or spaces) are judged one by one.
- The masked names are replaced wherever they appear in the file's title and notes.
- 18-digit ID card numbers keep the first 6 digits (the region) and mobile numbers (1[3-9]
  followed by 9 digits, also written +86 138-1234-5678) keep the first 3 and last 4, in every
  text of the output.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

ORG_SUFFIXES = (
    "有限责任公司", "股份有限公司", "有限公司", "公司", "合作社", "旅行社", "中心", "酒店", "宾馆", "饭店",
    "超市", "网吧", "医院", "诊所", "药房", "药店", "商行", "商店", "门市", "经营部", "工作室", "事务所",
    "幼儿园", "学校", "协会", "委员会", "集团", "银行", "加油站", "养殖场", "农场", "车行", "厂", "店",
    "部", "社", "局", "所", "站", "馆", "院", "场", "队", "行", "吧", "厅", "村", "司", "校", "处", "会",
)

COMPOUND_SURNAMES = (
    "欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "尉迟", "公孙", "慕容", "长孙", "宇文", "司徒",
    "夏侯", "轩辕", "令狐", "端木", "独孤", "南宫", "西门", "百里", "呼延", "申屠", "太史", "闻人",
    "万俟", "澹台", "公冶", "宗政", "濮阳", "淳于", "单于", "钟离", "第五", "左丘", "东郭", "司空",
)

_HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_PERSON = re.compile(rf"[{_HAN}]{{2,4}}")
_DOTTED = re.compile(rf"[{_HAN}]{{1,10}}(?:[·•・][{_HAN}]{{1,10}})+")
_SPLIT = re.compile(r"[、，,；;/\s]+")
ID_CARD = re.compile(r"(?<![0-9A-Za-z])(\d{6})\d{11}[\dXx](?![0-9A-Za-z])")
MOBILE = re.compile(r"(?<!\d)((?:\+?86[- ]?)?1[3-9]\d)([- ]?)\d{4}([- ]?\d{4})(?!\d)")


def mask_numbers(text: str) -> str:
    """Mask ID card and mobile numbers in any text."""
    if not text or not any(ch.isdigit() for ch in text):
        return text
    text = ID_CARD.sub(lambda mo: mo.group(1) + "*" * 12, text)
    return MOBILE.sub(lambda mo: mo.group(1) + mo.group(2) + "****" + mo.group(3), text)


def is_natural_person(name: str) -> bool:
    """Whether a 当事人 name looks like a natural person's name (see the module rules)."""
    name = name.strip()
    if not (_PERSON.fullmatch(name) or _DOTTED.fullmatch(name)):
        return False
    return not name.endswith(ORG_SUFFIXES)


def mask_person(name: str) -> str:
    """张三 → 张某; 欧阳娜娜 → 欧阳某; 买买提·艾力 → 买某."""
    name = name.strip()
    if _DOTTED.fullmatch(name):
        return name[0] + "某"
    if len(name) >= 3 and name.startswith(COMPOUND_SURNAMES):
        return name[:2] + "某"
    return name[0] + "某"


def split_parties(party: str) -> list[str]:
    return [p for p in _SPLIT.split(party or "") if p]


def person_names(party: str) -> dict[str, str]:
    """{full name: masked name} for the natural persons among a file's parties."""
    return {p: mask_person(p) for p in split_parties(party) if is_natural_person(p)}


def mask_party(party: str) -> str:
    """The party field with natural persons masked (organisations kept), numbers masked."""
    names = person_names(party)
    return mask_numbers(_replace_names(party, names)) if names else mask_numbers(party)


def _replace_names(text: str, names: dict[str, str]) -> str:
    if not text or not names:
        return text
    for full in sorted(names, key=len, reverse=True):
        if full in text:
            text = text.replace(full, names[full])
    return text


def identity(text: str) -> str:
    return text


class Masker:
    """Masks text for the public version; with enabled=False every method returns its input."""

    def __init__(self, enabled: bool):
        self.enabled = enabled

    def text(self, text: str) -> str:
        """Mask numbers in a text that belongs to no particular file (agency names, titles)."""
        return mask_numbers(text) if self.enabled else text

    def for_party(self, party: str) -> Callable[[str], str]:
        """A function that masks the given file's natural-person parties and all numbers."""
        if not self.enabled:
            return identity
        return file_masker(party)


def file_masker(party: str, extra_names: Iterable[str] = ()) -> Callable[[str], str]:
    """Masking function for the texts of one file (title, party, notes)."""
    names = person_names(party)
    for n in extra_names:
        if is_natural_person(n):
            names[n] = mask_person(n)
    if not names:
        return mask_numbers

    def mask(text: str) -> str:
        return mask_numbers(_replace_names(text, names))

    return mask
