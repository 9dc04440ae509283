"""Brute-force defence for sign-in (ASVS 2.2.1, SEC-3).

Counters live in the cache backend so every replica counts the same attempts:

- per account (F12: whichever identifier names it — a person's phone number and ID
  number count together), and per identifier when no account has it, so a lockout
  reveals nothing about which identifiers exist: from the ``CAPTCHA_AFTER``-th failure a
  captcha is required, from ``DELAY_AFTER`` each further attempt must wait
  2^(n - DELAY_AFTER) seconds (at most ``MAX_DELAY``) and only one is evaluated at a time,
  and at ``LOCK_AFTER`` failures within the hour the account is locked for an hour — far
  below ASVS's "no more than 100 failed attempts per hour";
- per IP address: ``IP_LIMIT`` failures in an hour throttle every attempt from it, which
  stops password spraying across many accounts.

F3: an attempt is *reserved* before the password is verified — both counters are
incremented atomically first and the attempt is evaluated only if its own number is
within the limits — so parallel wrong passwords cannot all pass a check that none of
them has been counted in yet. An attempt that is not evaluated (refused here, or a wrong
captcha) gives its reservation back; a success clears the account's counters and gives
back its IP reservation.
"""

from __future__ import annotations

from dataclasses import dataclass

from servicehall.cache.base import CacheBackend

WINDOW = 3600
CAPTCHA_AFTER = 3
DELAY_AFTER = 5
MAX_DELAY = 60
LOCK_AFTER = 20
IP_LIMIT = 100
#: Seconds an evaluation past ``DELAY_AFTER`` holds the slot if it never reports back.
HOLD = 30


@dataclass(frozen=True, slots=True)
class Verdict:
    allowed: bool
    captcha_required: bool
    locked: bool = False
    retry_after: int = 0
    #: For an allowed reservation: the attempt's number among the window's failures.
    attempt: int = 0


def account_key(account_id: int) -> str:
    """The key an existing account's failures count under, whatever names it."""
    return f"account:{account_id}"


def delay(failures: int) -> int:
    """Seconds before the next attempt after ``failures`` failures (0: none)."""
    if failures < DELAY_AFTER:
        return 0
    return int(min(MAX_DELAY, 2 ** (failures - DELAY_AFTER)))


class LoginThrottle:
    def __init__(self, cache: CacheBackend) -> None:
        self._cache = cache

    @staticmethod
    def _keys(key: str, ip: str) -> tuple[str, str, str, str]:
        return (
            f"login-fail:id:{key}",
            f"login-fail:ip:{ip}",
            f"login-next:id:{key}",
            f"login-lock:id:{key}",
        )

    async def _locked(self, lock: str, captcha: bool) -> Verdict:
        remaining = await self._cache.ttl(lock)
        return Verdict(False, captcha, locked=True, retry_after=int(remaining or WINDOW))

    async def check(self, key: str, ip: str) -> Verdict:
        """Where ``key`` stands, without reserving anything (for the page to show)."""
        fails_id, fails_ip, slot, lock = self._keys(key, ip)
        count, ip_count, busy, locked = await self._cache.get_many([fails_id, fails_ip, slot, lock])
        captcha = int(count or 0) >= CAPTCHA_AFTER
        if locked is not None:
            return await self._locked(lock, captcha)
        if int(ip_count or 0) >= IP_LIMIT:
            return Verdict(False, captcha, retry_after=int(await self._cache.ttl(fails_ip) or 1))
        if busy is not None and int(count or 0) >= DELAY_AFTER:
            return Verdict(False, captcha, retry_after=int(await self._cache.ttl(slot) or 0) + 1)
        return Verdict(True, captcha)

    async def reserve(self, key: str, ip: str) -> Verdict:
        """Reserve an attempt for ``key`` from ``ip``; evaluate the password only when
        the verdict allows it, and then report :meth:`failed` or :meth:`succeeded`."""
        fails_id, fails_ip, slot, lock = self._keys(key, ip)
        if await self._cache.get(lock) is not None:
            return await self._locked(lock, True)
        failures = await self._cache.incr(fails_id, ttl=WINDOW)
        ip_failures = await self._cache.incr(fails_ip, ttl=WINDOW)
        captcha = failures > CAPTCHA_AFTER
        refusal: Verdict | None = None
        if ip_failures > IP_LIMIT:
            refusal = Verdict(False, captcha, retry_after=int(await self._cache.ttl(fails_ip) or 1))
        elif failures > DELAY_AFTER and not await self._cache.add(slot, b"1", HOLD):
            # the previous failure's delay is still running, or another attempt is being
            # evaluated: past DELAY_AFTER one at a time
            refusal = Verdict(False, captcha, retry_after=int(await self._cache.ttl(slot) or 0) + 1)
        elif failures > LOCK_AFTER:  # the lock expired before the count: lock again
            await self._cache.set(lock, b"1", WINDOW)
            refusal = await self._locked(lock, True)
        if refusal is not None:
            await self._refund(fails_id, fails_ip)
            return refusal
        return Verdict(True, captcha, attempt=failures)

    async def _refund(self, *counters: str) -> None:
        # With the window's TTL: should a counter have expired meanwhile, the -1 left
        # behind expires too.
        for counter in counters:
            await self._cache.incr(counter, -1, ttl=WINDOW)

    async def release(self, key: str, ip: str, verdict: Verdict) -> None:
        """Give back the reserved attempt ``verdict`` unevaluated (a wrong captcha)."""
        fails_id, fails_ip, slot, _ = self._keys(key, ip)
        await self._refund(fails_id, fails_ip)
        if verdict.attempt > DELAY_AFTER:  # it holds the slot
            await self._cache.delete(slot)

    async def failed(self, key: str, ip: str, verdict: Verdict) -> bool:
        """The reserved attempt ``verdict`` failed; True when this failure locked ``key``."""
        _, _, slot, lock = self._keys(key, ip)
        if verdict.attempt >= LOCK_AFTER:
            await self._cache.set(lock, b"1", WINDOW)
            await self._cache.delete(slot)
            return True
        wait = delay(verdict.attempt)
        if wait:
            await self._cache.set(slot, b"1", wait)
        return False

    async def succeeded(self, key: str, ip: str) -> None:
        fails_id, fails_ip, slot, _ = self._keys(key, ip)
        await self._cache.delete(fails_id, slot)
        await self._refund(fails_ip)
