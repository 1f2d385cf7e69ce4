"""What a bureau sends as it is: wording, 公文 layout (read from the docx XML), guards, annexes,
masking in the documents, the Word template, the 调卷通知 and the 案卷评查表."""

from __future__ import annotations

import re
import zipfile
from datetime import date, timedelta
from pathlib import Path

import pytest
from anjuan_cli import run_anjuan
from test_reports import MARKET, STANDARD, TODAY, _pure_inputs, bulletin_of, make_campaign

from reports import wording as w
from reports.build import build_reports, bulletin_stem
from reports.compute import AgencyInput, CaseInput, ReportInputs, build_bulletin, with_options
from reports.errors import ReportError
from reports.model import SamplingBatchInfo
from reports.word import BODY_CONDENSE, LINE_PITCH, TEXT_WIDTH, text_width
from scoring import DEDUCT, AnswerInput, load_standard, score_case

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def run(*args, cwd=None):
    return run_anjuan(*args, cwd=cwd)


@pytest.fixture(scope="module")
def camp(tmp_path_factory) -> Path:
    return make_campaign(tmp_path_factory.mktemp("c14") / "c.db",
                         notes={("A2", "CX-01"): "证人李建国（电话13812345678）未在笔录上签名"},
                         parties={"A1": "苏国栋"}, titles={"A1": "苏国栋发布虚假广告案"})


@pytest.fixture(scope="module")
def docs(tmp_path_factory, camp):
    data = with_options(bulletin_of(camp), doc_no="甲司发〔2025〕3号", cc=["市司法局", "县人民政府办公室"])
    out = tmp_path_factory.mktemp("docs")
    build_reports(data, out, ["docx", "html", "md"])
    return data, out


def _xml(path: Path, name: str = "word/document.xml") -> str:
    with zipfile.ZipFile(path) as z:
        return z.read(name).decode("utf-8")


# --- layout (GB/T 9704-2012) -------------------------------------------------------------------


def test_docx_grid_margins_and_page_numbers(docs):
    data, out = docs
    path = out / f"{bulletin_stem(data)}.docx"
    doc = _xml(path)
    sect = doc[doc.rindex("<w:sectPr"):]
    assert re.search(r'<w:pgSz w:w="11906" w:h="16838"', sect)
    mar = dict(re.findall(r'w:(top|bottom|left|right)="(\d+)"', re.search(r"<w:pgMar[^>]*>", sect).group(0)))
    assert mar == {"top": "2098", "bottom": "1984", "left": "1587", "right": "1474"}  # 37/35/28/26 mm
    assert 11906 - 1587 - 1474 == TEXT_WIDTH
    assert f'<w:docGrid w:type="lines" w:linePitch="{LINE_PITCH}"/>' in sect
    assert (297 - 37 - 35) * 1440 / 25.4 // LINE_PITCH == 22  # 22 lines a page
    styles = _xml(path, "word/styles.xml")
    normal = re.search(r'<w:style w:type="paragraph" w:default="1" w:styleId="Normal">.*?</w:style>', styles, re.S).group(0)
    assert f'<w:spacing w:val="{BODY_CONDENSE}"/>' in normal and '<w:sz w:val="32"/>' in normal
    assert TEXT_WIDTH // (320 + BODY_CONDENSE) == 28  # a 16 pt character condensed by 0.25 pt: 28 a line
    assert "<w:evenAndOddHeaders/>" in _xml(path, "word/settings.xml")
    # odd pages: right-aligned one character in; even pages: left-aligned one character in
    rels = _xml(path, "word/_rels/document.xml.rels")
    refs = dict(re.findall(r'<w:footerReference w:type="(\w+)" r:id="(\w+)"/>', sect))
    targets = dict(re.findall(r'Id="(\w+)"[^>]*Target="([^"]+)"', rels))
    odd, even = (_xml(path, "word/" + targets[refs[k]]) for k in ("default", "even"))
    assert '<w:jc w:val="right"/>' in odd and 'w:right="280"' in odd and "PAGE" in odd
    assert '<w:jc w:val="left"/>' in even and 'w:left="280"' in even and "PAGE" in even


def test_tables_fit_the_type_area_and_never_break_numbers(docs):
    data, out = docs
    for path in [out / f"{bulletin_stem(data)}.docx", *(out / "反馈意见书").glob("*.docx")]:
        doc = _xml(path)
        for tbl in re.findall(r"<w:tbl>.*?</w:tbl>", doc, re.S):
            grid = [int(x) for x in re.findall(r'<w:gridCol w:w="(\d+)"/>', tbl)]
            assert sum(grid) <= TEXT_WIDTH, path.name
            rows = re.findall(r"<w:tr>.*?</w:tr>", tbl, re.S)
            for row in rows:
                cells = re.findall(r"<w:tc>.*?</w:tc>", row, re.S)
                if len(cells) != len(grid):
                    continue
                for width, cell in zip(grid, cells, strict=True):
                    text = "".join(re.findall(r"<w:t[^>]*>([^<]*)</w:t>", cell))
                    header = "<w:tblHeader/>" in row
                    unbreakable = header or re.fullmatch(r"[\d.%/—]+|.*〔\d{4}〕\d+号", text)
                    if unbreakable and text:
                        assert text_width(text) + 2 * 57 <= width, (path.name, text, width)


def test_signature_attachment_note_and_imprint(docs):
    data, out = docs
    doc = _xml(out / f"{bulletin_stem(data)}.docx")
    paras = re.findall(r"<w:p>(.*?)</w:p>", doc, re.S)
    text = ["".join(re.findall(r"<w:t[^>]*>([^<]*)</w:t>", p)) for p in paras]
    i = text.index("附件：1. 未完成评查案卷清单")
    assert text[i + 1] == "2. 优秀案卷名单" and text[i + 2] == "3. 抽样方法说明"  # one line each, names aligned
    assert 'w:left="1920" w:hanging="1280"' in paras[i] and 'w:left="1920" w:hanging="320"' in paras[i + 1]
    date_i = text.index(w.cn_date(TODAY))
    assert text[date_i - 1] == "甲县司法局" and text[date_i - 2] == text[date_i - 3] == ""  # room for the seal
    assert 'w:right="1280"' not in paras[date_i]  # 右空四字 comes from the 落款 style
    styles = _xml(out / f"{bulletin_stem(data)}.docx", "word/styles.xml")
    assert re.search(r'w:styleId="Signature">.*?<w:ind [^>]*w:right="1280"', styles, re.S)
    sig = re.search(r'w:right="(\d+)"', paras[date_i - 1]).group(1)
    # the organiser (5 characters) is centred over the date (2025年1月10日: 4 + 3.5 characters)
    assert int(sig) == int(1280 + (w.line_units(w.cn_date(TODAY)) - 5) / 2 * 320)
    assert text[0] == "甲司发〔2025〕3号" and text[2] == data.title and text[3] == "（草稿）"
    assert "抄送：市司法局，县人民政府办公室。" in text and "2025年1月10日印发" in text


# --- wording ----------------------------------------------------------------------------------


def test_sampling_sentence_local_date_and_annex():
    data = build_bulletin(_pure_inputs({"甲局": [90, 80]}), TODAY)
    data.sampling.batches = [SamplingBatchInfo("2024-11-29T20:00:00.000000Z", "abc", 0.3, 3, None, False, "sha256",
                                               [], date(2024, 11, 30))]
    text = w.sampling_sentence(data)
    assert text.startswith("2024年11月30日，从各执法机关报送的案卷目录中随机抽取案卷（抽取比例为30%，每个执法机关不少于3卷）")
    assert "种子" not in text and "SHA" not in text and "：" not in text
    annex = " ".join(w.sampling_annex(data))
    assert "随机种子为“abc”" in annex and "sha256" in annex


def test_local_date_of_a_utc_stamp(monkeypatch):
    from anjuan.localtime import local_date

    assert local_date("2024-11-29T20:00:00.000000Z") == date(2024, 11, 30)
    monkeypatch.setenv("ANJUAN_TZ", "UTC")
    assert local_date("2024-11-29T20:00:00.000000Z") == date(2024, 11, 29)


def test_ties_at_the_cut_are_all_shown():
    std = load_standard(STANDARD.read_text(encoding="utf-8"))
    base = build_bulletin(_pure_inputs({"甲局": [90]}), TODAY)
    import copy

    tp = base.typical_problems[0]
    many = []
    for n in range(13):
        t = copy.copy(tp)
        t.item_id, t.statement, t.count = f"X-{n}", f"问题{n}", 20 - n if n < 9 else 10
        many.append(t)
    base.typical_problems = many
    shown = w.shown_problems(base)
    assert len(shown) == 13  # 9 above the cut and the 4 tied at 10 files
    assert "4项问题均出现在10卷中、并列最后一位，一并列出" in w.typical_intro(base)
    assert std.bands[0].name == "优秀"


def test_excellent_bar_is_explained_and_marked(tmp_path):
    text = STANDARD.read_text(encoding="utf-8").replace(
        'id = "WS-01"\ntext = "处罚决定书载明履行方式和期限"\npoints = 30',
        'id = "WS-01"\ntext = "处罚决定书载明履行方式和期限"\npoints = 30\nbars_excellent = true')
    std = load_standard(text)
    cs = score_case(std, "行政处罚", [AnswerInput("WS-01", DEDUCT, 6.0, "", "")])
    assert cs.score == 94 and cs.grade == "合格" and cs.excellent_barred
    data = build_bulletin(ReportInputs("测试评查", 2024, "乙县司法局", std, [AgencyInput("甲局", 3)],
                                       [CaseInput("a", "甲局", "甲罚〔2024〕1号", "", "", "行政处罚", "final", cs,
                                                  options={"WS-01": 0})]), TODAY)
    f = data.agencies[0].files[0]
    assert w.grade_label(f, data) == "合格（不得评优）"
    rule = w.excellent_rule(data)
    assert "“处罚决定书载明履行方式和期限”项存在扣分的案卷不得评为优秀" in rule and "本次有1卷因此评为合格" in rule
    assert data.typical_problems[0].statement == "未载明履行方式和期限"


# --- guards -----------------------------------------------------------------------------------


def test_no_final_result_no_bulletin(tmp_path):
    std = load_standard(STANDARD.read_text(encoding="utf-8"))
    data = build_bulletin(ReportInputs("测试评查", 2024, "乙县司法局", std, [AgencyInput("甲局", 3)],
                                       [CaseInput("x", "甲局", "甲罚〔2024〕1号", "", "", "行政处罚", "pending")]), TODAY)
    with pytest.raises(ReportError, match="还没有任何案卷有最终评查结果"):
        build_reports(data, tmp_path / "o")
    assert not (tmp_path / "o").exists()


def test_cli_guards(camp, tmp_path):
    out = tmp_path / "o"
    later = (date.today() + timedelta(days=40)).isoformat()
    r = run("report", camp, "-o", out, "--format", "md,json", "--deadline", later)
    assert r.returncode == 0, r.stderr
    names = sorted(p.name for p in out.iterdir())
    assert all("（草稿）" in n for n in names if n.endswith((".md", ".json")))
    assert all("（草稿）" in p.name for p in (out / "反馈意见书").iterdir())
    # a second run into the same folder is refused; nothing changes
    before = {p: p.stat().st_mtime_ns for p in out.rglob("*")}
    r = run("report", camp, "-o", out, "--format", "docx")
    assert r.returncode == 1 and "已有通报文件" in r.stderr and "--force" in r.stderr and "Traceback" not in r.stderr
    assert {p: p.stat().st_mtime_ns for p in out.rglob("*")} == before
    # --force replaces the earlier report as a whole: no mixed deadlines
    (out / ".关于x.999999.tmp.xlsx").write_bytes(b"partial")  # left by a killed run
    r = run("report", camp, "-o", out, "--format", "docx", "--force")
    assert r.returncode == 0, r.stderr
    assert {p.suffix for p in out.rglob("*.*")} == {".docx"}
    # a deadline in the past is refused unless forced
    r = run("report", camp, "-o", tmp_path / "p", "--deadline", "2020-01-01")
    assert r.returncode == 1 and "早于今天" in r.stderr
    # --final refuses while files are open
    r = run("report", camp, "-o", tmp_path / "f", "--final")
    assert r.returncode == 1 and "1卷待合议、1卷未完成评查" in r.stderr and not (tmp_path / "f").exists()
    # an internal-only annex cannot go into a public version
    r = run("report", camp, "-o", tmp_path / "a", "--public", "--annex", "agreement")
    assert r.returncode == 1 and "内部材料" in r.stderr


def test_stale_temp_files_are_removed(tmp_path):
    from reports.build import remove_stale_temp_files

    (tmp_path / "反馈意见书").mkdir()
    dead = tmp_path / "反馈意见书" / ".甲局反馈意见书.999999.tmp.docx"
    dead.write_bytes(b"x")
    mine = tmp_path / f".通报.{__import__('os').getpid()}.tmp.xlsx"
    mine.write_bytes(b"x")
    assert remove_stale_temp_files(tmp_path) == [dead]
    assert mine.exists() and not dead.exists()


# --- annexes and internal material --------------------------------------------------------------


def test_annexes_chosen_by_the_lead(camp, tmp_path):
    data = bulletin_of(camp)
    assert [k for k, _ in w.appendices(data)] == ["open", "excellent", "sampling"]  # agreement only on request
    chosen = with_options(data, annexes=["agreement", "open"])
    assert [k for k, _ in w.appendices(chosen)] == ["agreement", "open"]
    assert "见附件2" in chosen.requirements[-1]
    assert w.appendices(with_options(data, annexes=["none"])) == []
    out = tmp_path / "o"
    build_reports(chosen, out, ["md"])
    md = (out / f"{bulletin_stem(chosen)}.md").read_text(encoding="utf-8")
    assert "Cohen" in md
    for letter in (out / "反馈意见书").iterdir():
        assert "Cohen" not in letter.read_text(encoding="utf-8") and "一致性" not in letter.read_text(encoding="utf-8")
    public = bulletin_of(camp, public=True)
    assert public.agreement is None and public.workload == []


# --- masking in the documents -------------------------------------------------------------------


def test_public_masks_every_name_in_free_text(camp, tmp_path):
    data = bulletin_of(camp, public=True)
    out = tmp_path / "pub"
    build_reports(data, out, ["md", "json"])
    text = "\n".join(p.read_text(encoding="utf-8") for p in out.rglob("*.*"))
    assert "李建国" not in text and "李某" in text and "13812345678" not in text
    assert "苏国栋" not in text and "苏某发布虚假广告案" in text
    assert "甲县某商贸有限公司" in text and MARKET in text


def test_internal_bulletin_masks_other_agencies_parties(camp, tmp_path):
    data = bulletin_of(camp)
    out = tmp_path / "int"
    build_reports(data, out, ["md"])
    bulletin = (out / f"{bulletin_stem(data)}.md").read_text(encoding="utf-8")
    assert "苏国栋" not in bulletin and "苏某发布虚假广告案" in bulletin  # in the list of excellent files
    assert "13812345678" not in bulletin
    letter = next(p for p in (out / "反馈意见书").iterdir() if "市场" in p.name).read_text(encoding="utf-8")
    assert "苏国栋" in letter  # an agency sees its own files in full


# --- Word template (红头) -----------------------------------------------------------------------


def test_bureau_word_template(camp, tmp_path):
    import docx

    tpl = docx.Document()
    tpl.add_paragraph("甲县司法局文件")
    tpl.add_paragraph("{{ doc_no }}")
    tpl.add_paragraph("{{ title }}")
    tpl.add_paragraph("{{p body }}")
    tpl.add_paragraph("{{ organiser }}　{{ date }}")
    tpl.save(tmp_path / "红头.docx")
    data = with_options(bulletin_of(camp), doc_no="甲司发〔2025〕7号")
    out = tmp_path / "o"
    build_reports(data, out, ["docx"], word_template=tmp_path / "红头.docx")
    d = docx.Document(str(out / f"{bulletin_stem(data)}.docx"))
    texts = [p.text for p in d.paragraphs]
    assert texts[:3] == ["甲县司法局文件", "甲司发〔2025〕7号", "关于2024年度行政执法案卷评查结果的通报（草稿）"]
    assert "一、评查基本情况" in texts and "甲县司法局　2025年1月10日" in texts
    assert any(t.rows[0].cells[0].text == "名次" for t in d.tables)
    bad = docx.Document()
    bad.add_paragraph("没有占位符")
    bad.save(tmp_path / "bad.docx")
    with pytest.raises(ReportError, match="p body"):
        build_reports(data, tmp_path / "o2", ["docx"], word_template=tmp_path / "bad.docx")


# --- 调卷通知 and 案卷评查表 ----------------------------------------------------------------------


def test_notice_and_forms(camp, tmp_path):
    import docx
    import openpyxl

    r = run("notice", camp, "-o", tmp_path / "n", "--deliver-by", "2099-03-10", "--contact", "张科长，0595-23281234")
    assert r.returncode == 0, r.stderr
    letters = sorted((tmp_path / "n").glob("*.docx"))
    assert [p.stem for p in letters] == ["甲县交通运输局调卷通知", "甲县市场监督管理局调卷通知"]
    text = "\n".join(p.text for p in docx.Document(str(letters[1])).paragraphs)
    assert "从你单位报送的案卷目录中抽取了4卷案卷" in text and "2099年3月10日前" in text
    table = docx.Document(str(letters[1])).tables[0]
    assert [row.cells[1].text for row in table.rows[1:]] == [f"甲市监罚〔2024〕{i}号" for i in range(1, 5)]
    wb = openpyxl.load_workbook(tmp_path / "n" / "调卷清单.xlsx")
    assert wb.sheetnames == ["汇总", "甲县交通运输局", "甲县市场监督管理局"]

    r = run("forms", camp, "-o", tmp_path / "f")
    assert r.returncode == 0, r.stderr
    forms = docx.Document(str(tmp_path / "f" / "王敏案卷评查表.docx"))
    paras = [p.text for p in forms.paragraphs]
    assert paras.count("案卷评查表") == 6  # one form per assigned file
    assert sum("评查人员（签名）" in p for p in paras) == 6 and sum("组长审核（签名）" in p for p in paras) == 6
    checklist = forms.tables[1]
    assert [c.text for c in checklist.rows[0].cells] == ["序号", "评查项目", "分值", "评查结论", "扣分", "存在问题及卷内页码"]
    assert any(row.cells[3].text == "扣分" and row.cells[4].text == "10" for row in checklist.rows[1:])
    assert "得分：84.00分　　等次：合格" in paras
    r = run("notice", camp, "-o", tmp_path / "n")
    assert r.returncode == 1 and "--force" in r.stderr


def test_sample_writes_notices(tmp_path):
    catalogs = Path(__file__).parent / "data" / "catalogs"
    assert run("init", "c.db", "--name", "2025年度评查", "--organiser", "安溪县司法局", cwd=tmp_path).returncode == 0
    r = run("import", "c.db", catalogs / "gbk.csv", catalogs / "utf8_bom.csv", "--agency", "安溪县交通运输局",
            cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    r = run("sample", "c.db", "--ratio", "0.5", "--seed", "7", "--notice", "调卷通知", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    letters = sorted(p.name for p in (tmp_path / "调卷通知").iterdir())
    assert letters == ["安溪县交通运输局调卷通知.docx", "安溪县市场监督管理局调卷通知.docx", "调卷清单.xlsx"]
    assert "已出具调卷通知 2 份" in r.stdout


def test_saved_clock_is_in_the_bureaus_time_zone_not_the_machines(monkeypatch):
    """The TUI's 已保存 HH:MM:SS: Asia/Shanghai (or ANJUAN_TZ) even on a machine set to another zone."""
    import time
    from datetime import UTC, datetime
    from zoneinfo import ZoneInfo

    from anjuan.ui import writer

    class Fixed(datetime):
        @classmethod
        def now(cls, tz=None):
            moment = datetime(2024, 11, 29, 20, 0, 5, tzinfo=UTC)  # 04:00:05 next day in Beijing
            return moment.astimezone(tz) if tz else moment.astimezone(ZoneInfo("America/New_York")).replace(tzinfo=None)

    monkeypatch.setenv("TZ", "America/New_York")
    time.tzset()
    try:
        monkeypatch.setattr(writer, "datetime", Fixed)
        monkeypatch.delenv("ANJUAN_TZ", raising=False)
        assert writer.clock() == "04:00:05"
        monkeypatch.setenv("ANJUAN_TZ", "Asia/Urumqi")
        assert writer.clock() == "02:00:05"
        monkeypatch.setenv("ANJUAN_TZ", "Nowhere/Else")
        assert writer.clock() == "04:00:05"  # a bad zone name falls back to Beijing time, no crash
    finally:
        monkeypatch.delenv("TZ")
        time.tzset()
