"""Issue 13, SEC-1: through /graphql, an answer that depends on who asks is never served from
the shared response cache to the next caller, while public answers still are."""

from __future__ import annotations

from typing import Any

import orjson

from servicehall.demo.enterprises import DEMO_CREDIT_CODE
from tests.auth.flows import PERSON, bearer, tokens
from tests.conftest import HallClient, StatementCounter

#: ``unreadCount`` is a field of the public type Enterprise whose answer is the reader's.
MAILBOX = "query($c: String!) { enterprise(creditCode: $c) { name unreadCount } }"
PUBLIC = "query($c: String!) { enterprise(creditCode: $c) { name } }"
VIEWER = "{ viewer { account { subject kind { value } } } }"


async def _post(
    hall: HallClient, query: str, headers: dict[str, str] | None = None
) -> tuple[dict[str, Any], str]:
    # GET, so that cache-control tells whether the answer is shareable at all
    response = await hall.get(
        "/graphql",
        params={"query": query, "variables": orjson.dumps({"c": DEMO_CREDIT_CODE}).decode()},
        headers=headers or {},
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body, response.headers["cache-control"]


async def test_a_callers_field_on_a_public_type_is_not_served_to_the_next_caller(
    hall: HallClient, sql_counter: StatementCounter
) -> None:
    owner = bearer((await tokens(hall))["access_token"])  # the demo enterprise's account
    hall.cookies.clear()
    # the cache is live: the public part alone is stored and served without SQL
    await _post(hall, PUBLIC)
    sql_counter.reset()
    public, control = await _post(hall, PUBLIC)
    assert control.startswith("public") and sql_counter.count == 0
    assert public["data"]["enterprise"]["name"]

    mine, control = await _post(hall, MAILBOX, owner)
    assert isinstance(mine["data"]["enterprise"]["unreadCount"], int), mine
    assert control == "no-store"
    sql_counter.reset()
    again, _ = await _post(hall, MAILBOX, owner)
    assert again == mine and sql_counter.count > 0  # answered afresh, not from the cache

    other, control = await _post(hall, MAILBOX)  # anonymous, the very same document
    assert other["data"]["enterprise"] == {
        "name": public["data"]["enterprise"]["name"],
        "unreadCount": None,
    }
    assert other["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert control == "no-store"


async def test_viewer_answers_each_caller_with_their_own_account(hall: HallClient) -> None:
    enterprise = bearer((await tokens(hall))["access_token"])
    hall.cookies.clear()
    person = bearer(
        (await tokens(hall, kind="person", identifier=PERSON.login, password=PERSON.password))[
            "access_token"
        ]
    )
    hall.cookies.clear()
    first, control = await _post(hall, VIEWER, enterprise)
    assert control == "no-store"
    second, _ = await _post(hall, VIEWER, person)
    anonymous, _ = await _post(hall, VIEWER)
    kinds = [
        first["data"]["viewer"]["account"]["kind"]["value"],
        second["data"]["viewer"]["account"]["kind"]["value"],
    ]
    assert kinds == ["ENTERPRISE", "PERSON"]
    assert (
        first["data"]["viewer"]["account"]["subject"]
        != (second["data"]["viewer"]["account"]["subject"])
    )
    assert anonymous["data"]["viewer"] is None
