"""Parsing and validating checklist standards (scoring/standard.py) and `anjuan standard`.

Line numbers below are those of tests/data/standards/small.toml; the bad_*.toml files are copies
of it with one change each (their line numbers are the same):
    line 17  name = "合格"            (second band)
    line 24  id = "subject"           line 26 points = 20 (first `points =` of the file)
    line 55  id = "procedure"
    line 100 id = "document"
    line 105 id = "WS-01"             line 114 id = "WS-02" (bad_duplicate_id: "WS-01")
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from anjuan_cli import run_anjuan
from click.testing import CliRunner

import anjuan.commands  # noqa: F401  (registers the commands)
from anjuan.cli import cli
from scoring import (
    Standard,
    StandardError,
    StandardProblem,
    check_standard,
    load_standard,
    sha256_text,
)

DATA = Path(__file__).parent / "data" / "standards"
SMALL = DATA / "small.toml"
ANJUAN = Path(sys.executable).with_name("anjuan")


def small_text() -> str:
    return SMALL.read_text(encoding="utf-8")


def problems_of(text: str) -> list[StandardProblem]:
    std, problems = check_standard(text)
    assert std is None
    return problems


def as_tuples(problems: list[StandardProblem]) -> list[tuple[int | None, str, str]]:
    return [(p.line, p.where, p.message) for p in problems]


# --- parsing the valid standard -------------------------------------------------------------


def test_small_standard_parses_with_every_field():
    std = load_standard(small_text(), "small.toml")
    assert isinstance(std, Standard)
    assert (std.id, std.name, std.version) == ("test-small", "测试用小标准", "1.0")
    assert std.description == "单元测试使用，分值便于手算"
    assert (std.not_applicable, std.veto_score) == ("exclude", "zero")
    assert std.kinds == ("行政处罚", "行政许可")
    assert [(b.name, b.min) for b in std.bands] == [("优秀", 90.0), ("合格", 60.0), ("不合格", 0.0)]
    assert std.top_band.name == "优秀" and std.fail_band.name == "不合格"
    assert [(c.id, c.name, c.points) for c in std.categories] == [
        ("subject", "主体适格", 20.0), ("procedure", "程序合法", 50.0), ("document", "文书规范", 30.0),
    ]
    assert [i.id for i in std.items] == [
        "ZT-01", "ZT-02", "ZT-03", "CX-01", "CX-02", "CX-03", "CX-04", "WS-01", "WS-02",
    ]
    zt1 = std.item("ZT-01")
    assert (zt1.points, zt1.veto, zt1.veto_text, zt1.category_id) == (0.0, True, "超越法定职权作出决定", "subject")
    assert zt1.basis == "《中华人民共和国行政处罚法》第十七条"
    cx1 = std.item("CX-01")
    assert [(d.text, d.points, d.per_occurrence) for d in cx1.deductions] == [("文书未载明日期", 5.0, True)]
    assert std.item("ZT-02").deductions[0].per_occurrence is False
    assert std.item("CX-04").bars_excellent is True
    assert std.item("WS-01").bars_excellent is False
    assert std.item("CX-02").applies_to == ("行政处罚",)
    assert std.item("CX-03").applies_to == ("行政许可",)
    assert std.has_item("WS-02") and not std.has_item("WS-03")


def test_items_for_kind_filters_applies_to():
    std = load_standard(small_text())
    punish = [i.id for i in std.items_for("行政处罚")]
    permit = [i.id for i in std.items_for("行政许可")]
    assert punish == ["ZT-01", "ZT-02", "ZT-03", "CX-01", "CX-02", "CX-04", "WS-01", "WS-02"]
    assert permit == ["ZT-01", "ZT-02", "ZT-03", "CX-01", "CX-03", "CX-04", "WS-01", "WS-02"]
    # every kind is scored out of 100
    assert sum(std.item(i).points for i in punish) == 100.0
    assert sum(std.item(i).points for i in permit) == 100.0
    # no kind given: every item (100 + CX-03's 20)
    assert len(std.items_for(None)) == 9
    assert sum(i.points for i in std.items_for(None)) == 120.0
    # a kind the standard does not list still gets the unrestricted items only
    assert [i.id for i in std.items_for("行政强制")] == [
        "ZT-01", "ZT-02", "ZT-03", "CX-01", "CX-04", "WS-01", "WS-02",
    ]


def test_grade_for_band_bounds():
    std = load_standard(small_text())
    assert std.grade_for(100) == "优秀"
    assert std.grade_for(90) == "优秀"
    assert std.grade_for(89.99) == "合格"
    assert std.grade_for(60) == "合格"
    assert std.grade_for(59.99) == "不合格"
    assert std.grade_for(0) == "不合格"


def test_default_bands_and_policies_when_omitted():
    text = small_text()
    head, rest = text.split("[[bands]]", 1)
    body = "[[categories]]" + rest.split("[[categories]]", 1)[1]
    head = head.replace('not_applicable = "exclude"\n', "").replace('veto_score = "zero"\n', "")
    std = load_standard(head + body)
    assert [(b.name, b.min) for b in std.bands] == [("优秀", 90.0), ("合格", 60.0), ("不合格", 0.0)]
    assert (std.not_applicable, std.veto_score) == ("exclude", "zero")


# --- hash and to_dict -------------------------------------------------------------------------


def test_sha256_is_hash_of_exact_text_and_stable():
    text = small_text()
    a = load_standard(text, "a.toml")
    b = load_standard(text, "other/name.toml")
    expected = hashlib.sha256(text.encode("utf-8")).hexdigest()
    assert a.sha256 == b.sha256 == sha256_text(text) == expected
    assert len(a.sha256) == 64
    assert a == b
    # any change of the text, even a comment, changes the hash
    c = load_standard(text + "# 注释\n")
    assert c.sha256 != a.sha256
    assert c.sha256 == hashlib.sha256((text + "# 注释\n").encode("utf-8")).hexdigest()
    assert a.text == text


def test_to_dict_round_trips_ids_through_json():
    std = load_standard(small_text())
    d = json.loads(json.dumps(std.to_dict(), ensure_ascii=False))
    assert d["id"] == "test-small"
    assert d["sha256"] == std.sha256
    assert d["kinds"] == ["行政处罚", "行政许可"]
    assert d["bands"] == [{"name": "优秀", "min": 90.0}, {"name": "合格", "min": 60.0}, {"name": "不合格", "min": 0.0}]
    assert [c["id"] for c in d["categories"]] == [c.id for c in std.categories] == ["subject", "procedure", "document"]
    ids = [i["id"] for c in d["categories"] for i in c["items"]]
    assert ids == [i.id for i in std.items]
    assert all(std.has_item(i) for i in ids)
    by_id = {i["id"]: i for c in d["categories"] for i in c["items"]}
    assert by_id["ZT-01"]["veto"] is True and by_id["ZT-01"]["points"] == 0.0
    assert by_id["CX-03"]["applies_to"] == ["行政许可"]
    assert by_id["CX-04"]["bars_excellent"] is True
    assert by_id["CX-01"]["deductions"] == [{"text": "文书未载明日期", "points": 5.0, "per_occurrence": True}]
    assert [c["points"] for c in d["categories"]] == [20.0, 50.0, 30.0]


# --- every validation error kind, with line and item/category ---------------------------------


def test_duplicate_item_id_names_both_lines():
    problems = problems_of((DATA / "bad_duplicate_id.toml").read_text(encoding="utf-8"))
    assert as_tuples(problems) == [(114, "条目 WS-01", "编号 WS-01 重复（第105行已使用）")]
    assert str(problems[0]) == "第114行（条目 WS-01）：编号 WS-01 重复（第105行已使用）"


def test_duplicate_category_id():
    text = small_text().replace('id = "document"', 'id = "subject"')
    assert as_tuples(problems_of(text)) == [(100, "类别 subject", "编号 subject 重复（第24行已使用）")]


def test_items_not_summing_to_category_names_category_kind_and_difference():
    problems = problems_of((DATA / "bad_item_sum.toml").read_text(encoding="utf-8"))
    # 许可: CX-01 20 + CX-03 15 + CX-04 10 = 45, category 50 → 相差 -5; 处罚 still 50.
    assert as_tuples(problems) == [
        (55, "类别 procedure", "类别“程序合法”分值为 50，适用于“行政许可”的条目合计 45，相差 -5"),
    ]


def test_items_not_summing_without_kinds():
    # without kinds, every item counts: 20 + 20 + 20 + 10 = 70 against 50
    text = small_text().replace('kinds = ["行政处罚", "行政许可"]', "kinds = []")
    assert as_tuples(problems_of(text)) == [
        (55, "类别 procedure", "类别“程序合法”分值为 50，其条目合计 70，相差 20"),
    ]


def test_categories_not_summing_to_100_names_sums_and_difference():
    problems = problems_of((DATA / "bad_total.toml").read_text(encoding="utf-8"))
    assert as_tuples(problems) == [
        (26, "类别合计", "各类别分值合计应为 100，实际为 95（主体适格 20；程序合法 50；文书规范 25），相差 -5"),
    ]


def test_deduction_larger_than_item():
    problems = problems_of((DATA / "bad_deduction.toml").read_text(encoding="utf-8"))
    assert as_tuples(problems) == [
        (105, "条目 WS-01", "第1个扣分项“文书编号不规范”扣 16 分，超过条目分值 15 分"),
    ]


def test_deduction_equal_to_item_is_allowed():
    # ZT-03's only deduction is its full 10 points (line 52), and small.toml is valid
    std, problems = check_standard(small_text())
    assert problems == [] and std is not None
    assert std.item("ZT-03").deductions[0].points == std.item("ZT-03").points == 10.0


def test_unordered_bands():
    problems = problems_of((DATA / "bad_bands.toml").read_text(encoding="utf-8"))
    assert as_tuples(problems) == [
        (17, "等次", "等次须按分数从高到低排列：“合格”的下限 95 不低于上一等次“优秀”的 90"),
    ]


def test_equal_band_bounds_are_unordered_too():
    text = small_text().replace('name = "合格"\nmin = 60', 'name = "合格"\nmin = 90')
    assert as_tuples(problems_of(text)) == [
        (17, "等次", "等次须按分数从高到低排列：“合格”的下限 90 不低于上一等次“优秀”的 90"),
    ]


def test_lowest_band_must_start_at_zero():
    text = small_text().replace('name = "不合格"\nmin = 0', 'name = "不合格"\nmin = 10')
    assert as_tuples(problems_of(text)) == [(20, "等次", "最低等次“不合格”的下限应为 0，实际为 10")]


def test_zero_point_item_must_be_veto():
    text = small_text().replace("points = 0\nveto = true", "points = 0\nveto = false")
    assert as_tuples(problems_of(text)) == [(29, "条目 ZT-01", "分值为 0 的条目只能是否决项（veto = true）")]


def test_applies_to_kind_not_in_kinds():
    text = small_text().replace('applies_to = ["行政许可"]', 'applies_to = ["行政强制"]')
    assert as_tuples(problems_of(text)) == [
        # CX-03 no longer applies to 许可, so 许可's 程序合法 items are 20 + 10 = 30
        (55, "类别 procedure", "类别“程序合法”分值为 50，适用于“行政许可”的条目合计 30，相差 -20"),
        (80, "条目 CX-03", "applies_to 中的案件类别“行政强制”不在 kinds 列表中"),
    ]


def test_bad_policy_values():
    text = small_text().replace('not_applicable = "exclude"', 'not_applicable = "skip"')
    text = text.replace('veto_score = "zero"', 'veto_score = "half"')
    assert as_tuples(problems_of(text)) == [
        (9, "文件头", 'not_applicable 应为 "exclude" 或 "full_marks"，实际为 \'skip\''),
        (10, "文件头", 'veto_score 应为 "zero" 或 "keep"，实际为 \'half\''),
    ]


def test_toml_syntax_error_has_line():
    text = small_text().replace("points = 10\n", "points = = 10\n", 1)  # line 39
    problems = problems_of(text)
    assert len(problems) == 1
    assert problems[0].line == 39
    assert problems[0].message.startswith("TOML 语法错误（第10列）：值的写法不正确")


def test_malformed_tables_are_reported_not_crashed_on():
    text = small_text().replace("[[bands]]\nname", "[[xbands]]\nname")
    text = text.replace("kinds = [", 'bands = "优秀"\nkinds = [')  # line 11
    problems = problems_of(text)
    assert (11, "等次", "bands应写成表数组 [[bands]]，实际为 '优秀'") in as_tuples(problems)


def test_several_errors_are_all_listed_in_file_order_of_checks():
    problems = problems_of((DATA / "bad_several.toml").read_text(encoding="utf-8"))
    assert as_tuples(problems) == [
        (17, "等次", "等次须按分数从高到低排列：“合格”的下限 95 不低于上一等次“优秀”的 90"),
        (105, "条目 WS-01", "第1个扣分项“文书编号不规范”扣 16 分，超过条目分值 15 分"),
        (114, "条目 WS-01", "编号 WS-01 重复（第105行已使用）"),
        (26, "类别合计", "各类别分值合计应为 100，实际为 95（主体适格 20；程序合法 50；文书规范 25），相差 -5"),
        (100, "类别 document", "类别“文书规范”分值为 25，适用于“行政处罚”的条目合计 30，相差 5"),
        (100, "类别 document", "类别“文书规范”分值为 25，适用于“行政许可”的条目合计 30，相差 5"),
    ]


def test_load_standard_raises_with_every_problem():
    with pytest.raises(StandardError) as info:
        load_standard((DATA / "bad_several.toml").read_text(encoding="utf-8"), "bad_several.toml")
    exc = info.value
    assert len(exc.problems) == 6
    lines = str(exc).splitlines()
    assert lines[0] == "评查标准 bad_several.toml 有 6 处错误："
    assert lines[1] == "  - 第17行（等次）：等次须按分数从高到低排列：“合格”的下限 95 不低于上一等次“优秀”的 90"
    assert len(lines) == 7


def test_problem_str_without_location():
    assert str(StandardProblem("至少需要一个评查类别 [[categories]]")) == "至少需要一个评查类别 [[categories]]"
    assert str(StandardProblem("x", 3)) == "第3行：x"
    assert str(StandardProblem("x", None, "等次")) == "（等次）：x"


# --- CLI ------------------------------------------------------------------------------------


# A wide terminal so rich does not wrap the problem lines.
CLI_ENV = {"COLUMNS": "300", "NO_COLOR": "1", "ANJUAN_DEBUG": None}


def run_entry_point(*args: str) -> subprocess.CompletedProcess:
    # The installed `anjuan` script next to sys.executable, in a fresh process.
    env = {**os.environ, **{k: v for k, v in CLI_ENV.items() if v is not None}}
    env.pop("ANJUAN_DEBUG", None)
    return subprocess.run([str(ANJUAN), *args], capture_output=True, text=True, encoding="utf-8", env=env, timeout=60)


def run_check(*args: str) -> subprocess.CompletedProcess:
    # `python -m anjuan` (tests/anjuan_cli.py): the same command line as the installed script,
    # which test_cli_check_valid_file_exit_0 runs itself.
    return run_anjuan("standard", "check", *args, env=CLI_ENV)


def test_cli_check_bad_total_exit_1_names_category_sums_and_difference():
    path = DATA / "bad_total.toml"
    r = run_check(str(path))
    assert r.returncode == 1
    assert r.stdout == ""
    assert r.stderr.splitlines() == [
        f"错误：评查标准 {path} 有 1 处错误：",
        "  - 第26行（类别合计）：各类别分值合计应为 100，实际为 95（主体适格 20；程序合法 50；文书规范 25），相差 -5",
    ]
    assert "Traceback" not in r.stderr


def test_cli_check_several_errors_lists_each_one():
    path = DATA / "bad_several.toml"
    r = run_check(str(path))
    assert r.returncode == 1
    lines = r.stderr.splitlines()
    assert lines[0] == f"错误：评查标准 {path} 有 6 处错误："
    assert lines[1:] == [
        "  - 第17行（等次）：等次须按分数从高到低排列：“合格”的下限 95 不低于上一等次“优秀”的 90",
        "  - 第105行（条目 WS-01）：第1个扣分项“文书编号不规范”扣 16 分，超过条目分值 15 分",
        "  - 第114行（条目 WS-01）：编号 WS-01 重复（第105行已使用）",
        "  - 第26行（类别合计）：各类别分值合计应为 100，实际为 95（主体适格 20；程序合法 50；文书规范 25），相差 -5",
        "  - 第100行（类别 document）：类别“文书规范”分值为 25，适用于“行政处罚”的条目合计 30，相差 5",
        "  - 第100行（类别 document）：类别“文书规范”分值为 25，适用于“行政许可”的条目合计 30，相差 5",
    ]


@pytest.mark.parametrize("name, first_problem", [
    ("bad_duplicate_id.toml", "  - 第114行（条目 WS-01）：编号 WS-01 重复（第105行已使用）"),
    ("bad_item_sum.toml", "  - 第55行（类别 procedure）：类别“程序合法”分值为 50，适用于“行政许可”的条目合计 45，相差 -5"),
    ("bad_deduction.toml", "  - 第105行（条目 WS-01）：第1个扣分项“文书编号不规范”扣 16 分，超过条目分值 15 分"),
    ("bad_bands.toml", "  - 第17行（等次）：等次须按分数从高到低排列：“合格”的下限 95 不低于上一等次“优秀”的 90"),
])
def test_cli_check_each_bad_file(name, first_problem):
    path = DATA / name
    r = run_check(str(path))
    assert r.returncode == 1
    assert r.stderr.splitlines() == [f"错误：评查标准 {path} 有 1 处错误：", first_problem]


@pytest.mark.skipif(not ANJUAN.exists(), reason="anjuan script not installed next to python")
def test_cli_check_valid_file_exit_0():
    r = run_entry_point("standard", "check", str(SMALL))
    assert r.returncode == 0, r.stderr
    sha = sha256_text(small_text())
    assert r.stdout.strip() == f"校验通过：测试用小标准（1.0），3 个类别，9 个条目，校验码 {sha[:12]}"


def test_cli_check_missing_file():
    r = run_check(str(DATA / "no_such_standard.toml"))
    assert r.returncode == 1
    assert r.stderr.strip() == f"错误：找不到评查标准文件 {DATA / 'no_such_standard.toml'}（内置标准可直接写名称：default、default@1、naiman、naiman@1）"


def test_cli_runner_check_raises_input_error_with_problems():
    from anjuan.errors import InputError

    result = CliRunner().invoke(cli, ["standard", "check", str(DATA / "bad_total.toml")])
    assert result.exit_code == 1
    assert isinstance(result.exception, InputError)
    assert result.exception.message == f"评查标准 {DATA / 'bad_total.toml'} 有 1 处错误："
    assert result.exception.details == [
        "第26行（类别合计）：各类别分值合计应为 100，实际为 95（主体适格 20；程序合法 50；文书规范 25），相差 -5",
    ]


def test_cli_show_json_matches_to_dict():
    result = CliRunner().invoke(cli, ["standard", "show", "--json", str(SMALL)])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    std = load_standard(small_text())
    assert data == json.loads(json.dumps(std.to_dict()))
    assert data["sha256"] == sha256_text(small_text())
    assert [i["id"] for c in data["categories"] for i in c["items"]] == [i.id for i in std.items]


def test_cli_show_tree_mentions_flags():
    result = CliRunner().invoke(cli, ["standard", "show", str(SMALL)], terminal_width=200)
    assert result.exit_code == 0, result.output
    out = result.output
    assert "测试用小标准" in out
    assert "ZT-01 执法主体具有法定职权 一票否决" in out
    assert "CX-04 送达程序合法 10分 不得评优" in out
    assert "CX-03 在法定期限内作出许可决定 20分 仅行政许可" in out
    assert "每处扣5分，扣完为止：文书未载明日期" in out


# ---------------------------------------------------------------- schema 2

SMALL_V2 = DATA / "small_v2.toml"


def test_schema_2_parses_with_weights_groups_and_per_kind_points():
    std = load_standard(SMALL_V2.read_text(encoding="utf-8"))
    assert std.schema == 2 and std.weighted
    assert [c.points for c in std.categories] == [40, 60]
    assert std.category_points_for("行政处罚") == {"subject": 4, "procedure": 8}
    assert std.category_points_for("行政检查") == {"subject": 4, "procedure": 3}
    assert std.item("CX-02").group == "告知"
    d = std.to_dict()
    assert d["schema"] == 2 and d["categories"][1]["items"][0]["group"] == "告知"
    # schema 1 keeps its dictionary exactly as before (no schema, no empty groups)
    v1 = load_standard(small_text()).to_dict()
    assert "schema" not in v1 and all("group" not in i for c in v1["categories"] for i in c["items"])


def test_schema_2_scores_by_category_weight():
    from scoring import DEDUCT, NA, AnswerInput, score_case

    std = load_standard(SMALL_V2.read_text(encoding="utf-8"))
    # 处罚: subject 4/4 kept, procedure lost 2 of 8 → 40 × 1 + 60 × 6/8 = 85
    r = score_case(std, "行政处罚", [AnswerInput("CX-02", DEDUCT, 2.0)])
    assert (r.score, r.grade) == (85.0, "合格")
    assert [(c.possible, c.lost) for c in r.categories] == [(4, 0), (8, 2)]
    # 检查: procedure lost 3 of 3 → 40 × 1 + 60 × 0 = 40
    assert score_case(std, "行政检查", [AnswerInput("CX-04", DEDUCT, 3.0)]).score == 40.0
    # a category with nothing applicable leaves the weighting: only 程序 counts, 2 of 8 lost → 75
    r = score_case(std, "行政处罚", [AnswerInput("ZT-02", NA), AnswerInput("CX-02", DEDUCT, 2.0)])
    assert r.score == 75.0


@pytest.mark.parametrize(("change", "message"), [
    (('points = 0\nveto = true\nveto_text = "未告知陈述、申辩权利"', 'points = 2\nveto = true\nveto_text = "未告知陈述、申辩权利"'),
     "否决项的分值应为 0（同一问题不能既否决又扣分），实际为 2"),
    (('veto_text = "未告知陈述、申辩权利"\napplies_to = ["行政处罚"]\n',
      'veto_text = ""\napplies_to = ["行政处罚"]\n\n[[categories.items.deductions]]\ntext = "未告知"\npoints = 0.5\n'),
     "否决项不能再设扣分项（同一问题不能既否决又扣分）"),
    (('[[categories.items.deductions]]\ntext = "未告知检查结果"\npoints = 3\n', ''), "评分条目至少需要一个扣分项"),
    (('applies_to = ["行政检查"]', 'applies_to = ["行政处罚"]'), "类别“程序”没有适用于“行政检查”的评分条目"),
    (("\nschema = 2", "\nschema = 3"), "schema 应为 1 或 2，实际为 3"),
])
def test_schema_2_rules(change, message):
    text = SMALL_V2.read_text(encoding="utf-8")
    assert change[0] in text
    found = [p.message for p in problems_of(text.replace(change[0], change[1], 1))]
    assert any(message in m for m in found), found


def test_schema_2_veto_needs_its_wording():
    text = SMALL_V2.read_text(encoding="utf-8").replace('veto_text = "未告知陈述、申辩权利"', 'veto_text = ""')
    assert "否决项须写明否决情形 veto_text" in [p.message for p in problems_of(text)]


def run_cli(*args):
    return run_anjuan(*args)


def test_cli_show_kind_prints_that_kinds_checklist_and_total():
    r = run_cli("standard", "show", "default", "--kind", "行政检查")
    assert r.returncode == 0, r.stderr
    out = r.stdout
    assert "行政检查案卷适用" in out and "评分条目分值合计 72分" in out
    assert "CX-59" in out and "CX-86" not in out and "CL-52" not in out  # no 处罚-only items
    assert "事实证据" in out and "裁量适当" in out
    std = load_standard((Path(__file__).resolve().parent.parent / "data" / "standards" / "default.toml").read_text(encoding="utf-8"))
    assert sum(std.category_points_for("行政检查").values()) == 72


def test_cli_show_kind_json_keeps_only_that_kind():
    r = run_cli("standard", "show", "default", "--kind", "行政许可", "--json")
    data = json.loads(r.stdout)
    ids = [i["id"] for c in data["categories"] for i in c["items"]]
    assert data["kind"] == "行政许可" and "CX-69" in ids and "CX-40" not in ids
    assert sum(c["kind_points"] for c in data["categories"]) == 81


def test_cli_show_unknown_kind_one_line_exit_1():
    r = run_cli("standard", "show", "default", "--kind", "行政裁决")
    assert r.returncode == 1 and r.stdout == ""
    assert r.stderr.strip() == ("错误：案件类别“行政裁决”不在评查标准“行政执法案卷评查标准（通用版）”的类别中，"
                                "可选：行政处罚、行政许可、行政强制、行政检查")


def test_cli_unknown_standard_name_one_line_exit_1():
    r = run_cli("standard", "diff", "default@7", "default")
    assert r.returncode == 1
    assert r.stderr.strip() == "错误：找不到评查标准文件 default@7（内置标准可直接写名称：default、default@1、naiman、naiman@1）"


def test_cli_diff_versions_lists_what_a_bureau_needs():
    r = run_cli("standard", "diff", "default@1", "default")
    assert r.returncode == 0, r.stderr
    out = r.stdout
    for heading in ("计分规则", "各类案卷", "改为否决或取消否决", "新增条目", "删除条目", "分值改变", "适用类别改变"):
        assert heading in out, heading
    assert "CX-40 实施行政强制措施前" in out and "扣分项 → 否决项" in out
    assert "CX-09 执法决定书" in out  # V18 added
    assert "行政检查：条目 57 → 43" in out
    assert "已建立的评查活动保存了创建时的标准全文" in out


def test_cli_diff_json_and_identical():
    r = run_cli("standard", "diff", "naiman@1", "naiman", "--json")
    data = json.loads(r.stdout)
    assert not data["same_scoring"]
    assert {c["id"] for c in data["veto_changed"]} == set()  # naiman's new vetoes are new items
    assert {"NR-08", "NR-09", "CX-11", "CX-12", "CX-13", "CX-14", "CX-16", "CX-17"} <= {i["id"] for i in data["added"]}
    assert any(c["id"] == "NR-07" and c["new"] == "行政处罚" for c in data["rekinded"])
    same = run_cli("standard", "diff", "default", str(Path(__file__).resolve().parent.parent / "data" / "standards" / "default.toml"))
    assert same.returncode == 0 and "两个标准完全相同" in same.stdout


def test_diff_standards_names_every_kind_of_change():
    from scoring.standard import diff_standards

    old_text = SMALL_V2.read_text(encoding="utf-8")
    new_text = (old_text
                .replace('text = "告知书要素齐全"\npoints = 6', 'text = "告知书要素齐全"\npoints = 4')  # re-pointed
                .replace('text = "决定书按期送达"\npoints = 2\napplies_to = ["行政处罚"]',
                         'text = "决定书按期送达"\npoints = 2\napplies_to = ["行政处罚", "行政检查"]')  # re-kinded
                .replace('id = "CX-04"', 'id = "CX-05"'))  # removed CX-04, added CX-05
    old, new = load_standard(old_text), load_standard(new_text)
    d = diff_standards(old, new)
    assert [i.id for i in d.added] == ["CX-05"] and [i.id for i in d.removed] == ["CX-04"]
    assert [(c.id, c.old, c.new) for c in d.repointed] == [("CX-02", "6分", "4分")]
    assert [(c.id, c.old, c.new) for c in d.rekinded] == [("CX-03", "行政处罚", "行政处罚、行政检查")]
    assert not d.veto_changed and not d.moved and not d.same_scoring
    # a veto flag and a category move
    moved = old_text.replace('veto = true\nveto_text = "未告知陈述、申辩权利"', 'veto_text = "未告知陈述、申辩权利"')
    v1 = load_standard(small_text())
    assert diff_standards(old, old).same_scoring
    d2 = diff_standards(v1, v1)
    assert d2.same_scoring and not d2.header
    std_a = load_standard(old_text)
    std_b, problems = check_standard(moved)
    assert std_b is None and problems  # a scored item of 0 points is refused, so flips come with points
    flipped = moved.replace('text = "告知陈述申辩权利"\npoints = 0', 'text = "告知陈述申辩权利"\npoints = 1').replace(
        'applies_to = ["行政处罚"]\n\n[[categories.items]]\nid = "CX-02"',
        'applies_to = ["行政处罚"]\n\n[[categories.items.deductions]]\ntext = "未告知"\npoints = 1\n\n[[categories.items]]\nid = "CX-02"', 1)
    d3 = diff_standards(std_a, load_standard(flipped))
    assert [(c.id, c.old, c.new) for c in d3.veto_changed] == [("CX-01", "否决项", "扣分项")]
    assert [(c.id, c.old, c.new) for c in d3.repointed] == [("CX-01", "0分", "1分")]


def test_diff_standards_reports_an_item_moved_to_another_category():
    from scoring.standard import diff_standards

    text = SMALL_V2.read_text(encoding="utf-8")
    start = text.index('[[categories.items]]\nid = "CX-03"')
    end = text.index('[[categories.items]]\nid = "CX-04"')
    block = text[start:end]
    moved = text[:start] + text[end:]
    at = moved.index('[[categories]]\nid = "procedure"')
    moved = moved[:at] + block + moved[at:]
    d = diff_standards(load_standard(text), load_standard(moved))
    assert [(c.id, c.old, c.new) for c in d.moved] == [("CX-03", "程序", "主体适格")]
    assert not d.added and not d.removed and not d.repointed
