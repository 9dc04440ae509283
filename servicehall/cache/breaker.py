"""A circuit breaker in front of the Redis client (F5, SEC-3).

Without it a dead Redis costs every request a connect attempt and a hung one a full
timeout per call. After ``threshold`` consecutive failures the breaker *opens*: calls fail
at once with :class:`CacheUnavailable` for ``cooldown`` seconds. Then it is *half-open*:
exactly one call (the probe) goes through while the others still fail fast; the probe's
success closes the breaker, its failure opens it for another cool-down.

State changes are logged once each (not per request), so an outage leaves a handful of
lines in the log however busy the hall is.
"""

from __future__ import annotations

import enum
import logging
import time
from collections.abc import Callable

from servicehall.cache.base import CacheUnavailable

log = logging.getLogger(__name__)


class BreakerState(enum.StrEnum):
    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half-open"


class CircuitBreaker:
    def __init__(
        self,
        *,
        threshold: int,
        cooldown: float,
        name: str = "redis",
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._threshold = threshold
        self._cooldown = cooldown
        self._name = name
        self._clock = clock
        self._failures = 0
        self._opened_at = 0.0
        self._state = BreakerState.CLOSED
        self._probing = False

    @property
    def state(self) -> BreakerState:
        return self._state

    def describe(self) -> str:
        """One line for ``/readyz``: the state and, when open, when the next probe goes."""
        if self._state is BreakerState.CLOSED:
            return "closed"
        if self._state is BreakerState.OPEN:
            wait = max(0.0, self._opened_at + self._cooldown - self._clock())
            return f"open after {self._failures} failures, next probe in {wait:.1f}s"
        return "half-open, probing"

    def admit(self) -> bool:
        """Whether a call may go to the server now; True means the caller must report
        back with :meth:`succeeded` or :meth:`failed` (a probe holds the half-open slot)."""
        if self._state is BreakerState.CLOSED:
            return True
        if self._state is BreakerState.OPEN:
            if self._clock() - self._opened_at < self._cooldown:
                return False
            self._state = BreakerState.HALF_OPEN
            log.info("%s circuit half-open: probing", self._name)
        if self._probing:
            return False
        self._probing = True
        return True

    def check(self) -> None:
        """Raise :class:`CacheUnavailable` at once unless a call may go through."""
        if not self.admit():
            raise CacheUnavailable(
                "缓存服务暂时不可用（熔断中）", details={"reason": "circuit_open"}
            )

    def succeeded(self) -> None:
        self._probing = False
        if self._state is not BreakerState.CLOSED:
            log.warning("%s circuit closed: the server answers again", self._name)
        self._state = BreakerState.CLOSED
        self._failures = 0

    def failed(self, cause: BaseException | None = None) -> None:
        self._probing = False
        self._failures += 1
        if self._state is BreakerState.HALF_OPEN:
            self._state = BreakerState.OPEN
            self._opened_at = self._clock()
            log.info("%s circuit probe failed; open for another %.0fs", self._name, self._cooldown)
        elif self._state is BreakerState.CLOSED and self._failures >= self._threshold:
            self._state = BreakerState.OPEN
            self._opened_at = self._clock()
            log.warning(
                "%s circuit open after %d consecutive failures (last: %s); "
                "calls fail fast for %.0fs, then one probe",
                self._name,
                self._failures,
                type(cause).__name__ if cause else "?",
                self._cooldown,
            )

    def released(self) -> None:
        """A call ended without a verdict (cancelled): free the probe slot."""
        self._probing = False
