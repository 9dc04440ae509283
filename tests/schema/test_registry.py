"""ITEM-4 over GraphQL: a request walked through the six steps by the demo accounts, and
its publication seen at once by search, the guide, a station page and ``_entities``; a
cancellation; typed errors in payloads; who may read requests."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from servicehall.demo.accounts import REGISTRY_STAFF
from servicehall.settings import Settings
from tests.auth.flows import bearer, tokens
from tests.conftest import HallClient, StatementCounter, gql, running

ACCOUNTS = {a.login: a for a in REGISTRY_STAFF}
STATION = "440403100"

CONTENT = """name departmentCode kind { value } level { value } kioskCategory { value }
  themes targetGroups businessScopes keywords legalBasis conditions
  materials { name form { value } originals copies required note licenseType }
  statutoryLimitDays promisedLimitDays visitsRequired fees { name standard basis }
  process { name description } onlineUrl whereToApply officeHours phone resultDelivery stations"""
VERSIONS = f"""query($code: String!) {{ itemVersions(code: $code) {{
  number status {{ value }} change {{ value }} content {{ {CONTENT} }} }} }}"""
REQUEST = """id state { value label } kind { value } title office dueOn overdue revision
  entries { itemCode change { value } currentNumber diff { field label before after } }
  steps { action actionLabel toState { value } actorName role { value } opinion basis }"""
SUBMIT = f"""mutation($input: SubmitItemRequestInput!) {{ submitItemRequest(input: $input) {{
  errors {{ code field message }} request {{ {REQUEST} }} }} }}"""
SEE = """query($code: String!, $keyword: String!, $station: String!, $reps: [_Any!]!) {
  serviceItems(filter: { keyword: $keyword }) { edges { node { code name } } }
  serviceItem(code: $code) { name status { value label } notice guide { phone } }
  station(code: $station) { items(first: 100) { edges { node { code } } } }
  _entities(representations: $reps) { ... on ServiceItem { code name } } }"""


@pytest.fixture
async def hall(kiosk_settings: Settings) -> AsyncIterator[HallClient]:
    async with running(kiosk_settings) as client:
        yield client


async def _as(hall: HallClient, login: str) -> dict[str, str]:
    hall.cookies.clear()
    account = ACCOUNTS[login]
    issued = await tokens(hall, kind="staff", identifier=login, password=account.password)
    return bearer(issued["access_token"])


def _input(content: dict[str, Any]) -> dict[str, Any]:
    """An ``ItemContentInput`` from an ``ItemContent`` answer."""
    data = {k: v for k, v in content.items() if k not in ("kind", "level", "kioskCategory")}
    data["kind"] = content["kind"]["value"]
    data["level"] = content["level"]["value"]
    data["kioskCategory"] = (content["kioskCategory"] or {}).get("value")
    data["materials"] = [m | {"form": m["form"]["value"]} for m in content["materials"]]
    return data


async def _seen(hall: HallClient, code: str, keyword: str) -> dict[str, Any]:
    reps = [{"__typename": "ServiceItem", "code": code}]
    body = await gql(
        hall, SEE, {"code": code, "keyword": keyword, "station": STATION, "reps": reps}
    )
    assert "errors" not in body, body
    data: dict[str, Any] = body["data"]
    return data


async def _free_code(hall: HallClient, editor: dict[str, str]) -> str:
    body = await gql(
        hall,
        "{ itemRequests(first: 100) { edges { node { entries { itemCode } } } } }",
        headers=editor,
    )
    busy = {
        e["itemCode"]
        for edge in body["data"]["itemRequests"]["edges"]
        for e in edge["node"]["entries"]
    }
    body = await gql(
        hall,
        '{ serviceItems(filter: { departments: ["SCJG"] }, first: 100) '
        "{ edges { node { code } } } }",
    )
    return next(
        e["node"]["code"]
        for e in reversed(body["data"]["serviceItems"]["edges"])
        if e["node"]["code"] not in busy
    )


async def _walk(hall: HallClient, request_id: int) -> dict[str, Any]:
    steps = (
        ("zsj001", "reviewItemRequest", {"opinion": "要素齐全，同意。"}),
        ("bb001", "reviewItemRequest", {"opinion": "符合职责范围。"}),
        (
            "sfj001",
            "reviewItemRequest",
            {"opinion": "合法。", "basis": "《中华人民共和国行政许可法》第十二条"},
        ),
        ("zsj001", "approveItemRequest", {"opinion": "审定通过。"}),
        ("jw001", "fileItemRequest", {"opinion": "已备案。"}),
    )
    request: dict[str, Any] = {}
    for login, mutation, fields in steps:
        kind = (
            "ReviewItemRequest"
            if mutation == "approveItemRequest"
            else mutation[0].upper() + mutation[1:]
        )
        body = await gql(
            hall,
            f"mutation($input: {kind}Input!) {{ {mutation}(input: $input) {{ "
            f"errors {{ code message }} request {{ {REQUEST} }} }} }}",
            {"input": {"id": request_id, **fields}},
            headers=await _as(hall, login),
        )
        assert "errors" not in body, body
        payload = body["data"][mutation]
        assert payload["errors"] == [], (login, payload)
        request = payload["request"]
    return request


async def test_a_published_change_shows_at_once_everywhere(hall: HallClient) -> None:
    editor = await _as(hall, "scjg002")
    code = await _free_code(hall, editor)
    body = await gql(hall, VERSIONS, {"code": code}, headers=editor)
    [current] = body["data"]["itemVersions"]
    assert current["number"] == 1 and current["status"]["value"] == "PUBLISHED"
    before = await _seen(hall, code, "注册管理新名称")  # cached answers, before the change
    assert before["serviceItems"]["edges"] == []
    assert code not in {e["node"]["code"] for e in before["station"]["items"]["edges"]}
    content = _input(current["content"])
    content |= {"name": "注册管理新名称测试事项", "phone": "0756-5599999", "stations": [STATION]}
    content["keywords"] = ["新名称"]
    body = await gql(
        hall,
        SUBMIT,
        {
            "input": {
                "entries": [{"itemCode": code, "change": "CHANGE", "content": content}],
                "basis": "《广东省政务服务事项目录管理办法》第十二条",
            }
        },
        headers=editor,
    )
    payload = body["data"]["submitItemRequest"]
    assert payload["errors"] == [], payload
    request = payload["request"]
    assert request["state"]["value"] == "DIRECTORY_REVIEW" and request["office"] == "目录管理机构"
    diff = {d["field"]: d for d in request["entries"][0]["diff"]}
    assert set(diff) == {"name", "keywords", "phone", "stations"}
    assert diff["name"]["after"] == ["注册管理新名称测试事项"] and diff["stations"]["after"] == [
        STATION
    ]
    done = await _walk(hall, request["id"])
    assert done["state"]["value"] == "PUBLISHED"
    assert [s["action"] for s in done["steps"]] == [
        "start",
        "submit",
        "first_review",
        "staffing_review",
        "legal_review",
        "approve",
        "file",
    ]
    assert done["steps"][4]["role"]["value"] == "LEGAL_REVIEWER"
    after = await _seen(hall, code, "注册管理新名称")
    assert [e["node"]["code"] for e in after["serviceItems"]["edges"]] == [code]
    assert after["serviceItem"]["name"] == "注册管理新名称测试事项"
    assert after["serviceItem"]["guide"]["phone"] == "0756-5599999"
    assert code in {e["node"]["code"] for e in after["station"]["items"]["edges"]}
    assert after["_entities"] == [{"code": code, "name": "注册管理新名称测试事项"}]
    body = await gql(hall, VERSIONS, {"code": code}, headers=editor)
    assert [(v["number"], v["status"]["value"]) for v in body["data"]["itemVersions"]] == [
        (2, "PUBLISHED"),
        (1, "SUPERSEDED"),
    ]

    # 注销: gone from search and the station, the guide stays readable with its notice
    body = await gql(
        hall,
        SUBMIT,
        {
            "input": {
                "entries": [{"itemCode": code, "change": "CANCEL"}],
                "basis": "《国务院关于取消和下放一批行政许可事项的决定》",
            }
        },
        headers=editor,
    )
    request = body["data"]["submitItemRequest"]["request"]
    assert request["entries"][0]["diff"] == []
    await _walk(hall, request["id"])
    gone = await _seen(hall, code, "注册管理新名称")
    assert gone["serviceItems"]["edges"] == []
    assert code not in {e["node"]["code"] for e in gone["station"]["items"]["edges"]}
    assert gone["serviceItem"]["status"] == {"value": "CANCELLED", "label": "已注销"}
    assert "已注销" in gone["serviceItem"]["notice"]


async def test_errors_are_typed_in_the_payload_and_reads_are_guarded(hall: HallClient) -> None:
    editor = await _as(hall, "scjg002")
    code = await _free_code(hall, editor)
    body = await gql(
        hall,
        SUBMIT,
        {"input": {"entries": [{"itemCode": code, "change": "CANCEL"}], "basis": "工作需要"}},
        headers=editor,
    )
    payload = body["data"]["submitItemRequest"]
    assert payload["request"] is None
    assert [(e["code"], e["field"]) for e in payload["errors"]] == [
        ("LEGAL_BASIS_REQUIRED", "basis")
    ]
    body = await gql(hall, "{ itemRequests { totalCount } }")
    assert body["errors"][0]["extensions"]["code"] in ("FORBIDDEN", "UNAUTHENTICATED")
    reviewer = await _as(hall, "zsj001")
    body = await gql(
        hall,
        "{ itemRequests(filter: { worklist: true }) { totalCount "
        "edges { node { state { value } office overdue } } } }",
        headers=reviewer,
    )
    states = {e["node"]["state"]["value"] for e in body["data"]["itemRequests"]["edges"]}
    assert states == {"DIRECTORY_REVIEW", "APPROVAL"}
    body = await gql(
        hall, "{ overdueItemRequests { title state { value } overdue } }", headers=reviewer
    )
    assert [r["state"]["value"] for r in body["data"]["overdueItemRequests"]] == [
        "DIRECTORY_REVIEW"
    ]
    assert body["data"]["overdueItemRequests"][0]["overdue"] is True


async def test_a_request_list_costs_the_same_statements_for_any_length(
    hall: HallClient, sql_counter: StatementCounter
) -> None:
    """Entries and steps of a page of requests load in one statement each (DataLoaders)."""
    reviewer = await _as(hall, "zsj001")
    query = f"query($n: Int!) {{ itemRequests(first: $n) {{ edges {{ node {{ {REQUEST} }} }} }} }}"
    await gql(hall, query, {"n": 1}, headers=reviewer)  # warm the token's account
    counts = []
    for n in (1, 8):
        sql_counter.reset()
        body = await gql(hall, query, {"n": n}, headers=reviewer)
        assert len(body["data"]["itemRequests"]["edges"]) == n, body
        counts.append(sql_counter.count)
    assert counts[0] == counts[1], sql_counter.statements
