"""Reading small tabular files (CSV in any Chinese encoding, or Excel) as rows of strings."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from pathlib import Path

from .errors import InputError


class UndecodableText(ValueError):
    """Bytes that are not text in any encoding we read; the message says why (in Chinese)."""


def decode_csv_bytes(data: bytes) -> tuple[str, str]:
    """Text of a CSV file and the encoding used: UTF-16 with a BOM, UTF-8 (with or without BOM),
    then GB18030 (a superset of GBK and GB2312), then whatever charset-normalizer finds."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError:
            pass
    elif b"\x00" in data[:8192]:
        raise UndecodableText("不是文本格式的 CSV 文件（含有二进制内容）")
    try:
        return data.decode("utf-8-sig"), ("utf-8-sig" if data.startswith(b"\xef\xbb\xbf") else "utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030"), "gb18030"
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None:
        raise UndecodableText("无法识别文件的文字编码")
    return str(best), best.encoding


def cell_text(v) -> str:
    if v is None:
        return ""
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    if isinstance(v, datetime):
        return v.date().isoformat() if v.time() == datetime.min.time() else v.isoformat(sep=" ")
    if isinstance(v, date):
        return v.isoformat()
    return str(v)


def column_letter(index: int) -> str:
    """0 → A, 25 → Z, 26 → AA."""
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def read_table(path: Path) -> list[list[str]]:
    if not path.exists():
        raise InputError(f"找不到文件 {path}")
    suffix = path.suffix.lower()
    with open(path, "rb") as fh:
        head = fh.read(8)
    if head[:5] == b"%PDF-":
        raise InputError(f"{path.name} 是 PDF 文件，不是电子表格，请提供 Excel（.xlsx）或 CSV 文件")
    if suffix in (".xlsx", ".xlsm", ".xls", ".ods"):
        from python_calamine import CalamineWorkbook

        if head[:4] != b"PK\x03\x04" and head != b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
            raise InputError(f"{path.name} 不是有效的 Excel 文件（内容不是 Excel 格式，可能已损坏或改了扩展名），"
                             "请用 Excel 打开后另存为 .xlsx")
        try:
            wb = CalamineWorkbook.from_path(str(path))
            sheet = wb.get_sheet_by_index(0)
            return [[cell_text(c) for c in row] for row in sheet.to_python(skip_empty_area=False)]
        except Exception:  # noqa: BLE001 - calamine raises several types for bad files
            raise InputError(f"{path.name} 无法读取，Excel 文件可能已损坏，请用 Excel 打开后另存为 .xlsx") from None
    if suffix in (".csv", ".txt"):
        try:
            text, _ = decode_csv_bytes(path.read_bytes())
        except UndecodableText as exc:
            raise InputError(f"{path.name}：{exc}，请用 Excel 打开后另存为“CSV UTF-8（逗号分隔）”或 .xlsx") from None
        return [row for row in csv.reader(io.StringIO(text))]
    raise InputError(f"{path.name}：不支持的文件类型“{suffix}”，请使用 .xlsx 或 .csv")
