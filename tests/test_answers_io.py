"""Scripted answers (anjuan/review/answers_io.py) and `anjuan answers export/import`.

The campaign used here (built once, copied per test): two agencies with four files each (two
行政处罚, two 行政许可), reviewers 张三 and 李四 (four files each, no double reviews), a lead.
Default standard items used: ZT-01 veto (0 points), ZT-06/ZT-07 2 points, CX-02 veto for
行政处罚 only.
"""

from __future__ import annotations

import csv
import json
import shutil
import subprocess
from pathlib import Path

import openpyxl
import pytest
from anjuan_cli import run_anjuan
from sqlalchemy import func, insert, select

from anjuan import models as m
from anjuan.campaign import campaign_info, init_campaign
from anjuan.db import open_database
from anjuan.errors import AnjuanError, InputError
from anjuan.prepare.assignment import assign
from anjuan.prepare.reviewers import add_reviewer
from anjuan.prepare.sampling import draw_sample
from anjuan.review.answers_io import CORE_COLUMNS, EXPORT_COLUMNS, export_answers, import_answers
from anjuan.review.pack import pack
from anjuan.review.reviewing import StoredAnswer, open_review, save_answer, submit_review
from scoring import score_case

AGENCY_A = "甲县市场监督管理局"
AGENCY_B = "甲县交通运输局"
PUNISH, PERMIT = "行政处罚", "行政许可"


# ---------------------------------------------------------------------------------------------
# Building the campaign


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("tpl") / "c.db"
    db = init_campaign(path, "测试评查", standard_path="default-v1")  # item ids of the first edition
    with db.session() as s:
        conn = s.connection()
        ids = {AGENCY_A: m.new_id(), AGENCY_B: m.new_id()}
        conn.execute(insert(m.Agency.__table__), [{"id": i, "name": n, "created_at": m.now()} for n, i in ids.items()])
        rows = []
        for name, short in ((AGENCY_A, "甲市监"), (AGENCY_B, "甲交")):
            for n, kind in enumerate((PUNISH, PUNISH, PERMIT, PERMIT), 1):
                word = "罚" if kind == PUNISH else "许"
                rows.append({"id": m.new_id(), "agency_id": ids[name], "case_no": f"{short}{word}〔2024〕{n}号",
                             "title": f"案件{n}", "party": "某公司", "kind": kind, "extra": "{}"})
        conn.execute(insert(m.CaseFile.__table__), rows)
    add_reviewer(db, "张三")
    add_reviewer(db, "李四")
    add_reviewer(db, "王组长", role="lead")
    draw_sample(db, seed="1", ratio=1.0)
    assign(db, seed="1")
    db.close()
    return path


@pytest.fixture
def camp(template, tmp_path, targets):
    """A fresh copy of the campaign: a file, or (PostgreSQL) a database URL."""
    if targets.is_pg:
        return targets.from_sqlite(template)
    path = tmp_path / "c.db"
    shutil.copy(template, path)
    return path


@pytest.fixture
def db(camp):
    d = open_database(camp)
    yield d
    d.close()


def reviewer_id(db, name: str) -> str:
    with db.session() as s:
        return s.scalar(select(m.Reviewer.id).where(m.Reviewer.name == name))


def files_of(db, name: str) -> list[tuple[str, str, str, str]]:
    """(agency, case_no, kind, case_id) of the reviewer's files, 行政处罚 first."""
    rid = reviewer_id(db, name)
    cf, ag, asg = m.CaseFile.__table__, m.Agency.__table__, m.Assignment.__table__
    with db.session() as s:
        rows = s.execute(select(ag.c.name, cf.c.case_no, cf.c.kind, cf.c.id)
                         .select_from(asg.join(cf, cf.c.id == asg.c.case_id).join(ag, ag.c.id == cf.c.agency_id))
                         .where(asg.c.reviewer_id == rid)).all()
    return sorted((tuple(r) for r in rows), key=lambda r: (r[2] != PUNISH, r[0], r[1]))


def unassigned_to(db, name: str) -> tuple[str, str, str, str]:
    mine = {r[3] for r in files_of(db, name)}
    other = "李四" if name == "张三" else "张三"
    return next(r for r in files_of(db, other) if r[3] not in mine)


def full_rows(db, case, deduct: dict[str, float] | None = None) -> list[list[str]]:
    """Rows answering every item that applies to the file: 符合 unless listed in `deduct`."""
    agency, case_no, kind, _ = case
    std = campaign_info(db).standard
    deduct = deduct or {}
    out = []
    for item in std.items_for(kind):
        if item.id in deduct:
            out.append([case_no, agency, item.id, "扣分", f"{deduct[item.id]:g}", f"{item.id}存在问题", "第3页"])
        else:
            out.append([case_no, agency, item.id, "符合", "", "", ""])
    return out


def write_csv(path: Path, rows, header=CORE_COLUMNS, encoding="utf-8-sig") -> Path:
    with open(path, "w", encoding=encoding, newline="") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)
    return path


def answers_of(db, name: str | None = None) -> dict[tuple, tuple]:
    """(agency, case_no, reviewer, item) → everything stored about the answer."""
    an, rv, cf, ag, rr = (m.Answer.__table__, m.Review.__table__, m.CaseFile.__table__,
                          m.Agency.__table__, m.Reviewer.__table__)
    q = (select(ag.c.name, cf.c.case_no, rr.c.name, an.c.item_id, an.c.verdict, an.c.deducted, an.c.option,
                an.c.occurrences, an.c.note, an.c.page_ref)
         .select_from(an.join(rv, rv.c.id == an.c.review_id).join(cf, cf.c.id == rv.c.case_id)
                      .join(ag, ag.c.id == cf.c.agency_id).join(rr, rr.c.id == rv.c.reviewer_id)))
    if name:
        q = q.where(rr.c.name == name)
    with db.session() as s:
        return {tuple(r[:4]): tuple(r[4:]) for r in s.execute(q)}


def reviews_of(db) -> dict[tuple, tuple]:
    rv, cf, rr = m.Review.__table__, m.CaseFile.__table__, m.Reviewer.__table__
    with db.session() as s:
        rows = s.execute(select(cf.c.case_no, rr.c.name, rv.c.status, rv.c.revision, rv.c.score, rv.c.grade, rv.c.vetoed)
                         .select_from(rv.join(cf, cf.c.id == rv.c.case_id).join(rr, rr.c.id == rv.c.reviewer_id))).all()
    return {(r[0], r[1]): tuple(r[2:]) for r in rows}


def snapshot(db) -> tuple:
    """Row counts of every table plus every review, answer and history row."""
    with db.session() as s:
        counts = {name: s.scalar(select(func.count()).select_from(t)) for name, t in m.SQLModel.metadata.tables.items()}
        reviews = sorted(tuple(r) for r in s.execute(select(m.Review.__table__)))
        answers = sorted(tuple(r) for r in s.execute(select(m.Answer.__table__)))
        hist = sorted(tuple(r) for r in s.execute(select(m.AnswerHistory.__table__)))
    return counts, reviews, answers, hist


def history_rows(db, review_id: str) -> list[m.AnswerHistory]:
    with db.session() as s:
        return list(s.scalars(select(m.AnswerHistory).where(m.AnswerHistory.review_id == review_id)
                              .order_by(m.AnswerHistory.at)))


def review_row(db, case_id: str, name: str) -> m.Review:
    with db.session() as s:
        return s.scalars(select(m.Review).where((m.Review.case_id == case_id) & (m.Review.reviewer_id == reviewer_id(db, name))
                                                & (m.Review.is_final == False))).one()  # noqa: E712


def answer_by_screens(db, name: str, case, answers: list[StoredAnswer]) -> str:
    rid = reviewer_id(db, name)
    state = open_review(db, case[3], rid)
    for a in answers:
        save_answer(db, state.review_id, rid, a)
    return state.review_id


TRICKY = [
    StoredAnswer("ZT-06", "扣分", 1.5, note="笔录未注明执法证号，见“询问笔录”, 第2页", page_ref="2-3"),
    StoredAnswer("ZT-07", "扣分", 2.0, note="=SUM(A1:A2) 不是公式", page_ref="5"),
    StoredAnswer("ZT-08", "不适用", note="-无当事人身份证明要求\n第二行"),
    StoredAnswer("ZT-01", "否决", note="以内设机构名义作出决定", page_ref="@1"),
    StoredAnswer("ZT-09", "符合", note='引号"测试"'),
]


# ---------------------------------------------------------------------------------------------
# Export → import round trip


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_round_trip_into_fresh_copy(template, camp, db, tmp_path, suffix):
    cases = files_of(db, "张三")
    answer_by_screens(db, "张三", cases[0], TRICKY)
    answer_by_screens(db, "张三", cases[2], [StoredAnswer("ZT-06", "扣分", 2.0, note="问题"), StoredAnswer("ZT-07", "符合")])
    answer_by_screens(db, "李四", files_of(db, "李四")[0], [StoredAnswer("ZT-06", "符合")])
    out = tmp_path / f"answers{suffix}"
    rep = export_answers(db, out, "张三")
    assert rep.rows == len(TRICKY) + 2 and rep.files == 2 and rep.reviewers == ["张三"]

    fresh_path = tmp_path / "fresh.db"
    shutil.copy(template, fresh_path)
    fresh = open_database(fresh_path)
    try:
        result = import_answers(fresh, out, "张三")
        assert result.answers_written == len(TRICKY) + 2
        assert result.files == result.files_touched == result.reviews_created == 2
        assert answers_of(fresh) == answers_of(db, "张三")
        before, after = reviews_of(db), reviews_of(fresh)
        for key, (status, _rev, score, grade, vetoed) in after.items():
            assert before[key][0] == status and before[key][2:] == (score, grade, vetoed)
        # Importing the same sheet again changes nothing.
        snap = snapshot(fresh)
        again = import_answers(fresh, out, "张三")
        assert again.answers_written == 0 and again.unchanged == len(TRICKY) + 2
        assert snapshot(fresh) == snap
    finally:
        fresh.close()


def test_csv_export_is_utf8_bom_and_guards_formulas(db, tmp_path):
    case = files_of(db, "张三")[0]
    answer_by_screens(db, "张三", case, TRICKY)
    out = tmp_path / "a.csv"
    export_answers(db, out, "张三")
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(raw.decode("utf-8-sig").splitlines(keepends=True)))
    assert tuple(rows[0]) == EXPORT_COLUMNS
    by_item = {r[2]: r for r in rows[1:]}
    assert [r[2] for r in rows[1:]] == ["ZT-01", "ZT-06", "ZT-07", "ZT-08", "ZT-09"]  # checklist order
    assert by_item["ZT-06"][3:7] == ["扣分", "1.5", "笔录未注明执法证号，见“询问笔录”, 第2页", "2-3"]
    assert by_item["ZT-07"][5] == "'=SUM(A1:A2) 不是公式"
    assert by_item["ZT-08"][4] == "" and by_item["ZT-08"][5].startswith("'-")
    assert by_item["ZT-01"][4] == "" and by_item["ZT-01"][6] == "'@1"
    assert by_item["ZT-06"][7].startswith("执法人员") and by_item["ZT-06"][8:] == ["张三", "评查中"]


def test_xlsx_export_contents(db, tmp_path):
    cases = files_of(db, "张三")
    rid = answer_by_screens(db, "张三", cases[0], TRICKY)
    answer_by_screens(db, "李四", files_of(db, "李四")[1], [StoredAnswer("ZT-06", "扣分", 1.0, note="李四发现")])
    out = tmp_path / "all.xlsx"
    rep = export_answers(db, out)  # campaign, no --reviewer: every reviewer
    assert rep.reviewers == sorted(["张三", "李四"]) and rep.rows == len(TRICKY) + 1
    ws = openpyxl.load_workbook(out).worksheets[0]
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0] == EXPORT_COLUMNS
    assert len(rows) == 1 + len(TRICKY) + 1
    assert all(c.data_type != "f" for row in ws.iter_rows() for c in row)
    cells = {(r[0].value, r[2].value): r for r in ws.iter_rows(min_row=2)}
    zt07 = cells[(cases[0][1], "ZT-07")]
    assert zt07[5].value == "=SUM(A1:A2) 不是公式" and zt07[5].data_type == "s"
    assert zt07[4].value == 2 and zt07[4].data_type == "n"
    assert zt07[8].value == "张三" and zt07[1].value == cases[0][0]
    assert cells[(cases[0][1], "ZT-08")][5].value == "-无当事人身份证明要求\n第二行"
    assert cells[(cases[0][1], "ZT-01")][4].value is None
    li = [r for r in rows[1:] if r[8] == "李四"]
    assert len(li) == 1 and li[0][3:6] == ("扣分", 1, "李四发现")
    assert review_row(db, cases[0][3], "张三").id == rid


def test_campaign_export_cannot_be_imported_as_one_reviewer(template, db, tmp_path):
    answer_by_screens(db, "张三", files_of(db, "张三")[0], [StoredAnswer("ZT-06", "符合")])
    answer_by_screens(db, "李四", files_of(db, "李四")[0], [StoredAnswer("ZT-06", "符合")])
    out = tmp_path / "all.csv"
    export_answers(db, out)
    fresh_path = tmp_path / "fresh.db"
    shutil.copy(template, fresh_path)
    fresh = open_database(fresh_path)
    try:
        with pytest.raises(InputError) as exc:
            import_answers(fresh, out, "张三")
        assert any("评查人员（I列）" in d and "“李四”与导入人员“张三”不一致" in d for d in exc.value.details)
    finally:
        fresh.close()


def test_package_export_defaults_to_its_reviewer(db, tmp_path):
    answer_by_screens(db, "张三", files_of(db, "张三")[0], [StoredAnswer("ZT-06", "扣分", 1.0)])
    answer_by_screens(db, "李四", files_of(db, "李四")[0], [StoredAnswer("ZT-07", "符合")])
    pack(db, "张三", tmp_path / "张三.db")
    pkg = open_database(tmp_path / "张三.db")
    try:
        rep = export_answers(pkg, tmp_path / "p.csv")
        assert rep.reviewers == ["张三"] and rep.rows == 1
        # Answers typed into the package can be imported back into the campaign.
        imported = import_answers(db, tmp_path / "p.csv", "张三")
        assert imported.answers_written == 0 and imported.unchanged == 1
    finally:
        pkg.close()


# ---------------------------------------------------------------------------------------------
# Validation: every problem named by file, row, column and value; nothing written


def test_every_error_reported_and_nothing_written(db, tmp_path):
    punish, _, permit, _ = files_of(db, "张三")
    other = unassigned_to(db, "张三")
    a, p = punish[:2], permit[:2]

    def row(case, item, verdict, ded="", note="", page=""):
        return [case[1], case[0], item, verdict, ded, note, page]

    rows = [
        row(punish, "ZT-06", "扣分", "1", "有效行"),                 # 2 valid
        ["甲市监罚〔2024〕99号", a[0], "ZT-06", "符合", "", "", ""],   # 3 unknown 案号
        row(punish, "ZZ-99", "符合"),                                # 4 unknown item
        row(permit, "CX-02", "符合"),                                # 5 not for 行政许可
        row(punish, "ZT-07", "基本符合"),                            # 6 bad 结论
        row(punish, "ZT-08", "扣分", "abc"),                         # 7 not a number
        row(punish, "ZT-09", "扣分", "0"),                           # 8 ≤ 0
        row(punish, "ZT-10", "扣分", "99"),                          # 9 over the points
        row(punish, "ZT-06", "符合"),                                # 10 ZT-06 twice (first at row 2)
        row(permit, "ZT-06", "否决"),                                # 11 veto on a non-veto item
        row(other, "ZT-06", "符合"),                                 # 12 not assigned to 张三
        ["甲县某局", "某罚〔2024〕1号", "ZT-06", "符合", "", "", ""][1::-1] + ["ZT-06", "符合", "", "", ""],  # 13 agency
        row(permit, "ZT-07", "扣分", ""),                            # 14 扣分 without points
        row(permit, "ZT-08", "符合", "2"),                           # 15 符合 with points
    ]
    assert p and a
    sheet = write_csv(tmp_path / "错误示例.csv", rows)
    before = snapshot(db)
    with pytest.raises(InputError) as exc:
        import_answers(db, sheet, "张三")
    assert snapshot(db) == before
    err = exc.value
    assert err.message.startswith("错误示例.csv 有 13 处错误，没有导入任何评查结论")
    details = err.details
    assert len(details) == 13

    def find(row_no: int, column: str, *words: str) -> str:
        hits = [d for d in details if d.startswith(f"错误示例.csv 第{row_no}行 {column}") and all(w in d for w in words)]
        assert hits, (row_no, column, words, details)
        return hits[0]

    find(3, "案号（A列）", "“甲市监罚〔2024〕99号”", f"执法机关“{a[0]}”没有案号为")
    find(4, "条目编号（C列）", "“ZZ-99”", "评查标准中没有条目")
    find(5, "条目编号（C列）", "“CX-02”", "不适用于“行政许可”类案卷")
    find(6, "结论（D列）", "“基本符合”", "符合/扣分/不适用/否决")
    find(7, "扣分（E列）", "“abc”不是有效的数字")
    find(8, "扣分（E列）", "“0”应大于 0")
    find(9, "扣分（E列）", "“99”超过条目“ZT-10”的分值 2")
    find(10, "条目编号（C列）", "“ZT-06”与第2行重复")
    find(11, "结论（D列）", "“ZT-06”不是否决项")
    find(12, "案号（A列）", f"“{other[1]}”", "未分配给“张三”")
    find(13, "执法机关（B列）", "没有名为“甲县某局”的执法机关")
    find(14, "扣分（E列）", "须填写扣分分值")
    find(15, "扣分（E列）", "应为空或 0", "“2”")
    # Rows are listed in sheet order.
    assert [int(d.split("第")[1].split("行")[0]) for d in details] == sorted(
        int(d.split("第")[1].split("行")[0]) for d in details)


def test_errors_are_capped(db, tmp_path):
    case = files_of(db, "张三")[0]
    rows = [[case[1], case[0], f"XX-{n:02d}", "符合", "", "", ""] for n in range(70)]
    with pytest.raises(InputError) as exc:
        import_answers(db, write_csv(tmp_path / "many.csv", rows), "张三")
    assert "有 70 处错误" in exc.value.message
    assert len(exc.value.details) == 51 and exc.value.details[-1] == "many.csv：还有 20 处错误未列出"


def test_missing_column_and_empty_sheet(db, tmp_path):
    sheet = write_csv(tmp_path / "少列.csv", [["X", "Y", "ZT-06", "符合", "", ""]], header=CORE_COLUMNS[:6])
    with pytest.raises(InputError) as exc:
        import_answers(db, sheet, "张三")
    assert "少列.csv 第1行（表头）：缺少“卷内页码”列" in exc.value.message
    empty = write_csv(tmp_path / "空.csv", [["", "", "", "", "", "", ""]])
    with pytest.raises(InputError, match="没有评查结论"):
        import_answers(db, empty, "张三")
    with pytest.raises(AnjuanError, match="没有名为“赵六”的评查人员"):
        import_answers(db, write_csv(tmp_path / "ok.csv", full_rows(db, files_of(db, "张三")[0])), "赵六")


def test_submitted_review_is_read_only(db, tmp_path):
    case = files_of(db, "张三")[0]
    rows = full_rows(db, case, {"ZT-06": 1})
    sheet = write_csv(tmp_path / "s.csv", rows)
    rep = import_answers(db, sheet, "张三", submit=True)
    assert rep.submitted == [f"{case[0]} {case[1]}"]
    # The same sheet again: identical rows are accepted and change nothing.
    before = snapshot(db)
    again = import_answers(db, sheet, "张三", submit=True)
    assert again.answers_written == 0 and again.already_submitted == [f"{case[0]} {case[1]}"]
    assert snapshot(db) == before
    # A change to the submitted review is refused, naming the row.
    zt07 = next(i for i, r in enumerate(rows) if r[2] == "ZT-07")
    rows[zt07] = [case[1], case[0], "ZT-07", "扣分", "1", "新问题", ""]
    with pytest.raises(InputError) as exc:
        import_answers(db, write_csv(tmp_path / "s2.csv", rows), "张三")
    assert len(exc.value.details) == 1
    d = exc.value.details[0]
    assert d.startswith(f"s2.csv 第{zt07 + 2}行 案号（A列）：案号“{case[1]}”") and "已提交，为只读" in d
    assert snapshot(db) == before


# ---------------------------------------------------------------------------------------------
# What an import writes


def test_history_revision_and_score(db, tmp_path):
    case = files_of(db, "张三")[0]
    rid = reviewer_id(db, "张三")
    rows = [
        [case[1], case[0], "ZT-06", "扣分", "２", "未注明证号", "第2页"],     # full-width digit
        [f"  {case[1]} ", f" {case[0]}\u3000", " zt-07 ", " 符合 ", "", "", ""],  # padded cells, lower-case id
        [case[1], case[0], "ZT-01", "否决", "", "以内设机构名义", "1"],         # blank 扣分 for 否决
        [case[1], case[0], "ZT-08", "不适用", "0", "", ""],
    ]
    rep = import_answers(db, write_csv(tmp_path / "h.csv", rows), "张三")
    assert (rep.answers_written, rep.files_touched, rep.reviews_created) == (4, 1, 1)
    review = review_row(db, case[3], "张三")
    hist = history_rows(db, review.id)
    expected = {
        "ZT-06": StoredAnswer("ZT-06", "扣分", 2.0, None, 1, "未注明证号", "第2页"),
        "ZT-07": StoredAnswer("ZT-07", "符合", 0.0),
        "ZT-01": StoredAnswer("ZT-01", "否决", 0.0, None, 1, "以内设机构名义", "1"),
        "ZT-08": StoredAnswer("ZT-08", "不适用", 0.0),
    }
    assert [h.item_id for h in hist] == ["ZT-06", "ZT-07", "ZT-01", "ZT-08"]
    for h in hist:
        assert (h.action, h.actor_id, h.old) == ("answer", rid, None)
        assert h.new == expected[h.item_id].to_json()
    std = campaign_info(db).standard
    result = score_case(std, case[2], [a.as_input() for a in expected.values()])
    assert (review.revision, review.status) == (4, m.STATUS_DRAFT)
    assert (review.score, review.grade, review.vetoed) == (result.score, result.grade, True) == (0.0, "不合格", True)

    # Change one answer: one more history row with the old value, revision + 1, new score.
    rows[2] = [case[1], case[0], "ZT-01", "符合", "", "", ""]
    rep = import_answers(db, write_csv(tmp_path / "h2.csv", rows), "张三")
    assert (rep.answers_written, rep.unchanged, rep.reviews_created) == (1, 3, 0)
    review = review_row(db, case[3], "张三")
    hist = history_rows(db, review.id)
    assert len(hist) == 5 and hist[-1].item_id == "ZT-01"
    assert hist[-1].old == expected["ZT-01"].to_json()
    assert hist[-1].new == StoredAnswer("ZT-01", "符合").to_json()
    possible = sum(i.points for i in std.items_for(case[2]) if i.id != "ZT-08")
    assert review.revision == 5 and review.vetoed is False
    assert review.score == round(100 * (1 - 2 / possible), 2) and review.grade == "优秀"


def test_gbk_csv(db, tmp_path):
    case = files_of(db, "张三")[1]
    rows = [[case[1], case[0], "ZT-06", "扣分", "1", "询问笔录未签名（GBK编码）", "第5页"]]
    sheet = write_csv(tmp_path / "gbk.csv", rows, encoding="gbk")
    assert sheet.read_bytes().decode("gbk")  # really GBK
    import_answers(db, sheet, "张三")
    assert answers_of(db, "张三")[(case[0], case[1], "张三", "ZT-06")] == (
        "扣分", 1.0, None, 1, "询问笔录未签名（GBK编码）", "第5页")


def test_submit_complete_files_and_list_incomplete(db, tmp_path):
    done, partial = files_of(db, "张三")[:2]
    rows = full_rows(db, done, {"ZT-06": 1}) + full_rows(db, partial)[:5]
    rep = import_answers(db, write_csv(tmp_path / "sub.csv", rows), "张三", submit=True)
    assert rep.submitted == [f"{done[0]} {done[1]}"]
    assert len(rep.incomplete) == 1
    label, missing = rep.incomplete[0]
    std = campaign_info(db).standard
    assert label == f"{partial[0]} {partial[1]}"
    assert missing == [i.id for i in std.items_for(partial[2])][5:]
    r_done, r_partial = review_row(db, done[3], "张三"), review_row(db, partial[3], "张三")
    assert r_done.status == m.STATUS_SUBMITTED and r_done.submitted_at
    assert r_partial.status == m.STATUS_DRAFT and r_partial.submitted_at is None
    hist = history_rows(db, r_done.id)
    assert hist[-1].action == "submit" and hist[-1].item_id is None
    assert json.loads(hist[-1].old) == {"status": "draft"} and json.loads(hist[-1].new) == {"status": "submitted"}
    assert r_done.revision == len(hist) == len(std.items_for(done[2])) + 1
    assert r_partial.revision == 5
    assert r_done.score == round(100 * (1 - 1 / sum(i.points for i in std.items_for(done[2]))), 2)
    # Without --submit a complete file stays a draft.
    third = files_of(db, "张三")[2]
    rep = import_answers(db, write_csv(tmp_path / "nosub.csv", full_rows(db, third)), "张三")
    assert rep.submitted == [] and review_row(db, third[3], "张三").status == m.STATUS_DRAFT


def test_reopened_review_can_be_reimported(db, tmp_path):
    from anjuan.review.reviewing import reopen_review

    case = files_of(db, "张三")[0]
    rows = full_rows(db, case)
    import_answers(db, write_csv(tmp_path / "a.csv", rows), "张三", submit=True)
    review = review_row(db, case[3], "张三")
    reopen_review(db, review.id, reviewer_id(db, "王组长"), "ZT-06 需复核")
    rows[next(i for i, r in enumerate(rows) if r[2] == "ZT-06")][3:5] = ["扣分", "1"]
    rep = import_answers(db, write_csv(tmp_path / "b.csv", rows), "张三", submit=True)
    assert rep.answers_written == 1 and rep.submitted == [f"{case[0]} {case[1]}"]
    review = review_row(db, case[3], "张三")
    assert review.status == m.STATUS_SUBMITTED
    assert [h.action for h in history_rows(db, review.id)][-4:] == ["submit", "reopen", "answer", "submit"]
    assert json.loads(history_rows(db, review.id)[-1].old) == {"status": "reopened"}
    with pytest.raises(AnjuanError):
        submit_review(db, review.id, reviewer_id(db, "张三"))  # already submitted


# ---------------------------------------------------------------------------------------------
# Command line


def run(*args: str) -> subprocess.CompletedProcess:
    return run_anjuan(*args, env={"NO_COLOR": "1", "ANJUAN_DEBUG": None}, timeout=120)


def test_cli_export_import_submit(camp, tmp_path):
    db = open_database(camp)
    done = files_of(db, "张三")[0]
    sheet = write_csv(tmp_path / "in.csv", full_rows(db, done, {"ZT-07": 0.5}))
    n_items = len(full_rows(db, done))
    db.close()
    r = run("answers", "import", str(camp), str(sheet), "--reviewer", "张三", "--submit")
    assert r.returncode == 0, r.stderr
    assert "写入" in r.stdout and "已提交 1 件案卷" in r.stdout
    out = tmp_path / "out.xlsx"
    r = run("answers", "export", str(camp), "-o", str(out), "--reviewer", "张三")
    assert r.returncode == 0, r.stderr
    rows = list(openpyxl.load_workbook(out).worksheets[0].iter_rows(values_only=True))
    assert len(rows) == 1 + n_items
    assert {r[9] for r in rows[1:]} == {"已提交"}


def test_cli_error_exit_code_and_one_line(camp, tmp_path):
    db = open_database(camp)
    case = files_of(db, "张三")[0]
    db.close()
    sheet = write_csv(tmp_path / "bad.csv", [[case[1], case[0], "ZT-06", "扣分", "x", "", ""],
                                             [case[1], case[0], "ZT-07", "通过", "", "", ""]])
    db = open_database(camp)
    before = snapshot(db)
    db.close()
    r = run("answers", "import", str(camp), str(sheet), "--reviewer", "张三")
    assert r.returncode == 1
    lines = r.stderr.strip().splitlines()
    assert lines[0].startswith("错误：bad.csv 有 2 处错误，没有导入任何评查结论")
    assert lines[1:] == ["  - bad.csv 第2行 扣分（E列）：扣分“x”不是有效的数字",
                         "  - bad.csv 第3行 结论（D列）：结论“通过”无效，应为 符合/扣分/不适用/否决 之一"]
    assert "Traceback" not in r.stderr and r.stdout == ""
    db = open_database(camp)
    assert snapshot(db) == before
    db.close()
    r = run("answers", "export", str(camp), "-o", str(tmp_path / "x.txt"))
    assert r.returncode == 1 and r.stderr.count("\n") == 1 and "请使用 .csv 或 .xlsx" in r.stderr


def test_template_export_then_fill_in_and_import(tmp_path):
    """--template lists every applicable item; filled rows import, untouched rows are skipped."""
    import csv as _csv

    from anjuan.campaign import campaign_info, init_campaign
    from anjuan.review.answers_io import export_answers, import_answers
    from anjuan.review.reviewing import list_assigned, resolve_reviewer, review_state
    from tests.conftest import add_catalog, simple_catalog

    db = init_campaign(tmp_path / "t.db", "模板测试", standard_path="default-v1")
    add_catalog(db, simple_catalog({"县甲局": 2}))
    add_reviewer(db, "王敏", "县司法局")
    draw_sample(db, seed="1", ratio=1)
    assign(db, seed="1")
    std = campaign_info(db).standard
    out = tmp_path / "模板.csv"
    rep = export_answers(db, out, "王敏", template=True)
    n_items = len(std.items_for("行政处罚"))
    assert rep.rows == 2 * n_items
    with open(out, encoding="utf-8-sig", newline="") as fh:
        rows = list(_csv.reader(fh))
    assert rows[0][:7] == ["案号", "执法机关", "条目编号", "结论", "扣分", "问题描述", "卷内页码"]
    assert all(r[3] == "" for r in rows[1:])
    first_case = rows[1][0]
    for r in rows[1:]:
        if r[0] == first_case:
            r[3] = "符合"
    pick = next(r for r in rows[1:] if r[0] == first_case and r[2] == "ZT-06")
    pick[3], pick[4], pick[5] = "扣分", "1", "执法证号未注明"
    with open(out, "w", encoding="utf-8-sig", newline="") as fh:
        _csv.writer(fh).writerows(rows)
    result = import_answers(db, out, "王敏", submit=True)
    assert result.submitted == [f"县甲局 {first_case}"]
    wang = resolve_reviewer(db, "王敏")
    done = [r for r in list_assigned(db, wang.id) if r.case_no == first_case][0]
    state = review_state(db, done.review_id)
    assert state.status == "submitted" and len(state.answers) == n_items
    assert state.answers["ZT-06"].deducted == 1.0
    other = [r for r in list_assigned(db, wang.id) if r.case_no != first_case][0]
    assert other.status == "未评"
    db.engine.dispose()
