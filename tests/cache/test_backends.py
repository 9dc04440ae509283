"""The cache / pub-sub interface behaves the same on the in-process backend and Redis."""

from __future__ import annotations

import asyncio
import uuid

import pytest

from servicehall.cache import CacheBackend, CacheUnavailable, MemoryBackend, RedisBackend
from tests.conftest import Services


async def test_get_set_delete(cache: CacheBackend) -> None:
    assert await cache.get("k") is None
    await cache.set("k", b"v")
    assert await cache.get("k") == b"v"
    assert await cache.get_many(["k", "missing"]) == [b"v", None]
    assert await cache.delete("k", "missing") == 1
    assert await cache.get("k") is None


async def test_expiry(cache: CacheBackend) -> None:
    await cache.set("short", b"1", ttl=0.05)
    assert await cache.get("short") == b"1"
    remaining = await cache.ttl("short")
    assert remaining is not None and 0 < remaining <= 0.05
    await asyncio.sleep(0.12)
    assert await cache.get("short") is None
    assert await cache.ttl("short") is None


async def test_add_sets_only_once(cache: CacheBackend) -> None:
    assert await cache.add("lock", b"a", ttl=5)
    assert not await cache.add("lock", b"b", ttl=5)
    assert await cache.get("lock") == b"a"


async def test_pop_is_single_use(cache: CacheBackend) -> None:
    await cache.set("captcha", b"ABCD", ttl=5)
    results = await asyncio.gather(*(cache.pop("captcha") for _ in range(5)))
    assert results.count(b"ABCD") == 1
    assert results.count(None) == 4


async def test_incr_sets_ttl_on_creation_only(cache: CacheBackend) -> None:
    assert await cache.incr("hits", ttl=10) == 1
    assert await cache.incr("hits", 2, ttl=10) == 3
    ttl = await cache.ttl("hits")
    assert ttl is not None and 9 < ttl <= 10
    assert await cache.incr("forever") == 1
    assert await cache.ttl("forever") is None


async def test_pubsub_fans_out_to_every_subscriber(cache: CacheBackend) -> None:
    async with (
        cache.subscribe("case:1") as first,
        cache.subscribe("case:1") as second,
        cache.subscribe("case:2") as other,
    ):
        await asyncio.sleep(0.05)  # Redis needs the SUBSCRIBE to land first
        await cache.publish("case:1", b"hello")
        assert await asyncio.wait_for(anext(first), 2) == b"hello"
        assert await asyncio.wait_for(anext(second), 2) == b"hello"
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(anext(other), 0.2)


async def test_two_redis_clients_share_state_and_messages(services: Services) -> None:
    """Two replicas on one Redis: one's writes and publishes reach the other."""
    if services.redis is None:
        pytest.skip("Redis not available")
    prefix = f"servicehall-test:{uuid.uuid4().hex}:"
    a, b = RedisBackend(services.redis, prefix=prefix), RedisBackend(services.redis, prefix=prefix)
    try:
        await a.set("shared", b"1")
        assert await b.get("shared") == b"1"
        async with b.subscribe("fanout") as messages:
            await asyncio.sleep(0.05)
            await a.publish("fanout", b"from-a")
            assert await asyncio.wait_for(anext(messages), 2) == b"from-a"
    finally:
        await a.close()
        await b.close()


async def test_dead_redis_raises_a_typed_error_quickly() -> None:
    dead = RedisBackend("redis://127.0.0.1:1/0", timeout=0.5)
    try:
        with pytest.raises(CacheUnavailable) as caught:
            await asyncio.wait_for(dead.get("k"), 5)
        assert caught.value.code.value == "SERVICE_UNAVAILABLE"
        with pytest.raises(CacheUnavailable):
            await dead.ping()
    finally:
        await dead.close()


async def test_memory_backend_evicts_instead_of_growing() -> None:
    cache = MemoryBackend(max_keys=100)
    for n in range(250):
        await cache.set(f"k{n}", b"x")
    assert len(cache._data) <= 100
    assert await cache.get("k249") == b"x"


async def test_sets(cache: CacheBackend) -> None:
    assert await cache.set_members("sessions:1") == set()
    await cache.set_add("sessions:1", "a", ttl=5)
    await cache.set_add("sessions:1", "b", ttl=5)
    await cache.set_add("sessions:1", "a", ttl=5)
    assert await cache.set_members("sessions:1") == {"a", "b"}
    await cache.set_remove("sessions:1", "a", "missing")
    assert await cache.set_members("sessions:1") == {"b"}
    await cache.set_add("short", "x", ttl=0.05)
    await asyncio.sleep(0.12)
    assert await cache.set_members("short") == set()


async def test_a_burst_beyond_the_pool_waits_instead_of_failing(cache: CacheBackend) -> None:
    """Hundreds of calls at once (2,000 subscribers connecting) queue for a connection
    instead of failing as "cache unavailable"."""
    results = await asyncio.gather(*(cache.incr("burst", ttl=60) for _ in range(500)))
    assert sorted(results) == list(range(1, 501))
