"""The case process (CASE-2) declared as data: the ten stages, who moves a case and where
to, the statutory clock read from the history, and what the applicant is told.

:data:`PROCESS` is moved by ``servicehall.workflow`` like every other process; its steps are
rows of ``workflow_step`` (``case_record`` is a read-only view of them, migration 0011).
Its states are the ten stages of :class:`~servicehall.models.CaseStage` (whose labels
people see). Two rules a table cannot say are guards on the case: online pre-acceptance
only for cases submitted online, and after a supplement back to acceptance or on to
processing depending on whether the case was accepted (completion, too, needs an accepted
case). Only case handlers of the handling department act; a supplement notice must say
what to bring (一次性告知).

Deadlines, in working days of the holiday calendar: a case is to be accepted (or told what
to supplement) within five working days of submission (行政许可法 art. 32, days counted as
working days by art. 82), which :func:`servicehall.workflow.overdue` can list for urging.
After acceptance the statutory clock is the item's own limit, paused during 补交 and 特别程序:
it is read from the history at every step (:func:`clock_of`, ``workdays.read_clock``) and
stored on the case (``deadline``, ``paused``) so lists sort and filter by it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol

from servicehall.auth.principal import Principal, PrincipalKind
from servicehall.clock import LOCAL_TZ, cn_date
from servicehall.errors import IllegalTransition
from servicehall.models import (
    Case,
    CaseChannel,
    CaseStage,
    MessageCategory,
    StaffRole,
    WorkflowStep,
)
from servicehall.notify.outbox import Outgoing, in_app
from servicehall.notify.templates import SIGNATURE, render_sms
from servicehall.numbering import format_case_number
from servicehall.resolvers import notifications
from servicehall.workdays import ClockReading, Pause, WorkCalendar, read_clock
from servicehall.workflow import (
    Action,
    Actor,
    AllOf,
    Clock,
    Deadline,
    HasRole,
    IsSet,
    IsUnset,
    Need,
    Needs,
    Notify,
    OneOf,
    Process,
    SameDepartment,
    State,
    available,
    illegal,
)

S = CaseStage
ONLINE = frozenset({CaseChannel.WEB, CaseChannel.APP, CaseChannel.KIOSK})
#: Staff holding the case-handler role in the case's handling department.
HANDLER = AllOf(
    HasRole(StaffRole.CASE_HANDLER.value),
    SameDepartment(lambda case: case.department.code),
)
#: To be accepted, or told what to supplement, within five working days of submission.
_ACCEPTANCE = Deadline(5, Clock.PROCESS)
_ACCEPTED, _NOT_ACCEPTED = IsSet("accepted_at"), IsUnset("accepted_at")


def _tell(template: str) -> Notify:
    """On entering the state, tell the applicant with ``template`` (COM-2)."""

    async def build(case: Case, step: WorkflowStep) -> list[Outgoing]:
        return await notices(case, template, CaseStage(step.to_state), step.reason)

    return Notify(build)


#: The ten stages of a case (CASE-2) and every legal move between them.
PROCESS = Process(
    name="case",
    label="办件",
    model=Case,
    state_field="stage",
    lock_field="version",
    noun="办件",
    state_word="环节",
    field="stage",
    reason_field="note",
    reason_word="备注",
    illegal=IllegalTransition,
    department=lambda case: case.department_id,
    states=(
        State(S.SUBMITTED, deadline=_ACCEPTANCE, on_enter=(_tell("case_submitted"),)),
        State(S.PRE_ACCEPTED, deadline=_ACCEPTANCE),
        State(S.ACCEPTED, on_enter=(_tell("case_accepted"),)),
        State(S.PROCESSING),
        State(S.SUPPLEMENT_REQUESTED, on_enter=(_tell("case_supplement"),)),
        State(S.SUPPLEMENT_ACCEPTED),
        State(S.SPECIAL_REQUESTED),
        State(S.SPECIAL_CONCLUDED),
        State(S.COMPLETED, on_enter=(_tell("case_completed"),)),
        State(S.COLLECTED, terminal=True),
    ),
    actions=(
        Action(
            "pre_accept",
            "网上预受理",
            frozenset({S.SUBMITTED}),
            S.PRE_ACCEPTED,
            HANDLER,
            when=(OneOf("channel", ONLINE),),
        ),
        Action(
            "accept",
            "受理",
            frozenset({S.SUBMITTED, S.PRE_ACCEPTED, S.SUPPLEMENT_ACCEPTED}),
            S.ACCEPTED,
            HANDLER,
            when=(_NOT_ACCEPTED,),
        ),
        Action(
            "process",
            "转入审批",
            frozenset({S.ACCEPTED, S.SUPPLEMENT_ACCEPTED, S.SPECIAL_CONCLUDED}),
            S.PROCESSING,
            HANDLER,
            when=(_ACCEPTED,),
        ),
        Action(
            "request_supplement",
            "补交告知",
            frozenset({S.SUBMITTED, S.PRE_ACCEPTED, S.ACCEPTED, S.PROCESSING}),
            S.SUPPLEMENT_REQUESTED,
            HANDLER,
            Needs(reason=Need("补交告知须写明需补交的材料（一次性告知）", "note")),
        ),
        Action(
            "accept_supplement",
            "补交受理",
            frozenset({S.SUPPLEMENT_REQUESTED}),
            S.SUPPLEMENT_ACCEPTED,
            HANDLER,
        ),
        Action(
            "request_special",
            "特别程序申请",
            frozenset({S.PROCESSING}),
            S.SPECIAL_REQUESTED,
            HANDLER,
        ),
        Action(
            "conclude_special",
            "特别程序结果",
            frozenset({S.SPECIAL_REQUESTED}),
            S.SPECIAL_CONCLUDED,
            HANDLER,
        ),
        # an item handled on the spot (即办件) is completed at acceptance
        Action(
            "complete",
            "办结",
            frozenset({S.ACCEPTED, S.PROCESSING, S.SPECIAL_CONCLUDED}),
            S.COMPLETED,
            HANDLER,
            when=(_ACCEPTED,),
        ),
        Action("collect", "领取登记", frozenset({S.COMPLETED}), S.COLLECTED, HANDLER),
    ),
)
#: Every legal move, guards aside, derived from :data:`PROCESS`.
TRANSITIONS = PROCESS.transitions()
#: A pause of the statutory clock starts with the first and ends with the second.
PAUSES = (
    (S.SUPPLEMENT_REQUESTED, S.SUPPLEMENT_ACCEPTED),
    (S.SPECIAL_REQUESTED, S.SPECIAL_CONCLUDED),
)


def allowed_next(case: Case) -> list[CaseStage]:
    """The stages the case may move to now (who may move it aside)."""
    targets = {action.target for action in available(PROCESS, case)}
    return [stage for stage in CaseStage if stage in targets]


def action_to(case: Case, to: CaseStage) -> Action:
    """The action that moves the case to ``to`` now, or the typed refusal naming both
    stages and what is possible instead."""
    for action in available(PROCESS, case):
        if action.target is to:
            return action
    towards = next((a for a in PROCESS.actions_from(case.stage) if a.target is to), None)
    raise illegal(PROCESS, case, to, towards)


def check_transition(case: Case, to: CaseStage) -> None:
    action_to(case, to)


# -- the clock ------------------------------------------------------------------------------


class Marked(Protocol):
    """A step of a case's history as the clock reads it: the stage entered, and when."""

    @property
    def stage(self) -> CaseStage: ...

    @property
    def at(self) -> datetime: ...


@dataclass(frozen=True, slots=True)
class Mark:
    stage: CaseStage
    at: datetime


def local_day(moment: datetime) -> date:
    return moment.astimezone(LOCAL_TZ).date()


async def history(case_id: int) -> list[Mark]:
    """The stages a case entered, in order, from the workflow history."""
    rows = (
        await WorkflowStep.filter(process=PROCESS.name, instance_id=case_id)
        .order_by("at", "id")
        .values_list("to_state", "at")
    )
    return [Mark(CaseStage(stage), at) for stage, at in rows]


def pauses_of(records: Sequence[Marked]) -> list[Pause]:
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
            open_pause = local_day(record.at)
        elif open_pause is not None and any(record.stage is end for _, end in PAUSES):
            result.append(Pause(open_pause, local_day(record.at)))
            open_pause = None
    if open_pause is not None:
        result.append(Pause(open_pause))
    return result


def clock_of(
    case: Case, records: Sequence[Marked], calendar: WorkCalendar, today: date
) -> ClockReading | None:
    """The statutory clock of an accepted case, or None before acceptance."""
    if case.accepted_at is None:
        return None
    return read_clock(
        calendar,
        accepted_on=local_day(case.accepted_at),
        limit=case.limit_days,
        pauses=pauses_of(records),
        today=today,
        completed_on=local_day(case.completed_at) if case.completed_at else None,
    )


# -- notices ----------------------------------------------------------------------------------


async def notices(case: Case, template: str, stage: CaseStage, note: str) -> list[Outgoing]:
    """What the applicant is told on entering ``stage`` (COM-2): a text message (not for
    their own submission) and a word in their mailbox. ``case.item`` is fetched and the
    case's clock already read (its ``deadline``)."""
    item_name = case.item.name
    values = {
        "item": item_name,
        "number": format_case_number(case.case_number),
        "days": case.limit_days,
        "deadline": cn_date(case.deadline) if case.deadline else "另行告知",
        "materials": (note[:60] + "……" if len(note) > 60 else note) or "详见窗口告知",
        "outcome": case.outcome.label if case.outcome else "",
    }
    text = render_sms(await notifications.sms_body(template), values)
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
                title=f"{item_name}：{stage.label}",
                body=text.removeprefix(SIGNATURE),
                category=MessageCategory.NOTICE.value,
                sender=notifications.HALL,
                link=f"/cases/{case.case_number}",
                **owner,
            )
        )
    return messages


def step_actor(
    principal: Principal | None, name: str, account_id: int | None, ip: str
) -> tuple[Actor, str]:
    """Who a step records, and the role they act in: the applicant ("owner") or a case
    handler; without a principal (imports, benches) only the name shown is known."""
    if principal is None:
        return Actor("", name, account_id, ip=ip), ""
    role = StaffRole.CASE_HANDLER.value if principal.kind is PrincipalKind.STAFF else "owner"
    return Actor.of(principal, name, account_id=account_id, ip=ip), role
