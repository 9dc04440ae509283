"""The follow-up of bad ratings (差评回访整改, RATE-3), a workflow process.

A bad rating (不满意, 非常不满意) opens the case's follow-up for the handling department, due in
15 working days from the day it was opened: staff record what verification found and what
was rectified, the rater is told, and their reply closes it; a new bad rating reopens a
closed one. :data:`FOLLOW_UP` declares those steps (``servicehall.workflow``), each recorded
in the workflow history. Case handlers of the department are told of a new follow-up and
warned daily of those due within three working days or overdue.

``resolvers.ratings`` opens follow-ups (:func:`open_follow_up`); this module imports nothing
of ratings.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from tortoise.transactions import in_transaction

from servicehall import clock, db, workflow
from servicehall.auth.principal import Principal, PrincipalKind
from servicehall.clock import cn_date
from servicehall.errors import Forbidden, IllegalFollowUpStep, InvalidInput, NotFound
from servicehall.models import (
    Account,
    AccountKind,
    Case,
    FollowUp,
    FollowUpStatus,
    MessageCategory,
    Rating,
    StaffRole,
)
from servicehall.notify.outbox import Outgoing, enqueue, in_app
from servicehall.resolvers import notifications
from servicehall.resolvers.cases import require_handler
from servicehall.resolvers.paging import Page, newest_first
from servicehall.workdays import WorkCalendar
from servicehall.workflow import (
    NOBODY,
    SYSTEM,
    Action,
    AllOf,
    Clock,
    Deadline,
    HasRole,
    Notify,
    Past,
    Process,
    SameDepartment,
    State,
)

MAX_TEXT = 2000
FOLLOW_UP_DAYS = 15


F = FollowUpStatus
#: Staff holding the case-handler role in the case's handling department.
HANDLER = AllOf(
    HasRole(StaffRole.CASE_HANDLER.value),
    SameDepartment(lambda follow_up: follow_up.department.code),
)
#: 15 working days from the day the follow-up was opened (or reopened), whatever its step.
_DUE = Deadline(FOLLOW_UP_DAYS, Clock.PROCESS)


async def _opened(follow_up: FollowUp, step: object) -> list[Outgoing]:
    case = await Case.get(id=follow_up.case_id)  # type: ignore[attr-defined]
    return await _tell_department(case, follow_up)


async def _rectified(follow_up: FollowUp, step: object) -> list[Outgoing]:
    return await _tell_rater(follow_up.case, follow_up)


#: The follow-up of a bad rating (RATE-3).
FOLLOW_UP = Process(
    name="follow_up",
    label="差评回访整改",
    model=FollowUp,
    state_field="status",
    noun="回访整改记录",
    field="id",
    illegal=IllegalFollowUpStep,
    department=lambda follow_up: follow_up.department_id,
    states=(
        State(F.OPEN, deadline=_DUE, on_enter=(Notify(_opened),)),
        State(F.VERIFIED, deadline=_DUE),
        State(F.RECTIFIED, deadline=_DUE, on_enter=(Notify(_rectified),)),
        State(F.CLOSED),
    ),
    actions=(
        Action("verify", "登记核实情况", frozenset({F.OPEN}), F.VERIFIED, HANDLER),
        Action("rectify", "登记整改情况", frozenset({F.VERIFIED}), F.RECTIFIED, HANDLER),
        Action("close", "登记回访结果", frozenset({F.RECTIFIED}), F.CLOSED, HANDLER),
        # a new bad rating after the follow-up was closed (the hall's own step)
        Action("reopen", "重新核实整改", frozenset({F.CLOSED}), F.OPEN, NOBODY),
    ),
)


async def open_follow_up(
    case: Case,
    rating: Rating,
    calendar: WorkCalendar,
    today: date,
    *,
    past: datetime | None = None,
) -> FollowUp:
    """Open (or reopen) the follow-up of a bad rating; it stays with the case. ``past``:
    it was opened then (demo data), the department's notice belongs to that past."""
    effects = past is None
    due = calendar.add_working_days(today, FOLLOW_UP_DAYS)
    existing = await FollowUp.get_or_none(case=case)
    if existing is None:
        follow_up = await FollowUp.create(
            case=case,
            rating=rating,
            department_id=case.department_id,  # type: ignore[attr-defined]
            opened_on=today,
            due_on=due,
        )
        await workflow.start(
            FOLLOW_UP,
            follow_up,
            SYSTEM,
            reason=rating.comment,
            role="system",
            now=past,
            effects=effects,
        )
        return follow_up
    existing.rating = rating
    if existing.status is FollowUpStatus.CLOSED:  # a new bad rating after it was closed
        await workflow.apply(
            FOLLOW_UP,
            existing,
            "reopen",
            None,
            SYSTEM,
            reason=rating.comment,
            now=past,
            effects=effects,
            changes={
                "rating_id": rating.id,
                "opened_on": today,
                "due_on": due,
                "closed_at": None,
                "updated_at": past or clock.now(),
            },
        )
    else:
        await existing.save(update_fields=["rating_id", "updated_at"])
    return existing


async def _tell_department(case: Case, follow_up: FollowUp) -> list[Outgoing]:
    """Every case handler of the department learns of the bad rating in their inbox."""
    handlers = await Account.filter(
        kind=AccountKind.STAFF,
        department_id=case.department_id,  # type: ignore[attr-defined]
    ).only("id", "roles")
    return [
        in_app(
            kind="follow_up_opened",
            source=f"follow-up:{follow_up.id}:opened/account:{account.id}",
            title="收到差评，请核实整改",
            body=f"办件{case.case_number}收到差评，请于{cn_date(follow_up.due_on)}前完成核实整改并回访申请人。",
            category=MessageCategory.NOTICE.value,
            sender=notifications.HALL,
            link=f"/staff/follow-ups/{follow_up.id}",
            account_id=account.id,
        )
        for account in handlers
        if StaffRole.CASE_HANDLER.value in account.roles
    ]


# -- the steps -------------------------------------------------------------------------------------


async def follow_up_for(principal: Principal, follow_up_id: int) -> FollowUp:
    follow_up = await FollowUp.get_or_none(id=follow_up_id).prefetch_related(
        "department", "case", "case__item"
    )
    if follow_up is None:
        raise NotFound("回访整改记录不存在", field="id")
    require_handler(principal, follow_up.department.code)
    return follow_up


def _text(value: str, field: str, label: str) -> str:
    value = value.strip()
    if not 5 <= len(value) <= MAX_TEXT:
        raise InvalidInput(f"{label}应为5到{MAX_TEXT}字", field=field)
    return value


async def _take(
    principal: Principal,
    follow_up: FollowUp,
    action: str,
    text: tuple[str, str, str, str],
    changes: dict[str, object],
    ip: str,
    past: Past | None,
    *,
    by: str | None = None,
) -> FollowUp:
    """One step of a follow-up: checked by the engine, then the step's own text (the
    findings, measures or reply: ``(value, input field, label, column)``) checked, then
    taken (as of ``past`` when given, see :class:`~servicehall.workflow.Past`); the
    column ``by`` keeps who took it."""
    workflow.check(FOLLOW_UP, follow_up, action, principal)
    value, field, label, column = text
    checked = _text(value, field, label)
    actor = past.actor if past else await workflow.signed_in(principal, ip=ip)
    now = past.at if past else clock.now()
    if by is not None:
        changes = changes | {by: actor.identity}
    await workflow.apply(
        FOLLOW_UP,
        follow_up,
        action,
        principal,
        actor,
        reason=checked[:500],
        now=now,
        effects=past is None,
        changes={column: checked, "updated_at": now} | changes,
    )
    return follow_up


async def verify(
    principal: Principal,
    follow_up: FollowUp,
    findings: str,
    founded: bool,
    *,
    ip: str = "",
    past: Past | None = None,
) -> FollowUp:
    now = past.at if past else clock.now()
    changes = {"founded": founded, "verified_at": now}
    text = (findings, "findings", "核实情况", "findings")
    return await _take(principal, follow_up, "verify", text, changes, ip, past, by="verified_by")


async def rectify(
    principal: Principal,
    follow_up: FollowUp,
    measures: str,
    *,
    ip: str = "",
    past: Past | None = None,
) -> FollowUp:
    """Record the rectification and tell the rater the outcome (RATE-3)."""
    now = past.at if past else clock.now()
    changes: dict[str, object] = {"rectified_at": now}
    text = (measures, "measures", "整改情况", "measures")
    return await _take(principal, follow_up, "rectify", text, changes, ip, past, by="rectified_by")


async def _tell_rater(case: Case, follow_up: FollowUp) -> list[Outgoing]:
    values = {"item": case.item.name, "number": case.case_number}
    source = f"follow-up:{follow_up.id}:rectified"
    messages: list[Outgoing] = []
    if case.applicant_phone:
        messages.append(
            await notifications.sms(
                "follow_up_rectified", case.applicant_phone, values, source=f"{source}/sms"
            )
        )
    owner = (
        {"enterprise_id": case.enterprise_id}  # type: ignore[attr-defined]
        if case.enterprise_id is not None  # type: ignore[attr-defined]
        else {"account_id": case.account_id}  # type: ignore[attr-defined]
        if case.account_id is not None  # type: ignore[attr-defined]
        else None
    )
    if owner:
        messages.append(
            in_app(
                kind="follow_up_rectified",
                source=f"{source}/in_app",
                title="您的评价已核实整改",
                body=f"您对“{case.item.name}”的评价已由{notifications.HALL}核实。核实情况："
                f"{follow_up.findings}整改措施：{follow_up.measures}",
                category=MessageCategory.NOTICE.value,
                sender=notifications.HALL,
                link=f"/cases/{case.case_number}",
                **owner,
            )
        )
    return messages


async def record_reply(
    principal: Principal,
    follow_up: FollowUp,
    reply: str,
    satisfied: bool,
    *,
    ip: str = "",
    past: Past | None = None,
) -> FollowUp:
    """The rater's reply to the outcome (a call back by staff) closes the follow-up."""
    changes = {"rater_satisfied": satisfied, "closed_at": past.at if past else clock.now()}
    text = (reply, "reply", "回访情况", "rater_reply")
    return await _take(principal, follow_up, "close", text, changes, ip, past)


async def follow_ups(
    principal: Principal,
    *,
    statuses: Sequence[FollowUpStatus],
    overdue_only: bool,
    department_code: str | None,
    today: date,
    first: int,
    after: str | None,
) -> Page:
    """Open and overdue follow-ups: staff see their department's, administrators all."""
    q = db.Sql(db.dialect())
    where = ["1 = 1"]
    if principal.kind is PrincipalKind.STAFF:
        require_handler(principal)
        department_code = principal.department_code
    elif principal.kind is not PrincipalKind.ADMIN:
        raise Forbidden("仅部门工作人员和管理员可查看")
    if department_code is not None:
        where.append(
            f"department_id IN (SELECT id FROM department WHERE code = {q.bind(department_code)})"
        )
    if statuses:
        where.append(f"status IN ({q.bind_all(s.value for s in statuses)})")
    if overdue_only:
        day = db.sql_date(today)
        where.append(f"due_on < {q.bind(day)} AND status <> {q.bind(FollowUpStatus.CLOSED.value)}")
    sql = f"SELECT id, opened_on AS opened FROM follow_up WHERE {' AND '.join(where)}"
    return await newest_first(sql, "opened", q, first=first, after=after)


async def follow_up_warnings(today: date, calendar: WorkCalendar) -> int:
    """A daily word to each case handler of a department whose follow-ups are due within
    three working days or overdue; written once a day per follow-up and handler."""
    horizon = calendar.add_working_days(today, 3)
    pending = (
        await FollowUp.filter(due_on__lte=horizon)
        .exclude(status=FollowUpStatus.CLOSED)
        .prefetch_related("case")
    )
    if not pending:
        return 0
    handlers: dict[int, list[int]] = {}
    for account in await Account.filter(
        kind=AccountKind.STAFF,
        department_id__in=list({f.department_id for f in pending}),  # type: ignore[attr-defined]
    ).only("id", "roles", "department_id"):
        if StaffRole.CASE_HANDLER.value in account.roles:
            handlers.setdefault(account.department_id, []).append(account.id)  # type: ignore[attr-defined]
    messages = []
    for follow_up in pending:
        overdue = follow_up.due_on < today
        text = (
            f"办件{follow_up.case.case_number}的差评回访整改已超过期限"
            f"（{cn_date(follow_up.due_on)}），请尽快办结。"
            if overdue
            else f"办件{follow_up.case.case_number}的差评回访整改将于"
            f"{cn_date(follow_up.due_on)}到期，请及时核实整改并回访。"
        )
        for account_id in handlers.get(follow_up.department_id, []):  # type: ignore[attr-defined]
            messages.append(
                in_app(
                    kind="follow_up_warning",
                    source=f"follow-up:{follow_up.id}:warn:{today}/account:{account_id}",
                    title="差评整改已超期" if overdue else "差评整改即将到期",
                    body=text,
                    category=MessageCategory.NOTICE.value,
                    sender=notifications.HALL,
                    link=f"/staff/follow-ups/{follow_up.id}",
                    account_id=account_id,
                )
            )
    async with in_transaction(db.connection().connection_name):
        return await enqueue(messages)
