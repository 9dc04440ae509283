"""Departments' browse rights on catalogue entries (LIC-2) in the schema."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date, datetime
from typing import Any, Self

import strawberry

from servicehall.clock import local_today
from servicehall.loaders import Row
from servicehall.resolvers import license_grants as resolvers
from servicehall.resolvers.enums import GrantStatus
from servicehall.resolvers.outcome import Outcome
from servicehall.schema.common import Connection, Labelled, labelled, local_time
from servicehall.schema.context import Info
from servicehall.schema.errors import UserError, respond
from servicehall.schema.items import Department
from servicehall.schema.license_catalog import LicenseCatalogEntry
from servicehall.schema.policy import Access, Domain, declare, root

strawberry.enum(GrantStatus, name="LicenseGrantStatus", description="证照查阅授权状态（LIC-2）。")


@declare(Access.PRIVATE, Domain.LICENSES)
@strawberry.type(description="部门对一类证照的查阅授权（LIC-2）：申请、审核、撤销均留痕。")
class LicenseGrant:
    entry_id: strawberry.Private[int]
    department_id: strawberry.Private[int]
    id: strawberry.ID
    status: Labelled[GrantStatus] = strawberry.field(description="超过截止日期的授权为已到期。")
    reason: str = strawberry.field(description="申请理由。")
    expires_on: date | None = strawberry.field(description="授权截止日期（含当日）；为空不限。")
    requested_at: datetime
    requested_by: str
    decided_at: datetime | None
    decided_by: str | None
    decision_note: str | None
    revoked_at: datetime | None
    revoked_by: str | None
    revoke_reason: str | None

    @classmethod
    def from_row(cls, row: Row) -> Self:
        expires = row["expires_on"]
        status = resolvers.effective_status(GrantStatus(row["status"]), expires, local_today())
        return cls(
            entry_id=row["entry_id"],
            department_id=row["department_id"],
            id=strawberry.ID(str(row["id"])),
            status=labelled(status),
            reason=row["reason"],
            expires_on=expires,
            requested_at=local_time(row["requested_at"]),  # type: ignore[arg-type]
            requested_by=row["requested_by_name"],
            decided_at=local_time(row["decided_at"]),
            decided_by=row["decided_by_name"] or None,
            decision_note=row["decision_note"] or None,
            revoked_at=local_time(row["revoked_at"]),
            revoked_by=row["revoked_by_name"] or None,
            revoke_reason=row["revoke_reason"] or None,
        )

    @strawberry.field(description="授权查阅的证照目录。")
    async def catalog_entry(self, info: Info) -> LicenseCatalogEntry:
        row = await info.context.loaders.catalog_entries_by_id.load(self.entry_id)
        return LicenseCatalogEntry.from_row(row)  # type: ignore[arg-type]  # FK guarantees it

    @strawberry.field(description="获得（或申请）授权的部门。")
    async def department(self, info: Info) -> Department:
        row = await info.context.loaders.departments_by_id.load(self.department_id)
        return Department.from_row(row)  # type: ignore[arg-type]  # FK guarantees it


# grants show to their department and administrators
@root(Access.PRIVATE)
@strawberry.type
class LicenseGrantQuery:
    @strawberry.field(
        description="证照查阅授权，最新申请在前：系统管理员看全部，部门工作人员看本部门申请的"
        "和本部门证照目录上的。"
    )
    async def license_grants(
        self,
        info: Info,
        catalog_code: str | None = None,
        department_code: str | None = None,
        statuses: list[GrantStatus] | None = None,
        first: int = 20,
        after: str | None = None,
    ) -> Connection[LicenseGrant]:
        page = await resolvers.grants_page(
            info.context.principal,
            catalog_code=catalog_code,
            department_code=department_code,
            statuses=statuses or (),
            today=local_today(),
            first=first,
            after=after,
        )
        return Connection.build(
            [(c, LicenseGrant.from_row(r)) for c, r in zip(page.cursors, page.rows, strict=True)],
            has_next=page.has_next,
            after=after,
            total=page.total,
        )


@strawberry.input(description="申请查阅一类证照（本部门证照查阅人）。")
class RequestLicenseGrantInput:
    catalog_code: str
    reason: str
    until: date | None = strawberry.field(default=None, description="希望的授权截止日期。")


@strawberry.input(description="审核查阅授权申请（系统管理员）。")
class DecideLicenseGrantInput:
    grant_id: strawberry.ID
    approve: bool
    note: str = strawberry.field(default="", description="审核意见；不予授权时必填。")
    expires_on: date | None = strawberry.field(
        default=None, description="授权截止日期；为空按申请的截止日期。"
    )


@strawberry.input(description="撤销查阅授权（系统管理员）。")
class RevokeLicenseGrantInput:
    grant_id: strawberry.ID
    reason: str


@declare(Access.PER_PRINCIPAL, Domain.LICENSES)
@strawberry.type
class LicenseGrantPayload:
    errors: list[UserError]
    grant: LicenseGrant | None = None


async def _grant(info: Info, grant: Any) -> LicenseGrantPayload:
    row = await info.context.loaders.grants_by_id.load(grant.id)
    return LicenseGrantPayload(errors=[], grant=LicenseGrant.from_row(row))  # type: ignore[arg-type]


async def _payload(info: Info, run: Callable[[], Awaitable[Outcome[Any]]]) -> LicenseGrantPayload:
    return await respond(info.context, run, LicenseGrantPayload, lambda grant: _grant(info, grant))


@root(Access.PER_PRINCIPAL)
@strawberry.type
class LicenseGrantMutation:
    @strawberry.mutation(description="申请查阅一类已发布的证照（LIC-2）。")
    async def request_license_grant(
        self, info: Info, input: RequestLicenseGrantInput
    ) -> LicenseGrantPayload:
        return await _payload(
            info,
            lambda: resolvers.request_grant.outcome(
                info.context.principal,
                input.catalog_code,
                reason=input.reason,
                until=input.until,
                today=local_today(),
                ip=info.context.client_ip,
            ),
        )

    @strawberry.mutation(description="审核查阅授权申请：授权或不予授权（系统管理员）。")
    async def decide_license_grant(
        self, info: Info, input: DecideLicenseGrantInput
    ) -> LicenseGrantPayload:
        return await _payload(
            info,
            lambda: resolvers.decide_grant.outcome(
                info.context.principal,
                str(input.grant_id),
                approve=input.approve,
                note=input.note,
                expires_on=input.expires_on,
                today=local_today(),
                ip=info.context.client_ip,
            ),
        )

    @strawberry.mutation(description="撤销查阅授权，立即生效（系统管理员）。")
    async def revoke_license_grant(
        self, info: Info, input: RevokeLicenseGrantInput
    ) -> LicenseGrantPayload:
        return await _payload(
            info,
            lambda: resolvers.revoke_grant.outcome(
                info.context.principal,
                str(input.grant_id),
                reason=input.reason,
                ip=info.context.client_ip,
            ),
        )
