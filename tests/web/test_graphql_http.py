"""GraphQL over HTTP: methods, limits, typed errors, masking, APQ and the response cache."""

from __future__ import annotations

import hashlib
import logging
import uuid
from typing import Any

import httpx
import orjson
import pytest

from servicehall.schema.item_guide import ServiceGuide
from servicehall.settings import Settings
from servicehall.web.graphql import GraphQLEndpoint
from tests.auth.flows import bearer, machine_client, machine_token
from tests.conftest import HallClient, StatementCounter, gql, running

QUERY = "{ departments { code name } }"


async def test_get_serves_queries(demo_client: httpx.AsyncClient) -> None:
    response = await demo_client.get("/graphql", params={"query": QUERY})
    assert response.status_code == 200
    assert response.json()["data"]["departments"]
    assert response.headers["x-request-id"]
    assert response.headers["cache-control"].startswith("public")


async def test_get_with_variables(demo_client: httpx.AsyncClient) -> None:
    response = await demo_client.get(
        "/graphql",
        params={
            "query": "query($k: String) { "
            "serviceItems(filter: {keyword: $k}, first: 1) { totalCount } }",
            "variables": orjson.dumps({"k": "证"}).decode(),
        },
    )
    assert response.json()["data"]["serviceItems"]["totalCount"] > 0


async def test_request_errors_are_4xx_with_codes(demo_client: httpx.AsyncClient) -> None:
    cases: list[tuple[dict[str, Any], int, str]] = [
        (
            {"content": b"{not json", "headers": {"content-type": "application/json"}},
            400,
            "BAD_REQUEST",
        ),
        (
            {"content": b"query=1", "headers": {"content-type": "text/plain"}},
            415,
            "UNSUPPORTED_MEDIA_TYPE",
        ),
        ({"json": [{"query": QUERY}, {"query": QUERY}]}, 400, "BATCHING_NOT_SUPPORTED"),
        ({"json": {"variables": {}}}, 400, "BAD_REQUEST"),
        ({"json": {"query": QUERY, "variables": [1]}}, 400, "BAD_REQUEST"),
        (
            {"json": {"query": "query A { themes { code } } query B { themes { code } }"}},
            400,
            "OPERATION_NAME_REQUIRED",
        ),
        (
            {"json": {"query": "query A { themes { code } }", "operationName": "B"}},
            400,
            "OPERATION_NOT_FOUND",
        ),
    ]
    for kwargs, status, code in cases:
        response = await demo_client.post("/graphql", **kwargs)
        assert response.status_code == status, (kwargs, response.text)
        assert response.json()["errors"][0]["extensions"]["code"] == code
    response = await demo_client.put("/graphql", json={"query": QUERY})
    assert response.status_code == 405


async def test_oversized_body_is_refused_before_parsing(demo_settings: Settings) -> None:
    async with running(demo_settings.replace(max_body_bytes=1000)) as client:
        response = await client.post("/graphql", json={"query": QUERY + " " * 2000})
        assert response.status_code == 413
        assert response.json()["errors"][0]["extensions"]["code"] == "REQUEST_TOO_LARGE"


async def test_a_client_gone_before_its_body_is_not_an_error(
    demo_client: HallClient, caplog: pytest.LogCaptureFixture
) -> None:
    """wrk and browsers cut connections mid-request: no traceback, no answer sent."""
    endpoint = GraphQLEndpoint(demo_client.runtime)
    sent: list[Any] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.disconnect"}

    async def send(message: Any) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "method": "POST",
        "path": "/graphql",
        "headers": [(b"content-type", b"application/json")],
        "query_string": b"",
        "state": {"request_id": "r1"},
    }
    with caplog.at_level(logging.WARNING):
        await endpoint(scope, receive, send)
    assert sent == [] and not caplog.records


async def test_feed_clients_may_send_larger_bodies(hall: HallClient) -> None:
    """Department systems push batches of up to 2000 records (ENT-15); users stay capped."""
    await machine_client(hall, "tax-system", ("ingest:tax",))
    machine = bearer(await machine_token(hall, "tax-system", "ingest:tax"))
    padded = {"query": QUERY + " " * 300_000}
    assert (await hall.post("/graphql", json=padded)).status_code == 413
    assert (await hall.post("/graphql", json=padded, headers=machine)).status_code == 200


def _deep(depth: int) -> str:
    return "{ businessScopes " + "{ divisions " * (depth - 1) + "{ code }" + " }" * depth


async def test_depth_alias_and_token_limits(demo_settings: Settings) -> None:
    # nested divisions multiply by their declared size: this test is about depth, not cost
    settings = demo_settings.replace(
        max_query_depth=5, max_aliases=3, max_tokens=200, max_cost_anonymous=10**9
    )
    async with running(settings) as client:
        ok = await gql(client, _deep(4))
        assert "errors" not in ok
        too_deep = await gql(client, _deep(6))
        assert too_deep["errors"][0]["extensions"]["code"] == "QUERY_TOO_DEEP"
        aliases = "{ " + " ".join(f"a{n}: themes {{ code }}" for n in range(4)) + " }"
        assert (await gql(client, aliases))["errors"][0]["extensions"]["code"] == "TOO_MANY_ALIASES"
        huge = "{ " + " ".join("themes { code }" for _ in range(60)) + " }"
        assert (await gql(client, huge))["errors"][0]["extensions"]["code"] == "QUERY_TOO_LARGE"
        # fragments count towards depth; a fragment cycle is an error, not a hang
        spread = (
            "{ businessScopes { ...F } } fragment F on BusinessScope "
            "{ divisions { divisions { divisions { divisions { divisions { code } } } } } }"
        )
        assert (await gql(client, spread))["errors"][0]["extensions"]["code"] == "QUERY_TOO_DEEP"
        cycle = (
            "{ businessScopes { ...A } } fragment A on BusinessScope { divisions { ...B } } "
            "fragment B on BusinessScope { divisions { ...A } }"
        )
        assert "errors" in await gql(client, cycle)


async def test_graphql_response_media_type_uses_status_codes(
    demo_client: httpx.AsyncClient,
) -> None:
    accept = {"accept": "application/graphql-response+json"}
    response = await demo_client.post("/graphql", json={"query": "{ nope }"}, headers=accept)
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("application/graphql-response+json")
    response = await demo_client.post("/graphql", json={"query": "{ nope }"})
    assert response.status_code == 200  # legacy application/json clients
    assert response.json()["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    response = await demo_client.post(
        "/graphql",
        json={
            "query": "query($n: Int!) { serviceItems(first: $n) { totalCount } }",
            "variables": {"n": "x"},
        },
        headers=accept,
    )
    assert response.status_code == 400
    response = await demo_client.post("/graphql", json={"query": "{ syntax error"}, headers=accept)
    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"]["code"] == "GRAPHQL_PARSE_FAILED"


async def test_introspection_is_off_in_prod(demo_settings: Settings) -> None:
    prod = demo_settings.replace(env="prod", public_url="https://testserver", secret_key="k" * 40)
    async with running(prod) as client:
        body = await gql(client, "{ __schema { types { name } } }")
        assert body["errors"][0]["extensions"]["code"] == "INTROSPECTION_DISABLED"
        assert (await gql(client, "{ _service { sdl } }"))["data"]["_service"]["sdl"]
        assert (await gql(client, "{ themes { __typename } }"))["data"]["themes"]
        page = await client.get("/graphql", headers={"accept": "text/html"})
        assert page.status_code == 400  # no GraphiQL in prod
    async with running(demo_settings) as client:
        page = await client.get("/graphql", headers={"accept": "text/html"})
        assert page.status_code == 200 and "graphiql" in page.text.lower()
        assert (await gql(client, "{ __schema { queryType { name } } }"))["data"]


async def test_unexpected_errors_are_masked_and_logged_with_the_request_id(
    demo_client: httpx.AsyncClient,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    def broken(row: Any) -> Any:
        raise RuntimeError("secret connection string postgres://admin:pw@db")

    monkeypatch.setattr(ServiceGuide, "from_row", broken)
    caplog.set_level(logging.ERROR, "servicehall.errors")
    query = "{ serviceItems(first: 1) { edges { node { code guide { phone } } } } }"
    request_id = uuid.uuid4().hex
    response = await demo_client.post(
        "/graphql", json={"query": query}, headers={"x-request-id": request_id}
    )
    error = response.json()["errors"][0]
    assert error["extensions"] == {"code": "INTERNAL_SERVER_ERROR", "requestId": request_id}
    assert "secret" not in response.text and request_id in error["message"]
    assert any(request_id in r.getMessage() and r.exc_info for r in caplog.records)


async def test_automatic_persisted_queries(demo_client: httpx.AsyncClient) -> None:
    digest = hashlib.sha256(QUERY.encode()).hexdigest()
    persisted = {"persistedQuery": {"version": 1, "sha256Hash": digest}}
    miss = await demo_client.post("/graphql", json={"extensions": persisted})
    assert miss.json()["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"
    stored = await demo_client.post("/graphql", json={"query": QUERY, "extensions": persisted})
    assert stored.json()["data"]["departments"]
    hit = await demo_client.get("/graphql", params={"extensions": orjson.dumps(persisted).decode()})
    assert hit.json() == stored.json()
    wrong = await demo_client.post(
        "/graphql", json={"query": "{ themes { code } }", "extensions": persisted}
    )
    assert wrong.json()["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_HASH_MISMATCH"


async def test_public_responses_are_cached_until_a_change_is_recorded(
    demo_settings: Settings, sql_counter: StatementCounter
) -> None:
    query = (
        '{ serviceItems(filter: {keyword: "证"}, first: 3) '
        "{ totalCount edges { node { code department { name } } } } }"
    )
    async with running(demo_settings) as client:
        first = await gql(client, query)
        sql_counter.reset()
        second = await gql(client, query)
        assert second == first and sql_counter.count == 0
        await client.runtime.changes.record(("Department", "MZJ"))
        third = await gql(client, query)
        assert third == first and sql_counter.count > 0


@pytest.mark.parametrize("backend", ["postgres"], indirect=True)  # only Redis can die
async def test_a_dead_redis_degrades_to_uncached_service(demo_settings: Settings) -> None:
    dead = demo_settings.replace(redis_url="redis://127.0.0.1:1/0")
    async with running(dead) as client:
        body = await gql(client, QUERY)
        assert body["data"]["departments"]
        # the change generation cannot be read: searches take the SQL path, still correct
        search = await gql(client, '{ serviceItems(filter: {keyword: "证"}) { totalCount } }')
        assert search["data"]["serviceItems"]["totalCount"] > 0
        digest = hashlib.sha256(QUERY.encode()).hexdigest()
        persisted = {"persistedQuery": {"version": 1, "sha256Hash": digest}}
        response = await client.post("/graphql", json={"query": QUERY, "extensions": persisted})
        assert response.json()["data"]["departments"]
        ready = await client.get("/readyz")
        assert ready.status_code == 200  # degraded, still serving (F5)
        assert ready.json()["status"] == "degraded"
        assert ready.json()["checks"]["database"] == "ok"
        assert ready.json()["checks"]["cache"] != "ok"
        assert ready.json()["cache_breaker"].startswith("open")
