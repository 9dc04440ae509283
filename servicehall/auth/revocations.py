"""Revoked access tokens: cache markers on the hot path, the database as the record (F5, F13).

Every revocation (logout, "end other sessions", RFC 7009, a revoked kiosk device, a
refresh-token family revoked for code replay or refresh-token reuse) is written to the
``token_revocation`` table first and then as a marker ``revoked-{kind}:{value}`` in the
cache. The validator reads the markers of a token (its ``jti``, ``sid``, ``fam`` and
``client_id``) together with a sentinel key in one round trip:

- a marker present: the token is revoked;
- the sentinel missing: the cache lost its memory (a Redis restarted without persistence,
  flushed, or evicting): the database answers, and the markers are written back from it,
  in one transaction with the sentinel, so a restart never revives a revoked token;
- the cache unavailable (down, hung, circuit open): the database answers, each token's
  answer kept in-process for ``revocation_cache_seconds`` so an outage does not turn
  every request into a query. A revocation made in this process clears that memory; one
  made by another replica is seen within those seconds.

A marker that cannot be written (Redis down or full) deletes the sentinel instead, so
every replica checks the database until the markers are seeded again; if even that fails
the process remembers to delete it at its next successful read.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.expressions import Q

from servicehall import clock
from servicehall.cache.base import CacheBackend, CacheUnavailable
from servicehall.models import Revocation, RevocationKind

log = logging.getLogger(__name__)

#: Written (without expiry) together with the markers; its absence means the cache forgot.
SENTINEL = "revocations-seeded"
#: Tokens whose database answer is remembered at most, per process.
LOCAL_ENTRIES = 10_000

Marker = tuple[RevocationKind, str]


def marker_key(kind: RevocationKind, value: str) -> str:
    return f"revoked-{kind.value}:{value}"


def token_markers(claims: Mapping[str, Any]) -> list[Marker]:
    """The revocations that would refuse an access token with these claims."""
    markers: list[Marker] = []
    for kind, claim in (
        (RevocationKind.TOKEN, "jti"),
        (RevocationKind.SESSION, "sid"),
        (RevocationKind.FAMILY, "fam"),
        (RevocationKind.CLIENT, "client_id"),
    ):
        if claims.get(claim):
            markers.append((kind, str(claims[claim])))
    return markers


class Revocations:
    def __init__(self, cache: CacheBackend, *, local_seconds: float) -> None:
        self._cache = cache
        self._local_seconds = local_seconds
        self._local: dict[tuple[Marker, ...], tuple[bool, float]] = {}
        self._seeding = asyncio.Lock()
        self._sentinel_stale = False
        self._degraded = False

    # -- writing -------------------------------------------------------------------------

    async def revoke(self, kind: RevocationKind, value: str, until: float) -> None:
        """Refuse tokens with this ``kind`` of claim equal to ``value`` until ``until``
        (epoch seconds): the database row first, then the cache marker."""
        if not value:
            return
        expires = datetime.fromtimestamp(until, UTC)
        now = clock.now()
        await Revocation.filter(expires_at__lt=now).delete()  # rare writes: tidy as we go
        row = await Revocation.get_or_none(kind=kind, value=value)
        if row is None:
            with contextlib.suppress(IntegrityError):  # a concurrent revocation won
                await Revocation.create(kind=kind, value=value, expires_at=expires)
        elif row.expires_at < expires:  # revoked before: keep the later expiry
            await Revocation.filter(id=row.id).update(expires_at=expires)
        self._local.clear()
        try:
            await self._cache.set(
                marker_key(kind, value), b"1", max(1.0, until - clock.timestamp())
            )
        except CacheUnavailable as exc:
            log.warning(
                "revocation of %s %s recorded in the database only (%s); "
                "replicas check the database until the cache is re-seeded",
                kind.value,
                value[:12],
                exc.message,
            )
            await self._forget_sentinel()

    async def _forget_sentinel(self) -> None:
        try:
            await self._cache.delete(SENTINEL)
            self._sentinel_stale = False
        except CacheUnavailable:
            self._sentinel_stale = True

    async def seed(self) -> bool:
        """Write every unexpired revocation back to the cache with the sentinel, in one
        transaction; False when the cache refused (it is checked against the database
        meanwhile). Called at start-up and whenever the sentinel is found missing."""
        if self._seeding.locked():
            return False  # another task of this process is at it
        async with self._seeding:
            now = clock.timestamp()
            rows = await Revocation.filter(expires_at__gt=clock.now()).values_list(
                "kind", "value", "expires_at"
            )
            items: list[tuple[str, bytes, float | None]] = [
                (marker_key(RevocationKind(kind), value), b"1", max(1.0, at.timestamp() - now))
                for kind, value, at in rows
            ]
            items.append((SENTINEL, str(int(now)).encode(), None))
            try:
                await self._cache.set_many(items)
            except CacheUnavailable as exc:
                log.warning("could not re-seed revocation markers: %s", exc.message)
                return False
            if len(items) > 1:
                log.warning("re-seeded %d revocation markers from the database", len(items) - 1)
            return True

    # -- reading -------------------------------------------------------------------------

    async def is_revoked(self, claims: Mapping[str, Any]) -> bool:
        markers = token_markers(claims)
        keys = [marker_key(kind, value) for kind, value in markers] + [SENTINEL]
        try:
            values = await self._cache.get_many(keys)
        except CacheUnavailable as exc:
            if not self._degraded:
                self._degraded = True
                log.warning(
                    "cache unavailable (%s): token revocations are checked in the database",
                    exc.message,
                )
            return await self._in_database(markers)
        if self._degraded:
            self._degraded = False
            log.warning("cache answers again: token revocations are checked in the cache")
        if self._sentinel_stale:
            await self._forget_sentinel()
            return await self._in_database(markers)
        if any(value is not None for value in values[:-1]):
            return True
        if values[-1] is None:  # the cache forgot: ask the record, then teach the cache
            revoked = await self._in_database(markers)
            await self.seed()
            return revoked
        return False

    async def _in_database(self, markers: list[Marker]) -> bool:
        key = tuple(markers)
        now = time.monotonic()
        remembered = self._local.get(key)
        if remembered is not None and now - remembered[1] < self._local_seconds:
            return remembered[0]
        condition = Q(*(Q(kind=kind, value=value) for kind, value in markers), join_type="OR")
        revoked = await Revocation.filter(condition, expires_at__gt=clock.now()).exists()
        if len(self._local) >= LOCAL_ENTRIES:
            self._local.clear()
        self._local[key] = (revoked, now)
        return revoked
