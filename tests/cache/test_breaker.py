"""The circuit breaker in front of Redis (F5, SEC-3): opens after N failures, fails fast,
lets one probe through after the cool-down, and logs each state change once."""

from __future__ import annotations

import logging

import pytest

from servicehall.cache import CacheUnavailable
from servicehall.cache.breaker import BreakerState, CircuitBreaker


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_opens_after_consecutive_failures_and_fails_fast(caplog: pytest.LogCaptureFixture) -> None:
    clock = FakeClock()
    breaker = CircuitBreaker(threshold=3, cooldown=5, clock=clock)
    for _ in range(2):
        breaker.check()
        breaker.failed(ConnectionError())
    breaker.check()
    breaker.succeeded()  # a success in between resets the count
    for _ in range(3):
        breaker.check()
        breaker.failed(ConnectionError())
    assert breaker.state is BreakerState.OPEN
    with caplog.at_level(logging.INFO, logger="servicehall.cache.breaker"):
        for _ in range(100):
            with pytest.raises(CacheUnavailable) as refused:
                breaker.check()
    assert refused.value.details == {"reason": "circuit_open"}
    opened = [r.getMessage() for r in caplog.records]
    assert len(opened) == 1 and "open after 3" in opened[0]  # once, not per refusal
    assert breaker.describe().startswith("open after 3 failures, next probe in 5.0s")


def test_half_open_lets_one_probe_through(caplog: pytest.LogCaptureFixture) -> None:
    clock = FakeClock()
    breaker = CircuitBreaker(threshold=1, cooldown=5, clock=clock)
    breaker.failed(TimeoutError())
    clock.now += 5
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="servicehall.cache.breaker"):
        assert breaker.admit()  # the probe
        assert breaker.state is BreakerState.HALF_OPEN
        assert not breaker.admit()  # everyone else still fails fast
        breaker.failed(TimeoutError())  # the probe failed: another cool-down
        assert breaker.state is BreakerState.OPEN
        assert not breaker.admit()
        clock.now += 5
        assert breaker.admit()
        breaker.succeeded()
        assert breaker.state is BreakerState.CLOSED
        assert breaker.admit() and breaker.admit()
    messages = [record.getMessage() for record in caplog.records]
    assert len(messages) == 4, messages  # half-open, probe failed, half-open, closed
    assert "closed" in messages[-1]


def test_a_cancelled_probe_frees_the_slot() -> None:
    clock = FakeClock()
    breaker = CircuitBreaker(threshold=1, cooldown=1, clock=clock)
    breaker.failed(OSError())
    clock.now += 1
    assert breaker.admit()
    breaker.released()
    assert breaker.admit()
