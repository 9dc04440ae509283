"""The writes of ratings (好差评, RATE-1..3) as services: rating a case by proof of the
case number and applicant name, disputing a rating, and the steps of a bad rating's
follow-up. Each returns plain rows for the schema and names the rating it changed."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from servicehall.auth.accounts import account_or_none
from servicehall.auth.principal import Principal
from servicehall.auth.services import AuthServices
from servicehall.cache.base import CacheBackend
from servicehall.errors import CaptchaInvalid, InvalidInput, NotFound
from servicehall.models import Case, CaseChannel, FollowUp, RatingIndicator, RatingLevel
from servicehall.numbering import parse_case_number
from servicehall.resolvers import case_proof, cases, follow_ups, ratings
from servicehall.resolvers.case_proof import Proof
from servicehall.resolvers.outcome import Outcome, outcome
from servicehall.settings import CaseLookupLimits
from servicehall.workdays import WorkCalendar

Row = dict[str, Any]


def follow_up_row(follow_up: FollowUp) -> Row:
    """A follow-up (its case fetched) as the row its schema type reads."""
    return {
        "id": follow_up.id,
        "case_number": follow_up.case.case_number,
        "status": follow_up.status,
        "opened_on": follow_up.opened_on,
        "due_on": follow_up.due_on,
        "findings": follow_up.findings,
        "founded": follow_up.founded,
        "measures": follow_up.measures,
        "rater_reply": follow_up.rater_reply,
        "rater_satisfied": follow_up.rater_satisfied,
        "closed_at": follow_up.closed_at,
    }


async def follow_up_rows(ids: Sequence[int]) -> list[Row]:
    """The follow-ups of a page, in its order."""
    found = {f.id: f for f in await FollowUp.filter(id__in=ids).prefetch_related("case")}
    return [follow_up_row(found[i]) for i in ids]


@dataclass(frozen=True, slots=True)
class RateCase:
    case_number: str
    #: the applicant's name or ID-number suffix, one of them (``case_proof``)
    applicant_name: str | None
    id_number_suffix: str | None
    level: RatingLevel
    indicators: Sequence[tuple[RatingIndicator, RatingLevel]]
    comment: str
    channel: CaseChannel
    captcha_id: str | None
    captcha_answer: str | None


@dataclass(frozen=True, slots=True)
class Rated:
    case_id: int
    follow_up_opened: bool


async def rate_case(
    principal: Principal,
    given: RateCase,
    *,
    auth: AuthServices,
    cache: CacheBackend,
    limits: CaseLookupLimits,
    calendar: WorkCalendar,
    ip: str,
    today: date,
) -> Outcome[Rated]:
    """Rate a completed case: its applicant signed in, or anyone who proves the case and
    solves a captcha; a kiosk rates on the kiosk channel only."""
    if principal.is_kiosk and given.channel is not CaseChannel.KIOSK:
        raise InvalidInput("自助终端上的评价，渠道只能是自助终端", field="channel")
    device = principal.client_id if principal.is_kiosk else None
    proof = Proof(given.applicant_name, given.id_number_suffix)
    await cases.check_rate(cache, limits, ip=ip, device=device)
    case = await case_proof.proven_case(given.case_number, proof)
    account = await account_or_none(principal)
    own = cases.is_applicant(principal, case, account.id if account else None)
    if not own and not await auth.captcha.verify(
        given.captcha_id or "", given.captcha_answer or ""
    ):
        raise CaptchaInvalid("图形验证码错误或已过期", field="captchaAnswer")
    indicators: dict[RatingIndicator, RatingLevel] = {}
    for indicator, level in given.indicators:
        if indicator in indicators:
            raise InvalidInput(f"指标“{indicator.label}”重复", field="indicators")
        indicators[indicator] = level
    _, follow_up = await ratings.rate(
        case,
        ratings.RatingInput(given.level, indicators, given.comment, given.channel),
        rater=account if own else None,
        calendar=calendar,
        today=today,
    )
    return outcome(Rated(case.id, follow_up is not None), ("Rating", case.case_number))


async def dispute(
    principal: Principal, case_number: str, reason: str, *, ip: str = ""
) -> Outcome[int]:
    """The handling department disputes a rating (it stays): the case's id."""
    number = parse_case_number(case_number)
    case = await Case.get_or_none(case_number=number)
    if case is None:
        raise NotFound("办件不存在", field="caseNumber")
    await ratings.dispute(principal, case, reason, ip=ip)
    return outcome(case.id, ("Rating", number))


async def _follow_up(principal: Principal, raw_id: str) -> FollowUp:
    try:
        key = int(raw_id)
    except ValueError:
        raise InvalidInput("编号格式不正确", field="id") from None
    return await follow_ups.follow_up_for(principal, key)


async def verify(
    principal: Principal, follow_up_id: str, findings: str, founded: bool, *, ip: str
) -> Outcome[Row]:
    follow_up = await _follow_up(principal, follow_up_id)
    await follow_ups.verify(principal, follow_up, findings, founded, ip=ip)
    return outcome(follow_up_row(follow_up))


async def rectify(
    principal: Principal, follow_up_id: str, measures: str, *, ip: str
) -> Outcome[Row]:
    follow_up = await _follow_up(principal, follow_up_id)
    await follow_ups.rectify(principal, follow_up, measures, ip=ip)
    return outcome(follow_up_row(follow_up))


async def record_reply(
    principal: Principal, follow_up_id: str, reply: str, satisfied: bool, *, ip: str
) -> Outcome[Row]:
    follow_up = await _follow_up(principal, follow_up_id)
    await follow_ups.record_reply(principal, follow_up, reply, satisfied, ip=ip)
    return outcome(follow_up_row(follow_up))
