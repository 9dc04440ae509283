"""What an app holds while it runs: settings, schema, database and cache, made in its lifespan."""

from __future__ import annotations

from dataclasses import dataclass, field

import strawberry
from starlette.requests import HTTPConnection
from tortoise.context import TortoiseContext

from servicehall.auth.principal import ANONYMOUS, Principal
from servicehall.cache.base import CacheBackend
from servicehall.changes import Changes
from servicehall.schema.context import Context
from servicehall.settings import Settings


@dataclass
class Runtime:
    settings: Settings
    schema: strawberry.federation.Schema
    cache: CacheBackend
    changes: Changes = field(init=False)
    db: TortoiseContext | None = None

    def __post_init__(self) -> None:
        self.changes = Changes(self.cache)

    def context(self, connection: HTTPConnection, request_id: str) -> Context:
        """A fresh per-request context: new loaders, the connection's principal."""
        principal = connection.scope.get("principal")
        return Context(
            connection=connection,
            settings=self.settings,
            cache=self.cache,
            changes=self.changes,
            principal=principal if isinstance(principal, Principal) else ANONYMOUS,
            request_id=request_id,
        )
