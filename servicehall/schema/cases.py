"""Cases and progress (CASE-1..3, ENT-13) in the schema.

``Case`` is one type for every reader: the applicant and staff see it in full; the public
lookup (``caseProgress``, proven by number and applicant name) sees it with the
applicant's name and ID number and the handlers' names masked.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Self

import strawberry

from servicehall.clock import local_today
from servicehall.codes import mask_id_number
from servicehall.errors import Forbidden, NotFound, Unauthenticated
from servicehall.loaders import Loaders, Row
from servicehall.numbering import format_case_number, parse_case_number
from servicehall.resolvers import case_views
from servicehall.resolvers import cases as resolvers
from servicehall.resolvers.case_proof import Proof
from servicehall.resolvers.enums import (
    ApplicantKind,
    CaseChannel,
    CaseOutcome,
    CaseStage,
    ClockLevel,
    RatingIndicator,
    RatingLevel,
)
from servicehall.resolvers.paging import Page
from servicehall.schema.common import Connection, Labelled, labelled, local_time
from servicehall.schema.context import Context, Info
from servicehall.schema.items import Department, ServiceItem
from servicehall.schema.licenses import License, case_licenses
from servicehall.schema.permissions import limit_lookups, refused
from servicehall.schema.policy import Access, Domain, declare, override, root

for _enum in (
    ApplicantKind,
    CaseChannel,
    CaseOutcome,
    CaseStage,
    ClockLevel,
    RatingIndicator,
    RatingLevel,
):
    strawberry.enum(_enum)


def mask_name(name: str) -> str:
    """张三 → 张*, 张小三 → 张*三, 欧阳小明 → 欧**明."""
    if len(name) <= 1:
        return "*"
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


@declare(Access.PER_PRINCIPAL, Domain.CASES)
@strawberry.type(name="CaseRecord", description="办件过程记录（CASE-2）。")
class CaseRecordType:
    stage: Labelled[CaseStage]
    at: datetime
    handler: str = strawberry.field(description="经办人（公开查询时部分隐藏）。")
    department: str | None = strawberry.field(description="经办部门。")
    note: str

    @classmethod
    def from_row(cls, row: Row, *, masked: bool) -> Self:
        return cls(
            stage=labelled(CaseStage(row["stage"])),
            at=local_time(row["at"]),  # type: ignore[arg-type]
            handler=mask_name(row["handler"])
            if masked and row["handler"] not in _ROLES
            else (row["handler"]),
            department=row["department_name"],
            note=row["note"],
        )


#: Handlers that are roles, not people: never masked.
_ROLES = frozenset({"申请人", "系统"})


@declare(Access.PER_PRINCIPAL, Domain.CASES)
@strawberry.type(description="法定办结时限的计时（工作日，补交和特别程序期间暂停）。")
class CaseClock:
    limit_days: int = strawberry.field(description="法定办结时限（工作日）。")
    elapsed_days: int = strawberry.field(description="已用工作日。")
    remaining_days: int = strawberry.field(description="剩余工作日；负数为超期天数。")
    deadline: date | None = strawberry.field(description="预计办结期限；暂停计时期间为空。")
    level: Labelled[ClockLevel]
    on_time: bool | None = strawberry.field(description="办结时是否在时限内。")


@declare(Access.PER_PRINCIPAL, Domain.RATINGS)
@strawberry.type(description="一项指标的评价。")
class IndicatorRating:
    indicator: Labelled[RatingIndicator]
    level: Labelled[RatingLevel]


@declare(Access.PER_PRINCIPAL, Domain.RATINGS, announced_as=["Rating"])
@strawberry.type(description="办件的评价（当前版本）。")
class CaseRating:
    level: Labelled[RatingLevel]
    stars: int = strawberry.field(description="星级：非常满意5星至非常不满意1星。")
    indicators: list[IndicatorRating]
    comment: str = strawberry.field(description="评价内容（公开时已去除个人信息）。")
    channel: Labelled[CaseChannel] = strawberry.field(description="评价渠道。")
    revision: int = strawberry.field(description="第几次评价（改评后加一）。")
    rated_at: datetime
    disputed: bool = strawberry.field(description="部门是否提出异议。")

    @classmethod
    def from_row(cls, row: Row, *, public: bool) -> Self:
        level = RatingLevel(row["level"])
        indicators = row["indicators"]
        return cls(
            level=labelled(level),
            stars=level.stars,
            indicators=[
                IndicatorRating(
                    indicator=labelled(RatingIndicator(i)), level=labelled(RatingLevel(v))
                )
                for i, v in indicators.items()
            ],
            comment=row["public_comment"] if public else row["comment"],
            channel=labelled(CaseChannel(row["channel"])),
            revision=int(row["revision"]),
            rated_at=local_time(row["created_at"]),  # type: ignore[arg-type]
            disputed=row["disputed_at"] is not None,
        )


@declare(Access.PER_PRINCIPAL, Domain.CASES)
@strawberry.federation.type(keys=["caseNumber"], description="办件（CASE-1..3）。")
class Case:
    row_id: strawberry.Private[int]
    masked: strawberry.Private[bool]
    item_code: strawberry.Private[str]
    department_id: strawberry.Private[int]
    department_code: strawberry.Private[str]
    accepted: strawberry.Private[datetime | None]
    completed: strawberry.Private[datetime | None]
    limit: strawberry.Private[int]
    case_number: str = strawberry.field(description="办件编号（20位，含校验位）。")
    applicant_kind: Labelled[ApplicantKind]
    applicant_name: str = strawberry.field(description="申请人（公开查询时部分隐藏）。")
    applicant_code: str = strawberry.field(description="证件号码或统一社会信用代码（部分隐藏）。")
    channel: Labelled[CaseChannel] = strawberry.field(description="申办渠道。")
    stage: Labelled[CaseStage] = strawberry.field(description="当前环节。")
    submitted_at: datetime
    accepted_at: datetime | None
    completed_at: datetime | None
    outcome: Labelled[CaseOutcome] | None = strawberry.field(description="办理结果。")

    @classmethod
    def from_row(cls, row: Row, *, masked: bool) -> Self:
        person = row["applicant_kind"] == ApplicantKind.PERSON.value
        name, code = row["applicant_name"], row["applicant_code"]
        accepted, completed = row["accepted_at"], row["completed_at"]
        return cls(
            row_id=row["id"],
            masked=masked,
            item_code=row["item_code"],
            department_id=row["department_id"],
            department_code=row["department_code"],
            accepted=accepted,
            completed=completed,
            limit=row["limit_days"],
            case_number=row["case_number"],
            applicant_kind=labelled(ApplicantKind(row["applicant_kind"])),
            applicant_name=mask_name(name) if masked and person else name,
            applicant_code=mask_id_number(code) if person else code,
            channel=labelled(CaseChannel(row["channel"])),
            stage=labelled(CaseStage(row["stage"])),
            submitted_at=local_time(row["submitted_at"]),  # type: ignore[arg-type]
            accepted_at=local_time(accepted),
            completed_at=local_time(completed),
            outcome=labelled(CaseOutcome(row["outcome"])) if row["outcome"] else None,
        )

    @classmethod
    async def resolve_reference(cls, info: Info, caseNumber: str) -> Case | None:  # noqa: N803
        """Another hall resolving ``Case`` by number (CASE-3): readable by the applicant,
        staff and halls' systems with the ``cases:read`` scope."""
        return await load_case(info.context, caseNumber, masked=False)

    @strawberry.field(description="办件编号的书写形式，如 440403-20261126-00017-2。")
    def formatted_case_number(self) -> str:
        return format_case_number(self.case_number)

    @strawberry.field(description="办理事项。")
    async def item(self, info: Info) -> ServiceItem:
        row = await info.context.loaders.items_by_code.load(self.item_code)
        return ServiceItem.from_row(row)  # type: ignore[arg-type]  # FK guarantees it

    @strawberry.field(description="办理部门。")
    async def department(self, info: Info) -> Department:
        row = await info.context.loaders.departments_by_id.load(self.department_id)
        return Department.from_row(row)  # type: ignore[arg-type]  # FK guarantees it

    @strawberry.field(description="办件过程记录，按时间顺序。")
    async def records(self, info: Info) -> list[CaseRecordType]:
        rows = await info.context.loaders.case_records.load(self.row_id)
        return [CaseRecordType.from_row(row, masked=self.masked) for row in rows]

    @strawberry.field(description="法定办结时限的计时；受理前为空。")
    async def clock(self, info: Info) -> CaseClock | None:
        if self.accepted is None:
            return None
        rows = await info.context.loaders.case_records.load(self.row_id)
        reading = case_views.clock(
            accepted=self.accepted,
            completed=self.completed,
            limit=self.limit,
            records=rows,
            calendar=info.context.calendar,
            today=local_today(),
        )
        if reading is None:
            return None
        return CaseClock(
            limit_days=reading.limit,
            elapsed_days=reading.elapsed,
            remaining_days=reading.remaining,
            deadline=reading.deadline,
            level=labelled(ClockLevel(reading.level.value)),
            on_time=reading.on_time,
        )

    @strawberry.field(description="评价（好差评）；公开查询时评价内容已去除个人信息。")
    async def rating(self, info: Info) -> CaseRating | None:
        row = await info.context.loaders.current_ratings.load(self.row_id)
        return None if row is None else CaseRating.from_row(row, public=self.masked)

    licenses: list[License] | None = strawberry.field(
        resolver=case_licenses,
        description="申请人添加的电子证照材料（ENT-14）：申请人，或办理部门为本办件查阅（留痕）。",
    )

    @strawberry.field(description="当前可转入的环节（仅本部门办件经办人可见，其他人为空）。")
    def next_stages(self, info: Info) -> list[Labelled[CaseStage]]:
        principal = info.context.principal
        try:
            resolvers.require_handler(principal, self.department_code)
        except Forbidden:
            return []
        stages = case_views.next_stages(self.stage.value, self.channel.value, self.accepted)
        return [labelled(stage) for stage in stages]


async def load_case(context: Context, number: str, *, masked: bool) -> Case | None:
    """A case for a reader who need not prove the applicant's name: the applicant, staff
    of the handling department, administrators, halls' systems (``cases:read``).

    F11: anyone else gets null, exactly as for a case that does not exist, and every such
    answer counts against the case-lookup limit (``RATE_LIMITED`` past it), so guessing
    numbers neither tells which exist nor goes fast; a refused read is audited (F16).
    """
    principal = context.principal
    if principal.is_anonymous:  # before the lookup: the same answer whether it exists
        raise Unauthenticated("请先登录；未登录可凭办件编号和申请人姓名查询进度")
    parsed = parse_case_number(number)
    row = await context.loaders.cases_by_number.load(parsed)
    if row is not None and case_views.may_read(principal, row):
        return Case.from_row(row, masked=masked)
    await limit_lookups(context)
    if row is not None:
        await refused(context, "case.read_refused", f"case:{parsed}")
    return None


@declare(Access.PER_PRINCIPAL, Domain.CASES)
@strawberry.type(description="企业办件统计（ENT-13）。")
class CaseStatistics:
    completed: int = strawberry.field(description="已办结。")
    in_progress: int = strawberry.field(description="在办。")
    completed_this_month: int = strawberry.field(description="本月办结。")


async def case_statistics(root: strawberry.Parent[object], info: Info) -> CaseStatistics | None:
    counts = await info.context.loaders.case_statistics.load(root.row_id)  # type: ignore[attr-defined]
    return CaseStatistics(**counts)


def device_of(info: Info) -> str | None:
    """A kiosk device counts as one device (its residents share its limit, whatever the
    IP says); everyone else is counted by IP."""
    principal = info.context.principal
    return principal.client_id if principal.is_kiosk else None


async def proven(
    info: Info, case_number: str, applicant_name: str | None, id_number_suffix: str | None = None
) -> str:
    """The number of the case proven by its number and the applicant's name or ID-number
    suffix (rate limited)."""
    proof = Proof(applicant_name, id_number_suffix)
    return await case_views.proven_number(
        info.context.cache,
        info.context.settings.case_lookup_limits,
        ip=info.context.client_ip,
        device=device_of(info),
        case_number=case_number,
        proof=proof,
    )


@root(Access.PER_PRINCIPAL)
@strawberry.type
class CaseQuery:
    @strawberry.field(
        description="凭办件编号和申请人姓名（或申请人身份证号码后六位）查询办理进度（CASE-1）；"
        "须同时相符，个人信息部分隐藏；按 IP 和终端限频。",
        # rate limited per IP and device: a shared cached answer would skip the limit
        metadata=override(Access.PER_PRINCIPAL),
    )
    async def case_progress(
        self,
        info: Info,
        case_number: str,
        applicant_name: str | None = None,
        id_number_suffix: str | None = None,
    ) -> Case:
        number = await proven(info, case_number, applicant_name, id_number_suffix)
        row = await info.context.loaders.cases_by_number.load(number)
        if row is None:  # removed in between
            raise NotFound(resolvers.NOT_FOUND_MESSAGE, field="caseNumber")
        return Case.from_row(row, masked=True)

    @strawberry.field(
        description="按办件编号查看办件（申请人本人、本部门工作人员、管理员和有 cases:read "
        "权限的系统）；不存在或无权查看时同为空，并计入查询限频。"
    )
    async def case(self, info: Info, case_number: str) -> Case | None:
        return await load_case(info.context, case_number, masked=False)

    @strawberry.field(description="本部门的办件（办件经办人），最新在前。")
    async def case_worklist(
        self,
        info: Info,
        stages: list[CaseStage] | None = None,
        overdue_only: bool = False,
        first: int = 20,
        after: str | None = None,
    ) -> Connection[Case]:
        principal = info.context.principal
        resolvers.require_handler(principal)
        department = await case_views.department_id(principal.department_code)
        page = await resolvers.worklist(
            department,
            stages=stages or (),
            overdue_only=overdue_only,
            today=local_today(),
            first=first,
            after=after,
        )
        return await _connection(info.context.loaders, page, after)


async def _connection(loaders: Loaders, page: Page, after: str | None) -> Connection[Case]:
    rows = await loaders.cases_by_number.load_many([r["case_number"] for r in page.rows])
    return Connection.build(
        [(c, Case.from_row(r, masked=False)) for c, r in zip(page.cursors, rows, strict=True) if r],
        has_next=page.has_next,
        after=after,
        total=page.total,
    )


async def viewer_cases(principal_info: Info, first: int, after: str | None) -> Connection[Case]:
    page = await resolvers.cases_of(principal_info.context.principal, first=first, after=after)
    return await _connection(principal_info.context.loaders, page, after)
