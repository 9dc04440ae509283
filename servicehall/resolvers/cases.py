"""Cases and their progress (CASE-1..3, ENT-13).

The ten stages form a state machine: :data:`TRANSITIONS` lists every legal move and
:func:`check_transition` adds the two rules a table cannot say (online pre-acceptance
only for cases submitted online; after supplementing, back to acceptance or processing
depending on whether the case was accepted). Staff of the handling department with the
case-handler role move cases; every move appends a record, re-reads the statutory clock
and tells the applicant through the outbox, in one transaction, and is then published to
subscribers of the case through the cache backend's pub/sub.
"""

from __future__ import annotations

import logging
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import orjson
from tortoise.transactions import in_transaction

from servicehall import db
from servicehall.auth.principal import Principal, PrincipalKind
from servicehall.cache.base import CacheBackend, CacheUnavailable
from servicehall.clock import LOCAL_TZ, timestamp
from servicehall.clock import now as utc_now
from servicehall.codes import (
    format_case_number,
    make_case_number,
    parse_case_number,
    parse_credit_code,
    parse_id_number,
)
from servicehall.errors import (
    Conflict,
    Forbidden,
    IllegalTransition,
    InvalidInput,
    NotFound,
    RateLimited,
)
from servicehall.models import (
    Account,
    AccountKind,
    ApplicantKind,
    Case,
    CaseChannel,
    CaseOutcome,
    CaseRecord,
    CaseStage,
    Enterprise,
    MessageCategory,
    ServiceItem,
    StaffRole,
)
from servicehall.models.cases import FINISHED
from servicehall.notify.outbox import Outgoing, enqueue, in_app
from servicehall.notify.templates import SIGNATURE, render_sms
from servicehall.resolvers import notifications
from servicehall.resolvers.paging import Page, newest_first
from servicehall.settings import CaseLookupLimits
from servicehall.workdays import ClockReading, Pause, WarningLevel, WorkCalendar, read_clock

log = logging.getLogger("servicehall.cases")

S = CaseStage
#: Every legal move (CASE-2). A stage missing on the right cannot be reached from the left.
TRANSITIONS: dict[CaseStage, frozenset[CaseStage]] = {
    S.SUBMITTED: frozenset({S.PRE_ACCEPTED, S.ACCEPTED, S.SUPPLEMENT_REQUESTED}),
    S.PRE_ACCEPTED: frozenset({S.ACCEPTED, S.SUPPLEMENT_REQUESTED}),
    # an item handled on the spot (即办件) is completed at acceptance
    S.ACCEPTED: frozenset({S.PROCESSING, S.SUPPLEMENT_REQUESTED, S.COMPLETED}),
    S.PROCESSING: frozenset({S.SUPPLEMENT_REQUESTED, S.SPECIAL_REQUESTED, S.COMPLETED}),
    S.SUPPLEMENT_REQUESTED: frozenset({S.SUPPLEMENT_ACCEPTED}),
    S.SUPPLEMENT_ACCEPTED: frozenset({S.ACCEPTED, S.PROCESSING}),
    S.SPECIAL_REQUESTED: frozenset({S.SPECIAL_CONCLUDED}),
    S.SPECIAL_CONCLUDED: frozenset({S.PROCESSING, S.COMPLETED}),
    S.COMPLETED: frozenset({S.COLLECTED}),
    S.COLLECTED: frozenset(),
}
#: A pause of the statutory clock starts with the first and ends with the second.
PAUSES = (
    (S.SUPPLEMENT_REQUESTED, S.SUPPLEMENT_ACCEPTED),
    (S.SPECIAL_REQUESTED, S.SPECIAL_CONCLUDED),
)
ONLINE = frozenset({CaseChannel.WEB, CaseChannel.APP, CaseChannel.KIOSK})
MAX_NOTE = 500

NOT_FOUND_MESSAGE = "未找到该办件，请核对办件编号和申请人姓名"


def allowed_next(case: Case) -> list[CaseStage]:
    return [stage for stage in CaseStage if _allowed(case, stage)]


def _allowed(case: Case, to: CaseStage) -> bool:
    if to not in TRANSITIONS[case.stage]:
        return False
    if to is S.PRE_ACCEPTED:
        return case.channel in ONLINE
    if case.stage is S.SUPPLEMENT_ACCEPTED:
        return (to is S.ACCEPTED) == (case.accepted_at is None)
    if to is S.COMPLETED:
        return case.accepted_at is not None
    return True


def check_transition(case: Case, to: CaseStage) -> None:
    if not _allowed(case, to):
        options = "、".join(s.label for s in allowed_next(case)) or "无（已是最后环节）"
        raise IllegalTransition(
            f"办件当前环节为“{case.stage.label}”，不能转到“{to.label}”；可转到：{options}",
            field="stage",
            details={"from": case.stage.value.upper(), "to": to.value.upper()},
        )


# -- the clock ------------------------------------------------------------------------------


def _local_day(moment: datetime) -> date:
    return moment.astimezone(LOCAL_TZ).date()


def pauses_of(records: Sequence[CaseRecord]) -> list[Pause]:
    """The pauses of the statutory clock after acceptance, from the records in order."""
    accepted = next((r for r in records if r.stage is S.ACCEPTED), None)
    if accepted is None:
        return []
    result: list[Pause] = []
    open_pause: date | None = None
    for record in records:
        if record.at < accepted.at:
            continue
        if any(record.stage is start for start, _ in PAUSES):
            open_pause = _local_day(record.at)
        elif open_pause is not None and any(record.stage is end for _, end in PAUSES):
            result.append(Pause(open_pause, _local_day(record.at)))
            open_pause = None
    if open_pause is not None:
        result.append(Pause(open_pause))
    return result


def clock_of(
    case: Case, records: Sequence[CaseRecord], calendar: WorkCalendar, today: date
) -> ClockReading | None:
    """The statutory clock of an accepted case, or None before acceptance."""
    if case.accepted_at is None:
        return None
    return read_clock(
        calendar,
        accepted_on=_local_day(case.accepted_at),
        limit=case.limit_days,
        pauses=pauses_of(records),
        today=today,
        completed_on=_local_day(case.completed_at) if case.completed_at else None,
    )


# -- creating cases -------------------------------------------------------------------------


async def _next_serial(day: date) -> int:
    q = db.Sql(db.dialect())
    key = q.bind(day.isoformat() if db.dialect() == "sqlite" else day)
    rows = await db.fetch(
        f"INSERT INTO case_counter (day, last_serial) VALUES ({key}, 1) "
        "ON CONFLICT (day) DO UPDATE SET last_serial = case_counter.last_serial + 1 "
        "RETURNING last_serial",
        q.values,
    )
    return int(rows[0]["last_serial"])


@dataclass(frozen=True, slots=True)
class Applicant:
    kind: ApplicantKind
    name: str
    code: str
    phone: str = ""
    enterprise_id: int | None = None
    account_id: int | None = None


def applicant_of_account(account: Account, enterprise: Enterprise | None) -> Applicant:
    """The applicant a signed-in person or enterprise applies as."""
    if account.kind is AccountKind.ENTERPRISE and enterprise is not None:
        return Applicant(
            ApplicantKind.ENTERPRISE,
            enterprise.name,
            enterprise.credit_code,
            enterprise.contact_phone,
            enterprise.id,
            account.id,
        )
    if account.kind is AccountKind.PERSON and account.id_number:
        return Applicant(
            ApplicantKind.PERSON,
            account.display_name,
            account.id_number,
            account.phone or "",
            None,
            account.id,
        )
    raise Forbidden("仅个人和企业账号可以申办事项")


async def window_applicant(kind: ApplicantKind, name: str, code: str, phone: str) -> Applicant:
    """An applicant at a window, checked: a valid ID number or a registered enterprise."""
    name = " ".join(name.split())
    if not 2 <= len(name) <= 64:
        raise InvalidInput("申请人姓名或名称应为2到64个字", field="applicantName")
    phone = phone.strip()
    if phone and not (phone.isdigit() and len(phone) == 11 and phone.startswith("1")):
        raise InvalidInput("手机号码应为11位数字", field="applicantPhone")
    if kind is ApplicantKind.PERSON:
        return Applicant(kind, name, parse_id_number(code, field="applicantCode"), phone)
    credit_code = parse_credit_code(code, field="applicantCode").value
    enterprise = await Enterprise.get_or_none(credit_code=credit_code)
    return Applicant(kind, name, credit_code, phone, enterprise.id if enterprise else None)


async def create_case(
    item_code: str,
    applicant: Applicant,
    channel: CaseChannel,
    *,
    handler: str,
    handler_account_id: int | None,
    note: str = "",
    now: datetime | None = None,
) -> Case:
    """A new case at 申办 with its first record."""
    now = now or utc_now()
    item = await ServiceItem.get_or_none(code=item_code.strip()).prefetch_related("department")
    if item is None:
        raise NotFound(f"事项“{item_code[:32]}”不存在", field="itemCode")
    if len(note) > MAX_NOTE:
        raise InvalidInput(f"备注不能超过{MAX_NOTE}字", field="note")
    async with in_transaction(db.connection().connection_name):
        number = make_case_number(_local_day(now), await _next_serial(_local_day(now)))
        case = await Case.create(
            case_number=number,
            item=item,
            department=item.department,
            applicant_kind=applicant.kind,
            applicant_name=applicant.name,
            applicant_code=applicant.code,
            applicant_phone=applicant.phone,
            enterprise_id=applicant.enterprise_id,
            account_id=applicant.account_id,
            channel=channel,
            stage=S.SUBMITTED,
            submitted_at=now,
            limit_days=max(item.statutory_limit_days, 1),
        )
        await CaseRecord.create(
            case=case,
            stage=S.SUBMITTED,
            at=now,
            handler=handler,
            handler_account_id=handler_account_id,
            department=item.department,
            note=note.strip(),
        )
        await enqueue(await _notices(case, S.SUBMITTED, item.name, None, note))
    return case


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
    record: CaseRecord
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
) -> Moved:
    """Move a case one stage on (CASE-2), or a typed refusal saying why not."""
    now = now or utc_now()
    number = parse_case_number(case_number)
    case = await Case.get_or_none(case_number=number).prefetch_related("item", "department")
    if case is None:
        raise NotFound("办件不存在", field="caseNumber")
    require_handler(principal, case.department.code)
    check_transition(case, to)
    note = note.strip()
    if len(note) > MAX_NOTE:
        raise InvalidInput(f"备注不能超过{MAX_NOTE}字", field="note")
    if to is S.SUPPLEMENT_REQUESTED and not note:
        raise InvalidInput("补交告知须写明需补交的材料（一次性告知）", field="note")
    if to is S.COMPLETED and outcome is None:
        raise InvalidInput("办结须选择办理结果（准予或不予）", field="outcome")
    if to is not S.COMPLETED and outcome is not None:
        raise InvalidInput("只有办结时才填写办理结果", field="outcome")
    values: dict[str, Any] = {"stage": to, "version": case.version + 1, "updated_at": now}
    if to is S.ACCEPTED and case.accepted_at is None:
        values["accepted_at"] = now
        values["limit_days"] = max(case.item.statutory_limit_days, 1)
    if to is S.COMPLETED:
        values["completed_at"] = now
        values["outcome"] = outcome
    async with in_transaction(db.connection().connection_name):
        moved = await Case.filter(id=case.id, version=case.version).update(**values)
        if not moved:
            raise Conflict("办件已被他人办理，请刷新后重试", field="caseNumber")
        for name, value in values.items():
            setattr(case, name, value)
        record = await CaseRecord.create(
            case=case,
            stage=to,
            at=now,
            handler=handler,
            handler_account_id=handler_account_id,
            department_id=case.department_id,  # type: ignore[attr-defined]
            note=note,
        )
        records = await CaseRecord.filter(case=case).order_by("at", "id")
        clock = clock_of(case, records, calendar, _local_day(now))
        case.deadline = clock.deadline if clock else None
        case.paused = clock is not None and clock.level is WarningLevel.PAUSED
        await Case.filter(id=case.id).update(deadline=case.deadline, paused=case.paused)
        await enqueue(await _notices(case, to, case.item.name, clock, note))
    return Moved(case, record, clock)


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


_NOTICES = {
    S.SUBMITTED: "case_submitted",
    S.ACCEPTED: "case_accepted",
    S.SUPPLEMENT_REQUESTED: "case_supplement",
    S.COMPLETED: "case_completed",
}


async def _notices(
    case: Case, stage: CaseStage, item_name: str, clock: ClockReading | None, note: str
) -> list[Outgoing]:
    """What the applicant is told at the stages that concern them (COM-2)."""
    template = _NOTICES.get(stage)
    if template is None:
        return []
    values = {
        "item": item_name,
        "number": format_case_number(case.case_number),
        "days": case.limit_days,
        "deadline": _cn_date(clock.deadline) if clock and clock.deadline else "另行告知",
        "materials": (note[:60] + "……" if len(note) > 60 else note) or "详见窗口告知",
        "outcome": case.outcome.label if case.outcome else "",
    }
    text = render_sms(await notifications.sms_body(template), values)
    title = f"{item_name}：{stage.label}"
    link = f"/cases/{case.case_number}"
    messages: list[Outgoing] = []
    source = f"case:{case.case_number}:{stage.value}:{case.version}"
    if case.applicant_phone and stage is not S.SUBMITTED:
        messages.append(
            await notifications.sms(template, case.applicant_phone, values, source=f"{source}/sms")
        )
    owner: dict[str, int] = {}
    if case.enterprise_id is not None:  # type: ignore[attr-defined]
        owner["enterprise_id"] = case.enterprise_id  # type: ignore[attr-defined]
    elif case.account_id is not None:  # type: ignore[attr-defined]
        owner["account_id"] = case.account_id  # type: ignore[attr-defined]
    if owner:
        messages.append(
            in_app(
                kind=template,
                source=f"{source}/in_app",
                title=title,
                body=text.removeprefix(SIGNATURE),
                category=MessageCategory.NOTICE.value,
                sender=notifications.HALL,
                link=link,
                **owner,
            )
        )
    return messages


def _cn_date(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


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
        day = today.isoformat() if db.dialect() == "sqlite" else today
        where.append(
            f"deadline < {q.bind(day)} AND stage NOT IN ({q.bind_all(s.value for s in FINISHED)})"
        )
    sql = f"SELECT id, case_number, submitted_at FROM service_case WHERE {' AND '.join(where)}"
    return await newest_first(sql, "submitted_at", q, first=first, after=after)
