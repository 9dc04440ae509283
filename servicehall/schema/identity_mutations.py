"""Account self-service mutations (SSO-1..4, ENT-1, ENT-2): password, bindings, sessions,
enterprise activation, portal announcements and captchas."""

from __future__ import annotations

from typing import Any

import strawberry

from servicehall.auth.captcha import data_url
from servicehall.resolvers import accounts as services
from servicehall.schema.cases import device_of
from servicehall.schema.context import Info
from servicehall.schema.errors import UserError, attempt, respond
from servicehall.schema.identity import AccountType, Announcement, Binding, Captcha
from servicehall.schema.policy import Access, Domain, declare, root

# -- mutations --------------------------------------------------------------------------


@strawberry.input
class ChangePasswordInput:
    current_password: str
    new_password: str
    end_other_sessions: bool = strawberry.field(
        default=True, description="修改后结束其他设备上的登录（默认是）。"
    )


@declare(Access.PER_PRINCIPAL, Domain.IDENTITY)
@strawberry.type
class ChangePasswordPayload:
    errors: list[UserError]
    account: AccountType | None = None
    ended_sessions: int | None = None


@strawberry.input
class RemoveBindingInput:
    provider: str


@declare(Access.PER_PRINCIPAL, Domain.IDENTITY)
@strawberry.type
class RemoveBindingPayload:
    errors: list[UserError]
    bindings: list[Binding] | None = None


@declare(Access.PER_PRINCIPAL, Domain.IDENTITY)
@strawberry.type
class EndOtherSessionsPayload:
    errors: list[UserError]
    ended: int | None = None


@strawberry.input
class StartEnterpriseActivationInput:
    credit_code: str = strawberry.field(description="统一社会信用代码或原15位工商注册号。")
    legal_representative_id_number: str
    captcha_id: str
    captcha_answer: str


@declare(Access.PER_PRINCIPAL, Domain.IDENTITY)
@strawberry.type
class StartEnterpriseActivationPayload:
    errors: list[UserError]
    activation_id: str | None = None
    phone: str | None = strawberry.field(default=None, description="接收验证码的手机（部分隐藏）。")
    expires_in: int | None = None


@strawberry.input
class ActivateEnterpriseAccountInput:
    activation_id: str
    code: str = strawberry.field(description="短信验证码。")
    password: str


@declare(Access.PER_PRINCIPAL, Domain.IDENTITY)
@strawberry.type
class ActivateEnterpriseAccountPayload:
    errors: list[UserError]
    account: AccountType | None = None


@strawberry.input
class PublishAnnouncementInput:
    title: str
    body: str


@declare(Access.PER_PRINCIPAL, Domain.PORTAL)
@strawberry.type
class PublishAnnouncementPayload:
    errors: list[UserError]
    announcement: Announcement | None = None


@declare(Access.PER_PRINCIPAL, Domain.IDENTITY)
@strawberry.type
class CreateCaptchaPayload:
    errors: list[UserError]
    captcha: Captcha | None = None


@root(Access.PER_PRINCIPAL)
@strawberry.type
class IdentityMutation:
    @strawberry.mutation(description="修改密码：须提供当前密码（ASVS 2.1.6）。")
    async def change_password(
        self, info: Info, input: ChangePasswordInput
    ) -> ChangePasswordPayload:
        context = info.context
        return await respond(
            context,
            lambda: services.change_password(
                context.principal,
                context.auth,
                current=input.current_password,
                new=input.new_password,
                end_other_sessions=input.end_other_sessions,
                ip=context.client_ip,
            ),
            ChangePasswordPayload,
            lambda done: ChangePasswordPayload(
                errors=[], account=AccountType.from_row(done[0]), ended_sessions=done[1]
            ),
        )

    @strawberry.mutation(description="结束当前会话以外的所有登录会话（ASVS 3.3.4）。")
    async def end_other_sessions(self, info: Info) -> EndOtherSessionsPayload:
        context = info.context
        return await respond(
            context,
            lambda: services.end_other_sessions(
                context.principal, context.auth, ip=context.client_ip
            ),
            EndOtherSessionsPayload,
            lambda ended: EndOtherSessionsPayload(errors=[], ended=ended),
        )

    @strawberry.mutation(description="解除与其他平台账号的绑定。")
    async def remove_binding(self, info: Info, input: RemoveBindingInput) -> RemoveBindingPayload:
        context = info.context
        return await respond(
            context,
            lambda: services.remove_binding(
                context.principal, input.provider, ip=context.client_ip
            ),
            RemoveBindingPayload,
            lambda rows: RemoveBindingPayload(
                errors=[], bindings=[Binding.from_row(b) for b in rows]
            ),
        )

    @strawberry.mutation(description="企业账号激活第一步：核验企业和法定代表人，发送短信验证码。")
    async def start_enterprise_activation(
        self, info: Info, input: StartEnterpriseActivationInput
    ) -> StartEnterpriseActivationPayload:
        context = info.context

        def present(started: Any) -> StartEnterpriseActivationPayload:
            context.notifier.kick()  # the code should not wait for the next round
            return StartEnterpriseActivationPayload(
                errors=[],
                activation_id=started.activation_id,
                phone=started.phone,
                expires_in=started.expires_in,
            )

        return await respond(
            context,
            lambda: services.start_activation(
                context.auth,
                credit_code=input.credit_code,
                id_number=input.legal_representative_id_number,
                captcha_id=input.captcha_id,
                captcha_answer=input.captcha_answer,
                ip=context.client_ip,
            ),
            StartEnterpriseActivationPayload,
            present,
        )

    @strawberry.mutation(description="企业账号激活第二步：短信验证码和新密码。")
    async def activate_enterprise_account(
        self, info: Info, input: ActivateEnterpriseAccountInput
    ) -> ActivateEnterpriseAccountPayload:
        context = info.context
        return await respond(
            context,
            lambda: services.finish_activation(
                context.auth,
                activation_id=input.activation_id,
                code=input.code,
                password=input.password,
                ip=context.client_ip,
            ),
            ActivateEnterpriseAccountPayload,
            lambda account: ActivateEnterpriseAccountPayload(
                errors=[], account=AccountType.from_row(account)
            ),
        )

    @strawberry.mutation(description="发布认证门户公告（系统管理员、公告发布人）。")
    async def publish_announcement(
        self, info: Info, input: PublishAnnouncementInput
    ) -> PublishAnnouncementPayload:
        context = info.context
        return await respond(
            context,
            lambda: services.publish_announcement(
                context.principal, title=input.title, body=input.body, ip=context.client_ip
            ),
            PublishAnnouncementPayload,
            lambda notice: PublishAnnouncementPayload(
                errors=[], announcement=Announcement.from_row(notice)
            ),
        )

    @strawberry.mutation(
        description="获取图形验证码（匿名可用，按来源限流；自助终端为大号纯数字验证码）。"
    )
    async def create_captcha(self, info: Info) -> CreateCaptchaPayload:
        auth = info.context.auth

        async def run() -> Captcha:
            # a kiosk's residents share its address: count the device, not the address
            await auth.captcha.allow(device_of(info) or info.context.client_ip)
            # a kiosk's captcha is digits only and large (typed on its keypad, issue 21)
            challenge = await auth.captcha.create(kiosk=info.context.principal.is_kiosk)
            return Captcha(id=challenge.id, image=data_url(challenge), expires_in=300)

        captcha, errors = await attempt(run)
        return CreateCaptchaPayload(errors=errors, captcha=captcha)
