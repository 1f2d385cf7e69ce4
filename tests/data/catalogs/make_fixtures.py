"""Regenerate the catalog fixtures of tests/test_import.py: python tests/data/catalogs/make_fixtures.py

The generated files are committed; this script documents exactly what is in them.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

HERE = Path(__file__).parent


def write_csv(name: str, lines: list[list[str]], encoding: str) -> None:
    import csv
    import io

    buf = io.StringIO(newline="")
    csv.writer(buf, lineterminator="\r\n").writerows(lines)
    (HERE / name).write_bytes(buf.getvalue().encode(encoding))


def gbk_csv() -> None:
    # Excel "CSV (逗号分隔)" on Chinese Windows: GBK, header on row 1, dates typed by hand.
    write_csv("gbk.csv", [
        ["序号", "执法机关", "案号", "案件名称", "当事人", "案件类别", "决定日期", "承办人", "备注"],
        ["1", "安溪县市场监督管理局", "安市监罚〔２０２３〕１号", "某超市销售过期食品案", "安溪县某某超市",
         "处罚", "2023/7/6", "张三、李四", ""],
        ["2", "安溪县市场监督管理局", "安市监罚〔2023〕2号", "某公司虚假宣传案", "福建某某（集团）有限公司",
         "行政处罚", "2023.8.15", "王五、赵六", "已结案"],
        ["3", "安溪县市场监督管理局", "安市监强〔2023〕1号", "查封某仓库", "陈某某", "强制",
         "2023年9月1日", "张三、李四", ""],
        ["4", "安溪县市场监督管理局", "安市监许〔2023〕7号", "食品经营许可", "林某某",
         "许可", "20231020", "", ""],
    ], "gbk")


def utf8_bom_csv() -> None:
    # Excel "CSV UTF-8": BOM, a title row and a blank row above the header, no agency column
    # (imported with --agency), a header with a line break and a * mark, an extra column.
    write_csv("utf8_bom.csv", [
        ["安溪县交通运输局2023年度行政执法案卷目录", "", "", "", "", "", ""],
        ["", "", "", "", "", "", ""],
        ["序号", "案卷号*", "案由", "行政相对人", "执法类别", "作出决定\n日期", "罚没金额（元）"],
        ["1", "安交罚〔2023〕 11号", "超限运输", "厦门某某物流有限公司", "行政处罚", "2023-03-02", "5000"],
        ["", "", "", "", "", "", ""],
        ["2", "安交罚〔2023〕12号", "未取得道路运输经营许可　从事经营", "吴某某", "检查", "2023-3-9", ""],
        ["3", "", "", "", "", "", ""],
        ["4", "ＡＪ－２０２３－００３", "巡游出租车检查", "泉州某出租车公司", "行政检查", "", "１２００"],
    ], "utf-8-sig")


def gb18030_csv() -> None:
    # GB18030 with characters that GBK does not have (𠮷 is a 4-byte GB18030 character).
    write_csv("gb18030.csv", [
        ["执法单位", "决定书文号", "案件名称", "当事人名称", "案件类型", "处罚日期", "办案人员"],
        ["安溪县城市管理局", "安城管罚〔2023〕5号", "占道经营", "𠮷野家餐饮店", "行政处罚", "2023/11/30", "䶮某某"],
        ["安溪县城市管理局", "安城管罚〔2023〕6号", "违规设置户外广告", "李某某", "行政处罚", "2023/12/1", "䶮某某"],
    ], "gb18030")


def merged_title_xlsx() -> None:
    import xlsxwriter

    wb = xlsxwriter.Workbook(str(HERE / "merged_title.xlsx"))
    ws = wb.add_worksheet("案卷目录")
    bold = wb.add_format({"bold": True, "align": "center"})
    datefmt = wb.add_format({"num_format": "yyyy-mm-dd"})
    dtfmt = wb.add_format({"num_format": "yyyy-mm-dd hh:mm"})
    ws.merge_range("A1:I1", "2023年度行政处罚案卷目录", bold)
    ws.merge_range("A2:I2", "填报单位：安溪县应急管理局", bold)
    ws.write_row(2, 0, ["序号", "执法部门", "处罚决定书文号", "案件名称", "当事人", "执法类型", "决定日期",
                        "执法人员", "罚款金额"], bold)
    ws.write_number(3, 0, 1)
    ws.write_string(3, 1, "安溪县应急管理局")
    ws.write_string(3, 2, "（安）应急罚〔2023〕1号")
    ws.write_string(3, 3, "某矿业公司未按规定开展安全培训案")
    ws.write_string(3, 4, "安溪某某矿业有限公司")
    ws.write_string(3, 5, "行政处罚")
    ws.write_datetime(3, 6, date(2023, 4, 18), datefmt)
    ws.write_string(3, 7, "郑某、黄某")
    ws.write_number(3, 8, 20000)
    ws.write_number(4, 0, 2)
    ws.write_string(4, 1, "安溪县应急管理局")
    ws.write_string(4, 2, "（安）应急罚〔2023〕2号")
    ws.write_string(4, 3, "某烟花爆竹店超量储存案")
    ws.write_string(4, 4, "安溪县某某烟花爆竹店")
    ws.write_string(4, 5, "处罚")
    ws.write_datetime(4, 6, datetime(2023, 6, 30, 15, 45), dtfmt)
    ws.write_string(4, 7, "郑某、黄某")
    ws.write_number(4, 8, 3500.5)
    ws.write_number(5, 0, 3)
    ws.write_string(5, 1, "安溪县应急管理局")
    ws.write_string(5, 2, "（安）应急强〔2023〕1号")
    ws.write_string(5, 3, "查封某化工仓库")
    ws.write_string(5, 4, "安溪某某化工有限公司")
    ws.write_string(5, 5, "行政强制")
    ws.write_number(5, 6, 45200)  # a date typed as a plain number: Excel serial 45200 = 2023-10-01
    ws.write_string(5, 7, "黄某")
    wb.close()


def every_error_csv() -> None:
    # Every row-level problem at once: empty case number, empty agency, bad date (two kinds),
    # duplicate case number within an agency; plus good rows (same case number at another
    # agency is fine).
    write_csv("every_error.csv", [
        ["序号", "执法机关", "案号", "案件名称", "决定日期"],
        ["1", "安溪县市场监督管理局", "安市监罚〔2023〕1号", "甲案", "2023-01-05"],
        ["2", "安溪县市场监督管理局", "", "乙案", "2023-01-06"],
        ["3", "", "安市监罚〔2023〕3号", "丙案", "2023-01-07"],
        ["4", "安溪县市场监督管理局", "安市监罚〔2023〕4号", "丁案", "2023-13-01"],
        ["5", "安溪县市场监督管理局", "安市监罚〔2023〕5号", "戊案", "去年五月"],
        ["6", "安溪县市场监督管理局", "安市监罚〔２０２３〕１号", "己案", "2023-02-01"],
        ["7", "安溪县公安局", "安市监罚〔2023〕1号", "庚案", "2023-02-02"],
    ], "utf-8")


def missing_column_csv() -> None:
    write_csv("missing_column.csv", [
        ["序号", "单位", "案件名称", "当事人"],
        ["1", "安溪县林业局", "滥伐林木案", "苏某某"],
    ], "utf-8")


def not_spreadsheet() -> None:
    pdf = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
    (HERE / "not_a_spreadsheet.xlsx").write_bytes(pdf)


if __name__ == "__main__":
    gbk_csv()
    utf8_bom_csv()
    gb18030_csv()
    merged_title_xlsx()
    every_error_csv()
    missing_column_csv()
    not_spreadsheet()
    print("fixtures written to", HERE)
