"""The hall's clock: times are stored in UTC and shown, and days counted, in Asia/Shanghai."""

from __future__ import annotations

import time
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

LOCAL_TZ = ZoneInfo("Asia/Shanghai")


def timestamp() -> float:
    """Seconds since the epoch. Token lifetimes and revocations read the time here, so a
    test can move it (monkeypatch ``servicehall.clock.timestamp``)."""
    return time.time()


def now() -> datetime:
    return datetime.fromtimestamp(timestamp(), UTC)


def local_today() -> date:
    """Today's date in the hall's time zone (a licence expires at local midnight)."""
    return datetime.now(LOCAL_TZ).date()


def years_later(day: date, years: int) -> date:
    """The same day ``years`` on (or back); 29 February becomes 28 February."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def cn_date(day: date) -> str:
    """A day as notices write it: 2026年10月12日."""
    return f"{day.year}年{day.month}月{day.day}日"
