"""Signing in with a password (ENT-2, SSO-1, SEC-1, SEC-3).

- Persons sign in with their mobile number or resident ID number, enterprises with their
  unified social credit code or legacy registration number (mapped through the registry)
  and always an image captcha, staff and administrators with their work number.
- An unknown account and a wrong password get the same answer and take the same time.
- Throttling (``throttle.py``) reserves the attempt before the password is verified,
  counted per account whichever identifier names it (F3, F12); a captcha becomes
  required for persons and staff after a few failures.
- Every attempt leaves a login record (SSO-3) and an audit event (SEC-2); a success
  rehashes a password whose hashing parameters are out of date.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from typing import Any

from servicehall import clock
from servicehall.auth.services import AuthServices
from servicehall.auth.throttle import Verdict, account_key
from servicehall.codes import normalize_code, parse_enterprise_code, parse_id_number
from servicehall.errors import (
    CaptchaInvalid,
    InvalidCredentials,
    InvalidInput,
    RateLimited,
    ServiceHallError,
)
from servicehall.models import (
    Account,
    AccountKind,
    AccountStatus,
    AuditEvent,
    Enterprise,
    LoginRecord,
    LoginResult,
)

PHONE = re.compile(r"1[3-9]\d{9}")
USERNAME = re.compile(r"[A-Za-z0-9_.-]{3,32}")


class LoginKind(enum.StrEnum):
    PERSON = "person"
    ENTERPRISE = "enterprise"
    STAFF = "staff"


@dataclass(frozen=True, slots=True)
class LoginAttempt:
    kind: LoginKind
    identifier: str
    password: str
    ip: str
    user_agent: str
    client_id: str = ""
    captcha_id: str = ""
    captcha_answer: str = ""


@dataclass(frozen=True, slots=True)
class LoginFailure:
    """Why a sign-in failed, and whether the next attempt needs a captcha."""

    error: ServiceHallError
    captcha_required: bool


class LoginFailed(ServiceHallError):
    """A refused sign-in: ``failure`` holds the error to show and whether a captcha is due.
    Surfaced anywhere, it reports the wrapped error's code and label."""

    def __init__(self, failure: LoginFailure) -> None:
        super().__init__(failure.error.message, field=failure.error.field)
        self.failure = failure

    @property
    def extensions(self) -> dict[str, Any]:
        return self.failure.error.extensions


def normalize_identifier(kind: LoginKind, raw: str) -> str:
    """The identifier as stored, or a typed error naming what is malformed."""
    value = normalize_code(raw)
    if kind is LoginKind.PERSON:
        if PHONE.fullmatch(value):
            return value
        if len(value) == 18:
            return parse_id_number(value, field="identifier")
        raise InvalidInput("请输入11位手机号码或18位身份证号码", field="identifier")
    if kind is LoginKind.ENTERPRISE:
        column, code = parse_enterprise_code(value, field="identifier")
        return code if column == "credit_code" else f"reg:{code}"
    if not USERNAME.fullmatch(raw.strip()):
        raise InvalidInput("工号应为3到32位字母、数字或 . _ -", field="identifier")
    return raw.strip().lower()


async def _account(kind: LoginKind, identifier: str) -> Account | None:
    if kind is LoginKind.PERSON:
        if PHONE.fullmatch(identifier):
            return await Account.get_or_none(kind=AccountKind.PERSON, phone=identifier)
        return await Account.get_or_none(kind=AccountKind.PERSON, id_number=identifier)
    if kind is LoginKind.ENTERPRISE:
        if identifier.startswith("reg:"):
            enterprise = await Enterprise.get_or_none(registration_number=identifier[4:])
        else:
            enterprise = await Enterprise.get_or_none(credit_code=identifier)
        if enterprise is None:
            return None
        return await Account.get_or_none(kind=AccountKind.ENTERPRISE, enterprise_id=enterprise.id)
    return await Account.get_or_none(
        username=identifier, kind__in=[AccountKind.STAFF, AccountKind.ADMIN]
    )


def captcha_needed(kind: LoginKind, verdict: Verdict) -> bool:
    return kind is LoginKind.ENTERPRISE or verdict.captcha_required


def throttle_key(kind: LoginKind, identifier: str, account: Account | None) -> str:
    """What failures count against (F12): the account whichever identifier names it, or
    the identifier itself when no account has it (so a lockout tells nothing)."""
    return account_key(account.id) if account is not None else f"{kind.value}:{identifier}"


def _refused(verdict: Verdict, kind: LoginKind) -> LoginFailed:
    minutes = max(1, verdict.retry_after // 60)
    message = (
        f"登录失败次数过多，账号已临时锁定，请{minutes}分钟后再试"
        if verdict.locked
        else f"尝试过于频繁，请{verdict.retry_after}秒后再试"
    )
    return LoginFailed(
        LoginFailure(
            RateLimited(message, details={"retryAfter": verdict.retry_after}),
            captcha_needed(kind, verdict),
        )
    )


async def sign_in(services: AuthServices, attempt: LoginAttempt) -> Account:
    """The account the attempt proves, or :class:`LoginFailed` with a typed error."""
    identifier = normalize_identifier(attempt.kind, attempt.identifier)
    account = await _account(attempt.kind, identifier)
    key = throttle_key(attempt.kind, identifier, account)
    throttle = services.throttle
    verdict = await throttle.reserve(key, attempt.ip)
    if not verdict.allowed:
        result = LoginResult.LOCKED if verdict.locked else LoginResult.THROTTLED
        await _record(attempt, account, result)
        raise _refused(verdict, attempt.kind)
    if captcha_needed(attempt.kind, verdict) and not await services.captcha.verify(
        attempt.captcha_id, attempt.captcha_answer
    ):
        await throttle.release(key, attempt.ip, verdict)
        raise LoginFailed(
            LoginFailure(CaptchaInvalid("图形验证码错误或已过期", field="captcha"), True)
        )
    if account is None:
        await services.passwords.verify_dummy(attempt.password)
        valid = False
    else:
        valid = await services.passwords.verify(account.password_hash, attempt.password)
    if not valid or account is None or account.status != AccountStatus.ACTIVE:
        locked = await throttle.failed(key, attempt.ip, verdict)
        await _record(attempt, account, LoginResult.FAILURE)
        target = f"account:{account.subject}" if account else f"identifier:{attempt.kind.value}"
        await AuditEvent.record(
            "login.failure", actor="anonymous", target=target, ip=attempt.ip, outcome="failure"
        )
        after = await throttle.check(key, attempt.ip)
        if locked:
            await AuditEvent.record("account.locked", actor="system", target=target, ip=attempt.ip)
            raise _refused(after, attempt.kind)
        message = "账号或密码错误"
        if valid and account is not None:
            message = "账号已停用，请联系区政务服务数据管理局"
        raise LoginFailed(
            LoginFailure(InvalidCredentials(message), captcha_needed(attempt.kind, after))
        )
    await throttle.succeeded(key, attempt.ip)
    if services.passwords.needs_rehash(account.password_hash):
        account.password_hash = await services.passwords.hash(attempt.password)
        await account.save(update_fields=["password_hash"])
    await _record(attempt, account, LoginResult.SUCCESS)
    await AuditEvent.record(
        "login.success",
        actor=f"account:{account.subject}",
        target=f"account:{account.subject}",
        ip=attempt.ip,
        method=attempt.kind.value,
        client=attempt.client_id,
    )
    return account


async def _record(attempt: LoginAttempt, account: Account | None, result: LoginResult) -> None:
    await record_login(
        account,
        ip=attempt.ip,
        user_agent=attempt.user_agent,
        client_id=attempt.client_id,
        method=f"password:{attempt.kind.value}",
        result=result,
    )


async def record_login(
    account: Account | None,
    *,
    ip: str,
    user_agent: str,
    client_id: str,
    method: str,
    result: LoginResult,
) -> None:
    """The login record an account sees (SSO-3); every way of signing in writes one."""
    await LoginRecord.create(
        account=account,
        at=clock.now(),
        ip=ip,
        user_agent=user_agent[:256],
        client_id=client_id,
        method=method,
        result=result,
    )
