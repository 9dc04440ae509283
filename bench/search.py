"""Benchmark: four-dimension item search over 50k items on PostgreSQL (ITEM-1).

Seeds a PostgreSQL database (once; reused while it holds the wanted number of items),
starts the hall with uvicorn (prod settings, Redis) and measures, at 8 concurrent
connections, the p50/p95 latency of a mix of 14 searches (keyword, dimension filters,
facets, total, first 20) over HTTP with wrk (or a Python client when wrk is missing). Beside
it, the SQL of the same filters (page + total/facets: the two statements of the hall's SQL
search path, used while the catalogue index is not built) straight through asyncpg at the
same concurrency.

Run:  .venv/bin/python bench/search.py [--items 50000] [--seconds 20] [--workers 1]
      [--database servicehall_bench] [--hall-only]
Env:  see bench/common.py
"""

from __future__ import annotations

import argparse
import asyncio
import json
from typing import Any

import asyncpg
from common import (
    Call,
    Figures,
    bench_settings,
    client_name,
    database_url,
    free_port,
    hall_command,
    hall_env,
    load,
    measure,
    prepare,
    serving,
)

from servicehall import db
from servicehall.auth.services import AuthServices
from servicehall.cache.memory import MemoryBackend
from servicehall.demo.loader import load_demo
from servicehall.loaders.items import ITEM_COLUMNS
from servicehall.models.items import KioskCategory
from servicehall.resolvers.items import ItemFilter, page_sql, stats_sql

PG = database_url("servicehall_bench")  # --database replaces it
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
    async def have() -> bool:
        rows = await db.fetch("SELECT COUNT(*) AS n FROM service_item")
        return bool(rows[0]["n"] == items)

    async def fill() -> None:
        auth = AuthServices.create(bench_settings(PG), MemoryBackend())
        await load_demo(hasher=auth.passwords, box=auth.box, items=items, enterprises=200)

    await prepare(PG, have, fill)


def _sql(flt: ItemFilter) -> list[tuple[str, list[Any]]]:
    """The two statements the hall runs for one search (page of 20, total + facets)."""
    return [
        page_sql(flt, first=20, after=None, dialect="postgres"),
        stats_sql(flt, dialect="postgres"),
    ]


async def bench_pk(requests: int) -> Figures:
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
        return await measure(requests, CONCURRENCY, one)
    finally:
        await pool.close()


async def bench_sql(requests: int) -> Figures:
    plans = [_sql(_item_filter(spec)) for spec in FILTERS]
    pool = await asyncpg.create_pool(
        PG.replace("postgres://", "postgresql://", 1), min_size=CONCURRENCY, max_size=CONCURRENCY
    )

    async def one(n: int) -> None:
        async with pool.acquire() as conn:
            for sql, values in plans[n % len(plans)]:
                await conn.fetch(sql, *values)

    try:
        await measure(len(plans) * 4, CONCURRENCY, one)  # warm up
        return await measure(requests, CONCURRENCY, one)
    finally:
        await pool.close()


def _calls() -> list[Call]:
    return [
        Call(
            json.dumps(
                {"query": QUERY, "variables": {"filter": spec, "first": 20}}, ensure_ascii=False
            )
        )
        for spec in FILTERS
    ]


async def bench_http(seconds: int, cache_ttl: int, workers: int) -> Figures:
    port = free_port()
    env = hall_env(port, PG, SERVICEHALL_RESPONSE_CACHE_TTL=str(cache_ttl))
    async with serving(hall_command(port, workers), env, port, "/readyz") as client:
        await asyncio.sleep(3)  # let every worker build its catalogue index
        return await load(client, port, _calls(), seconds, CONCURRENCY)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--items", type=int, default=50_000)
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--database", default="servicehall_bench", help="PostgreSQL database")
    parser.add_argument("--hall-only", action="store_true", help="skip the raw SQL variants")
    args = parser.parse_args()
    global PG
    PG = database_url(args.database)
    asyncio.run(seed(args.items))
    variants = []
    if not args.hall_only:
        variants += [
            ("raw SQL via asyncpg: page + total/facets", asyncio.run(bench_sql(400))),
            ("raw SQL via asyncpg: the page rows by primary key", asyncio.run(bench_pk(400))),
        ]
    cold = asyncio.run(bench_http(args.seconds, cache_ttl=0, workers=args.workers))
    warm = asyncio.run(bench_http(args.seconds, cache_ttl=300, workers=args.workers))
    variants += [
        ("hall /graphql, response cache off (index)", cold),
        ("hall /graphql, response cache on", warm),
    ]
    client = client_name()
    print(
        f"\nsearch over {args.items} items, {CONCURRENCY} concurrent, "
        f"{args.workers} worker(s), {client}"
    )
    print(f"{'variant':<52}{'p50 ms':>9}{'p95 ms':>9}{'req/s':>9}")
    for label, f in variants:
        print(f"{label:<52}{f.p50:>9.1f}{f.p95:>9.1f}{f.rps:>9.0f}")
    if not args.hall_only:
        sql = variants[0][1]
        print(f"p95 hall (cache off) / raw SQL of the same filter: {cold.p95 / sql.p95:.2f}x")


if __name__ == "__main__":
    main()
