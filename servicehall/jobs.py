"""Periodic jobs by name: ``servicehall jobs run NAME`` runs one now.

Each job is idempotent (running it twice changes nothing the second time) and returns a
one-line Chinese summary for the operator.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from servicehall.resolvers.reminders import generate_reminders


@dataclass(frozen=True, slots=True)
class Job:
    name: str
    label: str
    run: Callable[[], Awaitable[str]]


async def _reminders() -> str:
    run = await generate_reminders()
    return (
        f"温馨提示已更新：新增{run.created}条，更新{run.updated}条，"
        f"撤销{run.retired}条，保持{run.kept}条。"
    )


JOBS = {job.name: job for job in (Job("reminders", "生成温馨提示（ENT-12）", _reminders),)}
