"""What the commands share: the database around a piece of work, the change announcer."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import TypeVar

from servicehall import db, seams
from servicehall.cache.base import CacheBackend
from servicehall.changes import Changes
from servicehall.schema import build_schema
from servicehall.schema.policy import entity_domains
from servicehall.settings import Settings

T = TypeVar("T")
log = logging.getLogger("servicehall")


def changes_announcer(settings: Settings, cache: CacheBackend) -> Changes:
    """The change announcer, with each entity kind's domain as the schema declares it."""
    return Changes(cache, entity_domains(seams.graphql_schema(build_schema(settings.query_limits))))


def with_database(settings: Settings, work: Callable[[], Awaitable[T]]) -> T:
    async def run() -> T:
        ctx = await db.open_database(settings)
        try:
            with db.use_database(ctx):
                return await work()
        finally:
            await ctx.close_connections()

    return asyncio.run(run())
