"""Periodic jobs inside the app (``SERVICEHALL_SCHEDULER``, on by default).

Every replica runs the scheduler. A job's period is cut into slots (hours, days from
07:00 local time, …); before running a slot a replica takes the lock ``job:NAME:SLOT`` in
the cache backend, so with several replicas each slot runs once. Jobs are idempotent, so
when the cache is down a replica runs its slot anyway rather than skip it. Jobs that
may run everywhere at once (the outbox worker, whose claims are atomic) take no lock. A
job that fails is logged and runs again in its next slot; it never stops the loop.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import datetime

from servicehall import clock
from servicehall.cache.base import CacheBackend, CacheUnavailable
from servicehall.clock import LOCAL_TZ
from servicehall.jobs import Job, JobContext

log = logging.getLogger("servicehall.scheduler")
_EPOCH = datetime(1970, 1, 1)


def slot(job: Job, now: datetime) -> int:
    """Which of ``job``'s periods ``now`` falls in, counted in local time."""
    local = now.astimezone(LOCAL_TZ).replace(tzinfo=None)
    return int((local - _EPOCH - job.at) / job.every)


class Scheduler:
    #: Seconds between looks at the clock.
    TICK = 1.0

    def __init__(
        self,
        jobs: Sequence[Job],
        cache: CacheBackend,
        context: JobContext,
        *,
        clock: Callable[[], datetime] = clock.now,
    ) -> None:
        self.jobs = list(jobs)
        self.cache = cache
        self.context = context
        self._clock = clock
        self._done: dict[str, int] = {}

    async def run(self) -> None:
        while True:
            await self.tick()
            if await self.context.notifier.wait(self.TICK):
                await self._run_unlocked("outbox")

    async def tick(self) -> list[str]:
        """Run the jobs whose slot has come; returns the names of those run here."""
        ran = []
        now = self._clock()
        for job in self.jobs:
            current = slot(job, now)
            if self._done.get(job.name) == current:
                continue
            self._done[job.name] = current
            if job.exclusive and not await self._lock(job, current):
                continue
            await self._run(job)
            ran.append(job.name)
        return ran

    async def _lock(self, job: Job, current: int) -> bool:
        ttl = max(int(job.every.total_seconds()), 60)
        try:
            return await self.cache.add(f"job:{job.name}:{current}", b"1", ttl)
        except CacheUnavailable:
            log.warning("job %s: cache unavailable, running without the lock", job.name)
            return True

    async def _run_unlocked(self, name: str) -> None:
        job = next((j for j in self.jobs if j.name == name), None)
        if job is not None and not job.exclusive:
            await self._run(job)

    async def _run(self, job: Job) -> None:
        try:
            summary = await job.run(self.context)
        except Exception:
            log.exception("job %s failed; it runs again in its next period", job.name)
        else:
            if summary:
                log.info("job %s: %s", job.name, summary)
