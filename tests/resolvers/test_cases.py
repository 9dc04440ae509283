"""CASE-2: the ten stages as a state machine, the statutory clock across a holiday and a
pause, and staff moving cases one at a time."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, time
from itertools import product

import pytest

from servicehall.auth.principal import Principal, PrincipalKind
from servicehall.clock import LOCAL_TZ
from servicehall.errors import Conflict, Forbidden, IllegalTransition, InvalidInput
from servicehall.models import (
    ApplicantKind,
    Case,
    CaseChannel,
    CaseOutcome,
    CaseRecord,
    CaseStage,
    OutboxChannel,
    OutboxMessage,
    ServiceItem,
    StaffRole,
)
from servicehall.resolvers.case_intake import Applicant, create_case
from servicehall.resolvers.cases import (
    TRANSITIONS,
    advance_case,
    allowed_next,
    check_transition,
)
from servicehall.settings import Settings
from servicehall.workdays import WorkCalendar
from tests.conftest import opened

S = CaseStage
CALENDAR = WorkCalendar.bundled()
HANDLER = Principal(
    PrincipalKind.STAFF,
    subject="staff-1",
    department_code="SCJG",
    roles=frozenset({StaffRole.CASE_HANDLER.value}),
)


def _case(stage: CaseStage, *, channel: CaseChannel = CaseChannel.WEB, accepted: bool) -> Case:
    return Case(
        stage=stage,
        channel=channel,
        accepted_at=datetime(2026, 11, 2, tzinfo=UTC) if accepted else None,
    )


# Stages a case can only be in once accepted / only before acceptance.
_AFTER_ACCEPTANCE = {
    S.ACCEPTED,
    S.PROCESSING,
    S.SPECIAL_REQUESTED,
    S.SPECIAL_CONCLUDED,
    S.COMPLETED,
    S.COLLECTED,
}
_BEFORE_ACCEPTANCE = {S.SUBMITTED, S.PRE_ACCEPTED}


@pytest.mark.parametrize(("source", "target"), list(product(CaseStage, CaseStage)))
def test_every_pair_of_stages(source: CaseStage, target: CaseStage) -> None:
    """Each of the 100 moves is either in the table (and its guard) or refused, typed."""
    for accepted in (False, True):
        if source in _AFTER_ACCEPTANCE and not accepted:
            continue
        if source in _BEFORE_ACCEPTANCE and accepted:
            continue
        for channel in (CaseChannel.WEB, CaseChannel.WINDOW):
            case = _case(source, channel=channel, accepted=accepted)
            legal = target in TRANSITIONS[source]
            if target is S.PRE_ACCEPTED:
                legal = legal and channel is not CaseChannel.WINDOW
            if source is S.SUPPLEMENT_ACCEPTED:
                legal = legal and (target is S.ACCEPTED) == (not accepted)
            if legal:
                check_transition(case, target)
                assert target in allowed_next(case)
            else:
                with pytest.raises(IllegalTransition) as caught:
                    check_transition(case, target)
                assert caught.value.field == "stage"
                assert source.label in caught.value.message and target.label in caught.value.message


def test_the_table_reaches_every_stage_and_ends_at_collection() -> None:
    reachable = {S.SUBMITTED}
    frontier = [S.SUBMITTED]
    while frontier:
        for nxt in TRANSITIONS[frontier.pop()]:
            if nxt not in reachable:
                reachable.add(nxt)
                frontier.append(nxt)
    assert reachable == set(CaseStage)
    assert TRANSITIONS[S.COLLECTED] == frozenset()


def _at(day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour), LOCAL_TZ).astimezone(UTC)


async def _new_case(limit: int) -> Case:
    item = await ServiceItem.filter(department__code="SCJG").first()
    assert item is not None
    item.statutory_limit_days = limit
    await item.save()
    applicant = Applicant(ApplicantKind.PERSON, "张小三", "440403198805121231", "13900001111")
    return await create_case(
        item.code,
        applicant,
        CaseChannel.WINDOW,
        handler="窗口",
        handler_account_id=None,
        now=_at(date(2026, 9, 28)),
    )


async def _move(case: Case, to: CaseStage, day: date, **extra: object) -> Case:
    moved = await advance_case(
        HANDLER,
        case.case_number,
        to,
        handler="黄伟",
        handler_account_id=None,
        note=str(extra.pop("note", "")),
        outcome=extra.pop("outcome", None),  # type: ignore[arg-type]
        calendar=CALENDAR,
        now=_at(day),
    )
    return moved.case


async def test_the_clock_skips_national_day_and_counts_the_make_up_saturday(
    hall_settings: Settings,
) -> None:
    """Accepted Tue 29 Sep 2026, 5 working days: 30 Sep, 8 Oct, 9 Oct, Sat 10 Oct (a
    make-up working day), 12 Oct. A supplement noticed on 8 Oct (that day counts) and
    received on 14 Oct stops the clock in between: the deadline moves to 19 Oct."""
    async with opened(hall_settings):
        case = await _new_case(limit=5)
        case = await _move(case, S.ACCEPTED, date(2026, 9, 29))
        assert case.deadline == date(2026, 10, 12) and not case.paused
        case = await _move(case, S.PROCESSING, date(2026, 9, 30))
        case = await _move(
            case, S.SUPPLEMENT_REQUESTED, date(2026, 10, 8), note="补交法定代表人身份证复印件"
        )
        assert case.paused and case.deadline is None
        case = await _move(case, S.SUPPLEMENT_ACCEPTED, date(2026, 10, 14))
        assert case.deadline == date(2026, 10, 19) and not case.paused
        case = await _move(case, S.PROCESSING, date(2026, 10, 15))
        case = await _move(case, S.COMPLETED, date(2026, 10, 16), outcome=CaseOutcome.APPROVED)
        records = await CaseRecord.filter(case=case).order_by("at")
        assert [r.stage for r in records] == [
            S.SUBMITTED,
            S.ACCEPTED,
            S.PROCESSING,
            S.SUPPLEMENT_REQUESTED,
            S.SUPPLEMENT_ACCEPTED,
            S.PROCESSING,
            S.COMPLETED,
        ]
        assert case.outcome is CaseOutcome.APPROVED and case.completed_at is not None
        # the applicant was told at acceptance, supplement and completion (by text)
        texts = await OutboxMessage.filter(channel=OutboxChannel.SMS, recipient="13900001111")
        assert sorted(m.kind for m in texts) == [
            "case_accepted",
            "case_completed",
            "case_supplement",
        ]
        accepted = next(m for m in texts if m.kind == "case_accepted")
        assert "5个工作日" in accepted.body and "2026年10月12日" in accepted.body


async def test_moves_need_the_handling_departments_case_handler(
    hall_settings: Settings,
) -> None:
    async with opened(hall_settings):
        case = await _new_case(limit=5)
        for principal in (
            Principal(
                PrincipalKind.STAFF,
                subject="s2",
                department_code="MZJ",
                roles=frozenset({StaffRole.CASE_HANDLER.value}),
            ),
            Principal(
                PrincipalKind.STAFF,
                subject="s3",
                department_code="SCJG",
                roles=frozenset({StaffRole.LICENSE_ISSUER.value}),
            ),
            Principal(PrincipalKind.PERSON, subject="p1"),
        ):
            with pytest.raises(Forbidden):
                await advance_case(
                    principal,
                    case.case_number,
                    S.ACCEPTED,
                    handler="x",
                    handler_account_id=None,
                    note="",
                    outcome=None,
                    calendar=CALENDAR,
                )
        with pytest.raises(InvalidInput) as caught:
            await _move(case, S.SUPPLEMENT_REQUESTED, date(2026, 9, 29))
        assert caught.value.field == "note"  # a supplement says what to bring, at once
        await _move(case, S.ACCEPTED, date(2026, 9, 29))
        with pytest.raises(InvalidInput) as caught:
            await _move(case, S.COMPLETED, date(2026, 9, 30))
        assert caught.value.field == "outcome"
        assert await CaseRecord.filter(case=case).count() == 2


async def test_two_handlers_moving_one_case_at_once(hall_settings: Settings) -> None:
    async with opened(hall_settings):
        case = await _new_case(limit=5)
        results = await asyncio.gather(
            _move(case, S.ACCEPTED, date(2026, 9, 29)),
            _move(case, S.ACCEPTED, date(2026, 9, 29)),
            return_exceptions=True,
        )
        assert sum(isinstance(r, Case) for r in results) == 1
        assert all(isinstance(r, Case | Conflict | IllegalTransition) for r in results)
        assert await CaseRecord.filter(case=case, stage=S.ACCEPTED).count() == 1
