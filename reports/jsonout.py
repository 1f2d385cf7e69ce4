"""JSON with every figure of the bulletin, for other systems (schema "anjuan.bulletin/1").

The document mirrors reports.model: campaign facts, standard, sampling, overall statistics,
category losses, typical problems, failed and open files, agreement, rectification text, and each
agency with its statistics, rank, files (with every problem) and problem groups. Rates are
fractions (0.8 = 80%), scores have two decimals, dates are ISO 8601. It is written agency by
agency, so memory does not grow with the size of the campaign.
"""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path

import orjson

from .model import BulletinData

OPTIONAL = ("selfcheck", "previous")  # written only when the campaign has them
# orjson writes dataclasses (their fields, in order), dates (ISO 8601) and the rest of the model's
# plain data itself; keys that are not text are written as text, as the json module does.
OPTIONS = orjson.OPT_NON_STR_KEYS


def _dumps(o) -> bytes:
    return orjson.dumps(o, option=OPTIONS)


def write_json(data: BulletinData, path: Path) -> None:
    top = {f.name: getattr(data, f.name) for f in fields(data) if f.name != "agencies"
           and not (f.name in OPTIONAL and getattr(data, f.name) is None)}
    top["schema"] = data.schema
    with open(path, "wb") as out:
        out.write(b"{")
        for key, value in top.items():
            out.write(_dumps(key) + b": " + _dumps(value) + b",\n")
        out.write(b'"agencies": [\n')
        for n, a in enumerate(data.agencies):
            if n:
                out.write(b",\n")
            out.write(_dumps(a))
        out.write(b"\n]}\n")
