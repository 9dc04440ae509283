"""F11, F16 (SEC-2, SEC-3): looking records up by number tells nobody unentitled whether
they exist, goes no faster than the lookup limit, and refusals leave audit events."""

from __future__ import annotations

from datetime import date

from servicehall.cache import create_backend
from servicehall.db import use_database
from servicehall.demo.enterprises import DEMO_CREDIT_CODE
from servicehall.models import AuditEvent
from servicehall.numbering import make_case_number, make_license_number
from servicehall.resolvers import refusals
from servicehall.settings import Settings
from tests.auth.flows import PERSON
from tests.conftest import HallClient, gql, opened
from tests.schema.test_cases import CASE, ENTITIES, _case, _token
from tests.schema.test_licenses import _numbers

LICENSE = "query($n: String!) { license(licenseNumber: $n) { licenseNumber } }"
LICENSE_ENTITIES = """query($reps: [_Any!]!) { _entities(representations: $reps) {
    ... on License { licenseNumber } } }"""


async def test_an_unentitled_caller_cannot_tell_existing_cases_from_missing(
    hall: HallClient,
) -> None:
    """F11, SEC-3: someone else's case and a well-formed number no case has answer alike
    (root field and _entities); the guesses count against the lookup limit, RATE_LIMITED
    past it; each refused read of a real case is audited (F16, SEC-2)."""
    existing = (await _case(hall, applicant_code=DEMO_CREDIT_CODE)).case_number
    missing = make_case_number(date(2020, 1, 2), 99_999)
    person = await _token(hall, "person", PERSON)
    answers = [
        await gql(hall, CASE, {"n": number}, headers=person) for number in (existing, missing)
    ]
    assert answers[0] == answers[1] == {"data": {"case": None}}
    entities = [
        await gql(
            hall, ENTITIES, {"reps": [{"__typename": "Case", "caseNumber": n}]}, headers=person
        )
        for n in (existing, missing)
    ]
    assert entities[0] == entities[1] == {"data": {"_entities": [None]}}
    limit = hall.runtime.settings.case_lookups_per_ip
    last = {}
    for _ in range(limit - 4 + 1):  # four lookups above already counted
        last = await gql(hall, CASE, {"n": missing}, headers=person)
    assert last["errors"][0]["extensions"]["code"] == "RATE_LIMITED"
    limited = await gql(hall, CASE, {"n": existing}, headers=person)
    assert limited["errors"][0]["extensions"]["code"] == "RATE_LIMITED"
    with use_database(hall.runtime.db):  # type: ignore[arg-type]
        events = await AuditEvent.filter(action="case.read_refused")
    assert [e.target for e in events] == [f"case:{existing}"] * 2  # not the missing one
    assert all(e.actor.startswith("person:") and e.outcome == "failure" for e in events)


async def test_an_unentitled_caller_cannot_tell_existing_licences_from_missing(
    hall: HallClient,
) -> None:
    """F11, SEC-3: a person asking for an enterprise's licence and for a well-formed
    number nobody holds gets null both times, by root field and by _entities; a refusal
    is audited (F16); anonymous callers are asked to sign in either way."""
    existing = (await _numbers(hall, holder_code=DEMO_CREDIT_CODE, status="valid"))[0]
    missing = make_license_number("SPJY", 2020, 999_999)
    person = await _token(hall, "person", PERSON)
    answers = [await gql(hall, LICENSE, {"n": n}, headers=person) for n in (existing, missing)]
    assert answers[0] == answers[1] == {"data": {"license": None}}
    entities = [
        await gql(
            hall,
            LICENSE_ENTITIES,
            {"reps": [{"__typename": "License", "licenseNumber": n}]},
            headers=person,
        )
        for n in (existing, missing)
    ]
    assert entities[0] == entities[1] == {"data": {"_entities": [None]}}
    anonymous = [await gql(hall, LICENSE, {"n": n}) for n in (existing, missing)]
    assert anonymous[0] == anonymous[1]
    assert anonymous[0]["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    with use_database(hall.runtime.db):  # type: ignore[arg-type]
        events = await AuditEvent.filter(action="license.read_refused")
    assert [e.target for e in events] == [f"license:{existing}"] * 2


async def test_permission_refusals_are_audited(hall: HallClient) -> None:
    """F16, SEC-2: a FORBIDDEN from a permission class leaves an event naming the field
    and whose data it was."""
    person = await _token(hall, "person", PERSON)
    body = await gql(
        hall,
        "query($c: String!) { enterprise(creditCode: $c) { name licenses { licenseNumber } } }",
        {"c": DEMO_CREDIT_CODE},
        headers=person,
    )
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    stats = await gql(hall, "{ loginStatistics(days: 7) { day } }", headers=person)
    assert stats["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    with use_database(hall.runtime.db):  # type: ignore[arg-type]
        events = await AuditEvent.filter(action="read.refused").order_by("id")
    assert [(e.target, e.details["field"]) for e in events] == [
        (f"enterprise:{DEMO_CREDIT_CODE}", "Enterprise.licenses"),
        ("", "Query.loginStatistics"),
    ]
    assert {e.actor for e in events} == {events[0].actor} and events[0].actor.startswith("person:")


async def test_refusal_events_are_rate_limited_per_source(fresh_settings: Settings) -> None:
    """F16, SEC-3: a source gets ``limit`` refusal events a minute, then one
    ``audit.suppressed`` event, then nothing; another source is not affected."""
    cache = create_backend(fresh_settings)
    try:
        async with opened(fresh_settings):
            for _ in range(8):
                await refusals.record(
                    cache, 3, "case.read_refused", actor="anonymous", target="case:x", ip="10.0.0.9"
                )
            await refusals.record(
                cache, 3, "case.read_refused", actor="anonymous", target="case:y", ip="10.0.0.8"
            )
            rows = await AuditEvent.all().order_by("id").values_list("action", "ip", "details")
    finally:
        await cache.close()
    assert rows == [
        ("case.read_refused", "10.0.0.9", {}),
        ("case.read_refused", "10.0.0.9", {}),
        ("case.read_refused", "10.0.0.9", {}),
        (
            "audit.suppressed",
            "10.0.0.9",
            {"refused": "case.read_refused", "limit": 3, "window": refusals.WINDOW},
        ),
        ("case.read_refused", "10.0.0.8", {}),
    ]
