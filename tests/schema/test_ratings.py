"""RATE-1..3 through GraphQL: rating rules and refusals, revisions, the star summary and
its cache, published comments, disputes and the follow-up of bad ratings."""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace
from typing import Any

import pytest

from servicehall import workflow
from servicehall.auth.principal import Principal, PrincipalKind
from servicehall.clock import local_today
from servicehall.db import use_database
from servicehall.demo.accounts import PERSON_ID
from servicehall.demo.enterprises import DEMO_CREDIT_CODE
from servicehall.errors import ErrorCode, Forbidden, IllegalDisputeStep, InvalidInput
from servicehall.models import (
    Account,
    Case,
    CaseChannel,
    CaseStage,
    FollowUp,
    Message,
    OutboxMessage,
    Rating,
    RatingDispute,
    StaffRole,
    WorkflowStep,
)
from servicehall.resolvers.ratings import DISPUTE as DISPUTE_PROCESS
from servicehall.resolvers.ratings import follow_up_warnings, public_comment
from servicehall.workdays import WorkCalendar
from tests.auth.flows import ENTERPRISE, PERSON, STAFF, bearer, tokens
from tests.conftest import HallClient, gql

RATE = """mutation($input: RateCaseInput!) { rateCase(input: $input) {
    errors { code field message }
    rating { level { value label } stars revision comment indicators { indicator { value } } }
    followUpOpened } }"""


async def _token(hall: HallClient, kind: str, account: Any) -> dict[str, str]:
    hall.cookies.clear()
    issued = await tokens(hall, kind=kind, identifier=account.login, password=account.password)
    return bearer(issued["access_token"])


async def _captcha(hall: HallClient) -> dict[str, str]:
    body = await gql(hall, "mutation { createCaptcha { captcha { id } } }")
    captcha_id = body["data"]["createCaptcha"]["captcha"]["id"]
    answer = (await hall.runtime.cache.get(f"captcha:{captcha_id}")).decode()
    return {"captchaId": captcha_id, "captchaAnswer": answer}


async def _case(hall: HallClient, **filters: Any) -> Case:
    with use_database(hall.runtime.db):  # type: ignore[arg-type]
        case = await Case.filter(**filters).order_by("id").first()
    assert case is not None, filters
    return case


def _input(case: Case, **fields: Any) -> dict[str, Any]:
    return {
        "caseNumber": case.case_number,
        "applicantName": case.applicant_name,
        "level": "SATISFIED",
        "channel": "WEB",
    } | fields


async def test_anonymous_rating_needs_the_captcha_and_a_completed_case(hall: HallClient) -> None:
    done = await _case(hall, applicant_code=PERSON_ID, stage=CaseStage.COMPLETED)
    pending = await _case(hall, applicant_code=PERSON_ID, stage=CaseStage.ACCEPTED)
    cases = [
        (_input(done, captchaId="x", captchaAnswer="WRONG"), "CAPTCHA_INVALID", "captchaAnswer"),
        (
            _input(done) | await _captcha(hall) | {"applicantName": "别人"},
            "NOT_FOUND",
            "caseNumber",
        ),
        (_input(pending) | await _captcha(hall), "NOT_COMPLETED", "caseNumber"),
        (_input(done) | await _captcha(hall) | {"comment": "好" * 301}, "INVALID_INPUT", "comment"),
        (
            _input(done)
            | await _captcha(hall)
            | {"indicators": [{"indicator": "ATTITUDE", "level": "SATISFIED"}]},
            "INVALID_INPUT",
            "indicators",
        ),
    ]
    for given, code, field in cases:
        body = (await gql(hall, RATE, {"input": given}))["data"]["rateCase"]
        assert (body["errors"][0]["code"], body["errors"][0]["field"]) == (code, field), given
    ok = _input(
        done,
        level="VERY_SATISFIED",
        comment="办事效率高，联系电话13800001234",
        indicators=[{"indicator": "EFFICIENCY", "level": "VERY_SATISFIED"}],
    ) | await _captcha(hall)
    rated = (await gql(hall, RATE, {"input": ok}))["data"]["rateCase"]
    assert rated["errors"] == [] and rated["followUpOpened"] is False
    assert rated["rating"]["stars"] == 5 and rated["rating"]["level"]["label"] == "非常满意"
    assert rated["rating"]["indicators"] == [{"indicator": {"value": "EFFICIENCY"}}]
    # the published comment carries no phone number; the kept one does
    progress = """query($n: String!, $name: String!) { caseProgress(caseNumber: $n,
        applicantName: $name) { rating { comment } } }"""
    public = await gql(hall, progress, {"n": done.case_number, "name": done.applicant_name})
    assert public["data"]["caseProgress"]["rating"]["comment"] == "办事效率高，联系电话[手机号]"


async def test_the_applicant_rates_without_captcha_and_may_change_it(hall: HallClient) -> None:
    case = await _case(hall, applicant_code=DEMO_CREDIT_CODE, stage=CaseStage.COMPLETED)
    enterprise = await _token(hall, "enterprise", ENTERPRISE)
    first = await gql(hall, RATE, {"input": _input(case, level="BASIC")}, headers=enterprise)
    assert first["data"]["rateCase"]["rating"]["revision"] == 1
    second = await gql(hall, RATE, {"input": _input(case, level="SATISFIED")}, headers=enterprise)
    assert second["data"]["rateCase"]["rating"]["revision"] == 2
    with use_database(hall.runtime.db):  # type: ignore[arg-type]
        history = await Rating.filter(case=case).order_by("revision")
    assert [(r.level.value, r.current) for r in history] == [("basic", False), ("satisfied", True)]
    # someone else's account is not the applicant: the captcha is asked for
    person = await _token(hall, "person", PERSON)
    foreign = await gql(hall, RATE, {"input": _input(case)}, headers=person)
    assert foreign["data"]["rateCase"]["errors"][0]["code"] == "CAPTCHA_INVALID"


SUMMARY = """query($d: String, $i: String) { ratingSummary(departmentCode: $d, itemCode: $i) {
    count averageStars disputed distribution { level { value } stars count }
    comments(first: 50) { totalCount edges { node { comment disputed } } } } }"""


async def test_summary_counts_levels_and_follows_new_ratings(hall: HallClient) -> None:
    first = (await gql(hall, SUMMARY, {"d": "SCJG"}))["data"]["ratingSummary"]
    assert sum(d["count"] for d in first["distribution"]) == first["count"]
    assert [d["stars"] for d in first["distribution"]] == [5, 4, 3, 2, 1]
    if first["count"]:
        total = sum(d["stars"] * d["count"] for d in first["distribution"])
        assert first["averageStars"] == pytest.approx(round(total / first["count"], 1))
    params = {"query": SUMMARY, "variables": '{"d": "SCJG"}'}
    cached = await hall.get("/graphql", params=params)
    assert cached.headers["cache-control"].startswith("public")  # shareable, and kept

    case = await _case(hall, applicant_code=DEMO_CREDIT_CODE, stage=CaseStage.COLLECTED)
    enterprise = await _token(hall, "enterprise", ENTERPRISE)
    body = await gql(
        hall,
        RATE,
        {"input": _input(case, level="VERY_DISSATISFIED", comment="等了很久没人告知")},
        headers=enterprise,
    )
    assert body["data"]["rateCase"]["followUpOpened"] is True
    after = (await hall.get("/graphql", params=params)).json()["data"]["ratingSummary"]
    assert after["count"] == first["count"] + 1  # the cached answer was invalidated
    worst = next(d for d in after["distribution"] if d["level"]["value"] == "VERY_DISSATISFIED")
    assert worst["count"] >= 1

    errors = [
        (await gql(hall, SUMMARY, {}))["errors"][0]["extensions"]["code"],
        (await gql(hall, SUMMARY, {"d": "SCJG", "i": "x"}))["errors"][0]["extensions"]["code"],
        (await gql(hall, SUMMARY, {"d": "NOPE"}))["errors"][0]["extensions"]["code"],
    ]
    assert errors == ["INVALID_INPUT", "INVALID_INPUT", "NOT_FOUND"]


FOLLOW_UPS = """query($overdue: Boolean!) { followUps(overdueOnly: $overdue, first: 50) {
    totalCount edges { node { id status { value } dueOn overdue case { caseNumber }
    rating { comment } } } } }"""
VERIFY = """mutation($id: ID!) { verifyFollowUp(input: {id: $id,
    findings: "调阅录像核实，情况属实。", founded: true}) {
    errors { code field } followUp { status { value } } } }"""
RECTIFY = """mutation($id: ID!) { rectifyFollowUp(input: {id: $id,
    measures: "已完善一次性告知清单并对窗口人员培训。"}) {
    errors { code } followUp { status { value } } } }"""
REPLY = """mutation($id: ID!) { recordRaterReply(input: {id: $id, reply: "申请人表示满意。",
    satisfied: true}) { errors { code } followUp { status { value } closedAt } } }"""


async def test_a_bad_rating_is_followed_up_to_the_end(hall: HallClient) -> None:
    case = await _case(hall, applicant_code=PERSON_ID, stage=CaseStage.COLLECTED)
    person = await _token(hall, "person", PERSON)
    body = await gql(
        hall, RATE, {"input": _input(case, level="DISSATISFIED", channel="APP")}, headers=person
    )
    assert body["data"]["rateCase"]["followUpOpened"] is True
    calendar = WorkCalendar.bundled()
    with use_database(hall.runtime.db):  # type: ignore[arg-type]
        follow_up = await FollowUp.get(case=case)
        staff_account = await Account.get(username=STAFF.login)
        inbox = await Message.filter(account=staff_account, title="收到差评，请核实整改").count()
    assert follow_up.due_on == calendar.add_working_days(local_today(), 15)
    assert inbox == 1

    staff = await _token(hall, "staff", STAFF)
    listed = (await gql(hall, FOLLOW_UPS, {"overdue": False}, headers=staff))["data"]["followUps"]
    ids = [e["node"]["id"] for e in listed["edges"]]
    assert str(follow_up.id) in ids
    early = (await gql(hall, RECTIFY, {"id": str(follow_up.id)}, headers=staff))["data"]
    assert early["rectifyFollowUp"]["errors"][0]["code"] == "CONFLICT"  # verify first
    steps = [
        (VERIFY, "verifyFollowUp", "VERIFIED"),
        (RECTIFY, "rectifyFollowUp", "RECTIFIED"),
        (REPLY, "recordRaterReply", "CLOSED"),
    ]
    for mutation, name, status in steps:
        result = (await gql(hall, mutation, {"id": str(follow_up.id)}, headers=staff))["data"][name]
        assert result["errors"] == [] and result["followUp"]["status"]["value"] == status
    with use_database(hall.runtime.db):  # type: ignore[arg-type]
        told = await OutboxMessage.filter(kind="follow_up_rectified").values_list(
            "channel", flat=True
        )
    assert sorted(told) == ["in_app", "sms"]  # the rater learnt the outcome

    person_view = await gql(hall, FOLLOW_UPS, {"overdue": False}, headers=person)
    assert person_view["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_overdue_follow_ups_warn_the_department_once_a_day(hall: HallClient) -> None:
    case = await _case(hall, applicant_code=PERSON_ID, stage=CaseStage.COLLECTED)
    person = await _token(hall, "person", PERSON)
    await gql(
        hall, RATE, {"input": _input(case, level="DISSATISFIED", channel="APP")}, headers=person
    )
    with use_database(hall.runtime.db):  # type: ignore[arg-type]
        follow_up = await FollowUp.get(case=case)
        follow_up.due_on = local_today() - timedelta(days=2)
        await follow_up.save()
        calendar = WorkCalendar.bundled()
        written = await follow_up_warnings(local_today(), calendar)
        again = await follow_up_warnings(local_today(), calendar)
    assert written >= 1 and again == 0
    staff = await _token(hall, "staff", STAFF)
    overdue = (await gql(hall, FOLLOW_UPS, {"overdue": True}, headers=staff))["data"]["followUps"]
    nodes = [e["node"] for e in overdue["edges"]]
    assert any(n["id"] == str(follow_up.id) and n["overdue"] for n in nodes)
    assert all(n["overdue"] for n in nodes)


DISPUTE = """mutation($n: String!, $reason: String!) { disputeRating(input: {caseNumber: $n,
    reason: $reason}) { errors { code field } rating { disputed level { value } } } }"""


async def test_staff_dispute_but_never_delete_a_rating(hall: HallClient) -> None:
    case = await _case(hall, applicant_code=DEMO_CREDIT_CODE, stage=CaseStage.COMPLETED)
    enterprise = await _token(hall, "enterprise", ENTERPRISE)
    await gql(hall, RATE, {"input": _input(case, level="VERY_DISSATISFIED")}, headers=enterprise)
    refused = await gql(
        hall, DISPUTE, {"n": case.case_number, "reason": "评价与事实不符。"}, headers=enterprise
    )
    assert refused["data"]["disputeRating"]["errors"][0]["code"] == "FORBIDDEN"
    staff = await _token(hall, "staff", STAFF)
    short = await gql(hall, DISPUTE, {"n": case.case_number, "reason": "不对"}, headers=staff)
    assert short["data"]["disputeRating"]["errors"][0]["field"] == "reason"
    body = await gql(
        hall,
        DISPUTE,
        {"n": case.case_number, "reason": "办件在承诺时限内办结，评价所述超期与记录不符。"},
        headers=staff,
    )
    assert body["data"]["disputeRating"] == {
        "errors": [],
        "rating": {"disputed": True, "level": {"value": "VERY_DISSATISFIED"}},
    }
    again = await gql(
        hall, DISPUTE, {"n": case.case_number, "reason": "再次提出异议理由。"}, headers=staff
    )
    assert again["data"]["disputeRating"]["errors"][0]["code"] == "CONFLICT"
    summary = (await gql(hall, SUMMARY, {"d": "SCJG"}))["data"]["ratingSummary"]
    assert summary["disputed"] >= 1  # still counted, and shown as disputed


DISPUTE_MESSAGE = """mutation($n: String!, $reason: String!) { disputeRating(input: {
    caseNumber: $n, reason: $reason}) { errors { code field message } } }"""


async def test_a_dispute_is_a_recorded_step_of_its_process(hall: HallClient) -> None:
    """issue 13, RATE-2: the dispute runs on the workflow engine; it is recorded in the one
    history with who, in which role, why and from where, and taking it twice is refused
    with a typed error naming the state and the action."""
    case = await _case(hall, applicant_code=DEMO_CREDIT_CODE, stage=CaseStage.COMPLETED)
    enterprise = await _token(hall, "enterprise", ENTERPRISE)
    await gql(hall, RATE, {"input": _input(case, level="DISSATISFIED")}, headers=enterprise)
    staff = await _token(hall, "staff", STAFF)
    with use_database(hall.runtime.db):  # type: ignore[arg-type]
        rating = await Rating.get(case_id=case.id, current=True)
        assert rating.dispute_state is RatingDispute.UNDISPUTED
        assert not await WorkflowStep.exists(process=DISPUTE_PROCESS.name, instance_id=rating.id)
    refused = await gql(
        hall, DISPUTE_MESSAGE, {"n": case.case_number, "reason": "  "}, headers=staff
    )
    assert refused["data"]["disputeRating"]["errors"][0]["field"] == "reason"
    reason = "办件  在承诺时限内办结，\n评价与记录不符。"
    body = await gql(
        hall, DISPUTE_MESSAGE, {"n": case.case_number, "reason": reason}, headers=staff
    )
    assert body["data"]["disputeRating"]["errors"] == []
    again = await gql(
        hall,
        DISPUTE_MESSAGE,
        {"n": case.case_number, "reason": "再次提出异议理由。"},
        headers=staff,
    )
    error = again["data"]["disputeRating"]["errors"][0]
    assert error["code"] == "CONFLICT" and error["field"] == "caseNumber"
    assert "评价当前状态为“已提出异议”" in error["message"] and "“提出异议”" in error["message"]
    with use_database(hall.runtime.db):  # type: ignore[arg-type]
        rating = await Rating.get(id=rating.id)
        steps = await WorkflowStep.filter(process=DISPUTE_PROCESS.name, instance_id=rating.id)
        account = await Account.get(username=STAFF.username)
    assert rating.dispute_state is RatingDispute.DISPUTED
    assert [(s.action, s.from_state, s.to_state) for s in steps] == [
        ("dispute", "undisputed", "disputed")
    ]
    (step,) = steps
    assert step.reason == rating.dispute_reason == "办件 在承诺时限内办结， 评价与记录不符。"
    assert step.actor == rating.disputed_by == f"staff:{account.subject}"
    assert step.actor_name == account.display_name and step.role == "case_handler"
    assert step.department_id == rating.department_id  # type: ignore[attr-defined]
    assert step.at == rating.disputed_at and step.ip


def test_a_dispute_taken_twice_is_an_illegal_step() -> None:
    """issue 13: the typed refusal names the state and the action in Chinese."""
    rating = SimpleNamespace(
        dispute_state=RatingDispute.DISPUTED, department=SimpleNamespace(code="SCJG")
    )
    handler = Principal(
        PrincipalKind.STAFF,
        subject="s1",
        roles=frozenset({StaffRole.CASE_HANDLER.value}),
        department_code="SCJG",
    )
    with pytest.raises(IllegalDisputeStep) as caught:
        workflow.check(DISPUTE_PROCESS, rating, "dispute", handler, reason="评价与事实不符。")
    assert caught.value.code is ErrorCode.CONFLICT
    assert caught.value.label == "评价异议状态不可变更"
    assert (
        caught.value.message
        == "评价当前状态为“已提出异议”，不能“提出异议”（转为“已提出异议”）；可进行：无"
    )
    assert caught.value.details == {"from": "DISPUTED", "to": "DISPUTED"}
    other = Principal(
        PrincipalKind.STAFF,
        subject="s2",
        roles=frozenset({StaffRole.CASE_HANDLER.value}),
        department_code="MZJ",
    )
    rating.dispute_state = RatingDispute.UNDISPUTED
    with pytest.raises(Forbidden):
        workflow.check(DISPUTE_PROCESS, rating, "dispute", other, reason="评价与事实不符。")
    with pytest.raises(InvalidInput) as short:
        workflow.check(DISPUTE_PROCESS, rating, "dispute", handler, reason="不对")
    assert short.value.field == "reason" and short.value.message == "异议理由应为5到500字"


def test_public_comments_lose_personal_data() -> None:
    text = "我是陈晓明，身份证440403198805121231，电话13926901234、0756-5522315，邮箱a@b.cn"
    assert public_comment(text, "陈晓明") == (
        "我是[申请人]，身份证[身份证号]，电话[手机号]、[电话]，邮箱[邮箱]"
    )


async def test_indicators_follow_the_way_the_case_was_handled(hall: HallClient) -> None:
    window = await _case(hall, applicant_code=PERSON_ID, stage=CaseStage.COMPLETED)
    with use_database(hall.runtime.db):  # type: ignore[arg-type]
        window.channel = CaseChannel.WINDOW  # handled at a window: the on-site indicators
        await window.save(update_fields=["channel"])
    body = await gql(
        hall,
        RATE,
        {
            "input": _input(
                window,
                channel="WINDOW",
                indicators=[
                    {"indicator": "ATTITUDE", "level": "VERY_SATISFIED"},
                    {"indicator": "SERVICE_LEVEL", "level": "SATISFIED"},
                ],
            )
            | await _captcha(hall)
        },
    )
    assert body["data"]["rateCase"]["errors"] == [], body
    wrong = await gql(
        hall,
        RATE,
        {
            "input": _input(window, indicators=[{"indicator": "USABILITY", "level": "BASIC"}])
            | await _captcha(hall)
        },
    )
    assert wrong["data"]["rateCase"]["errors"][0]["field"] == "indicators"
