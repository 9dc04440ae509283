"""Redis cache and pub/sub through ``redis.asyncio`` (the maintained successor of aioredis).

Pub/sub uses one connection per process whatever the number of local subscribers: a reader
task receives every message of the channels some local subscriber listens to and fans it
out to their queues. Thousands of WebSocket subscribers therefore cost Redis one
connection per replica, not one each.

Redis is not a single point of failure (F5): connecting, each command and the wait for a
pooled connection are bounded by a short timeout, without retries, and a circuit breaker
(``breaker.py``) makes calls fail at once while Redis is down or hung. A Redis at its memory
cap (``noeviction``) refuses writes with an OOM error (F4): that becomes
:class:`CacheUnavailable` (reason ``full``) like any other outage, but does not count
against the breaker, since the server answers and reads still work.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from typing import Any, TypeVar

import redis.asyncio as aioredis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import OutOfMemoryError, RedisError, ResponseError

from servicehall.cache.base import (
    SUBSCRIBER_QUEUE_SIZE,
    CacheBackend,
    CacheUnavailable,
    drain,
    offer,
)
from servicehall.cache.breaker import CircuitBreaker

log = logging.getLogger(__name__)
T = TypeVar("T")

# INCRBY then set the TTL only when this call created the key, atomically.
_INCR_SCRIPT = """
local value = redis.call('INCRBY', KEYS[1], ARGV[1])
if value == tonumber(ARGV[1]) and tonumber(ARGV[2]) > 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return value
"""


class RedisBackend(CacheBackend):
    """Keys are prefixed so several halls or test runs can share one server."""

    name = "redis"

    def __init__(
        self,
        url: str,
        *,
        prefix: str = "servicehall:",
        timeout: float = 0.5,
        max_connections: int = 64,
        breaker_failures: int = 3,
        breaker_cooldown: float = 5.0,
    ) -> None:
        self._prefix = prefix
        # A burst of more calls than connections queues for a slot (up to ``_queue_wait``)
        # instead of failing at once, as redis-py's default pool does past its limit; the
        # breaker is asked once a call has its slot, so calls queued behind a hung server
        # fail fast once it opens. No retries: a retry doubles the wait on a hung server.
        self._slots = asyncio.Semaphore(max_connections)
        self._queue_wait = max(1.0, 8 * timeout)
        pool = aioredis.BlockingConnectionPool.from_url(
            url,
            max_connections=max_connections + 1,  # the pub/sub connection comes on top
            timeout=self._queue_wait,
            socket_connect_timeout=timeout,
            socket_timeout=timeout,
            health_check_interval=30,
            retry=Retry(NoBackoff(), 0),
        )
        self._client = aioredis.Redis.from_pool(pool)  # closing the client closes the pool
        self._incr = self._client.register_script(_INCR_SCRIPT)
        self._channels: dict[str, set[asyncio.Queue[bytes]]] = {}
        self._pubsub: Any = None
        self._reader: asyncio.Task[None] | None = None
        self._lock = asyncio.Lock()
        # Connect and read are each bounded by ``timeout``; this bounds the sum.
        self._deadline = 2 * timeout
        self._breaker = CircuitBreaker(threshold=breaker_failures, cooldown=breaker_cooldown)

    def _k(self, key: str) -> str:
        return self._prefix + key

    async def _call(self, call: Callable[[], Awaitable[T]]) -> T:
        """Run one Redis call through the breaker; every failure is CacheUnavailable."""
        try:
            async with asyncio.timeout(self._queue_wait):
                await self._slots.acquire()
        except TimeoutError as exc:  # this process is busy, not Redis: no breaker failure
            raise CacheUnavailable("缓存服务繁忙", details={"reason": "busy"}) from exc
        try:
            return await self._guarded(call)
        finally:
            self._slots.release()

    async def _guarded(self, call: Callable[[], Awaitable[T]]) -> T:
        self._breaker.check()
        try:
            async with asyncio.timeout(self._deadline):
                result = await call()
        except ResponseError as exc:  # the server answered: alive, but refused the command
            self._breaker.succeeded()
            full = isinstance(exc, OutOfMemoryError) or "maxmemory" in str(exc)
            raise CacheUnavailable(
                "缓存服务存储已满" if full else "缓存服务拒绝了请求",
                details={"reason": "full" if full else "refused"},
            ) from exc
        except (RedisError, OSError) as exc:  # OSError includes TimeoutError
            self._breaker.failed(exc)
            raise CacheUnavailable("缓存服务无响应", details={"reason": "unreachable"}) from exc
        except BaseException:
            self._breaker.released()
            raise
        self._breaker.succeeded()
        return result

    def breaker(self) -> str | None:
        return self._breaker.describe()

    async def get(self, key: str) -> bytes | None:
        return _bytes(await self._call(lambda: self._client.get(self._k(key))))

    async def get_many(self, keys: Sequence[str]) -> list[bytes | None]:
        if not keys:
            return []
        values = await self._call(lambda: self._client.mget([self._k(k) for k in keys]))
        return [_bytes(v) for v in values]

    async def set(self, key: str, value: bytes, ttl: float | None = None) -> None:
        px = None if ttl is None else max(1, int(ttl * 1000))
        await self._call(lambda: self._client.set(self._k(key), value, px=px))

    async def set_many(self, items: Sequence[tuple[str, bytes, float | None]]) -> None:
        if not items:
            return
        async with self._client.pipeline(transaction=True) as pipe:  # MULTI/EXEC
            for key, value, ttl in items:
                pipe.set(self._k(key), value, px=None if ttl is None else max(1, int(ttl * 1000)))
            await self._call(pipe.execute)

    async def add(self, key: str, value: bytes, ttl: float | None = None) -> bool:
        px = None if ttl is None else max(1, int(ttl * 1000))
        return bool(await self._call(lambda: self._client.set(self._k(key), value, px=px, nx=True)))

    async def pop(self, key: str) -> bytes | None:
        return _bytes(await self._call(lambda: self._client.getdel(self._k(key))))

    async def delete(self, *keys: str) -> int:
        if not keys:
            return 0
        return int(await self._call(lambda: self._client.delete(*(self._k(k) for k in keys))))

    async def incr(self, key: str, amount: int = 1, ttl: float | None = None) -> int:
        px = 0 if ttl is None else max(1, int(ttl * 1000))
        return int(await self._call(lambda: self._incr(keys=[self._k(key)], args=[amount, px])))

    async def ttl(self, key: str) -> float | None:
        millis = int(await self._call(lambda: self._client.pttl(self._k(key))))
        return None if millis < 0 else millis / 1000

    async def set_add(self, key: str, member: str, ttl: float | None = None) -> None:
        async with self._client.pipeline(transaction=True) as pipe:
            pipe.sadd(self._k(key), member)
            if ttl is not None:
                pipe.pexpire(self._k(key), max(1, int(ttl * 1000)))
            await self._call(pipe.execute)

    async def set_remove(self, key: str, *members: str) -> None:
        if members:
            await self._call(lambda: self._client.srem(self._k(key), *members))

    async def set_members(self, key: str) -> frozenset[str]:
        members = await self._call(lambda: self._client.smembers(self._k(key)))
        return frozenset(m.decode() if isinstance(m, bytes) else str(m) for m in members)

    async def publish(self, channel: str, message: bytes) -> None:
        await self._call(lambda: self._client.publish(self._k(channel), message))

    @asynccontextmanager
    async def subscribe(self, channel: str) -> AsyncIterator[AsyncIterator[bytes]]:
        queue: asyncio.Queue[bytes] = asyncio.Queue(SUBSCRIBER_QUEUE_SIZE)
        async with self._lock:
            subscribers = self._channels.setdefault(channel, set())
            if not subscribers:
                await self._call(lambda: self._ensure_pubsub().subscribe(self._k(channel)))
            subscribers.add(queue)
            self._ensure_reader()
        try:
            yield drain(queue)
        finally:
            async with self._lock:
                subscribers = self._channels.get(channel, set())
                subscribers.discard(queue)
                if not subscribers:
                    self._channels.pop(channel, None)
                    with contextlib.suppress(RedisError, OSError):
                        await self._ensure_pubsub().unsubscribe(self._k(channel))

    def _ensure_pubsub(self) -> Any:
        if self._pubsub is None:
            self._pubsub = self._client.pubsub(ignore_subscribe_messages=True)
        return self._pubsub

    def _ensure_reader(self) -> None:
        if self._reader is None or self._reader.done():
            self._reader = asyncio.create_task(self._read(), name="redis-pubsub-reader")

    async def _read(self) -> None:
        """Fan messages out to local queues; survive Redis restarts with a short backoff."""
        backoff = 0.1
        while self._channels:
            try:
                message = await self._pubsub.get_message(timeout=1.0)
                backoff = 0.1
            except (RedisError, OSError) as exc:
                log.warning("redis pub/sub connection lost (%s); retrying in %.1fs", exc, backoff)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 5.0)
                continue
            if message is None or message.get("type") != "message":
                continue
            channel = message["channel"].decode()[len(self._prefix) :]
            for queue in self._channels.get(channel, ()):
                offer(queue, message["data"], channel)

    async def ping(self) -> None:
        await self._call(lambda: self._client.ping())

    async def close(self) -> None:
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader
        if self._pubsub is not None:
            with contextlib.suppress(RedisError, OSError):
                await self._pubsub.aclose()
        await self._client.aclose()


def _bytes(value: bytes | str | None) -> bytes | None:
    """The client is built without ``decode_responses``: values arrive as bytes."""
    return value.encode() if isinstance(value, str) else value
