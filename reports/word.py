"""Word documents (bulletin and per-agency 反馈意见书) laid out as Chinese official documents.

Why python-docx: it writes real .docx (WordprocessingML) that opens unchanged in Word, WPS and
LibreOffice, is pure Python (no Office or LibreOffice needed on the machine that builds the
report) and gives access to the underlying XML, which the official-document layout needs: the
East Asian font of a run lives in w:rFonts/@w:eastAsia, which python-docx's font API does not set.
Alternatives were weighed: docxtpl needs a hand-made .docx template per layout and is slow for
hundreds of tables; generating .doc/.odt through LibreOffice needs LibreOffice installed.

Layout follows GB/T 9704-2012 (党政机关公文格式) as far as a generated document can: A4, margins
37/35/28/26 mm, title in 方正小标宋简体 二号 (22 pt), body in 仿宋_GB2312 三号 (16 pt) with a fixed 28 pt
line, first-level headings 一、 in 黑体, second-level （一） in 楷体_GB2312, page numbers "— 1 —".
The font table declares substitutes (altName) for machines without the official fonts:
方正小标宋简体 → 宋体, 仿宋_GB2312 → 仿宋, 楷体_GB2312 → 楷体.

The title is not bolded: 小标宋 is itself a heavy face, and bolding it is not done in 公文. Where
方正小标宋简体 is missing, Word shows the declared substitute 宋体.

Speed: python-docx builds the styled template once (styles, page setup, footer, font table), with
the stock template's hundreds of unused styles pruned. Each document's body is generated as
WordprocessingML text and streamed into a copy of that package; python-docx's per-paragraph API
(and even parsing the body into lxml) is many times slower for documents with thousands of table
rows. Documents are written one at a time, so memory does not grow with the number of agencies.
"""

from __future__ import annotations

import io
import re
import zipfile
from datetime import UTC, datetime
from pathlib import Path
from xml.sax.saxutils import escape

from docx import Document
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Mm, Pt, RGBColor

from . import model as md
from . import wording as w

TITLE_FONT = "方正小标宋简体"
BODY_FONT = "仿宋_GB2312"
HEAD_FONT = "黑体"
KAI_FONT = "楷体_GB2312"
LATIN_FONT = "Times New Roman"
PAGE_NUMBER_FONT = "宋体"
ALT_NAMES = {TITLE_FONT: "宋体", BODY_FONT: "仿宋", KAI_FONT: "楷体"}

KEEP_TOGETHER_ROWS = 12  # smaller tables are kept on one page with what precedes them
TEXT_WIDTH = 9014  # twips: 210 mm − 28 mm − 26 mm = 156 mm
_INVALID_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
W_NS = nsdecls("w")
_XML_NEEDS = re.compile("[&<>\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def _x(text) -> str:
    """Text escaped for XML, characters XML cannot hold removed (most text needs neither)."""
    text = "" if text is None else str(text)
    return escape(_INVALID_XML.sub("", text)) if _XML_NEEDS.search(text) else text


def _set_fonts(style, east: str, latin: str = LATIN_FONT, size: float | None = None, bold: bool | None = None) -> None:
    """Set a style's fonts, East Asian included, replacing any theme font."""
    rpr = style.element.get_or_add_rPr()
    for old in rpr.findall(qn("w:rFonts")):
        rpr.remove(old)
    fonts = parse_xml(f'<w:rFonts {W_NS} w:ascii="{latin}" w:hAnsi="{latin}" w:eastAsia="{east}" w:cs="{latin}"/>')
    rpr.insert(0, fonts)
    style.font.color.rgb = RGBColor(0, 0, 0)
    if size is not None:
        style.font.size = Pt(size)
    if bold is not None:
        style.font.bold = bold
        style.font.italic = False


def _paragraph_format(style, *, line: float | None = 28, indent: float | None = 32, align=None,
                      before: float = 0, after: float = 0, keep_next: bool = False) -> None:
    pf = style.paragraph_format
    if line is None:
        pf.line_spacing_rule = WD_LINE_SPACING.SINGLE
    else:
        pf.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        pf.line_spacing = Pt(line)
    pf.first_line_indent = Pt(indent) if indent else Pt(0)
    pf.space_before = Pt(before)
    pf.space_after = Pt(after)
    pf.keep_with_next = keep_next
    if align is not None:
        pf.alignment = align


USED_STYLES = {"Normal", "Heading1", "Heading2", "DefaultParagraphFont", "TableNormal", "NoList"}


def _template() -> bytes:
    """The empty styled document, as .docx bytes."""
    doc = Document()
    styles = doc.styles
    normal = styles["Normal"]
    _set_fonts(normal, BODY_FONT, size=16)
    _paragraph_format(normal, align=WD_ALIGN_PARAGRAPH.JUSTIFY)
    for name, east, size, indent, keep in (("Heading 1", HEAD_FONT, 16, 32, True),
                                           ("Heading 2", KAI_FONT, 16, 32, True)):
        st = styles[name]
        _set_fonts(st, east, size=size, bold=False)
        _paragraph_format(st, indent=indent, keep_next=keep, align=WD_ALIGN_PARAGRAPH.JUSTIFY)
        st.element.remove_all("w:next", "w:link")
    table = dict(line=None, indent=0)
    specs = [  # (style id, name, East Asian font, size in pt, paragraph format)
        ("DocTitle", "公文标题", TITLE_FONT, 22, dict(line=35, indent=0, align=WD_ALIGN_PARAGRAPH.CENTER, after=28)),
        ("DocSubtitle", "公文副标题", KAI_FONT, 16, dict(indent=0, align=WD_ALIGN_PARAGRAPH.CENTER, after=14)),
        ("NoIndent", "正文不缩进", BODY_FONT, 16, dict(indent=0)),
        ("Basis", "依据与示例", BODY_FONT, 14, dict(line=24)),
        ("Signature", "落款", BODY_FONT, 16, dict(indent=0, align=WD_ALIGN_PARAGRAPH.RIGHT)),
        ("AttLabel", "附件标识", HEAD_FONT, 16, dict(indent=0, keep_next=True)),
        ("AttTitle", "附件标题", TITLE_FONT, 18, dict(line=32, indent=0, align=WD_ALIGN_PARAGRAPH.CENTER, before=14,
                                                 after=14, keep_next=True)),
        ("TableCaption", "表题", HEAD_FONT, 12, dict(line=None, indent=0, align=WD_ALIGN_PARAGRAPH.CENTER, before=6,
                                                   after=3, keep_next=True)),
        ("TT", "表格文字", BODY_FONT, 10.5, dict(table, align=WD_ALIGN_PARAGRAPH.LEFT)),
        ("TC", "表格文字居中", BODY_FONT, 10.5, dict(table, align=WD_ALIGN_PARAGRAPH.CENTER)),
        ("TR", "表格文字右对齐", BODY_FONT, 10.5, dict(table, align=WD_ALIGN_PARAGRAPH.RIGHT)),
        ("TH", "表头", HEAD_FONT, 10.5, dict(table, align=WD_ALIGN_PARAGRAPH.CENTER, keep_next=True)),
    ]
    for style_id, name, east, size, fmt in specs:
        st = styles.add_style(style_id, WD_STYLE_TYPE.PARAGRAPH)
        st.element.styleId = style_id
        st.name = name
        st.base_style = normal
        st.quick_style = True
        _set_fonts(st, east, size=size, bold=False)
        _paragraph_format(st, **fmt)
        USED_STYLES.add(style_id)
    styles["落款"].paragraph_format.right_indent = Pt(64)
    _prune_styles(doc)

    sec = doc.sections[0]
    sec.page_width, sec.page_height = Mm(210), Mm(297)
    sec.top_margin, sec.bottom_margin = Mm(37), Mm(35)
    sec.left_margin, sec.right_margin = Mm(28), Mm(26)
    sec.header_distance, sec.footer_distance = Mm(15), Mm(25)
    _page_numbers(sec)
    _font_table(doc)
    _drop_parts(doc)
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def _prune_styles(doc) -> None:
    """Keep only the styles the documents use (the stock template carries hundreds)."""
    root = doc.styles.element
    for st in root.findall(qn("w:style")):
        if st.get(qn("w:styleId")) not in USED_STYLES:
            root.remove(st)
    for latent in root.findall(qn("w:latentStyles")):
        root.remove(latent)


def _drop_parts(doc) -> None:
    """Drop the stock template's Word 2010 style copy and its thumbnail of an empty page."""
    for rid, rel in list(doc.part.rels.items()):
        if rel.reltype.endswith("/stylesWithEffects"):
            doc.part.drop_rel(rid)
    pkg = doc.part.package
    for rid, rel in list(pkg.rels.items()):
        if rel.reltype.endswith("/thumbnail"):
            del pkg.rels[rid]


def _page_numbers(section) -> None:
    """— PAGE — centred at the foot of every page, in 宋体 四号."""
    footer = section.footer
    p = footer.paragraphs[0]
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    rpr = (f'<w:rPr><w:rFonts w:ascii="{PAGE_NUMBER_FONT}" w:hAnsi="{PAGE_NUMBER_FONT}" '
           f'w:eastAsia="{PAGE_NUMBER_FONT}"/><w:sz w:val="28"/></w:rPr>')
    runs = (f'<w:r {W_NS}>{rpr}<w:t xml:space="preserve">— </w:t></w:r>',
            f'<w:r {W_NS}>{rpr}<w:fldChar w:fldCharType="begin"/></w:r>',
            f'<w:r {W_NS}>{rpr}<w:instrText xml:space="preserve"> PAGE </w:instrText></w:r>',
            f'<w:r {W_NS}>{rpr}<w:fldChar w:fldCharType="separate"/></w:r>',
            f'<w:r {W_NS}>{rpr}<w:t>1</w:t></w:r>',
            f'<w:r {W_NS}>{rpr}<w:fldChar w:fldCharType="end"/></w:r>',
            f'<w:r {W_NS}>{rpr}<w:t xml:space="preserve"> —</w:t></w:r>')
    for r in runs:
        p._p.append(parse_xml(r))


def _font_table(doc) -> None:
    """Declare the official fonts with substitutes for machines that lack them."""
    part = next(r.target_part for r in doc.part.rels.values() if r.reltype == RT.FONT_TABLE)
    root = parse_xml(part.blob)
    for name, alt in ALT_NAMES.items():
        root.append(parse_xml(
            f'<w:font {W_NS} w:name="{name}"><w:altName w:val="{alt}"/><w:charset w:val="86"/>'
            f'<w:family w:val="modern"/><w:pitch w:val="fixed"/></w:font>'))
    from lxml import etree

    part._blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


class _Body:
    """The body of one document, collected as WordprocessingML strings."""

    def __init__(self):
        self.parts: list[str] = []

    def p(self, text: str, style: str | None = None, align: str | None = None, page_break: bool = False,
          keep_next: bool = False) -> None:
        ppr = ""
        if style or align or page_break or keep_next:
            ppr = ("<w:pPr>" + (f'<w:pStyle w:val="{style}"/>' if style else "")
                   + ("<w:keepNext/>" if keep_next else "")
                   + ("<w:pageBreakBefore/>" if page_break else "")
                   + (f'<w:jc w:val="{align}"/>' if align else "") + "</w:pPr>")
        self.parts.append(f"<w:p>{ppr}{_runs(text)}</w:p>")

    def h1(self, text: str) -> None:
        self.p(text, "Heading1")

    def h2(self, text: str) -> None:
        self.p(text, "Heading2")

    def table(self, headers: list[str], rows, widths: list[int], aligns: list[str], caption: str | None = None) -> None:
        """A bordered table; widths are relative and scaled to the text width; the header repeats.

        Cells carry as little XML as possible (alignment comes from the paragraph style TT/TC/TR),
        since a feedback document may hold thousands of rows.
        """
        if caption:
            self.p(caption, "TableCaption")
        total = sum(widths)
        tw = [max(1, round(TEXT_WIDTH * x / total)) for x in widths]
        out = [
            "<w:tbl><w:tblPr>"
            f'<w:tblW w:w="{sum(tw)}" w:type="dxa"/><w:jc w:val="center"/>'
            "<w:tblBorders>" + "".join(f'<w:{e} w:val="single" w:sz="4" w:space="0" w:color="000000"/>'
                                       for e in ("top", "left", "bottom", "right", "insideH", "insideV"))
            + '</w:tblBorders><w:tblLayout w:type="fixed"/>'
            '<w:tblCellMar><w:top w:w="28" w:type="dxa"/><w:left w:w="57" w:type="dxa"/>'
            '<w:bottom w:w="28" w:type="dxa"/><w:right w:w="57" w:type="dxa"/></w:tblCellMar>'
            '<w:tblLook w:val="04A0" w:firstRow="1" w:lastRow="0" w:firstColumn="0" w:lastColumn="0" w:noHBand="0" w:noVBand="1"/>'
            "</w:tblPr><w:tblGrid>" + "".join(f'<w:gridCol w:w="{x}"/>' for x in tw) + "</w:tblGrid>",
            "<w:tr><w:trPr><w:tblHeader/><w:cantSplit/></w:trPr>",
        ]
        for h, x in zip(headers, tw, strict=True):
            out.append(f'<w:tc><w:tcPr><w:tcW w:w="{x}" w:type="dxa"/><w:shd w:val="clear" w:color="auto" w:fill="EDEDED"/>'
                       f'<w:vAlign w:val="center"/></w:tcPr><w:p><w:pPr><w:pStyle w:val="TH"/></w:pPr>{_runs(h)}</w:p></w:tc>')
        out.append("</w:tr>")
        rows = list(rows)
        keep_together = len(rows) <= KEEP_TOGETHER_ROWS
        cells = [(f'<w:tc><w:tcPr><w:tcW w:w="{x}" w:type="dxa"/></w:tcPr><w:p><w:pPr><w:pStyle w:val="{_ALIGN[a]}"/>',
                  f'<w:tc><w:tcPr><w:tcW w:w="{x}" w:type="dxa"/></w:tcPr><w:p><w:pPr><w:pStyle w:val="{_ALIGN[a]}"/>'
                  "<w:keepNext/>") for x, a in zip(tw, aligns, strict=True)]
        last = len(rows)
        for n, row in enumerate(rows, 1):
            keep = 1 if keep_together and n < last else 0
            out.append("<w:tr><w:trPr><w:cantSplit/></w:trPr>")
            for v, cell in zip(row, cells, strict=True):
                out.append(f"{cell[keep]}</w:pPr>{_runs(v)}</w:p></w:tc>")
            out.append("</w:tr>")
        out.append("</w:tbl>")
        self.parts.append("".join(out))
        self.p("", "TT")  # Word needs a paragraph between consecutive tables


def _runs(text) -> str:
    if text is None:
        return ""
    text = str(text)
    if not text:
        return ""
    if "\n" in text:
        inner = '</w:t><w:br/><w:t xml:space="preserve">'.join(_x(p) for p in text.split("\n"))
        return f'<w:r><w:t xml:space="preserve">{inner}</w:t></w:r>'
    if text[0] == " " or text[-1] == " ":
        return f'<w:r><w:t xml:space="preserve">{_x(text)}</w:t></w:r>'
    return f"<w:r><w:t>{_x(text)}</w:t></w:r>"


L, C, R = "left", "center", "right"
_ALIGN = {L: "TT", C: "TC", R: "TR"}


_CORE = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
         '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
         'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" '
         'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><dc:title>{title}</dc:title>'
         '<dc:creator>{author}</dc:creator><dc:description>anjuan</dc:description><cp:revision>1</cp:revision>'
         '<dcterms:created xsi:type="dcterms:W3CDTF">{now}</dcterms:created>'
         '<dcterms:modified xsi:type="dcterms:W3CDTF">{now}</dcterms:modified></cp:coreProperties>')


class DocxWriter:
    """Writes documents into copies of the styled template, the body streamed into the package."""

    def __init__(self):
        template = _template()
        with zipfile.ZipFile(io.BytesIO(template)) as z:
            self._entries = [(i.filename, z.read(i.filename)) for i in z.infolist()]
        doc = dict(self._entries)["word/document.xml"].decode("utf-8")
        body = doc.index(">", doc.index("<w:body")) + 1
        self._head = doc[:body].encode("utf-8")
        self._tail = doc[doc.index("<w:sectPr"):].encode("utf-8")

    def _save(self, body: _Body, path: Path, title: str, author: str) -> None:
        now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        core = _CORE.format(title=_x(title[:255]), author=_x(author[:255]), now=now).encode("utf-8")
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
            for name, data in self._entries:
                if name == "word/document.xml":
                    with z.open(name, "w") as out:
                        out.write(self._head)
                        for part in body.parts:
                            out.write(part.encode("utf-8"))
                        out.write(self._tail)
                elif name == "docProps/core.xml":
                    z.writestr(name, core)
                else:
                    z.writestr(name, data)

    # --- 评查结果通报 ---------------------------------------------------------------------

    def write_bulletin(self, data: md.BulletinData, path: Path) -> None:
        b = _Body()
        b.p(data.title, "DocTitle")
        if data.public:
            b.p("（公开版）", "DocSubtitle")
        b.p(w.addressee(), "NoIndent")
        b.p(w.intro(data))
        bands = [x.name for x in data.standard.bands]
        for n, (key, heading) in enumerate(w.bulletin_sections(data), 1):
            b.h1(f"{w.cn_num(n)}、{heading}")
            if key == "overview":
                for para in w.overview(data):
                    b.p(para)
                if data.overall:
                    rows = [(g.name, w.points(g.min), g.count, w.pct(g.share)) for g in data.overall.grades]
                    rows.append(("合计", "", data.overall.count, "100.0%"))
                    b.table(["等次", "分数线", "案卷数", "占比"], rows, [2, 2, 2, 2], [C, R, R, R], caption="等次分布")
            elif key == "ranking":
                b.p(w.ranking_intro(data))
                b.table(["名次", "执法机关", "抽查卷数", "已评卷数", "平均分", "合格率", "优秀率", *bands],
                        _ranking_rows(data), [4, 20, 6, 6, 7, 7, 7, *([6] * len(bands))],
                        [C, L, R, R, R, R, R, *([R] * len(bands))])
                if w.unranked_note(data):
                    b.p(w.unranked_note(data))
            elif key == "categories":
                b.p(w.category_text(data))
                b.table(["类别", "标准分值", "适用分值合计", "失分合计", "失分率"], _category_rows(data.categories),
                        [6, 4, 5, 4, 4], [L, R, R, R, R])
            elif key == "problems":
                b.p(w.typical_intro(data))
                for i, tp in enumerate(data.typical_problems[: w.TYPICAL_SHOWN], 1):
                    b.h2(f"（{w.cn_num(i)}）{tp.item_text}")
                    b.p(w.typical_paragraph(tp))
                    if tp.basis:
                        b.p(f"依据：{tp.basis}", "Basis")
                    for k, ex in enumerate(tp.examples, 1):
                        b.p(f"例{k}：{w.example_text(ex)}", "Basis")
            elif key == "failed":
                b.p(w.failed_intro(data))
                if data.failed_files:
                    b.table(["序号", "执法机关", "案号", "案件名称", "得分", "主要问题"],
                            [(i, f.agency, f.case_no, f.title, w.score(f.score), "\n".join(f.reasons))
                             for i, f in enumerate(data.failed_files, 1)],
                            [3, 9, 11, 11, 5, 14], [C, L, L, L, R, L])
            elif key == "rectify":
                for para in data.requirements:
                    b.p(para)
            else:
                _round_block(b, data, key)
        atts = w.appendices(data)
        if atts:
            b.p("")
            b.p("附件：" + "　".join(f"{i}. {h}" for i, (_, h) in enumerate(atts, 1)), "NoIndent")
        b.p("")
        b.p(data.organiser, "Signature")
        b.p(w.cn_date(data.generated_on), "Signature")
        for i, (key, heading) in enumerate(atts, 1):
            b.p(f"附件{i}", "AttLabel", page_break=True)
            b.p(heading, "AttTitle")
            if key == "open":
                b.table(["序号", "执法机关", "案号", "案件名称", "状态", "说明"],
                        [(k, f.agency, f.case_no, f.title, f.state, "；".join(f.reasons))
                         for k, f in enumerate(data.open_files, 1)],
                        [3, 10, 11, 12, 5, 11], [C, L, L, L, C, L])
            elif key == "agreement":
                for para in w.agreement_text(data):
                    b.p(para)
                a = data.agreement
                if a.files:
                    b.table(["指标", "数值"], [
                        ("双人独立评查案卷数", a.files), ("比对评查项目数", a.items),
                        ("逐项认定一致率", w.pct(a.percent)),
                        ("Cohen's κ系数", "—" if a.kappa is None else f"{a.kappa:.3f}"),
                        ("两人得分平均相差（分）", w.points(a.mean_abs_diff)), ("评定等次一致案卷数", a.same_grade),
                        ("经合议确定案卷数", a.settled), ("待合议案卷数", a.conflicts)],
                        [3, 2], [L, R])
        self._save(b, path, data.title, data.organiser)

    # --- 反馈意见书 -----------------------------------------------------------------------

    def write_feedback(self, data: md.BulletinData, a: md.AgencyEntry, path: Path) -> None:
        b = _Body()
        title = w.feedback_title(data.campaign)
        b.p(title, "DocTitle")
        if data.public:
            b.p("（公开版）", "DocSubtitle")
        b.p(f"{a.name}：", "NoIndent")
        b.p(w.agency_intro(data, a))
        for n, (key, heading) in enumerate(w.feedback_sections(a), 1):
            b.h1(f"{w.cn_num(n)}、{heading}")
            if key == "overview":
                for para in w.agency_overview(data, a):
                    b.p(para)
                if a.stats:
                    st = a.stats
                    b.table(["抽查卷数", "已评卷数", "平均分", "最高分", "最低分", "合格率", "优秀率", "排名"],
                            [(a.sampled, a.reviewed, w.score(st.mean), w.score(st.max), w.score(st.min),
                              w.pct(st.pass_rate), w.pct(st.excellent_rate), f"{a.rank}/{len(data.ranked)}")],
                            [1] * 8, [C] * 8, caption="得分情况")
                    b.table(["类别", "标准分值", "适用分值合计", "失分合计", "失分率"], _category_rows(a.categories),
                            [6, 4, 5, 4, 4], [L, R, R, R, R], caption="各类别失分情况")
            elif key == "files":
                if a.files:
                    b.table(["序号", "案号", "案件名称", "案件类别", "得分", "等次", "问题数"],
                            [(i, f.case_no, f.title, f.kind, w.score(f.score),
                              f.grade + ("（合议）" if f.settled else ""), len(f.problems))
                             for i, f in enumerate(a.files, 1)],
                            [3, 11, 15, 5, 4, 5, 4], [C, L, L, C, R, C, R])
                else:
                    b.p("暂无完成评查的案卷。")
                if a.open_files:
                    b.p("以下案卷尚无最终评查结果，评查结果确定后另行反馈：")
                    b.table(["序号", "案号", "案件名称", "状态", "说明"],
                            [(i, f.case_no, f.title, f.state, "；".join(f.reasons)) for i, f in enumerate(a.open_files, 1)],
                            [3, 11, 15, 5, 11], [C, L, L, C, L])
            elif key == "problems":
                b.p(w.agency_problems_intro(a))
                for i, g in enumerate(a.problems, 1):
                    b.h2(f"（{w.cn_num(i)}）{w.problem_group_heading(g)}")
                    if g.basis:
                        b.p(f"依据：{g.basis}", "Basis", keep_next=True)
                    b.table(["案号", "存在问题", "扣分", "页码"],
                            [(o.case_no, o.note or "—", w.occurrence_deduction(o), o.page_ref or "—")
                             for o in g.occurrences],
                            [11, 19, 5, 5], [L, L, C, C])
            elif key == "rectify":
                for para in a.requirements:
                    b.p(para)
                if a.failed:
                    b.table(["序号", "案号", "案件名称", "得分", "主要问题"],
                            [(i, f.case_no, f.title, w.score(f.score), "\n".join(f.reasons))
                             for i, f in enumerate(a.failed, 1)],
                            [3, 11, 12, 5, 16], [C, L, L, R, L], caption="不合格案卷")
        b.p("")
        b.p(data.organiser, "Signature")
        b.p(w.cn_date(data.generated_on), "Signature")
        self._save(b, path, f"{a.name}{title}", data.organiser)


def _round_block(b: _Body, data, key: str) -> None:
    """A section on other rounds (reports.rounds_text): paragraphs, one table, paragraphs."""
    from .rounds_text import block

    blk = block(data, key)
    for para in blk.paragraphs:
        b.p(para)
    if blk.rows:
        b.table(blk.headers, blk.rows, blk.widths, blk.aligns, caption=blk.caption)
    for para in blk.after:
        b.p(para)


def _ranking_rows(data: md.BulletinData):
    for a in data.agencies:
        st = a.stats
        if st:
            yield (a.rank, a.name, a.sampled, a.reviewed, w.score(st.mean), w.pct(st.pass_rate),
                   w.pct(st.excellent_rate), *(g.count for g in st.grades))
        else:
            yield ("—", a.name, a.sampled, a.reviewed, "—", "—", "—", *("—" for _ in data.standard.bands))


def _category_rows(categories: list[md.CategoryLoss]):
    return [(c.name, w.points(c.points), w.points(c.possible), w.points(c.lost), w.pct(c.rate)) for c in categories]
