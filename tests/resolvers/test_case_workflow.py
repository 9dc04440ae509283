"""The case stages on the workflow engine (issue 13; CASE-1, CASE-2): each move is one step
of the ``case`` process in ``workflow_step`` (``case_record`` is a view of it), two staff
moving one case at once leave exactly one step, unaccepted cases show as overdue, and
migration 0012 moves the records that existed (0013 the licences' issues and revocations,
LIC-3), on both backends."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest
from tortoise.migrations.executor import MigrationTarget

from servicehall import db, workflow
from servicehall.auth.principal import Principal, PrincipalKind
from servicehall.clock import LOCAL_TZ
from servicehall.errors import Conflict, ErrorCode
from servicehall.models import (
    Account,
    AccountKind,
    ApplicantKind,
    Case,
    CaseChannel,
    CaseRecord,
    CaseStage,
    License,
    LicenseStatus,
    ServiceItem,
    StaffRole,
    WorkflowStep,
)
from servicehall.resolvers.case_process import PROCESS
from servicehall.resolvers.cases import Applicant, advance_case, create_case
from servicehall.settings import Settings
from servicehall.workdays import WorkCalendar
from tests.conftest import Services, _new_pg_database, load_test_demo, opened

S = CaseStage
CALENDAR = WorkCalendar.bundled()


def _handler(subject: str) -> Principal:
    return Principal(
        PrincipalKind.STAFF,
        subject=subject,
        department_code="SCJG",
        roles=frozenset({StaffRole.CASE_HANDLER.value}),
    )


def _at(day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour), LOCAL_TZ).astimezone(UTC)


async def _new_case(**extra: Any) -> Case:
    item = await ServiceItem.filter(department__code="SCJG").order_by("id").first()
    assert item is not None
    applicant = Applicant(ApplicantKind.PERSON, "张小三", "440403198805121231", "13900001111")
    return await create_case(
        item.code,
        applicant,
        CaseChannel.WINDOW,
        handler="窗口",
        handler_account_id=None,
        now=_at(date(2026, 9, 28)),
        **extra,
    )


async def test_two_staff_moving_one_case_at_once(
    hall_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """issue 13, CASE-2: both handlers read the case at 申办 before either writes; exactly
    one move is taken and recorded, the other is the engine's CONFLICT (never a second
    step, never an illegal-transition guess)."""
    real_apply = workflow.apply
    arrived: list[object] = []
    both_read = asyncio.Event()

    async def gated_apply(*args: Any, **kwargs: Any) -> workflow.Applied:
        arrived.append(args[1])
        if len(arrived) == 2:
            both_read.set()
        await asyncio.wait_for(both_read.wait(), 10)
        return await real_apply(*args, **kwargs)

    monkeypatch.setattr(workflow, "apply", gated_apply)
    async with opened(hall_settings):
        case = await _new_case()

        async def move(subject: str, to: CaseStage, note: str) -> Case:
            moved = await advance_case(
                _handler(subject),
                case.case_number,
                to,
                handler=subject,
                handler_account_id=None,
                note=note,
                outcome=None,
                calendar=CALENDAR,
                now=_at(date(2026, 9, 29)),
            )
            return moved.case

        results = await asyncio.gather(
            move("staff-a", S.ACCEPTED, "材料齐全"),
            move("staff-b", S.SUPPLEMENT_REQUESTED, "请补交营业执照复印件"),
            return_exceptions=True,
        )
        assert len(arrived) == 2  # both had read the case and passed the checks
        won = [r for r in results if isinstance(r, Case)]
        lost = [r for r in results if isinstance(r, Exception)]
        assert len(won) == 1 and len(lost) == 1, results
        assert isinstance(lost[0], Conflict) and lost[0].code is ErrorCode.CONFLICT
        stored = await Case.get(id=case.id)
        assert stored.stage is won[0].stage and stored.version == 2
        steps = await WorkflowStep.filter(process="case", instance_id=case.id).order_by("id")
        assert [s.action for s in steps] == [
            "start",
            "accept" if won[0].stage is S.ACCEPTED else "request_supplement",
        ]
        assert await CaseRecord.filter(case_id=case.id).count() == 2


async def test_a_move_is_recorded_once_in_the_one_history(hall_settings: Settings) -> None:
    """issue 13, CASE-2: who (identity, name, account, role, department), from where,
    why, from which stage to which, the case's version; ``case_record`` reads the same."""
    async with opened(hall_settings):
        account = await Account.get(username="scjg001")
        staff = _handler(account.subject)
        case = await _new_case(principal=staff, ip="198.51.100.7")
        moved = await advance_case(
            staff,
            case.case_number,
            S.ACCEPTED,
            handler=account.display_name,
            handler_account_id=account.id,
            note="  材料齐全，予以受理 ",
            outcome=None,
            calendar=CALENDAR,
            now=_at(date(2026, 9, 29)),
            ip="203.0.113.5",
        )
        steps = await WorkflowStep.filter(process="case", instance_id=case.id).order_by("id")
        assert [(s.action, s.from_state, s.to_state, s.version) for s in steps] == [
            ("start", None, "submitted", 1),
            ("accept", "submitted", "accepted", 2),
        ]
        first, step = steps
        assert (first.role, first.actor, first.ip) == (
            "case_handler",
            staff.identity,
            "198.51.100.7",
        )
        assert step.id == moved.record.id
        assert (step.actor, step.actor_name, step.actor_account_id) == (  # type: ignore[attr-defined]
            staff.identity,
            account.display_name,
            account.id,
        )
        assert (step.role, step.actor_department, step.ip) == (
            "case_handler",
            "SCJG",
            "203.0.113.5",
        )
        assert step.department_id == moved.case.department_id  # type: ignore[attr-defined]
        assert step.reason == "材料齐全，予以受理" and step.at == _at(date(2026, 9, 29))
        record = await CaseRecord.get(id=step.id)
        assert (record.stage, record.handler, record.note, record.at) == (
            S.ACCEPTED,
            account.display_name,
            "材料齐全，予以受理",
            step.at,
        )
        assert record.handler_account_id == account.id  # type: ignore[attr-defined]


async def test_cases_not_accepted_in_five_working_days_are_overdue(
    hall_settings: Settings,
) -> None:
    """issue 13, CASE-2: submitted Mon 28 Sep 2026, five working days (29, 30 Sep; 8, 9 Oct
    and the make-up Saturday 10 Oct after the National Day holiday) end on 10 Oct: overdue
    from 11 Oct unless accepted."""
    async with opened(hall_settings):
        waiting = await _new_case()
        accepted = await _new_case()
        await advance_case(
            _handler("staff-a"),
            accepted.case_number,
            S.ACCEPTED,
            handler="黄伟",
            handler_account_id=None,
            note="",
            outcome=None,
            calendar=CALENDAR,
            now=_at(date(2026, 9, 29)),
        )

        async def late(today: date) -> list[int]:
            found = await workflow.overdue(PROCESS, today=today, calendar=CALENDAR)
            return [o.instance_id for o in found if o.instance_id in (waiting.id, accepted.id)]

        due = CALENDAR.add_working_days(date(2026, 9, 28), 5)
        assert due == date(2026, 10, 10) and await late(due) == []
        assert await late(due + timedelta(days=1)) == [waiting.id]


# -- migration 0011 ---------------------------------------------------------------------------


async def _migrate_to(name: str) -> None:
    await db._executor().migrate([MigrationTarget("models", name)])


#: Columns later migrations added to tables the demo loader writes (0014: ITEM-5).
LATER_COLUMNS = (
    ("service_item", "keywords", "'[]'"),
    ("service_item", "search_keywords", "''"),
    ("service_item", "search_pinyin", "''"),
    ("service_item", "search_initials", "''"),
)


async def _add_columns_of_later_migrations() -> None:
    """The demo loader writes today's rows: an older schema gets their newer columns (the
    migrations under test do not touch them)."""
    for table, column, default in LATER_COLUMNS:
        await db.connection().execute_query(
            f"ALTER TABLE {table} ADD COLUMN {column} TEXT NOT NULL DEFAULT {default}"
        )


RECORD = ("case_id", "stage", "at", "handler", "handler_account_id", "department_id", "note")


async def _records(case_ids: list[int]) -> list[tuple[Any, ...]]:
    rows = await CaseRecord.filter(case_id__in=case_ids).order_by("at", "id").values_list(*RECORD)
    return [tuple(row) for row in rows]


async def test_migration_0012_moves_case_records_into_the_history(
    backend: str, services: Services, tmp_path: Path
) -> None:
    """issue 13, CASE-2: every ``case_record`` row becomes a ``case`` step (action, stage
    left, version, who and role derived), the view reads the rows back as they were, in
    the same order (ties on the time keep the id order); backwards restores the table."""
    if backend == "sqlite":
        url = f"sqlite://{tmp_path / 'hall.sqlite3'}"
    else:
        url = await _new_pg_database(services)
    async with opened(Settings(database_url=url)):
        await _migrate_to("0011_revocations")
        await _add_columns_of_later_migrations()
        await load_test_demo(items=12, enterprises=6)
        # as before 0011 and 0012: no case or licence steps
        await WorkflowStep.filter(process__in=["case", "license"]).delete()
        company = await Account.filter(kind=AccountKind.ENTERPRISE).first()
        assert company is not None
        staff = await Account.get(username="scjg001")
        cases = await Case.filter(department__code="SCJG").order_by("id").limit(2)
        first, second = cases
        t = _at(date(2026, 9, 28))
        made = [
            (first, S.SUBMITTED, t, "申请人", company.id, "网上申请"),
            (first, S.ACCEPTED, t + timedelta(hours=1), staff.display_name, staff.id, "受理"),
            # two records at one time: their id order is their order
            (first, S.PROCESSING, t + timedelta(hours=2), "黄伟", None, ""),
            (first, S.SUPPLEMENT_REQUESTED, t + timedelta(hours=2), "黄伟", None, "补交"),
            (second, S.SUBMITTED, t, "申请人", None, ""),
            (second, S.PRE_ACCEPTED, t + timedelta(days=1), "系统", None, "自动预审"),
        ]
        for case, stage, at, handler, account_id, note in made:
            await CaseRecord.create(
                case=case,
                stage=stage,
                at=at,
                handler=handler,
                handler_account_id=account_id,
                department_id=case.department_id,  # type: ignore[attr-defined]
                note=note,
            )
        ids = [first.id, second.id]
        before = await _records(ids)

        await _migrate_to("0012_case_workflow")
        assert await _records(ids) == before
        steps = await WorkflowStep.filter(process="case", instance_id=first.id).order_by("id")
        assert [(s.action, s.from_state, s.to_state, s.version) for s in steps] == [
            ("start", None, "submitted", 1),
            ("accept", "submitted", "accepted", 2),
            ("process", "accepted", "processing", 3),
            ("request_supplement", "processing", "supplement_requested", 4),
        ]
        assert [(s.actor, s.role, s.actor_department) for s in steps[:3]] == [
            (f"enterprise:{company.subject}", "owner", ""),
            (f"staff:{staff.subject}", "case_handler", "SCJG"),
            ("", "case_handler", ""),
        ]
        system = await WorkflowStep.get(
            process="case", instance_id=second.id, to_state="pre_accepted"
        )
        assert (system.actor, system.role, system.action) == ("system", "system", "pre_accept")

        await _migrate_to("0011_revocations")
        assert await _records(ids) == before
        assert not await WorkflowStep.filter(process="case").exists()
        await _migrate_to("0012_case_workflow")
        assert await _records(ids) == before

        # 0013 (LIC-3): the licences issued and revoked so far get their steps
        await _migrate_to("0013_license_workflow")
        licences = await License.all()
        assert licences and any(lic.status is LicenseStatus.REVOKED for lic in licences)
        steps = await WorkflowStep.filter(process="license").order_by("id")
        assert sorted((s.instance_id, s.action) for s in steps) == sorted(
            [(lic.id, "start") for lic in licences]
            + [(lic.id, "revoke") for lic in licences if lic.revoked_at is not None]
        )
        revoked = next(s for s in steps if s.action == "revoke")
        assert revoked.actor.startswith("staff:") and revoked.actor_name and revoked.reason
