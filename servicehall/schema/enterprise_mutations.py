"""Mutations of the enterprise page: subscriptions, read marks, publishing information."""

from __future__ import annotations

import strawberry

from servicehall import db
from servicehall.auth.principal import Principal, PrincipalKind
from servicehall.errors import Forbidden, InvalidId, NotFound
from servicehall.models import (
    Channel,
    Enterprise,
    InfoKind,
    StaffRole,
    SubscriptionTarget,
)
from servicehall.models import GovernmentInformation as InformationModel
from servicehall.resolvers import enterprise_page as resolvers
from servicehall.resolvers import identity
from servicehall.schema.context import Info
from servicehall.schema.enterprise_page import (
    GovernmentInformation,
    Message,
    Reminder,
    Subscription,
)
from servicehall.schema.errors import UserError, attempt
from servicehall.schema.permissions import require_account
from servicehall.schema.policy import Access, Domain, declare, root


async def own_enterprise(principal: Principal) -> Enterprise:
    """The signed-in enterprise (mutations of the page act only on one's own)."""
    require_account(principal)
    if principal.kind is not PrincipalKind.ENTERPRISE or principal.enterprise_code is None:
        raise Forbidden("仅企业账号可操作企业专属网页")
    enterprise = await Enterprise.get_or_none(credit_code=principal.enterprise_code)
    if enterprise is None:
        raise NotFound("企业不存在")
    return enterprise


def _id(raw: strawberry.ID) -> int:
    try:
        return int(str(raw))
    except ValueError:
        raise InvalidId(f"编号“{str(raw)[:20]}”格式不正确", field="id") from None


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
        async def run() -> Subscription:
            enterprise = await own_enterprise(info.context.principal)
            row, name = await resolvers.subscribe(
                enterprise,
                input.target,
                input.code.strip(),
                in_app=Channel.IN_APP in input.channels,
                email=Channel.EMAIL in input.channels,
            )
            return Subscription.from_row(
                {
                    "target": row.target,
                    "code": row.code,
                    "name": name,
                    "in_app": row.in_app,
                    "email": row.email,
                }
            )

        subscription, errors = await attempt(run)
        return SubscribePayload(errors=errors, subscription=subscription)

    @strawberry.mutation(description="取消订阅。")
    async def unsubscribe(self, info: Info, input: UnsubscribeInput) -> UnsubscribePayload:
        async def run() -> bool:
            enterprise = await own_enterprise(info.context.principal)
            await resolvers.unsubscribe(enterprise, input.target, input.code.strip())
            return True

        removed, errors = await attempt(run)
        return UnsubscribePayload(errors=errors, removed=bool(removed))

    @strawberry.mutation(description="将站内信（个人收件箱或企业信箱中的）标记为已读。")
    async def mark_message_read(self, info: Info, input: MarkReadInput) -> MarkMessageReadPayload:
        async def run() -> Message:
            account = await identity.account_of(require_account(info.context.principal))
            row = await resolvers.mark_message_read(
                _id(input.id),
                account_id=account.id,
                enterprise_id=account.enterprise_id,  # type: ignore[attr-defined]
            )
            return Message.from_row(db.model_row(row))

        message, errors = await attempt(run)
        return MarkMessageReadPayload(errors=errors, message=message)

    @strawberry.mutation(description="将温馨提示标记为已读。")
    async def mark_reminder_read(self, info: Info, input: MarkReadInput) -> MarkReminderReadPayload:
        async def run() -> Reminder:
            enterprise = await own_enterprise(info.context.principal)
            row = await resolvers.mark_reminder_read(enterprise.id, _id(input.id))
            return Reminder.from_row(db.model_row(row))

        reminder, errors = await attempt(run)
        return MarkReminderReadPayload(errors=errors, reminder=reminder)

    @strawberry.mutation(description="发布政务信息并推送给订阅企业（部门工作人员、管理员）。")
    async def publish_government_information(
        self, info: Info, input: PublishInformationInput
    ) -> PublishInformationPayload:
        context = info.context

        async def run() -> tuple[InformationModel, int]:
            principal = require_account(context.principal)
            department = input.department
            if principal.kind is PrincipalKind.STAFF:
                if StaffRole.ANNOUNCER.value not in principal.roles:
                    raise Forbidden("需要“公告发布人”角色")
                if department not in (None, principal.department_code):
                    raise Forbidden("只能以本部门名义发布", field="department")
                department = principal.department_code
            elif principal.kind is not PrincipalKind.ADMIN:
                raise Forbidden("仅部门工作人员或管理员可发布政务信息")
            published = await resolvers.publish_information(
                kind=input.kind,
                title=input.title,
                summary=input.summary,
                body=input.body,
                department_code=department,
                topic_code=input.topic,
                actor=principal.identity,
            )
            await context.changes.record(("GovernmentInformation", str(published[0].id)))
            return published

        result, errors = await attempt(run)
        if result is None:
            return PublishInformationPayload(errors=errors)
        info_row, delivered = result
        await info_row.fetch_related("department", "topic")
        department, topic = info_row.department, info_row.topic
        return PublishInformationPayload(
            errors=[],
            information=GovernmentInformation.from_row(
                {
                    "id": info_row.id,
                    "kind": info_row.kind,
                    "title": info_row.title,
                    "summary": info_row.summary,
                    "body": info_row.body,
                    "department_code": department.code if department else None,
                    "department_name": department.name if department else None,
                    "topic_code": topic.code if topic else None,
                    "topic_name": topic.name if topic else None,
                    "published_at": info_row.published_at,
                }
            ),
            delivered=delivered,
        )
