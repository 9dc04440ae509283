"""The enterprise registry's public record (ENT-3)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import ClassVar, Self

import strawberry
from strawberry import relay

from servicehall.clock import local_today
from servicehall.codes import CreditCode, parse_enterprise_code
from servicehall.loaders import Row
from servicehall.resolvers.enums import EnterpriseStatus
from servicehall.schema import enterprise_mailbox as mailbox
from servicehall.schema import enterprise_page as page
from servicehall.schema import enterprise_records as records
from servicehall.schema.cases import case_statistics
from servicehall.schema.common import Labelled, LoadedNode, labelled, local_time
from servicehall.schema.context import Info
from servicehall.schema.items import BusinessScope
from servicehall.schema.license_access import LicenseHolder
from servicehall.schema.licenses import enterprise_licenses
from servicehall.schema.policy import Access, Domain, declare, root

strawberry.enum(EnterpriseStatus)


@declare(Access.PUBLIC, Domain.ENTERPRISE)
@strawberry.federation.type(keys=["creditCode"], description="企业（市场主体登记信息的公开部分）。")
class Enterprise(LoadedNode):
    loader: ClassVar[str] = "enterprises_by_credit_code"
    key_field: ClassVar[str] = "creditCode"
    key: relay.NodeID[str]
    row_id: strawberry.Private[int]
    credit_code: str = strawberry.field(description="统一社会信用代码。")
    registration_number: str | None = strawberry.field(description="原工商注册号（15位）。")
    name: str
    entity_type: str = strawberry.field(description="企业类型。")
    legal_representative: str = strawberry.field(description="法定代表人。")
    registered_capital: Decimal | None = strawberry.field(description="注册资本（元）。")
    established_on: date = strawberry.field(description="成立日期。")
    licence_valid_from: date = strawberry.field(description="营业期限自。")
    licence_valid_to: date | None = strawberry.field(description="营业期限至；为空表示长期。")
    registration_authority: str = strawberry.field(description="登记机关。")
    address: str = strawberry.field(description="住所。")
    business_scope: str = strawberry.field(description="经营范围。")
    status: Labelled[EnterpriseStatus] = strawberry.field(description="登记状态。")
    updated_at: datetime

    @classmethod
    def from_row(cls, row: Row) -> Self:
        return cls(
            key=row["credit_code"],
            row_id=row["id"],
            credit_code=row["credit_code"],
            registration_number=row["registration_number"],
            name=row["name"],
            entity_type=row["entity_type"],
            legal_representative=row["legal_representative"],
            registered_capital=row["registered_capital"],
            established_on=row["established_on"],
            licence_valid_from=row["licence_valid_from"],
            licence_valid_to=row["licence_valid_to"],
            registration_authority=row["registration_authority"],
            address=row["address"],
            business_scope=row["business_scope"],
            status=labelled(EnterpriseStatus(row["status"])),
            updated_at=local_time(row["updated_at"]),  # type: ignore[arg-type]
        )

    @strawberry.field(description="组织机构代码（统一社会信用代码第9至17位）。")
    def organization_code(self) -> str:
        return CreditCode(self.credit_code).organization_code

    @strawberry.field(description="营业执照今天是否在有效期内且登记状态为存续。")
    def licence_valid(self) -> bool:
        today = local_today()
        in_term = self.licence_valid_from <= today and (
            self.licence_valid_to is None or today <= self.licence_valid_to
        )
        return in_term and self.status.value is EnterpriseStatus.OPERATING

    @strawberry.field(description="营业期限，如“2015年03月01日至长期”。")
    def licence_term(self) -> str:
        end = "长期" if self.licence_valid_to is None else _cn_date(self.licence_valid_to)
        return f"{_cn_date(self.licence_valid_from)}至{end}"

    # The enterprise page (ENT-4..12): public fields first, then the guarded private ones.
    qualifications = strawberry.field(resolver=page.qualifications, description="资质认证。")
    credit_records = strawberry.field(
        resolver=page.credit_records, description="信用记录（守信激励、失信惩戒），最新在前。"
    )
    related_enterprises = strawberry.field(
        resolver=page.related_enterprises, description="经营范围相关的本区企业（商情信息）。"
    )
    tax_year = strawberry.field(
        resolver=records.tax_year,
        permission_classes=[page.EnterpriseData],
        description="某年逐月纳税信息（仅本企业及授权人员，读取留痕）。",
    )
    insurance_year = strawberry.field(
        resolver=records.insurance_year,
        permission_classes=[page.EnterpriseData],
        description="某年逐月参保信息（仅本企业及授权人员，读取留痕）。",
    )
    non_bank_credit = strawberry.field(
        resolver=records.non_bank_credit,
        permission_classes=[page.EnterpriseData],
        description="非银信用信息。",
    )
    subscriptions = strawberry.field(
        resolver=mailbox.subscriptions, permission_classes=[page.EnterpriseData]
    )
    messages = strawberry.field(
        resolver=mailbox.messages, permission_classes=[page.EnterpriseData], description="站内信。"
    )
    unread_count = strawberry.field(
        resolver=mailbox.unread_count,
        permission_classes=[page.EnterpriseData],
        description="未读站内信数。",
    )
    reminders = strawberry.field(
        resolver=mailbox.reminders,
        permission_classes=[page.EnterpriseData],
        description="温馨提示（未处理的在前，按到期日排序）。",
    )

    case_statistics = strawberry.field(
        resolver=case_statistics,
        permission_classes=[page.EnterpriseData],
        description="办件统计：已办结、在办、本月办结（ENT-13）。",
    )

    licenses = strawberry.field(
        resolver=enterprise_licenses,
        permission_classes=[LicenseHolder],
        description="本企业的电子证照，最新签发在前（ENT-14；仅本企业可见）。",
    )

    @strawberry.field(description="所属行业（国民经济行业大类）。")
    async def industries(self, info: Info) -> list[BusinessScope]:
        rows = await info.context.loaders.enterprise_industries.load(self.row_id)
        return [BusinessScope.from_row(row) for row in rows]


def _cn_date(value: date) -> str:
    return f"{value.year}年{value.month:02d}月{value.day:02d}日"


@root(Access.PUBLIC)
@strawberry.type
class EnterpriseQuery:
    @strawberry.field(
        description="按统一社会信用代码（或原15位工商注册号）查看企业公开信息；未登记时为空。"
    )
    async def enterprise(self, info: Info, credit_code: str) -> Enterprise | None:
        column, code = parse_enterprise_code(credit_code)
        loaders = info.context.loaders
        loader = (
            loaders.enterprises_by_credit_code
            if column == "credit_code"
            else loaders.enterprises_by_registration_number
        )
        row = await loader.load(code)
        return None if row is None else Enterprise.from_row(row)
