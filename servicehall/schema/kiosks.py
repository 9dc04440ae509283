"""Kiosk devices in the schema (STA-4): administrators register a terminal at a station
(its secret is returned once) and revoke it with a reason; the terminal then runs
``servicehall kiosk``."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Self

import strawberry

from servicehall.resolvers import kiosks as resolvers
from servicehall.schema.common import local_time
from servicehall.schema.context import Info
from servicehall.schema.errors import UserError, respond
from servicehall.schema.permissions import Administrator
from servicehall.schema.policy import Access, Domain, declare, root
from servicehall.schema.stations import Station


@declare(Access.PRIVATE, Domain.KIOSKS)
@strawberry.type(description="自助终端：登记在某个办事站，以机器客户端身份调用大厅。")
class KioskDevice:
    station_code: strawberry.Private[str]
    client_id: str = strawberry.field(description="终端的客户端编号（client_id）。")
    name: str
    registered_by: str = strawberry.field(description="登记人。")
    registered_at: datetime
    revoked_at: datetime | None = strawberry.field(description="撤销登记的时间；在用时为空。")

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Self:
        return cls(
            station_code=row["station_code"],
            client_id=row["client_id"],
            name=row["name"],
            registered_by=row["registered_by"],
            registered_at=local_time(row["created_at"]),  # type: ignore[arg-type]
            revoked_at=local_time(row["revoked_at"]),
        )

    @strawberry.field
    def active(self) -> bool:
        return self.revoked_at is None

    @strawberry.field(description="登记的办事站。")
    async def station(self, info: Info) -> Station:
        station = await Station.load(info, self.station_code)
        assert station is not None  # FK guarantees it
        return station


@root(Access.PRIVATE)
@strawberry.type
class KioskQuery:
    @strawberry.field(
        description="已登记的自助终端（仅系统管理员），可按办事站筛选。",
        permission_classes=[Administrator],
    )
    async def kiosk_devices(self, station_code: str | None = None) -> list[KioskDevice]:
        return [KioskDevice.from_row(row) for row in await resolvers.list_devices(station_code)]


@strawberry.input(description="在办事站登记一台自助终端。")
class RegisterKioskDeviceInput:
    station_code: str = strawberry.field(description="镇街办事站（9位）或村居办事点（12位）编码。")
    name: str = strawberry.field(description="终端名称，如“井岸镇办事站1号自助终端”。")
    client_id: str | None = strawberry.field(
        default=None, description="客户端编号；不填则为 kiosk-<编码>-<序号>。"
    )


@declare(Access.PER_PRINCIPAL, Domain.KIOSKS)
@strawberry.type
class RegisterKioskDevicePayload:
    errors: list[UserError]
    device: KioskDevice | None = None
    client_secret: str | None = strawberry.field(
        default=None,
        description="终端密钥：只返回这一次，只配置在终端的 kiosk 进程中，绝不进入浏览器。",
    )


@strawberry.input(description="撤销一台自助终端的登记。")
class RevokeKioskDeviceInput:
    client_id: str
    reason: str = strawberry.field(description="撤销登记的理由（必填，记入终端的办理记录）。")


@declare(Access.PER_PRINCIPAL, Domain.KIOSKS)
@strawberry.type
class RevokeKioskDevicePayload:
    errors: list[UserError]
    device: KioskDevice | None = None


@root(Access.PER_PRINCIPAL)
@strawberry.type
class KioskMutation:
    @strawberry.mutation(description="登记自助终端（仅系统管理员，STA-4）。")
    async def register_kiosk_device(
        self, info: Info, input: RegisterKioskDeviceInput
    ) -> RegisterKioskDevicePayload:
        context = info.context
        return await respond(
            context,
            lambda: resolvers.register(
                context.principal,
                station_code=input.station_code,
                name=input.name,
                client_id=input.client_id,
                ip=context.client_ip,
            ),
            RegisterKioskDevicePayload,
            lambda registered: RegisterKioskDevicePayload(
                errors=[],
                device=KioskDevice.from_row(resolvers.device_row(registered.device)),
                client_secret=registered.secret,
            ),
        )

    @strawberry.mutation(description="撤销自助终端的登记：其令牌立即失效（仅系统管理员）。")
    async def revoke_kiosk_device(
        self, info: Info, input: RevokeKioskDeviceInput
    ) -> RevokeKioskDevicePayload:
        context = info.context
        return await respond(
            context,
            lambda: resolvers.revoke(
                context.principal,
                input.client_id,
                reason=input.reason,
                auth=context.auth,
                ip=context.client_ip,
            ),
            RevokeKioskDevicePayload,
            lambda device: RevokeKioskDevicePayload(
                errors=[], device=KioskDevice.from_row(resolvers.device_row(device))
            ),
        )
