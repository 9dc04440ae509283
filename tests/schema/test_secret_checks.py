"""F3, F16 (SEC-2, SEC-3): one-time activation codes are checked against an atomically
reserved attempt, and wrong codes and proofs leave audit events."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from servicehall.db import use_database
from servicehall.demo.enterprises import generate_enterprises
from servicehall.models import AuditEvent, OutboxMessage
from servicehall.resolvers import identity
from servicehall.settings import Settings
from tests.conftest import HallClient, gql, running
from tests.schema.test_identity import FINISH, RecordingSms, _start

GUESSES = 120


async def _started(hall: HallClient) -> tuple[str, str]:
    """An activation under way and the code texted for it."""
    sms = RecordingSms()
    hall.runtime.notifier.outbox.sms = sms
    target = next(
        e
        for e in generate_enterprises(6)[1:]
        if e.status == "operating" and e.licence_valid_to is None
    )
    started = await _start(hall, target.credit_code, target.legal_representative_id)
    assert started["errors"] == [], started
    with use_database(hall.runtime.db):  # type: ignore[arg-type]
        assert await OutboxMessage.exists(source__startswith="activation:")
        await hall.runtime.notifier.outbox.deliver_due()
    ((_, text),) = sms.sent
    return started["activationId"], text.split("验证码", 1)[1][:6]


async def _finish(hall: HallClient, activation: str, code: str) -> dict[str, object]:
    variables = {"input": {"activationId": activation, "code": code, "password": "Strong#Pass2026"}}
    body = await gql(hall, FINISH, variables)
    payload: dict[str, object] = body["data"]["activateEnterpriseAccount"]
    return payload


@pytest.fixture
async def patient_hall(hall_settings: Settings) -> AsyncIterator[HallClient]:
    """A hall whose Redis calls wait long: 120 requests at once in the test's one event
    loop delay Redis answers past the default timeout, and the circuit breaker (F5) would
    then refuse guesses as SERVICE_UNAVAILABLE. The counting, not the breaker, is tested."""
    async with running(hall_settings.replace(redis_timeout_ms=10_000)) as client:
        yield client


async def test_parallel_guesses_evaluate_at_most_the_limit(
    patient_hall: HallClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """F3, SEC-3: 120 parallel guesses of the texted code compare at most 5 times; the
    rest are refused unevaluated, and the activation is spent (even the right code fails)."""
    hall = patient_hall
    activation, one_time = await _started(hall)
    compared: list[str] = []
    real = identity.code_matches

    def counting(given: str, stored: str) -> bool:
        compared.append(given)
        return real(given, stored)

    monkeypatch.setattr(identity, "code_matches", counting)
    wrong = [f"{n:06d}" for n in range(GUESSES + 1) if f"{n:06d}" != one_time][:GUESSES]
    answers = await asyncio.gather(*(_finish(hall, activation, code) for code in wrong))
    codes = [a["errors"][0]["code"] for a in answers]  # type: ignore[index]
    assert len(compared) <= identity.ACTIVATION_ATTEMPTS
    assert codes.count("CODE_INVALID") == len(compared)
    assert codes.count("RATE_LIMITED") == GUESSES - len(compared)
    late = await _finish(hall, activation, one_time)
    assert late["errors"][0]["code"] == "RATE_LIMITED"  # type: ignore[index]
    assert len(compared) <= identity.ACTIVATION_ATTEMPTS


async def test_the_right_code_activates_once_and_a_weak_password_costs_no_guess(
    hall: HallClient,
) -> None:
    """F3: a right code with a weak password keeps the guesses; parallel right codes
    create one account."""
    activation, one_time = await _started(hall)
    for _ in range(identity.ACTIVATION_ATTEMPTS + 1):
        weak = await gql(
            hall,
            FINISH,
            {"input": {"activationId": activation, "code": one_time, "password": "12345678"}},
        )
        assert weak["data"]["activateEnterpriseAccount"]["errors"][0]["code"] == "INVALID_INPUT"
    answers = await asyncio.gather(*(_finish(hall, activation, one_time) for _ in range(8)))
    assert sum(1 for a in answers if a["account"] is not None) == 1


async def test_wrong_codes_and_proofs_are_audited(hall: HallClient) -> None:
    """F16, SEC-2: a wrong activation code and a wrong legal-representative ID number
    leave failure events naming the enterprise, with no secret in them."""
    activation, one_time = await _started(hall)
    wrong = "000000" if one_time != "000000" else "111111"
    assert (await _finish(hall, activation, wrong))["errors"][0]["code"] == "CODE_INVALID"  # type: ignore[index]
    first, second = generate_enterprises(6)[2:4]
    mismatch = await _start(hall, first.credit_code, second.legal_representative_id)
    assert mismatch["errors"][0]["code"] == "PROOF_MISMATCH"
    with use_database(hall.runtime.db):  # type: ignore[arg-type]
        events = await AuditEvent.filter(
            action__in=["activation.code_invalid", "activation.proof_mismatch"]
        ).order_by("id")
    assert [(e.action, e.outcome) for e in events] == [
        ("activation.code_invalid", "failure"),
        ("activation.proof_mismatch", "failure"),
    ]
    assert events[0].target.startswith("enterprise:") and events[0].ip
    assert wrong not in str([e.details for e in events])
    assert second.legal_representative_id not in str([(e.target, e.details) for e in events])
