"""Department data feeds through GraphQL (ENT-15): machine clients push batches.

Each mutation takes one batch, validates every record and writes all of it or nothing;
record errors come back as ``UserError`` entries whose ``field`` names the record and its
field (``records[3].amount``). Re-sending a batch changes nothing.
"""

from __future__ import annotations

import dataclasses
from datetime import date
from typing import Any

import strawberry

from servicehall.errors import ErrorCode
from servicehall.resolvers import feeds, ingest
from servicehall.resolvers.enums import (
    CreditKind,
    InsuranceType,
    NonBankCategory,
    NonBankStatus,
    TaxType,
)
from servicehall.schema.common import Money
from servicehall.schema.context import Info
from servicehall.schema.errors import UserError, respond
from servicehall.schema.policy import Access, Domain, declare, root


@strawberry.input(description="一条纳税记录（税务部门）。")
class TaxRecordInput:
    credit_code: str
    voucher_number: str = strawberry.field(description="完税凭证号：记录的唯一标识。")
    tax_type: TaxType
    year: int = strawberry.field(description="入库年度。")
    month: int = strawberry.field(description="入库月份。")
    amount: Money
    period_start: date
    period_end: date
    authority: str


@strawberry.input(description="某企业某月某险种的参保记录（人社部门）。")
class InsuranceRecordInput:
    credit_code: str
    year: int
    month: int
    insurance_type: InsuranceType
    insured_count: int
    amount: Money
    authority: str


@strawberry.input(description="一条信用记录（守信激励或失信惩戒）。")
class CreditRecordInput:
    credit_code: str
    kind: CreditKind
    decision_number: str
    content: str
    reason: str
    issuer: str
    published_on: date
    publish_until: date | None = None


@strawberry.input(description="一项资质认证。")
class QualificationInput:
    credit_code: str
    certificate_number: str
    name: str
    certifying_body: str
    certified_on: date
    valid_from: date
    publisher: str
    valid_to: date | None = None
    grade: str = ""


@strawberry.input(description="一条非银信用信息。")
class NonBankCreditRecordInput:
    credit_code: str
    reference: str
    category: NonBankCategory
    subject: str
    status: NonBankStatus
    period: str
    source: str
    recorded_on: date
    amount: Money | None = None


@strawberry.input
class TaxRecordsInput:
    records: list[TaxRecordInput]


@strawberry.input
class InsuranceRecordsInput:
    records: list[InsuranceRecordInput]


@strawberry.input
class CreditRecordsInput:
    records: list[CreditRecordInput]


@strawberry.input
class QualificationsInput:
    records: list[QualificationInput]


@strawberry.input
class NonBankCreditRecordsInput:
    records: list[NonBankCreditRecordInput]


@declare(Access.PER_PRINCIPAL, Domain.ENTERPRISE)
@strawberry.type(description="一批数据的处理结果：全部写入或全部不写入。")
class IngestPayload:
    errors: list[UserError]
    inserted: int | None = None
    updated: int | None = None
    unchanged: int | None = None


def _records(batch: Any) -> list[dict[str, Any]]:
    return [
        {feeds.camel(f.name): getattr(record, f.name) for f in dataclasses.fields(record)}
        for record in batch.records
    ]


def _answer(result: ingest.IngestResult) -> IngestPayload:
    """The batch written, or its records' errors (nothing was written)."""
    if result.errors:
        return IngestPayload(
            errors=[
                UserError(
                    code=ErrorCode.INVALID_INPUT,
                    message=(f"第{e.index + 1}条：" if e.index >= 0 else "") + e.message,
                    label="数据校验未通过",
                    field=f"records[{e.index}].{e.field}" if e.index >= 0 else e.field,
                )
                for e in result.errors
            ]
        )
    return IngestPayload(
        errors=[], inserted=result.inserted, updated=result.updated, unchanged=result.unchanged
    )


async def _run(info: Info, feed_name: str, batch: Any) -> IngestPayload:
    context = info.context
    feed = feeds.FEEDS[feed_name]
    return await respond(
        context,
        lambda: ingest.submit(context.principal, feed, _records(batch)),
        IngestPayload,
        _answer,
    )


@root(Access.PER_PRINCIPAL)
@strawberry.type
class FeedMutation:
    @strawberry.mutation(description="报送纳税记录（需 ingest:tax 权限）。")
    async def ingest_tax_records(self, info: Info, input: TaxRecordsInput) -> IngestPayload:
        return await _run(info, "tax", input)

    @strawberry.mutation(description="报送参保记录（需 ingest:insurance 权限）。")
    async def ingest_insurance_records(
        self, info: Info, input: InsuranceRecordsInput
    ) -> IngestPayload:
        return await _run(info, "insurance", input)

    @strawberry.mutation(description="报送信用记录（需 ingest:credit 权限）。")
    async def ingest_credit_records(self, info: Info, input: CreditRecordsInput) -> IngestPayload:
        return await _run(info, "credit", input)

    @strawberry.mutation(description="报送资质认证（需 ingest:qualification 权限）。")
    async def ingest_qualifications(self, info: Info, input: QualificationsInput) -> IngestPayload:
        return await _run(info, "qualification", input)

    @strawberry.mutation(description="报送非银信用信息（需 ingest:credit 权限）。")
    async def ingest_non_bank_credit_records(
        self, info: Info, input: NonBankCreditRecordsInput
    ) -> IngestPayload:
        return await _run(info, "non_bank", input)
