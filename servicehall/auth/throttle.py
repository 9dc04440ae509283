"""Brute-force defence for sign-in (ASVS 2.2.1, SEC-3).

Counters live in the cache backend so every replica counts the same attempts:

- per account identifier (known or not, so a lockout reveals nothing): from the
  ``CAPTCHA_AFTER``-th failure a captcha is required, from ``DELAY_AFTER`` each further
  attempt must wait 2^(n - DELAY_AFTER) seconds (at most ``MAX_DELAY``), and at
  ``LOCK_AFTER`` failures within the hour the identifier is locked for an hour — far below
  ASVS's "no more than 100 failed attempts per hour";
- per IP address: ``IP_LIMIT`` failures in an hour throttle every attempt from it, which
  stops password spraying across many accounts.

A success clears the identifier's counters (not the IP's).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from servicehall.cache.base import CacheBackend

WINDOW = 3600
CAPTCHA_AFTER = 3
DELAY_AFTER = 5
MAX_DELAY = 60
LOCK_AFTER = 20
IP_LIMIT = 100


@dataclass(frozen=True, slots=True)
class Verdict:
    allowed: bool
    captcha_required: bool
    locked: bool = False
    retry_after: int = 0


class LoginThrottle:
    def __init__(self, cache: CacheBackend) -> None:
        self._cache = cache

    @staticmethod
    def _keys(identifier: str, ip: str) -> tuple[str, str, str, str]:
        return (
            f"login-fail:id:{identifier}",
            f"login-fail:ip:{ip}",
            f"login-next:id:{identifier}",
            f"login-lock:id:{identifier}",
        )

    async def check(self, identifier: str, ip: str) -> Verdict:
        fails_id, fails_ip, next_at, lock = self._keys(identifier, ip)
        count, ip_count, earliest, locked = await self._cache.get_many(
            [fails_id, fails_ip, next_at, lock]
        )
        failures = int(count or 0)
        captcha = failures >= CAPTCHA_AFTER
        if locked is not None:
            remaining = await self._cache.ttl(lock)
            return Verdict(False, captcha, locked=True, retry_after=int(remaining or WINDOW))
        if int(ip_count or 0) >= IP_LIMIT:
            remaining = await self._cache.ttl(fails_ip)
            return Verdict(False, captcha, retry_after=int(remaining or WINDOW))
        if earliest is not None and float(earliest) > time.time():
            return Verdict(False, captcha, retry_after=int(float(earliest) - time.time()) + 1)
        return Verdict(True, captcha)

    async def failed(self, identifier: str, ip: str) -> bool:
        """Count a failure; True when this failure locked the identifier."""
        fails_id, fails_ip, next_at, lock = self._keys(identifier, ip)
        failures = await self._cache.incr(fails_id, ttl=WINDOW)
        await self._cache.incr(fails_ip, ttl=WINDOW)
        if failures >= LOCK_AFTER:
            await self._cache.set(lock, b"1", WINDOW)
            return True
        if failures >= DELAY_AFTER:
            delay = min(MAX_DELAY, 2 ** (failures - DELAY_AFTER))
            await self._cache.set(next_at, str(time.time() + delay).encode(), delay)
        return False

    async def succeeded(self, identifier: str, ip: str) -> None:
        fails_id, _, next_at, _ = self._keys(identifier, ip)
        await self._cache.delete(fails_id, next_at)
