"""Cache and pub/sub: one interface, an in-process backend and a Redis backend."""

from servicehall.cache.base import CacheBackend, CacheUnavailable
from servicehall.cache.factory import create_backend
from servicehall.cache.memory import MemoryBackend
from servicehall.cache.redis import RedisBackend

__all__ = ["CacheBackend", "CacheUnavailable", "MemoryBackend", "RedisBackend", "create_backend"]
