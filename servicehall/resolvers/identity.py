"""Account self-service (SSO-3), enterprise activation (ENT-1), portal notices and
statistics (SSO-4): the domain side of unified authentication.

Writes that touch several rows run in one transaction; each refusal is a typed error and
changes nothing; every security-relevant change lands in the audit log.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import orjson
from tortoise.transactions import in_transaction

from servicehall import clock, db
from servicehall.auth.crypto import digest, new_token
from servicehall.auth.passwords import check_policy
from servicehall.auth.principal import Principal
from servicehall.auth.services import AuthServices
from servicehall.codes import parse_enterprise_code, parse_id_number
from servicehall.errors import (
    AlreadyActive,
    CaptchaInvalid,
    CodeInvalid,
    Forbidden,
    InvalidInput,
    LicenceInvalid,
    NotFound,
    PasswordIncorrect,
    ProofMismatch,
    RateLimited,
)
from servicehall.models import (
    Account,
    AccountBinding,
    AccountKind,
    Announcement,
    AuditEvent,
    Enterprise,
    EnterpriseStatus,
    LoginRecord,
    OAuthClient,
    StaffRole,
)
from servicehall.notify.outbox import enqueue
from servicehall.notify.sms import mask_phone
from servicehall.resolvers import notifications, refusals
from servicehall.resolvers.paging import (
    Page,
    check_first,
    decode_cursor,
    encode_cursor,
    invalid_cursor,
)

ACTIVATION_TTL = 600
ACTIVATION_ATTEMPTS = 5
SMS_INTERVAL = 60
PROOF_ATTEMPTS_PER_HOUR = 5


# -- pages ------------------------------------------------------------------------------


def _after(cursor: str) -> int:
    (text,) = decode_cursor(cursor, 1)
    try:
        return int(text)
    except ValueError:
        raise invalid_cursor(cursor) from None


async def _newest_first(queryset: Any, first: int, after: str | None) -> Page:
    check_first(first)
    total = await queryset.count()
    if after is not None:
        queryset = queryset.filter(id__lt=_after(after))
    rows = (await queryset.order_by("-id").limit(first + 1))[: first + 1]
    shown = rows[:first]
    return Page(shown, [encode_cursor(r.id) for r in shown], len(rows) > first, total)


async def login_records(account_id: int, first: int, after: str | None) -> Page:
    return await _newest_first(LoginRecord.filter(account_id=account_id), first, after)


async def announcements(first: int, after: str | None) -> Page:
    return await _newest_first(Announcement.filter(published_at__not_isnull=True), first, after)


# -- sessions and bindings --------------------------------------------------------------


async def end_other_sessions(
    auth: AuthServices, account: Account, current_session: str | None, ip: str
) -> int:
    """End every session of the account but the caller's, and what they issued."""
    ended = 0
    for session in await auth.sessions.list_for(account.id):
        if session.id == current_session:
            continue
        await auth.store.revoke_session(session.id)
        await auth.sessions.end(session)
        ended += 1
    await AuditEvent.record(
        "session.ended_others",
        actor=f"account:{account.subject}",
        target=f"account:{account.subject}",
        ip=ip,
        count=ended,
    )
    return ended


async def remove_binding(account: Account, provider: str, ip: str) -> None:
    binding = await AccountBinding.filter(account=account, provider__slug=provider).first()
    if binding is None:
        raise NotFound(f"未绑定“{provider[:32]}”的账号", field="provider")
    await binding.delete()
    await AuditEvent.record(
        "binding.removed",
        actor=f"account:{account.subject}",
        target=f"provider:{provider}",
        ip=ip,
    )


# -- passwords --------------------------------------------------------------------------


def identifiers(account: Account) -> list[str]:
    """What a password must not contain (ASVS 2.1.7's spirit: no guessable identifiers)."""
    values = [account.phone, account.id_number, account.username]
    enterprise = getattr(account, "enterprise", None)
    if isinstance(enterprise, Enterprise):
        values.append(enterprise.credit_code)
    return [v for v in values if v]


async def change_password(
    auth: AuthServices, account: Account, current: str, new: str, ip: str
) -> None:
    """ASVS 2.1.5/2.1.6: the current password is required; the new one meets the policy."""
    if len(current) > 512 or not await auth.passwords.verify(account.password_hash, current):
        await AuditEvent.record(
            "password.change_failed",
            actor=f"account:{account.subject}",
            target=f"account:{account.subject}",
            ip=ip,
            outcome="failure",
        )
        raise PasswordIncorrect("当前密码不正确", field="currentPassword")
    await account.fetch_related("enterprise")
    normalized = check_policy(new, identifiers=identifiers(account), field="newPassword")
    if await auth.passwords.verify(account.password_hash, normalized):
        raise InvalidInput("新密码不能与当前密码相同", field="newPassword")
    account.password_hash = await auth.passwords.hash(normalized)
    account.password_changed_at = clock.now()
    notices = await notifications.password_changed(account, ip=ip, at=account.password_changed_at)
    async with in_transaction(db.connection().connection_name):
        await account.save(update_fields=["password_hash", "password_changed_at"])
        await AuditEvent.record(
            "password.changed",
            actor=f"account:{account.subject}",
            target=f"account:{account.subject}",
            ip=ip,
        )
        await enqueue(notices)


# -- enterprise activation (ENT-1) ------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ActivationStarted:
    activation_id: str
    phone: str
    expires_in: int


def licence_valid(enterprise: Enterprise, today: datetime) -> bool:
    day = today.date()
    in_term = enterprise.licence_valid_from <= day and (
        enterprise.licence_valid_to is None or day <= enterprise.licence_valid_to
    )
    return in_term and enterprise.status == EnterpriseStatus.OPERATING


async def start_activation(
    auth: AuthServices,
    *,
    credit_code: str,
    id_number: str,
    captcha_id: str,
    captcha_answer: str,
    ip: str,
) -> ActivationStarted:
    """Check the enterprise may activate and that the caller knows the legal
    representative's ID number, then text a one-time code to the registered phone."""
    column, code = parse_enterprise_code(credit_code)
    number = parse_id_number(id_number, field="legalRepresentativeIdNumber")
    if not await auth.captcha.verify(captcha_id, captcha_answer):
        raise CaptchaInvalid("图形验证码错误或已过期", field="captchaAnswer")
    enterprise = await (
        Enterprise.get_or_none(credit_code=code)
        if column == "credit_code"
        else Enterprise.get_or_none(registration_number=code)
    )
    if enterprise is None:
        raise NotFound("未找到该企业的市场主体登记信息", field="creditCode")
    if not licence_valid(enterprise, clock.now() + timedelta(hours=8)):
        raise LicenceInvalid(
            "该企业营业执照已过期或登记状态不是存续，暂不能激活", field="creditCode"
        )
    if await Account.exists(enterprise_id=enterprise.id):
        raise AlreadyActive("该企业的专属网页账号已激活，请直接登录", field="creditCode")
    proofs = await auth.cache.incr(f"activation-proof:{enterprise.id}", ttl=3600)
    if proofs > PROOF_ATTEMPTS_PER_HOUR:
        raise RateLimited("核验次数过多，请一小时后再试")
    target = f"enterprise:{enterprise.credit_code}"
    if not secrets.compare_digest(
        auth.box.fingerprint(number), enterprise.legal_representative_id_hmac
    ):
        await refusals.record(
            auth.cache,
            auth.settings.audit_refusals_per_minute,
            "activation.proof_mismatch",
            actor="anonymous",
            target=target,
            ip=ip,
        )
        raise ProofMismatch(
            "法定代表人身份证号码与登记信息不符", field="legalRepresentativeIdNumber"
        )
    if not enterprise.contact_phone:
        raise NotFound("该企业未登记联系手机，请到区政务服务中心窗口办理激活")
    if not await auth.cache.add(f"activation-sms:{enterprise.id}", b"1", SMS_INTERVAL):
        raise RateLimited(f"验证码已发送，请{SMS_INTERVAL}秒后再试")
    one_time = f"{secrets.randbelow(10**6):06d}"
    activation_id = new_token(18)
    record = {"enterprise_id": enterprise.id, "code": digest(one_time)}
    await auth.cache.set(f"activation:{activation_id}", orjson.dumps(record), ACTIVATION_TTL)
    text = await notifications.sms(
        "enterprise_activation",
        enterprise.contact_phone,
        {"code": one_time, "minutes": ACTIVATION_TTL // 60},
        source=f"activation:{activation_id}",
        # a code is worth nothing once it has expired, and is blanked once sent
        expires_at=clock.now() + timedelta(seconds=ACTIVATION_TTL),
        sensitive=True,
    )
    async with in_transaction(db.connection().connection_name):
        await enqueue([text])
        await AuditEvent.record("activation.started", actor="anonymous", target=target, ip=ip)
    return ActivationStarted(activation_id, mask_phone(enterprise.contact_phone), ACTIVATION_TTL)


def code_matches(given: str, stored_digest: str) -> bool:
    """Whether ``given`` is the one-time code whose digest is stored (constant time)."""
    return secrets.compare_digest(digest(given.strip()), stored_digest)


async def finish_activation(
    auth: AuthServices, *, activation_id: str, code: str, password: str, ip: str
) -> Account:
    """Check the texted code and create the enterprise's account (ENT-1).

    F3, SEC-3: an attempt is reserved with an atomic increment *before* the code is
    compared, so however many guesses arrive at once, only ``ACTIVATION_ATTEMPTS`` of
    them are ever evaluated; the record is then taken with an atomic ``pop`` so a right
    code activates once.
    """
    activation_id = activation_id[:64]
    key = f"activation:{activation_id}"
    raw = await auth.cache.get(key)
    if raw is None:
        raise NotFound("激活请求不存在或已过期，请重新获取验证码", field="activationId")
    record = orjson.loads(raw)
    tries = f"activation-tries:{activation_id}"
    # Not deleting the record here: an attempt still being evaluated may hold the right
    # code. The counter outlives the record, so every later attempt is over the limit too.
    if await auth.cache.incr(tries, ttl=ACTIVATION_TTL) > ACTIVATION_ATTEMPTS:
        raise RateLimited("验证码错误次数过多，请重新获取验证码")
    enterprise = await Enterprise.get(id=record["enterprise_id"])
    target = f"enterprise:{enterprise.credit_code}"
    if not code_matches(code, record["code"]):
        await refusals.record(
            auth.cache,
            auth.settings.audit_refusals_per_minute,
            "activation.code_invalid",
            actor="anonymous",
            target=target,
            ip=ip,
        )
        raise CodeInvalid("短信验证码不正确", field="code")
    try:
        normalized = check_policy(
            password,
            identifiers=[enterprise.credit_code, enterprise.contact_phone],
            field="password",
        )
    except InvalidInput:
        # the code was right: a weak password does not use up one of the guesses
        await auth.cache.incr(tries, -1)
        raise
    password_hash = await auth.passwords.hash(normalized)
    if await auth.cache.pop(key) is None:  # a parallel request with the code was first
        raise NotFound("激活请求不存在或已过期，请重新获取验证码", field="activationId")
    await auth.cache.delete(tries)
    async with in_transaction(db.connection().connection_name):
        if await Account.exists(enterprise_id=enterprise.id):
            raise AlreadyActive("该企业的专属网页账号已激活，请直接登录")
        account = await Account.create(
            subject=new_token(16),
            kind=AccountKind.ENTERPRISE,
            display_name=enterprise.name,
            enterprise=enterprise,
            password_hash=password_hash,
            password_changed_at=clock.now(),
        )
        await AuditEvent.record(
            "account.activated",
            actor=f"account:{account.subject}",
            target=target,
            ip=ip,
        )
    return account


# -- announcements --------------------------------------------------------------------


async def publish_announcement(
    principal: Principal, account: Account, title: str, body: str, ip: str
) -> Announcement:
    if not principal.has_role(StaffRole.ANNOUNCER.value):
        raise Forbidden("仅系统管理员或公告发布人可发布公告")
    title, body = " ".join(title.split()), body.strip()
    if not 2 <= len(title) <= 128:
        raise InvalidInput("公告标题应为2到128个字", field="title")
    if not 1 <= len(body) <= 5000:
        raise InvalidInput("公告内容应为1到5000个字", field="body")
    notice = await Announcement.create(
        title=title, body=body, published_at=clock.now(), author=account
    )
    await AuditEvent.record(
        "announcement.published",
        actor=f"account:{account.subject}",
        target=f"announcement:{notice.id}",
        ip=ip,
    )
    return notice


# -- statistics (SSO-4) -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LoginStatistic:
    day: date
    client_id: str
    client_name: str
    successes: int
    failures: int


async def login_statistics(days: int) -> list[LoginStatistic]:
    """Sign-ins per local day and client over the last ``days`` days."""
    if not 1 <= days <= 366:
        raise InvalidInput("统计天数应在1到366之间", field="days")
    dialect = db.dialect()
    q = db.Sql(dialect)
    local_day = db.sql_local_day("at", dialect)
    since = clock.now() - timedelta(days=days)
    bound_since = q.bind(db.timestamp(since))
    rows = await db.fetch(
        f"SELECT {local_day} AS day, client_id, "
        "SUM(CASE WHEN result = 'success' THEN 1 ELSE 0 END) AS successes, "
        "SUM(CASE WHEN result = 'success' THEN 0 ELSE 1 END) AS failures "
        f"FROM login_record WHERE at >= {bound_since} "
        "GROUP BY 1, client_id ORDER BY 1 DESC, client_id",
        q.values,
    )
    names = dict(await OAuthClient.all().values_list("client_id", "name"))
    return [
        LoginStatistic(
            db.as_date(row["day"]),  # type: ignore[arg-type]
            row["client_id"],
            names.get(row["client_id"], "统一认证门户"),
            int(row["successes"]),
            int(row["failures"]),
        )
        for row in rows
    ]
