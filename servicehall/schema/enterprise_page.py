"""The enterprise dedicated page (ENT-4..12): shared parts, public types and the query root.

Public (anyone): qualifications, credit records, related enterprises. Private (the
enterprise's own accounts, and staff with the ``enterprise_data_reader`` role): tax,
insurance, non-bank credit, subscriptions, mailbox, reminders — guarded by
:class:`EnterpriseData`; every tax and insurance read is audited with the reader.

The private parts live beside it: ``enterprise_records.py`` (tax, insurance, non-bank
credit) and ``enterprise_mailbox.py`` (subscriptions, messages, reminders).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Protocol, Self, TypeVar

import orjson
import strawberry

from servicehall.clock import local_today
from servicehall.loaders import Row
from servicehall.resolvers import enterprise_page as resolvers
from servicehall.resolvers.enums import (
    Channel,
    CreditKind,
    InfoKind,
    InsuranceType,
    MessageCategory,
    NonBankCategory,
    NonBankStatus,
    QualificationStatus,
    ReminderKind,
    SubscriptionTarget,
    TaxType,
)
from servicehall.resolvers.paging import Page
from servicehall.schema.common import Connection, Labelled, Money, labelled, local_time
from servicehall.schema.context import Context, Info
from servicehall.schema.permissions import AuditedPermission
from servicehall.schema.policy import Access, Domain, declare, root

for _enum in (
    Channel,
    CreditKind,
    InfoKind,
    InsuranceType,
    MessageCategory,
    NonBankCategory,
    NonBankStatus,
    QualificationStatus,
    ReminderKind,
    SubscriptionTarget,
    TaxType,
):
    strawberry.enum(_enum)

FIRST_YEAR = 2000
N = TypeVar("N")


class EnterpriseKey(Protocol):
    """What the page's resolvers need of the ``Enterprise`` they hang off."""

    row_id: int
    credit_code: str


class EnterpriseData(AuditedPermission):
    """The enterprise's own accounts, and staff with the explicit reader role.

    Fields it guards are nullable: a refusal nulls that field, not the enterprise.
    """

    message = "无权查看该企业的非公开信息"

    def allowed(self, source: Any, info: Info) -> bool:
        return resolvers.can_read_private(info.context.principal, source.credit_code)

    def target(self, source: Any) -> str:
        return f"enterprise:{source.credit_code}"


async def audit(context: Context, action: str, target: str, **details: Any) -> None:
    """Write an audit event before the data leaves (a tick's events share one INSERT)."""
    await context.loaders.audit.load(
        (
            action,
            context.principal.identity,
            target,
            context.client_ip,
            orjson.dumps(details, option=orjson.OPT_SORT_KEYS).decode(),
        )
    )


def _money(value: Any) -> Money:
    return Money(Decimal(str(value)).quantize(Decimal("0.01")))


def _total(amounts: Iterable[Money]) -> Money:
    return Money(sum(amounts, Decimal("0.00")))


def _page(nodes: list[tuple[str, N]], page: Page, after: str | None) -> Connection[N]:
    return Connection.build(nodes, has_next=page.has_next, after=after, total=page.total)


# -- public: qualifications, credit, related enterprises ---------------------------------


@declare(Access.PUBLIC, Domain.ENTERPRISE)
@strawberry.type(description="资质认证（ENT-4）。")
class Qualification:
    certificate_number: str
    name: str
    grade: str
    certifying_body: str = strawberry.field(description="认定机构。")
    certified_on: date
    valid_from: date
    valid_to: date | None = strawberry.field(description="有效期至；为空表示长期有效。")
    publisher: str = strawberry.field(description="发布单位。")
    status: Labelled[QualificationStatus] = strawberry.field(
        description="有效、90天内到期或已过期。"
    )

    @classmethod
    def from_row(cls, row: Row, today: date) -> Self:
        return cls(
            certificate_number=row["certificate_number"],
            name=row["name"],
            grade=row["grade"],
            certifying_body=row["certifying_body"],
            certified_on=row["certified_on"],
            valid_from=row["valid_from"],
            valid_to=row["valid_to"],
            publisher=row["publisher"],
            status=labelled(QualificationStatus.of(row["valid_to"], today)),
        )


@declare(Access.PUBLIC, Domain.ENTERPRISE)
@strawberry.type(description="信用记录：守信激励或失信惩戒（ENT-5），依法公示。")
class CreditRecord:
    kind: Labelled[CreditKind]
    decision_number: str = strawberry.field(description="决定文书号。")
    content: str
    reason: str
    issuer: str = strawberry.field(description="认定部门。")
    published_on: date
    publish_until: date | None = strawberry.field(description="公示截止日期。")

    @classmethod
    def from_row(cls, row: Row) -> Self:
        return cls(
            kind=labelled(CreditKind(row["kind"])),
            decision_number=row["decision_number"],
            content=row["content"],
            reason=row["reason"],
            issuer=row["issuer"],
            published_on=row["published_on"],
            publish_until=row["publish_until"],
        )


@declare(Access.PUBLIC, Domain.ENTERPRISE)
@strawberry.type(description="经营范围相关的本区企业（商情信息，ENT-10），仅公开字段。")
class RelatedEnterprise:
    credit_code: str
    name: str
    entity_type: str
    address: str
    shared_industries: int = strawberry.field(description="相同的行业大类数。")


async def qualifications(root: strawberry.Parent[EnterpriseKey], info: Info) -> list[Qualification]:
    today = local_today()
    rows = await info.context.loaders.qualifications.load(root.row_id)
    return [Qualification.from_row(row, today) for row in rows]


async def credit_records(
    root: strawberry.Parent[EnterpriseKey], first: int = 10, after: str | None = None
) -> Connection[CreditRecord]:
    page = await resolvers.credit_records(root.row_id, first=first, after=after)
    return _page(
        [(c, CreditRecord.from_row(r)) for c, r in zip(page.cursors, page.rows, strict=True)],
        page,
        after,
    )


async def related_enterprises(
    root: strawberry.Parent[EnterpriseKey], first: int = 10
) -> list[RelatedEnterprise]:
    rows = await resolvers.related_enterprises(root.row_id, first=first)
    return [
        RelatedEnterprise(
            credit_code=r["credit_code"],
            name=r["name"],
            entity_type=r["entity_type"],
            address=r["address"],
            shared_industries=int(r["shared"]),
        )
        for r in rows
    ]


# -- government information (ENT-9), public -----------------------------------------------


@declare(Access.PUBLIC, Domain.INFORMATION)
@strawberry.type(description="政务信息：部门通知、招商引资、政策法规（ENT-9）。")
class GovernmentInformation:
    id: strawberry.ID
    kind: Labelled[InfoKind]
    title: str
    summary: str
    body: str
    department_code: str | None
    department_name: str | None
    topic_code: str | None
    topic_name: str | None
    published_at: datetime

    @classmethod
    def from_row(cls, row: Row) -> Self:
        return cls(
            id=strawberry.ID(str(row["id"])),
            kind=labelled(InfoKind(row["kind"])),
            title=row["title"],
            summary=row["summary"],
            body=row["body"],
            department_code=row["department_code"],
            department_name=row["department_name"],
            topic_code=row["topic_code"],
            topic_name=row["topic_name"],
            published_at=local_time(row["published_at"]),  # type: ignore[arg-type]
        )


@strawberry.input(description="政务信息筛选。")
class GovernmentInformationFilter:
    kind: InfoKind | None = None
    departments: list[str] | None = None
    topics: list[str] | None = None
    keyword: str | None = None


@root(Access.PUBLIC)
@strawberry.type
class EnterprisePageQuery:
    @strawberry.field(description="政务信息（公开），按类别、部门、主题筛选，最新在前。")
    async def government_information(
        self,
        filter: GovernmentInformationFilter | None = None,
        first: int = 20,
        after: str | None = None,
    ) -> Connection[GovernmentInformation]:
        chosen = filter or GovernmentInformationFilter()
        flt = resolvers.InfoFilter(
            kind=chosen.kind,
            departments=tuple(chosen.departments or ()),
            topics=tuple(chosen.topics or ()),
            keyword=chosen.keyword,
        )
        page = await resolvers.government_information(flt, first=first, after=after)
        return _page(
            [
                (c, GovernmentInformation.from_row(r))
                for c, r in zip(page.cursors, page.rows, strict=True)
            ],
            page,
            after,
        )
