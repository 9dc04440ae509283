"""The signed-in viewer, portal notices and account self-service (SSO-1..4, ENT-1, ENT-2)."""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import UTC, date, datetime
from typing import Self, TypeVar

import strawberry

from servicehall import clock
from servicehall.auth.principal import Principal
from servicehall.auth.sessions import SsoSession
from servicehall.codes import mask_id_number
from servicehall.loaders import Row
from servicehall.notify.sms import mask_phone
from servicehall.resolvers import accounts as services
from servicehall.resolvers import identity as resolvers
from servicehall.resolvers.enterprise_page import unread_messages
from servicehall.resolvers.enums import AccountKind, LoginResult, StaffRole
from servicehall.schema.cases import Case, viewer_cases
from servicehall.schema.common import Connection, Labelled, labelled, local_time
from servicehall.schema.context import Info
from servicehall.schema.enterprise_mailbox import Message, mailbox
from servicehall.schema.enterprises import Enterprise
from servicehall.schema.items import Department
from servicehall.schema.licenses import License, viewer_licenses
from servicehall.schema.permissions import Administrator
from servicehall.schema.policy import Access, Domain, declare, override, root

for _enum in (AccountKind, StaffRole, LoginResult):
    strawberry.enum(_enum)

T = TypeVar("T")
PASSWORD_MAX_AGE_DAYS = 90


@declare(Access.PER_PRINCIPAL, Domain.IDENTITY)
@strawberry.type(name="Account", description="登录账号（个人、企业、部门工作人员或管理员）。")
class AccountType:
    department_id: strawberry.Private[int | None]
    subject: str = strawberry.field(description="账号的唯一标识（OIDC sub）。")
    kind: Labelled[AccountKind]
    display_name: str
    phone: str | None = strawberry.field(description="手机号码（部分隐藏）。")
    id_number: str | None = strawberry.field(description="身份证号码（部分隐藏）。")
    email: str
    username: str | None = strawberry.field(description="工号（工作人员、管理员）。")
    roles: list[Labelled[StaffRole]]
    password_changed_at: datetime

    @classmethod
    def from_row(cls, account: Row) -> Self:
        return cls(
            department_id=account["department_id"],
            subject=account["subject"],
            kind=labelled(AccountKind(account["kind"])),
            display_name=account["display_name"],
            phone=mask_phone(account["phone"]) if account["phone"] else None,
            id_number=mask_id_number(account["id_number"]) if account["id_number"] else None,
            email=account["email"],
            username=account["username"],
            roles=[labelled(StaffRole(role)) for role in account["roles"]],
            password_changed_at=local_time(account["password_changed_at"]),  # type: ignore[arg-type]
        )

    @strawberry.field(description="密码已使用超过90天，建议修改（系统提醒）。")
    def password_change_due(self) -> bool:
        age = clock.now() - self.password_changed_at
        return age.days >= PASSWORD_MAX_AGE_DAYS

    @strawberry.field(description="所属部门（工作人员）。")
    async def department(self, info: Info) -> Department | None:
        if self.department_id is None:
            return None
        row = await info.context.loaders.departments_by_id.load(self.department_id)
        return None if row is None else Department.from_row(row)


@declare(Access.PRIVATE, Domain.IDENTITY)
@strawberry.type(description="一次登录尝试（SSO-3）。")
class LoginRecord:
    at: datetime
    ip: str
    user_agent: str
    client_id: str = strawberry.field(description="发起登录的应用；空表示认证门户。")
    method: str
    result: Labelled[LoginResult]

    @classmethod
    def from_row(cls, row: Row) -> Self:
        return cls(
            at=local_time(row["at"]),  # type: ignore[arg-type]
            ip=row["ip"],
            user_agent=row["user_agent"],
            client_id=row["client_id"],
            method=row["method"],
            result=labelled(LoginResult(row["result"])),
        )


@declare(Access.PER_PRINCIPAL, Domain.IDENTITY)
@strawberry.type(name="SignInSession", description="一个单点登录会话。")
class SessionType:
    id: str = strawberry.field(description="会话编号的前8位（完整编号不外露）。")
    created_at: datetime
    last_seen_at: datetime
    ip: str
    user_agent: str
    current: bool = strawberry.field(description="是否为当前会话。")
    clients: list[str] = strawberry.field(description="本会话中登录过的应用。")

    @classmethod
    def from_session(cls, session: SsoSession, current: str | None) -> Self:
        return cls(
            id=session.id[:8],
            created_at=local_time(datetime.fromtimestamp(session.created_at, UTC)),  # type: ignore[arg-type]
            last_seen_at=local_time(datetime.fromtimestamp(session.last_seen, UTC)),  # type: ignore[arg-type]
            ip=session.ip,
            user_agent=session.user_agent,
            current=session.id == current,
            clients=list(session.clients),
        )


@declare(Access.PER_PRINCIPAL, Domain.IDENTITY)
@strawberry.type(description="已绑定的其他平台账号（SSO-2）。")
class Binding:
    provider: str = strawberry.field(description="平台代码。")
    provider_name: str
    display_name: str
    bound_at: datetime

    @classmethod
    def from_row(cls, row: Row) -> Self:
        return cls(
            provider=row["provider"],
            provider_name=row["provider_name"],
            display_name=row["display_name"],
            bound_at=local_time(row["bound_at"]),  # type: ignore[arg-type]
        )


@declare(Access.PUBLIC, Domain.PORTAL)
@strawberry.type(description="认证门户公告（SSO-4）。")
class Announcement:
    id: strawberry.ID
    title: str
    body: str
    published_at: datetime

    @classmethod
    def from_row(cls, row: Row) -> Self:
        return cls(
            id=strawberry.ID(str(row["id"])),
            title=row["title"],
            body=row["body"],
            published_at=local_time(row["published_at"]),  # type: ignore[arg-type]
        )


@declare(Access.PRIVATE, Domain.IDENTITY)
@strawberry.type(description="每日每个应用的登录统计（SSO-4）。")
class LoginStatistic:
    day: date
    client_id: str
    client_name: str
    successes: int
    failures: int


@declare(Access.PER_PRINCIPAL, Domain.IDENTITY)
@strawberry.type(description="当前登录者。")
class Viewer:
    principal: strawberry.Private[Principal]
    #: The account row, read once and only when a field needs it (the enterprise page
    #: needs none: the token names the enterprise).
    loaded: strawberry.Private[dict[str, asyncio.Task[Row]]] = dataclasses.field(
        default_factory=dict
    )

    async def account_row(self) -> Row:
        if "account" not in self.loaded:
            self.loaded["account"] = asyncio.ensure_future(services.viewer_account(self.principal))
        return await self.loaded["account"]

    async def account_id(self) -> int:
        return int((await self.account_row())["id"])

    @strawberry.field
    async def account(self) -> AccountType:
        return AccountType.from_row(await self.account_row())

    @strawberry.field(description="企业账号对应的企业。")
    async def enterprise(self, info: Info) -> Enterprise | None:
        code = self.principal.enterprise_code
        return None if code is None else await Enterprise.load(info, code)

    @strawberry.field(description="登录记录，最新在前。")
    async def login_records(
        self, first: int = 20, after: str | None = None
    ) -> Connection[LoginRecord]:
        page = await services.login_records(await self.account_id(), first, after)
        return Connection.build(
            [(cursor, LoginRecord.from_row(row)) for cursor, row in page.pairs()],
            has_next=page.has_next,
            after=after,
            total=page.total,
        )

    @strawberry.field(description="已绑定的其他平台账号。")
    async def bindings(self) -> list[Binding]:
        return [Binding.from_row(b) for b in await services.bindings(await self.account_id())]

    @strawberry.field(description="在线的单点登录会话。")
    async def sessions(self, info: Info) -> list[SessionType]:
        sessions = await services.sessions(info.context.auth, await self.account_id())
        current = info.context.principal.session_id
        return [SessionType.from_session(s, current) for s in sessions]

    @strawberry.field(
        description="个人收件箱（如账号安全通知），最新在前；企业信箱见 enterprise.messages。"
    )
    async def messages(
        self, first: int = 20, after: str | None = None, unread_only: bool = False
    ) -> Connection[Message]:
        return await mailbox("account_id", await self.account_id(), first, after, unread_only)

    @strawberry.field(description="本人（企业账号为本企业）申办的办件，最新在前。")
    async def cases(
        self, info: Info, first: int = 20, after: str | None = None
    ) -> Connection[Case]:
        return await viewer_cases(info, first, after)

    @strawberry.field(
        description="本人（企业账号为本企业）持有的电子证照，最新签发在前（LIC-3、ENT-14）。"
    )
    async def licenses(self, info: Info) -> list[License]:
        return await viewer_licenses(info)

    @strawberry.field(description="个人收件箱的未读数。")
    async def unread_count(self) -> int:
        return await unread_messages("account_id", await self.account_id())


@declare(Access.PER_PRINCIPAL, Domain.IDENTITY)
@strawberry.type(description="图形验证码：5分钟内有效，只能使用一次。")
class Captcha:
    id: str
    image: str = strawberry.field(description="PNG 图片的 data URL。")
    expires_in: int


@root(Access.PUBLIC)
@strawberry.type
class IdentityQuery:
    # unlike the rest of this public mixin, the answer is who asks
    @strawberry.field(
        description="当前登录者；未登录时为空。", metadata=override(Access.PER_PRINCIPAL)
    )
    async def viewer(self, info: Info) -> Viewer | None:
        principal = info.context.principal
        return Viewer(principal=principal) if principal.has_account else None

    @strawberry.field(description="认证门户公告，最新在前。")
    async def announcements(
        self, first: int = 10, after: str | None = None
    ) -> Connection[Announcement]:
        page = await services.announcements(first, after)
        return Connection.build(
            [(cursor, Announcement.from_row(row)) for cursor, row in page.pairs()],
            has_next=page.has_next,
            after=after,
            total=page.total,
        )

    @strawberry.field(
        description="每日每个应用的登录次数（仅系统管理员）。", permission_classes=[Administrator]
    )
    async def login_statistics(self, days: int = 30) -> list[LoginStatistic]:
        return [
            LoginStatistic(
                day=s.day,
                client_id=s.client_id,
                client_name=s.client_name,
                successes=s.successes,
                failures=s.failures,
            )
            for s in await resolvers.login_statistics(days)
        ]
