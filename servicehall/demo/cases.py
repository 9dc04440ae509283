"""Demo cases (CASE-1..3), ratings and follow-ups (RATE-1..3).

The demo enterprise has a case in every one of the ten stages and completed ones to rate;
the demo person has a few of their own; other applicants' cases give the departments
ratings to summarise, bad ones with follow-ups. Every case walks a path of the case
process's actions (``resolvers.case_process.PROCESS``) on working days before today, each
move a step in the one workflow history, and its clock is read as the hall reads it.
Follow-ups are opened and taken through their services (``resolvers.follow_ups``) as of
the days they happened, so their steps are in the history too.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from servicehall.auth.principal import Principal, PrincipalKind
from servicehall.clock import LOCAL_TZ
from servicehall.codes import make_id_number
from servicehall.demo.accounts import PERSON_ID
from servicehall.demo.enterprises import DEMO_CREDIT_CODE
from servicehall.models import (
    Account,
    AccountKind,
    ApplicantKind,
    Case,
    CaseChannel,
    CaseCounter,
    CaseOutcome,
    CaseStage,
    Enterprise,
    FollowUpStatus,
    Rating,
    RatingLevel,
    ServiceItem,
    StaffRole,
    WorkflowStep,
)
from servicehall.numbering import make_case_number
from servicehall.resolvers import follow_ups
from servicehall.resolvers.case_process import PROCESS, Mark, action_to, clock_of
from servicehall.resolvers.ratings import indicators_for, public_comment
from servicehall.workdays import WorkCalendar
from servicehall.workflow import Actor, Past

S = CaseStage
#: The moves that bring a case to each stage (each one legal from the one before).
PATHS: dict[CaseStage, tuple[CaseStage, ...]] = {
    S.SUBMITTED: (S.SUBMITTED,),
    S.PRE_ACCEPTED: (S.SUBMITTED, S.PRE_ACCEPTED),
    S.ACCEPTED: (S.SUBMITTED, S.PRE_ACCEPTED, S.ACCEPTED),
    S.PROCESSING: (S.SUBMITTED, S.PRE_ACCEPTED, S.ACCEPTED, S.PROCESSING),
    S.SUPPLEMENT_REQUESTED: (S.SUBMITTED, S.ACCEPTED, S.PROCESSING, S.SUPPLEMENT_REQUESTED),
    S.SUPPLEMENT_ACCEPTED: (
        S.SUBMITTED,
        S.ACCEPTED,
        S.PROCESSING,
        S.SUPPLEMENT_REQUESTED,
        S.SUPPLEMENT_ACCEPTED,
    ),
    S.SPECIAL_REQUESTED: (S.SUBMITTED, S.ACCEPTED, S.PROCESSING, S.SPECIAL_REQUESTED),
    S.SPECIAL_CONCLUDED: (
        S.SUBMITTED,
        S.ACCEPTED,
        S.PROCESSING,
        S.SPECIAL_REQUESTED,
        S.SPECIAL_CONCLUDED,
    ),
    S.COMPLETED: (S.SUBMITTED, S.PRE_ACCEPTED, S.ACCEPTED, S.PROCESSING, S.COMPLETED),
    S.COLLECTED: (S.SUBMITTED, S.ACCEPTED, S.PROCESSING, S.COMPLETED, S.COLLECTED),
}

NOTES = {
    S.SUBMITTED: "申请材料已提交。",
    S.PRE_ACCEPTED: "网上预审通过，请按预约时间到窗口核验原件。",
    S.ACCEPTED: "材料齐全，符合法定形式，予以受理。",
    S.PROCESSING: "业务科室审查中。",
    S.SUPPLEMENT_REQUESTED: "请补交：法定代表人身份证复印件（加盖公章）、经营场所平面图。",
    S.SUPPLEMENT_ACCEPTED: "补交材料已收齐。",
    S.SPECIAL_REQUESTED: "需组织现场核查，核查时间不计入办理时限。",
    S.SPECIAL_CONCLUDED: "现场核查符合要求。",
    S.COMPLETED: "准予许可，证照已制作。",
    S.COLLECTED: "申请人已领取证照。",
}

COMMENTS = {
    RatingLevel.VERY_SATISFIED: (
        "窗口工作人员耐心细致，一次就办好了。",
        "网上申报很方便，全程不用跑腿。",
        "比承诺时间提前办结，点赞！",
        "材料清单写得很清楚，一次提交成功。",
    ),
    RatingLevel.SATISFIED: (
        "办理顺利，整体满意。",
        "工作人员态度好，就是排队时间稍长。",
        "流程清晰，建议进度短信通知再及时一些。",
    ),
    RatingLevel.BASIC: (
        "基本满意，网上填报页面有点复杂。",
        "补交材料的要求第一次没说全，多跑了一趟。",
    ),
    RatingLevel.DISSATISFIED: (
        "补交材料要求前后不一致，多跑了两趟。",
        "电话咨询一直占线，办理进度也查不到。",
    ),
    RatingLevel.VERY_DISSATISFIED: (
        "超过承诺时限也没有人主动告知进度。",
        "窗口人员态度生硬，问题解释不清楚，联系电话13926905678。",
    ),
}
LEVEL_WEIGHTS = {
    RatingLevel.VERY_SATISFIED: 60,
    RatingLevel.SATISFIED: 24,
    RatingLevel.BASIC: 9,
    RatingLevel.DISSATISFIED: 5,
    RatingLevel.VERY_DISSATISFIED: 2,
}
_SURNAMES = "陈 黄 李 张 梁 林 刘 吴 何 郑 钟 赵 冯 杨 周 邓 谭 罗 卢 麦 欧阳 司徒".split()
_GIVEN = "伟 芳 敏 静 丽 强 磊 军 洋 勇 杰 涛 明 超 秀英 志明 嘉欣 俊杰 文华 国强 建华".split()
_HANDLERS = {"SCJG": "黄伟", "MZJ": "梁敏", "RSJ": "何志明", "YBJ": "周嘉欣"}


@dataclass(frozen=True, slots=True)
class Applying:
    kind: ApplicantKind
    name: str
    code: str
    phone: str
    channel: CaseChannel
    enterprise_id: int | None = None
    account_id: int | None = None


@dataclass
class _Built:
    case: Case
    #: Its history, saved once the case has an id.
    steps: list[WorkflowStep]


class _Numbers:
    def __init__(self) -> None:
        self.last: dict[date, int] = {}

    def next(self, day: date) -> str:
        self.last[day] = self.last.get(day, 0) + 1
        return make_case_number(day, self.last[day])


def _at(day: date, rng: random.Random) -> datetime:
    local = datetime.combine(day, time(9, 0), LOCAL_TZ) + timedelta(minutes=rng.randrange(0, 480))
    return local.astimezone(UTC)


def _build(
    item: ServiceItem,
    applying: Applying,
    stage: CaseStage,
    *,
    calendar: WorkCalendar,
    today: date,
    rng: random.Random,
    numbers: _Numbers,
    outcome: CaseOutcome = CaseOutcome.APPROVED,
) -> _Built:
    """A case at ``stage`` whose moves happened on working days before ``today``."""
    path = PATHS[stage]
    if applying.channel is CaseChannel.WINDOW:
        path = tuple(s for s in path if s is not S.PRE_ACCEPTED)
    gaps = [rng.randrange(1, 4) for _ in path[1:]]
    day = today - timedelta(days=1)  # the latest move was on the last working day
    while not calendar.is_working_day(day):
        day -= timedelta(days=1)
    days = [day]
    for gap in reversed(gaps):  # walk back from today so the last move is the latest
        for _ in range(gap):
            day -= timedelta(days=1)
            while not calendar.is_working_day(day):
                day -= timedelta(days=1)
        days.append(day)
    days.reverse()
    case = Case(
        case_number=numbers.next(days[0]),
        item_id=item.id,
        department_id=item.department_id,  # type: ignore[attr-defined]
        applicant_kind=applying.kind,
        applicant_name=applying.name,
        applicant_code=applying.code,
        applicant_phone=applying.phone,
        enterprise_id=applying.enterprise_id,
        account_id=applying.account_id,
        channel=applying.channel,
        stage=S.SUBMITTED,
        submitted_at=_at(days[0], rng),
        limit_days=max(item.statutory_limit_days, 1),
    )
    handler = _HANDLERS.get(item.department.code, "王晓红")
    steps: list[WorkflowStep] = []
    for to, on in zip(path, days, strict=True):
        at = _at(on, rng)
        if steps and at <= steps[-1].at:
            at = steps[-1].at + timedelta(minutes=30)
        source = case.stage if steps else None
        action = action_to(case, to).name if steps else "start"
        case.stage = to
        if to is S.ACCEPTED and case.accepted_at is None:
            case.accepted_at = at
        if to is S.COMPLETED:
            case.completed_at, case.outcome = at, outcome
        by_applicant = to is S.SUBMITTED  # the history shows "申请人" for every submission
        steps.append(
            WorkflowStep(
                process=PROCESS.name,
                action=action,
                from_state=source.value if source else None,
                to_state=to.value,
                version=len(steps) + 1,
                at=at,
                actor="",
                actor_name="申请人" if by_applicant else handler,
                actor_account_id=applying.account_id if by_applicant else None,
                role="owner" if by_applicant else StaffRole.CASE_HANDLER.value,
                department_id=item.department_id,  # type: ignore[attr-defined]
                reason=NOTES[to]
                if to is not S.COMPLETED or outcome is CaseOutcome.APPROVED
                else "经审查不符合许可条件，不予许可，理由已书面告知。",
            )
        )
    reading = clock_of(
        case, [Mark(to, s.at) for to, s in zip(path, steps, strict=True)], calendar, today
    )
    if reading is not None:
        case.deadline = reading.deadline
        case.paused = reading.level.value == "paused"
    case.version = len(steps)
    return _Built(case, steps)


async def load_cases(calendar: WorkCalendar, today: date, *, seed: int = 440405) -> int:
    """Demo cases, ratings and follow-ups (in the caller's transaction)."""
    rng = random.Random(seed)
    items = await ServiceItem.all().prefetch_related("department").order_by("id")
    if not items:
        return 0
    scjg = [i for i in items if i.department.code == "SCJG"] or items
    food = [i for i in scjg if "食品" in i.name] or scjg
    personal = [i for i in items if i.department.code in ("MZJ", "RSJ", "YBJ")] or items
    numbers = _Numbers()
    built: list[_Built] = []

    enterprise = await Enterprise.get_or_none(credit_code=DEMO_CREDIT_CODE)
    company = await Account.get_or_none(kind=AccountKind.ENTERPRISE)
    if enterprise is not None:
        applying = Applying(
            ApplicantKind.ENTERPRISE,
            enterprise.name,
            enterprise.credit_code,
            enterprise.contact_phone,
            CaseChannel.WEB,
            enterprise.id,
            company.id if company else None,
        )
        for n, stage in enumerate(CaseStage):  # one case in every stage
            item = (food + scjg)[n % len(food + scjg)]
            built.append(
                _build(
                    item, applying, stage, calendar=calendar, today=today, rng=rng, numbers=numbers
                )
            )
        for item in scjg[:2]:  # two more completed ones, to rate
            built.append(
                _build(
                    item,
                    applying,
                    S.COMPLETED,
                    calendar=calendar,
                    today=today,
                    rng=rng,
                    numbers=numbers,
                )
            )
    person = await Account.get_or_none(id_number=PERSON_ID)
    if person is not None:
        applying = Applying(
            ApplicantKind.PERSON,
            person.display_name,
            PERSON_ID,
            person.phone or "",
            CaseChannel.APP,
            account_id=person.id,
        )
        for stage in (S.ACCEPTED, S.SUPPLEMENT_REQUESTED, S.COMPLETED, S.COLLECTED):
            item = personal[rng.randrange(len(personal))]
            built.append(
                _build(
                    item, applying, stage, calendar=calendar, today=today, rng=rng, numbers=numbers
                )
            )
    others = _others(items, rng, calendar, today, numbers)
    await _save([*built, *others], numbers)
    await _ratings(others, rng, calendar, today)
    return len(built) + len(others)


def _others(
    items: Sequence[ServiceItem],
    rng: random.Random,
    calendar: WorkCalendar,
    today: date,
    numbers: _Numbers,
) -> list[_Built]:
    """Other residents' cases in every department that has items, most of them done."""
    result = []
    stages = [*CaseStage] + [S.COMPLETED] * 6 + [S.COLLECTED] * 6
    for n in range(max(24, len(items) // 3)):
        item = items[rng.randrange(len(items))]
        name = rng.choice(_SURNAMES) + rng.choice(_GIVEN)
        born = date(1960, 1, 1) + timedelta(days=rng.randrange(0, 16000))
        applying = Applying(
            ApplicantKind.PERSON,
            name,
            make_id_number("440403", born, 200 + n % 700),
            f"1{rng.choice('3589')}{rng.randrange(10**8, 10**9)}",
            rng.choice([CaseChannel.WEB, CaseChannel.APP, CaseChannel.WINDOW, CaseChannel.KIOSK]),
        )
        outcome = CaseOutcome.REFUSED if rng.random() < 0.08 else CaseOutcome.APPROVED
        result.append(
            _build(
                item,
                applying,
                rng.choice(stages),
                calendar=calendar,
                today=today,
                rng=rng,
                numbers=numbers,
                outcome=outcome,
            )
        )
    return result


async def _save(built: Sequence[_Built], numbers: _Numbers) -> None:
    await Case.bulk_create([b.case for b in built], batch_size=500)
    ids = dict(
        await Case.filter(case_number__in=[b.case.case_number for b in built]).values_list(
            "case_number", "id"
        )
    )
    for b in built:
        b.case.id = ids[b.case.case_number]
        for step in b.steps:
            step.instance_id = b.case.id
    await WorkflowStep.bulk_create([s for b in built for s in b.steps], batch_size=1000)
    await CaseCounter.bulk_create(
        [CaseCounter(day=day, last_serial=last) for day, last in numbers.last.items()]
    )


async def _ratings(
    built: Sequence[_Built], rng: random.Random, calendar: WorkCalendar, today: date
) -> None:
    """Most finished cases of other residents were rated; bad ratings were followed up."""
    levels, weights = list(LEVEL_WEIGHTS), list(LEVEL_WEIGHTS.values())
    for b in built:
        case = b.case
        if case.stage not in (S.COMPLETED, S.COLLECTED) or rng.random() > 0.75:
            continue
        level = rng.choices(levels, weights)[0]
        comment = rng.choice(COMMENTS[level]) if rng.random() < 0.7 else ""
        assert case.completed_at is not None
        rated = case.completed_at + timedelta(hours=rng.randrange(2, 48))
        rating = await Rating.create(
            case_id=case.id,
            revision=1,
            level=level,
            indicators={i.value: level.value for i in indicators_for(case)},
            comment=comment,
            public_comment=public_comment(comment, case.applicant_name),
            channel=case.channel,
            department_id=case.department_id,  # type: ignore[attr-defined]
            item_id=case.item_id,  # type: ignore[attr-defined]
            created_at=rated,
        )
        if level.bad:
            status = rng.choice(
                [FollowUpStatus.OPEN, FollowUpStatus.VERIFIED, FollowUpStatus.CLOSED]
            )
            await _follow_up(case.id, rating, status, rated, calendar, today)


#: What the demo's follow-ups found, did and heard, step by step.
_FOLLOW_UP_STEPS = (
    "经调取窗口录像和办件记录核实，情况属实。",
    "已对窗口人员进行批评教育，并完善一次性告知清单。",
    "申请人表示理解，对整改结果满意。",
)


async def _follow_up(
    case_id: int,
    rating: Rating,
    status: FollowUpStatus,
    rated: datetime,
    calendar: WorkCalendar,
    today: date,
) -> None:
    """A bad rating's follow-up, opened and taken as far as ``status`` through the
    follow-up services as of the times they happened (after the rating, before
    today), so its history is in the workflow like any other's; the notices of those
    steps belong to the past and are not written."""
    case = await Case.get(id=case_id).prefetch_related("department")
    code = case.department.code
    opened = rated.astimezone(LOCAL_TZ).date()
    follow_up = await follow_ups.open_follow_up(case, rating, calendar, opened, past=rated)
    steps = {FollowUpStatus.OPEN: 0, FollowUpStatus.VERIFIED: 1}.get(status, 3)
    handler = Principal(
        PrincipalKind.STAFF,
        roles=frozenset({StaffRole.CASE_HANDLER.value}),
        department_code=code,
    )
    actor = Actor("", _HANDLERS.get(code, "王晓红"), department_code=code)
    # a day apart, or closer when the rating was recent; none today or later
    limit = datetime.combine(today, time(), LOCAL_TZ).astimezone(UTC)
    gap = min(timedelta(days=1), (limit - rated) / (steps + 1))
    for n in range(steps if gap > timedelta(0) else 0):
        at = rated + gap * (n + 1)
        follow_up = await follow_ups.follow_up_for(handler, follow_up.id)
        past, text = Past(actor, at), _FOLLOW_UP_STEPS[n]
        if n == 0:
            await follow_ups.verify(handler, follow_up, text, True, past=past)
        elif n == 1:
            await follow_ups.rectify(handler, follow_up, text, past=past)
        else:
            await follow_ups.record_reply(handler, follow_up, text, True, past=past)
