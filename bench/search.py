"""Benchmark: four-dimension item search over 50k items on PostgreSQL (ITEM-1).

Seeds a PostgreSQL database (once; reused while it holds the wanted number of items),
starts the hall with uvicorn (prod settings, Redis) and measures, at 8 concurrent
connections, the p50/p95 latency of a mix of 14 searches (keyword, dimension filters,
facets, total, first 20) over HTTP with wrk (or a Python client when wrk is missing). Beside
it, the SQL of the same filters (page + total/facets: the two statements of the hall's SQL
search path, used while the catalogue index is not built) straight through asyncpg at the
same concurrency.

Run:  .venv/bin/python bench/search.py [--items 50000] [--seconds 20] [--workers 1]
Env:  BENCH_POSTGRES_URL (default postgres://postgres@127.0.0.1:5432/servicehall_bench),
      BENCH_REDIS_URL (default redis://127.0.0.1:6379/14)
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from typing import Any

import asyncpg
import httpx

from servicehall import db
from servicehall.auth.services import AuthServices
from servicehall.cache.memory import MemoryBackend
from servicehall.demo.loader import load_demo
from servicehall.loaders.items import ITEM_COLUMNS
from servicehall.models.items import KioskCategory
from servicehall.resolvers.items import ItemFilter, page_sql, stats_sql
from servicehall.settings import Settings

PG = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/servicehall_bench")
REDIS = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")
CONCURRENCY = 8

QUERY = """
query Search($filter: ServiceItemFilter, $first: Int!) {
  serviceItems(filter: $filter, first: $first) {
    totalCount
    edges { node { code name kioskCategory { label } department { name } } }
    facets { themes { value label count } targetGroups { value label count }
             businessScopes { value label count } departments { value label count } }
  }
}
"""

FILTERS: list[dict[str, Any]] = [
    {"keyword": "证"},
    {"keyword": "营业"},
    {"keyword": "许可"},
    {"keyword": "食品经营许可"},
    {"keyword": "医保", "category": "MEDICAL_INSURANCE"},
    {"keyword": "补贴"},
    {"keyword": "登记 变更"},
    {"keyword": "民政"},
    {"themes": ["L02"]},
    {"businessScopes": ["H"], "keyword": "许可"},
    {"targetGroups": ["enterprise"], "keyword": "备案"},
    {"category": "CIVIL_AFFAIRS"},
    {"keyword": "申请", "themes": ["P07"], "targetGroups": ["person"]},
    {},
]


def _item_filter(spec: dict[str, Any]) -> ItemFilter:
    return ItemFilter(
        keyword=spec.get("keyword"),
        themes=tuple(spec.get("themes", ())),
        target_groups=tuple(spec.get("targetGroups", ())),
        business_scopes=tuple(spec.get("businessScopes", ())),
        departments=tuple(spec.get("departments", ())),
        category=KioskCategory[spec["category"]] if "category" in spec else None,
    )


async def seed(items: int) -> None:
    base, name = PG.rsplit("/", 1)
    admin = await asyncpg.connect(base + "/postgres")
    if not await admin.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name):
        await admin.execute(f'CREATE DATABASE "{name}"')
    await admin.close()
    ctx = await db.open_database(Settings(database_url=PG))
    with db.use_database(ctx):
        await db.migrate()
        have = (await db.fetch("SELECT COUNT(*) AS n FROM service_item"))[0]["n"]
        if have != items:
            print(f"seeding {items} items (had {have}) ...", flush=True)
            started = time.perf_counter()
            tables = await db.fetch(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
                "AND tablename <> 'tortoise_migrations'"
            )
            names = ", ".join(f'"{t["tablename"]}"' for t in tables)
            await db.fetch(f"TRUNCATE {names} RESTART IDENTITY CASCADE")
            auth = AuthServices.create(Settings(database_url=PG), MemoryBackend())
            await load_demo(hasher=auth.passwords, box=auth.box, items=items, enterprises=200)
            await db.fetch("ANALYZE")
            print(f"seeded in {time.perf_counter() - started:.0f}s", flush=True)
    await ctx.close_connections()


def _sql(flt: ItemFilter) -> list[tuple[str, list[Any]]]:
    """The two statements the hall runs for one search (page of 20, total + facets)."""
    return [
        page_sql(flt, first=20, after=None, dialect="postgres"),
        stats_sql(flt, dialect="postgres"),
    ]


async def _measure(
    requests: int, one: Callable[[int], Awaitable[None]]
) -> tuple[float, float, float]:
    latencies: list[float] = []
    counter = iter(range(requests))

    async def worker() -> None:
        for n in counter:
            started = time.perf_counter()
            await one(n)
            latencies.append((time.perf_counter() - started) * 1000)

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
    elapsed = time.perf_counter() - started
    latencies.sort()
    p50 = statistics.median(latencies)
    p95 = latencies[int(len(latencies) * 0.95) - 1]
    return p50, p95, requests / elapsed


async def bench_pk(requests: int) -> tuple[float, float, float]:
    """The one statement the indexed path runs: 20 item rows by primary key."""
    pool = await asyncpg.create_pool(
        PG.replace("postgres://", "postgresql://", 1), min_size=CONCURRENCY, max_size=CONCURRENCY
    )
    ids = [row["id"] for row in await pool.fetch("SELECT id FROM service_item LIMIT 2000")]
    sql = f"SELECT {ITEM_COLUMNS} FROM service_item i WHERE i.id = ANY($1::int[])"

    async def one(n: int) -> None:
        async with pool.acquire() as conn:
            await conn.fetch(sql, ids[(n * 20) % 1980 : (n * 20) % 1980 + 20])

    try:
        return await _measure(requests, one)
    finally:
        await pool.close()


async def bench_sql(requests: int) -> tuple[float, float, float]:
    plans = [_sql(_item_filter(spec)) for spec in FILTERS]
    pool = await asyncpg.create_pool(
        PG.replace("postgres://", "postgresql://", 1), min_size=CONCURRENCY, max_size=CONCURRENCY
    )

    async def one(n: int) -> None:
        async with pool.acquire() as conn:
            for sql, values in plans[n % len(plans)]:
                await conn.fetch(sql, *values)

    try:
        await _measure(len(plans) * 4, one)  # warm up
        return await _measure(requests, one)
    finally:
        await pool.close()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


WRK_SCRIPT = """
local bodies = {%s}
local n = 0
request = function()
  n = n + 1
  return wrk.format("POST", "/graphql", {["Content-Type"] = "application/json"},
                    bodies[(n %% #bodies) + 1])
end
done = function(summary, latency, requests)
  local bad = summary.errors.status + summary.errors.connect + summary.errors.read
              + summary.errors.write + summary.errors.timeout
  io.write(string.format("RESULT %%.3f %%.3f %%.1f %%d\\n", latency:percentile(50) / 1000,
           latency:percentile(95) / 1000, summary.requests / (summary.duration / 1e6), bad))
end
"""


def _bodies() -> list[str]:
    return [
        json.dumps({"query": QUERY, "variables": {"filter": spec, "first": 20}}, ensure_ascii=False)
        for spec in FILTERS
    ]


def _wrk(port: int, seconds: int) -> tuple[float, float, float]:
    lua = WRK_SCRIPT % ", ".join(json.dumps(body, ensure_ascii=False) for body in _bodies())
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as handle:
        handle.write(lua)
    try:
        out = subprocess.run(
            [
                "wrk",
                "-t",
                "2",
                "-c",
                str(CONCURRENCY),
                "-d",
                f"{seconds}s",
                "-s",
                handle.name,
                f"http://127.0.0.1:{port}",
            ],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    finally:
        os.unlink(handle.name)
    line = next(line for line in out.splitlines() if line.startswith("RESULT"))
    _, p50, p95, rps, bad = line.split()
    if int(bad):
        raise RuntimeError(f"{bad} failed requests:\n{out}")
    return float(p50), float(p95), float(rps)


async def bench_http(seconds: int, cache_ttl: int, workers: int) -> tuple[float, float, float]:
    port = _free_port()
    env = dict(
        os.environ,
        SERVICEHALL_ENV="prod",
        SERVICEHALL_DATABASE_URL=PG,
        SERVICEHALL_REDIS_URL=REDIS,
        SERVICEHALL_RESPONSE_CACHE_TTL=str(cache_ttl),
        SERVICEHALL_CACHE_PREFIX=f"bench-{port}:",
        SERVICEHALL_LOG_LEVEL="WARNING",
    )
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "servicehall",
            "serve",
            "--port",
            str(port),
            "--workers",
            str(workers),
        ],
        env=env,
    )
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
            for _ in range(100):
                try:
                    if (await client.get("/readyz")).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                await asyncio.sleep(0.1)

            async def one(n: int) -> None:
                variables = {"filter": FILTERS[n % len(FILTERS)], "first": 20}
                response = await client.post(
                    "/graphql", json={"query": QUERY, "variables": variables}
                )
                body = response.json()
                if "errors" in body:
                    raise RuntimeError(body["errors"])

            await asyncio.sleep(3)  # let every worker build its catalogue index
            await _measure(len(FILTERS) * 4 * workers, one)  # warm up, check answers
            if shutil.which("wrk"):
                return await asyncio.to_thread(_wrk, port, seconds)
            return await _measure(seconds * 100, one)
    finally:
        server.terminate()
        server.wait(10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--items", type=int, default=50_000)
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args()
    asyncio.run(seed(args.items))
    sql = asyncio.run(bench_sql(400))
    pk = asyncio.run(bench_pk(400))
    cold = asyncio.run(bench_http(args.seconds, cache_ttl=0, workers=args.workers))
    warm = asyncio.run(bench_http(args.seconds, cache_ttl=300, workers=args.workers))
    client = "wrk" if shutil.which("wrk") else "python client"
    print(
        f"\nsearch over {args.items} items, {CONCURRENCY} concurrent, "
        f"{args.workers} worker(s), {client}"
    )
    print(f"{'variant':<52}{'p50 ms':>9}{'p95 ms':>9}{'req/s':>9}")
    for label, (p50, p95, rps) in (
        ("raw SQL via asyncpg: page + total/facets", sql),
        ("raw SQL via asyncpg: the page rows by primary key", pk),
        ("hall /graphql, response cache off (index)", cold),
        ("hall /graphql, response cache on", warm),
    ):
        print(f"{label:<52}{p50:>9.1f}{p95:>9.1f}{rps:>9.0f}")
    print(f"p95 hall (cache off) / raw SQL of the same filter: {cold[1] / sql[1]:.2f}x")


if __name__ == "__main__":
    main()
