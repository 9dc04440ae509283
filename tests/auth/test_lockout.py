"""F3, F12 (SEC-3): sign-in attempts are reserved before the password is verified, and
failures count against the account whichever identifier names it."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from servicehall.auth import throttle
from servicehall.auth.login import LoginAttempt, LoginFailed, LoginKind, sign_in, throttle_key
from servicehall.db import use_database
from servicehall.models import Account
from tests.auth.flows import PERSON, STAFF, login_form
from tests.auth.test_login import _error, _fail
from tests.conftest import HallClient

PARALLEL = 30


async def test_parallel_wrong_passwords_past_the_lock_are_not_evaluated(
    hall: HallClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """F3, SEC-3: one failure short of the lock, 30 parallel wrong passwords (each with
    a right captcha) verify at most one password; the account is locked after."""
    services = hall.runtime.auth
    with use_database(hall.runtime.db):  # type: ignore[arg-type]
        account = await Account.get(username=STAFF.login)
    key = throttle_key(LoginKind.STAFF, STAFF.login, account)
    ip = "192.0.2.10"
    for _ in range(throttle.LOCK_AFTER - 1):
        await _fail(services.throttle, key, ip)
    await hall.runtime.cache.delete(f"login-next:id:{key}")  # the last delay has passed
    verified: list[str] = []
    real = services.passwords.verify

    async def counting(stored: str, password: str) -> bool:
        verified.append(password)
        return await real(stored, password)

    monkeypatch.setattr(services.passwords, "verify", counting)
    attempts = []
    for _ in range(PARALLEL):
        challenge = await services.captcha.create()
        answer = await hall.runtime.cache.get(f"captcha:{challenge.id}")
        assert answer is not None
        attempts.append(
            LoginAttempt(
                kind=LoginKind.STAFF,
                identifier=STAFF.login,
                password="wrong-password",
                ip=ip,
                user_agent="test",
                captcha_id=challenge.id,
                captcha_answer=answer.decode(),
            )
        )

    async def attempt(one: LoginAttempt) -> str:
        try:
            await sign_in(services, one)
        except LoginFailed as failed:
            return failed.failure.error.code.value
        return "SIGNED_IN"

    with use_database(hall.runtime.db):  # type: ignore[arg-type]
        codes = await asyncio.gather(*(attempt(a) for a in attempts))
        assert len(verified) <= 1
        assert codes.count("INVALID_CREDENTIALS") == 0  # the one evaluated locked it
        assert set(codes) == {"RATE_LIMITED"}
        after = await services.throttle.check(key, ip)
    assert after.locked


async def _post_login(hall: HallClient, form: dict[str, str]) -> httpx.Response:
    """POST the login form as a browser does (the page's token, F7), answering the captcha
    the hall asks for along the way."""
    page = (await hall.get(f"/oauth/login?kind={form['kind']}")).text
    response = await hall.post("/oauth/login", data=form | await login_form(hall, page))
    if 'name="captcha_id"' in response.text and "验证码" in _error(response.text):
        response = await hall.post(
            "/oauth/login", data=form | await login_form(hall, response.text)
        )
    return response


async def _locked(hall: HallClient, identifier: str, password: str) -> bool:
    form = {"kind": "person", "identifier": identifier, "password": password}
    page = await _post_login(hall, form)
    if page.status_code == 303:
        hall.cookies.clear()
        return False
    return "已临时锁定" in _error(page.text)


@pytest.mark.parametrize("locked_by", ["phone", "id_number"])
async def test_a_lock_by_one_identifier_locks_the_account(
    hall: HallClient, monkeypatch: pytest.MonkeyPatch, locked_by: str
) -> None:
    """F12, SEC-3: failures with the phone number lock the ID-number sign-in of the same
    person too (and the other way round); an unknown identifier locks only itself."""
    monkeypatch.setattr(throttle, "LOCK_AFTER", 4)
    monkeypatch.setattr(throttle, "DELAY_AFTER", 10)  # no waiting between the attempts
    one, other = (
        (PERSON.login, PERSON.id_number)
        if locked_by == "phone"
        else (PERSON.id_number, PERSON.login)
    )
    stranger = "13900000001"
    responses: list[Any] = []
    for _ in range(4):
        responses.append(await _locked(hall, str(one), "wrong-password"))
        await _locked(hall, stranger, "wrong-password")
    assert responses == [False, False, False, True]
    assert await _locked(hall, str(other), PERSON.password)  # the right password, refused
    assert await _locked(hall, stranger, "wrong-password")  # counted on its own
    assert not await _locked(hall, "13900000002", "wrong-password")
