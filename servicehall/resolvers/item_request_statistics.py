"""Statistics of the registry's requests (ITEM-6, seed 4.2.6.2): requests per department
by state, and the average working days a request spends in each step of the approval
process (``item_request``, see ``resolvers.item_registry``).

Counting is one grouped statement over ``item_request``. Times come from the process's
history (``workflow_step``): each recorded step enters a state, the next step of the same
request leaves it; a stay lasts the working days of the hall's calendar after the local
day it was entered up to the local day it was left (the rule deadlines count by, so a
stay within one day is 0 and a five-day review allowance is a stay of 5). Every stay
counts, so a request returned and resubmitted counts twice in the steps it went through
again; a request still in a step has no finished stay there yet. Requests are few (a
district's departments file tens a year), so the stays are measured in Python over the
filtered requests' step rows.

Administrators and the review offices, who read every department's requests anyway, may
read the statistics, and so may the operator at the command line; an item editor (who
sees only the own department's requests) and everyone else get FORBIDDEN. GraphQL
(``itemRequestStatistics``) and the command line (``servicehall items request-stats``)
call :func:`request_statistics`.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from itertools import pairwise

from servicehall import db
from servicehall.auth.principal import Principal, PrincipalKind
from servicehall.clock import LOCAL_TZ
from servicehall.errors import Forbidden, InvalidInput
from servicehall.models.registry import RequestKind, RequestState
from servicehall.resolvers.item_registry import PROCESS, reads_all
from servicehall.workdays import WorkCalendar

MAX_DEPARTMENTS = 50
#: Every state of the process, in its order (the columns of a department's counts).
STATES: tuple[RequestState, ...] = tuple(RequestState(s.value) for s in PROCESS.states)
#: The steps a request stays in: every state but the two ends.
STEPS: tuple[RequestState, ...] = tuple(
    RequestState(s.value) for s in PROCESS.states if not s.terminal
)
_CODE = re.compile(r"[A-Za-z0-9_-]{1,16}")
_HUNDREDTH = Decimal("0.01")
#: When a request was first submitted: its first ``submit`` step.
_SUBMITTED = (
    "(SELECT MIN(f.at) FROM workflow_step f WHERE f.process = 'item_request' "
    "AND f.instance_id = r.id AND f.action = 'submit')"
)


@dataclass(frozen=True, slots=True)
class RequestStatisticsFilter:
    """Which requests count: any of ``departments`` and ``kinds`` (empty = all), first
    submitted on a local day within ``submitted_from`` .. ``submitted_to`` (inclusive)."""

    departments: tuple[str, ...] = ()
    kinds: tuple[RequestKind, ...] = ()
    submitted_from: date | None = None
    submitted_to: date | None = None

    def __post_init__(self) -> None:
        if len(self.departments) > MAX_DEPARTMENTS:
            raise InvalidInput(f"最多筛选{MAX_DEPARTMENTS}个部门", field="departments")
        for code in self.departments:
            if not _CODE.fullmatch(code):
                raise InvalidInput(f"部门代码“{code[:20]}”格式不正确", field="departments")
        if self.submitted_from and self.submitted_to and self.submitted_from > self.submitted_to:
            raise InvalidInput("提交日期的起始日不能晚于截止日", field="submittedFrom")

    def where(self, q: db.Sql, dialect: db.Dialect) -> str:
        parts = ["1 = 1"]
        if self.departments:
            parts.append(f"d.code IN ({q.bind_all(self.departments)})")
        if self.kinds:
            parts.append(f"r.kind IN ({q.bind_all(k.value for k in self.kinds)})")
        day = db.sql_local_day(_SUBMITTED, dialect)
        if self.submitted_from:
            parts.append(f"{day} >= {q.bind(self.submitted_from.isoformat())}")
        if self.submitted_to:
            parts.append(f"{day} <= {q.bind(self.submitted_to.isoformat())}")
        return " AND ".join(parts)


def parse_day(text: str, *, field: str) -> date:
    """A day given as ``YYYY-MM-DD`` (the command line's filters)."""
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInput(f"日期“{text[:20]}”格式不正确，应为YYYY-MM-DD", field=field) from None


@dataclass(frozen=True, slots=True)
class StepTime:
    step: RequestState
    #: finished stays in the step
    stays: int
    #: their average in working days (two decimals), None without any
    average_days: Decimal | None


@dataclass(frozen=True, slots=True)
class RequestCounts:
    total: int
    #: every state of the process, in order, zeros included
    states: tuple[tuple[RequestState, int], ...]
    #: every step, in order
    steps: tuple[StepTime, ...]


@dataclass(frozen=True, slots=True)
class DepartmentRequests:
    code: str
    name: str
    counts: RequestCounts


@dataclass(frozen=True, slots=True)
class RequestStatistics:
    #: all requests the filter leaves
    overall: RequestCounts
    #: departments with at least one such request, in the catalogue's order
    departments: list[DepartmentRequests]


def require_statistics_reader(principal: Principal) -> None:
    """Administrators, the review offices and the operator at the command line."""
    if principal.kind is not PrincipalKind.OPERATOR and not reads_all(principal):
        raise Forbidden("仅审核机构工作人员和系统管理员可查看事项申请统计")


def _counts(states: Counter[RequestState], stays: dict[RequestState, list[int]]) -> RequestCounts:
    steps = []
    for step in STEPS:
        days = stays.get(step, [])
        average = (
            (Decimal(sum(days)) / len(days)).quantize(_HUNDREDTH, ROUND_HALF_UP) if days else None
        )
        steps.append(StepTime(step, len(days), average))
    return RequestCounts(sum(states.values()), tuple((s, states[s]) for s in STATES), tuple(steps))


def _local_day(value: object) -> date:
    at = db.as_datetime(value)
    assert isinstance(at, datetime)
    return at.astimezone(LOCAL_TZ).date()


async def request_statistics(
    principal: Principal,
    flt: RequestStatisticsFilter | None = None,
    *,
    calendar: WorkCalendar,
) -> RequestStatistics:
    """Requests per department by state and the average working days of each step.

    Raises :class:`Forbidden` for a caller who does not read every department's requests
    and :class:`InvalidInput` for a department code no department has.
    """
    require_statistics_reader(principal)
    flt = flt or RequestStatisticsFilter()
    dialect = db.dialect()
    if flt.departments:
        q = db.Sql(dialect)
        known = await db.fetch(
            f"SELECT code FROM department WHERE code IN ({q.bind_all(flt.departments)})",
            q.values,
        )
        unknown = sorted(set(flt.departments) - {row["code"] for row in known})
        if unknown:
            raise InvalidInput(f"部门代码“{unknown[0]}”不存在", field="departments")
    q = db.Sql(dialect)
    rows = await db.fetch(
        "SELECT d.code, d.name, d.sort, r.state, COUNT(*) AS n FROM item_request r "
        f"JOIN department d ON d.id = r.department_id WHERE {flt.where(q, dialect)} "
        "GROUP BY d.code, d.name, d.sort, r.state",
        q.values,
    )
    q = db.Sql(dialect)
    history = await db.fetch(
        "SELECT d.code, s.instance_id, s.to_state, s.at FROM workflow_step s "
        "JOIN item_request r ON r.id = s.instance_id JOIN department d ON d.id = r.department_id "
        f"WHERE s.process = {q.bind(PROCESS.name)} AND {flt.where(q, dialect)} "
        "ORDER BY s.instance_id, s.at, s.id",
        q.values,
    )
    names: dict[str, tuple[int, str]] = {}
    states: dict[str, Counter[RequestState]] = defaultdict(Counter)
    for row in rows:
        names[row["code"]] = (int(row["sort"]), str(row["name"]))
        states[row["code"]][RequestState(row["state"])] += int(row["n"])
    stays: dict[str, dict[RequestState, list[int]]] = defaultdict(lambda: defaultdict(list))
    for entered, left in pairwise(history):
        if entered["instance_id"] != left["instance_id"]:
            continue
        days = calendar.working_days_between(_local_day(entered["at"]), _local_day(left["at"]))
        stays[entered["code"]][RequestState(entered["to_state"])].append(days)
    overall_states: Counter[RequestState] = Counter()
    overall_stays: dict[RequestState, list[int]] = defaultdict(list)
    for code in states:
        overall_states.update(states[code])
        for step, spans in stays[code].items():
            overall_stays[step] += spans
    departments = [
        DepartmentRequests(code, names[code][1], _counts(states[code], stays[code]))
        for code in sorted(states, key=lambda c: (names[c][0], c))
    ]
    return RequestStatistics(_counts(overall_states, overall_stays), departments)
