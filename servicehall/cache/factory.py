"""Pick the cache backend the settings ask for."""

from __future__ import annotations

from servicehall.cache.base import CacheBackend
from servicehall.cache.memory import MemoryBackend
from servicehall.cache.redis import RedisBackend
from servicehall.settings import Settings


def create_backend(settings: Settings) -> CacheBackend:
    """Redis when ``SERVICEHALL_REDIS_URL`` is set, else the in-process backend."""
    if settings.redis_url:
        return RedisBackend(
            settings.redis_url,
            prefix=settings.cache_prefix,
            timeout=settings.redis_timeout_ms / 1000,
            breaker_failures=settings.redis_breaker_failures,
            breaker_cooldown=settings.redis_breaker_cooldown,
        )
    return MemoryBackend()
