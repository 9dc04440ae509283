"""The hall's one clock: times are stored in UTC and shown, and days counted, in Asia/Shanghai.

Every reading of the wall clock in the hall goes through :func:`timestamp` (a test fails on
``datetime.now``, ``datetime.utcnow``, ``date.today`` or ``time.time`` anywhere else), so a
test freezes or moves the whole hall's time with one
``monkeypatch.setattr(clock, "timestamp", lambda: ...)``. Durations measured with
``time.monotonic``/``perf_counter`` are not wall-clock readings and stay where they are.
"""

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
    return datetime.fromtimestamp(timestamp(), LOCAL_TZ).date()


def years_later(day: date, years: int) -> date:
    """The same day ``years`` on (or back); 29 February becomes 28 February."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def cn_date(day: date) -> str:
    """A day as notices write it: 2026年10月12日."""
    return f"{day.year}年{day.month}月{day.day}日"
