"""Case mutations (submit, register, advance: CASE-1, CASE-2) and the live progress
subscription (CASE-3): thin adapters over the case services."""

from __future__ import annotations

from collections.abc import AsyncGenerator

import orjson
import strawberry
from strawberry.types import Info as StrawberryInfo

from servicehall.loaders import Loaders
from servicehall.resolvers import case_writes
from servicehall.resolvers.enums import (
    ApplicantKind,
    CaseChannel,
    CaseOutcome,
    CaseStage,
)
from servicehall.schema.cases import Case, CaseRecordType, proven
from servicehall.schema.context import Context, Info
from servicehall.schema.errors import UserError, respond
from servicehall.schema.policy import Access, Domain, declare, root

# -- mutations ---------------------------------------------------------------------------------


@strawberry.input
class SubmitCaseInput:
    item_code: str
    channel: CaseChannel = CaseChannel.WEB
    note: str = ""


@strawberry.input
class RegisterCaseInput:
    item_code: str
    applicant_kind: ApplicantKind
    applicant_name: str
    applicant_code: str = strawberry.field(description="身份证号码或统一社会信用代码。")
    applicant_phone: str = ""
    note: str = ""


@strawberry.input
class AdvanceCaseInput:
    case_number: str
    stage: CaseStage
    note: str = ""
    outcome: CaseOutcome | None = strawberry.field(default=None, description="办结时必填。")


@declare(Access.PER_PRINCIPAL, Domain.CASES)
@strawberry.type
class CasePayload:
    errors: list[UserError]
    case: Case | None = None


async def _case(info: Info, number: str) -> CasePayload:
    row = await info.context.loaders.cases_by_number.load(number)
    return CasePayload(errors=[], case=Case.from_row(row, masked=False))  # type: ignore[arg-type]


@root(Access.PER_PRINCIPAL)
@strawberry.type
class CaseMutation:
    @strawberry.mutation(description="网上申办事项（个人、企业账号）。")
    async def submit_case(self, info: Info, input: SubmitCaseInput) -> CasePayload:
        context = info.context
        return await respond(
            context,
            lambda: case_writes.submit_case(
                context.principal,
                input.item_code,
                input.channel,
                note=input.note,
                ip=context.client_ip,
            ),
            CasePayload,
            lambda number: _case(info, number),
        )

    @strawberry.mutation(description="窗口收件登记（本部门办件经办人）。")
    async def register_case(self, info: Info, input: RegisterCaseInput) -> CasePayload:
        context = info.context
        return await respond(
            context,
            lambda: case_writes.register_case(
                context.principal,
                input.item_code,
                applicant_kind=input.applicant_kind,
                applicant_name=input.applicant_name,
                applicant_code=input.applicant_code,
                applicant_phone=input.applicant_phone,
                note=input.note,
                ip=context.client_ip,
            ),
            CasePayload,
            lambda number: _case(info, number),
        )

    @strawberry.mutation(description="办件转入下一环节（本部门办件经办人，CASE-2）。")
    async def advance_case(self, info: Info, input: AdvanceCaseInput) -> CasePayload:
        context = info.context
        return await respond(
            context,
            lambda: case_writes.advance(
                context.principal,
                input.case_number,
                input.stage,
                note=input.note,
                outcome=input.outcome,
                calendar=context.calendar,
                cache=context.cache,
                notifier=context.notifier,
                ip=context.client_ip,
            ),
            CasePayload,
            lambda number: _case(info, number),
        )


# -- live progress ---------------------------------------------------------------------------


@declare(Access.PER_PRINCIPAL, Domain.CASES)
@strawberry.type(description="办件进度的一次变化。")
class CaseProgressEvent:
    case: Case
    record: CaseRecordType = strawberry.field(description="新增的过程记录。")


@root(Access.PER_PRINCIPAL)
@strawberry.type
class CaseSubscription:
    @strawberry.subscription(
        description="订阅办件进度（凭办件编号和申请人姓名）：每新增一条过程记录推送一次。"
    )
    async def case_progress_changed(
        self, info: StrawberryInfo[Context, None], case_number: str, applicant_name: str
    ) -> AsyncGenerator[CaseProgressEvent, None]:
        number = await proven(info, case_number, applicant_name)
        async with info.context.cache.subscribe(f"case:{number}") as messages:
            async for raw in messages:
                event = orjson.loads(raw)
                info.context.loaders = Loaders()  # every event reads the case afresh
                row = await info.context.loaders.cases_by_number.load(number)
                if row is None:
                    continue
                records = await info.context.loaders.case_records.load(row["id"])
                record = next((r for r in records if r["id"] == event["recordId"]), None)
                if row is None or record is None:
                    continue
                yield CaseProgressEvent(
                    case=Case.from_row(row, masked=True),
                    record=CaseRecordType.from_row(record, masked=True),
                )
