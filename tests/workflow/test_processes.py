"""The machines moved onto the engine (issue 13; CASE-2, LIC-1, LIC-2, RATE-3): their
derived tables are the tables they had by hand, and each is declared in the one format."""

from __future__ import annotations

import pytest

from servicehall.models import CatalogState, FollowUpStatus, GrantStatus
from servicehall.resolvers import license_catalog, license_grants, ratings
from servicehall.workflow import Process

C, G, F = CatalogState, GrantStatus, FollowUpStatus

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
}
PROCESSES = (license_catalog.PROCESS, license_grants.PROCESS, ratings.FOLLOW_UP)


@pytest.mark.parametrize("process", PROCESSES, ids=lambda p: p.name)
def test_the_derived_table_is_the_former_one(process: Process) -> None:
    assert {k: set(v) for k, v in process.transitions().items()} == FORMER[process.name]


def test_the_modules_tables_are_the_processes() -> None:
    assert license_catalog.PROCESS.transitions() == license_catalog.TRANSITIONS
    assert license_grants.PROCESS.transitions() == license_grants.TRANSITIONS


def test_every_state_of_each_enum_is_declared() -> None:
    for process, enum in zip(PROCESSES, (C, G, F), strict=True):
        assert {s.value for s in process.states} == set(enum)
        assert all(s.label for s in process.states)
        assert all(a.label and a.name for a in process.actions)
