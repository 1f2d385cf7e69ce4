"""The 评查结果通报 and 反馈意见书 (anjuan report), with every figure worked out by hand.

Campaign (standard tests/data/report_standard.toml: ZT-01 veto 0, ZT-02 20, CX-01 30, CX-02 20,
WS-01 30; bands 优秀 ≥90, 合格 ≥60):

甲县市场监督管理局 (catalog 10, sampled 4)
  A1 all 符合                                  → 100.00 优秀
  A2 CX-01 −10, WS-01 −6                       →  84.00 合格
  A3 ZT-01 否决                                 →   0.00 不合格
  A4 double review: 王敏 CX-02 −5 (95), 李强 ZT-02 −5 + CX-02 −5 (90); both 优秀, 5 points apart
     (not more than the threshold 5) → they agree and the stricter one counts → 90.00 优秀
甲县交通运输局 (catalog 6, sampled 4)
  B1 ZT-02 −5, CX-01 −10, CX-02 −5, WS-01 −6    →  74.00 合格
  B2 CX-01 −10, WS-01 −6                       →  84.00 合格
  B3 double review: 王敏 all 符合 (100 优秀), 李强 CX-01 −10, CX-02 −5 (85 合格) → 待合议
  B4 assigned, only a draft                    → 未完成

Overall (6 final files): mean 432/6 = 72.00, median (84+84)/2 = 84.00, 优秀 2, 合格 3, 不合格 1,
合格率 5/6 = 83.3%, 优秀率 2/6 = 33.3%.
交通运输局: mean 79.00, total 158 → rank 1; 市场监督管理局: mean 68.50, total 274 → rank 2.
Loss per category: 主体 10/120 = 8.3%, 程序 40/300 = 13.3%, 文书 18/180 = 10.0%.
Typical problems: CX-01 3 files (30 points), WS-01 3 (18), ZT-02 2, CX-02 2, ZT-01 1 (否决).
Agreement (A4, B3): 10 item pairs, 7 equal → 70.0%; rater 1 符合 9/扣分 1, rater 2 符合 6/扣分 4:
pe = (9·6 + 1·4)/100 = 0.58, κ = (0.7 − 0.58)/0.42 = 0.2857; mean |diff| = (5 + 15)/2 = 10.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import zipfile
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import insert

from anjuan import models as m
from anjuan.campaign import campaign_info, init_campaign
from anjuan.lead.reporting import load_bulletin
from reports import wording as w
from reports.build import FORMATS, build_reports, bulletin_stem, parse_formats
from reports.compute import AgencyInput, CaseInput, ReportInputs, build_bulletin
from reports.errors import ReportError
from reports.filenames import UniqueNames, safe_filename
from reports.masking import is_natural_person, mask_numbers, mask_party, mask_person
from scoring import DEDUCT, PASS, VETO, AnswerInput, load_standard, score_case

STANDARD = Path(__file__).parent / "data" / "report_standard.toml"
ITEMS = ("ZT-01", "ZT-02", "CX-01", "CX-02", "WS-01")
TODAY = date(2025, 1, 10)
MARKET = "甲县市场监督管理局"
TRANSPORT = "甲县交通运输局"
ID_NO = "350524199001011234"
MOBILE = "13812345678"

NOTES = {"CX-01": "询问笔录未记载出示执法证件", "WS-01": "未载明履行方式和期限", "ZT-02": "未出示执法证件",
         "CX-02": "告知书未载明陈述申辩期限", "ZT-01": "以内设机构名义作出处罚决定"}


def answers(**given) -> list[AnswerInput]:
    """符合 for every item unless given: a number is a deduction, VETO a veto."""
    out = []
    for item in ITEMS:
        v = given.get(item.replace("-", "_"), PASS)
        if v == VETO:
            out.append(AnswerInput(item, VETO, 0.0, NOTES[item], "第3页"))
        elif isinstance(v, (int, float)):
            out.append(AnswerInput(item, DEDUCT, float(v), NOTES[item], "第5页"))
        else:
            out.append(AnswerInput(item, PASS))
    return out


def make_campaign(path: Path, market: str = MARKET, transport: str = TRANSPORT, titles: dict | None = None,
                  notes: dict | None = None, parties: dict | None = None) -> Path:
    """The campaign described in the module docstring, built with plain inserts."""
    titles, notes, parties = titles or {}, notes or {}, parties or {}
    db = init_campaign(path, "2024年度行政执法案卷评查", 2024, "甲县司法局", STANDARD)
    std = campaign_info(db).standard
    files = {  # key: (agency, case no, reviews as (reviewer, answers, status)); all of them sampled
        "A1": (market, "甲市监罚〔2024〕1号", [("王敏", answers(), m.STATUS_SUBMITTED)]),
        "A2": (market, "甲市监罚〔2024〕2号", [("王敏", answers(CX_01=10, WS_01=6), m.STATUS_SUBMITTED)]),
        "A3": (market, "甲市监罚〔2024〕3号", [("李强", answers(ZT_01=VETO), m.STATUS_SUBMITTED)]),
        "A4": (market, "甲市监罚〔2024〕4号", [("王敏", answers(CX_02=5), m.STATUS_SUBMITTED),
                                           ("李强", answers(ZT_02=5, CX_02=5), m.STATUS_SUBMITTED)]),
        "B1": (transport, "甲交罚〔2024〕1号",
               [("王敏", answers(ZT_02=5, CX_01=10, CX_02=5, WS_01=6), m.STATUS_SUBMITTED)]),
        "B2": (transport, "甲交罚〔2024〕2号", [("李强", answers(CX_01=10, WS_01=6), m.STATUS_SUBMITTED)]),
        "B3": (transport, "甲交罚〔2024〕3号", [("王敏", answers(), m.STATUS_SUBMITTED),
                                            ("李强", answers(CX_01=10, CX_02=5), m.STATUS_SUBMITTED)]),
        "B4": (transport, "甲交罚〔2024〕4号", [("王敏", answers(), m.STATUS_DRAFT)]),
    }
    extra = {market: 6, transport: 2}  # catalog files that were not drawn: catalogs of 10 and 6
    with db.session() as s:
        agency_ids = {}
        for name in (market, transport):
            a = m.Agency(name=name)
            s.add(a)
            s.flush()
            agency_ids[name] = a.id
        people = {}
        for name in ("王敏", "李强"):
            r = m.Reviewer(name=name, unit="甲县司法局")
            s.add(r)
            s.flush()
            people[name] = r.id
        batch = m.SamplingBatch(seed="20240601", algorithm="sha256(seed|执法机关|案号) 排序取前 n 个",
                                params=json.dumps({"ratio": 0.3, "min": 4, "max": None, "by_kind": False}))
        s.add(batch)
        s.flush()
        minute = 0
        for key, (agency, case_no, reviews) in files.items():
            case_id = m.new_id()
            s.execute(insert(m.CaseFile.__table__), [{
                "id": case_id, "agency_id": agency_ids[agency], "case_no": case_no,
                "title": titles.get(key, f"{parties.get(key, '甲县某商贸有限公司')}违法经营案"),
                "party": parties.get(key, "甲县某商贸有限公司"), "kind": "行政处罚", "officers": "甲、乙",
                "extra": "{}"}])
            s.execute(insert(m.SampledCase.__table__), [{"case_id": case_id, "batch_id": batch.id, "position": 1}])
            for slot, (who, ans, status) in enumerate(reviews, 1):
                s.execute(insert(m.Assignment.__table__), [{"id": m.new_id(), "case_id": case_id,
                                                            "reviewer_id": people[who], "slot": slot}])
                res = score_case(std, "行政处罚", ans)
                minute += 1
                stamp = f"2024-12-01T10:{minute:02d}:00.000000Z"
                rid = m.new_id()
                s.execute(insert(m.Review.__table__), [{
                    "id": rid, "case_id": case_id, "reviewer_id": people[who], "is_final": False, "status": status,
                    "revision": 1, "score": res.score, "grade": res.grade, "vetoed": res.vetoed, "note": "",
                    "created_at": stamp, "updated_at": stamp,
                    "submitted_at": stamp if status == m.STATUS_SUBMITTED else None}])
                s.execute(insert(m.Answer.__table__), [{
                    "id": m.new_id(), "review_id": rid, "item_id": a.item_id, "verdict": a.verdict,
                    "deducted": a.deducted, "note": notes.get((key, a.item_id), a.note), "page_ref": a.page_ref,
                    "occurrences": 1} for a in ans])
        for agency, n in extra.items():
            s.execute(insert(m.CaseFile.__table__), [{
                "id": m.new_id(), "agency_id": agency_ids[agency], "case_no": f"未抽中〔2024〕{i}号", "title": "",
                "party": "", "kind": "行政处罚", "extra": "{}"} for i in range(n)])
    db.close()
    return path


@pytest.fixture(scope="module")
def campaign_path(tmp_path_factory) -> Path:
    return make_campaign(tmp_path_factory.mktemp("camp") / "c.db")


def bulletin_of(path: Path, **kw):
    from anjuan.db import open_database

    db = open_database(path)
    try:
        return load_bulletin(db, TODAY, **kw)
    finally:
        db.close()


@pytest.fixture(scope="module")
def data(campaign_path):
    return bulletin_of(campaign_path)


@pytest.fixture(scope="module")
def built(tmp_path_factory, data):
    out = tmp_path_factory.mktemp("out")
    files = build_reports(data, out)
    return out, files


def file_of(out: Path, data, fmt: str) -> Path:
    return out / f"{bulletin_stem(data)}.{fmt}"


# --- figures --------------------------------------------------------------------------------


def test_figures_by_hand(data):
    assert data.title == "关于2024年度行政执法案卷评查结果的通报"
    s = data.sampling
    assert (s.agencies, s.catalog, s.sampled, s.reviewed, s.conflicts, s.pending) == (2, 16, 8, 6, 1, 1)
    assert s.batches[0].seed == "20240601" and s.batches[0].ratio == 0.3
    o = data.overall
    assert (o.count, o.mean, o.median, o.min, o.max) == (6, 72.0, 84.0, 0.0, 100.0)
    assert [(g.name, g.count) for g in o.grades] == [("优秀", 2), ("合格", 3), ("不合格", 1)]
    assert o.pass_rate == pytest.approx(5 / 6) and o.excellent_rate == pytest.approx(2 / 6)

    first, second = data.agencies
    assert (first.name, first.rank, first.stats.mean, first.stats.total) == (TRANSPORT, 1, 79.0, 158.0)
    assert (second.name, second.rank, second.stats.mean, second.stats.total) == (MARKET, 2, 68.5, 274.0)
    assert (first.catalog, first.sampled, first.reviewed, first.conflicts, first.pending) == (6, 4, 2, 1, 1)
    assert (second.catalog, second.sampled, second.reviewed, second.conflicts, second.pending) == (10, 4, 4, 0, 0)
    assert [f.score for f in second.files] == [100.0, 84.0, 0.0, 90.0]
    assert [f.grade for f in second.files] == ["优秀", "合格", "不合格", "优秀"]
    assert second.stats.pass_rate == 0.75 and second.stats.excellent_rate == 0.5

    assert [(c.name, c.possible, c.lost) for c in data.categories] == [
        ("主体", 120.0, 10.0), ("程序", 300.0, 40.0), ("文书", 180.0, 18.0)]
    assert [round(c.rate, 4) for c in data.categories] == [0.0833, 0.1333, 0.1]

    tps = data.typical_problems
    assert [(t.item_id, t.count, t.points_lost, t.agencies, t.vetoes) for t in tps] == [
        ("CX-01", 3, 30.0, 2, 0), ("WS-01", 3, 18.0, 2, 0), ("ZT-02", 2, 10.0, 2, 0),
        ("CX-02", 2, 10.0, 2, 0), ("ZT-01", 1, 0.0, 1, 1)]
    assert tps[0].share == pytest.approx(0.5)
    # the note only repeats the problem's heading: the example names the file without it
    assert tps[0].statement == "询问笔录未记载出示执法证件" and tps[0].examples[0].note == ""
    assert w.example_text(tps[0].examples[0]) == "甲县交通运输局甲交罚〔2024〕1号案卷"

    assert [(f.case_no, f.score) for f in data.failed_files] == [("甲市监罚〔2024〕3号", 0.0)]
    assert data.failed_files[0].reasons == ["否决项：执法主体不合法（以内设机构名义作出处罚决定）"]
    assert [(f.case_no, f.state, f.reasons[0][:4]) for f in data.open_files] == [
        ("甲交罚〔2024〕3号", "待合议", "等次不同"), ("甲交罚〔2024〕4号", "未完成", "尚未提交")]

    a = data.agreement
    assert (a.files, a.items, a.same_grade, a.conflicts, a.settled) == (2, 10, 1, 1, 0)
    assert a.percent == pytest.approx(0.7)
    assert a.kappa == pytest.approx(0.12 / 0.42)
    assert a.mean_abs_diff == pytest.approx(10.0)

    assert data.deadline == date(2025, 2, 9) and data.deadline_is_default
    assert "2025年2月9日前" in data.requirements[0] and "甲县司法局" in data.requirements[0]
    assert second.failed and "甲市监罚〔2024〕3号" in second.requirements[1]
    # problems of an agency, grouped by item, most frequent first, with the legal basis
    assert [(g.item_id, g.count) for g in second.problems] == [
        ("ZT-01", 1), ("ZT-02", 1), ("CX-01", 1), ("CX-02", 1), ("WS-01", 1)]
    assert second.problems[0].basis == "《中华人民共和国行政处罚法》第十七条"


@pytest.mark.postgres
def test_the_same_campaign_on_postgres_gives_the_same_bulletin(campaign_path, data, tmp_path):
    """Every figure, ranking and problem of the bulletin read from PostgreSQL equals SQLite's."""
    from tests.conftest import Targets

    pg = Targets("postgres", tmp_path)
    try:
        on_server = bulletin_of(pg.from_sqlite(campaign_path))
    finally:
        pg.cleanup()
    assert on_server == data


def test_deadline_given(campaign_path):
    d = bulletin_of(campaign_path, deadline=date(2025, 3, 31))
    assert d.deadline == date(2025, 3, 31) and not d.deadline_is_default
    assert "2025年3月31日前" in d.requirements[0]


def _pure_inputs(scores: dict[str, list[float]]):
    """ReportInputs for files with given scores (every file with one CX-01 deduction or none)."""
    std = load_standard(STANDARD.read_text(encoding="utf-8"))
    cases = []
    for agency, values in scores.items():
        for n, target in enumerate(values, 1):
            lost = 100 - target
            cs = score_case(std, "行政处罚", answers(CX_01=lost) if lost else answers())
            cases.append(CaseInput(f"{agency}{n}", agency, f"{agency}罚〔2024〕{n}号", "", "", "行政处罚", "final", cs))
    return ReportInputs("测试评查", 2024, "乙县司法局", std, [AgencyInput(a, 5) for a in scores], cases)


def test_rank_ties_share_a_place():
    data = build_bulletin(_pure_inputs({"甲局": [90, 80], "乙局": [80, 90], "丙局": [95], "丁局": [70, 70]}), TODAY)
    assert [(a.name, a.rank) for a in data.agencies] == [("丙局", 1), ("乙局", 2), ("甲局", 2), ("丁局", 4)]
    assert w.rank_text(data.agencies[1], data) == "第2名（并列）"


def test_no_final_reviews_yet():
    std = load_standard(STANDARD.read_text(encoding="utf-8"))
    inputs = ReportInputs("测试评查", 2024, "乙县司法局", std, [AgencyInput("甲局", 3)],
                          [CaseInput("x", "甲局", "甲罚〔2024〕1号", "", "", "行政处罚", "pending", reasons=("尚未提交评查结果",))])
    data = build_bulletin(inputs, TODAY)
    assert data.overall is None and data.agencies[0].rank is None and data.open_files[0].state == "未完成"
    assert "尚无完成评查的案卷" in " ".join(w.overview(data))


# --- formats --------------------------------------------------------------------------------


def test_every_format_is_written(built, data):
    out, files = built
    names = {p.relative_to(out).as_posix() for p in files}
    for fmt in FORMATS:
        assert f"{bulletin_stem(data)}.{fmt}" in names
    for a in data.agencies:
        for fmt in ("docx", "html", "md"):
            assert f"反馈意见书/{a.file_stem}.{fmt}" in names
    assert len(files) == 5 + 2 * 3
    assert not [p for p in out.rglob("*") if ".tmp" in p.name]


def test_json_states_the_figures(built, data):
    out, _ = built
    doc = json.loads(file_of(out, data, "json").read_text(encoding="utf-8"))
    assert doc["schema"] == "anjuan.bulletin/1"
    assert doc["overall"]["mean"] == 72.0 and doc["overall"]["median"] == 84.0
    assert [g["count"] for g in doc["overall"]["grades"]] == [2, 3, 1]
    assert [(a["name"], a["rank"], a["stats"]["mean"]) for a in doc["agencies"]] == [
        (TRANSPORT, 1, 79.0), (MARKET, 2, 68.5)]
    assert doc["sampling"]["sampled"] == 8 and doc["sampling"]["batches"][0]["seed"] == "20240601"
    assert [round(c["rate"], 4) for c in doc["categories"]] == [0.0833, 0.1333, 0.1]
    assert doc["typical_problems"][0]["item_id"] == "CX-01"
    assert doc["agreement"]["percent"] == pytest.approx(0.7)
    assert doc["deadline"] == "2025-02-09" and doc["deadline_is_default"] is True
    market = doc["agencies"][1]
    assert market["files"][2]["problems"][0] == {
        "item_id": "ZT-01", "item_text": "执法主体合法，以本机关名义作出决定", "category": "主体", "verdict": "否决",
        "deducted": 0.0, "note": "以内设机构名义作出处罚决定", "page_ref": "第3页",
        "basis": "《中华人民共和国行政处罚法》第十七条", "statement": "执法主体不合法", "bars_excellent": False}


def test_json_holds_every_field_of_the_model(built, data):
    """The JSON file is the bulletin's data as the json module would write it: every field of every
    dataclass in field order (derived figures such as a category's rate included), dates as ISO text."""
    import dataclasses
    from datetime import date

    out, _ = built
    text = file_of(out, data, "json").read_text(encoding="utf-8")
    whole = dataclasses.asdict(data)
    for key in ("selfcheck", "previous"):  # written only when the campaign has them
        if whole.get(key) is None:
            whole.pop(key, None)
    expected = json.loads(json.dumps(whole, ensure_ascii=False,
                                     default=lambda o: o.isoformat() if isinstance(o, date) else str(o)))
    doc = json.loads(text)
    assert list(doc) == [k for k in expected if k != "agencies"] + ["agencies"]
    assert doc == expected
    assert all("rate" in c for a in doc["agencies"] for c in a["categories"])


def test_xlsx_states_the_figures(built, data):
    openpyxl = pytest.importorskip("openpyxl")
    out, _ = built
    wb = openpyxl.load_workbook(file_of(out, data, "xlsx"))
    assert wb.sheetnames == ["总体情况", "执法机关排名", "案卷得分", "问题明细", "典型问题", "不合格案卷",
                             "优秀案卷", "未完成案卷", "评查一致性", "评查人员工作量", "图表"]
    work = {r[0].value: [c.value for c in r] for r in wb["评查人员工作量"].iter_rows(min_row=2)}
    assert work["王敏"][2:5] == [6, 5, 1] and work["李强"][2:5] == [4, 4, 0]
    rk = wb["执法机关排名"]
    header = [c.value for c in rk[1]]
    assert header[:8] == ["名次", "执法机关", "案卷目录数", "抽查卷数", "已评卷数", "待合议", "未完成", "平均分"]
    assert header[-3:] == ["优秀", "合格", "不合格"]
    assert rk.freeze_panes == "A2"
    rows = [[c.value for c in r] for r in rk.iter_rows(min_row=2)]
    assert rows[0][:8] == [1, TRANSPORT, 6, 4, 2, 1, 1, 79]
    assert rows[1][:8] == [2, MARKET, 10, 4, 4, 0, 0, 68.5]
    assert rows[1][-3:] == [2, 1, 1]
    assert rk.cell(2, 8).number_format == "0.00" and rk.cell(2, 13).number_format == "0.0%"

    summary = {r[0].value: r[1].value for r in wb["总体情况"].iter_rows(min_row=3) if r[0].value}
    assert summary["平均分"] == 72 and summary["抽查案卷数"] == 8 and summary["抽样随机种子"] == "20240601"
    assert summary["合格率"] == pytest.approx(5 / 6)

    files = wb["案卷得分"]
    scored = {(r[1].value): (r[5].value, r[6].value) for r in files.iter_rows(min_row=2)}
    assert scored["甲市监罚〔2024〕3号"] == (0, "不合格") and scored["甲市监罚〔2024〕4号"] == (90, "优秀")
    problems = [[c.value for c in r] for r in wb["问题明细"].iter_rows(min_row=2)]
    assert len(problems) == 11  # 2 + 1 + 2 (A) + 4 + 2 (B)
    assert ["甲县交通运输局", "甲交罚〔2024〕1号"] == problems[0][:2]
    typical = [[c.value for c in r] for r in wb["典型问题"].iter_rows(min_row=2)]
    assert [t[1] for t in typical] == ["CX-01", "WS-01", "ZT-02", "CX-02", "ZT-01"]
    assert typical[0][4] == 3
    with zipfile.ZipFile(file_of(out, data, "xlsx")) as z:
        charts = sorted(n for n in z.namelist() if n.startswith("xl/charts/chart"))
        assert len(charts) == 2
        assert "执法机关排名" in z.read(charts[1]).decode("utf-8")


def _docx_text(path: Path):
    import docx

    d = docx.Document(str(path))
    return d, [p.text for p in d.paragraphs]


def test_docx_states_the_figures(built, data):
    out, _ = built
    d, paras = _docx_text(file_of(out, data, "docx"))
    assert paras[0] == "关于2024年度行政执法案卷评查结果的通报"
    assert paras[1] == "（草稿）"  # files are still open
    assert d.paragraphs[0].style.name == "公文标题" and d.paragraphs[0].style.style_id == "DocTitle"
    heads = [p.text for p in d.paragraphs if p.style.name == "Heading 1"]
    assert heads == ["一、评查基本情况", "二、各执法机关评查结果", "三、各类别失分情况", "四、好的做法",
                     "五、存在的主要问题", "六、不合格案卷情况", "七、整改要求"]
    # problems: vetoes first, then by category; headings state the problem, not the requirement
    assert [p.text for p in d.paragraphs if p.style.name == "Heading 2"] == [
        "（一）否决问题", "（二）主体方面", "（三）程序方面", "（四）文书方面"]
    problems = [p.text for p in d.paragraphs if re.match(r"\d+\. ", p.text)]
    assert problems[0].startswith("1. 执法主体不合法。1卷存在此问题")
    assert problems[1].startswith("1. 未出示执法证件。2卷存在此问题")  # the deduction option's wording
    body = "\n".join(paras)
    assert "已完成评查的6卷案卷平均得分72.00分" in body and "合格率83.3%，优秀率33.3%" in body
    assert "2025年2月9日前" in body
    ranking = next(t for t in d.tables if t.rows[0].cells[0].text == "名次")
    assert [c.text for c in ranking.rows[1].cells] == ["1", TRANSPORT, "4", "2", "79.00", "100.0%", "0.0%", "0", "2", "0"]
    assert [c.text for c in ranking.rows[2].cells] == ["2", MARKET, "4", "4", "68.50", "75.0%", "50.0%", "2", "1", "1"]
    failed = next(t for t in d.tables if t.rows[0].cells[0].text == "序号" and t.rows[0].cells[-1].text == "主要问题")
    assert failed.rows[1].cells[2].text == "甲市监罚〔2024〕3号"
    # official-document fonts: East Asian font set through w:eastAsia
    styles = d.styles.element.xml
    assert 'w:eastAsia="方正小标宋简体"' in styles and 'w:eastAsia="仿宋_GB2312"' in styles
    assert 'w:eastAsia="黑体"' in styles
    normal = d.styles["Normal"]
    assert normal.font.size.pt == 16
    sec = d.sections[0]
    assert round(sec.top_margin.mm) == 37 and round(sec.left_margin.mm) == 28

    fd, fparas = _docx_text(out / "反馈意见书" / f"{data.agencies[1].file_stem}.docx")
    assert fparas[0] == "2024年度行政执法案卷评查反馈意见书" and fparas[1] == "（草稿）" and fparas[2] == f"{MARKET}："
    assert [p.text for p in fd.paragraphs if p.style.name == "Heading 1"] == [
        "一、评查总体情况", "二、案卷评查得分", "三、存在的问题", "四、整改要求"]
    ftext = "\n".join(fparas)
    assert "在2个参与排名的执法机关中列第2名" in ftext
    assert "依据：《行政处罚法》第十七条" in ftext and "法律名称省略“中华人民共和国”" in ftext
    # grouped by problem, vetoes first, with the files and pages; no internal item codes
    assert "1. 执法主体不合法（1卷）。涉及案卷：甲市监罚〔2024〕3号（第3页，否决）。" in ftext
    assert not re.search(r"(ZT|CX|WS)-0\d", ftext)
    files = next(t for t in fd.tables if t.rows[0].cells[1].text == "案号" and t.rows[0].cells[2].text == "案件名称")
    assert [(r.cells[1].text, r.cells[3].text, r.cells[4].text) for r in files.rows[1:]] == [
        ("甲市监罚〔2024〕1号", "100.00", "优秀"), ("甲市监罚〔2024〕2号", "84.00", "合格"),
        ("甲市监罚〔2024〕3号", "0.00", "不合格"), ("甲市监罚〔2024〕4号", "90.00", "优秀")]


def _plain(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_html_and_md_state_the_same_numbers(built, data):
    out, _ = built
    html = file_of(out, data, "html").read_text(encoding="utf-8")
    md = file_of(out, data, "md").read_text(encoding="utf-8")
    assert "@media print" in html and "<link" not in html and "<script" not in html and "src=" not in html
    for text in (_plain(html), md):
        assert "已完成评查的6卷案卷平均得分72.00分" in text
        assert "合格率83.3%，优秀率33.3%" in text
        assert "2025年2月9日前" in text
        for heading in ("一、评查基本情况", "二、各执法机关评查结果", "七、整改要求"):
            assert heading in text
    assert "| 1 | 甲县交通运输局 | 4 | 2 | 79.00 | 100.0% | 0.0% | 0 | 2 | 0 |" in md
    assert "| 2 | 甲县市场监督管理局 | 4 | 4 | 68.50 | 75.0% | 50.0% | 2 | 1 | 1 |" in md
    assert re.search(r"<td[^>]*>1</td>\s*<td><a [^>]*>甲县交通运输局</a></td>\s*<td[^>]*>4</td>\s*<td[^>]*>2</td>\s*"
                     r"<td[^>]*>79.00</td>", html)
    fb = (out / "反馈意见书" / f"{data.agencies[1].file_stem}.md").read_text(encoding="utf-8")
    assert "| 3 | 甲市监罚〔2024〕3号 |" in fb and "| 0.00 | 不合格 |" in fb
    assert "在2个参与排名的执法机关中列第2名" in fb
    fbh = (out / "反馈意见书" / f"{data.agencies[1].file_stem}.html").read_text(encoding="utf-8")
    assert "在2个参与排名的执法机关中列第2名" in _plain(fbh)


# --- hostile text ---------------------------------------------------------------------------

EVIL_AGENCY = '<script>alert("x")</script>../../..\\局|*?:"CON'
LONG_AGENCY = "很长的执法机关名称" * 40 + "局"
EVIL_TITLE = '=HYPERLINK("http://x")'
EVIL_NOTE = '<img src=x onerror=alert(1)>\n| 破坏 | 表格 |\n# 标题 [链接](http://x) =1+1'


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    path = make_campaign(tmp_path_factory.mktemp("evil") / "c.db", market=EVIL_AGENCY, transport=LONG_AGENCY,
                         titles={"A2": EVIL_TITLE, "B1": "<b>粗体</b>|../x\x07"},
                         notes={("A2", "CX-01"): EVIL_NOTE, ("B1", "WS-01"): EVIL_NOTE})
    data = bulletin_of(path)
    out = tmp_path_factory.mktemp("evil_out")
    return data, out, build_reports(data, out)


def test_hostile_file_names_stay_safe(hostile):
    data, out, files = hostile
    for p in files:
        assert p.resolve().is_relative_to(out.resolve())
        rel = p.relative_to(out)
        assert len(rel.parts) <= 2
        for part in rel.parts:
            assert not set(part) & set('\\/:*?"<>|') and not part.startswith(".")
            assert len(part.encode("utf-8")) <= 255
    assert {p.name for p in out.iterdir()} <= {f"{bulletin_stem(data)}.{f}" for f in FORMATS} | {"反馈意见书"}
    stems = [a.file_stem for a in data.agencies]
    assert len(set(stems)) == 2 and all(len(s) <= 80 for s in stems)


def test_hostile_html_is_escaped(hostile):
    data, out, files = hostile
    for p in files:
        if p.suffix != ".html":
            continue
        html = p.read_text(encoding="utf-8")
        assert "<script>" not in html and "<img" not in html and "<b>" not in html and "\x07" not in html
    html = file_of(out, data, "html").read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html


def _md_cells(line: str) -> int:
    return len(re.findall(r"(?<!\\)\|", line))


def test_hostile_markdown_stays_in_its_cells(hostile):
    data, out, files = hostile
    for p in files:
        if p.suffix != ".md":
            continue
        md = p.read_text(encoding="utf-8")
        assert not re.search(r"(?<!\\)<", md), "an unescaped < could start HTML"
        assert "](http" not in md
        lines = md.splitlines()
        for n, line in enumerate(lines):
            if line.startswith("|:") or line.startswith("|-"):
                cols = _md_cells(line)
                k = n + 1
                while k < len(lines) and lines[k].startswith("|"):
                    assert _md_cells(lines[k]) == cols, lines[k]
                    k += 1
        assert not re.search(r"^#+ 标题", md, re.M)
    fb = (out / "反馈意见书" / f"{data.agencies[1].file_stem}.md").read_text(encoding="utf-8")
    assert "\\<img src=x onerror=alert\\(1\\)\\> \\| 破坏 \\| 表格 \\|" in fb


def test_hostile_xlsx_cells_are_strings(hostile):
    openpyxl = pytest.importorskip("openpyxl")
    data, out, _ = hostile
    wb = openpyxl.load_workbook(file_of(out, data, "xlsx"))
    cells = [c for r in wb["案卷得分"].iter_rows(min_row=2) for c in r if c.value == EVIL_TITLE]
    assert cells and all(c.data_type == "s" for c in cells)
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                assert c.data_type != "f", (ws.title, c.coordinate, c.value)
    notes = [c.value for r in wb["问题明细"].iter_rows(min_row=2) for c in r if isinstance(c.value, str) and "<img" in c.value]
    assert notes and notes[0] == EVIL_NOTE
    assert any(c.value == EVIL_AGENCY for c in wb["执法机关排名"]["B"])
    with zipfile.ZipFile(file_of(out, data, "xlsx")) as z:
        assert not [n for n in z.namelist() if "<f>" in z.read(n).decode("utf-8", "replace")]


def test_streamed_xlsx_holds_the_same_cells(hostile, tmp_path):
    """A large campaign's workbook is streamed (constant_memory, in-line strings): same sheets,
    cells, row heights and merged ranges as the in-memory one."""
    openpyxl = pytest.importorskip("openpyxl")
    from reports.excel import write_xlsx

    data = hostile[0]
    books = []
    for stream in (False, True):
        write_xlsx(data, tmp_path / f"{stream}.xlsx", stream=stream)
        books.append(openpyxl.load_workbook(tmp_path / f"{stream}.xlsx"))
    memory, streamed = books
    assert memory.sheetnames == streamed.sheetnames
    for a, b in zip(memory.worksheets, streamed.worksheets, strict=True):
        assert [[(c.value, c.data_type, c.number_format) for c in r] for r in a.iter_rows()] == \
               [[(c.value, c.data_type, c.number_format) for c in r] for r in b.iter_rows()], a.title
        assert {k: d.height for k, d in a.row_dimensions.items()} == {k: d.height for k, d in b.row_dimensions.items()}
        assert sorted(map(str, a.merged_cells.ranges)) == sorted(map(str, b.merged_cells.ranges))
    assert any(c.value == EVIL_NOTE for r in streamed["问题明细"].iter_rows() for c in r)


@pytest.mark.parametrize("stream", [False, True])
def test_fast_xlsx_cells_are_xlsxwriters_own(hostile, tmp_path, monkeypatch, stream):
    """reports.excel.FastWorksheet's short paths write every sheet byte for byte as xlsxwriter's
    own worksheet does (hostile text: markup, control characters, long names)."""
    from xlsxwriter.worksheet import Worksheet

    from reports import excel

    data = hostile[0]
    excel.write_xlsx(data, tmp_path / "fast.xlsx", stream=stream)
    monkeypatch.setattr(excel, "FastWorksheet", Worksheet)
    excel.write_xlsx(data, tmp_path / "stock.xlsx", stream=stream)
    with zipfile.ZipFile(tmp_path / "fast.xlsx") as a, zipfile.ZipFile(tmp_path / "stock.xlsx") as b:
        assert a.namelist() == b.namelist()
        sheets = [n for n in a.namelist() if n.startswith("xl/worksheets/sheet")]
        assert len(sheets) >= 5
        for name in sheets:
            assert a.read(name) == b.read(name), name


def test_hostile_docx_keeps_text_literal(hostile):
    data, out, _ = hostile
    d, paras = _docx_text(out / "反馈意见书" / f"{data.agencies[1].file_stem}.docx")
    assert paras[2] == f"{EVIL_AGENCY}："
    cells = [c.text for t in d.tables for r in t.rows for c in r.cells]
    assert EVIL_TITLE in cells
    assert " ".join(EVIL_NOTE.split()) in "\n".join(paras)  # the reviewer's note, literally


# --- public version -------------------------------------------------------------------------

PERSON = "张三丰"


@pytest.fixture(scope="module")
def personal(tmp_path_factory):
    note = f"当事人{PERSON}（身份证号{ID_NO}，电话{MOBILE}）未签名"
    path = make_campaign(tmp_path_factory.mktemp("pii") / "c.db",
                         titles={"A2": f"{PERSON}销售过期食品案（联系电话{MOBILE}）"},
                         parties={"A2": PERSON, "B2": "甲县鑫达食品店"},
                         notes={("A2", "CX-01"): note, ("A2", "WS-01"): note})
    return path


def _all_text(out: Path) -> str:
    texts = []
    for p in out.rglob("*"):
        if p.suffix in (".html", ".md", ".json"):
            texts.append(p.read_text(encoding="utf-8"))
        elif p.suffix in (".docx", ".xlsx"):
            with zipfile.ZipFile(p) as z:
                texts.extend(z.read(n).decode("utf-8", "replace") for n in z.namelist() if n.endswith(".xml"))
    return "\n".join(texts)


def test_public_version_masks_personal_data(personal, tmp_path):
    internal, public = tmp_path / "internal", tmp_path / "public"
    build_reports(bulletin_of(personal), internal)
    data = bulletin_of(personal, public=True)
    build_reports(data, public)
    inner = _all_text(internal)
    assert PERSON in inner and ID_NO in inner and MOBILE in inner
    text = _all_text(public)
    assert PERSON not in text and ID_NO not in text and MOBILE not in text
    assert "张某销售过期食品案" in text and "350524************" in text and "138****5678" in text
    assert "甲县鑫达食品店" in text  # organisations keep their names
    assert (public / "反馈意见书（公开版）").is_dir()
    assert data.public and "（公开版）" in bulletin_stem(data)


def test_typical_problem_examples_are_anonymised_even_internally(personal):
    data = bulletin_of(personal)
    examples = [e.note for t in data.typical_problems for e in t.examples]
    assert any("张某" in e for e in examples)
    assert not any(PERSON in e or ID_NO in e or MOBILE in e for e in examples)


def test_masking_rules():
    assert mask_person("张三") == "张某" and mask_person("欧阳娜娜") == "欧阳某"
    assert is_natural_person("李四") and is_natural_person("买买提·艾力")
    for org in ("甲县某公司", "鑫达超市", "好运网吧", "仁和诊所", "阳光旅行社", "绿源合作社", "城东酒店", "建材经营部", "某某厂"):
        assert not is_natural_person(org), org
    assert mask_party("王五、甲县某商贸有限公司") == "王某、甲县某商贸有限公司"
    assert mask_numbers(f"身份证{ID_NO[:-1]}X，手机+86 138-1234-5678") == "身份证350524************，手机+86 138-****-5678"
    assert mask_numbers("案号20240101000000000001") == "案号20240101000000000001"  # 20 digits: not an ID


def test_safe_file_names():
    assert safe_filename("../../etc/passwd") == "etcpasswd"
    assert safe_filename("CON") == "_CON" and safe_filename("lpt1.局") == "_lpt1.局"
    assert safe_filename('a<b>c:d"e|f?g*h') == "abcdefgh"
    assert safe_filename("  .. \x00\u202e  ") == "未命名"
    long = safe_filename("局" * 500)
    assert long.endswith("…") and len(long.encode("utf-8")) <= 180
    names = UniqueNames()
    assert [names.take(n) for n in ("甲局", "甲局", "A局", "a局")] == ["甲局", "甲局（2）", "A局", "a局（2）"]


# --- templates, formats, CLI ----------------------------------------------------------------


def test_templates_override_by_file_name(data, tmp_path):
    tdir = tmp_path / "tpl"
    tdir.mkdir()
    (tdir / "bulletin.md.j2").write_text("自定义模板：{{ data.overall.mean|score }}，{{ data.agencies[0].name }}\n",
                                         encoding="utf-8")
    (tdir / "_style.css").write_text("body { color: #123456; }", encoding="utf-8")
    out = tmp_path / "out"
    build_reports(data, out, ["md", "html"], templates_dir=tdir)
    assert file_of(out, data, "md").read_text(encoding="utf-8") == f"自定义模板：72.00，{TRANSPORT}\n"
    html = file_of(out, data, "html").read_text(encoding="utf-8")
    assert "color: #123456" in html and "@media print" not in html
    fb = (out / "反馈意见书" / f"{data.agencies[0].file_stem}.md").read_text(encoding="utf-8")
    assert fb.startswith("# 2024年度行政执法案卷评查反馈意见书")  # not overridden: the built-in one


def test_template_errors_are_reported(data, tmp_path):
    (tmp_path / "bulletin.md.j2").write_text("{% if %}", encoding="utf-8")
    with pytest.raises(ReportError, match="bulletin.md.j2"):
        build_reports(data, tmp_path / "out", ["md"], templates_dir=tmp_path)
    with pytest.raises(ReportError, match="不存在"):
        build_reports(data, tmp_path / "out", ["md"], templates_dir=tmp_path / "missing")


def test_parse_formats():
    assert parse_formats("xlsx, DOCX,.md,xlsx") == ["xlsx", "docx", "md"]
    with pytest.raises(ReportError, match="pdf"):
        parse_formats("pdf")


def test_cli_report(campaign_path, tmp_path):
    import anjuan.commands  # noqa: F401
    from anjuan.cli import cli

    out = tmp_path / "通报"
    result = CliRunner().invoke(cli, ["report", str(campaign_path), "-o", str(out), "--format", "json,md",
                                      "--deadline", "2025-03-31", "--force"])
    assert result.exit_code == 0, result.output
    assert "已生成 4 个文件" in result.output and "待合议 1 卷" in result.output
    doc = json.loads(next(out.glob("*.json")).read_text(encoding="utf-8"))
    assert doc["deadline"] == "2025-03-31" and doc["deadline_is_default"] is False
    assert sorted(p.suffix for p in out.rglob("*.*")) == [".json", ".md", ".md", ".md"]
    help_text = CliRunner().invoke(cli, ["report", "--help"]).output
    assert "30 日" in help_text and "--public" in help_text and "--templates" in help_text


def test_cli_errors_are_one_line(campaign_path, tmp_path):
    cmd = [sys.executable, "-m", "anjuan", "report", str(campaign_path), "-o", str(tmp_path / "o")]
    bad = subprocess.run([*cmd, "--deadline", "2025/3/31"], capture_output=True, text=True)
    assert bad.returncode == 1 and "整改期限" in bad.stderr and "Traceback" not in bad.stderr
    bad = subprocess.run([*cmd, "--format", "pdf"], capture_output=True, text=True)
    assert bad.returncode == 1 and "不支持的格式" in bad.stderr


def test_reports_package_never_touches_the_database():
    code = ("import sys, reports.build, reports.compute, reports.excel, reports.word, reports.web, reports.jsonout, "
            "reports.masking, reports.filenames; "
            "print(sorted(m for m in ('sqlalchemy', 'sqlmodel', 'anjuan', 'anjuan.db') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == "[]"
