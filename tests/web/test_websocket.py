"""/graphql over WebSocket (graphql-transport-ws) against a real uvicorn server."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
import websockets

from servicehall.settings import Settings
from tests.conftest import free_port, live

PROTOCOL = "graphql-transport-ws"


@pytest.fixture
async def server_url(demo_settings: Settings) -> AsyncIterator[str]:
    port = free_port()
    async with live(demo_settings.replace(max_query_depth=4), port) as hall:
        yield hall.url.replace("http://", "ws://") + "/graphql"


async def _run(
    url: str, query: str, variables: dict[str, Any] | None = None
) -> list[dict[str, Any]]:
    async with websockets.connect(url, subprotocols=[PROTOCOL]) as ws:  # type: ignore[list-item]
        await ws.send(json.dumps({"type": "connection_init"}))
        assert json.loads(await ws.recv())["type"] == "connection_ack"
        payload = {"query": query, "variables": variables or {}}
        await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": payload}))
        messages = []
        while True:
            message = json.loads(await asyncio.wait_for(ws.recv(), 5))
            messages.append(message)
            if message["type"] in ("complete", "error"):
                return messages


async def test_queries_run_over_websocket(server_url: str) -> None:
    messages = await _run(server_url, "{ themes(audience: PERSON) { code name } }")
    assert messages[0]["type"] == "next"
    assert messages[0]["payload"]["data"]["themes"]
    assert messages[-1]["type"] == "complete"


async def test_websocket_path_applies_the_same_limits(server_url: str) -> None:
    deep = "{ businessScopes { divisions { divisions { divisions { divisions { code } } } } } }"
    messages = await _run(server_url, deep)
    errors = messages[0]["payload"]
    assert errors[0]["extensions"]["code"] == "QUERY_TOO_DEEP"


async def test_websocket_path_refuses_control_characters(server_url: str) -> None:
    """F9: variables and literals with a NUL answer INVALID_CHARACTERS before anything
    runs, as over HTTP (a subscription's arguments reach the database too)."""
    subscription = (
        "subscription($n: String!, $a: String!) { caseProgressChanged(caseNumber: $n,"
        " applicantName: $a) { case { caseNumber } } }"
    )
    variables = {"n": "440403-20261126-00017-2", "a": "陈晓明\x00"}
    for query, given, field in (
        (subscription, variables, "$a"),
        (
            '{ governmentInformation(filter: {keyword: "a\\u0000"}) { totalCount } }',
            {},
            "filter.keyword",
        ),
    ):
        messages = await _run(server_url, query, given)
        assert messages[0]["type"] == "error", messages
        [error] = messages[0]["payload"]
        assert error["extensions"]["code"] == "INVALID_CHARACTERS"
        assert error["extensions"]["field"] == field


async def test_foreign_origins_are_refused(server_url: str) -> None:
    with pytest.raises(websockets.exceptions.InvalidStatus):
        async with websockets.connect(
            server_url,
            subprotocols=[PROTOCOL],  # type: ignore[list-item]
            origin="https://evil.example",  # type: ignore[arg-type]
        ):
            pass
