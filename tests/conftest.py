"""Test fixtures: every database test runs on SQLite + in-process cache and on
PostgreSQL + Redis.

PostgreSQL and Redis are the machine's own (``TEST_POSTGRES_URL``, ``TEST_REDIS_URL``).
When ``CI=true`` a missing server fails the run; elsewhere those tests skip with a message.
Each session creates its own PostgreSQL databases (dropped at the end) and each test its own
Redis key prefix, so runs never see each other's data.
"""

from __future__ import annotations

import asyncio
import logging
import os
import shutil
import socket
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
import redis.asyncio as aioredis
import uvicorn
from asgi_lifespan import LifespanManager
from starlette.applications import Starlette

from servicehall import db
from servicehall.app import create_app
from servicehall.auth.crypto import DEV_SECRET, SecretBox
from servicehall.auth.passwords import PasswordHasher
from servicehall.cache import CacheBackend, MemoryBackend, RedisBackend
from servicehall.demo.loader import load_demo
from servicehall.settings import Settings
from servicehall.web.runtime import Runtime

CI = os.environ.get("CI") == "true"
POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/13")
BACKENDS = ("sqlite", "postgres")


@dataclass
class Services:
    postgres: str | None = None
    redis: str | None = None
    databases: list[str] = field(default_factory=list)
    templates: dict[tuple[str, str], str] = field(default_factory=dict)


async def _postgres_reachable() -> str | None:
    try:
        conn = await asyncpg.connect(POSTGRES_URL, timeout=3)
    except (OSError, asyncpg.PostgresError) as exc:
        return f"PostgreSQL at {POSTGRES_URL} unreachable: {exc}"
    await conn.close()
    return None


async def _redis_reachable() -> str | None:
    client = aioredis.from_url(REDIS_URL, socket_connect_timeout=3)
    try:
        await client.ping()
    except (OSError, aioredis.RedisError) as exc:
        return f"Redis at {REDIS_URL} unreachable: {exc}"
    finally:
        await client.aclose()
    return None


@pytest.fixture(scope="session")
async def services() -> AsyncIterator[Services]:
    found = Services()
    problems = [p for p in (await _postgres_reachable(), await _redis_reachable()) if p]
    if not problems:
        found.postgres, found.redis = POSTGRES_URL, REDIS_URL
    elif CI:
        pytest.fail("CI=true but " + "; ".join(problems), pytrace=False)
    else:
        found.postgres = None
        found.redis = None
        logging.getLogger(__name__).warning("skipping postgres+redis tests: %s", problems)
    found.problems = problems  # type: ignore[attr-defined]
    yield found
    if found.databases:
        conn = await asyncpg.connect(POSTGRES_URL)
        for name in found.databases:
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await conn.close()


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest, services: Services) -> str:
    if request.param == "postgres" and services.postgres is None:
        pytest.skip("PostgreSQL/Redis not available: " + "; ".join(services.problems))  # type: ignore[attr-defined]
    return str(request.param)


def _pg_url(name: str) -> str:
    return POSTGRES_URL.rsplit("/", 1)[0] + f"/{name}"


async def _new_pg_database(services: Services) -> str:
    name = f"servicehall_test_{uuid.uuid4().hex[:10]}"
    conn = await asyncpg.connect(POSTGRES_URL)
    await conn.execute(f'CREATE DATABASE "{name}"')
    await conn.close()
    services.databases.append(name)
    return _pg_url(name)


@asynccontextmanager
async def opened(settings: Settings) -> AsyncIterator[None]:
    """Use ``settings``' database in the current task."""
    ctx = await db.open_database(settings)
    try:
        with db.use_database(ctx):
            yield
    finally:
        await ctx.close_connections()


async def _template(services: Services, backend: str, kind: str, tmp: Path) -> str:
    """A migrated database (``kind`` "empty" or "demo"), made once per session."""
    key = (backend, kind)
    if key not in services.templates:
        if backend == "sqlite":
            url = f"sqlite://{tmp / f'template-{kind}.sqlite3'}"
        else:
            url = await _new_pg_database(services)
        async with opened(Settings(database_url=url)):
            await db.migrate()
            if kind == "demo":
                await load_test_demo(enterprises=40)
        services.templates[key] = url
    return services.templates[key]


#: argon2id parameters cheap enough for tests (production keeps RFC 9106's).
CHEAP_HASHING = {"argon2_time_cost": 1, "argon2_memory_kib": 8, "argon2_parallelism": 1}


def cheap_hasher() -> PasswordHasher:
    return PasswordHasher(time_cost=1, memory_cost_kib=8, parallelism=1)


async def load_test_demo(*, items: int | None = None, enterprises: int = 40) -> None:
    """The demo district with cheap password hashes, in the current database."""
    await load_demo(
        hasher=cheap_hasher(), box=SecretBox(DEV_SECRET), items=items, enterprises=enterprises
    )


TABLES_TO_KEEP = {"tortoise_migrations"}


async def _truncate(url: str) -> None:
    conn = await asyncpg.connect(url.replace("postgres://", "postgresql://", 1))
    try:
        tables = await conn.fetch("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        names = [f'"{t["tablename"]}"' for t in tables if t["tablename"] not in TABLES_TO_KEEP]
        if names:
            # The audit log refuses TRUNCATE by trigger; a test database may be emptied.
            await conn.execute("SET session_replication_role = replica")
            await conn.execute(f"TRUNCATE {', '.join(names)} RESTART IDENTITY CASCADE")
    finally:
        await conn.close()


def _settings(backend: str, url: str, services: Services, **overrides: Any) -> Settings:
    redis_url = services.redis if backend == "postgres" else None
    return Settings(
        database_url=url,
        redis_url=redis_url,
        cache_prefix=f"servicehall-test:{uuid.uuid4().hex[:12]}:",
        public_url="https://testserver",
        # Tests run jobs and deliveries themselves, when they want them.
        scheduler=False,
        **(CHEAP_HASHING | overrides),
    )


@pytest.fixture
async def fresh_settings(
    backend: str, services: Services, tmp_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Settings]:
    """An empty, migrated database of its own (PostgreSQL: truncated shared database)."""
    template = await _template(services, backend, "empty", tmp_path_factory.getbasetemp())
    if backend == "sqlite":
        path = tmp_path / "hall.sqlite3"
        shutil.copy(template.removeprefix("sqlite://"), path)
        url = f"sqlite://{path}"
    else:
        url = template
        await _truncate(url)
    settings = _settings(backend, url, services)
    yield settings
    await _drop_keys(settings)


@pytest.fixture
async def demo_settings(
    backend: str, services: Services, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Settings]:
    """The shared demo district. Read-only: tests that write use ``fresh_settings``."""
    url = await _template(services, backend, "demo", tmp_path_factory.getbasetemp())
    settings = _settings(backend, url, services)
    yield settings
    await _drop_keys(settings)


async def _drop_keys(settings: Settings) -> None:
    if settings.redis_url is None:
        return
    client = aioredis.from_url(settings.redis_url)
    try:
        keys = [key async for key in client.scan_iter(match=f"{settings.cache_prefix}*")]
        if keys:
            await client.delete(*keys)
    finally:
        await client.aclose()


class HallClient(httpx.AsyncClient):
    """A client talking to one in-process app, with that app's runtime at hand."""

    runtime: Runtime


@asynccontextmanager
async def running(settings: Settings) -> AsyncIterator[HallClient]:
    """An app on ``settings`` with its lifespan running, and a client talking to it."""
    app = create_app(settings)
    async with LifespanManager(app) as manager:
        transport = httpx.ASGITransport(app=manager.app)
        base_url = (
            settings.public_url if "testserver" in settings.public_url else "http://testserver"
        )
        async with HallClient(transport=transport, base_url=base_url) as client:
            client.runtime = app.state.runtime
            await client.runtime.catalogue.wait()  # the warm-up build, before counting SQL
            yield client


@pytest.fixture
async def demo_client(demo_settings: Settings) -> AsyncIterator[HallClient]:
    async with running(demo_settings) as client:
        yield client


@pytest.fixture
async def hall_settings(fresh_settings: Settings) -> Settings:
    """A small demo district of its own (accounts, clients, a few items): for tests that
    sign in, write login records or change data."""
    async with opened(fresh_settings):
        await load_test_demo(items=12, enterprises=6)
    return fresh_settings


@pytest.fixture
async def kiosk_settings(fresh_settings: Settings) -> Settings:
    """The whole demo catalogue with its stations (STA-1..4) on a database of its own, for
    kiosk tests that register devices and rate cases."""
    async with opened(fresh_settings):
        await load_test_demo(enterprises=2)
    return fresh_settings


@pytest.fixture
async def second_settings(
    backend: str, services: Services, tmp_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Settings]:
    """Another small demo hall with a database of its own (an upstream provider)."""
    if backend == "sqlite":
        template = await _template(services, backend, "empty", tmp_path_factory.getbasetemp())
        path = tmp_path / "second.sqlite3"
        shutil.copy(template.removeprefix("sqlite://"), path)
        url = f"sqlite://{path}"
    else:
        url = await _new_pg_database(services)
    settings = _settings(backend, url, services)
    async with opened(settings):
        if backend != "sqlite":
            await db.migrate()
        await load_test_demo(items=4, enterprises=2)
    yield settings
    await _drop_keys(settings)


@pytest.fixture
async def hall(hall_settings: Settings) -> AsyncIterator[HallClient]:
    async with running(hall_settings) as client:
        yield client


@pytest.fixture
async def demo_db(demo_settings: Settings) -> AsyncIterator[Settings]:
    """The demo database, current in this test's task."""
    async with opened(demo_settings):
        yield demo_settings


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class LiveHall:
    url: str
    runtime: Runtime
    app: Starlette

    def client(self) -> HallClient:
        """An in-process client of this very app (its lifespan is uvicorn's)."""
        transport = httpx.ASGITransport(app=self.app)
        client = HallClient(transport=transport, base_url="https://testserver")
        client.runtime = self.runtime
        return client


@asynccontextmanager
async def live(settings: Settings, port: int) -> AsyncIterator[LiveHall]:
    """The hall served by a real uvicorn on ``port`` (for clients that speak real HTTP)."""
    app = create_app(settings)
    server = uvicorn.Server(uvicorn.Config(app, port=port, log_level="warning", lifespan="on"))
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.02)
    try:
        yield LiveHall(f"http://127.0.0.1:{port}", app.state.runtime, app)
    finally:
        server.should_exit = True
        await task


@pytest.fixture
async def live_hall(hall_settings: Settings) -> AsyncIterator[LiveHall]:
    """The small demo hall on a real port, its issuer that loopback URL."""
    port = free_port()
    settings = hall_settings.replace(public_url=f"http://127.0.0.1:{port}")
    async with live(settings, port) as hall:
        yield hall


class StatementCounter(logging.Handler):
    """Counts SQL statements the ORM's connection runs (Tortoise logs each at DEBUG)."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.statements: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        args = record.args
        if isinstance(args, tuple) and args and isinstance(args[0], str):
            head = args[0].lstrip().split(None, 1)[0].upper() if args[0].strip() else ""
            if head in {"SELECT", "WITH", "INSERT", "UPDATE", "DELETE"}:
                self.statements.append(args[0])

    @property
    def count(self) -> int:
        return len(self.statements)

    def reset(self) -> None:
        self.statements.clear()


@pytest.fixture
def sql_counter() -> Iterator[StatementCounter]:
    logger = logging.getLogger("tortoise.db_client")
    counter = StatementCounter()
    previous = logger.level
    logger.addHandler(counter)
    logger.setLevel(logging.DEBUG)
    try:
        yield counter
    finally:
        logger.removeHandler(counter)
        logger.setLevel(previous)


async def gql(
    client: httpx.AsyncClient,
    query: str,
    variables: dict[str, Any] | None = None,
    **kwargs: Any,
) -> dict[str, Any]:
    """POST a GraphQL operation and return the decoded JSON body."""
    response = await client.post(
        "/graphql", json={"query": query, "variables": variables}, **kwargs
    )
    body: dict[str, Any] = response.json()
    return body


@pytest.fixture(params=["memory", "redis"])
async def cache(request: pytest.FixtureRequest, services: Services) -> AsyncIterator[CacheBackend]:
    """Each cache backend in turn (Redis under a prefix of its own)."""
    if request.param == "memory":
        backend: CacheBackend = MemoryBackend()
    else:
        if services.redis is None:
            pytest.skip("Redis not available")
        backend = RedisBackend(services.redis, prefix=f"servicehall-test:{uuid.uuid4().hex}:")
    yield backend
    await backend.close()
