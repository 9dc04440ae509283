"""CASE-1..3 and ENT-13 through GraphQL: the public lookup without enumeration, limits,
the applicant's and staff's views, moves, federation and live progress."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import websockets

from servicehall.db import use_database
from servicehall.demo.accounts import PERSON_ID
from servicehall.demo.enterprises import DEMO_CREDIT_CODE
from servicehall.models import Case, CaseStage, OutboxMessage, ServiceItem
from servicehall.numbering import format_case_number
from servicehall.schema.cases import mask_name
from servicehall.settings import Settings
from tests.auth.flows import (
    ADMIN,
    ENTERPRISE,
    PERSON,
    STAFF,
    bearer,
    tokens,
)
from tests.conftest import HallClient, free_port, gql, live, opened

PROGRESS = """query($n: String!, $name: String!) {
  caseProgress(caseNumber: $n, applicantName: $name) {
    caseNumber formattedCaseNumber applicantName applicantCode stage { value label }
    item { name } department { name }
    clock { limitDays remainingDays deadline level { value label } }
    records { stage { label } handler department note }
  } }"""


async def _token(hall: HallClient, kind: str, account: Any) -> dict[str, str]:
    hall.cookies.clear()
    issued = await tokens(hall, kind=kind, identifier=account.login, password=account.password)
    return bearer(issued["access_token"])


async def _case(hall: HallClient, **filters: Any) -> Case:
    with use_database(hall.runtime.db):  # type: ignore[arg-type]
        case = await Case.filter(**filters).order_by("id").first()
    assert case is not None, filters
    return case


async def test_progress_answers_only_number_and_name_together(hall: HallClient) -> None:
    case = await _case(hall, applicant_code=PERSON_ID, stage=CaseStage.SUPPLEMENT_REQUESTED)
    body = await gql(hall, PROGRESS, {"n": format_case_number(case.case_number), "name": "陈晓明"})
    progress = body["data"]["caseProgress"]
    assert progress["caseNumber"] == case.case_number
    assert progress["applicantName"] == "陈*明"  # masked
    assert progress["applicantCode"].startswith("4404") and "*" in progress["applicantCode"]
    assert progress["stage"] == {"value": "SUPPLEMENT_REQUESTED", "label": "补交告知"}
    assert progress["clock"]["level"] == {"value": "PAUSED", "label": "暂停计时"}
    assert progress["clock"]["deadline"] is None
    handlers = {r["handler"] for r in progress["records"]}
    assert "申请人" in handlers and all(h == "申请人" or "*" in h for h in handlers)

    wrong_name = await gql(hall, PROGRESS, {"n": case.case_number, "name": "陈晓红"})
    other = await _case(hall, applicant_code=DEMO_CREDIT_CODE)
    wrong_pair = await gql(hall, PROGRESS, {"n": other.case_number, "name": "陈晓明"})
    unknown = await gql(hall, PROGRESS, {"n": "440403-20200101-00001-X", "name": "陈晓明"})
    answers = [b["errors"][0] for b in (wrong_name, wrong_pair)]
    assert all(a["extensions"]["code"] == "NOT_FOUND" for a in answers)
    assert len({a["message"] for a in answers}) == 1  # nothing to tell them apart
    assert unknown["errors"][0]["extensions"]["code"] in ("NOT_FOUND", "INVALID_CASE_NUMBER")

    typo = case.case_number[:-2] + str((int(case.case_number[-2]) + 1) % 10) + case.case_number[-1]
    mistyped = await gql(hall, PROGRESS, {"n": typo, "name": "陈晓明"})
    extensions = mistyped["errors"][0]["extensions"]
    assert extensions["code"] == "INVALID_CASE_NUMBER" and extensions["check"] == "CHECK_CHARACTER"


async def test_lookups_are_limited_per_ip(hall: HallClient) -> None:
    case = await _case(hall, applicant_code=PERSON_ID)
    answers = [
        await gql(hall, PROGRESS, {"n": case.case_number, "name": "陈晓明"})
        for _ in range(hall.runtime.settings.case_lookups_per_ip + 1)
    ]
    assert all("errors" not in a for a in answers[: hall.runtime.settings.case_lookups_per_ip])
    assert answers[-1]["errors"][0]["extensions"]["code"] == "RATE_LIMITED"


VIEWER = """{ viewer { cases(first: 50) { totalCount edges { node {
    caseNumber applicantName stage { value } } } }
    enterprise { caseStatistics { completed inProgress completedThisMonth } } } }"""


async def test_applicants_list_their_own_cases(hall: HallClient) -> None:
    enterprise = await _token(hall, "enterprise", ENTERPRISE)
    viewer = (await gql(hall, VIEWER, headers=enterprise))["data"]["viewer"]
    nodes = [e["node"] for e in viewer["cases"]["edges"]]
    assert {n["stage"]["value"] for n in nodes} == {s.name for s in CaseStage}  # all ten
    assert all(n["applicantName"] == "珠海市斗门区恒信食品有限公司" for n in nodes)
    stats = viewer["enterprise"]["caseStatistics"]
    finished = sum(n["stage"]["value"] in ("COMPLETED", "COLLECTED") for n in nodes)
    assert stats["completed"] == finished and stats["inProgress"] == len(nodes) - finished
    assert 0 <= stats["completedThisMonth"] <= finished

    person = await _token(hall, "person", PERSON)
    mine = (await gql(hall, VIEWER, headers=person))["data"]["viewer"]
    assert mine["cases"]["totalCount"] == 4 and mine["enterprise"] is None
    assert {e["node"]["applicantName"] for e in mine["cases"]["edges"]} == {"陈晓明"}


CASE = """query($n: String!) { case(caseNumber: $n) {
    caseNumber applicantName applicantCode nextStages { value } rating { level { value } } } }"""
ADVANCE = """mutation($n: String!, $stage: CaseStage!, $note: String, $outcome: CaseOutcome) {
  advanceCase(input: {caseNumber: $n, stage: $stage, note: $note, outcome: $outcome}) {
    errors { code field message }
    case { stage { value } records { stage { value } handler } } } }"""


async def test_staff_read_and_move_their_departments_cases(hall: HallClient) -> None:
    case = await _case(hall, applicant_code=DEMO_CREDIT_CODE, stage=CaseStage.PRE_ACCEPTED)
    staff = await _token(hall, "staff", STAFF)
    seen = (await gql(hall, CASE, {"n": case.case_number}, headers=staff))["data"]["case"]
    assert seen["applicantName"] == "珠海市斗门区恒信食品有限公司"
    assert {s["value"] for s in seen["nextStages"]} == {"ACCEPTED", "SUPPLEMENT_REQUESTED"}

    illegal = await gql(hall, ADVANCE, {"n": case.case_number, "stage": "COLLECTED"}, headers=staff)
    error = illegal["data"]["advanceCase"]["errors"][0]
    assert error["code"] == "ILLEGAL_TRANSITION" and error["field"] == "stage"
    assert "网上预受理" in error["message"] and "受理" in error["message"]

    moved = await gql(
        hall,
        ADVANCE,
        {"n": case.case_number, "stage": "ACCEPTED", "note": "材料齐全"},
        headers=staff,
    )
    result = moved["data"]["advanceCase"]
    assert result["errors"] == [] and result["case"]["stage"]["value"] == "ACCEPTED"
    assert result["case"]["records"][-1] == {
        "stage": {"value": "ACCEPTED"},
        "handler": "黄伟",
    }
    with use_database(hall.runtime.db):  # type: ignore[arg-type]
        told = await OutboxMessage.filter(kind="case_accepted").values_list("channel", flat=True)
    assert "in_app" in told  # the enterprise's mailbox (and a text to its phone)

    person = await _token(hall, "person", PERSON)
    refused = await gql(hall, CASE, {"n": case.case_number}, headers=person)
    assert refused == {"data": {"case": None}}  # F11: as if it did not exist
    not_staff = await gql(
        hall, ADVANCE, {"n": case.case_number, "stage": "PROCESSING"}, headers=person
    )
    assert not_staff["data"]["advanceCase"]["errors"][0]["code"] == "FORBIDDEN"
    anonymous = await gql(hall, CASE, {"n": case.case_number})
    assert anonymous["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    admin = await _token(hall, "staff", ADMIN)
    assert (await gql(hall, CASE, {"n": case.case_number}, headers=admin))["data"]["case"]


SUBMIT = """mutation($item: String!) { submitCase(input: {itemCode: $item, note: "网上申请"}) {
    errors { code field } case { caseNumber stage { value } channel { value } } } }"""
REGISTER = """mutation($item: String!, $code: String!) { registerCase(input: {itemCode: $item,
    applicantKind: PERSON, applicantName: "李四", applicantCode: $code,
    applicantPhone: "13900002222"}) {
    errors { code field } case { caseNumber channel { value } applicantName } } }"""


async def test_applying_online_and_at_the_window(hall: HallClient) -> None:
    with use_database(hall.runtime.db):  # type: ignore[arg-type]
        item = await ServiceItem.filter(department__code="SCJG").first()
    assert item is not None
    person = await _token(hall, "person", PERSON)
    submitted = (await gql(hall, SUBMIT, {"item": item.code}, headers=person))["data"]["submitCase"]
    assert submitted["errors"] == [] and submitted["case"]["stage"]["value"] == "SUBMITTED"
    assert submitted["case"]["channel"]["value"] == "WEB"
    missing = (await gql(hall, SUBMIT, {"item": "NOPE"}, headers=person))["data"]["submitCase"]
    assert missing["errors"][0] == {"code": "NOT_FOUND", "field": "itemCode"}
    anonymous = (await gql(hall, SUBMIT, {"item": item.code}))["data"]["submitCase"]
    assert anonymous["errors"][0]["code"] == "UNAUTHENTICATED"

    staff = await _token(hall, "staff", STAFF)
    bad_id = (
        await gql(hall, REGISTER, {"item": item.code, "code": "440403198805121230"}, headers=staff)
    )["data"]
    assert bad_id["registerCase"]["errors"][0] == {
        "code": "INVALID_ID_NUMBER",
        "field": "applicantCode",
    }
    good = (await gql(hall, REGISTER, {"item": item.code, "code": PERSON_ID}, headers=staff))[
        "data"
    ]["registerCase"]
    assert good["errors"] == [] and good["case"]["channel"]["value"] == "WINDOW"


ENTITIES = """query($reps: [_Any!]!) { _entities(representations: $reps) {
    ... on Case { caseNumber stage { label } } } }"""


async def test_case_is_a_federation_entity_for_entitled_callers(hall: HallClient) -> None:
    case = await _case(hall, applicant_code=DEMO_CREDIT_CODE)
    reps = {"reps": [{"__typename": "Case", "caseNumber": case.case_number}]}
    staff = await _token(hall, "staff", STAFF)
    body = await gql(hall, ENTITIES, reps, headers=staff)
    assert body["data"]["_entities"] == [
        {"caseNumber": case.case_number, "stage": {"label": case.stage.label}}
    ]
    anonymous = await gql(hall, ENTITIES, reps)
    assert anonymous["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


SUBSCRIBE = """subscription($n: String!, $name: String!) {
  caseProgressChanged(caseNumber: $n, applicantName: $name) {
    case { stage { value } clock { level { value } } }
    record { stage { label } note handler } } }"""


async def _next_event(url: str, variables: dict[str, str], ready: asyncio.Event) -> dict[str, Any]:
    async with websockets.connect(url, subprotocols=["graphql-transport-ws"]) as ws:  # type: ignore[list-item]
        await ws.send(json.dumps({"type": "connection_init"}))
        assert json.loads(await ws.recv())["type"] == "connection_ack"
        await ws.send(
            json.dumps(
                {
                    "id": "1",
                    "type": "subscribe",
                    "payload": {"query": SUBSCRIBE, "variables": variables},
                }
            )
        )
        await asyncio.sleep(0.5)  # the subscription is listening once the server ran it
        ready.set()
        message: dict[str, Any] = json.loads(await asyncio.wait_for(ws.recv(), 10))
        return message


async def test_progress_is_pushed_across_two_instances(
    hall_settings: Settings, backend: str
) -> None:
    """A subscriber on one instance hears a move made on another: fan-out through the
    cache backend's pub/sub (PostgreSQL runs use Redis; SQLite runs share one instance)."""
    async with opened(hall_settings):
        case = await Case.filter(
            applicant_code=PERSON_ID, stage=CaseStage.SUPPLEMENT_REQUESTED
        ).first()
        assert case is not None
        number = case.case_number
    async with (
        live(hall_settings, free_port()) as first,
        live(hall_settings, free_port()) as second,
    ):
        mover = second if backend == "postgres" else first
        url = first.url.replace("http://", "ws://") + "/graphql"
        ready = asyncio.Event()
        listening = asyncio.create_task(_next_event(url, {"n": number, "name": "陈晓明"}, ready))
        await asyncio.wait_for(ready.wait(), 10)
        async with mover.client() as client:
            staff = await _token(client, "staff", STAFF)
            moved = await gql(
                client,
                ADVANCE,
                {"n": number, "stage": "SUPPLEMENT_ACCEPTED", "note": "已收到补交材料"},
                headers=staff,
            )
            assert moved["data"]["advanceCase"]["errors"] == []
        event = await listening
    assert event["type"] == "next", event
    pushed = event["payload"]["data"]["caseProgressChanged"]
    assert pushed["record"] == {
        "stage": {"label": "补交受理"},
        "note": "已收到补交材料",
        "handler": "黄*",
    }
    assert pushed["case"]["stage"]["value"] == "SUPPLEMENT_ACCEPTED"


async def test_a_subscription_needs_the_same_proof(hall_settings: Settings) -> None:
    async with opened(hall_settings):
        case = await Case.filter(applicant_code=PERSON_ID).first()
        assert case is not None
    async with live(hall_settings, free_port()) as hall:
        url = hall.url.replace("http://", "ws://") + "/graphql"
        async with websockets.connect(url, subprotocols=["graphql-transport-ws"]) as ws:  # type: ignore[list-item]
            await ws.send(json.dumps({"type": "connection_init"}))
            await ws.recv()
            await ws.send(
                json.dumps(
                    {
                        "id": "1",
                        "type": "subscribe",
                        "payload": {
                            "query": SUBSCRIBE,
                            "variables": {"n": case.case_number, "name": "别人"},
                        },
                    }
                )
            )
            message = json.loads(await asyncio.wait_for(ws.recv(), 10))
    errors = message["payload"] if message["type"] == "error" else message["payload"]["errors"]
    assert errors[0]["extensions"]["code"] == "NOT_FOUND"


def test_names_are_masked() -> None:
    assert mask_name("张三") == "张*" and mask_name("张小三") == "张*三"
    assert mask_name("欧阳小明") == "欧**明" and mask_name("王") == "*"
