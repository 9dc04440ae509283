"""Writes name what they changed, in one place, so caches and subscribers hear of it.

Every resolver that writes calls :meth:`Changes.record` with entity references such as
``("Enterprise", "914403001922038216")`` after its transaction commits. That bumps the
generation counter of the entity's *domain* (which the response cache folds into its keys,
so stale entries are never served) and publishes the references on the ``changes`` channel
for subscriptions. Domains are coarse on purpose: a department's new name must also
invalidate cached search facets that show it.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import orjson

from servicehall.cache.base import CacheBackend, CacheUnavailable

log = logging.getLogger(__name__)

CHANGES_CHANNEL = "changes"

#: The domain each entity type belongs to.
ENTITY_DOMAINS = {
    "ServiceItem": "catalogue",
    "Department": "catalogue",
    "Theme": "catalogue",
    "TargetGroup": "catalogue",
    "BusinessScope": "catalogue",
    "Enterprise": "enterprise",
    "Announcement": "portal",
    "GovernmentInformation": "information",
    "Rating": "ratings",
    "LicenseCatalogEntry": "licenses",
    "LicenseGrant": "licenses",
    "License": "licenses",
    "Station": "stations",
    "Town": "stations",
    "Village": "stations",
}


class Changes:
    def __init__(self, cache: CacheBackend) -> None:
        self._cache = cache

    async def record(self, *entities: tuple[str, str]) -> None:
        """Announce committed changes; a dead cache only costs freshness up to the cache TTL."""
        domains = sorted({ENTITY_DOMAINS[kind] for kind, _ in entities})
        try:
            for domain in domains:
                await self._cache.incr(f"gen:{domain}")
            await self._cache.publish(
                CHANGES_CHANNEL, orjson.dumps([f"{kind}:{key}" for kind, key in entities])
            )
        except CacheUnavailable:
            log.warning("could not announce changes to %s: cache unavailable", domains)

    async def generations(self, domains: Sequence[str]) -> tuple[int, ...]:
        """Current generation of each domain (0 before its first change)."""
        values = await self._cache.get_many([f"gen:{domain}" for domain in domains])
        return tuple(int(v) if v is not None else 0 for v in values)
