"""Writes name what they changed, in one place, so caches and subscribers hear of it.

Every service that writes names the entities it changed, such as
``("Enterprise", "914403001922038216")``, in its ``Outcome``; after its transaction
commits, ``resolvers.outcome.settle`` (the one caller) hands them to
:meth:`Changes.record`. That bumps the generation counter of the entity's *domain* (which
the response cache folds into its keys, so stale entries are never served) and publishes
the references on the ``changes`` channel for subscriptions. Domains are coarse on
purpose: a department's new name must also invalidate cached search facets that show it.

Which domain an entity kind belongs to is declared on its schema type
(``servicehall.schema.policy``) and handed in by whoever builds a :class:`Changes` (the
app's runtime, the CLI): this module sits below the schema and must not import it, and a
registry filled as a side effect of importing the schema would be empty in a process that
never did.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence

import orjson

from servicehall.cache.base import CacheBackend, CacheUnavailable
from servicehall.domains import Domain

log = logging.getLogger(__name__)

CHANGES_CHANNEL = "changes"


class Changes:
    def __init__(self, cache: CacheBackend, domains: Mapping[str, Domain]) -> None:
        """``domains``: each entity kind's domain, ``servicehall.schema.entity_domains()``."""
        self._cache = cache
        self._domains = dict(domains)

    async def record(self, *entities: tuple[str, str]) -> None:
        """Announce committed changes; a dead cache only costs freshness up to the cache TTL."""
        domains = sorted({self.domain_of(kind) for kind, _ in entities})
        try:
            for domain in domains:
                await self._cache.incr(f"gen:{domain}")
            await self._cache.publish(
                CHANGES_CHANNEL, orjson.dumps([f"{kind}:{key}" for kind, key in entities])
            )
        except CacheUnavailable:
            log.warning("could not announce changes to %s: cache unavailable", domains)

    def domain_of(self, kind: str) -> Domain:
        """The domain of an entity kind; a kind no schema type declares is a programming
        error, refused before anything is announced."""
        try:
            return self._domains[kind]
        except KeyError:
            raise LookupError(f"no schema type declares the domain of {kind!r}") from None

    async def generations(self, domains: Sequence[str]) -> tuple[int, ...]:
        """Current generation of each domain (0 before its first change)."""
        values = await self._cache.get_many([f"gen:{domain}" for domain in domains])
        return tuple(int(v) if v is not None else 0 for v in values)
