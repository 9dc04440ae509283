"""Working days of the hall and the statutory time-limit clock of a case.

Time limits (法定办结时限) are set in working days, and China moves working days around:
each year the State Council General Office announces the public holidays together with
make-up working days (调休上班) that fall on a Saturday or Sunday. Those announcements live
in ``servicehall/data/holidays.json`` (one entry per year, see ``BUNDLED_FILE``); an
operator can add or correct a year with an extra file of the same shape without a release.

Outside the years in the data the plain weekday rule applies (Monday to Friday are working
days): a limit counted into an unannounced year is an estimate, as it is for a year marked
``"provisional": true`` (statutory holidays only, no make-up days, until the notice is out).
"""

from __future__ import annotations

import bisect
import enum
import functools
import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from types import MappingProxyType
from typing import Any

from servicehall.errors import InvalidInput
from servicehall.settings import SettingsError

#: The announcements shipped with the code; extra files replace its years one by one.
BUNDLED_FILE = Path(__file__).parent / "data" / "holidays.json"

_ONE_DAY = timedelta(days=1)


class CalendarError(InvalidInput, ValueError):
    """A holiday file that cannot be used; the message names the file, year and entry."""


@dataclass(frozen=True, slots=True)
class DayOff:
    """An announced run of public holidays, ``first`` to ``last`` inclusive (e.g. 春节)."""

    first: date
    last: date
    name: str

    def days(self) -> Iterator[date]:
        day = self.first
        while day <= self.last:
            yield day
            day += _ONE_DAY


@dataclass(frozen=True, slots=True)
class YearPlan:
    """One year's announcement as read from a holiday file (already validated)."""

    year: int
    notice: str
    provisional: bool
    holidays: tuple[DayOff, ...]
    workdays: tuple[tuple[date, str], ...]  # make-up working days and what they make up for


def _weekdays_up_to(ordinal: int) -> int:
    """Mondays to Fridays among the proleptic ordinals 1..``ordinal`` (ordinal 1 is a Monday).

    Counting weekdays arithmetically keeps ``working_days_between`` independent of the span.
    """
    weeks, rest = divmod(ordinal, 7)
    return weeks * 5 + min(rest, 5)


def _count_in(sorted_ordinals: Sequence[int], after: int, until: int) -> int:
    """How many of ``sorted_ordinals`` lie in ``after < o <= until``."""
    return bisect.bisect_right(sorted_ordinals, until) - bisect.bisect_right(sorted_ordinals, after)


class WorkCalendar:
    """Working days of the hall: Monday–Friday unless a public holiday, Saturday/Sunday only
    when announced as a make-up working day.

    Years missing from the data follow the plain weekday rule. Build one with ``load`` (or
    use the cached ``bundled``): the counting relies on its checks (make-up days are
    weekends and never holidays). An instance is never changed after construction, so it
    is safe to share.
    """

    __slots__ = ("_holidays", "_makeup", "_makeup_ordinals", "_weekday_holidays", "plans")

    plans: Mapping[int, YearPlan]

    def __init__(self, plans: Mapping[int, YearPlan]) -> None:
        self.plans = MappingProxyType(dict(sorted(plans.items())))
        self._holidays: dict[date, str] = {
            day: off.name
            for plan in self.plans.values()
            for off in plan.holidays
            for day in off.days()
        }
        self._makeup = frozenset(day for plan in self.plans.values() for day, _ in plan.workdays)
        # Only holidays on Monday–Friday change the weekday count; make-up days are weekends.
        self._weekday_holidays = sorted(d.toordinal() for d in self._holidays if d.weekday() < 5)
        self._makeup_ordinals = sorted(d.toordinal() for d in self._makeup)

    @classmethod
    def load(cls, *paths: Path) -> WorkCalendar:
        """The bundled announcements, then each extra file in order (e.g. the operator's
        ``SERVICEHALL_HOLIDAYS_FILE``); a year in a later file replaces that whole year.

        Whole-year replacement keeps a correction simple: the operator copies the notice as
        announced instead of patching single days of the bundled year.
        """
        plans: dict[int, YearPlan] = {}
        for path in (BUNDLED_FILE, *paths):
            plans.update(_read_file(path))
        return cls(plans)

    @classmethod
    @functools.cache
    def bundled(cls) -> WorkCalendar:
        """The bundled file only, read once per process."""
        return cls.load()

    @property
    def years(self) -> frozenset[int]:
        return frozenset(self.plans)

    @property
    def provisional_years(self) -> frozenset[int]:
        """Years not yet announced: statutory holidays only, make-up days still unknown."""
        return frozenset(year for year, plan in self.plans.items() if plan.provisional)

    def is_working_day(self, day: date) -> bool:
        if day in self._holidays:
            return False
        return day in self._makeup or day.weekday() < 5

    def holiday_name(self, day: date) -> str | None:
        """The holiday's name ("春节" …); None on other days, make-up working days included."""
        return self._holidays.get(day)

    def add_working_days(self, start: date, days: int) -> date:
        """The ``days``-th working day strictly after ``start``; ``start`` itself when 0."""
        if days < 0:
            raise ValueError("工作日数不能为负数")
        day = start
        while days:
            day += _ONE_DAY
            if self.is_working_day(day):
                days -= 1
        return day

    def working_days_between(self, start: date, end: date) -> int:
        """Working days ``d`` with ``start < d <= end``; 0 when ``end <= start``."""
        after, until = start.toordinal(), end.toordinal()
        if until <= after:
            return 0
        return (
            _weekdays_up_to(until)
            - _weekdays_up_to(after)
            - _count_in(self._weekday_holidays, after, until)
            + _count_in(self._makeup_ordinals, after, until)
        )


# --- reading holiday files -------------------------------------------------------------


def _read_file(path: Path) -> dict[int, YearPlan]:
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise CalendarError(f"节假日文件 {path} 无法读取：{exc}") from exc
    except ValueError as exc:  # JSONDecodeError and UnicodeDecodeError
        raise CalendarError(f"节假日文件 {path} 不是有效的 JSON：{exc}") from exc
    years = raw.get("years") if isinstance(raw, dict) else None
    if not isinstance(years, dict):
        raise CalendarError(f'节假日文件 {path} 缺少 "years" 对象')
    plans: dict[int, YearPlan] = {}
    for key, body in years.items():
        if not (isinstance(key, str) and len(key) == 4 and key.isascii() and key.isdigit()):
            raise CalendarError(f"节假日文件 {path}：年份 {key!r} 应为四位数字")
        plans[int(key)] = _read_year(f"节假日文件 {path}：{key}年", int(key), body)
    return plans


def _entry(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def _day(where: str, text: Any, year: int) -> date:
    """A date of ``year`` written as YYYY-MM-DD."""
    try:
        if not isinstance(text, str) or len(text) != 10:
            raise ValueError(text)
        day = date.fromisoformat(text)
    except ValueError:
        raise CalendarError(f"{where}：日期 {_entry(text)} 无法解析（应为 YYYY-MM-DD）") from None
    if day.year != year:
        raise CalendarError(f"{where}：日期 {text} 不在{year}年内")
    return day


def _read_year(where: str, year: int, body: Any) -> YearPlan:
    if not isinstance(body, dict):
        raise CalendarError(f"{where}：应为对象")
    notice, provisional = body.get("notice", ""), body.get("provisional", False)
    holidays, workdays = body.get("holidays"), body.get("workdays", [])
    if not isinstance(notice, str) or not isinstance(provisional, bool):
        raise CalendarError(f'{where}："notice" 应为字符串，"provisional" 应为 true 或 false')
    if not isinstance(holidays, list) or not isinstance(workdays, list):
        raise CalendarError(f'{where}："holidays" 和 "workdays" 应为列表')

    offs: list[DayOff] = []
    taken: dict[date, str] = {}
    for number, entry in enumerate(holidays, start=1):
        at = f"{where} 节假日第{number}项 {_entry(entry)}"
        if not (isinstance(entry, list) and len(entry) == 3 and isinstance(entry[2], str)):
            raise CalendarError(f"{at}：应为 [开始日期, 结束日期, 名称]")
        off = DayOff(_day(at, entry[0], year), _day(at, entry[1], year), entry[2].strip())
        if off.last < off.first or not off.name:
            raise CalendarError(f"{at}：结束日期早于开始日期或名称为空")
        for day in off.days():
            if day in taken:
                raise CalendarError(f"{at}：{day} 已属于“{taken[day]}”")
            taken[day] = off.name
        offs.append(off)

    makeup: dict[date, str] = {}
    for number, entry in enumerate(workdays, start=1):
        at = f"{where} 调休上班第{number}项 {_entry(entry)}"
        if not (isinstance(entry, list) and len(entry) == 2 and isinstance(entry[1], str)):
            raise CalendarError(f"{at}：应为 [日期, 说明]")
        day = _day(at, entry[0], year)
        if day in taken:
            raise CalendarError(f"{at}：{day} 同时是节假日“{taken[day]}”")
        if day.weekday() < 5:
            raise CalendarError(f"{at}：{day} 不是星期六或星期日，无需调休上班")
        if day in makeup:
            raise CalendarError(f"{at}：{day} 重复")
        makeup[day] = entry[1]
    return YearPlan(year, notice, provisional, tuple(offs), tuple(sorted(makeup.items())))


def work_calendar(holidays_file: str | None) -> WorkCalendar:
    """The calendar of a hall: the bundled years, replaced by those of the operator's
    ``SERVICEHALL_HOLIDAYS_FILE``. Read when the app is built, so a bad file stops the
    start-up with a :class:`SettingsError` naming the variable."""
    if holidays_file is None:
        return WorkCalendar.bundled()
    try:
        return WorkCalendar.load(Path(holidays_file))
    except (CalendarError, OSError) as error:
        raise SettingsError(f"SERVICEHALL_HOLIDAYS_FILE: {error}") from None


# --- the case clock --------------------------------------------------------------------


class WarningLevel(enum.Enum):
    NORMAL = "normal"
    YELLOW = "yellow"
    RED = "red"
    OVERDUE = "overdue"
    PAUSED = "paused"
    COMPLETED = "completed"


@dataclass(frozen=True, slots=True)
class Pause:
    """The clock stopped: notice given on ``start`` (补交告知 / 特别程序申请), materials or
    result received on ``end`` (补交受理 / 特别程序结果); ``end`` is None while it runs."""

    start: date
    end: date | None = None


@dataclass(frozen=True, slots=True)
class ClockReading:
    limit: int
    elapsed: int
    remaining: int  # negative when overdue
    deadline: date | None  # None while a pause runs: the date moves until the clock restarts
    level: WarningLevel
    on_time: bool | None  # only for completed cases


def read_clock(
    calendar: WorkCalendar,
    *,
    accepted_on: date,
    limit: int,
    pauses: Sequence[Pause],
    today: date,
    completed_on: date | None = None,
) -> ClockReading:
    """Read a case's statutory clock of ``limit`` working days as of ``today`` (the hall's
    local date, ``clock.local_today()``), or as of ``completed_on`` for a finished case.

    Rules:

    - A day counts if it is a working day, strictly after ``accepted_on`` and not inside a
      pause. A pause from P to R removes the days P < d <= R: the notice day P still counts,
      the day of receipt R does not, and counting restarts the day after R, just as it
      starts the day after acceptance. A running pause removes every day after P.
    - ``elapsed`` counts days up to and including ``today`` (or ``completed_on``);
      ``remaining = limit - elapsed``.
    - ``deadline`` is the date of the ``limit``-th counted day projected through the
      calendar, or None while a pause runs.
    - Level: PAUSED while a pause runs; else OVERDUE when remaining < 0, RED when
      remaining <= 1, YELLOW when remaining <= max(2, limit // 5), else NORMAL. A completed
      case is COMPLETED with ``on_time = elapsed <= limit``.

    Pauses must be in order, not overlap (one may start on the day the previous ended),
    and not start before acceptance; only the last may still run.
    """
    if limit < 1:
        raise ValueError("法定办结时限至少为 1 个工作日")
    if completed_on is not None and completed_on < accepted_on:
        raise ValueError("办结日期早于受理日期")
    closed, tail = _counted_spans(accepted_on, pauses)

    as_of = today if completed_on is None else completed_on
    elapsed = sum(calendar.working_days_between(a, min(u, as_of)) for a, u in closed)
    if tail is not None:
        elapsed += calendar.working_days_between(tail, as_of)
    remaining = limit - elapsed

    deadline = None if tail is None else _deadline(calendar, closed, tail, limit)
    on_time = None if completed_on is None else elapsed <= limit
    if completed_on is not None:
        level = WarningLevel.COMPLETED
    elif tail is None:
        level = WarningLevel.PAUSED
    elif remaining < 0:
        level = WarningLevel.OVERDUE
    elif remaining <= 1:
        level = WarningLevel.RED
    elif remaining <= max(2, limit // 5):
        level = WarningLevel.YELLOW
    else:
        level = WarningLevel.NORMAL
    return ClockReading(limit, elapsed, remaining, deadline, level, on_time)


def _counted_spans(
    accepted_on: date, pauses: Sequence[Pause]
) -> tuple[list[tuple[date, date]], date | None]:
    """The spans ``after < d <= until`` in which days count, and the start of the open span
    after the last pause (None while that pause runs)."""
    spans: list[tuple[date, date]] = []
    after: date | None = accepted_on
    for number, pause in enumerate(pauses, start=1):
        if after is None:
            raise ValueError(f"第{number - 1}次中止尚未结束，不能再有第{number}次中止")
        if pause.start < after:
            raise ValueError(f"第{number}次中止开始于受理日或上一次中止结束之前")
        if pause.end is not None and pause.end < pause.start:
            raise ValueError(f"第{number}次中止的结束日期早于开始日期")
        spans.append((after, pause.start))
        after = pause.end
    return spans, after


def _deadline(
    calendar: WorkCalendar, closed: list[tuple[date, date]], tail: date, limit: int
) -> date:
    needed = limit
    for after, until in closed:
        available = calendar.working_days_between(after, until)
        if available >= needed:
            return calendar.add_working_days(after, needed)
        needed -= available
    return calendar.add_working_days(tail, needed)
