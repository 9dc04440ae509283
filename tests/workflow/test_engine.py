"""The workflow engine (issue 13; CASE-2, LIC-1, LIC-2, RATE-3): a process declared as data,
one atomic recorded step, typed refusals naming the state and the action, overdue
instances counted in working days, hooks run in the step's transaction.

The test process runs on the ``license_grant`` table (any model with a state column will
do), on both backends."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from types import SimpleNamespace

import pytest

from servicehall.auth.principal import ANONYMOUS, Principal, PrincipalKind
from servicehall.clock import LOCAL_TZ
from servicehall.errors import Conflict, ErrorCode, Forbidden, IllegalTransition, InvalidInput
from servicehall.models import (
    Account,
    Department,
    GrantStatus,
    LicenseCatalogEntry,
    LicenseGrant,
    Message,
    OutboxMessage,
    StaffRole,
    WorkflowStep,
)
from servicehall.notify.outbox import Outgoing, in_app
from servicehall.settings import Settings
from servicehall.workdays import WorkCalendar
from servicehall.workflow import (
    ADMIN,
    Action,
    Actor,
    AllOf,
    Announce,
    Deadline,
    HasRole,
    Need,
    Needs,
    Notify,
    Process,
    SameDepartment,
    State,
    apply,
    check,
    overdue,
    start,
)
from servicehall.workflow.overdue import last_late_entry
from tests.conftest import opened
from tests.licensing import staff_account

G = GrantStatus
CALENDAR = WorkCalendar.bundled()
READER = AllOf(HasRole(StaffRole.LICENSE_READER.value), SameDepartment(lambda g: g.department.code))


async def _welcome(grant: LicenseGrant, step: WorkflowStep) -> Sequence[Outgoing]:
    account = await Account.get(username="wjj001")
    return [
        in_app(
            kind="test_granted",
            source=f"test:{grant.id}:{step.id}",
            title="已批准",
            body=f"第{grant.id}号申请已批准",
            category="notice",
            sender="测试",
            account_id=account.id,
        )
    ]


async def _broken(grant: LicenseGrant, step: WorkflowStep) -> Sequence[Outgoing]:
    raise RuntimeError("the outbox is down")


def _process(hook: Notify | None = None) -> Process:
    hook = hook or Notify(_welcome)
    return Process(
        name="test_grant",
        label="测试审批",
        model=LicenseGrant,
        state_field="status",
        noun="测试申请",
        field="grantId",
        department=lambda g: g.department_id,
        states=(
            State(G.REQUESTED, deadline=Deadline(3)),
            State(G.GRANTED, on_enter=(hook, Announce("LicenseGrant", lambda g: str(g.id)))),
            State(G.REFUSED, terminal=True),
            State(G.REVOKED, terminal=True),
            State(G.EXPIRED, terminal=True),
        ),
        actions=(
            Action(
                "approve",
                "批准",
                frozenset({G.REQUESTED}),
                G.GRANTED,
                READER,
                Needs(basis=Need("请写明批准的法律依据", "basis")),
            ),
            Action(
                "refuse",
                "驳回",
                frozenset({G.REQUESTED}),
                G.REFUSED,
                ADMIN,
                Needs(reason=Need("请写明驳回理由", "reason")),
            ),
            Action("revoke", "撤销", frozenset({G.GRANTED}), G.REVOKED, ADMIN),
        ),
    )


PROCESS = _process()
ADMIN_PRINCIPAL = Principal(PrincipalKind.ADMIN, subject="admin-1")


def _staff(department: str, role: StaffRole = StaffRole.LICENSE_READER) -> Principal:
    return Principal(
        PrincipalKind.STAFF,
        subject="s-1",
        department_code=department,
        roles=frozenset({role.value}),
    )


def _grant(status: GrantStatus) -> SimpleNamespace:
    """An instance as the rules see it (the engine reads attributes only)."""
    return SimpleNamespace(status=status, department=SimpleNamespace(code="WJJ"))


def test_an_illegal_action_is_typed_and_names_the_state_and_the_action() -> None:
    """issue 13: ILLEGAL_TRANSITION, Chinese label, a message naming both in Chinese."""
    with pytest.raises(IllegalTransition) as caught:
        check(PROCESS, _grant(G.GRANTED), "approve", _staff("WJJ"), basis="《条例》第五条")
    error = caught.value
    assert error.code is ErrorCode.ILLEGAL_TRANSITION and error.label == "办件环节不可跳转"
    assert "测试申请当前状态为“已授权”" in error.message and "“批准”" in error.message
    assert "可进行：撤销" in error.message
    assert error.field == "grantId"
    assert error.details == {"from": "GRANTED", "to": "GRANTED"}
    with pytest.raises(IllegalTransition) as caught:  # by target state: no action leads there
        check(PROCESS, _grant(G.REQUESTED), G.EXPIRED, ADMIN_PRINCIPAL)
    assert "转为“已到期”" in caught.value.message
    with pytest.raises(InvalidInput) as unknown:
        check(PROCESS, _grant(G.REQUESTED), "delete", ADMIN_PRINCIPAL)
    assert unknown.value.field == "action"


def test_who_may_act_is_the_actions_rule() -> None:
    """issue 13, SEC-1: role, department rule; outsiders learn nothing of the state."""
    grant = _grant(G.REQUESTED)
    decision = check(PROCESS, grant, "approve", _staff("WJJ"), basis="依据")
    assert decision.role == StaffRole.LICENSE_READER.value
    for who in (
        _staff("YJJ"),  # another department
        _staff("WJJ", StaffRole.CASE_HANDLER),  # without the role
        ADMIN_PRINCIPAL,  # the rule does not include administrators
        ANONYMOUS,
    ):
        with pytest.raises(Forbidden):
            check(PROCESS, grant, "approve", who, basis="依据")
    assert check(PROCESS, grant, "refuse", ADMIN_PRINCIPAL, reason="不符").role == "admin"
    with pytest.raises(Forbidden):  # not open from here, and not theirs anyway
        check(PROCESS, _grant(G.REVOKED), "revoke", _staff("WJJ"))


@pytest.mark.parametrize(
    ("action", "who", "given", "field"),
    [
        ("approve", "staff", {}, "basis"),
        ("approve", "staff", {"basis": "   "}, "basis"),
        ("refuse", "admin", {"basis": "依据"}, "reason"),
        ("refuse", "admin", {"reason": "理" * 501}, "reason"),
    ],
)
def test_required_reason_and_basis(
    action: str, who: str, given: dict[str, str], field: str
) -> None:
    """issue 13: an action that needs a reason or legal basis refuses to go without."""
    principal = _staff("WJJ") if who == "staff" else ADMIN_PRINCIPAL
    with pytest.raises(InvalidInput) as caught:
        check(PROCESS, _grant(G.REQUESTED), action, principal, **given)
    assert caught.value.field == field


def test_declarations_are_checked() -> None:
    base = {"name": "x", "label": "x", "model": LicenseGrant, "state_field": "status"}
    states = (State(G.REQUESTED), State(G.GRANTED, terminal=True))
    bad = [
        (Action("a", "甲", frozenset({G.REQUESTED}), G.REVOKED, ADMIN),),  # undeclared
        (Action("a", "甲", frozenset({G.GRANTED}), G.REQUESTED, ADMIN),),  # leaves terminal
        (
            Action("a", "甲", frozenset({G.REQUESTED}), G.GRANTED, ADMIN),
            Action("a", "乙", frozenset({G.REQUESTED}), G.GRANTED, ADMIN),
        ),
    ]
    for actions in bad:
        with pytest.raises(ValueError, match=r"^x"):
            Process(**base, states=states, actions=actions, noun="x", field="x")  # type: ignore[arg-type]


async def _new_grant(requested_at: datetime | None = None) -> LicenseGrant:
    entry = await LicenseCatalogEntry.get(code="PWXK")
    grant = await LicenseGrant.create(
        entry=entry,
        department=await Department.get(code="WJJ"),
        status=G.REQUESTED,
        reason="测试",
        requested_at=requested_at or datetime.now(UTC),
        requested_by="staff:x",
        requested_by_name="测试",
    )
    await start(PROCESS, grant, Actor("staff:x", "测试"), now=requested_at)
    return await LicenseGrant.get(id=grant.id).prefetch_related("department")


async def test_a_step_is_recorded_with_everything(hall_settings: Settings) -> None:
    """issue 13: who, role, department, when, from where, why, basis, from and to."""
    async with opened(hall_settings):
        reader = await staff_account("wf-reader", "WJJ", StaffRole.LICENSE_READER)
        account = await Account.get(username="wf-reader")
        grant = await _new_grant()
        at = datetime(2026, 10, 9, 2, 30, tzinfo=UTC)
        applied = await apply(
            PROCESS,
            grant,
            "approve",
            reader,
            Actor.of(reader, "测试wf-reader", account_id=account.id, ip="203.0.113.9"),
            reason="  材料齐全 ",
            basis="《政府信息公开条例》第十条",
            now=at,
            changes={"decision_note": "同意"},
        )
        assert grant.status is G.GRANTED and grant.decision_note == "同意"
        assert applied.changed == (("LicenseGrant", str(grant.id)),)
        steps = await WorkflowStep.filter(process="test_grant", instance_id=grant.id).order_by("id")
        assert [(s.action, s.from_state, s.to_state) for s in steps] == [
            ("start", None, "requested"),
            ("approve", "requested", "granted"),
        ]
        step = steps[1]
        assert (step.actor, step.actor_name, step.actor_account_id) == (  # type: ignore[attr-defined]
            reader.identity,
            "测试wf-reader",
            account.id,
        )
        assert (step.role, step.actor_department, step.ip) == (
            "license_reader",
            "WJJ",
            "203.0.113.9",
        )
        assert step.department_id == grant.department_id  # type: ignore[attr-defined]
        assert (step.reason, step.basis) == ("材料齐全", "《政府信息公开条例》第十条")
        assert step.at == at
        stored = await LicenseGrant.get(id=grant.id)
        assert stored.status is G.GRANTED and stored.decision_note == "同意"
        # the Notify hook wrote to the outbox and the inbox in the same transaction
        assert await OutboxMessage.filter(source=f"test:{grant.id}:{step.id}").count() == 1
        assert await Message.filter(title="已批准").count() == 1


async def test_two_staff_acting_at_once_exactly_one_wins(hall_settings: Settings) -> None:
    """issue 13: the conditional update lets one step through; the other is CONFLICT (or,
    if it read the state after the first committed, ILLEGAL_TRANSITION)."""
    async with opened(hall_settings):
        grant = await _new_grant()
        copies = [await LicenseGrant.get(id=grant.id).prefetch_related("department") for _ in "ab"]
        results = await asyncio.gather(
            *(
                apply(PROCESS, copy, "refuse", ADMIN_PRINCIPAL, Actor("admin:a", n), reason=n)
                for copy, n in zip(copies, ("甲", "乙"), strict=True)
            ),
            return_exceptions=True,
        )
        assert sum(not isinstance(r, Exception) for r in results) == 1
        assert all(not isinstance(r, Exception) or isinstance(r, Conflict) for r in results)
        steps = await WorkflowStep.filter(
            process="test_grant", instance_id=grant.id, action="refuse"
        )
        assert len(steps) == 1
        loser = copies[[isinstance(r, Exception) for r in results].index(True)]
        with pytest.raises(Conflict):  # a stale copy never wins later either
            await apply(
                PROCESS, loser, "refuse", ADMIN_PRINCIPAL, Actor("admin:a", "丙"), reason="丙"
            )


async def test_a_failing_hook_rolls_the_step_back(hall_settings: Settings) -> None:
    """issue 13: state, step and notices commit together or not at all."""
    async with opened(hall_settings):
        grant = await _new_grant()
        process = _process(Notify(_broken))
        reader = await staff_account("wf-reader2", "WJJ", StaffRole.LICENSE_READER)
        with pytest.raises(RuntimeError):
            await apply(process, grant, "approve", reader, Actor.of(reader, "x"), basis="依据")
        assert (await LicenseGrant.get(id=grant.id)).status is G.REQUESTED
        assert not await WorkflowStep.filter(instance_id=grant.id, action="approve").exists()


def _at(day: date) -> datetime:
    return datetime.combine(day, time(16), LOCAL_TZ).astimezone(UTC)


def test_the_last_late_entry_agrees_with_counting_forward() -> None:
    start_day = date(2026, 9, 1)
    for offset in range(60):
        today = start_day + timedelta(days=offset)
        late = last_late_entry(CALENDAR, 3, today)
        assert CALENDAR.add_working_days(late, 3) < today
        assert CALENDAR.add_working_days(late + timedelta(days=1), 3) >= today


async def test_overdue_instances_skip_the_holidays(hall_settings: Settings) -> None:
    """issue 13: 3 working days from Wed 30 Sep 2026 end on Sat 10 Oct (8, 9 Oct and the
    make-up Saturday; 1-7 Oct is the National Day holiday): overdue from 11 Oct, not on
    10 Oct. Decided instances are never overdue."""
    async with opened(hall_settings):
        late = await _new_grant(_at(date(2026, 9, 30)))
        fresh = await _new_grant(_at(date(2026, 10, 8)))
        decided = await _new_grant(_at(date(2026, 9, 1)))
        await apply(
            PROCESS, decided, "refuse", ADMIN_PRINCIPAL, Actor("admin:a", "甲"), reason="否"
        )

        async def ids(today: date) -> list[int]:
            found = await overdue(PROCESS, today=today, calendar=CALENDAR)
            return [
                o.instance_id for o in found if o.instance_id in {late.id, fresh.id, decided.id}
            ]

        assert await ids(date(2026, 10, 10)) == []
        assert await ids(date(2026, 10, 11)) == [late.id]
        assert await ids(date(2026, 10, 14)) == [late.id, fresh.id]  # fresh due Tue 13 Oct
        found = {
            o.instance_id: o
            for o in await overdue(PROCESS, today=date(2026, 10, 14), calendar=CALENDAR)
        }
        assert found[late.id].due_on == date(2026, 10, 10) and found[late.id].state is G.REQUESTED
