"""Control characters in GraphQL inputs are a typed error before anything runs (F9, SEC-3).

On PostgreSQL a NUL in these arguments was a masked INTERNAL_SERVER_ERROR (the database
refuses U+0000 in text); now every one, whether a variable or a literal in the document,
answers ``INVALID_CHARACTERS`` naming where it stood, on both backends, over HTTP, over
WebSocket and on /kiosk/graphql.
"""

from __future__ import annotations

from typing import Any

import pytest

from servicehall.schema.inputs import FORBIDDEN
from tests.conftest import HallClient, gql
from tests.kiosk.support import device_token, persisted, register

NUL = "\x00"

#: (operation with variables, variables with a NUL, the variable path named)
BY_VARIABLES: list[tuple[str, dict[str, Any], str]] = [
    (
        "query($f: GovernmentInformationFilter) { governmentInformation(filter: $f)"
        " { totalCount } }",
        {"f": {"keyword": f"营业{NUL}"}},
        "$f.keyword",
    ),
    (
        "query($f: LicenseCatalogFilter) { licenseCatalog(filter: $f) { totalCount } }",
        {"f": {"name": f"食品{NUL}"}},
        "$f.name",
    ),
    (
        "mutation($i: RateCaseInput!) { rateCase(input: $i) { errors { code } } }",
        {
            "i": {
                "caseNumber": "440403-20261126-00017-2",
                "applicantName": "陈晓明",
                "level": "VERY_SATISFIED",
                "channel": "WEB",
                "comment": f"很好{NUL}",
            }
        },
        "$i.comment",
    ),
    (
        "mutation($t: String!, $b: String!) { publishAnnouncement(input: {title: $t, body: $b})"
        " { errors { code } } }",
        {"t": "通知", "b": f"正文{NUL}"},
        "$b",
    ),
    (
        'query($p: String) { license(licenseNumber: "SPJY-440403-2026-000123-9",'
        " purpose: $p) { licenseNumber } }",
        {"p": f"核查{NUL}"},
        "$p",
    ),
    (
        "query($r: [_Any!]!) { _entities(representations: $r) { __typename } }",
        {
            "r": [
                {"__typename": "Case", "caseNumber": "x"},
                {"__typename": "Station", "co\x01": "y"},
            ]
        },
        "$r[1].co\x01",
    ),
]

#: The same inputs as literals in the document (escapes and raw characters alike).
BY_LITERALS: list[tuple[str, str]] = [
    (
        '{ governmentInformation(filter: {keyword: "营业\\u0000"}) { totalCount } }',
        "filter.keyword",
    ),
    ('{ licenseCatalog(filter: {name: "食品\x00"}) { totalCount } }', "filter.name"),
    (
        'mutation { rateCase(input: {caseNumber: "440403-20261126-00017-2", applicantName: "陈",'
        ' level: VERY_SATISFIED, channel: WEB, comment: """好\x07"""}) { errors { code } } }',
        "input.comment",
    ),
    (
        'mutation { publishAnnouncement(input: {title: "通知\\u001b", body: "b"})'
        " { errors { code } } }",
        "input.title",
    ),
    (
        '{ license(licenseNumber: "SPJY-440403-2026-000123-9", purpose: "核查\\u007f")'
        " { licenseNumber } }",
        "purpose",
    ),
    (
        'query($k: String = "a\\u0000") { governmentInformation(filter: {keyword: $k})'
        " { totalCount } }",
        "$k",
    ),
    (
        '{ _entities(representations: [{__typename: "Case", caseNumber: "x\\u0000"}])'
        " { __typename } }",
        "representations[0].caseNumber",
    ),
]


def _only_error(body: dict[str, Any]) -> dict[str, Any]:
    assert "data" not in body or body["data"] is None, body
    [error] = body["errors"]
    assert error["extensions"]["code"] == "INVALID_CHARACTERS", error
    assert error["extensions"]["label"] == "含有不允许的控制字符"
    return dict(error)


@pytest.mark.parametrize(("query", "variables", "path"), BY_VARIABLES)
async def test_control_characters_in_variables_are_refused(
    demo_client: HallClient, query: str, variables: dict[str, Any], path: str
) -> None:
    error = _only_error(await gql(demo_client, query, variables))
    assert error["extensions"]["field"] == path
    assert error["extensions"]["character"] in {"U+0000", "U+0001"}
    strict = await demo_client.post(
        "/graphql",
        json={"query": query, "variables": variables},
        headers={"accept": "application/graphql-response+json"},
    )
    assert strict.status_code == 400  # a request error: nothing executed


@pytest.mark.parametrize(("query", "path"), BY_LITERALS)
async def test_control_characters_in_literals_are_refused(
    demo_client: HallClient, query: str, path: str
) -> None:
    error = _only_error(await gql(demo_client, query))
    assert error["extensions"]["field"] == path


async def test_tab_newline_and_return_are_text(demo_client: HallClient) -> None:
    body = await gql(
        demo_client,
        "query($k: String) { governmentInformation(filter: {keyword: $k}) { totalCount } }",
        {"k": "营业\t执照\r\n"},
    )
    assert "errors" not in body, body
    assert FORBIDDEN.search("\t\n\r") is None
    assert all(FORBIDDEN.search(c) for c in ("\x00", "\x08", "\x0b", "\x1f", "\x7f", "\ud800"))


async def test_the_access_purpose_header_is_checked_too(demo_client: HallClient) -> None:
    body = await gql(
        demo_client,
        '{ license(licenseNumber: "SPJY-440403-2026-000123-9") { licenseNumber } }',
        headers={"x-access-purpose": "%E6%A0%B8%E6%9F%A5%00"},
    )
    codes = {e["extensions"]["code"] for e in body.get("errors", [])}
    assert codes == {"INVALID_CHARACTERS"}, body
    assert body["errors"][0]["extensions"]["field"] == "X-Access-Purpose"


async def test_the_kiosk_endpoint_refuses_them(hall: HallClient) -> None:
    client_id, secret = await register(hall)
    token = await device_token(hall, client_id, secret)
    body = persisted(
        "CaseProgress", {"caseNumber": "440403-20261126-00017-2", "applicantName": "陈\x00"}
    )
    response = await hall.post(
        "/kiosk/graphql", json=body, headers={"authorization": f"Bearer {token}"}
    )
    error = _only_error(response.json())
    assert error["extensions"]["field"] == "$applicantName"
