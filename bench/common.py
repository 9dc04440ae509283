"""What the benchmarks share: a PostgreSQL database seeded once, servers started as
operators start them, and wrk (or a Python client when wrk is missing) to load them.

Env:  BENCH_POSTGRES_URL (default postgres://postgres@127.0.0.1:5432/), BENCH_REDIS_URL
      (default redis://127.0.0.1:6379/14)
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from servicehall import db
from servicehall.settings import Settings

PG_SERVER = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/")
REDIS = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")
#: Prod settings demand an https public URL and a real secret; these are the bench's own.
PUBLIC_URL = "https://hall.bench.invalid"
SECRET = "bench-only-secret-key-0123456789abcdef"  # noqa: S105 (a throwaway database)
BENCH_DIR = Path(__file__).resolve().parent


def database_url(name: str) -> str:
    return PG_SERVER.rstrip("/") + "/" + name


def bench_settings(url: str) -> Settings:
    """The settings the served hall reads from :func:`hall_env`, for in-process work."""
    return Settings(database_url=url, public_url=PUBLIC_URL, secret_key=SECRET)


async def prepare(
    url: str, have: Callable[[], Awaitable[bool]], seed: Callable[[], Awaitable[None]]
) -> None:
    """Create and migrate the database; empty and seed it unless ``have()`` says it holds
    what the benchmark wants (seeding takes minutes, runs take seconds)."""
    base, name = url.rsplit("/", 1)
    admin = await asyncpg.connect(base.replace("postgres://", "postgresql://", 1) + "/postgres")
    if not await admin.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name):
        await admin.execute(f'CREATE DATABASE "{name}"')
    await admin.close()
    ctx = await db.open_database(bench_settings(url))
    try:
        with db.use_database(ctx):
            await db.migrate()
            if await have():
                return
            print(f"seeding {name} ...", flush=True)
            started = time.perf_counter()
            await _empty(url)
            await seed()
            await db.fetch("ANALYZE")
            print(f"seeded in {time.perf_counter() - started:.0f}s", flush=True)
    finally:
        await ctx.close_connections()


async def _empty(url: str) -> None:
    conn = await asyncpg.connect(url.replace("postgres://", "postgresql://", 1))
    try:
        tables = await conn.fetch(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
            "AND tablename <> 'tortoise_migrations'"
        )
        names = ", ".join(f'"{t["tablename"]}"' for t in tables)
        await conn.execute("SET session_replication_role = replica")  # the audit log's guard
        await conn.execute(f"TRUNCATE {names} RESTART IDENTITY CASCADE")
    finally:
        await conn.close()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def hall_env(port: int, url: str, **extra: str) -> dict[str, str]:
    """The environment of a served hall: prod settings on the bench's database and Redis;
    ``extra`` adds or overrides ``SERVICEHALL_*`` variables."""
    return (
        dict(
            os.environ,
            SERVICEHALL_ENV="prod",
            SERVICEHALL_DATABASE_URL=url,
            SERVICEHALL_REDIS_URL=REDIS,
            SERVICEHALL_PUBLIC_URL=PUBLIC_URL,
            SERVICEHALL_SECRET_KEY=SECRET,
            SERVICEHALL_CACHE_PREFIX=f"bench-{port}:",
            SERVICEHALL_LOG_LEVEL="WARNING",
        )
        | extra
    )


@asynccontextmanager
async def serving(
    command: Sequence[str], env: dict[str, str], port: int, ready: str
) -> AsyncIterator[httpx.AsyncClient]:
    """Run a server process until the block ends; yields a client once ``ready`` answers."""
    async with served(command, env, port, ready) as (client, _):
        yield client


@asynccontextmanager
async def served(
    command: Sequence[str], env: dict[str, str], port: int, ready: str, cwd: Path | None = None
) -> AsyncIterator[tuple[httpx.AsyncClient, int]]:
    """:func:`serving` run from ``cwd`` (another checkout), yielding the server's pid too."""
    server = subprocess.Popen(list(command), env=env, cwd=cwd or BENCH_DIR.parent)
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=60) as client:
            for _ in range(300):
                if server.poll() is not None:
                    raise RuntimeError(f"{command[2:]} exited with {server.returncode}")
                try:
                    if (await client.get(ready)).status_code < 500:
                        break
                except httpx.TransportError:
                    pass
                await asyncio.sleep(0.1)
            yield client, server.pid
    finally:
        server.terminate()
        server.wait(10)


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a process and every live descendant (/proc), in seconds."""
    ticks = 0
    pending = [pid]
    while pending:
        current = pending.pop()
        try:
            fields = Path(f"/proc/{current}/stat").read_text().rsplit(")", 1)[1].split()
            ticks += int(fields[11]) + int(fields[12])  # utime, stime
            for task in Path(f"/proc/{current}/task").iterdir():
                pending += [int(c) for c in (task / "children").read_text().split()]
        except (FileNotFoundError, ProcessLookupError):
            continue
    return ticks / os.sysconf("SC_CLK_TCK")


def hall_command(port: int, workers: int) -> list[str]:
    return [
        sys.executable,
        "-m",
        "servicehall",
        "serve",
        "--port",
        str(port),
        "--workers",
        str(workers),
    ]


def uvicorn_command(app: str, port: int, workers: int) -> list[str]:
    """A factory in ``bench/`` served by uvicorn with the hall's own server options."""
    return [
        sys.executable,
        "-m",
        "uvicorn",
        "--app-dir",
        str(BENCH_DIR),
        "--factory",
        app,
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--log-level",
        "warning",
        "--no-access-log",
    ]


@dataclass(frozen=True, slots=True)
class Figures:
    p50: float
    p95: float
    p99: float
    rps: float
    #: Requests answered during the measurement (to divide server CPU by).
    requests: int = 0
    #: Server CPU (user + system, all its processes) per request, in ms; 0 when not read.
    cpu_ms: float = 0.0


@dataclass(frozen=True, slots=True)
class Call:
    """One request of a benchmark mix: a POST to /graphql."""

    body: str
    authorization: str = ""


WRK_SCRIPT = """
local calls = {%s}
local n = 0
request = function()
  n = n + 1
  local call = calls[(n %% #calls) + 1]
  local headers = {["Content-Type"] = "application/json"}
  if call[2] ~= "" then headers["Authorization"] = call[2] end
  return wrk.format("POST", "/graphql", headers, call[1])
end
done = function(summary, latency, requests)
  local bad = summary.errors.status + summary.errors.connect + summary.errors.read
              + summary.errors.write + summary.errors.timeout
  io.write(string.format("RESULT %%.3f %%.3f %%.3f %%.1f %%d %%d\\n",
           latency:percentile(50) / 1000, latency:percentile(95) / 1000,
           latency:percentile(99) / 1000, summary.requests / (summary.duration / 1e6), bad,
           summary.requests))
end
"""


def _lua_string(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)


def _wrk(port: int, calls: Sequence[Call], seconds: int, concurrency: int) -> Figures:
    lua = WRK_SCRIPT % ", ".join(
        f"{{{_lua_string(c.body)}, {_lua_string(c.authorization)}}}" for c in calls
    )
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as handle:
        handle.write(lua)
    try:
        out = subprocess.run(
            [
                "wrk",
                "-t",
                "2",
                "-c",
                str(concurrency),
                "-d",
                f"{seconds}s",
                "--timeout",
                "10s",  # a loaded shared machine queues requests past wrk's 2 s default
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
    _, p50, p95, p99, rps, bad, requests = line.split()
    if int(bad):
        raise RuntimeError(f"{bad} failed requests:\n{out}")
    return Figures(float(p50), float(p95), float(p99), float(rps), int(requests))


async def measure(
    requests: int, concurrency: int, one: Callable[[int], Awaitable[None]]
) -> Figures:
    """``requests`` calls of ``one`` from ``concurrency`` tasks (the Python client)."""
    latencies: list[float] = []
    counter = iter(range(requests))

    async def worker() -> None:
        for n in counter:
            started = time.perf_counter()
            await one(n)
            latencies.append((time.perf_counter() - started) * 1000)

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    elapsed = time.perf_counter() - started
    latencies.sort()
    return Figures(
        statistics.median(latencies),
        latencies[int(len(latencies) * 0.95) - 1],
        latencies[int(len(latencies) * 0.99) - 1],
        requests / elapsed,
        requests,
    )


async def load(
    client: httpx.AsyncClient,
    port: int,
    calls: Sequence[Call],
    seconds: int,
    concurrency: int,
    pid: int | None = None,
) -> Figures:
    """Load a server with the mix for ``seconds`` (wrk), after checking every answer once;
    with the server's ``pid``, the figures include its CPU per request (from /proc)."""

    async def one(n: int) -> None:
        call = calls[n % len(calls)]
        headers = {"content-type": "application/json"}
        if call.authorization:
            headers["authorization"] = call.authorization
        response = await client.post("/graphql", content=call.body.encode(), headers=headers)
        body = response.json()
        if response.status_code != 200 or "errors" in body:
            raise RuntimeError(body)

    await measure(min(len(calls), 400), concurrency, one)  # warm up, check answers
    cpu_before = cpu_seconds(pid) if pid else 0.0
    if shutil.which("wrk"):
        figures = await asyncio.to_thread(_wrk, port, calls, seconds, concurrency)
    else:
        figures = await measure(seconds * 100, concurrency, one)
    if not pid:
        return figures
    cpu_ms = (cpu_seconds(pid) - cpu_before) * 1000 / max(figures.requests, 1)
    return dataclasses.replace(figures, cpu_ms=cpu_ms)


def client_name() -> str:
    return "wrk" if shutil.which("wrk") else "python client"


def floor_app() -> Starlette:
    """The floor: a plain Starlette endpoint answering each request with bytes held in
    memory (``BENCH_FLOOR_FILE``: JSON mapping an Authorization header to a response)."""
    answers = {
        key: value.encode()
        for key, value in json.loads(Path(os.environ["BENCH_FLOOR_FILE"]).read_text()).items()
    }

    async def graphql(request: Request) -> Response:
        await request.body()
        return Response(
            answers[request.headers.get("authorization", "")], media_type="application/json"
        )

    async def ready(request: Request) -> Response:
        return Response(b"ok")

    return Starlette(routes=[Route("/graphql", graphql, methods=["POST"]), Route("/readyz", ready)])
