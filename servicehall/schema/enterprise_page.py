"""The enterprise dedicated page (ENT-4..12): types and the resolvers ``Enterprise`` wires in.

Public (anyone): qualifications, credit records, related enterprises. Private (the
enterprise's own accounts, and staff with the ``enterprise_data_reader`` role): tax,
insurance, non-bank credit, subscriptions, mailbox, reminders — guarded by
:class:`EnterpriseData`; every tax and insurance read is audited with the reader.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Protocol, Self, TypeVar

import orjson
import strawberry

from servicehall.clock import local_today
from servicehall.errors import InvalidInput
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


# -- private: tax and insurance ----------------------------------------------------------


@declare(Access.PRIVATE, Domain.ENTERPRISE)
@strawberry.type(description="一笔纳税明细。")
class TaxLine:
    tax_type: Labelled[TaxType]
    amount: Money
    period_start: date = strawberry.field(description="税款所属期起。")
    period_end: date = strawberry.field(description="税款所属期止。")
    authority: str = strawberry.field(description="征收机关。")
    voucher_number: str = strawberry.field(description="完税凭证号。")


@declare(Access.PRIVATE, Domain.ENTERPRISE)
@strawberry.type(description="某月纳税（无缴纳的月份金额为0）。")
class TaxMonth:
    month: int
    total: Money
    lines: list[TaxLine]


@declare(Access.PRIVATE, Domain.ENTERPRISE)
@strawberry.type(description="某年逐月纳税信息（ENT-6）。")
class TaxYear:
    year: int
    total: Money
    months: list[TaxMonth]


@declare(Access.PRIVATE, Domain.ENTERPRISE)
@strawberry.type(description="一个险种的参保明细。")
class InsuranceLine:
    insurance_type: Labelled[InsuranceType]
    insured_count: int = strawberry.field(description="参保人数。")
    amount: Money = strawberry.field(description="单位与个人缴费合计。")
    authority: str


@declare(Access.PRIVATE, Domain.ENTERPRISE)
@strawberry.type(description="某月参保情况。")
class InsuranceMonth:
    month: int
    insured_count: int = strawberry.field(description="参保人数（各险种中最多者）。")
    total: Money
    lines: list[InsuranceLine]


@declare(Access.PRIVATE, Domain.ENTERPRISE)
@strawberry.type(description="某年逐月参保信息（ENT-7）。")
class InsuranceYear:
    year: int
    total: Money
    months: list[InsuranceMonth]


#: Lines of a month in the order of the tax and insurance types' declarations (养老、医疗、
#: 失业、工伤、生育), as the departments' own statements list them.
_DECLARED = {m.value: n for kind in (TaxType, InsuranceType) for n, m in enumerate(kind)}


def _in_declared_order(row: Row) -> tuple[int, int]:
    return int(row["month"]), _DECLARED[row["category"]]


def _check_year(year: int) -> None:
    this_year = local_today().year
    if not FIRST_YEAR <= year <= this_year:
        raise InvalidInput(f"年度应在{FIRST_YEAR}到{this_year}之间", field="year")


async def tax_year(root: strawberry.Parent[EnterpriseKey], info: Info, year: int) -> TaxYear | None:
    _check_year(year)
    await audit(info.context, "tax.read", f"enterprise:{root.credit_code}", year=year)
    rows = await info.context.loaders.payment_years.load(("tax", root.row_id, year))
    rows = sorted(rows, key=_in_declared_order)
    by_month: dict[int, list[TaxLine]] = defaultdict(list)
    for row in rows:
        by_month[int(row["month"])].append(
            TaxLine(
                tax_type=labelled(TaxType(row["category"])),
                amount=_money(row["amount"]),
                period_start=row["period_start"],
                period_end=row["period_end"],
                authority=row["authority"],
                voucher_number=row["reference"],
            )
        )
    months = [
        TaxMonth(
            month=m,
            total=_total(line.amount for line in by_month[m]),
            lines=by_month[m],
        )
        for m in range(1, 13)
    ]
    return TaxYear(year=year, total=_total(m.total for m in months), months=months)


async def insurance_year(
    root: strawberry.Parent[EnterpriseKey], info: Info, year: int
) -> InsuranceYear | None:
    _check_year(year)
    await audit(info.context, "insurance.read", f"enterprise:{root.credit_code}", year=year)
    rows = await info.context.loaders.payment_years.load(("insurance", root.row_id, year))
    rows = sorted(rows, key=_in_declared_order)
    by_month: dict[int, list[InsuranceLine]] = defaultdict(list)
    for row in rows:
        by_month[int(row["month"])].append(
            InsuranceLine(
                insurance_type=labelled(InsuranceType(row["category"])),
                insured_count=int(row["insured_count"]),
                amount=_money(row["amount"]),
                authority=row["authority"],
            )
        )
    months = [
        InsuranceMonth(
            month=m,
            insured_count=max((line.insured_count for line in by_month[m]), default=0),
            total=_total(line.amount for line in by_month[m]),
            lines=by_month[m],
        )
        for m in range(1, 13)
    ]
    return InsuranceYear(year=year, total=_total(m.total for m in months), months=months)


# -- private: non-bank credit, subscriptions, mailbox, reminders --------------------------


@declare(Access.PRIVATE, Domain.ENTERPRISE)
@strawberry.type(description="非银信用信息（ENT-8）。")
class NonBankCreditRecord:
    reference: str
    category: Labelled[NonBankCategory]
    subject: str
    status: Labelled[NonBankStatus]
    amount: Money | None
    period: str
    source: str = strawberry.field(description="信息来源单位。")
    recorded_on: date


async def non_bank_credit(
    root: strawberry.Parent[EnterpriseKey], first: int = 20, after: str | None = None
) -> Connection[NonBankCreditRecord] | None:
    page = await resolvers.non_bank_records(root.row_id, first=first, after=after)
    nodes = [
        (
            cursor,
            NonBankCreditRecord(
                reference=r["reference"],
                category=labelled(NonBankCategory(r["category"])),
                subject=r["subject"],
                status=labelled(NonBankStatus(r["status"])),
                amount=None if r["amount"] is None else _money(r["amount"]),
                period=r["period"],
                source=r["source"],
                recorded_on=r["recorded_on"],
            ),
        )
        for cursor, r in zip(page.cursors, page.rows, strict=True)
    ]
    return _page(nodes, page, after)


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
