"""The cache / pub-sub interface every piece of shared state goes through.

With several replicas nothing may live in one process: captcha answers, rate-limit
counters, persisted queries, response-cache generations and subscription fan-out all use
this interface. :class:`~servicehall.cache.memory.MemoryBackend` serves the embedded
single-process default, :class:`~servicehall.cache.redis.RedisBackend` production; the same
tests run against both.
"""

from __future__ import annotations

import abc
import asyncio
import logging
from collections.abc import AsyncIterator, Sequence
from contextlib import AbstractAsyncContextManager

from servicehall.errors import ServiceUnavailable

log = logging.getLogger(__name__)

#: Messages queued per local subscriber before the oldest is dropped.
SUBSCRIBER_QUEUE_SIZE = 256


class CacheUnavailable(ServiceUnavailable):
    """The cache server did not answer, is refusing calls (circuit open) or is full;
    callers degrade gracefully or report 503. ``details["reason"]`` says which:
    ``unreachable``, ``circuit_open``, ``full``, ``refused`` or ``busy`` (no free
    connection in time)."""

    label = "缓存服务暂时不可用"


class CacheBackend(abc.ABC):
    """Keys are strings, values bytes; TTLs are seconds (``None`` keeps the key forever)."""

    name: str

    @abc.abstractmethod
    async def get(self, key: str) -> bytes | None: ...

    @abc.abstractmethod
    async def get_many(self, keys: Sequence[str]) -> list[bytes | None]: ...

    @abc.abstractmethod
    async def set(self, key: str, value: bytes, ttl: float | None = None) -> None: ...

    @abc.abstractmethod
    async def set_many(self, items: Sequence[tuple[str, bytes, float | None]]) -> None:
        """Set several ``(key, value, ttl)`` at once: all of them or, on failure, none."""

    @abc.abstractmethod
    async def add(self, key: str, value: bytes, ttl: float | None = None) -> bool:
        """Set ``key`` only if it does not exist; True when this call set it."""

    @abc.abstractmethod
    async def pop(self, key: str) -> bytes | None:
        """Get and delete atomically: a single-use value is used at most once."""

    @abc.abstractmethod
    async def delete(self, *keys: str) -> int: ...

    @abc.abstractmethod
    async def incr(self, key: str, amount: int = 1, ttl: float | None = None) -> int:
        """Add to a counter; ``ttl`` applies when this call creates the key."""

    @abc.abstractmethod
    async def ttl(self, key: str) -> float | None:
        """Seconds until ``key`` expires; None when it does not exist or never expires."""

    @abc.abstractmethod
    async def set_add(self, key: str, member: str, ttl: float | None = None) -> None:
        """Add to a set of strings; ``ttl`` (re)sets the whole set's expiry."""

    @abc.abstractmethod
    async def set_remove(self, key: str, *members: str) -> None: ...

    @abc.abstractmethod
    async def set_members(self, key: str) -> frozenset[str]: ...

    @abc.abstractmethod
    async def publish(self, channel: str, message: bytes) -> None: ...

    @abc.abstractmethod
    def subscribe(self, channel: str) -> AbstractAsyncContextManager[AsyncIterator[bytes]]:
        """Messages published on ``channel`` (by any replica) from now until the block ends."""

    @abc.abstractmethod
    async def ping(self) -> None:
        """Raise :class:`CacheUnavailable` unless the backend answers."""

    async def close(self) -> None:  # noqa: B027 - optional hook
        """Release connections; the memory backend has none."""

    def breaker(self) -> str | None:
        """The circuit breaker's state for ``/readyz``; None for a backend without one."""
        return None


def offer(queue: asyncio.Queue[bytes], message: bytes, channel: str) -> None:
    """Queue a message; a subscriber that fell behind loses its oldest message, not the new."""
    if queue.full():
        queue.get_nowait()
        log.warning("subscriber on %s fell behind; dropped its oldest message", channel)
    queue.put_nowait(message)


async def drain(queue: asyncio.Queue[bytes]) -> AsyncIterator[bytes]:
    while True:
        yield await queue.get()
