"""Mutations of the enterprise page: subscriptions, read marks, publishing information."""

from __future__ import annotations

import strawberry

from servicehall.resolvers import enterprise_writes as services
from servicehall.resolvers.enums import Channel, InfoKind, SubscriptionTarget
from servicehall.schema.context import Info
from servicehall.schema.enterprise_mailbox import Message, Reminder, Subscription
from servicehall.schema.enterprise_page import GovernmentInformation
from servicehall.schema.errors import UserError, respond
from servicehall.schema.policy import Access, Domain, declare, root


@strawberry.input
class SubscribeInput:
    target: SubscriptionTarget
    code: str = strawberry.field(description="部门代码或主题代码。")
    channels: list[Channel] = strawberry.field(description="接收方式：站内信、电子邮件。")


@declare(Access.PER_PRINCIPAL, Domain.ENTERPRISE)
@strawberry.type
class SubscribePayload:
    errors: list[UserError]
    subscription: Subscription | None = None


@strawberry.input
class UnsubscribeInput:
    target: SubscriptionTarget
    code: str


@declare(Access.PER_PRINCIPAL, Domain.ENTERPRISE)
@strawberry.type
class UnsubscribePayload:
    errors: list[UserError]
    removed: bool = False


@strawberry.input
class MarkReadInput:
    id: strawberry.ID


@declare(Access.PER_PRINCIPAL, Domain.ENTERPRISE)
@strawberry.type
class MarkMessageReadPayload:
    errors: list[UserError]
    message: Message | None = None


@declare(Access.PER_PRINCIPAL, Domain.ENTERPRISE)
@strawberry.type
class MarkReminderReadPayload:
    errors: list[UserError]
    reminder: Reminder | None = None


@strawberry.input
class PublishInformationInput:
    kind: InfoKind
    title: str
    summary: str
    body: str
    topic: str | None = strawberry.field(default=None, description="主题代码（法人主题）。")
    department: str | None = strawberry.field(
        default=None, description="发布部门；工作人员只能以本部门名义发布。"
    )


@declare(Access.PER_PRINCIPAL, Domain.INFORMATION)
@strawberry.type
class PublishInformationPayload:
    errors: list[UserError]
    information: GovernmentInformation | None = None
    delivered: int | None = strawberry.field(default=None, description="送达的订阅企业数。")


@root(Access.PER_PRINCIPAL)
@strawberry.type
class EnterprisePageMutation:
    @strawberry.mutation(description="订阅部门或主题的信息（ENT-11）。")
    async def subscribe(self, info: Info, input: SubscribeInput) -> SubscribePayload:
        context = info.context
        return await respond(
            context,
            lambda: services.subscribe(
                context.principal,
                input.target,
                input.code,
                in_app=Channel.IN_APP in input.channels,
                email=Channel.EMAIL in input.channels,
            ),
            SubscribePayload,
            lambda row: SubscribePayload(errors=[], subscription=Subscription.from_row(row)),
        )

    @strawberry.mutation(description="取消订阅。")
    async def unsubscribe(self, info: Info, input: UnsubscribeInput) -> UnsubscribePayload:
        context = info.context
        return await respond(
            context,
            lambda: services.unsubscribe(context.principal, input.target, input.code),
            UnsubscribePayload,
            lambda removed: UnsubscribePayload(errors=[], removed=bool(removed)),
        )

    @strawberry.mutation(description="将站内信（个人收件箱或企业信箱中的）标记为已读。")
    async def mark_message_read(self, info: Info, input: MarkReadInput) -> MarkMessageReadPayload:
        context = info.context
        return await respond(
            context,
            lambda: services.mark_message_read(context.principal, str(input.id)),
            MarkMessageReadPayload,
            lambda row: MarkMessageReadPayload(errors=[], message=Message.from_row(row)),
        )

    @strawberry.mutation(description="将温馨提示标记为已读。")
    async def mark_reminder_read(self, info: Info, input: MarkReadInput) -> MarkReminderReadPayload:
        context = info.context
        return await respond(
            context,
            lambda: services.mark_reminder_read(context.principal, str(input.id)),
            MarkReminderReadPayload,
            lambda row: MarkReminderReadPayload(errors=[], reminder=Reminder.from_row(row)),
        )

    @strawberry.mutation(description="发布政务信息并推送给订阅企业（部门工作人员、管理员）。")
    async def publish_government_information(
        self, info: Info, input: PublishInformationInput
    ) -> PublishInformationPayload:
        context = info.context
        return await respond(
            context,
            lambda: services.publish_information(
                context.principal,
                kind=input.kind,
                title=input.title,
                summary=input.summary,
                body=input.body,
                department=input.department,
                topic=input.topic,
            ),
            PublishInformationPayload,
            lambda done: PublishInformationPayload(
                errors=[], information=GovernmentInformation.from_row(done[0]), delivered=done[1]
            ),
        )
