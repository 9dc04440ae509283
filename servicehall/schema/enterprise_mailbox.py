"""The enterprise page's private mailbox (ENT-11, ENT-12): subscriptions, messages
(also the staff and citizens' mailbox through :func:`mailbox`) and reminders."""

from __future__ import annotations

from datetime import date, datetime
from typing import Self

import strawberry

from servicehall.loaders import Row
from servicehall.resolvers import enterprise_page as resolvers
from servicehall.resolvers.enums import (
    Channel,
    MessageCategory,
    ReminderKind,
    SubscriptionTarget,
)
from servicehall.schema.common import Connection, Labelled, labelled, local_time
from servicehall.schema.context import Info
from servicehall.schema.enterprise_page import (
    EnterpriseKey,
    _page,
)
from servicehall.schema.policy import Access, Domain, declare


@declare(Access.PRIVATE, Domain.ENTERPRISE)
@strawberry.type(name="InformationSubscription", description="一项信息订阅（ENT-11）。")
class Subscription:
    target: Labelled[SubscriptionTarget]
    code: str = strawberry.field(description="部门代码或主题代码。")
    name: str = strawberry.field(description="部门或主题名称。")
    channels: list[Labelled[Channel]]

    @classmethod
    def from_row(cls, row: Row) -> Self:
        channels = [Channel.IN_APP] if row["in_app"] else []
        channels += [Channel.EMAIL] if row["email"] else []
        return cls(
            target=labelled(SubscriptionTarget(row["target"])),
            code=row["code"],
            name=row["name"],
            channels=[labelled(c) for c in channels],
        )


@declare(Access.PRIVATE, Domain.ENTERPRISE)
@strawberry.type(description="站内信（ENT-12）。")
class Message:
    id: strawberry.ID
    category: Labelled[MessageCategory]
    title: str
    body: str
    sender: str
    link: str
    created_at: datetime
    read: bool

    @classmethod
    def from_row(cls, row: Row) -> Self:
        return cls(
            id=strawberry.ID(str(row["id"])),
            category=labelled(MessageCategory(row["category"])),
            title=row["title"],
            body=row["body"],
            sender=row["sender"],
            link=row["link"],
            created_at=local_time(row["created_at"]),  # type: ignore[arg-type]
            read=row["read_at"] is not None,
        )


@declare(Access.PRIVATE, Domain.ENTERPRISE)
@strawberry.type(description="温馨提示：业务、邮件或系统提醒（ENT-12），由数据自动生成。")
class Reminder:
    id: strawberry.ID
    kind: Labelled[ReminderKind]
    topic: str = strawberry.field(description="如 qualification_expiring、annual_report。")
    text: str
    due_on: date | None
    link: str
    read: bool

    @classmethod
    def from_row(cls, row: Row) -> Self:
        return cls(
            id=strawberry.ID(str(row["id"])),
            kind=labelled(ReminderKind(row["kind"])),
            topic=row["topic"],
            text=row["text"],
            due_on=row["due_on"],
            link=row["link"],
            read=row["read_at"] is not None,
        )


async def subscriptions(
    root: strawberry.Parent[EnterpriseKey], info: Info
) -> list[Subscription] | None:
    rows = await info.context.loaders.subscriptions.load(root.row_id)
    return [Subscription.from_row(row) for row in rows]


async def messages(
    root: strawberry.Parent[EnterpriseKey],
    first: int = 20,
    after: str | None = None,
    unread_only: bool = False,
) -> Connection[Message] | None:
    return await mailbox("enterprise_id", root.row_id, first, after, unread_only)


async def mailbox(
    owner: resolvers.Owner, owner_id: int, first: int, after: str | None, unread_only: bool
) -> Connection[Message]:
    page = await resolvers.messages(
        owner, owner_id, unread_only=unread_only, first=first, after=after
    )
    return _page(
        [(c, Message.from_row(r)) for c, r in zip(page.cursors, page.rows, strict=True)],
        page,
        after,
    )


async def unread_count(root: strawberry.Parent[EnterpriseKey], info: Info) -> int | None:
    return await info.context.loaders.unread_counts.load(root.row_id)


async def reminders(root: strawberry.Parent[EnterpriseKey], info: Info) -> list[Reminder] | None:
    rows = await info.context.loaders.reminders.load(root.row_id)
    return [Reminder.from_row(row) for row in rows]
