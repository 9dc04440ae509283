"""Cases and their progress (CASE-1..3, ENT-13).

The ten stages are the workflow process ``resolvers.case_process.PROCESS``: staff of the
handling department with the case-handler role move cases, and ``servicehall.workflow``
takes each move in one transaction (the case's new stage, the step in ``workflow_step``,
the statutory clock re-read, the applicant told through the outbox). A move is then
published to subscribers of the case through the cache backend's pub/sub. Opening a
case is ``case_intake.py``; the services the mutations call are ``case_writes.py``.
"""

from __future__ import annotations

import logging
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import orjson

from servicehall import db, workflow
from servicehall.auth.principal import Principal, PrincipalKind
from servicehall.cache.base import CacheBackend, CacheUnavailable
from servicehall.clock import now as utc_now
from servicehall.clock import timestamp
from servicehall.errors import (
    Forbidden,
    InvalidInput,
    NotFound,
    RateLimited,
)
from servicehall.models import (
    Case,
    CaseOutcome,
    CaseStage,
    StaffRole,
    WorkflowStep,
)
from servicehall.models.cases import FINISHED
from servicehall.numbering import parse_case_number
from servicehall.resolvers.case_process import (
    PROCESS,
    history,
    local_day,
    step_actor,
)

# The stage machine, as callers of this module knew it (declared in ``case_process``).
from servicehall.resolvers.case_process import TRANSITIONS as TRANSITIONS
from servicehall.resolvers.case_process import allowed_next as allowed_next
from servicehall.resolvers.case_process import check_transition as check_transition
from servicehall.resolvers.case_process import clock_of as clock_of
from servicehall.resolvers.paging import Page, newest_first
from servicehall.settings import CaseLookupLimits
from servicehall.workdays import ClockReading, WarningLevel, WorkCalendar
from servicehall.workflow.engine import MAX_TEXT

log = logging.getLogger("servicehall.cases")

S = CaseStage
#: The longest note (the engine's longest recorded reason).
MAX_NOTE = MAX_TEXT

NOT_FOUND_MESSAGE = "未找到该办件，请核对办件编号和申请人姓名"


# -- moving cases ---------------------------------------------------------------------------


def require_handler(principal: Principal, department_code: str | None = None) -> None:
    """Staff holding the case-handler role, of the handling department when given."""
    if principal.kind is not PrincipalKind.STAFF or (
        StaffRole.CASE_HANDLER.value not in principal.roles
    ):
        raise Forbidden("仅办件经办人可以办理")
    if department_code is not None and principal.department_code != department_code:
        raise Forbidden("只能办理本部门的办件")


@dataclass(frozen=True, slots=True)
class Moved:
    case: Case
    #: The step recorded (a row of ``case_record`` by the same id).
    record: WorkflowStep
    clock: ClockReading | None


async def advance_case(
    principal: Principal,
    case_number: str,
    to: CaseStage,
    *,
    handler: str,
    handler_account_id: int | None,
    note: str,
    outcome: CaseOutcome | None,
    calendar: WorkCalendar,
    now: datetime | None = None,
    ip: str = "",
) -> Moved:
    """Move a case one stage on (CASE-2), or a typed refusal saying why not: ``FORBIDDEN``
    for anyone but the handling department's case handlers, ``ILLEGAL_TRANSITION`` naming
    both stages, ``INVALID_INPUT`` for a missing supplement list or outcome, ``CONFLICT``
    when someone else moved the case meanwhile."""
    now = now or utc_now()
    number = parse_case_number(case_number)
    case = await Case.get_or_none(case_number=number).prefetch_related("item", "department")
    if case is None:
        raise NotFound("办件不存在", field="caseNumber")
    decision = workflow.check(PROCESS, case, to, principal, reason=note)
    if to is S.COMPLETED and outcome is None:
        raise InvalidInput("办结须选择办理结果（准予或不予）", field="outcome")
    if to is not S.COMPLETED and outcome is not None:
        raise InvalidInput("只有办结时才填写办理结果", field="outcome")
    values: dict[str, Any] = {"version": case.version + 1, "updated_at": now}
    if to is S.ACCEPTED:
        values["accepted_at"] = now
        values["limit_days"] = max(case.item.statutory_limit_days, 1)
    if to is S.COMPLETED:
        values["completed_at"] = now
        values["outcome"] = outcome
    readings: list[ClockReading | None] = []

    async def reread_clock(moved: Case, step: WorkflowStep) -> None:
        """After the step, before the notices: the deadline they quote includes it."""
        clock = clock_of(moved, await history(moved.id), calendar, local_day(now))
        moved.deadline = clock.deadline if clock else None
        moved.paused = clock is not None and clock.level is WarningLevel.PAUSED
        await Case.filter(id=moved.id).update(deadline=moved.deadline, paused=moved.paused)
        readings.append(clock)

    actor, _ = step_actor(principal, handler, handler_account_id, ip)
    applied = await workflow.apply(
        PROCESS,
        case,
        decision.action.name,
        principal,
        actor,
        reason=decision.reason,
        changes=values,
        now=now,
        then=reread_clock,
    )
    return Moved(case, applied.step, readings[0])


async def publish_move(cache: CacheBackend, moved: Moved) -> None:
    """Tell subscribers of the case (on any replica). After the commit; a dead cache only
    delays them until their next lookup."""
    payload = {
        "caseNumber": moved.case.case_number,
        "recordId": moved.record.id,
    }
    try:
        await cache.publish(f"case:{moved.case.case_number}", orjson.dumps(payload))
    except CacheUnavailable:
        log.warning("could not publish the move of %s: cache unavailable", moved.case.case_number)


# -- reading cases --------------------------------------------------------------------------


def same_name(stored: str, given: str) -> bool:
    """Names compare after width folding and without spaces or middle dots (how people
    type 买买提·艾力 or a Latin name on different keyboards)."""

    def fold(name: str) -> str:
        text = unicodedata.normalize("NFKC", name)
        return "".join(ch for ch in text if not ch.isspace() and ch not in "·•・.").casefold()

    return bool(given) and fold(stored) == fold(given)


async def check_rate(
    cache: CacheBackend,
    limits: CaseLookupLimits,
    *,
    ip: str,
    device: str | None,
    who: str | None = None,
) -> None:
    """CASE-1 lookups are rate limited per IP, or for a kiosk device per device: all of a
    station's residents reach the hall from its kiosk process's address, so the device's
    own (larger) limit replaces the address's. Lookups by a signed-in account or a
    system (``who``) count against it instead, with the address's limit (F11): colleagues
    behind one office address do not share a budget, and one account cannot spread its
    guesses over many addresses."""
    minute = int(timestamp() // 60)
    try:
        if device is not None:
            count = await cache.incr(f"case-lookup:device:{device}:{minute}", ttl=120)
            if count > limits.per_device:
                raise RateLimited("本终端查询过于频繁，请稍后再试")
            return
        if who is not None:
            count = await cache.incr(f"case-lookup:who:{who}:{minute}", ttl=120)
        else:
            count = await cache.incr(f"case-lookup:ip:{ip}:{minute}", ttl=120)
        if count > limits.per_ip:
            raise RateLimited("查询过于频繁，请一分钟后再试")
    except CacheUnavailable:
        log.warning("case lookup rate limit not applied: cache unavailable")


async def proven_case(case_number: str, applicant_name: str) -> Case:
    """The case whose number and applicant name both match; the same NOT_FOUND for a
    wrong number and a wrong name, so nothing can be learnt by guessing."""
    number = parse_case_number(case_number)
    case = await Case.get_or_none(case_number=number)
    if case is None or not same_name(case.applicant_name, applicant_name):
        raise NotFound(NOT_FOUND_MESSAGE, field="caseNumber")
    return case


def can_read(principal: Principal, case: Case, applicant_subject: str | None) -> bool:
    """Who may read a case in full: its applicant (the enterprise's accounts, or the
    account that applied), staff, and other halls' systems with the ``cases:read`` scope
    (CASE-3). ``applicant_subject`` is the subject of the account that applied."""
    if principal.kind in (PrincipalKind.STAFF, PrincipalKind.ADMIN):
        return True
    if principal.kind is PrincipalKind.MACHINE:
        return "cases:read" in principal.scopes
    if principal.kind is PrincipalKind.ENTERPRISE and principal.enterprise_code:
        return case.applicant_code == principal.enterprise_code
    # an account's own case; a kiosk (or any client) is never "the applicant"
    return (
        principal.has_account
        and principal.subject is not None
        and principal.subject == applicant_subject
    )


def is_applicant(principal: Principal, case: Case, account_id: int | None) -> bool:
    """The signed-in applicant of the case: any account of the applying enterprise, or
    the person's account that applied."""
    if principal.kind is PrincipalKind.ENTERPRISE:
        return principal.enterprise_code is not None and principal.enterprise_code == (
            case.applicant_code
        )
    return (
        principal.kind is PrincipalKind.PERSON
        and account_id is not None
        and case.account_id == account_id  # type: ignore[attr-defined]
    )


async def cases_of(principal: Principal, *, first: int, after: str | None) -> Page:
    """A signed-in applicant's own cases, newest first: an enterprise's by its credit
    code (whoever submitted them), a person's by the account that applied."""
    q = db.Sql(db.dialect())
    if principal.kind is PrincipalKind.ENTERPRISE and principal.enterprise_code:
        where = f"applicant_code = {q.bind(principal.enterprise_code)}"
    else:
        where = (
            f"account_id IN (SELECT id FROM account WHERE subject = {q.bind(principal.subject)})"
        )
    sql = f"SELECT id, case_number, submitted_at FROM service_case WHERE {where}"
    return await newest_first(sql, "submitted_at", q, first=first, after=after)


async def worklist(
    department_id: int,
    *,
    stages: Sequence[CaseStage],
    overdue_only: bool,
    today: date,
    first: int,
    after: str | None,
) -> Page:
    """A department's cases for its staff, newest first; optionally only those past their
    deadline."""
    q = db.Sql(db.dialect())
    where = [f"department_id = {q.bind(department_id)}"]
    if stages:
        where.append(f"stage IN ({q.bind_all(s.value for s in stages)})")
    if overdue_only:
        day = db.sql_date(today)
        where.append(
            f"deadline < {q.bind(day)} AND stage NOT IN ({q.bind_all(s.value for s in FINISHED)})"
        )
    sql = f"SELECT id, case_number, submitted_at FROM service_case WHERE {' AND '.join(where)}"
    return await newest_first(sql, "submitted_at", q, first=first, after=after)
