"""The bureau's time zone: dates printed in documents are local dates, not UTC ones.

Bureaus are in China, so the default is Asia/Shanghai; ANJUAN_TZ (an IANA name such as
Asia/Urumqi) overrides it. Times are stored in UTC (ISO 8601 with Z) everywhere in the database.
The tzdata package supplies the zone database on machines without one (Windows).
"""

from __future__ import annotations

import os
from datetime import UTC, date, datetime, tzinfo

DEFAULT_TZ = "Asia/Shanghai"


def zone() -> tzinfo:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    name = os.environ.get("ANJUAN_TZ", "").strip() or DEFAULT_TZ
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        from .errors import AnjuanError

        raise AnjuanError(f"时区“{name}”无效（环境变量 ANJUAN_TZ），应为如 Asia/Shanghai 的时区名") from None


def today() -> date:
    """Today in the bureau's time zone."""
    return datetime.now(UTC).astimezone(zone()).date()


def local_date(stamp: str) -> date | None:
    """The local date of a stored UTC time stamp (None if it cannot be read)."""
    if not stamp:
        return None
    text = stamp.strip().replace("Z", "+00:00")
    try:
        dt = datetime.fromisoformat(text)
    except ValueError:
        try:
            return date.fromisoformat(text[:10])
        except ValueError:
            return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt.astimezone(zone()).date()


def parse_day(text: str | None, what: str) -> date | None:
    """A YYYY-MM-DD option (None when not given), or a one-line Chinese error naming `what`."""
    if not text:
        return None
    import re

    from .errors import AnjuanError

    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text.strip()):
            raise AnjuanError(f"{what}“{text}”不是实际存在的日期，请检查月份和日") from None
        raise AnjuanError(f"{what}“{text}”格式不对，应为 年-月-日，例如 2025-03-31") from None
