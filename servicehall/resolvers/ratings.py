"""Ratings (好差评, RATE-1..3): rating a completed case, summaries, comments, disputes.

A rating belongs to a completed case; changing it adds a revision and keeps the old ones. A
bad rating (不满意, 非常不满意) opens the case's follow-up (``resolvers.follow_ups``, a workflow
process of its own). Comments are published with personal data removed; staff may dispute a
rating with a reason but never delete it: :data:`DISPUTE` declares that step
(``servicehall.workflow``), recorded in the workflow history.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from tortoise.transactions import in_transaction

from servicehall import db, workflow
from servicehall.auth.principal import Principal
from servicehall.errors import IllegalDisputeStep, InvalidInput, NotCompleted, NotFound
from servicehall.models import (
    Account,
    Case,
    CaseChannel,
    Department,
    FollowUp,
    Rating,
    RatingDispute,
    RatingIndicator,
    RatingLevel,
    ServiceItem,
)
from servicehall.models.cases import FINISHED
from servicehall.resolvers.cases import require_handler
from servicehall.resolvers.follow_ups import HANDLER, open_follow_up

# The daily warning, where callers of this module knew it (it lives with the follow-ups).
from servicehall.resolvers.follow_ups import follow_up_warnings as follow_up_warnings
from servicehall.resolvers.paging import Page, newest_first, normalised
from servicehall.workdays import WorkCalendar
from servicehall.workflow import Action, Need, Needs, Process, Stamp, State

MAX_COMMENT = 300
ONLINE_INDICATORS = (
    RatingIndicator.EFFICIENCY,
    RatingIndicator.GUIDE_ACCURACY,
    RatingIndicator.CONVENIENCE,
    RatingIndicator.USABILITY,
)
ON_SITE_INDICATORS = (
    RatingIndicator.SERVICE_EFFICIENCY,
    RatingIndicator.SERVICE_LEVEL,
    RatingIndicator.ATTITUDE,
)


def indicators_for(case: Case) -> tuple[RatingIndicator, ...]:
    """Online indicators for a case handled online, on-site ones for window and kiosk."""
    online = case.channel in (CaseChannel.WEB, CaseChannel.APP)
    return ONLINE_INDICATORS if online else ON_SITE_INDICATORS


_PERSONAL = (
    (re.compile(r"(?<!\d)\d{17}[\dXx](?!\d)"), "[身份证号]"),
    (re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)"), "[手机号]"),
    (re.compile(r"(?<!\d)0\d{2,3}-?\d{7,8}(?!\d)"), "[电话]"),
    (re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+"), "[邮箱]"),
)


def public_comment(comment: str, applicant_name: str) -> str:
    """The comment as published: ID numbers, phone numbers, e-mail addresses and the
    applicant's own name taken out."""
    text = comment
    for pattern, placeholder in _PERSONAL:
        text = pattern.sub(placeholder, text)
    if len(applicant_name) >= 2:
        text = text.replace(applicant_name, "[申请人]")
    return text


@dataclass(frozen=True, slots=True)
class RatingInput:
    level: RatingLevel
    indicators: dict[RatingIndicator, RatingLevel]
    comment: str
    channel: CaseChannel


async def rate(
    case: Case,
    given: RatingInput,
    *,
    rater: Account | None,
    calendar: WorkCalendar,
    today: date,
) -> tuple[Rating, FollowUp | None]:
    """Rate a completed case, or change its rating (RATE-1, RATE-3)."""
    if case.stage not in FINISHED:
        raise NotCompleted(
            f"办件当前环节为“{case.stage.label}”，办结后才能评价", field="caseNumber"
        )
    comment = given.comment.strip()
    if len(comment) > MAX_COMMENT:
        raise InvalidInput(
            f"评价内容不能超过{MAX_COMMENT}字（现有{len(comment)}字）", field="comment"
        )
    allowed = indicators_for(case)
    unknown = [i for i in given.indicators if i not in allowed]
    if unknown:
        raise InvalidInput(
            f"本办件可评价的指标为：{'、'.join(i.label for i in allowed)}；"
            f"不适用：{'、'.join(i.label for i in unknown)}",
            field="indicators",
        )
    async with in_transaction(db.connection().connection_name):
        previous = await Rating.filter(case=case).order_by("-revision").first()
        if previous is not None:
            await Rating.filter(case=case, current=True).update(current=False)
        rating = await Rating.create(
            case=case,
            revision=(previous.revision + 1) if previous else 1,
            current=True,
            level=given.level,
            indicators={i.value: level.value for i, level in given.indicators.items()},
            comment=comment,
            public_comment=public_comment(comment, case.applicant_name),
            channel=given.channel,
            rater_account=rater,
            department_id=case.department_id,  # type: ignore[attr-defined]
            item_id=case.item_id,  # type: ignore[attr-defined]
        )
        follow_up = await open_follow_up(case, rating, calendar, today) if given.level.bad else None
    return rating, follow_up


# -- summaries (RATE-2) -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Summary:
    count: int
    average: Decimal | None
    by_level: dict[RatingLevel, int]
    disputed: int


async def summary_target(department_code: str | None, item_code: str | None) -> tuple[str, int]:
    """Which of department or item is asked for (exactly one), as (column, id)."""
    if (department_code is None) == (item_code is None):
        raise InvalidInput("请指定部门代码或事项编码中的一个", field="departmentCode")
    if department_code is not None:
        department = await Department.get_or_none(code=department_code)
        if department is None:
            raise NotFound(f"部门“{department_code[:16]}”不存在", field="departmentCode")
        return "department_id", department.id
    item = await ServiceItem.get_or_none(code=str(item_code))
    if item is None:
        raise NotFound(f"事项“{str(item_code)[:32]}”不存在", field="itemCode")
    return "item_id", item.id


async def summary(column: str, target_id: int) -> Summary:
    q = db.Sql(db.dialect())
    rows = await db.fetch(
        "SELECT level, COUNT(*) AS n, SUM(CASE WHEN disputed_at IS NULL THEN 0 ELSE 1 END) "
        f"AS disputed FROM rating WHERE {column} = {q.bind(target_id)} AND current = "
        f"{q.bind(True)} GROUP BY level",
        q.values,
    )
    by_level = dict.fromkeys(RatingLevel, 0)
    for row in rows:
        by_level[RatingLevel(row["level"])] = int(row["n"])
    count = sum(by_level.values())
    stars = sum(level.stars * n for level, n in by_level.items())
    average = (Decimal(stars) / count).quantize(Decimal("0.1"), ROUND_HALF_UP) if count else None
    return Summary(count, average, by_level, sum(int(r["disputed"] or 0) for r in rows))


async def comments(column: str, target_id: int, *, first: int, after: str | None) -> Page:
    """Published comments of current ratings, newest first (RATE-2)."""
    q = db.Sql(db.dialect())
    sql = (
        "SELECT id, level, public_comment, channel, created_at, disputed_at FROM rating "
        f"WHERE {column} = {q.bind(target_id)} AND current = {q.bind(True)} "
        "AND public_comment <> ''"
    )
    found = await newest_first(sql, "created_at", q, first=first, after=after)
    return normalised(found, times=("created_at",))


# -- disputes --------------------------------------------------------------------------------------


R = RatingDispute
#: A rating's dispute (RATE-2): case handlers of the handling department dispute it with a
#: reason; it stays, counted and shown as disputed.
DISPUTE = Process(
    name="rating_dispute",
    label="评价异议",
    model=Rating,
    state_field="dispute_state",
    noun="评价",
    field="caseNumber",
    reason_word="异议理由",
    illegal=IllegalDisputeStep,
    department=lambda rating: rating.department_id,
    states=(State(R.UNDISPUTED), State(R.DISPUTED, terminal=True)),
    actions=(
        Action(
            "dispute",
            "提出异议",
            frozenset({R.UNDISPUTED}),
            R.DISPUTED,
            HANDLER,
            Needs(reason=Need("异议理由应为5到500字", "reason", shortest=5)),
        ),
    ),
)


async def dispute(principal: Principal, case: Case, reason: str, *, ip: str = "") -> Rating:
    """Staff of the handling department mark the current rating disputed (kept, shown)."""
    rating = await Rating.get_or_none(case=case, current=True).prefetch_related("department")
    if rating is None:
        require_handler(principal, (await case.department).code)  # outsiders learn nothing
        raise NotFound("该办件尚无评价", field="caseNumber")
    await workflow.act(
        DISPUTE,
        rating,
        "dispute",
        principal,
        reason=reason,
        ip=ip,
        stamp=Stamp("disputed_at", "disputed_by", reason="dispute_reason"),
    )
    return rating
