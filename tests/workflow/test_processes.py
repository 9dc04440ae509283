"""The machines moved onto the engine (issue 13; CASE-2, LIC-1, LIC-2, RATE-2, RATE-3,
STA-4): their derived tables are the tables they had by hand, and each is declared in the
one format."""

from __future__ import annotations

import pytest

from servicehall.clock import local_today
from servicehall.models import (
    CaseStage,
    CatalogState,
    DeviceStatus,
    FollowUp,
    FollowUpStatus,
    GrantStatus,
    LicenseStatus,
    OutboxMessage,
    RatingDispute,
    StaffRole,
    WorkflowStep,
)
from servicehall.resolvers import (
    case_process,
    cases,
    follow_ups,
    kiosks,
    license_catalog,
    license_grants,
    licenses,
    ratings,
)
from servicehall.settings import Settings
from servicehall.workdays import WorkCalendar
from servicehall.workflow import Process, overdue

C, G, F, S, L = CatalogState, GrantStatus, FollowUpStatus, CaseStage, LicenseStatus
R, D = RatingDispute, DeviceStatus

#: The hand-written tables as they were at 477e80b.
FORMER = {
    "license_catalog": {
        C.DRAFT: {C.REGISTERED, C.ABOLISHED},
        C.REGISTERED: {C.PUBLISHED, C.DRAFT},
        C.PUBLISHED: {C.CHANGED, C.ABOLISHED},
        C.CHANGED: {C.CHANGED, C.ABOLISHED},
        C.ABOLISHED: set(),
    },
    "license_grant": {
        G.REQUESTED: {G.GRANTED, G.REFUSED},
        G.GRANTED: {G.REVOKED},
        G.REFUSED: set(),
        G.REVOKED: set(),
        G.EXPIRED: set(),
    },
    # the follow-up had no table: its steps were one expected status each, plus the
    # reopening by a new bad rating
    "follow_up": {
        F.OPEN: {F.VERIFIED},
        F.VERIFIED: {F.RECTIFIED},
        F.RECTIFIED: {F.CLOSED},
        F.CLOSED: {F.OPEN},
    },
    # CASE-2: resolvers/cases.py TRANSITIONS as written by hand
    "case": {
        S.SUBMITTED: {S.PRE_ACCEPTED, S.ACCEPTED, S.SUPPLEMENT_REQUESTED},
        S.PRE_ACCEPTED: {S.ACCEPTED, S.SUPPLEMENT_REQUESTED},
        S.ACCEPTED: {S.PROCESSING, S.SUPPLEMENT_REQUESTED, S.COMPLETED},
        S.PROCESSING: {S.SUPPLEMENT_REQUESTED, S.SPECIAL_REQUESTED, S.COMPLETED},
        S.SUPPLEMENT_REQUESTED: {S.SUPPLEMENT_ACCEPTED},
        S.SUPPLEMENT_ACCEPTED: {S.ACCEPTED, S.PROCESSING},
        S.SPECIAL_REQUESTED: {S.SPECIAL_CONCLUDED},
        S.SPECIAL_CONCLUDED: {S.PROCESSING, S.COMPLETED},
        S.COMPLETED: {S.COLLECTED},
        S.COLLECTED: set(),
    },
    # LIC-3: revocation was a conditional update from VALID; EXPIRED is derived
    "license": {L.VALID: {L.REVOKED}, L.REVOKED: set(), L.EXPIRED: set()},
    # RATE-2: a dispute was a conditional write while ``disputed_at`` was unset
    "rating_dispute": {R.UNDISPUTED: {R.DISPUTED}, R.DISPUTED: set()},
    # STA-4: a revocation was a conditional write while ``revoked_at`` was unset
    "kiosk_device": {D.ACTIVE: {D.REVOKED}, D.REVOKED: set()},
}
PROCESSES = (
    license_catalog.PROCESS,
    license_grants.PROCESS,
    follow_ups.FOLLOW_UP,
    case_process.PROCESS,
    licenses.PROCESS,
    ratings.DISPUTE,
    kiosks.DEVICE,
)


@pytest.mark.parametrize("process", PROCESSES, ids=lambda p: p.name)
def test_the_derived_table_is_the_former_one(process: Process) -> None:
    assert {k: set(v) for k, v in process.transitions().items()} == FORMER[process.name]


def test_the_modules_tables_are_the_processes() -> None:
    assert license_catalog.PROCESS.transitions() == license_catalog.TRANSITIONS
    assert license_grants.PROCESS.transitions() == license_grants.TRANSITIONS
    assert case_process.PROCESS.transitions() == cases.TRANSITIONS


def test_every_state_of_each_enum_is_declared() -> None:
    for process, enum in zip(PROCESSES, (C, G, F, S, L, R, D), strict=True):
        assert {s.value for s in process.states} == set(enum)
        assert all(s.label for s in process.states)
        assert all(a.label and a.name for a in process.actions)


def test_one_action_leads_to_each_stage_of_a_case() -> None:
    """issue 13, CASE-2: the stage a handler asks for names the action; no two actions
    compete for one target (the migration of ``case_record`` relies on it too)."""
    targets = [a.target for a in case_process.PROCESS.actions]
    assert len(targets) == len(set(targets))
    assert set(targets) == set(CaseStage) - {case_process.PROCESS.initial.value}


async def test_the_demo_follow_ups_have_their_history(demo_db: Settings) -> None:
    """issue 13, RATE-3: the demo's follow-ups were opened and taken through their
    services, so each has its steps in the one history, in order, as of the days they
    happened, and the urging list read from that history agrees with their due dates."""
    today = local_today()
    found = await FollowUp.all().prefetch_related("rating")
    assert {f.status for f in found} >= {F.OPEN, F.VERIFIED, F.CLOSED}
    expected = {
        F.OPEN: ["start"],
        F.VERIFIED: ["start", "verify"],
        F.CLOSED: ["start", "verify", "rectify", "close"],
    }
    for follow_up in found:
        steps = await WorkflowStep.filter(
            process=follow_ups.FOLLOW_UP.name, instance_id=follow_up.id
        ).order_by("id")
        assert [s.action for s in steps] == expected[follow_up.status], follow_up.id
        assert steps[-1].to_state == follow_up.status.value
        assert steps[0].at == follow_up.rating.created_at and steps[0].role == "system"
        assert [s.at for s in steps] == sorted(s.at for s in steps)
        assert all(s.role == StaffRole.CASE_HANDLER.value and s.actor_name for s in steps[1:])
        assert steps[0].department_id == follow_up.department_id  # type: ignore[attr-defined]
        if follow_up.status is F.CLOSED:
            assert follow_up.closed_at == steps[-1].at and follow_up.rater_reply
    # the notices of those steps belong to the past: none was written
    assert not await OutboxMessage.filter(source__startswith="follow-up:").exists()
    late = await overdue(follow_ups.FOLLOW_UP, today=today, calendar=WorkCalendar.bundled())
    assert {o.instance_id for o in late} == {
        f.id for f in found if f.status is not F.CLOSED and f.due_on < today
    }
