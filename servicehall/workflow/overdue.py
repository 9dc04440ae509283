"""Which instances of a process are past the deadline of the state they are in, for an
urging job (催办) or a worklist.

A state's :class:`~servicehall.workflow.process.Deadline` is counted in working days of the
holiday calendar from the day (Asia/Shanghai) the instance last entered the state, or,
for ``Clock.PROCESS``, last entered the initial state. The history (``workflow_step``)
says when; one query per distinct deadline finds the instances whose entry lies on or
before the last day that is already too late.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from servicehall import db
from servicehall.clock import LOCAL_TZ
from servicehall.workdays import WorkCalendar
from servicehall.workflow.process import Clock, Deadline, Process, State


@dataclass(frozen=True, slots=True)
class Overdue:
    instance_id: int
    state: Any
    entered_at: datetime
    due_on: date


def last_late_entry(calendar: WorkCalendar, days: int, today: date) -> date:
    """The last day an instance may have entered and already be overdue ``today``: the
    latest ``d`` with ``calendar.add_working_days(d, days) < today``."""
    day = today - timedelta(days=days + 1)  # n working days are at least n calendar days
    while calendar.add_working_days(day, days) >= today:
        day -= timedelta(days=1)
    return day


async def overdue(
    process: Process, *, today: date, calendar: WorkCalendar, limit: int = 1000
) -> list[Overdue]:
    """Instances past their state's deadline, longest overdue first (at most ``limit``)."""
    groups: dict[Deadline, list[State]] = defaultdict(list)
    for state in process.with_deadlines():
        assert state.deadline is not None
        groups[state.deadline].append(state)
    found: list[Overdue] = []
    for deadline, states in groups.items():
        found += await _overdue_in(process, deadline, states, today, calendar, limit)
    found.sort(key=lambda o: (o.due_on, o.instance_id))
    return found[:limit]


async def _overdue_in(
    process: Process,
    deadline: Deadline,
    states: list[State],
    today: date,
    calendar: WorkCalendar,
    limit: int,
) -> list[Overdue]:
    meta = process.model._meta
    column = meta.fields_db_projection[process.state_field]
    late = last_late_entry(calendar, deadline.days, today)
    before = datetime.combine(late + timedelta(days=1), time(), LOCAL_TZ)
    q = db.Sql(db.dialect())
    anchor = f"i.{column}" if deadline.clock is Clock.STATE else q.bind(process.initial.value.value)
    sql = (
        f"SELECT i.id AS id, i.{column} AS state, MAX(s.at) AS entered "
        f"FROM {meta.db_table} i JOIN workflow_step s ON s.instance_id = i.id "
        f"AND s.process = {q.bind(process.name)} AND s.to_state = {anchor} "
        f"WHERE i.{column} IN ({q.bind_all(s.value.value for s in states)}) "
        f"GROUP BY i.id, i.{column} HAVING MAX(s.at) < {q.bind(db.timestamp(before))} "
        f"ORDER BY entered LIMIT {int(limit)}"
    )
    result = []
    for row in await db.fetch(sql, q.values):
        entered = db.as_datetime(row["entered"])
        assert entered is not None
        day = entered.astimezone(LOCAL_TZ).date()
        result.append(
            Overdue(
                int(row["id"]),
                process.state(row["state"]).value,
                entered,
                calendar.add_working_days(day, deadline.days),
            )
        )
    return result
