"""Masking of personal data in free text: a corpus of realistic titles and notes, with recall and
false masking measured and printed (run with -s to see them)."""

from __future__ import annotations

import difflib
import re
from pathlib import Path

from reports.masking import find_names, mask_numbers, mask_person, mask_text

CORPUS = Path(__file__).parent / "data" / "masking_corpus.txt"
MARK = re.compile(r"【([^】]+)】")


def corpus() -> list[tuple[str, list[str], str]]:
    """(plain text, names in it, the text as it should come out)."""
    out = []
    for line in CORPUS.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        names = MARK.findall(line)
        plain = MARK.sub(lambda mo: mo.group(1), line)
        expected = mask_numbers(MARK.sub(lambda mo: mask_person(mo.group(1)), line))
        out.append((plain, names, expected))
    return out


def measure():
    texts = corpus()
    names = missed = 0
    false_chars = 0
    false_lines = []
    checked_chars = 0
    for plain, people, expected in texts:
        got = mask_text(plain)
        for n in people:
            names += 1
            missed += n in got
        checked_chars += len(expected)
        if got != expected:
            sm = difflib.SequenceMatcher(None, expected, got, autojunk=False)
            changed = sum(max(i2 - i1, j2 - j1) for tag, i1, i2, j1, j2 in sm.get_opcodes() if tag != "equal")
            # a missed name also shows as a difference: count only changes that masked something
            if "某" in got.replace("".join(mask_person(n) for n in people), "") and changed:
                extra = got.count("某") - expected.count("某")
                if extra > 0:
                    false_chars += changed
                    false_lines.append((plain, got))
    return len(texts), names, missed, false_chars, checked_chars, false_lines


def test_masking_corpus_recall_and_false_masking():
    lines, names, missed, false_chars, chars, false_lines = measure()
    recall = (names - missed) / names
    false_rate = false_chars / chars
    print(f"\n脱敏语料：{lines} 条，人名 {names} 个，漏遮 {missed} 个，召回率 {recall:.1%}；"
          f"误遮 {len(false_lines)} 条、{false_chars} 字（占 {false_rate:.2%}）")
    for plain, got in false_lines:
        print("  误遮：", plain, "→", got)
    assert lines >= 100 and names >= 90
    assert recall >= 0.98
    assert len(false_lines) <= 2 and false_rate <= 0.005


def test_companies_agencies_and_legal_words_stay():
    for text in ("安溪县蓬莱鑫达运输有限公司货运车辆超限运输案", "泉州市安溪生态环境局执法人员未出示执法证件",
                 "作出许可决定超过法定期限二十日", "易燃易爆危险品储存场所未设置警示标志"):
        assert mask_text(text) == text
        assert find_names(text) == []


def test_role_words_and_lists():
    assert mask_text("执法人员林志强、黄伟未签名") == "执法人员林某、黄某未签名"
    assert mask_text("证人李四（电话13812345678）") == "证人李某（电话138****5678）"
    assert mask_text("买买提·艾力无证经营案") == "买某无证经营案"


def test_numbers():
    assert mask_numbers("账户6222021234567890123") == "账户6222***********0123"
    assert mask_numbers("电话0595-23281234") == "电话0595-****1234"
    assert mask_numbers("安交罚〔2024〕20号") == "安交罚〔2024〕20号"
