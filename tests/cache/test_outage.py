"""Redis is not a single point of failure (F4, F5, F6; SEC-1, SEC-3).

PostgreSQL + a THROWAWAY ``redis-server`` each test starts itself (``--save ""
--appendonly no``): SIGTERM takes it down, SIGSTOP hangs it, a 2 MB ``noeviction`` cap
filled to the brim makes it refuse writes. With ``CI=true`` a missing ``redis-server`` is
a failure, not a skip.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import subprocess
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager

import pytest
import redis
import redis.asyncio as aioredis

from servicehall.auth.revocations import SENTINEL
from servicehall.settings import Settings
from tests.auth.flows import PERSON, authorization, bearer, login_form, query_of, tokens
from tests.conftest import CI, HallClient, Services, free_port, running

QUERY = {"query": "{ themes { code } }"}
#: Each request once the breaker is open (the issue: bounded by the breaker).
FAST = 0.3


class ThrowawayRedis:
    def __init__(self, binary: str, *extra: str) -> None:
        self.binary = binary
        self.port = free_port()
        self.extra = extra
        self.process: subprocess.Popen[bytes] | None = None
        self.url = f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                *(self.binary, "--port", str(self.port), "--bind", "127.0.0.1"),
                *("--save", "", "--appendonly", "no", *self.extra),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                if redis.Redis(port=self.port, socket_timeout=0.5).ping():
                    return
            except (OSError, redis.RedisError):
                time.sleep(0.05)
        raise RuntimeError(f"redis-server on port {self.port} did not start")

    def stop(self) -> None:
        """SIGTERM (down); without persistence it comes back empty."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGCONT)
            self.process.terminate()
            self.process.wait(10)

    def pause(self) -> None:
        assert self.process is not None
        os.kill(self.process.pid, signal.SIGSTOP)

    def resume(self) -> None:
        assert self.process is not None
        os.kill(self.process.pid, signal.SIGCONT)


def _binary() -> str:
    binary = shutil.which("redis-server")
    if binary is None:
        if CI:
            pytest.fail("CI=true but redis-server is not installed", pytrace=False)
        pytest.skip("redis-server is not installed")
    return binary


@pytest.fixture
def backend(services: Services) -> str:
    """Only the PostgreSQL + Redis backend: the in-process cache cannot go down."""
    if services.postgres is None:
        pytest.skip("PostgreSQL not available")
    return "postgres"


@pytest.fixture
def redis_server() -> Iterator[ThrowawayRedis]:
    server = ThrowawayRedis(_binary())
    server.start()
    yield server
    server.stop()


@pytest.fixture
def full_redis_server() -> Iterator[ThrowawayRedis]:
    server = ThrowawayRedis(_binary(), "--maxmemory", "2mb", "--maxmemory-policy", "noeviction")
    server.start()
    yield server
    server.stop()


@asynccontextmanager
async def hall_on(settings: Settings, server: ThrowawayRedis) -> AsyncIterator[HallClient]:
    async with running(settings.replace(redis_url=server.url)) as client:
        yield client


async def _timed_read(hall: HallClient, token: str) -> float:
    started = time.perf_counter()
    response = await hall.post("/graphql", json=QUERY, headers=bearer(token))
    elapsed = time.perf_counter() - started
    assert response.status_code == 200, response.text
    assert response.json()["data"]["themes"]
    return elapsed


async def _reads_stay_fast(hall: HallClient, token: str) -> None:
    """The first few requests may each wait one timeout until the breaker opens; after
    that every request is fast."""
    timeout = hall.runtime.settings.redis_timeout_ms / 1000
    breaker = hall.runtime.settings.redis_breaker_failures
    for _ in range(breaker + 1):
        assert await _timed_read(hall, token) < 2 * breaker * timeout + 1
    slowest = max([await _timed_read(hall, token) for _ in range(10)])
    assert slowest < FAST, f"a request took {slowest:.3f}s with the breaker open"


async def test_bearer_reads_work_while_redis_is_down(
    hall_settings: Settings, redis_server: ThrowawayRedis
) -> None:
    """F5: a valid token keeps reading with Redis down; /readyz shows the breaker."""
    async with hall_on(hall_settings, redis_server) as hall:
        issued = await tokens(hall)
        redis_server.stop()
        await _reads_stay_fast(hall, issued["access_token"])
        ready = await hall.get("/readyz")
        assert ready.status_code == 200
        assert ready.json()["status"] == "degraded"
        assert ready.json()["cache_breaker"].startswith("open")


async def test_bearer_reads_work_while_redis_hangs(
    hall_settings: Settings, redis_server: ThrowawayRedis
) -> None:
    """F5: a hung Redis (SIGSTOP) costs a timeout until the breaker opens, then nothing."""
    async with hall_on(hall_settings, redis_server) as hall:
        issued = await tokens(hall)
        redis_server.pause()
        try:
            await _reads_stay_fast(hall, issued["access_token"])
        finally:
            redis_server.resume()
        # Back: after the cool-down a probe closes the breaker again.
        await asyncio.sleep(hall.runtime.settings.redis_breaker_cooldown + 0.2)
        await _timed_read(hall, issued["access_token"])
        assert hall.runtime.cache.breaker() == "closed"


async def test_sign_in_answers_a_chinese_503_with_the_request_id_while_redis_is_down(
    hall_settings: Settings, redis_server: ThrowawayRedis
) -> None:
    """F5: never a plain-text 500 or an exception's class name: a 503 page in Chinese
    with the request id, on every sign-in page, and JSON on the API."""
    async with hall_on(hall_settings, redis_server) as hall:
        # The login page is served while Redis is up: its form carries the browser's
        # token (F7), so the POST below gets past the forgery check to the outage.
        started = await hall.get(f"/oauth/authorize?{authorization().query}")
        rid = query_of(started.headers["location"])["rid"]
        page = (await hall.get(f"/oauth/login?kind=person&rid={rid}")).text
        form = {"rid": rid, "kind": "person", "identifier": PERSON.login}
        form |= {"password": PERSON.password} | await login_form(hall, page)
        redis_server.stop()
        pages = [
            await hall.get(f"/oauth/authorize?{authorization().query}"),
            await hall.post("/oauth/login", data=form),
            await hall.get("/oauth/login?rid=abcdefgh"),
        ]
        for page in pages:
            assert page.status_code == 503, page.text
            assert page.headers["content-type"].startswith("text/html")
            assert "登录服务暂时不可用，请稍后再试" in page.text
            request_id = page.headers["x-request-id"]
            assert request_id in page.text
            assert "Error" not in page.text and "缓存服务" not in page.text
        token = await hall.post(
            "/oauth/token", data={"grant_type": "authorization_code", "code": "x" * 40}
        )
        assert token.status_code in (400, 401, 503)  # the client is checked first
        introspect = await hall.post(
            "/oauth/revoke", data={"token": "a.b.c", "client_id": "doumen-portal"}
        )
        assert introspect.status_code != 500


async def test_a_revoked_token_stays_refused_after_redis_restarts_empty(
    hall_settings: Settings, redis_server: ThrowawayRedis
) -> None:
    """F5, F6: logout, then Redis restarts without persistence: the logged-out token is
    still refused and the markers are seeded back into the new Redis."""
    async with hall_on(hall_settings, redis_server) as hall:
        issued = await tokens(hall)
        access = issued["access_token"]
        logout = await hall.get("/oauth/logout", params={"id_token_hint": issued["id_token"]})
        assert logout.status_code == 200
        redis_server.stop()
        # Down: the database record refuses it.
        refused = await hall.post("/graphql", json=QUERY, headers=bearer(access))
        assert refused.status_code == 401
        redis_server.start()  # same port, empty
        await asyncio.sleep(hall.runtime.settings.redis_breaker_cooldown + 0.2)
        client = aioredis.from_url(redis_server.url)
        try:
            assert await client.dbsize() == 0
            refused = await hall.post("/graphql", json=QUERY, headers=bearer(access))
            assert refused.status_code == 401
            prefix = hall.runtime.settings.cache_prefix
            assert await client.exists(prefix + SENTINEL)
            assert [key async for key in client.scan_iter(match=f"{prefix}revoked-sid:*")]
        finally:
            await client.aclose()


async def _fill(url: str) -> None:
    """Write until Redis refuses: its memory cap is reached (noeviction)."""
    client = aioredis.from_url(url)
    try:
        with pytest.raises(aioredis.ResponseError, match="maxmemory"):  # noqa: PT012
            for n in range(10_000):
                await client.set(f"filler:{n}", b"x" * 65536)
    finally:
        await client.aclose()


async def test_sign_in_with_the_right_password_does_not_500_while_redis_is_full(
    hall_settings: Settings, full_redis_server: ThrowawayRedis
) -> None:
    """F4: with Redis at its memory cap, signing in with the correct password gives a
    typed answer (the session cannot be stored: the Chinese 503 page), never a 500, and
    bearer reads (read-only on Redis) still work."""
    async with hall_on(hall_settings, full_redis_server) as hall:
        issued = await tokens(hall)
        hall.cookies.clear()  # another browser, not signed in
        started = await hall.get(f"/oauth/authorize?{authorization().query}")
        rid = query_of(started.headers["location"])["rid"]
        page = (await hall.get(f"/oauth/login?kind=person&rid={rid}")).text
        form = {"rid": rid, "kind": "person", "identifier": PERSON.login}
        form |= {"password": PERSON.password} | await login_form(hall, page)
        await _fill(full_redis_server.url)
        signed_in = await hall.post("/oauth/login", data=form)
        assert signed_in.status_code in (303, 503), signed_in.text
        if signed_in.status_code == 503:
            assert "登录服务暂时不可用，请稍后再试" in signed_in.text
            assert signed_in.headers["x-request-id"] in signed_in.text
        fresh = await hall.get(f"/oauth/authorize?{authorization().query}")
        assert fresh.status_code != 500
        await _timed_read(hall, issued["access_token"])
        assert hall.runtime.cache.breaker() == "closed"  # full is not down
