"""No request can take the hall down (issue 12: F1, F2, F4; SEC-3), over HTTP and WebSocket."""

from __future__ import annotations

import asyncio
import hashlib
import json
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest
import websockets

from servicehall.resolvers import items as item_resolvers
from servicehall.resolvers import stations as station_resolvers
from servicehall.settings import Settings
from tests.auth.flows import bearer, tokens
from tests.conftest import HallClient, StatementCounter, free_port, gql, live, running
from tests.schema.test_cost import COST_BOMB, fragment_bomb

QUERY = "{ departments { code name } }"
PROTOCOL = "graphql-transport-ws"


def _code(body: dict[str, Any]) -> str:
    return str(body["errors"][0]["extensions"]["code"])


async def test_the_fragment_bomb_answers_within_100_ms(demo_client: HallClient) -> None:
    """F1, SEC-3: 31 and 40 chained fragments each spread twice (31 hung a worker past
    SIGTERM) are prepared, costed and run in about the time of the plain query they
    amount to (the database and cache round trips are the same); the document is legal."""

    async def fastest(make: Callable[[int], str]) -> float:
        times = []
        for attempt in range(3):  # a fresh text each time: nothing is cached
            started = time.perf_counter()
            body = await gql(demo_client, make(attempt))
            times.append(time.perf_counter() - started)
            assert body["data"]["departments"], body
        return min(times)

    plain = await fastest(lambda n: f"query Plain{n} {{ departments {{ code }} }}")
    for size in (31, 40):
        bomb = await fastest(lambda n, size=size: fragment_bomb(size, f"Bomb{size}x{n}"))
        # Linear preparation costs microseconds per fragment; the doubling walk took 2.2 s at
        # 20 fragments and would take hours at 40. A second of slack keeps a loaded machine
        # from failing the test while any exponential walk still fails it.
        assert bomb < plain + 1.0, (size, bomb, plain)


async def test_the_cost_bomb_is_refused_without_executing(
    demo_client: HallClient, sql_counter: StatementCounter, monkeypatch: pytest.MonkeyPatch
) -> None:
    """F2, SEC-3: the 128-character towns/villages query (151 s, 5.4 GB, 31.7 MB cached)
    answers QUERY_TOO_COSTLY with its cost and the limit, quickly, having run nothing."""
    ran: list[bool] = []

    async def directory() -> Any:
        ran.append(True)
        raise AssertionError("executed")

    monkeypatch.setattr(station_resolvers, "directory", directory)
    sql_counter.reset()
    response = await demo_client.post(
        "/graphql",
        json={"query": COST_BOMB},
        headers={"accept": "application/graphql-response+json"},
    )
    assert response.status_code == 400
    error = response.json()["errors"][0]
    assert error["extensions"]["code"] == "QUERY_TOO_COSTLY"
    assert error["extensions"]["label"] == "查询过于复杂"
    assert error["extensions"]["cost"] > error["extensions"]["limit"] == 10_000
    assert "data" not in response.json()
    assert not ran and sql_counter.count == 0


async def test_the_cost_limit_depends_on_who_asks_and_on_variables(hall: HallClient) -> None:
    """F2: the same operation is too costly anonymously, fine signed in; a page size
    passed as a variable counts with the request's value."""
    limited = hall.runtime.settings.replace(max_cost_anonymous=50, max_cost_signed_in=500)
    async with running(limited) as client:
        assert _code(await gql(client, QUERY)) == "QUERY_TOO_COSTLY"  # 1 + 40 x 2
        signed_in = bearer((await tokens(client))["access_token"])
        assert (await gql(client, QUERY, headers=signed_in))["data"]["departments"]
        page = "query($n: Int!) { serviceItems(first: $n) { edges { node { code } } } }"
        assert (await gql(client, page, {"n": 5}))["data"]["serviceItems"]
        refused = await gql(client, page, {"n": 30})
        assert _code(refused) == "QUERY_TOO_COSTLY"
        assert refused["errors"][0]["extensions"]["cost"] == 1 + (1 + 30 * 2)


async def test_a_slow_operation_is_cancelled_at_the_timeout(
    demo_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """F2: EXECUTION_TIMEOUT after SERVICEHALL_EXECUTION_TIMEOUT, and the work stops."""
    cancelled = asyncio.Event()

    async def slow() -> list[Any]:
        try:
            await asyncio.sleep(30)
        except asyncio.CancelledError:
            cancelled.set()
            raise
        return []

    monkeypatch.setattr(item_resolvers, "list_departments", slow)
    async with running(demo_settings.replace(execution_timeout=0.3)) as client:
        started = time.perf_counter()
        body = await gql(client, "{ departments { code } }")
        assert time.perf_counter() - started < 5
        assert _code(body) == "EXECUTION_TIMEOUT"
        assert body["errors"][0]["extensions"]["label"] == "查询超时"
        assert cancelled.is_set()  # the resolver was cancelled, not left running


async def test_large_answers_are_refused_and_never_cached(
    demo_settings: Settings, sql_counter: StatementCounter
) -> None:
    """F2, F4: an answer over the size cap is RESPONSE_TOO_LARGE; one over the response
    cache's limit is served but not stored; a small public one is stored."""
    async with running(demo_settings.replace(max_response_bytes=200)) as client:
        body = await gql(client, QUERY)
        assert _code(body) == "RESPONSE_TOO_LARGE" and "data" not in body
    async with running(demo_settings.replace(response_cache_max_bytes=600)) as client:
        first = await gql(client, QUERY)
        sql_counter.reset()
        assert await gql(client, QUERY) == first
        assert sql_counter.count > 0  # not served from the cache
        small = "{ towns { code } }"
        first = await gql(client, small)
        sql_counter.reset()
        assert await gql(client, small) == first
        assert sql_counter.count == 0


def _apq(query: str) -> dict[str, Any]:
    digest = hashlib.sha256(query.encode()).hexdigest()
    return {"persistedQuery": {"version": 1, "sha256Hash": digest}}


async def _post(client: httpx.AsyncClient, body: dict[str, Any], **kwargs: Any) -> Any:
    return await client.post("/graphql", json=body, **kwargs)


async def test_apq_stores_only_valid_documents_of_bounded_size(demo_client: HallClient) -> None:
    """F4: a text that does not parse gets its parse error and is not stored; neither is
    one that does not validate; a text over the size cap is refused."""
    for text, code in (("{ departments {", "GRAPHQL_PARSE_FAILED"), ("{ nope }", None)):
        response = await _post(demo_client, {"query": text, "extensions": _apq(text)})
        if code:
            assert _code(response.json()) == code
        else:
            assert "errors" in response.json()
        miss = await _post(demo_client, {"extensions": _apq(text)})
        assert _code(miss.json()) == "PERSISTED_QUERY_NOT_FOUND"
    big = "{ departments { code } }" + " " * 40_000
    response = await _post(demo_client, {"query": big, "extensions": _apq(big)})
    assert response.status_code == 413
    assert _code(response.json()) == "PERSISTED_QUERY_TOO_LARGE"
    assert _code((await _post(demo_client, {"extensions": _apq(big)})).json()) == (
        "PERSISTED_QUERY_NOT_FOUND"
    )


async def test_apq_registrations_are_rate_limited_per_ip(demo_settings: Settings) -> None:
    """F4: registrations per minute from one IP are capped (RATE_LIMITED); lookups are not."""
    async with running(demo_settings.replace(persisted_queries_per_ip=2)) as client:
        texts = [f"query Q{n} {{ departments {{ code }} }}" for n in range(3)]
        for text in texts[:2]:
            response = await _post(client, {"query": text, "extensions": _apq(text)})
            assert response.json()["data"]
        refused = await _post(client, {"query": texts[2], "extensions": _apq(texts[2])})
        assert refused.status_code == 429 and _code(refused.json()) == "RATE_LIMITED"
        assert (await _post(client, {"extensions": _apq(texts[0])})).json()["data"]


async def test_anonymous_apq_registrations_expire_sooner(
    hall: HallClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """F4: kept a day when registered anonymously, seven days when signed in."""
    stored: dict[str, int | None] = {}
    cache = hall.runtime.cache
    real_set = cache.set

    async def spy(key: str, value: bytes, ttl: int | None = None) -> None:
        if key.startswith("apq:"):
            stored[key] = ttl
        await real_set(key, value, ttl)

    monkeypatch.setattr(cache, "set", spy)
    anonymous, signed = "query A { themes { code } }", "query S { themes { code } }"
    token = bearer((await tokens(hall))["access_token"])
    await _post(hall, {"query": anonymous, "extensions": _apq(anonymous)})
    await _post(hall, {"query": signed, "extensions": _apq(signed)}, headers=token)
    settings = hall.runtime.settings
    digest = _apq(anonymous)["persistedQuery"]["sha256Hash"]
    assert stored[f"apq:{digest}"] == settings.persisted_query_anonymous_ttl == 24 * 3600
    digest = _apq(signed)["persistedQuery"]["sha256Hash"]
    assert stored[f"apq:{digest}"] == settings.persisted_query_ttl == 7 * 24 * 3600


# --- the same rules over WebSocket -----------------------------------------------------


@pytest.fixture
async def ws_url(demo_settings: Settings) -> AsyncIterator[str]:
    async with live(demo_settings.replace(max_response_bytes=2000), free_port()) as hall:
        yield hall.url.replace("http://", "ws://") + "/graphql"


async def _ws(url: str, query: str) -> tuple[list[dict[str, Any]], float]:
    async with websockets.connect(url, subprotocols=[PROTOCOL]) as ws:  # type: ignore[list-item]
        await ws.send(json.dumps({"type": "connection_init"}))
        assert json.loads(await ws.recv())["type"] == "connection_ack"
        started = time.perf_counter()
        await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": {"query": query}}))
        messages = []
        while True:
            message = json.loads(await asyncio.wait_for(ws.recv(), 10))
            messages.append(message)
            if message["type"] in ("complete", "error"):
                return messages, time.perf_counter() - started


async def test_websocket_applies_the_same_limits(ws_url: str) -> None:
    """F1, F2, SEC-3: the fragment bomb answers quickly, the cost bomb is QUERY_TOO_COSTLY,
    a large answer RESPONSE_TOO_LARGE, over graphql-transport-ws as over HTTP."""
    messages, _ = await _ws(ws_url, fragment_bomb(40))
    assert messages[0]["payload"]["data"]["departments"]
    messages, _ = await _ws(ws_url, fragment_bomb(40, "Again"))
    assert messages[0]["payload"]["data"]["departments"]
    messages, _ = await _ws(ws_url, COST_BOMB)
    error = messages[0]["payload"][0]
    assert error["extensions"]["code"] == "QUERY_TOO_COSTLY"
    assert error["extensions"]["cost"] > error["extensions"]["limit"]
    messages, _ = await _ws(ws_url, "{ businessScopes { code name divisions { code name } } }")
    assert messages[0]["payload"]["errors"][0]["extensions"]["code"] == "RESPONSE_TOO_LARGE"
