"""ENT-2, SEC-2, SEC-3: sign-in answers the same for unknown accounts and wrong passwords,
demands captchas, throttles, locks out, and leaves records and audit events."""

from __future__ import annotations

from servicehall.auth.login import LoginKind, throttle_key
from servicehall.auth.throttle import (
    CAPTCHA_AFTER,
    DELAY_AFTER,
    IP_LIMIT,
    LOCK_AFTER,
    LoginThrottle,
)
from servicehall.cache import MemoryBackend
from servicehall.codes import make_registration_number
from servicehall.db import use_database
from servicehall.models import Account, AuditEvent, Enterprise, LoginRecord
from tests.auth.flows import ENTERPRISE, PERSON, STAFF, login_form, sign_in
from tests.conftest import HallClient


def _error(page: str) -> str:
    return page.split('role="alert" id="login-error">', 1)[1].split("<", 1)[0]


async def test_unknown_account_and_wrong_password_look_the_same(hall: HallClient) -> None:
    unknown = await sign_in(hall, "", kind="person", identifier="13900000000", password="x" * 9)
    wrong = await sign_in(hall, "", kind="person", identifier=PERSON.login, password="x" * 9)
    assert unknown.status_code == wrong.status_code == 400
    assert _error(unknown.text) == _error(wrong.text) == "账号或密码错误"
    unknown_staff = await sign_in(hall, "", kind="staff", identifier="nobody", password="x" * 9)
    assert _error(unknown_staff.text) == "账号或密码错误"


async def test_every_identifier_form_signs_in(hall: HallClient) -> None:
    legacy = make_registration_number("44040300012345")
    with use_database(hall.runtime.db):  # type: ignore[arg-type]
        await Enterprise.filter(credit_code=ENTERPRISE.login).update(registration_number=legacy)
    cases = [
        ("person", PERSON.login, PERSON.password),
        ("person", PERSON.id_number, PERSON.password),
        ("staff", STAFF.login.upper(), STAFF.password),
        ("enterprise", ENTERPRISE.login.lower(), ENTERPRISE.password),
        ("enterprise", legacy, ENTERPRISE.password),  # ENT-2: the legacy number is mapped
    ]
    for kind, identifier, password in cases:
        hall.cookies.clear()
        response = await sign_in(hall, "", kind=kind, identifier=str(identifier), password=password)
        assert response.status_code == 303, (kind, identifier, response.text[:300])


async def test_malformed_identifiers_say_what_is_wrong(hall: HallClient) -> None:
    for kind, identifier, message in (
        ("person", "12345", "手机号码或18位身份证号码"),
        ("person", "440403198805121235", "校验位"),
        ("enterprise", "914403001922038217", "校验码"),
    ):
        response = await sign_in(hall, "", kind=kind, identifier=identifier, password="x" * 9)
        assert response.status_code == 400
        assert message in _error(response.text)


async def test_enterprise_sign_in_needs_a_right_single_use_captcha(hall: HallClient) -> None:
    page = (await hall.get("/oauth/login?kind=enterprise")).text
    browser = await login_form(hall, page)
    answer = browser["captcha"]
    form = browser | {
        "kind": "enterprise",
        "identifier": ENTERPRISE.login,
        "password": ENTERPRISE.password,
        "captcha": "ZZZZ" if answer != "ZZZZ" else "YYYY",
    }
    wrong = await hall.post("/oauth/login", data=form)
    assert _error(wrong.text) == "图形验证码错误或已过期"
    form["captcha"] = answer  # the right answer, but the captcha was burnt by the wrong guess
    assert _error((await hall.post("/oauth/login", data=form)).text) == "图形验证码错误或已过期"
    missing = {k: v for k, v in form.items() if not k.startswith("captcha")}
    assert _error((await hall.post("/oauth/login", data=missing)).text) == "图形验证码错误或已过期"


async def test_person_needs_a_captcha_after_failures(hall: HallClient) -> None:
    for _ in range(CAPTCHA_AFTER):
        response = await sign_in(hall, "", kind="person", identifier=PERSON.login, password="x" * 9)
    assert 'name="captcha_id"' in response.text  # the page after a failure asks for one
    form = {"kind": "person", "identifier": PERSON.login, "password": PERSON.password}
    csrf = (await login_form(hall, response.text))["csrf"]
    without = await hall.post("/oauth/login", data=form | {"csrf": csrf})
    assert _error(without.text) == "图形验证码错误或已过期"
    done = await hall.post("/oauth/login", data=form | await login_form(hall, without.text))
    assert done.status_code == 303


async def _fail(throttle: LoginThrottle, key: str, ip: str) -> bool:
    """One evaluated wrong attempt (the delay between attempts skipped)."""
    await throttle._cache.delete(f"login-next:id:{key}")  # skip the wait
    verdict = await throttle.reserve(key, ip)
    assert verdict.allowed, verdict
    return await throttle.failed(key, ip, verdict)


async def test_throttle_rules() -> None:
    throttle = LoginThrottle(MemoryBackend())
    key, ip = "person:13926901234", "203.0.113.9"
    for n in range(1, DELAY_AFTER + 1):
        verdict = await throttle.reserve(key, ip)
        assert verdict.allowed and verdict.captcha_required == (n > CAPTCHA_AFTER)
        await throttle.failed(key, ip, verdict)
        assert (await throttle.check(key, ip)).captcha_required == (n >= CAPTCHA_AFTER)
    assert not (await throttle.check(key, ip)).allowed  # progressive delay
    delayed = await throttle.reserve(key, ip)
    assert not delayed.allowed and delayed.retry_after >= 1
    await throttle.succeeded(key, ip)
    assert (await throttle.check(key, ip)).allowed
    for _ in range(LOCK_AFTER - 1):
        assert await _fail(throttle, key, ip) is False
    assert await _fail(throttle, key, ip) is True
    locked = await throttle.check(key, ip)
    assert locked.locked and not locked.allowed and locked.retry_after > 3000
    assert (await throttle.reserve(key, ip)).locked
    sprayer = "198.51.100.7"
    for n in range(IP_LIMIT):
        await _fail(throttle, f"person:1390000{n:04d}", sprayer)
    assert not (await throttle.check("person:13911112222", sprayer)).allowed
    assert not (await throttle.reserve("person:13911112222", sprayer)).allowed


async def test_lockout_is_announced_recorded_and_audited(hall: HallClient) -> None:
    with use_database(hall.runtime.db):  # type: ignore[arg-type]
        account = await Account.get(username=STAFF.login)
    key = throttle_key(LoginKind.STAFF, STAFF.login, account)
    for _ in range(LOCK_AFTER - 1):
        await _fail(hall.runtime.auth.throttle, key, "10.0.0.1")
    await hall.runtime.cache.delete(f"login-next:id:{key}")
    form = {"kind": "staff", "identifier": STAFF.login, "password": "wrong-password"}
    page = (await hall.get("/oauth/login?kind=staff")).text
    form |= {"csrf": (await login_form(hall, page))["csrf"]}
    asked = await hall.post("/oauth/login", data=form)  # captcha required by now
    failed = await hall.post("/oauth/login", data=form | await login_form(hall, asked.text))
    assert "已临时锁定" in _error(failed.text)
    right = await hall.post("/oauth/login", data=form | {"password": STAFF.password})
    assert "已临时锁定" in _error(right.text)  # checked before the captcha and the password
    with use_database(hall.runtime.db):  # type: ignore[arg-type]
        actions = set(await AuditEvent.all().values_list("action", flat=True))
        results = set(await LoginRecord.all().values_list("result", flat=True))
        details = await AuditEvent.all().values_list("details", flat=True)
    assert {"login.failure", "account.locked"} <= actions
    assert {"failure", "locked"} <= results
    assert STAFF.password not in str(details) and "wrong-password" not in str(details)
