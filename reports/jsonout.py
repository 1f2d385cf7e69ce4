"""JSON with every figure of the bulletin, for other systems (schema "anjuan.bulletin/1").

The document mirrors reports.model: campaign facts, standard, sampling, overall statistics,
category losses, typical problems, failed and open files, agreement, rectification text, and each
agency with its statistics, rank, files (with every problem) and problem groups. Rates are
fractions (0.8 = 80%), scores have two decimals, dates are ISO 8601. It is written agency by
agency, so memory does not grow with the size of the campaign.
"""

from __future__ import annotations

import json
from dataclasses import fields, is_dataclass
from datetime import date
from pathlib import Path

from .model import BulletinData, CategoryLoss

_FIELDS: dict[type, tuple[str, ...]] = {}
OPTIONAL = ("selfcheck", "previous")  # written only when the campaign has them


def _default(o):
    names = _FIELDS.get(type(o))
    if names is None and is_dataclass(o) and not isinstance(o, type):
        names = _FIELDS[type(o)] = tuple(f.name for f in fields(o))
    if names is not None:
        d = {n: getattr(o, n) for n in names}
        if isinstance(o, CategoryLoss):
            d["rate"] = o.rate
        return d
    if isinstance(o, date):
        return o.isoformat()
    raise TypeError(f"not JSON serialisable: {type(o).__name__}")


def _dumps(o) -> str:
    return json.dumps(o, default=_default, ensure_ascii=False, check_circular=False)  # plain data: no cycles


def write_json(data: BulletinData, path: Path) -> None:
    top = {f.name: getattr(data, f.name) for f in fields(data) if f.name != "agencies"
           and not (f.name in OPTIONAL and getattr(data, f.name) is None)}
    top["schema"] = data.schema
    with open(path, "w", encoding="utf-8", newline="\n") as out:
        out.write("{")
        for key, value in top.items():
            out.write(f"{_dumps(key)}: {_dumps(value)},\n")
        out.write('"agencies": [\n')
        for n, a in enumerate(data.agencies):
            if n:
                out.write(",\n")
            out.write(_dumps(a))
        out.write("\n]}\n")
