"""The typed per-request context every resolver receives as ``info.context``."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from starlette.requests import HTTPConnection
from strawberry.types import Info as StrawberryInfo

from servicehall.auth.principal import Principal
from servicehall.auth.services import AuthServices
from servicehall.cache.base import CacheBackend, CacheUnavailable
from servicehall.changes import Changes
from servicehall.loaders import Loaders
from servicehall.notify.service import Notifier
from servicehall.resolvers.catalogue_index import CatalogueIndex, CatalogueIndexHolder
from servicehall.settings import Settings
from servicehall.workdays import WorkCalendar


@dataclass(slots=True)
class Context:
    connection: HTTPConnection
    settings: Settings
    cache: CacheBackend
    changes: Changes
    catalogue: CatalogueIndexHolder
    auth: AuthServices
    notifier: Notifier
    calendar: WorkCalendar
    principal: Principal
    request_id: str
    loaders: Loaders = field(default_factory=Loaders)
    #: Change generations read in this request (None: the cache could not be asked).
    generations: dict[str, int | None] = field(default_factory=dict)

    @property
    def client_ip(self) -> str:
        """Where the request came from, as recorded with workflow steps."""
        client = self.connection.client
        return client.host if client else ""

    async def generations_of(self, domains: Sequence[str]) -> tuple[int | None, ...]:
        """The domains' change generations, read at most once per request."""
        missing = [d for d in domains if d not in self.generations]
        if missing:
            try:
                values: Sequence[int | None] = await self.changes.generations(missing)
            except CacheUnavailable:
                values = [None] * len(missing)
            self.generations.update(zip(missing, values, strict=True))
        return tuple(self.generations[d] for d in domains)

    async def catalogue_index(self) -> CatalogueIndex | None:
        """The catalogue index of the current generation, or None (then SQL answers)."""
        (generation,) = await self.generations_of(["catalogue"])
        return self.catalogue.get(generation)


Info = StrawberryInfo[Context, None]
