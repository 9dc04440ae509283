"""The scheduler: each exclusive job runs once per period across replicas; failures are
logged and retried next period; a dead cache does not stop idempotent jobs."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta

import pytest

from servicehall.cache import CacheBackend, CacheUnavailable, MemoryBackend
from servicehall.jobs import JOBS, Job, JobContext
from servicehall.notify.scheduler import Scheduler, slot
from servicehall.notify.service import Notifier
from servicehall.settings import Settings
from servicehall.workdays import WorkCalendar


class Clock:
    def __init__(self, at: datetime) -> None:
        self.at = at

    def __call__(self) -> datetime:
        return self.at


def _context() -> JobContext:
    settings = Settings(scheduler=False)
    return JobContext(settings, Notifier(settings), WorkCalendar.bundled())


def _job(name: str, calls: list[str], *, exclusive: bool = True, fail: bool = False) -> Job:
    async def run(context: JobContext) -> str:
        calls.append(name)
        if fail:
            raise RuntimeError("boom")
        return "完成"

    return Job(name, name, run, timedelta(days=1), at=timedelta(hours=7), exclusive=exclusive)


def test_daily_slots_turn_at_seven_local_time() -> None:
    daily = JOBS["digest"]
    # 06:59 and 07:00 in Asia/Shanghai are 22:59 and 23:00 UTC the day before
    before = datetime(2026, 11, 25, 22, 59, tzinfo=UTC)
    after = before + timedelta(minutes=1)
    assert slot(daily, after) == slot(daily, before) + 1
    assert slot(daily, after + timedelta(hours=23, minutes=59)) == slot(daily, after)


async def test_two_replicas_run_an_exclusive_job_once_per_period(cache: CacheBackend) -> None:
    calls: list[str] = []
    clock = Clock(datetime(2026, 11, 26, 1, 0, tzinfo=UTC))
    replicas = [
        Scheduler(
            [_job("digest", calls), _job("outbox", calls, exclusive=False)],
            cache,
            _context(),
            clock=clock,
        )
        for _ in range(2)
    ]
    for replica in replicas:
        await replica.tick()
        await replica.tick()  # the same period again: nothing
    assert sorted(calls) == ["digest", "outbox", "outbox"]
    clock.at += timedelta(days=1)
    for replica in replicas:
        await replica.tick()
    assert calls.count("digest") == 2


async def test_a_failing_job_is_logged_and_runs_next_period(
    caplog: pytest.LogCaptureFixture,
) -> None:
    calls: list[str] = []
    clock = Clock(datetime(2026, 11, 26, 1, 0, tzinfo=UTC))
    scheduler = Scheduler(
        [_job("broken", calls, fail=True), _job("fine", calls)],
        MemoryBackend(),
        _context(),
        clock=clock,
    )
    with caplog.at_level(logging.ERROR, logger="servicehall.scheduler"):
        assert await scheduler.tick() == ["broken", "fine"]
    assert "job broken failed" in caplog.text
    clock.at += timedelta(days=1)
    await scheduler.tick()
    assert calls == ["broken", "fine", "broken", "fine"]


class DeadCache(MemoryBackend):
    async def add(self, key: str, value: bytes, ttl: float | None = None) -> bool:
        raise CacheUnavailable("redis is down")


async def test_a_dead_cache_runs_jobs_without_the_lock(caplog: pytest.LogCaptureFixture) -> None:
    calls: list[str] = []
    scheduler = Scheduler([_job("digest", calls)], DeadCache(), _context())
    with caplog.at_level(logging.WARNING, logger="servicehall.scheduler"):
        await scheduler.tick()
    assert calls == ["digest"] and "without the lock" in caplog.text


async def test_a_wait_cancelled_as_it_is_woken_still_stops() -> None:
    """Shutdown cancels the scheduler while it waits; a wake-up in the same loop turn must
    not swallow the cancellation (``asyncio.wait_for`` did, on Python 3.11, and the app's
    lifespan then never ended)."""
    notifier = Notifier(Settings(scheduler=False))
    waiting = asyncio.create_task(notifier.wait(10))
    await asyncio.sleep(0)
    notifier.kick()
    waiting.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiting
    assert await notifier.wait(0.01) is False  # the wake-up was consumed, not left behind
