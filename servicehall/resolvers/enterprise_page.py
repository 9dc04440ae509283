"""Reads and writes of the enterprise page (ENT-4..12) behind the schema."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, TypeVar

from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from servicehall import clock, db, text
from servicehall.auth.principal import Principal, PrincipalKind
from servicehall.clock import local_today
from servicehall.errors import InvalidInput, NotFound
from servicehall.models import (
    AuditEvent,
    Department,
    Enterprise,
    GovernmentInformation,
    InfoKind,
    Message,
    MessageCategory,
    Reminder,
    StaffRole,
    Subscription,
    SubscriptionTarget,
    Theme,
)
from servicehall.notify.outbox import enqueue, in_app
from servicehall.resolvers.paging import Page, check_first, newest_first, normalised

M = TypeVar("M", Message, Reminder)
#: Who owns a mailbox: an enterprise (its mailbox) or an account (its inbox).
Owner = Literal["enterprise_id", "account_id"]


def can_read_private(principal: Principal, credit_code: str) -> bool:
    """The enterprise's own accounts, and staff holding the explicit reader role."""
    if principal.kind is PrincipalKind.ENTERPRISE:
        return principal.enterprise_code == credit_code
    return (
        principal.kind is PrincipalKind.STAFF
        and StaffRole.ENTERPRISE_DATA_READER.value in principal.roles
    )


async def credit_records(enterprise_id: int, *, first: int, after: str | None) -> Page:
    """Public credit records (ENT-5) whose publication has not ended."""
    q = db.Sql(db.dialect())
    today = q.bind(_today_value())
    sql = (
        "SELECT id, kind, decision_number, content, reason, issuer, published_on, publish_until "
        f"FROM credit_record WHERE enterprise_id = {q.bind(enterprise_id)} "
        f"AND (publish_until IS NULL OR publish_until >= {today})"
    )
    found = await newest_first(sql, "published_on", q, first=first, after=after)
    return normalised(found, dates=("published_on", "publish_until"))


async def non_bank_records(enterprise_id: int, *, first: int, after: str | None) -> Page:
    q = db.Sql(db.dialect())
    sql = (
        "SELECT id, reference, category, subject, status, amount, period, source, recorded_on "
        f"FROM non_bank_credit_record WHERE enterprise_id = {q.bind(enterprise_id)}"
    )
    found = await newest_first(sql, "recorded_on", q, first=first, after=after)
    return normalised(found, dates=("recorded_on",))


def _today_value() -> Any:
    today = local_today()
    return db.sql_date(today)


async def related_enterprises(enterprise_id: int, *, first: int) -> list[dict[str, Any]]:
    """Local operating enterprises sharing industry divisions (ENT-10), most shared first."""
    check_first(first)
    q = db.Sql(db.dialect())
    return await db.fetch(
        "SELECT e.credit_code, e.name, e.entity_type, e.address, COUNT(*) AS shared "
        "FROM enterprise_industry mine "
        "JOIN enterprise_industry theirs ON theirs.scope_id = mine.scope_id "
        "AND theirs.enterprise_id <> mine.enterprise_id "
        "JOIN enterprise e ON e.id = theirs.enterprise_id "
        f"WHERE mine.enterprise_id = {q.bind(enterprise_id)} AND e.status = {q.bind('operating')} "
        "GROUP BY e.id, e.credit_code, e.name, e.entity_type, e.address "
        f"ORDER BY shared DESC, e.name LIMIT {q.bind(first)}",
        q.values,
    )


# -- government information (ENT-9) -----------------------------------------------------


@dataclass(frozen=True, slots=True)
class InfoFilter:
    kind: InfoKind | None = None
    departments: tuple[str, ...] = ()
    topics: tuple[str, ...] = ()
    keyword: str | None = None


async def government_information(flt: InfoFilter, *, first: int, after: str | None) -> Page:
    q = db.Sql(db.dialect())
    where = ["1 = 1"]
    if flt.kind is not None:
        where.append(f"g.kind = {q.bind(flt.kind.value)}")
    if flt.departments:
        where.append(
            f"g.department_id IN (SELECT id FROM department WHERE code IN "
            f"({q.bind_all(flt.departments)}))"
        )
    if flt.topics:
        where.append(
            f"g.topic_id IN (SELECT id FROM theme WHERE code IN ({q.bind_all(flt.topics)}))"
        )
    if flt.keyword:
        if len(flt.keyword) > 50:
            raise InvalidInput("关键词过长", field="keyword")
        pattern = q.bind(f"%{text.like_escape(flt.keyword.strip())}%")
        where.append(
            f"(g.title LIKE {pattern} ESCAPE '\\' OR g.summary LIKE {pattern} ESCAPE '\\')"
        )
    sql = (
        "SELECT g.id, g.kind, g.title, g.summary, g.body, g.published_at, "
        "d.code AS department_code, d.name AS department_name, t.code AS topic_code, "
        "t.name AS topic_name FROM government_information g "
        "LEFT JOIN department d ON d.id = g.department_id "
        f"LEFT JOIN theme t ON t.id = g.topic_id WHERE {' AND '.join(where)}"
    )
    found = await newest_first(sql, "published_at", q, first=first, after=after)
    return normalised(found, times=("published_at",))


async def publish_information(
    *,
    kind: InfoKind,
    title: str,
    summary: str,
    body: str,
    department_code: str | None,
    topic_code: str | None,
    actor: str,
) -> tuple[GovernmentInformation, int]:
    """Publish a piece of information and, in the same transaction, put a message in the
    mailbox of every enterprise subscribed to its department or topic (ENT-11)."""
    title, summary, body = " ".join(title.split()), summary.strip(), body.strip()
    if not 4 <= len(title) <= 128:
        raise InvalidInput("标题应为4到128个字", field="title")
    if not 1 <= len(summary) <= 256:
        raise InvalidInput("摘要应为1到256个字", field="summary")
    if not 1 <= len(body) <= 20000:
        raise InvalidInput("正文应为1到20000个字", field="body")
    department = await Department.get_or_none(code=department_code) if department_code else None
    if department_code and department is None:
        raise NotFound(f"部门“{department_code}”不存在", field="department")
    topic = await Theme.get_or_none(code=topic_code) if topic_code else None
    if topic_code and topic is None:
        raise NotFound(f"主题“{topic_code}”不存在", field="topic")
    async with in_transaction(db.connection().connection_name):
        info = await GovernmentInformation.create(
            kind=kind,
            title=title,
            summary=summary,
            body=body,
            department=department,
            topic=topic,
            published_at=clock.now(),
        )
        delivered = await deliver_to_subscribers(info, department, topic)
        await AuditEvent.record(
            "information.published", actor=actor, target=f"information:{info.id}"
        )
    return info, delivered


async def deliver_to_subscribers(
    info: GovernmentInformation, department: Department | None, topic: Theme | None
) -> int:
    """In-app messages (through the outbox, in the caller's transaction) for every
    matching subscription; one per enterprise however many of its subscriptions match.
    E-mail subscribers get the day's information in their daily digest."""
    targets = []
    if department is not None:
        targets.append((SubscriptionTarget.DEPARTMENT, department.code))
    if topic is not None:
        targets.append((SubscriptionTarget.TOPIC, topic.code))
    enterprises: set[int] = set()
    for target, code in targets:
        rows = await Subscription.filter(target=target, code=code, in_app=True).values(
            "enterprise_id"
        )
        enterprises.update(int(row["enterprise_id"]) for row in rows)
    sender = department.name if department is not None else "斗门区人民政府"
    await enqueue(
        [
            in_app(
                kind="subscription",
                source=f"information:{info.id}/enterprise:{eid}",
                title=info.title,
                body=info.summary,
                category=MessageCategory.SUBSCRIPTION.value,
                sender=sender,
                link=f"/information/{info.id}",
                enterprise_id=eid,
            )
            for eid in sorted(enterprises)
        ]
    )
    return len(enterprises)


# -- subscriptions and mailbox (ENT-11, ENT-12) -------------------------------------------


async def subscribe(
    enterprise: Enterprise, target: SubscriptionTarget, code: str, *, in_app: bool, email: bool
) -> tuple[Subscription, str]:
    if not (in_app or email):
        raise InvalidInput("请至少选择一种接收方式", field="channels")
    model = Department if target is SubscriptionTarget.DEPARTMENT else Theme
    name = await model.filter(code=code).first().values_list("name", flat=True)
    if name is None:
        raise NotFound(f"{target.label}“{code[:16]}”不存在", field="code")
    subscription, _ = await Subscription.update_or_create(
        enterprise=enterprise,
        target=target,
        code=code,
        defaults={"in_app": in_app, "email": email},
    )
    return subscription, str(name)


async def unsubscribe(enterprise: Enterprise, target: SubscriptionTarget, code: str) -> None:
    removed = await Subscription.filter(enterprise=enterprise, target=target, code=code).delete()
    if not removed:
        raise NotFound("未订阅该项", field="code")


async def messages(
    owner: Owner, owner_id: int, *, unread_only: bool, first: int, after: str | None
) -> Page:
    """An enterprise's mailbox or an account's inbox, newest first."""
    q = db.Sql(db.dialect())
    sql = (
        "SELECT id, category, title, body, sender, link, created_at, read_at FROM message "
        f"WHERE {owner} = {q.bind(owner_id)}" + (" AND read_at IS NULL" if unread_only else "")
    )
    found = await newest_first(sql, "created_at", q, first=first, after=after)
    return normalised(found, times=("created_at",))


async def unread_messages(owner: Owner, owner_id: int) -> int:
    return await Message.filter(**{owner: owner_id, "read_at__isnull": True}).count()


async def mark_message_read(
    message_id: int, *, account_id: int, enterprise_id: int | None
) -> Message:
    """A message of the account's inbox or, for an enterprise account, of its mailbox."""
    mine = Q(account_id=account_id)
    if enterprise_id is not None:
        mine |= Q(enterprise_id=enterprise_id)
    message = await Message.filter(mine, id=message_id).first()
    if message is None:
        raise NotFound("消息不存在", field="id")
    return await _mark_read(message)


async def mark_reminder_read(enterprise_id: int, reminder_id: int) -> Reminder:
    reminder = await Reminder.get_or_none(id=reminder_id, enterprise_id=enterprise_id)
    if reminder is None:
        raise NotFound("提醒不存在", field="id")
    return await _mark_read(reminder)


async def _mark_read(row: M) -> M:
    """Mark a message or reminder read once: the first time it was read stays."""
    if row.read_at is None:
        row.read_at = clock.now()
        await row.save(update_fields=["read_at"])
    return row
