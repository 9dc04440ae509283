"""The enterprise page's private records (ENT-6..8): tax, insurance and non-bank credit.

Guarded by :class:`~servicehall.schema.enterprise_page.EnterpriseData` where ``Enterprise``
wires them in; every tax and insurance read is audited with the reader.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date

import strawberry

from servicehall.clock import local_today
from servicehall.errors import InvalidInput
from servicehall.loaders import Row
from servicehall.resolvers import enterprise_page as resolvers
from servicehall.resolvers.enums import (
    InsuranceType,
    NonBankCategory,
    NonBankStatus,
    TaxType,
)
from servicehall.schema.common import Connection, Labelled, Money, labelled
from servicehall.schema.context import Info
from servicehall.schema.enterprise_page import (
    FIRST_YEAR,
    EnterpriseKey,
    _money,
    _page,
    _total,
    audit,
)
from servicehall.schema.policy import Access, Domain, declare

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


# -- private: non-bank credit ------------------------------------------------------------


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
