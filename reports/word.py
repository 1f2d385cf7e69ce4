"""Word documents (bulletin and per-agency 反馈意见书) laid out as Chinese official documents.

Why python-docx: it writes real .docx (WordprocessingML) that opens unchanged in Word, WPS and
LibreOffice, is pure Python (no Office or LibreOffice needed on the machine that builds the
report) and gives access to the underlying XML, which the official-document layout needs: the
East Asian font of a run lives in w:rFonts/@w:eastAsia, which python-docx's font API does not set.
Alternatives were weighed: docxtpl needs a hand-made .docx template per layout and is slow for
hundreds of tables; generating .doc/.odt through LibreOffice needs LibreOffice installed.

Layout follows GB/T 9704-2012 (党政机关公文格式): A4, margins 37/35/28/26 mm, 28 characters × 22
lines: a line grid of 22 lines (w:docGrid type "lines", pitch 579 twips) and body text condensed by
0.25 pt (w:spacing −5), so a 16 pt character advances 15.75 pt and 28 of them fit the 8,845-twip
type area (27 would without it). A character grid (type "linesAndChars" with charSpace −849) gives
28 in Word but LibreOffice then puts each 16 pt character into two 15.8 pt grid cells (14 a line),
so the condensed spacing, which every reader honours, is used instead. Title in 方正小标宋简体 二号 (22 pt), body in 仿宋_GB2312 三号 (16 pt) with a fixed 28 pt
line, first-level headings 一、 in 黑体, second-level （一） in 楷体_GB2312, page numbers "— 1 —" in
宋体 四号, right-aligned one character in on odd pages and left-aligned one character in on even
pages; the 成文日期 is right-indented four characters and the 发文机关署名 is centred over it, two
blank lines above leave room for the seal; 附件说明 lists each attachment on its own line, names
aligned; 版记 (抄送, 印发机关 and 印发日期) closes the document when a 文号 or 抄送 is given. Tables
fit the type area; their widths are worked out from the content so that headers, case numbers,
dates and scores never break inside (text that may wrap — names, titles, notes — takes the rest).
Table text, captions and titles do not snap to the grid.
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
from functools import lru_cache
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
from .errors import ReportError

TITLE_FONT = "方正小标宋简体"
BODY_FONT = "仿宋_GB2312"
HEAD_FONT = "黑体"
KAI_FONT = "楷体_GB2312"
LATIN_FONT = "Times New Roman"
PAGE_NUMBER_FONT = "宋体"
ALT_NAMES = {TITLE_FONT: "宋体", BODY_FONT: "仿宋", KAI_FONT: "楷体"}

KEEP_TOGETHER_ROWS = 12  # smaller tables are kept on one page with what precedes them
TEXT_WIDTH = 8845  # twips: page 11,906 − left margin 1,587 − right margin 1,474 (156 mm)
CHARS_PER_LINE = 28
LINES_PER_PAGE = 22
BODY_CONDENSE = -5  # twips (−0.25 pt) per character: 28 × (320 − 5) = 8,820 ≤ TEXT_WIDTH < 29 × 315
LINE_PITCH = 579  # twips: type area height 12,755 / 22 lines
CELL_MARGIN = 57  # twips left and right of a cell's text
TABLE_PT = 10.5
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
    _char_spacing(normal, BODY_CONDENSE)
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
        ("DocNo", "发文字号", BODY_FONT, 16, dict(indent=0, align=WD_ALIGN_PARAGRAPH.CENTER)),
        ("Draft", "草稿标识", HEAD_FONT, 16, dict(indent=0, align=WD_ALIGN_PARAGRAPH.RIGHT)),
        ("AttNote", "附件说明", BODY_FONT, 16, dict(indent=0, align=WD_ALIGN_PARAGRAPH.LEFT)),
        ("Imprint", "版记", BODY_FONT, 14, dict(line=None, indent=0, align=WD_ALIGN_PARAGRAPH.LEFT)),
        ("Sign", "签名栏", BODY_FONT, 14, dict(line=None, indent=0, align=WD_ALIGN_PARAGRAPH.LEFT, before=6, after=6)),
        ("Chart", "图", BODY_FONT, 10.5, dict(line=None, indent=0, align=WD_ALIGN_PARAGRAPH.CENTER)),
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
        if style_id in OFF_GRID:
            _no_snap(st)
        USED_STYLES.add(style_id)
    # 成文日期 right-indented four characters; the signature is centred over it per document
    styles["落款"].paragraph_format.right_indent = Pt(64)
    _allow_latin_breaks(normal)
    _prune_styles(doc)

    sec = doc.sections[0]
    sec.page_width, sec.page_height = Mm(210), Mm(297)
    sec.top_margin, sec.bottom_margin = Mm(37), Mm(35)
    sec.left_margin, sec.right_margin = Mm(28), Mm(26)
    sec.header_distance, sec.footer_distance = Mm(15), Mm(25)
    doc.settings.odd_and_even_pages_header_footer = True
    _page_numbers(sec.footer, odd=True)
    _page_numbers(sec.even_page_footer, odd=False)
    _doc_grid(sec)
    _font_table(doc)
    _drop_parts(doc)
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


OFF_GRID = {"DocTitle", "AttTitle", "TableCaption", "TT", "TC", "TR", "TH", "Basis", "Imprint", "Sign", "Chart",
            "DocSubtitle"}


PPR_ORDER = ("pStyle", "keepNext", "keepLines", "pageBreakBefore", "framePr", "widowControl", "numPr",
             "suppressLineNumbers", "pBdr", "shd", "tabs", "suppressAutoHyphens", "kinsoku", "wordWrap",
             "overflowPunct", "topLinePunct", "autoSpaceDE", "autoSpaceDN", "bidi", "adjustRightInd",
             "snapToGrid", "spacing", "ind", "contextualSpacing", "mirrorIndents", "suppressOverlap", "jc",
             "textDirection", "textAlignment", "textboxTightWrap", "outlineLvl", "divId", "cnfStyle", "rPr",
             "sectPr", "pPrChange")


def _put_ppr(ppr, xml: str) -> None:
    """Insert a paragraph property where the schema's sequence wants it (Word is strict)."""
    el = parse_xml(xml)
    name = el.tag.split("}")[1]
    for old in ppr.findall(el.tag):
        ppr.remove(old)
    rank = PPR_ORDER.index(name)
    pos = 0
    for n, child in enumerate(ppr):
        tag = child.tag.split("}")[1]
        if tag in PPR_ORDER and PPR_ORDER.index(tag) < rank:
            pos = n + 1
    ppr.insert(pos, el)


def _no_snap(style) -> None:
    """Text of this style keeps its own size, spacing and line height instead of following the
    body's grid."""
    _put_ppr(style.element.get_or_add_pPr(), f'<w:snapToGrid {W_NS} w:val="0"/>')
    _char_spacing(style, 0)


def _char_spacing(style, twips: int) -> None:
    rpr = style.element.get_or_add_rPr()
    for old in rpr.findall(qn("w:spacing")):
        rpr.remove(old)
    # w:spacing follows fonts, colour and size-related elements in CT_RPr's sequence
    after = [qn(t) for t in ("w:rStyle", "w:rFonts", "w:b", "w:bCs", "w:i", "w:iCs", "w:caps", "w:smallCaps",
                              "w:strike", "w:dstrike", "w:outline", "w:shadow", "w:emboss", "w:imprint",
                              "w:noProof", "w:snapToGrid", "w:vanish", "w:webHidden", "w:color")]
    pos = 0
    for n, child in enumerate(rpr):
        if child.tag in after:
            pos = n + 1
    rpr.insert(pos, parse_xml(f'<w:spacing {W_NS} w:val="{twips}"/>'))


def _allow_latin_breaks(style) -> None:
    """Let a long Latin token (a seed, a hash) break at the line end instead of stretching the
    line before it (Word: 允许西文在单词中间换行)."""
    _put_ppr(style.element.get_or_add_pPr(), f'<w:wordWrap {W_NS} w:val="0"/>')


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


def _doc_grid(section) -> None:
    """The 22-line grid of GB/T 9704 (28 characters a line come from the body's spacing)."""
    sect = section._sectPr
    for old in sect.findall(qn("w:docGrid")):
        sect.remove(old)
    sect.append(parse_xml(f'<w:docGrid {W_NS} w:type="lines" w:linePitch="{LINE_PITCH}"/>'))


def _page_numbers(footer, odd: bool) -> None:
    """— PAGE — in 宋体 四号: odd pages right-aligned one character in, even pages left-aligned
    one character in (GB/T 9704-2012 7.5)."""
    footer.is_linked_to_previous = False
    p = footer.paragraphs[0]
    p.alignment = WD_ALIGN_PARAGRAPH.RIGHT if odd else WD_ALIGN_PARAGRAPH.LEFT
    if odd:
        p.paragraph_format.right_indent = Pt(14)
    else:
        p.paragraph_format.left_indent = Pt(14)
    _put_ppr(p._p.get_or_add_pPr(), f'<w:snapToGrid {W_NS} w:val="0"/>')
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
        self.images: list[tuple[str, str, bytes]] = []  # (relationship id, file name, PNG bytes)

    def image(self, svg: str, width_mm: float, caption: str) -> None:
        """A centred SVG picture with its caption above. The SVG is both the picture itself (read by
        LibreOffice and WPS) and the asvg:svgBlip extension (read by Word 2016 and later)."""
        from .charts import svg_size

        n = len(self.images) + 1
        rid_svg = f"rIdAnjuanSvg{n}"
        self.images.append((rid_svg, f"anjuan_chart{n}.svg", svg.encode("utf-8")))
        px = svg_size(svg)
        cx = int(width_mm * 36000)
        cy = int(cx * px[1] / max(px[0], 1))
        r_ns = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
        self.p(caption, "TableCaption")
        self.parts.append(
            '<w:p><w:pPr><w:pStyle w:val="Chart"/><w:keepLines/></w:pPr><w:r><w:drawing>'
            f'<wp:inline xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing">'
            f'<wp:extent cx="{cx}" cy="{cy}"/><wp:docPr id="{900 + n}" name="图{n}" descr="{_x(caption)}"/>'
            '<a:graphic xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main">'
            '<a:graphicData uri="http://schemas.openxmlformats.org/drawingml/2006/picture">'
            '<pic:pic xmlns:pic="http://schemas.openxmlformats.org/drawingml/2006/picture">'
            f'<pic:nvPicPr><pic:cNvPr id="{900 + n}" name="chart{n}.svg"/><pic:cNvPicPr/></pic:nvPicPr>'
            f'<pic:blipFill><a:blip xmlns:r="{r_ns}" r:embed="{rid_svg}"><a:extLst>'
            '<a:ext uri="{96DAC541-7B7A-43D3-8B79-37D633B846F1}">'
            f'<asvg:svgBlip xmlns:asvg="http://schemas.microsoft.com/office/drawing/2016/SVG/main" r:embed="{rid_svg}"/>'
            '</a:ext></a:extLst></a:blip><a:stretch><a:fillRect/></a:stretch></pic:blipFill>'
            f'<pic:spPr><a:xfrm><a:off x="0" y="0"/><a:ext cx="{cx}" cy="{cy}"/></a:xfrm>'
            '<a:prstGeom prst="rect"><a:avLst/></a:prstGeom></pic:spPr></pic:pic></a:graphicData></a:graphic>'
            '</wp:inline></w:drawing></w:r></w:p>')

    def p(self, text: str, style: str | None = None, align: str | None = None, page_break: bool = False,
          keep_next: bool = False, ind: str = "") -> None:
        """A paragraph; `ind` is a ready w:ind element (twips) for indents set per paragraph."""
        ppr = ""
        if style or align or page_break or keep_next or ind:
            ppr = ("<w:pPr>" + (f'<w:pStyle w:val="{style}"/>' if style else "")
                   + ("<w:keepNext/>" if keep_next else "")
                   + ("<w:pageBreakBefore/>" if page_break else "")
                   + ind
                   + (f'<w:jc w:val="{align}"/>' if align else "") + "</w:pPr>")
        self.parts.append(f"<w:p>{ppr}{_runs(text)}</w:p>")

    def keep_last(self) -> None:
        """Keep the last paragraph on the page of the next one."""
        if self.parts and self.parts[-1].startswith("<w:p>"):
            last = self.parts[-1]
            if last.startswith("<w:p><w:pPr>"):
                if "<w:keepNext/>" not in last:
                    if "<w:pStyle " in last:
                        end = last.index("/>", last.index("<w:pStyle ")) + 2
                        last = last[:end] + "<w:keepNext/>" + last[end:]
                    else:
                        last = last.replace("<w:pPr>", "<w:pPr><w:keepNext/>", 1)
            else:
                last = "<w:p><w:pPr><w:keepNext/></w:pPr>" + last[5:]
            self.parts[-1] = last

    def h1(self, text: str) -> None:
        self.p(text, "Heading1")

    def h2(self, text: str) -> None:
        self.p(text, "Heading2")

    def table(self, headers: list[str], rows, widths: list[int], aligns: list[str], caption: str | None = None) -> None:
        """A bordered table inside the type area; the header repeats on every page.

        `widths` are relative weights of the columns whose text may wrap; a weight of 0 marks a
        column that must never break (numbers, scores, case numbers, dates): it gets the width of
        its longest value. Every column is at least as wide as its header, so headers never wrap.
        Cells carry as little XML as possible (alignment comes from the paragraph style TT/TC/TR),
        since a feedback document may hold thousands of rows.
        """
        if caption:
            self.p(caption, "TableCaption")
        rows = [tuple("" if v is None else str(v) for v in row) for row in rows]
        tw = fit_widths(headers, rows, widths)
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





def check_template(path: Path) -> None:
    """A bureau's Word template must be a readable .docx holding {{p body }}."""
    if not path.is_file():
        raise ReportError(f"Word 模板 {path} 不存在")
    try:
        with zipfile.ZipFile(path) as z:
            doc = z.read("word/document.xml").decode("utf-8", "replace")
    except (zipfile.BadZipFile, KeyError, OSError):
        raise ReportError(f"Word 模板 {path.name} 不是有效的 .docx 文件") from None
    plain = re.sub(r"<[^>]+>", "", doc)
    if not re.search(r"\{\{p\s+body\s*\}\}", plain):
        raise ReportError(f"Word 模板 {path.name} 中没有正文占位符 {{{{p body }}}}：请在红头下方单独一段写入 {{{{p body }}}}")


def _merge_styles(doc, styles_xml: bytes) -> None:
    """Add the styles the generated body uses and the bureau's template lacks (its own win)."""
    ours = parse_xml(styles_xml)
    root = doc.styles.element
    have = {st.get(qn("w:styleId")) for st in root.findall(qn("w:style"))}
    for st in ours.findall(qn("w:style")):
        if st.get(qn("w:styleId")) not in have:
            root.append(st)


@lru_cache(maxsize=100_000)
def text_width(text: str, pt: float = TABLE_PT) -> int:
    """Width of a line of text in twips: CJK and full-width characters one em, Latin letters and
    digits about half an em (Times New Roman / 仿宋 half-width)."""
    em = pt * 20
    total = 0.0
    for ch in text:
        o = ord(ch)
        if o > 0x2E7F or ch in "—…“”‘’":
            total += em
        elif ch in "il.,:;'|!·":
            total += em * 0.3
        elif ch in "mwMW%@":
            total += em * 0.9
        elif ch.isupper():
            total += em * 0.7
        else:
            total += em * 0.55
    return int(total + 0.999)


def fit_widths(headers: list[str], rows: list[tuple], weights: list[int], total: int = TEXT_WIDTH,
               pt: float = TABLE_PT) -> list[int]:
    """Column widths in twips summing to at most `total` (see _Body.table)."""
    pad = 2 * CELL_MARGIN + 40
    head = [text_width(h, pt) + pad for h in headers]
    need = list(head)
    for c, weight in enumerate(weights):
        if weight == 0:
            values = {row[c] for row in rows}  # scores, counts and dates repeat: measure each once
            longest = max((text_width(line, pt) for v in values for line in v.split("\n")), default=0)
            need[c] = max(need[c], longest + pad)
    fixed = sum(need[c] for c, wgt in enumerate(weights) if wgt == 0)
    flex = [c for c, wgt in enumerate(weights) if wgt > 0]
    floor = sum(max(head[c], int(pt * 20 * 4) + pad) for c in flex)  # a wrapping column shows 4 characters
    if fixed + floor > total:  # too many unbreakable columns: they give way in proportion
        scale = max(total - floor, 1) / max(fixed, 1)
        for c, wgt in enumerate(weights):
            if wgt == 0:
                need[c] = max(head[c], int(need[c] * scale))
        fixed = sum(need[c] for c, wgt in enumerate(weights) if wgt == 0)
    if not flex:
        spare = total - fixed
        if spare > 0:  # widen every column evenly up to the type area
            add = spare // len(need)
            need = [x + add for x in need]
        return need
    rest = max(total - fixed, 0)
    wsum = sum(weights[c] for c in flex)
    out = list(need)
    mins = {c: max(head[c], int(pt * 20 * 4) + pad) for c in flex}
    # hand the rest out by weight, but never below a column's minimum
    free = rest - sum(mins.values())
    for c in flex:
        out[c] = mins[c] + max(free, 0) * weights[c] // wsum
    over = sum(out) - total
    if over > 0:
        biggest = max(flex, key=lambda c: out[c])
        out[biggest] -= over
    return out


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


class _BodyXml:
    """The generated body handed to docxtpl for {{p body }}: its text is WordprocessingML."""

    def __init__(self, xml: str):
        self.xml = xml

    def __str__(self) -> str:
        return self.xml

    __html__ = __str__


ZIP_LEVEL = 1
"""zlib level of a document's zip: three times as fast as the default (6), the file about a fifth
larger (a large campaign's 201 documents: 0.5 s of compression at the default level)."""


def _write_chunked(out, parts: list[str], chunk: int = 1 << 18) -> None:
    """Write many small XML pieces in chunks of about `chunk` characters: one compress call per
    chunk instead of one per paragraph, and never the whole document as one string."""
    buf: list[str] = []
    size = 0
    for part in parts:
        buf.append(part)
        size += len(part)
        if size >= chunk:
            out.write("".join(buf).encode("utf-8"))
            buf, size = [], 0
    if buf:
        out.write("".join(buf).encode("utf-8"))


class DocxWriter:
    """Writes documents into copies of the styled template, the body streamed into the package.

    With `template` (a bureau's own .docx: its 红头, page setup and styles), each document is
    rendered through docxtpl instead: the template's {{ doc_no }}, {{ title }}, {{ organiser }},
    {{ date }}, {{ cc }} and {{ draft }} are filled in and the paragraph holding {{p body }} is
    replaced by the generated body. Styles the body uses and the template lacks are added.
    """

    def __init__(self, template: str | Path | None = None, charts: bool = False):
        self.template = Path(template) if template else None
        self.charts = charts
        built = _template()
        with zipfile.ZipFile(io.BytesIO(built)) as z:
            self._entries = [(i.filename, z.read(i.filename)) for i in z.infolist()]
        doc = dict(self._entries)["word/document.xml"].decode("utf-8")
        body = doc.index(">", doc.index("<w:body")) + 1
        self._doc_head = doc[:body].encode("utf-8")
        self._tail = doc[doc.index("<w:sectPr"):].encode("utf-8")
        self._styles = dict(self._entries)["word/styles.xml"]
        if self.template is not None:
            check_template(self.template)

    def _save(self, body: _Body, path: Path, title: str, author: str, data: md.BulletinData | None = None,
              doc_title: str = "") -> None:
        if self.template is not None:
            self._save_with_template(body, path, data, doc_title or title)
            return
        now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        core = _CORE.format(title=_x(title[:255]), author=_x(author[:255]), now=now).encode("utf-8")
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=ZIP_LEVEL) as z:
            for name, data_ in self._entries:
                if name == "word/document.xml":
                    with z.open(name, "w") as out:
                        out.write(self._doc_head)
                        _write_chunked(out, body.parts)
                        out.write(self._tail)
                elif name == "docProps/core.xml":
                    z.writestr(name, core)
                elif name == "word/_rels/document.xml.rels" and body.images:
                    rels = data_.decode("utf-8")
                    extra = "".join(f'<Relationship Id="{rid}" Type="{RT.IMAGE}" Target="media/{fname}"/>'
                                    for rid, fname, _ in body.images)
                    z.writestr(name, rels.replace("</Relationships>", extra + "</Relationships>"))
                elif name == "[Content_Types].xml" and body.images:
                    ct = data_.decode("utf-8")
                    for ext, mime in (("svg", "image/svg+xml"),):
                        if f'Extension="{ext}"' not in ct:
                            ct = ct.replace("<Default ", f'<Default Extension="{ext}" ContentType="{mime}"/><Default ', 1)
                    z.writestr(name, ct)
                else:
                    z.writestr(name, data_)
            for _, fname, blob in body.images:
                z.writestr(f"word/media/{fname}", blob)

    def _save_with_template(self, body: _Body, path: Path, data: md.BulletinData | None, title: str) -> None:
        from docxtpl import DocxTemplate

        tpl = DocxTemplate(str(self.template))
        doc = tpl.get_docx()
        _merge_styles(doc, self._styles)
        xml = "".join(body.parts)
        for rid, fname, blob in body.images:  # pictures become parts of the template's package
            from docx.opc.packuri import PackURI
            from docx.opc.part import Part

            ctype = "image/svg+xml" if fname.endswith(".svg") else "image/png"
            part = Part(PackURI(f"/word/media/{fname}"), ctype, blob, doc.part.package)
            new_rid = doc.part.relate_to(part, RT.IMAGE)
            xml = xml.replace(f'r:embed="{rid}"', f'r:embed="{new_rid}"')
        context = {
            "body": _BodyXml(xml),
            "title": title + (w.DRAFT if data and data.draft else ""),
            "doc_no": data.doc_no if data else "", "organiser": data.organiser if data else "",
            "date": w.cn_date(data.date) if data else "", "cc": "，".join(data.cc) if data else "",
            "draft": bool(data and data.draft), "public": bool(data and data.public),
        }
        try:
            tpl.render(context, autoescape=True)
        except Exception as exc:  # a template error of any kind (jinja2, XML) is the user's to fix
            from jinja2 import TemplateError

            from .web import jinja_text

            if isinstance(exc, TemplateError):
                raise ReportError(f"Word 模板 {self.template.name} 的占位符有错误：{jinja_text(exc)}") from None
            raise ReportError(f"Word 模板 {self.template.name} 无法使用：{exc}") from None
        tpl.save(str(path))

    # --- parts shared by every document ----------------------------------------------------

    def _head(self, b: _Body, data: md.BulletinData, title: str) -> None:
        if data.doc_no and not self.template:
            b.p(data.doc_no, "DocNo")
            b.p("")
        if not self.template:
            b.p(title, "DocTitle")
            sub = (w.DRAFT if data.draft else "") + ("（公开版）" if data.public else "")
            if sub:
                b.p(sub, "DocSubtitle")

    def _attachment_note(self, b: _Body, atts: list[tuple[str, str]]) -> None:
        """附件说明: a blank line, then 附件：1. … with every further name under the first."""
        if not atts:
            return
        b.keep_last()
        b.p("", keep_next=True)
        em = 320  # twips of one body character
        single = len(atts) == 1
        for i, (_, heading) in enumerate(atts, 1):
            label = "附件：" if i == 1 else ""
            num = "" if single else f"{i}. "
            # the name starts at 2 + 3 (附件：) characters + the width of “1. ” (one character)
            left = em * (5 if single else 6)
            hanging = left - 2 * em if i == 1 else (0 if single else em)
            b.p(f"{label}{num}{heading}", "AttNote", keep_next=True,
                ind=f'<w:ind w:left="{left}" w:hanging="{hanging}"/>')

    def _signature(self, b: _Body, data: md.BulletinData) -> None:
        """发文机关署名 centred over the 成文日期, which is right-indented four characters; two blank
        lines above leave room for the seal."""
        self._sign(b, data.organiser, data.date)  # kept with the last paragraph: never alone on a page

    def _imprint(self, b: _Body, data: md.BulletinData) -> None:
        """版记: 抄送 and 印发机关/印发日期 between full-width lines (only for a document with a
        文号 or 抄送, i.e. one that is issued)."""
        if not (data.cc or data.doc_no):
            return
        rows = []
        if data.cc:
            rows.append(("抄送：" + "，".join(data.cc) + "。", ""))
        rows.append((data.organiser or "", f"{w.cn_date(data.date)}印发"))
        b.p("")
        out = [f'<w:tbl><w:tblPr><w:tblW w:w="{TEXT_WIDTH}" w:type="dxa"/><w:jc w:val="center"/><w:tblBorders>'
               '<w:top w:val="single" w:sz="8" w:space="0" w:color="000000"/>'
               '<w:bottom w:val="single" w:sz="8" w:space="0" w:color="000000"/>'
               '<w:insideH w:val="single" w:sz="4" w:space="0" w:color="000000"/></w:tblBorders>'
               '<w:tblLayout w:type="fixed"/></w:tblPr>'
               f'<w:tblGrid><w:gridCol w:w="{TEXT_WIDTH // 2}"/><w:gridCol w:w="{TEXT_WIDTH - TEXT_WIDTH // 2}"/></w:tblGrid>']
        for left, right in rows:
            out.append("<w:tr><w:trPr><w:cantSplit/></w:trPr>")
            if not right:
                out.append(f'<w:tc><w:tcPr><w:tcW w:w="{TEXT_WIDTH}" w:type="dxa"/><w:gridSpan w:val="2"/></w:tcPr>'
                           f'<w:p><w:pPr><w:pStyle w:val="Imprint"/><w:ind w:left="280" w:right="280" w:hanging="0"/>'
                           f'</w:pPr>{_runs(left)}</w:p></w:tc>')
            else:
                out.append(f'<w:tc><w:tcPr><w:tcW w:w="{TEXT_WIDTH // 2}" w:type="dxa"/></w:tcPr><w:p><w:pPr>'
                           f'<w:pStyle w:val="Imprint"/><w:ind w:left="280"/></w:pPr>{_runs(left)}</w:p></w:tc>'
                           f'<w:tc><w:tcPr><w:tcW w:w="{TEXT_WIDTH - TEXT_WIDTH // 2}" w:type="dxa"/></w:tcPr><w:p><w:pPr>'
                           f'<w:pStyle w:val="Imprint"/><w:ind w:right="280"/><w:jc w:val="right"/></w:pPr>'
                           f'{_runs(right)}</w:p></w:tc>')
            out.append("</w:tr>")
        out.append("</w:tbl>")
        b.parts.append("".join(out))

    # --- 评查结果通报 ---------------------------------------------------------------------

    def write_bulletin(self, data: md.BulletinData, path: Path) -> None:
        b = _Body()
        self._head(b, data, data.title)
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
                    b.table(["等次", "分数线", "案卷数", "占比"], rows, [0, 0, 0, 0], [C, R, R, R], caption="等次分布")
            elif key == "ranking":
                b.p(w.ranking_intro(data))
                b.table(["名次", "执法机关", "抽查卷数", "已评卷数", "平均分", "合格率", "优秀率", *bands],
                        _ranking_rows(data), [0, 1, 0, 0, 0, 0, 0, *([0] * len(bands))],
                        [C, L, R, R, R, R, R, *([R] * len(bands))])
                if w.unranked_note(data):
                    b.p(w.unranked_note(data))
            elif key == "categories":
                b.p(w.category_text(data))
                b.table(["类别", "标准分值", "适用分值合计", "失分合计", "失分率"], _category_rows(data.categories),
                        [1, 0, 0, 0, 0], [L, R, R, R, R])
                if self.charts:
                    self._charts(b, data)
            elif key == "good":
                for para in data.good_practices:
                    b.p(para)
            elif key == "problems":
                b.p(w.typical_intro(data))
                for i, (title, tps) in enumerate(w.problem_sections(data), 1):
                    b.h2(f"（{w.cn_num(i)}）{title}")
                    for k, tp in enumerate(tps, 1):
                        b.p(f"{k}. {tp.statement}。{w.typical_paragraph(tp)}")
                        if tp.basis:
                            b.p(f"依据：{tp.basis}", "Basis")
                        for j, ex in enumerate(tp.examples, 1):
                            b.p(f"例{j}：{w.example_text(ex)}", "Basis")
            elif key == "failed":
                b.p(w.failed_intro(data))
                if data.failed_files:
                    b.table(["序号", "执法机关", "案号", "案件名称", "得分", "主要问题"],
                            [(i, f.agency, f.case_no, f.title, w.score(f.score), "\n".join(f.reasons))
                             for i, f in enumerate(data.failed_files, 1)],
                            [0, 3, 0, 3, 0, 6], [C, L, L, L, R, L])
            elif key == "rectify":
                for para in data.requirements:
                    b.p(para)
            else:
                _round_block(b, data, key)
        atts = w.appendices(data)
        self._attachment_note(b, atts)
        self._signature(b, data)
        for i, (key, heading) in enumerate(atts, 1):
            b.p(f"附件{i}", "AttLabel", page_break=True)
            b.p(heading, "AttTitle")
            if key == "open":
                b.table(["序号", "执法机关", "案号", "案件名称", "状态", "说明"],
                        [(k, f.agency, f.case_no, f.title, f.state, "；".join(f.reasons))
                         for k, f in enumerate(data.open_files, 1)],
                        [0, 3, 0, 3, 0, 4], [C, L, L, L, C, L])
            elif key == "excellent":
                b.table(["序号", "执法机关", "案号", "案件名称", "得分"],
                        [(k, f.agency, f.case_no, f.title, w.score(f.score))
                         for k, f in enumerate(data.excellent_files, 1)],
                        [0, 3, 0, 4, 0], [C, L, L, L, R])
            elif key == "sampling":
                for para in w.sampling_annex(data):
                    b.p(para, align="left")
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
        self._imprint(b, data)
        self._save(b, path, data.title, data.organiser, data, data.title)

    def _charts(self, b: _Body, data: md.BulletinData) -> None:
        from .charts import chart_svgs

        for caption, svg in chart_svgs(data):
            b.image(svg, 150, caption)

    # --- 反馈意见书 -----------------------------------------------------------------------

    def write_feedback(self, data: md.BulletinData, a: md.AgencyEntry, path: Path) -> None:
        b = _Body()
        title = w.feedback_title(data.campaign)
        self._head(b, data, title)
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
                            [0] * 8, [C] * 8, caption="得分情况")
            elif key == "files":
                if a.files:
                    b.table(["序号", "案号", "案件名称", "得分", "等次", "问题数"],
                            [(i, f.case_no, f.title, w.score(f.score),
                              w.grade_label(f, data) + ("（合议）" if f.settled else ""), len(f.problems))
                             for i, f in enumerate(a.files, 1)],
                            [0, 0, 1, 0, 0, 0], [C, L, L, R, C, R])
                    rule = w.excellent_rule(data, a)
                    if rule and "本次有" in rule:
                        b.p(rule)
                else:
                    b.p("暂无完成评查的案卷。")
                if a.open_files:
                    b.p("以下案卷尚无最终评查结果，评查结果确定后另行反馈：")
                    b.table(["序号", "案号", "案件名称", "状态", "说明"],
                            [(i, f.case_no, f.title, f.state, "；".join(f.reasons)) for i, f in enumerate(a.open_files, 1)],
                            [0, 0, 3, 0, 3], [C, L, L, C, L])
            elif key == "problems":
                b.p(w.agency_problems_intro(a))
                for i, (title_, groups) in enumerate(w.agency_problem_sections(a), 1):
                    b.h2(f"（{w.cn_num(i)}）{title_}")
                    for k, g in enumerate(groups, 1):
                        b.p(f"{k}. {w.problem_group_heading(g)}。{w.group_detail(g)}")
                        if g.basis:
                            b.p(f"依据：{w.short_basis(g.basis)}", "Basis")
            elif key == "rectify":
                for para in a.requirements:
                    b.p(para)
        self._signature(b, data)
        self._imprint(b, data)
        self._save(b, path, f"{a.name}{title}", data.organiser, data, title)


    # --- 调卷通知 -------------------------------------------------------------------------

    def write_notice(self, data, a, path: Path) -> None:
        from .papers import notice_text, notice_title

        b = _Body()
        if data.doc_no:
            b.p(data.doc_no, "DocNo")
            b.p("")
        title = notice_title(data)
        b.p(title, "DocTitle")
        b.p(f"{a.name}：", "NoIndent")
        for para in notice_text(data, a):
            b.p(para)
        self._attachment_note(b, [("files", f"{a.name}抽取案卷清单")])
        self._sign(b, data.organiser, data.issued_on)
        b.p("附件", "AttLabel", page_break=True)
        b.p(f"{a.name}抽取案卷清单", "AttTitle")
        b.table(["序号", "案号", "案件名称", "案件类别", "结案日期", "报送情况"],
                [(i, f.case_no, f.title, f.kind, f.decided_on, "") for i, f in enumerate(a.files, 1)],
                [0, 0, 5, 0, 0, 1], [C, L, L, C, C, C])
        self._save(b, path, f"{a.name}{title}", data.organiser)

    # --- 案卷评查表 -----------------------------------------------------------------------

    def write_forms(self, book, path: Path) -> None:
        b = _Body()
        for n, f in enumerate(book.files):
            b.p("案卷评查表", "AttTitle", page_break=n > 0)
            b.table(["项目", "内容", "项目", "内容"], [
                ("执法机关", f.agency, "案号", f.case_no),
                ("案件名称", f.title, "案件类别", f.kind or "—"),
                ("当事人", f.party or "—", "评查人员", f.reviewer),
                ("评查标准", book.standard, "评查状态", f.status),
            ], [0, 3, 0, 2], [C, L, C, L])
            rows = []
            category = None
            k = 0
            for it in f.items:
                if it.category != category:
                    category = it.category
                    rows.append(("", f"【{category}】", "", "", "", ""))
                k += 1
                verdict = it.verdict or "□符合 □扣分 □否决 □不适用"
                deducted = w.points(it.deducted) if it.verdict == "扣分" else ""
                note = "；".join(x for x in (it.note, f"第{it.page_ref}页" if it.page_ref and it.page_ref[:1].isdigit()
                                               else it.page_ref) if x)
                rows.append((k, it.text + ("（否决项）" if it.veto else ""), "—" if it.veto else w.points(it.points),
                             verdict, deducted, note))
            b.table(["序号", "评查项目", "分值", "评查结论", "扣分", "存在问题及卷内页码"], rows,
                    [0, 9, 0, 2 if f.status == "未评查" else 0, 0, 4], [C, L, C, C, C, L])
            score = "______" if f.score is None else w.score(f.score)
            grade = f.grade or "______"
            b.p(f"得分：{score}分　　等次：{grade}", "NoIndent")
            if f.note:
                b.p(f"评查意见：{f.note}", "NoIndent")
            b.p("评查人员（签名）：______________　　日期：______年____月____日", "Sign")
            b.p("组长审核（签名）：______________　　日期：______年____月____日", "Sign")
        if not book.files:
            b.p("暂无分配给该评查人员的案卷。")
        self._save(b, path, f"{book.reviewer}案卷评查表", book.organiser)

    def _sign(self, b: _Body, organiser: str, when) -> None:
        b.keep_last()
        b.p("", keep_next=True)
        b.p("", keep_next=True)
        date = w.cn_date(when)
        if organiser:
            shift = (w.line_units(date) - w.line_units(organiser)) / 2 * 320
            b.p(organiser, "Signature", keep_next=True, ind=f'<w:ind w:right="{max(0, int(64 * 20 + shift))}"/>')
        b.p(date, "Signature")


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
