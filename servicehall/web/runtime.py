"""What an app holds while it runs: settings, schema, database and cache, made in its lifespan."""

from __future__ import annotations

from dataclasses import dataclass, field

from starlette.requests import HTTPConnection
from tortoise.context import TortoiseContext

from servicehall import seams
from servicehall.auth.principal import ANONYMOUS, Principal
from servicehall.auth.services import AuthServices
from servicehall.cache.base import CacheBackend, CacheUnavailable
from servicehall.changes import Changes
from servicehall.notify.service import Notifier
from servicehall.resolvers.catalogue_index import CatalogueIndexHolder
from servicehall.schema import HallSchema
from servicehall.schema.context import Context
from servicehall.schema.policy import entity_domains
from servicehall.settings import Settings
from servicehall.workdays import WorkCalendar, work_calendar


@dataclass
class Runtime:
    settings: Settings
    schema: HallSchema
    cache: CacheBackend
    changes: Changes = field(init=False)
    catalogue: CatalogueIndexHolder = field(default_factory=CatalogueIndexHolder)
    auth: AuthServices = field(init=False)
    notifier: Notifier = field(init=False)
    calendar: WorkCalendar = field(init=False)
    db: TortoiseContext | None = None

    def __post_init__(self) -> None:
        self.changes = Changes(self.cache, entity_domains(seams.graphql_schema(self.schema)))
        self.auth = AuthServices.create(self.settings, self.cache)
        self.notifier = Notifier(self.settings)
        self.calendar = work_calendar(self.settings.holidays_file)

    async def context_generation(self, domain: str) -> int | None:
        """A domain's change generation outside a request (None when the cache is down)."""
        try:
            (value,) = await self.changes.generations([domain])
        except CacheUnavailable:
            return None
        return value

    def context(self, connection: HTTPConnection, request_id: str) -> Context:
        """A fresh per-request context: new loaders, the connection's principal."""
        principal = connection.scope.get("user")
        return Context(
            connection=connection,
            settings=self.settings,
            cache=self.cache,
            changes=self.changes,
            catalogue=self.catalogue,
            auth=self.auth,
            notifier=self.notifier,
            calendar=self.calendar,
            principal=principal if isinstance(principal, Principal) else ANONYMOUS,
            request_id=request_id,
        )
