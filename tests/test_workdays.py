"""Working-day calendar and case clock (no database)."""

from __future__ import annotations

import json
import random
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from servicehall.workdays import (
    CalendarError,
    Pause,
    WarningLevel,
    WorkCalendar,
    read_clock,
)

D = date.fromisoformat

# Copied from the State Council notices by hand, independently of holidays.json.
ANNOUNCED_HOLIDAYS = [
    ("2025-01-01", "2025-01-01", "元旦"),
    ("2025-01-28", "2025-02-04", "春节"),
    ("2025-04-04", "2025-04-06", "清明节"),
    ("2025-05-01", "2025-05-05", "劳动节"),
    ("2025-05-31", "2025-06-02", "端午节"),
    ("2025-10-01", "2025-10-08", "国庆节、中秋节"),
    ("2026-01-01", "2026-01-03", "元旦"),
    ("2026-02-15", "2026-02-23", "春节"),
    ("2026-04-04", "2026-04-06", "清明节"),
    ("2026-05-01", "2026-05-05", "劳动节"),
    ("2026-06-19", "2026-06-21", "端午节"),
    ("2026-09-25", "2026-09-27", "中秋节"),
    ("2026-10-01", "2026-10-07", "国庆节"),
]
MAKE_UP_DAYS = [
    "2025-01-26",  # Sunday
    "2025-02-08",
    "2025-04-27",
    "2025-09-28",
    "2025-10-11",
    "2026-01-04",
    "2026-02-14",  # Saturday
    "2026-02-28",
    "2026-05-09",
    "2026-09-20",
    "2026-10-10",
]


@pytest.fixture(scope="module")
def cal() -> WorkCalendar:
    return WorkCalendar.bundled()


def days(first: date, last: date) -> list[date]:
    return [first + timedelta(n) for n in range((last - first).days + 1)]


@pytest.mark.parametrize(("first", "last", "name"), ANNOUNCED_HOLIDAYS)
def test_announced_holidays_are_days_off(cal: WorkCalendar, first: str, last: str, name: str):
    for day in days(D(first), D(last)):
        assert not cal.is_working_day(day), day
        assert cal.holiday_name(day) == name
    # The days around a run are not part of it.
    assert cal.holiday_name(D(first) - timedelta(1)) != name
    assert cal.holiday_name(D(last) + timedelta(1)) != name


@pytest.mark.parametrize("day", MAKE_UP_DAYS)
def test_make_up_weekend_days_are_working_days(cal: WorkCalendar, day: str):
    assert D(day).weekday() >= 5
    assert cal.is_working_day(D(day))
    assert cal.holiday_name(D(day)) is None


@pytest.mark.parametrize(
    ("day", "working"),
    [
        ("2026-02-14", True),  # make-up Saturday before the Spring Festival
        ("2025-01-26", True),  # make-up Sunday
        ("2026-02-07", False),  # ordinary Saturday
        ("2026-03-01", False),  # ordinary Sunday
        ("2026-03-02", True),  # ordinary Monday
        ("2030-10-01", True),  # not in the data: plain weekday rule (a Tuesday)
        ("2030-10-05", False),  # not in the data: a Saturday
    ],
)
def test_is_working_day(cal: WorkCalendar, day: str, working: bool):
    assert cal.is_working_day(D(day)) is working
    assert cal.holiday_name(D(day)) is None


def test_years(cal: WorkCalendar):
    assert cal.years == {2025, 2026, 2027}
    assert cal.provisional_years == {2027}
    assert WorkCalendar.bundled() is cal
    assert cal.holiday_name(D("2027-02-06")) == "春节"  # statutory 初一
    assert cal.is_working_day(D("2027-02-08")) is False  # statutory 初三, a Monday


@pytest.mark.parametrize(
    ("start", "n", "expected"),
    [
        ("2026-02-12", 0, "2026-02-12"),
        ("2026-02-12", 1, "2026-02-13"),
        ("2026-02-12", 2, "2026-02-14"),  # make-up Saturday
        ("2026-02-12", 3, "2026-02-24"),  # over the Spring Festival
        ("2026-02-12", 5, "2026-02-26"),
        ("2026-02-14", 1, "2026-02-24"),
        ("2025-09-26", 1, "2025-09-28"),  # make-up Sunday
        ("2025-09-26", 3, "2025-09-30"),
        ("2025-09-26", 4, "2025-10-09"),  # over National Day
        ("2025-09-30", 3, "2025-10-11"),  # 10-09, 10-10, make-up Saturday 10-11
        ("2025-09-30", 4, "2025-10-13"),
        ("2030-01-04", 1, "2030-01-07"),  # outside the data: Friday to Monday
    ],
)
def test_add_working_days(cal: WorkCalendar, start: str, n: int, expected: str):
    assert cal.add_working_days(D(start), n) == D(expected)


def test_add_working_days_rejects_negative(cal: WorkCalendar):
    with pytest.raises(ValueError, match="负数"):
        cal.add_working_days(D("2026-01-05"), -1)


def test_working_days_between_examples(cal: WorkCalendar):
    assert cal.working_days_between(D("2026-02-12"), D("2026-02-26")) == 5
    assert cal.working_days_between(D("2026-02-13"), D("2026-02-23")) == 1  # just the 14th
    assert cal.working_days_between(D("2026-02-26"), D("2026-02-12")) == 0
    assert cal.working_days_between(D("2026-02-26"), D("2026-02-26")) == 0
    # 2026: 261 weekdays, 19 of them holidays (2+6+1+3+1+1+5), 6 make-up days.
    assert cal.working_days_between(D("2025-12-31"), D("2026-12-31")) == 248


def test_working_days_between_inverts_add_working_days(cal: WorkCalendar):
    rng = random.Random(20260214)
    first, span = D("2024-11-01"), (D("2028-02-28") - D("2024-11-01")).days
    for _ in range(400):
        start = first + timedelta(rng.randrange(span))
        n = rng.randrange(0, 300)
        end = cal.add_working_days(start, n)
        assert cal.working_days_between(start, end) == n, (start, n)
        if n:
            assert cal.is_working_day(end)
            assert cal.working_days_between(start, end - timedelta(1)) == n - 1


def test_working_days_between_matches_day_by_day_count(cal: WorkCalendar):
    rng = random.Random(7)
    first = D("2024-12-01")
    for _ in range(200):
        start = first + timedelta(rng.randrange(1200))
        end = start + timedelta(rng.randrange(-5, 400))
        expected = sum(cal.is_working_day(d) for d in days(start + timedelta(1), end))
        assert cal.working_days_between(start, end) == expected, (start, end)


# --- case clock --------------------------------------------------------------------------


def test_case_accepted_before_the_spring_festival(cal: WorkCalendar):
    accepted = D("2026-02-12")
    during = read_clock(cal, accepted_on=accepted, limit=20, pauses=[], today=D("2026-02-20"))
    assert (during.elapsed, during.remaining) == (2, 18)  # 02-13 and make-up 02-14
    assert during.deadline == D("2026-03-18")
    assert during.level is WarningLevel.NORMAL
    assert during.on_time is None

    after = read_clock(cal, accepted_on=accepted, limit=5, pauses=[], today=D("2026-02-24"))
    assert (after.elapsed, after.remaining, after.deadline) == (3, 2, D("2026-02-26"))
    assert after.level is WarningLevel.YELLOW


@pytest.mark.parametrize(
    ("today", "elapsed"),
    [
        ("2025-03-03", 0),  # acceptance day does not count
        ("2025-03-04", 1),
        ("2025-03-05", 2),  # the notice day counts
        ("2025-03-07", 2),
        ("2025-03-10", 2),  # the day of receipt does not
        ("2025-03-11", 3),  # counting restarts the day after
        ("2025-03-12", 4),
    ],
)
def test_pause_in_the_middle(cal: WorkCalendar, today: str, elapsed: int):
    reading = read_clock(
        cal,
        accepted_on=D("2025-03-03"),
        limit=10,
        pauses=[Pause(D("2025-03-05"), D("2025-03-10"))],
        today=D(today),
    )
    assert reading.elapsed == elapsed
    assert reading.remaining == 10 - elapsed
    # Without the pause the 10th day would be 03-17; the three paused working days move it.
    assert reading.deadline == D("2025-03-20")


def test_back_to_back_pauses(cal: WorkCalendar):
    reading = read_clock(
        cal,
        accepted_on=D("2025-03-03"),
        limit=10,
        pauses=[Pause(D("2025-03-05"), D("2025-03-07")), Pause(D("2025-03-07"), D("2025-03-10"))],
        today=D("2025-03-12"),
    )
    assert (reading.elapsed, reading.deadline) == (4, D("2025-03-20"))


def test_deadline_can_fall_before_a_later_pause(cal: WorkCalendar):
    reading = read_clock(
        cal,
        accepted_on=D("2025-03-03"),
        limit=2,
        pauses=[Pause(D("2025-03-10"), D("2025-03-20"))],
        today=D("2025-03-04"),
    )
    assert reading.deadline == D("2025-03-05")


def test_running_pause(cal: WorkCalendar):
    reading = read_clock(
        cal,
        accepted_on=D("2025-03-03"),
        limit=10,
        pauses=[Pause(D("2025-03-05"))],
        today=D("2025-04-30"),
    )
    assert (reading.elapsed, reading.remaining) == (2, 8)
    assert reading.deadline is None
    assert reading.level is WarningLevel.PAUSED


def test_overdue(cal: WorkCalendar):
    reading = read_clock(
        cal, accepted_on=D("2025-03-03"), limit=5, pauses=[], today=D("2025-03-12")
    )
    assert (reading.elapsed, reading.remaining) == (7, -2)
    assert reading.deadline == D("2025-03-10")
    assert reading.level is WarningLevel.OVERDUE


@pytest.mark.parametrize(
    ("limit", "elapsed", "level"),
    [
        (20, 15, WarningLevel.NORMAL),  # remaining 5 > 20 // 5
        (20, 16, WarningLevel.YELLOW),  # remaining 4
        (20, 18, WarningLevel.YELLOW),  # remaining 2
        (20, 19, WarningLevel.RED),  # remaining 1
        (20, 20, WarningLevel.RED),  # remaining 0: the last day
        (20, 21, WarningLevel.OVERDUE),
        (5, 2, WarningLevel.NORMAL),  # remaining 3 > max(2, 1)
        (5, 3, WarningLevel.YELLOW),  # remaining 2
        (5, 4, WarningLevel.RED),
        (1, 0, WarningLevel.RED),
    ],
)
def test_warning_thresholds(cal: WorkCalendar, limit: int, elapsed: int, level: WarningLevel):
    accepted = D("2025-03-03")
    today = cal.add_working_days(accepted, elapsed)
    reading = read_clock(cal, accepted_on=accepted, limit=limit, pauses=[], today=today)
    assert (reading.elapsed, reading.remaining) == (elapsed, limit - elapsed)
    assert reading.level is level


@pytest.mark.parametrize(
    ("completed_on", "elapsed", "on_time"),
    [("2025-03-10", 5, True), ("2025-03-08", 4, True), ("2025-03-11", 6, False)],
)
def test_completed(cal: WorkCalendar, completed_on: str, elapsed: int, on_time: bool):
    reading = read_clock(
        cal,
        accepted_on=D("2025-03-03"),
        limit=5,
        pauses=[],
        today=D("2025-06-30"),
        completed_on=D(completed_on),
    )
    assert reading.level is WarningLevel.COMPLETED
    assert reading.elapsed == elapsed
    assert reading.on_time is on_time


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"pauses": [Pause(D("2025-03-02"), D("2025-03-04"))]}, "第1次"),  # before acceptance
        ({"pauses": [Pause(D("2025-03-06"), D("2025-03-05"))]}, "早于开始日期"),
        (
            {"pauses": [Pause(D("2025-03-05"), D("2025-03-10")), Pause(D("2025-03-07"))]},
            "第2次",
        ),  # overlapping
        (
            {"pauses": [Pause(D("2025-03-10"), D("2025-03-12")), Pause(D("2025-03-05"))]},
            "第2次",
        ),  # out of order
        ({"pauses": [Pause(D("2025-03-05")), Pause(D("2025-03-10"))]}, "尚未结束"),
        ({"limit": 0}, "至少"),
        ({"completed_on": D("2025-03-01")}, "办结日期"),
    ],
)
def test_invalid_clock_input(cal: WorkCalendar, kwargs: dict[str, Any], message: str):
    arguments: dict[str, Any] = {
        "accepted_on": D("2025-03-03"),
        "limit": 10,
        "pauses": [],
        "today": D("2025-03-20"),
    }
    with pytest.raises(ValueError, match=message):
        read_clock(cal, **(arguments | kwargs))


# --- operator files ----------------------------------------------------------------------


def write(tmp_path: Path, years: dict[str, Any]) -> Path:
    path = tmp_path / "holidays.json"
    path.write_text(json.dumps({"years": years}, ensure_ascii=False), encoding="utf-8")
    return path


def year_2027(holidays: list[list[str]], workdays: list[list[str]]) -> dict[str, Any]:
    return {
        "2027": {
            "notice": "国务院办公厅关于2027年部分节假日安排的通知",
            "provisional": False,
            "holidays": holidays,
            "workdays": workdays,
        }
    }


def test_operator_file_replaces_only_its_year(tmp_path: Path):
    path = write(
        tmp_path,
        year_2027([["2027-02-05", "2027-02-11", "春节"]], [["2027-02-13", "春节调休上班"]]),
    )
    cal = WorkCalendar.load(path)
    assert cal.years == {2025, 2026, 2027}
    assert cal.provisional_years == frozenset()
    assert cal.plans[2027].notice == "国务院办公厅关于2027年部分节假日安排的通知"
    assert cal.holiday_name(D("2027-02-10")) == "春节"
    assert cal.is_working_day(D("2027-02-13"))  # make-up Saturday
    assert cal.is_working_day(D("2027-10-01"))  # the bundled 2027 is gone, not merged
    assert not cal.is_working_day(D("2026-02-16"))  # 2026 untouched
    assert cal.is_working_day(D("2026-02-14"))
    assert WorkCalendar.bundled().holiday_name(D("2027-10-01")) == "国庆节"  # cache untouched


def test_later_files_win(tmp_path: Path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    first = write(tmp_path / "a", year_2027([["2027-03-01", "2027-03-01", "甲"]], []))
    second = write(tmp_path / "b", year_2027([["2027-03-02", "2027-03-02", "乙"]], []))
    cal = WorkCalendar.load(first, second)
    assert (cal.holiday_name(D("2027-03-01")), cal.holiday_name(D("2027-03-02"))) == (None, "乙")


@pytest.mark.parametrize(
    ("holidays", "workdays", "message"),
    [
        ([["2027-02-30", "2027-03-01", "春节"]], [], "无法解析"),
        ([["2027/02/05", "2027-02-08", "春节"]], [], "无法解析"),
        ([["2027-02-08", "2027-02-05", "春节"]], [], "早于开始日期"),
        ([["2027-12-31", "2028-01-02", "元旦"]], [], "不在2027年内"),
        (
            [["2027-02-05", "2027-02-08", "春节"], ["2027-02-08", "2027-02-09", "春节"]],
            [],
            "已属于",
        ),
        ([["2027-02-05", "2027-02-08", "春节"]], [["2027-02-06", "春节调休上班"]], "同时是节假日"),
        ([], [["2027-02-10", "春节调休上班"]], "不是星期六或星期日"),
        ([], [["2026-02-14", "春节调休上班"]], "不在2027年内"),
        ([["2027-02-05", "春节"]], [], "应为"),
    ],
)
def test_bad_operator_file(
    tmp_path: Path, holidays: list[list[str]], workdays: list[list[str]], message: str
):
    path = write(tmp_path, year_2027(holidays, workdays))
    with pytest.raises(CalendarError, match=message) as caught:
        WorkCalendar.load(path)
    assert "2027年" in str(caught.value)
    assert str(path) in str(caught.value)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{not json", "不是有效的 JSON"),
        ('{"2027": {}}', '缺少 "years"'),
        ('{"years": {"27": {}}}', "四位数字"),
        ('{"years": {"2027": []}}', "2027年"),
    ],
)
def test_malformed_operator_file(tmp_path: Path, text: str, message: str):
    path = tmp_path / "holidays.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CalendarError, match=message):
        WorkCalendar.load(path)


def test_missing_operator_file(tmp_path: Path):
    with pytest.raises(CalendarError, match="无法读取"):
        WorkCalendar.load(tmp_path / "absent.json")
