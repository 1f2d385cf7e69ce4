"""The reviewer's casebook (tests/casebook.py) graded by both shipped standards, the rules every
shipped standard follows (data/standards/FORMAT.md), and version 1 kept for old campaigns."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

from anjuan.campaign import builtin_standard_names, builtin_standard_text, read_standard_file
from scoring import load_standard, score_case

sys.path.insert(0, str(Path(__file__).parent))
from casebook import CASES, DEFAULT, DEFAULT_V1, NAIMAN, inputs  # noqa: E402

DATA = Path(__file__).resolve().parent.parent / "data" / "standards"
SHIPPED = (DEFAULT, NAIMAN)
KINDS = ("行政处罚", "行政许可", "行政强制", "行政检查")


@pytest.fixture(scope="module")
def standards():
    return {name: read_standard_file(name) for name in (DEFAULT, NAIMAN, DEFAULT_V1)}


# ---------------------------------------------------------------- the casebook

def test_casebook_covers_every_kind_and_both_standards():
    assert len(CASES) >= 12
    assert {c.kind for c in CASES} == set(KINDS)
    for c in CASES:
        assert set(SHIPPED) <= set(c.answers) and set(SHIPPED) <= set(c.expected), c.title
    # top, middle and failing grades all occur under each shipped standard
    for name in SHIPPED:
        grades = {c.expected[name][0] for c in CASES}
        assert {"优秀", "不合格"} < grades, grades


GRADED = [(c, name) for c in CASES for name in c.answers]


@pytest.mark.parametrize(("case", "name"), GRADED, ids=[f"{name}-{c.title}" for c, name in GRADED])
def test_casebook_file_grades_as_the_casebook_says(standards, case, name):
    std = standards[name]
    for item_id in case.answers[name]:
        assert std.item(item_id).applies(case.kind), f"{item_id} does not apply to {case.kind}"
    result = score_case(std, case.kind, inputs(std, case.answers[name]))
    grade, score = case.expected[name]
    assert (result.grade, result.score) == (grade, pytest.approx(score, abs=0.005))


def test_the_audits_three_files(standards):
    """standard-audit.md: 97.6 优秀, 97.5 优秀 and 82.3 合格 with version 1; 不合格 now."""
    audit = [c for c in CASES if c.audit]
    assert len(audit) == 3
    old = [(round(score_case(standards[DEFAULT_V1], c.kind, inputs(standards[DEFAULT_V1], c.answers[DEFAULT_V1])).score, 1),
            score_case(standards[DEFAULT_V1], c.kind, inputs(standards[DEFAULT_V1], c.answers[DEFAULT_V1])).grade) for c in audit]
    assert old == [(97.6, "优秀"), (97.5, "优秀"), (82.3, "合格")]
    for c in audit:
        for name in SHIPPED:
            r = score_case(standards[name], c.kind, inputs(standards[name], c.answers[name]))
            assert r.grade == "不合格" and r.vetoed, (c.title, name)


def test_same_defect_is_vetoed_in_v2_but_only_deducted_in_v1(standards):
    """The investigator chairing the hearing: a 2-point deduction in v1, a veto in v2."""
    v1, v2 = standards[DEFAULT_V1], standards[DEFAULT]
    assert not v1.item("CX-25").veto and any("调查人员主持" in d.text for d in v1.item("CX-25").deductions)
    assert v2.item("CX-86").veto and "调查人员主持" in v2.item("CX-86").veto_text
    assert not any("调查人员主持" in d.text for i in v2.items for d in i.deductions)


# ---------------------------------------------------------------- rules of FORMAT.md

TIERS = {10.0, 5.0, 2.0, 1.0, 0.5}
LOCAL = re.compile(r"DB\d{2}/T")


@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_standard_follows_the_item_rules(standards, name):
    std = standards[name]
    assert std.schema == 2 and abs(sum(c.points for c in std.categories) - 100) < 1e-9
    for item in std.items:
        where = f"{name} {item.id}"
        assert set(item.applies_to) <= set(std.kinds), where
        assert item.basis, f"{where}: no basis"
        for part in item.basis.split("；"):  # a local standard is only a reference
            assert not LOCAL.search(part) or part.startswith("参照"), where
        if item.veto:
            assert item.points == 0 and not item.deductions and item.veto_text and not item.bars_excellent, where
            continue
        assert item.points > 0 and item.deductions, where
        assert all(0 < d.points <= item.points for d in item.deductions), where
        # the options can take every point of the item: no free points
        assert any(d.per_occurrence for d in item.deductions) or sum(d.points for d in item.deductions) >= item.points, where
    for kind in std.kinds:
        points = std.category_points_for(kind)
        assert all(points[c.id] > 0 for c in std.categories), (name, kind, points)


def test_default_points_and_tiers(standards):
    std = standards[DEFAULT]
    for item in std.items:
        assert item.points <= 5, item.id
        assert all(d.points in TIERS for d in item.deductions), item.id
    # points set by importance: kinds differ in their totals, no category is equalised across kinds
    totals = {k: sum(std.category_points_for(k).values()) for k in std.kinds}
    assert len(set(totals.values())) == len(totals)
    assert std.category_points_for("行政处罚")["procedure"] != std.category_points_for("行政检查")["procedure"]


def test_default_groups_show_facts_law_and_discretion(standards):
    std = standards[DEFAULT]
    assert all(i.group for i in std.items)
    groups = []
    for i in std.category("discretion").items:
        if i.group not in groups:
            groups.append(i.group)
    assert groups == ["事实证据", "适用法律", "裁量适当"]
    assert [c.name for c in std.categories] == ["主体适格", "程序", "裁量", "文书"]


def test_default_states_working_days_where_the_statute_counts_them(standards):
    std = standards[DEFAULT]
    for item in std.items:
        if "第八十五条" in item.basis or "第八十二条" in item.basis:
            assert "工作日" in item.text + item.guide + item.veto_text, item.id
    assert "日历日" in std.item("CX-45").text
    for item_id in ("CX-05", "CX-07", "CX-14", "CX-22", "CX-61", "CX-25"):
        assert "工作日" in std.item(item_id).text, item_id


def test_default_applicability_follows_the_audit(standards):
    std = standards[DEFAULT]
    kinds = {i.id: set(i.applies_to) or set(KINDS) for i in std.items}
    assert kinds["CL-52"] == {"行政处罚"}
    assert "行政检查" not in kinds["CX-05"] | kinds["CX-13"] | kinds["CX-14"]
    assert not {"行政许可", "行政检查"} & (kinds["CL-04"] | kinds["CL-10"])
    assert kinds["CX-03"] == {"行政处罚"}
    assert kinds["CX-83"] == {"行政强制"} and kinds["CX-28"] == {"行政处罚"}  # court enforcement per kind
    for item in std.items_for("行政检查"):  # nothing about hearings, time limits or decisions on 检查
        assert not re.search("听证|决定书|办案期限|办理期限", item.text), item.id
    # V18 is a veto for every kind that makes a decision
    assert std.item("CX-09").veto and kinds["CX-09"] == {"行政处罚", "行政许可", "行政强制"}


def test_default_vetoes_the_audits_illegalities(standards):
    std = standards[DEFAULT]
    for item_id in ("CX-09", "CX-40", "CX-41", "CX-42", "CX-44", "CX-45", "CX-47", "CX-48", "CL-41", "CL-42",
                    "CX-22", "CX-86", "CX-55", "CX-56", "CX-69", "CL-31"):
        assert std.item(item_id).veto, item_id


def test_naiman_fixes_of_the_audit(standards):
    std = standards[NAIMAN]
    veto_texts = " ".join(i.veto_text for i in std.items if i.veto)
    for words in ("时效", "集体讨论", "超过法定办案期限", "未送达", "期限届满前", "复议", "程序倒置", "调查人员主持"):
        assert words in veto_texts, words
    inspection = [i for i in std.items_for("行政检查") if i.applies_to == ("行政检查",)]
    text = " ".join(i.text + " ".join(d.text for d in i.deductions) for i in inspection)
    for words in ("双随机", "重复检查", "随意检查", "联合检查"):
        assert words in text, words
    assert any("备案" in i.text for i in std.items)
    # no free full marks: 检查 and 许可 files do not get the 处罚 decision items
    for item_id in ("CX-07", "NR-06", "NR-07", "ZT-04"):
        assert not std.item(item_id).applies("行政检查") or not std.item(item_id).applies("行政许可"), item_id


# ---------------------------------------------------------------- version 1 stays

def test_version_1_is_kept_byte_for_byte_and_by_name():
    assert {"default", "default-v1", "naiman", "naiman-v1"} <= set(builtin_standard_names())
    assert builtin_standard_text("default@1") == builtin_standard_text("default-v1") == (DATA / "default-v1.toml").read_text(encoding="utf-8")
    v1 = read_standard_file("default@1")
    assert v1.version == "2024.1" and v1.schema == 1
    # the sha256 every version-1 campaign stores
    assert v1.sha256 == "5c2add367708388a9da0bbf9d08ee25f8314b902d09c67f6d9b99d8018c66b6b"
    assert read_standard_file("default").version != v1.version
    assert load_standard(builtin_standard_text("naiman@1")).version == "2022.1"


def test_version_1_campaign_reports_byte_identical_figures(tmp_path):
    """A campaign created with version 1 reports exactly what it reported before version 2 existed
    (golden written by the code of commit 8862720, see tests/v1_campaign.py)."""
    from report_figures import assert_same_figures
    from v1_campaign import report_json

    got = report_json(str(DATA / "default-v1.toml"), tmp_path / "report.json")
    assert_same_figures(got, (Path(__file__).parent / "data" / "report_v1_golden.json").read_bytes())
