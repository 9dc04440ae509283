"""Administrators' view of what the hall sends: the outbox and the text-message templates."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Self

import strawberry

from servicehall.loaders import Row
from servicehall.notify.sms import mask_phone
from servicehall.resolvers import notifications as resolvers
from servicehall.resolvers.enums import OutboxChannel, OutboxState
from servicehall.schema.common import Connection, Labelled, labelled, local_time
from servicehall.schema.context import Info
from servicehall.schema.errors import UserError, attempt, respond
from servicehall.schema.permissions import Administrator
from servicehall.schema.policy import Access, Domain, declare, root

for _enum in (OutboxChannel, OutboxState):
    strawberry.enum(_enum)


def mask_recipient(channel: OutboxChannel, recipient: str) -> str:
    """Administrators see whom a message went to without reading the address in full."""
    if channel is OutboxChannel.SMS:
        return mask_phone(recipient)
    if channel is OutboxChannel.EMAIL and "@" in recipient:
        name, domain = recipient.rsplit("@", 1)
        return f"{name[:2]}***@{domain}"
    return recipient


@declare(Access.PRIVATE, Domain.NOTIFICATIONS)
@strawberry.type(description="某渠道某状态的消息数。")
class OutboxCount:
    channel: Labelled[OutboxChannel]
    state: Labelled[OutboxState]
    count: int


@declare(Access.PRIVATE, Domain.NOTIFICATIONS)
@strawberry.type(description="发件箱中的一条消息（不含正文）。")
class OutboxMessage:
    id: strawberry.ID
    message_id: str = strawberry.field(description="对方可见的消息编号（邮件 Message-ID 等）。")
    channel: Labelled[OutboxChannel]
    kind: str = strawberry.field(description="消息模板，如 enterprise_digest。")
    recipient: str = strawberry.field(description="收件人（部分隐藏）。")
    subject: str
    state: Labelled[OutboxState]
    attempts: int
    last_error: str = strawberry.field(description="最近一次失败的原因。")
    created_at: datetime
    next_attempt_at: datetime | None = strawberry.field(description="下次重试时间。")
    sent_at: datetime | None

    @classmethod
    def from_row(cls, row: Row) -> Self:
        channel, state = OutboxChannel(row["channel"]), OutboxState(row["state"])
        waiting = state in (OutboxState.QUEUED, OutboxState.RETRYING)
        return cls(
            id=strawberry.ID(str(row["id"])),
            message_id=row["message_id"],
            channel=labelled(channel),
            kind=row["kind"],
            recipient=mask_recipient(channel, row["recipient"]),
            subject=row["subject"],
            state=labelled(state),
            attempts=int(row["attempts"]),
            last_error=row["last_error"],
            created_at=local_time(row["created_at"]),  # type: ignore[arg-type]
            next_attempt_at=local_time(row["next_attempt_at"]) if waiting else None,
            sent_at=local_time(row["sent_at"]),
        )


@declare(Access.PRIVATE, Domain.NOTIFICATIONS)
@strawberry.type(description="短信模板中可用的变量。")
class SmsVariable:
    name: str
    description: str
    sample: str = strawberry.field(description="预览时使用的示例值。")
    required: bool


@declare(Access.PRIVATE, Domain.NOTIFICATIONS)
@strawberry.type(description="一种短信的模板：管理员可修改措辞，未修改时使用内置措辞。")
class SmsTemplate:
    code: str
    name: str
    body: str = strawberry.field(description="当前使用的模板（Jinja2 语法，如 {{ code }}）。")
    default_body: str
    customized: bool = strawberry.field(description="是否已被管理员修改。")
    variables: list[SmsVariable]
    updated_by: str
    updated_at: datetime | None

    @classmethod
    def from_view(cls, view: resolvers.SmsTemplateView) -> Self:
        spec = view.spec
        return cls(
            code=spec.code,
            name=spec.name,
            body=view.body,
            default_body=spec.default,
            customized=view.customized,
            variables=[
                SmsVariable(
                    name=v.name, description=v.description, sample=v.sample, required=v.required
                )
                for v in spec.variables
            ],
            updated_by=view.updated_by,
            updated_at=local_time(view.updated_at),
        )


@declare(Access.PRIVATE, Domain.NOTIFICATIONS)
@strawberry.type(description="短信预览：用示例值生成的内容、字数和计费条数。")
class SmsPreview:
    errors: list[UserError]
    text: str | None = None
    length: int | None = None
    segments: int | None = strawberry.field(
        default=None, description="计费条数：70字以内1条，超过按每条67字计。"
    )


@root(Access.PRIVATE)
@strawberry.type
class NotificationQuery:
    @strawberry.field(
        description="发件箱各渠道各状态的消息数（仅系统管理员）。",
        permission_classes=[Administrator],
    )
    async def outbox_counts(self) -> list[OutboxCount]:
        return [
            OutboxCount(channel=labelled(c.channel), state=labelled(c.state), count=c.count)
            for c in await resolvers.outbox_counts()
        ]

    @strawberry.field(
        description="发件箱中的消息，最新在前，可按状态和渠道筛选（仅系统管理员）。",
        permission_classes=[Administrator],
    )
    async def outbox_messages(
        self,
        state: OutboxState | None = None,
        channel: OutboxChannel | None = None,
        first: int = 20,
        after: str | None = None,
    ) -> Connection[OutboxMessage]:
        page = await resolvers.outbox_messages(
            state=state, channel=channel, first=first, after=after
        )
        return Connection.build(
            [(c, OutboxMessage.from_row(r)) for c, r in zip(page.cursors, page.rows, strict=True)],
            has_next=page.has_next,
            after=after,
            total=page.total,
        )

    @strawberry.field(description="短信模板（仅系统管理员）。", permission_classes=[Administrator])
    async def sms_templates(self) -> list[SmsTemplate]:
        return [SmsTemplate.from_view(v) for v in await resolvers.sms_templates()]

    @strawberry.field(
        description="预览短信模板：不保存，检查变量和签名，给出示例内容（仅系统管理员）。",
        permission_classes=[Administrator],
    )
    async def preview_sms_template(self, code: str, body: str | None = None) -> SmsPreview:
        async def run() -> resolvers.SmsPreview:
            return resolvers.preview_sms(code, body)

        preview, errors = await attempt(run)
        if preview is None:
            return SmsPreview(errors=errors)
        return SmsPreview(
            errors=[], text=preview.text, length=preview.length, segments=preview.segments
        )


@strawberry.input
class RetryOutboxMessageInput:
    id: strawberry.ID


@declare(Access.PER_PRINCIPAL, Domain.NOTIFICATIONS)
@strawberry.type
class RetryOutboxMessagePayload:
    errors: list[UserError]
    message: OutboxMessage | None = None


@strawberry.input
class UpdateSmsTemplateInput:
    code: str
    body: str


@strawberry.input
class ResetSmsTemplateInput:
    code: str


@declare(Access.PER_PRINCIPAL, Domain.NOTIFICATIONS)
@strawberry.type
class SmsTemplatePayload:
    errors: list[UserError]
    template: SmsTemplate | None = None


@root(Access.PER_PRINCIPAL)
@strawberry.type
class NotificationMutation:
    @strawberry.mutation(description="立即重发一条发送失败或等待重试的消息（仅系统管理员）。")
    async def retry_outbox_message(
        self, info: Info, input: RetryOutboxMessageInput
    ) -> RetryOutboxMessagePayload:
        context = info.context

        def present(row: Any) -> RetryOutboxMessagePayload:
            context.notifier.kick()
            return RetryOutboxMessagePayload(errors=[], message=OutboxMessage.from_row(row))

        return await respond(
            context,
            lambda: resolvers.retry_message(context.principal, str(input.id)),
            RetryOutboxMessagePayload,
            present,
        )

    @strawberry.mutation(description="修改短信模板的措辞（仅系统管理员）。")
    async def update_sms_template(
        self, info: Info, input: UpdateSmsTemplateInput
    ) -> SmsTemplatePayload:
        context = info.context
        return await respond(
            context,
            lambda: resolvers.update_sms_template(context.principal, input.code, input.body),
            SmsTemplatePayload,
            lambda view: SmsTemplatePayload(errors=[], template=SmsTemplate.from_view(view)),
        )

    @strawberry.mutation(description="恢复短信模板的内置措辞（仅系统管理员）。")
    async def reset_sms_template(
        self, info: Info, input: ResetSmsTemplateInput
    ) -> SmsTemplatePayload:
        context = info.context
        return await respond(
            context,
            lambda: resolvers.reset_sms_template(context.principal, input.code),
            SmsTemplatePayload,
            lambda view: SmsTemplatePayload(errors=[], template=SmsTemplate.from_view(view)),
        )
