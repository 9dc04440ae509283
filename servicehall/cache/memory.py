"""In-process cache and pub/sub: the embedded default for a single process."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager

from servicehall.cache.base import SUBSCRIBER_QUEUE_SIZE, CacheBackend, drain, offer


class MemoryBackend(CacheBackend):
    """A dict with expiry times and asyncio queues; nothing leaves the process."""

    name = "memory"

    def __init__(self, *, max_keys: int = 100_000) -> None:
        self._data: dict[str, tuple[bytes, float | None]] = {}
        self._sets: dict[str, tuple[set[str], float | None]] = {}
        self._channels: dict[str, set[asyncio.Queue[bytes]]] = {}
        self._max_keys = max_keys

    def _live(self, key: str) -> tuple[bytes, float | None] | None:
        item = self._data.get(key)
        if item is None:
            return None
        if item[1] is not None and item[1] <= time.monotonic():
            del self._data[key]
            return None
        return item

    def _store(self, key: str, value: bytes, ttl: float | None) -> None:
        if len(self._data) >= self._max_keys and key not in self._data:
            self._evict()
        self._data[key] = (value, None if ttl is None else time.monotonic() + ttl)

    def _evict(self) -> None:
        now = time.monotonic()
        expired = [k for k, (_, exp) in self._data.items() if exp is not None and exp <= now]
        for key in expired:
            del self._data[key]
        if len(self._data) >= self._max_keys:
            # Insertion order approximates age: drop the oldest tenth.
            for key in list(self._data)[: self._max_keys // 10 or 1]:
                del self._data[key]

    async def get(self, key: str) -> bytes | None:
        item = self._live(key)
        return None if item is None else item[0]

    async def get_many(self, keys: Sequence[str]) -> list[bytes | None]:
        return [await self.get(key) for key in keys]

    async def set(self, key: str, value: bytes, ttl: float | None = None) -> None:
        self._store(key, value, ttl)

    async def set_many(self, items: Sequence[tuple[str, bytes, float | None]]) -> None:
        for key, value, ttl in items:
            self._store(key, value, ttl)

    async def add(self, key: str, value: bytes, ttl: float | None = None) -> bool:
        if self._live(key) is not None:
            return False
        self._store(key, value, ttl)
        return True

    async def pop(self, key: str) -> bytes | None:
        item = self._live(key)
        if item is None:
            return None
        del self._data[key]
        return item[0]

    async def delete(self, *keys: str) -> int:
        removed = 0
        for key in keys:
            if self._live(key) is not None:
                del self._data[key]
                removed += 1
        return removed

    async def incr(self, key: str, amount: int = 1, ttl: float | None = None) -> int:
        item = self._live(key)
        if item is None:
            self._store(key, str(amount).encode(), ttl)
            return amount
        value = int(item[0]) + amount
        self._data[key] = (str(value).encode(), item[1])
        return value

    async def ttl(self, key: str) -> float | None:
        item = self._live(key)
        if item is None or item[1] is None:
            return None
        return max(0.0, item[1] - time.monotonic())

    async def set_add(self, key: str, member: str, ttl: float | None = None) -> None:
        members = {*await self.set_members(key), member}
        self._sets[key] = (members, None if ttl is None else time.monotonic() + ttl)

    async def set_remove(self, key: str, *members: str) -> None:
        entry = self._sets.get(key)
        if entry is not None:
            entry[0].difference_update(members)

    async def set_members(self, key: str) -> frozenset[str]:
        entry = self._sets.get(key)
        if entry is None or (entry[1] is not None and entry[1] <= time.monotonic()):
            self._sets.pop(key, None)
            return frozenset()
        return frozenset(entry[0])

    async def publish(self, channel: str, message: bytes) -> None:
        for queue in self._channels.get(channel, ()):
            offer(queue, message, channel)

    @asynccontextmanager
    async def subscribe(self, channel: str) -> AsyncIterator[AsyncIterator[bytes]]:
        queue: asyncio.Queue[bytes] = asyncio.Queue(SUBSCRIBER_QUEUE_SIZE)
        self._channels.setdefault(channel, set()).add(queue)
        try:
            yield drain(queue)
        finally:
            subscribers = self._channels.get(channel)
            if subscribers is not None:
                subscribers.discard(queue)
                if not subscribers:
                    del self._channels[channel]

    async def ping(self) -> None:
        return None
