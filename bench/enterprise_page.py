"""Benchmark: the whole enterprise page (ENT-4..12) in one query, 10k enterprises on PostgreSQL.

Seeds a PostgreSQL database once (reused while it holds the wanted number of enterprises):
each enterprise ~5 qualifications, ~10 credit records, 12 tax months x ~3 lines, 12
insurance months x 5 lines. Then signs an access token per enterprise with the hall's key
(as the provider does after sign-in) and, for a fixed time at 32 concurrent connections
over a Zipf choice of enterprises, sends ``examples/enterprise-page.graphql`` to:

1. the floor: a plain Starlette endpoint returning each enterprise's page JSON bytes from
   memory (the bytes the hall answered);
2. the hall: ``servicehall serve`` with prod settings and Redis;
3. stock strawberry: the same app, schema, resolvers and loaders behind strawberry's own
   ASGI view (strawberry's per-request parse, validation and JSON encoding instead of
   the hall's document cache and pipeline).

Run:  .venv/bin/python bench/enterprise_page.py [--enterprises 10000] [--seconds 20]
Env:  see bench/common.py
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import tempfile
import time
import uuid

from common import (
    BENCH_DIR,
    Call,
    Figures,
    bench_settings,
    client_name,
    database_url,
    free_port,
    hall_command,
    hall_env,
    load,
    prepare,
    serving,
    uvicorn_command,
)
from joserfc import jwt
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL

from servicehall import db
from servicehall.app import create_app
from servicehall.auth.services import AuthServices
from servicehall.cache.memory import MemoryBackend
from servicehall.clock import local_today
from servicehall.demo.enterprise_page import BENCH
from servicehall.demo.loader import load_demo
from servicehall.schema.context import Context
from servicehall.settings import Settings
from servicehall.web.runtime import Runtime

URL = database_url("servicehall_bench_page")
PAGE = (BENCH_DIR.parent / "examples" / "enterprise-page.graphql").read_text(encoding="utf-8")
CONCURRENCY = 32
ZIPF_S = 1.1
#: Requests in the mix wrk cycles through (drawn from the Zipf distribution).
MIX = 4000


async def seed(enterprises: int) -> None:
    async def have() -> bool:
        rows = await db.fetch(
            "SELECT (SELECT COUNT(*) FROM enterprise) AS e, "
            "(SELECT COUNT(*) FROM credit_record) AS c"
        )
        return bool(rows[0]["e"] == enterprises and rows[0]["c"] > enterprises * 5)

    async def fill() -> None:
        auth = AuthServices.create(bench_settings(URL), MemoryBackend())
        await load_demo(
            hasher=auth.passwords, box=auth.box, items=200, enterprises=enterprises, density=BENCH
        )

    await prepare(URL, have, fill)


async def mint_tokens(ttl: int) -> tuple[list[str], dict[str, str]]:
    """The enterprises drawn for the mix, and an access token for each, as the provider
    signs them after an enterprise signs in (RFC 9068 ``at+jwt``, the hall's current key)."""
    settings = bench_settings(URL)
    auth = AuthServices.create(settings, MemoryBackend())
    ctx = await db.open_database(settings)
    try:
        with db.use_database(ctx):
            await auth.keys.ensure()
            key = await auth.keys.signing_key()
            codes = [r["credit_code"] for r in await db.fetch("SELECT credit_code FROM enterprise")]
    finally:
        await ctx.close_connections()
    mix = zipf_mix(codes)
    now = int(time.time())
    header = {"alg": "RS256", "typ": "at+jwt", "kid": key.kid}
    tokens = {
        code: jwt.encode(
            header,
            {
                "iss": settings.issuer,
                "aud": settings.api_audience,
                "sub": uuid.uuid4().hex,
                "client_id": "doumen-portal",
                "jti": uuid.uuid4().hex,
                "iat": now,
                "exp": now + ttl,
                "scope": "openid profile enterprise",
                "kind": "enterprise",
                "ent": code,
            },
            key,
        )
        for code in set(mix)
    }
    return mix, tokens


def zipf_mix(codes: list[str]) -> list[str]:
    """``MIX`` enterprises drawn by Zipf's law over a shuffled ranking (a few popular
    enterprises, a long tail)."""
    rng = random.Random(4404)
    ranking = sorted(codes)
    rng.shuffle(ranking)
    weights = [1 / (rank**ZIPF_S) for rank in range(1, len(ranking) + 1)]
    return rng.choices(ranking, weights=weights, k=MIX)


def stock_app() -> Starlette:
    """The hall with strawberry's stock ASGI view on /graphql instead of its own pipeline."""
    app = create_app(Settings.from_env(os.environ), server=True)
    runtime: Runtime = app.state.runtime

    class Stock(GraphQL[Context, None]):
        async def get_context(
            self, request: Request | WebSocket, response: Response | WebSocket
        ) -> Context:
            return runtime.context(request, request.scope["state"]["request_id"])

    view = Stock(runtime.schema, graphql_ide=None)
    app.router.routes = [
        Route("/graphql", view, methods=["POST"])
        if isinstance(route, Route) and route.path == "/graphql"
        else route
        for route in app.router.routes
    ]
    return app


async def run(enterprises: int, seconds: int, workers: int) -> None:
    year = local_today().year - 1
    mix, tokens = await mint_tokens(ttl=3600)
    body = json.dumps({"query": PAGE, "variables": {"year": year}}, ensure_ascii=False)
    calls = [Call(body, f"Bearer {tokens[code]}") for code in mix]
    figures: dict[str, Figures] = {}

    port = free_port()
    async with serving(hall_command(port, workers), hall_env(port, URL), port, "/readyz") as hall:
        answers = {}
        for call in {c.authorization: c for c in calls}.values():
            response = await hall.post(
                "/graphql",
                content=body.encode(),
                headers={"authorization": call.authorization, "content-type": "application/json"},
            )
            answers[call.authorization] = response.text
        figures["hall /graphql (its own pipeline)"] = await load(
            hall, port, calls, seconds, CONCURRENCY
        )
    sizes = [len(a.encode()) for a in answers.values()]

    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
        json.dump(answers, handle, ensure_ascii=False)
    try:
        port = free_port()
        env = dict(os.environ, BENCH_FLOOR_FILE=handle.name)
        async with serving(
            uvicorn_command("common:floor_app", port, workers), env, port, "/readyz"
        ) as floor:
            figures["floor: Starlette, the same bytes from memory"] = await load(
                floor, port, calls, seconds, CONCURRENCY
            )
    finally:
        os.unlink(handle.name)

    port = free_port()
    async with serving(
        uvicorn_command("enterprise_page:stock_app", port, workers),
        hall_env(port, URL),
        port,
        "/readyz",
    ) as stock:
        figures["stock strawberry ASGI view, same app"] = await load(
            stock, port, calls, seconds, CONCURRENCY
        )

    print(
        f"\nenterprise page, {enterprises} enterprises, Zipf s={ZIPF_S} ({len(answers)} "
        f"distinct in the mix), {CONCURRENCY} concurrent, {workers} worker(s), "
        f"{client_name()}, {seconds}s each; answers {min(sizes) // 1024}-{max(sizes) // 1024} KiB"
    )
    print(f"{'variant':<48}{'p50 ms':>9}{'p99 ms':>9}{'req/s':>9}")
    for label in (
        "floor: Starlette, the same bytes from memory",
        "hall /graphql (its own pipeline)",
        "stock strawberry ASGI view, same app",
    ):
        f = figures[label]
        print(f"{label:<48}{f.p50:>9.1f}{f.p99:>9.1f}{f.rps:>9.0f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--enterprises", type=int, default=10_000)
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args()
    asyncio.run(seed(args.enterprises))
    asyncio.run(run(args.enterprises, args.seconds, args.workers))


if __name__ == "__main__":
    main()
