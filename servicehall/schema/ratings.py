"""Ratings (好差评, RATE-1..3) in the schema: rating a case, the star widget's summary,
published comments, disputes and the follow-up of bad ratings."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date, datetime
from typing import Any, Self

import strawberry

from servicehall.clock import local_today
from servicehall.loaders import Row
from servicehall.resolvers import follow_ups as follow_up_resolvers
from servicehall.resolvers import rating_writes as services
from servicehall.resolvers import ratings as resolvers
from servicehall.resolvers.enums import CaseChannel, FollowUpStatus, RatingIndicator, RatingLevel
from servicehall.resolvers.outcome import Outcome
from servicehall.resolvers.paging import Page
from servicehall.schema.cases import Case, CaseRating, load_case
from servicehall.schema.common import Connection, Labelled, labelled, local_time
from servicehall.schema.context import Info
from servicehall.schema.errors import UserError, respond
from servicehall.schema.policy import Access, Domain, declare, override, root

strawberry.enum(FollowUpStatus)


@declare(Access.PUBLIC, Domain.RATINGS)
@strawberry.type(description="某一等级的评价数。")
class LevelCount:
    level: Labelled[RatingLevel]
    stars: int
    count: int


@declare(Access.PUBLIC, Domain.RATINGS)
@strawberry.type(description="公开的评价内容（已去除个人信息）。")
class RatingComment:
    level: Labelled[RatingLevel]
    comment: str
    channel: Labelled[CaseChannel]
    rated_on: date
    disputed: bool = strawberry.field(description="部门已对该评价提出异议。")


@declare(Access.PUBLIC, Domain.RATINGS)
@strawberry.type(description="部门或事项的评价汇总：星级组件的数据（RATE-2）。")
class RatingSummary:
    column: strawberry.Private[str]
    target_id: strawberry.Private[int]
    count: int = strawberry.field(description="评价数。")
    average_stars: float | None = strawberry.field(description="平均星级（保留一位小数）。")
    distribution: list[LevelCount] = strawberry.field(description="各等级的评价数。")
    disputed: int = strawberry.field(description="部门提出异议的评价数。")

    @strawberry.field(description="公开的评价内容，最新在前。")
    async def comments(
        self, first: int = 10, after: str | None = None
    ) -> Connection[RatingComment]:
        page = await resolvers.comments(self.column, self.target_id, first=first, after=after)
        return Connection.build(
            [
                (
                    cursor,
                    RatingComment(
                        level=labelled(RatingLevel(r["level"])),
                        comment=r["public_comment"],
                        channel=labelled(CaseChannel(r["channel"])),
                        rated_on=local_time(r["created_at"]).date(),  # type: ignore[union-attr]
                        disputed=r["disputed_at"] is not None,
                    ),
                )
                for cursor, r in zip(page.cursors, page.rows, strict=True)
            ],
            has_next=page.has_next,
            after=after,
            total=page.total,
        )


@declare(Access.PER_PRINCIPAL, Domain.RATINGS)
@strawberry.type(description="差评回访整改（RATE-3）。")
class FollowUp:
    id: strawberry.ID
    case_number: strawberry.Private[str]
    status: Labelled[FollowUpStatus]
    opened_on: date
    due_on: date = strawberry.field(description="整改期限（15个工作日）。")
    overdue: bool
    findings: str = strawberry.field(description="核实情况。")
    founded: bool | None = strawberry.field(description="核实后差评是否属实。")
    measures: str = strawberry.field(description="整改措施。")
    rater_reply: str = strawberry.field(description="回访时评价人的答复。")
    rater_satisfied: bool | None
    closed_at: datetime | None

    @classmethod
    def from_row(cls, row: Row) -> Self:
        status = FollowUpStatus(row["status"])
        return cls(
            id=strawberry.ID(str(row["id"])),
            case_number=row["case_number"],
            status=labelled(status),
            opened_on=row["opened_on"],
            due_on=row["due_on"],
            overdue=status is not FollowUpStatus.CLOSED and row["due_on"] < local_today(),
            findings=row["findings"],
            founded=row["founded"],
            measures=row["measures"],
            rater_reply=row["rater_reply"],
            rater_satisfied=row["rater_satisfied"],
            closed_at=local_time(row["closed_at"]),
        )

    @strawberry.field(description="被评价的办件。")
    async def case(self, info: Info) -> Case | None:
        return await load_case(info.context, self.case_number, masked=False)

    @strawberry.field(description="引起回访的评价（原文）。")
    async def rating(self, info: Info) -> CaseRating | None:
        case = await load_case(info.context, self.case_number, masked=False)
        if case is None:
            return None
        row = await info.context.loaders.current_ratings.load(case.row_id)
        return None if row is None else CaseRating.from_row(row, public=False)


@root(Access.PUBLIC)
@strawberry.type
class RatingQuery:
    @strawberry.field(description="部门或事项的评价汇总（二选一，RATE-2）。")
    async def rating_summary(
        self, department_code: str | None = None, item_code: str | None = None
    ) -> RatingSummary:
        column, target = await resolvers.summary_target(department_code, item_code)
        summary = await resolvers.summary(column, target)
        return RatingSummary(
            column=column,
            target_id=target,
            count=summary.count,
            average_stars=float(summary.average) if summary.average is not None else None,
            distribution=[
                LevelCount(level=labelled(level), stars=level.stars, count=n)
                for level, n in summary.by_level.items()
            ],
            disputed=summary.disputed,
        )

    # staff see their own department's, administrators all: the answer is who asks
    @strawberry.field(
        description="差评回访整改：工作人员看本部门的，管理员看全部（可按部门筛选）。",
        metadata=override(Access.PER_PRINCIPAL),
    )
    async def follow_ups(
        self,
        info: Info,
        statuses: list[FollowUpStatus] | None = None,
        overdue_only: bool = False,
        department_code: str | None = None,
        first: int = 20,
        after: str | None = None,
    ) -> Connection[FollowUp]:
        page = await follow_up_resolvers.follow_ups(
            info.context.principal,
            statuses=statuses or (),
            overdue_only=overdue_only,
            department_code=department_code,
            today=local_today(),
            first=first,
            after=after,
        )
        return await _follow_up_connection(page, after)


async def _follow_up_connection(page: Page, after: str | None) -> Connection[FollowUp]:
    rows = await services.follow_up_rows([r["id"] for r in page.rows])
    return Connection.build(
        [(cursor, FollowUp.from_row(r)) for cursor, r in zip(page.cursors, rows, strict=True)],
        has_next=page.has_next,
        after=after,
        total=page.total,
    )


# -- mutations ---------------------------------------------------------------------------------


@strawberry.input
class IndicatorRatingInput:
    indicator: RatingIndicator
    level: RatingLevel


@strawberry.input(description="评价一件已办结的办件（RATE-1）。")
class RateCaseInput:
    case_number: str
    applicant_name: str | None = strawberry.field(
        default=None, description="申请人姓名；或填 idNumberSuffix，二者选一。"
    )
    id_number_suffix: str | None = strawberry.field(
        default=None, description="申请人身份证号码后六位（代替姓名）。"
    )
    level: RatingLevel
    channel: CaseChannel = strawberry.field(description="评价渠道：网上、移动端、自助终端、窗口。")
    indicators: list[IndicatorRatingInput] = strawberry.field(default_factory=list)
    comment: str = ""
    captcha_id: str | None = strawberry.field(default=None, description="未登录时必填。")
    captcha_answer: str | None = None


@declare(Access.PER_PRINCIPAL, Domain.RATINGS)
@strawberry.type
class RateCasePayload:
    errors: list[UserError]
    rating: CaseRating | None = None
    follow_up_opened: bool | None = strawberry.field(
        default=None, description="差评已转交部门回访整改。"
    )


@strawberry.input
class DisputeRatingInput:
    case_number: str
    reason: str


@declare(Access.PER_PRINCIPAL, Domain.RATINGS)
@strawberry.type
class DisputeRatingPayload:
    errors: list[UserError]
    rating: CaseRating | None = None


@strawberry.input
class VerifyFollowUpInput:
    id: strawberry.ID
    findings: str
    founded: bool


@strawberry.input
class RectifyFollowUpInput:
    id: strawberry.ID
    measures: str


@strawberry.input
class RecordRaterReplyInput:
    id: strawberry.ID
    reply: str
    satisfied: bool


@declare(Access.PER_PRINCIPAL, Domain.RATINGS)
@strawberry.type
class FollowUpPayload:
    errors: list[UserError]
    follow_up: FollowUp | None = None


@root(Access.PER_PRINCIPAL)
@strawberry.type
class RatingMutation:
    @strawberry.mutation(
        description="评价已办结的办件（好差评）：凭办件编号和申请人姓名（或身份证号码后六位）；"
        "未登录须填图形验证码。每件只有一个评价，可以修改（保留历史）。"
    )
    async def rate_case(self, info: Info, input: RateCaseInput) -> RateCasePayload:
        context = info.context

        given = services.RateCase(
            case_number=input.case_number,
            applicant_name=input.applicant_name,
            id_number_suffix=input.id_number_suffix,
            level=input.level,
            indicators=[(entry.indicator, entry.level) for entry in input.indicators],
            comment=input.comment,
            channel=input.channel,
            captcha_id=input.captcha_id,
            captcha_answer=input.captcha_answer,
        )

        async def present(rated: Any) -> RateCasePayload:
            if rated.follow_up_opened:
                context.notifier.kick()
            row = await context.loaders.current_ratings.load(rated.case_id)
            assert row is not None
            return RateCasePayload(
                errors=[],
                rating=CaseRating.from_row(row, public=False),
                follow_up_opened=rated.follow_up_opened,
            )

        return await respond(
            context,
            lambda: services.rate_case(
                context.principal,
                given,
                auth=context.auth,
                cache=context.cache,
                limits=context.settings.case_lookup_limits,
                calendar=context.calendar,
                ip=context.client_ip,
                today=local_today(),
            ),
            RateCasePayload,
            present,
        )

    @strawberry.mutation(description="对评价提出异议并说明理由（本部门办件经办人；不删除评价）。")
    async def dispute_rating(self, info: Info, input: DisputeRatingInput) -> DisputeRatingPayload:
        context = info.context

        async def present(case_id: int) -> DisputeRatingPayload:
            row = await context.loaders.current_ratings.load(case_id)
            assert row is not None
            return DisputeRatingPayload(errors=[], rating=CaseRating.from_row(row, public=False))

        return await respond(
            context,
            lambda: services.dispute(
                context.principal, input.case_number, input.reason, ip=context.client_ip
            ),
            DisputeRatingPayload,
            present,
        )

    @strawberry.mutation(description="登记差评核实情况（本部门办件经办人）。")
    async def verify_follow_up(self, info: Info, input: VerifyFollowUpInput) -> FollowUpPayload:
        context = info.context
        return await _follow_up_step(
            info,
            lambda: services.verify(
                context.principal,
                str(input.id),
                input.findings,
                input.founded,
                ip=context.client_ip,
            ),
        )

    @strawberry.mutation(description="登记整改措施并告知评价人（本部门办件经办人）。")
    async def rectify_follow_up(self, info: Info, input: RectifyFollowUpInput) -> FollowUpPayload:
        context = info.context
        return await _follow_up_step(
            info,
            lambda: services.rectify(
                context.principal, str(input.id), input.measures, ip=context.client_ip
            ),
            notify=True,
        )

    @strawberry.mutation(description="登记回访时评价人的答复，办结回访（本部门办件经办人）。")
    async def record_rater_reply(self, info: Info, input: RecordRaterReplyInput) -> FollowUpPayload:
        context = info.context
        return await _follow_up_step(
            info,
            lambda: services.record_reply(
                context.principal,
                str(input.id),
                input.reply,
                input.satisfied,
                ip=context.client_ip,
            ),
        )


async def _follow_up_step(
    info: Info, step: Callable[[], Awaitable[Outcome[Row]]], *, notify: bool = False
) -> FollowUpPayload:
    """One step of a follow-up by staff of its department, answered in the payload."""

    def present(row: Row) -> FollowUpPayload:
        if notify:  # the step queued a notice that should not wait
            info.context.notifier.kick()
        return FollowUpPayload(errors=[], follow_up=FollowUp.from_row(row))

    return await respond(info.context, step, FollowUpPayload, present)
