"""What the hall tells people, and the administrators' view of it.

The messages of a change are built here and written by the caller in the change's own
transaction (:func:`servicehall.notify.outbox.enqueue`); the daily digest is a job.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from tortoise.transactions import in_transaction

from servicehall import db
from servicehall.auth.accounts import require_admin
from servicehall.auth.principal import Principal
from servicehall.clock import LOCAL_TZ
from servicehall.errors import Conflict, InvalidId, InvalidInput, NotFound
from servicehall.models import (
    Account,
    AccountKind,
    AuditEvent,
    Enterprise,
    GovernmentInformation,
    MessageCategory,
    OutboxChannel,
    OutboxMessage,
    OutboxState,
    Reminder,
    SmsTemplate,
    Subscription,
    SubscriptionTarget,
)
from servicehall.notify.outbox import RETRYABLE, SCRUBBED, Outgoing, enqueue, in_app, requeue
from servicehall.notify.templates import (
    SMS_TEMPLATES,
    SmsTemplateSpec,
    check_sms_body,
    render_mail,
    render_sms,
    sms_segments,
)
from servicehall.resolvers.outcome import Outcome, outcome
from servicehall.resolvers.paging import Page, newest_first

HALL = "斗门区网上办事大厅"


def _local(moment: datetime) -> str:
    local = moment.astimezone(LOCAL_TZ)
    return f"{local.month}月{local.day}日 {local:%H:%M}"


# -- text-message templates --------------------------------------------------------------


def sms_spec(code: str) -> SmsTemplateSpec:
    spec = SMS_TEMPLATES.get(code)
    if spec is None:
        raise NotFound(f"短信模板“{code[:48]}”不存在", field="code")
    return spec


async def sms_body(code: str) -> str:
    """The wording in use: the administrator's, or the built-in one."""
    stored = await SmsTemplate.get_or_none(code=code).values_list("body", flat=True)
    return str(stored) if stored is not None else sms_spec(code).default


async def sms(code: str, phone: str, values: dict[str, Any], **outgoing: Any) -> Outgoing:
    """A text message from template ``code``."""
    text = render_sms(await sms_body(code), values)
    return Outgoing(OutboxChannel.SMS, code, phone, body=text, **outgoing)


@dataclass(frozen=True, slots=True)
class SmsTemplateView:
    spec: SmsTemplateSpec
    body: str
    customized: bool
    updated_by: str
    updated_at: datetime | None


async def sms_templates() -> list[SmsTemplateView]:
    stored = {t.code: t for t in await SmsTemplate.all()}
    return [
        SmsTemplateView(
            spec,
            stored[code].body if code in stored else spec.default,
            code in stored,
            stored[code].updated_by if code in stored else "",
            stored[code].updated_at if code in stored else None,
        )
        for code, spec in SMS_TEMPLATES.items()
    ]


@dataclass(frozen=True, slots=True)
class SmsPreview:
    text: str
    length: int
    segments: int


def preview_sms(code: str, body: str | None) -> SmsPreview:
    spec = sms_spec(code)
    checked = check_sms_body(spec, body if body is not None else spec.default)
    text = render_sms(checked, spec.samples())
    return SmsPreview(text, len(text), sms_segments(text))


async def update_sms_template(
    principal: Principal, code: str, body: str
) -> Outcome[SmsTemplateView]:
    """An administrator rewords an SMS template."""
    actor = require_admin(principal).identity
    spec = sms_spec(code)
    checked = check_sms_body(spec, body)
    async with in_transaction(db.connection().connection_name):
        await SmsTemplate.update_or_create(
            code=code, defaults={"body": checked, "updated_by": actor}
        )
        await AuditEvent.record("sms_template.updated", actor=actor, target=f"sms_template:{code}")
    return outcome(next(v for v in await sms_templates() if v.spec.code == code))


async def reset_sms_template(principal: Principal, code: str) -> Outcome[SmsTemplateView]:
    """An administrator restores an SMS template's built-in wording."""
    actor = require_admin(principal).identity
    sms_spec(code)
    async with in_transaction(db.connection().connection_name):
        await SmsTemplate.filter(code=code).delete()
        await AuditEvent.record("sms_template.reset", actor=actor, target=f"sms_template:{code}")
    return outcome(next(v for v in await sms_templates() if v.spec.code == code))


# -- messages of changes -------------------------------------------------------------------


async def password_changed(account: Account, *, ip: str, at: datetime) -> list[Outgoing]:
    """ASVS 2.2.3: tell the account holder on every channel it has."""
    name = account.display_name
    source = f"password:{account.id}:{at.timestamp():.0f}"
    messages = [
        in_app(
            kind="password_changed",
            source=f"{source}/in_app",
            title="您的账号密码已修改",
            body=f"您的账号密码已于{_local(at)}修改。如非本人操作，请立即致电12345政务服务便民热线。",
            category=MessageCategory.SYSTEM.value,
            sender=HALL,
            link="/account/security",
            account_id=account.id,
        )
    ]
    if account.email:
        mail = render_mail("password_changed", name=name, time=_local(at), ip=ip)
        messages.append(
            Outgoing(
                OutboxChannel.EMAIL,
                "password_changed",
                account.email,
                f"{source}/email",
                mail.text,
                mail.subject,
                mail.html,
            )
        )
    if account.phone and account.kind is AccountKind.PERSON:
        messages.append(
            await sms(
                "password_changed",
                account.phone,
                {"name": name, "time": _local(at)},
                source=f"{source}/sms",
            )
        )
    return messages


# -- the daily digest (ENT-11, ENT-12) -------------------------------------------------------


async def enterprise_digests(day: date, *, portal: str) -> int:
    """One e-mail per enterprise that chose e-mail for a subscription: the information of
    ``day`` matching its subscriptions, the reminders that appeared that day and its
    unread count. Nothing new, no e-mail; running twice writes each digest once."""
    start = datetime.combine(day, time(0), LOCAL_TZ).astimezone(UTC)
    end = start + timedelta(days=1)
    wanted: dict[int, set[tuple[str, str]]] = defaultdict(set)
    for row in await Subscription.filter(email=True).values("enterprise_id", "target", "code"):
        wanted[int(row["enterprise_id"])].add((str(row["target"]), str(row["code"])))
    if not wanted:
        return 0
    information = await GovernmentInformation.filter(
        published_at__gte=start, published_at__lt=end
    ).prefetch_related("department", "topic")
    reminders: dict[int, list[Reminder]] = defaultdict(list)
    for reminder in await Reminder.filter(
        enterprise_id__in=list(wanted),
        created_at__gte=start,
        created_at__lt=end,
        retired_at__isnull=True,
    ).order_by("due_on", "id"):
        reminders[reminder.enterprise_id].append(reminder)  # type: ignore[attr-defined]
    unread = {
        int(r["enterprise_id"]): int(r["n"])
        for r in await db.fetch(
            "SELECT enterprise_id, COUNT(*) AS n FROM message WHERE read_at IS NULL "
            "AND enterprise_id IS NOT NULL GROUP BY enterprise_id"
        )
    }
    enterprises = await Enterprise.filter(id__in=list(wanted)).exclude(contact_email="")
    messages = []
    for enterprise in enterprises:
        matching = [
            info
            for info in information
            if (
                info.department is not None
                and (SubscriptionTarget.DEPARTMENT.value, info.department.code)
                in wanted[enterprise.id]
            )
            or (
                info.topic is not None
                and (SubscriptionTarget.TOPIC.value, info.topic.code) in wanted[enterprise.id]
            )
        ]
        own = reminders.get(enterprise.id, [])
        if not matching and not own:
            continue
        mail = render_mail(
            "enterprise_digest",
            enterprise_name=enterprise.name,
            day_label=f"{day.month}月{day.day}日",
            information=[
                {
                    "title": info.title,
                    "summary": info.summary,
                    "source": info.department.name if info.department else "斗门区人民政府",
                    "published": _local(info.published_at),
                    "url": f"{portal}/information/{info.id}",
                }
                for info in matching
            ],
            reminders=[
                {
                    "text": r.text,
                    "due": f"{r.due_on.year}年{r.due_on.month}月{r.due_on.day}日"
                    if r.due_on
                    else "",
                }
                for r in own
            ],
            unread=unread.get(enterprise.id, 0),
            page_url=f"{portal}/enterprise",
            subscriptions_url=f"{portal}/enterprise/subscriptions",
        )
        messages.append(
            Outgoing(
                OutboxChannel.EMAIL,
                "enterprise_digest",
                enterprise.contact_email,
                f"digest:{day.isoformat()}/enterprise:{enterprise.id}",
                mail.text,
                mail.subject,
                mail.html,
            )
        )
    async with in_transaction(db.connection().connection_name):
        return await enqueue(messages)


# -- the administrators' view -------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class OutboxCount:
    channel: OutboxChannel
    state: OutboxState
    count: int


async def outbox_counts() -> list[OutboxCount]:
    rows = await db.fetch(
        "SELECT channel, state, COUNT(*) AS n FROM outbox_message GROUP BY channel, state "
        "ORDER BY channel, state"
    )
    return [
        OutboxCount(OutboxChannel(r["channel"]), OutboxState(r["state"]), int(r["n"])) for r in rows
    ]


async def outbox_messages(
    *,
    state: OutboxState | None,
    channel: OutboxChannel | None,
    first: int,
    after: str | None,
) -> Page:
    q = db.Sql(db.dialect())
    where = ["1 = 1"]
    if state is not None:
        where.append(f"state = {q.bind(state.value)}")
    if channel is not None:
        where.append(f"channel = {q.bind(channel.value)}")
    sql = (
        "SELECT id, message_id, channel, kind, recipient, subject, state, attempts, "
        "last_error, created_at, next_attempt_at, sent_at, expires_at "
        f"FROM outbox_message WHERE {' AND '.join(where)}"
    )
    page = await newest_first(sql, "created_at", q, first=first, after=after)
    for row in page.rows:
        message_row(row)
    return page


def message_row(row: dict[str, Any]) -> dict[str, Any]:
    """Normalise an outbox row in place (times come back as text on SQLite)."""
    for name in ("created_at", "next_attempt_at", "sent_at"):
        row[name] = db.as_datetime(row[name])
    return row


async def retry_message(principal: Principal, message_id: str) -> Outcome[dict[str, Any]]:
    """An administrator sends a dead (or waiting) message again now, with a fresh count
    of attempts: the message's row."""
    actor = require_admin(principal).identity
    try:
        key = int(message_id)
    except ValueError:
        raise InvalidId("消息编号格式不正确", field="id") from None
    message = await OutboxMessage.get_or_none(id=key)
    if message is None:
        raise NotFound("消息不存在", field="id")
    refused = Conflict(
        f"只有“{OutboxState.DEAD.label}”或“{OutboxState.RETRYING.label}”的消息可以重发"
        f"（当前：{message.state.label}）",
        field="id",
    )
    if message.state not in RETRYABLE:
        raise refused
    if message.sensitive and message.body == SCRUBBED:
        raise InvalidInput("含验证码的消息内容已删除，不能重发，请让用户重新获取", field="id")
    async with in_transaction(db.connection().connection_name):
        if not await requeue(message.id):
            raise refused  # a worker claimed it meanwhile
        await AuditEvent.record(
            "outbox.retried", actor=actor, target=f"outbox:{message.message_id}"
        )
    await message.refresh_from_db()
    return outcome(message_row(db.model_row(message)))
