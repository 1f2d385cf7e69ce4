"""Reading small tabular files (CSV in any Chinese encoding, or Excel) as rows of strings."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from pathlib import Path

from .errors import InputError


def decode_bytes(raw: bytes, name: str) -> str:
    """UTF-8 (with or without BOM) first, then GB18030 (a superset of GBK), then detection."""
    for enc in ("utf-8-sig", "gb18030"):
        try:
            return raw.decode(enc)
        except UnicodeDecodeError:
            continue
    from charset_normalizer import from_bytes

    best = from_bytes(raw).best()
    if best is None:
        raise InputError(f"{name} 无法识别文字编码，请另存为 UTF-8 或 GBK 编码的 CSV")
    return str(best)


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
        text = decode_bytes(path.read_bytes(), path.name)
        return [row for row in csv.reader(io.StringIO(text))]
    raise InputError(f"{path.name}：不支持的文件类型“{suffix}”，请使用 .xlsx 或 .csv")
