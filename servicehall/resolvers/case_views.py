"""What the case schema asks of the case rules, in terms of rows (CASE-1..3).

The rules in ``resolvers/cases.py`` read model instances; the schema holds rows, so
these adapters build the transient instances the rules read, keeping models (and SQL)
out of the schema.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from servicehall.auth.principal import Principal, PrincipalKind
from servicehall.cache.base import CacheBackend
from servicehall.errors import Forbidden
from servicehall.loaders import Row
from servicehall.models import Case, CaseChannel, CaseRecord, CaseStage, Department
from servicehall.resolvers import case_proof, cases
from servicehall.resolvers.case_proof import Proof
from servicehall.settings import CaseLookupLimits
from servicehall.workdays import ClockReading, WorkCalendar


def clock(
    *,
    accepted: datetime | None,
    completed: datetime | None,
    limit: int,
    records: Sequence[Row],
    calendar: WorkCalendar,
    today: date,
) -> ClockReading | None:
    """The statutory clock of an accepted case from its row and its records' rows."""
    case = Case(accepted_at=accepted, completed_at=completed, limit_days=limit)
    steps = [CaseRecord(stage=CaseStage(r["stage"]), at=r["at"]) for r in records]
    return cases.clock_of(case, steps, calendar, today)


def next_stages(
    stage: CaseStage, channel: CaseChannel, accepted: datetime | None
) -> list[CaseStage]:
    return cases.allowed_next(Case(stage=stage, channel=channel, accepted_at=accepted))


def may_read(principal: Principal, row: Row) -> bool:
    """Whether the principal may read the case of this row in full."""
    if (
        principal.kind is PrincipalKind.STAFF
        and principal.department_code != row["department_code"]
    ):
        return False
    case = Case(applicant_code=row["applicant_code"])
    return cases.can_read(principal, case, row["account_subject"])


async def department_id(code: str | None) -> int:
    """The id of the signed-in handler's department."""
    department = await Department.get_or_none(code=code or "")
    if department is None:
        raise Forbidden("账号未关联部门")
    return department.id


async def proven_number(
    cache: CacheBackend,
    limits: CaseLookupLimits,
    *,
    ip: str,
    device: str | None,
    case_number: str,
    proof: Proof,
) -> str:
    """The number of the case whose number and proof (applicant name or ID-number suffix)
    both match, within the lookup limit of the address (or kiosk device)."""
    await cases.check_rate(cache, limits, ip=ip, device=device)
    return (await case_proof.proven_case(case_number, proof)).case_number
