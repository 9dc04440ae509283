"""Periodic jobs by name: the scheduler runs them in their periods, ``servicehall jobs run
NAME`` runs one now.

Each job is idempotent (running it twice changes nothing the second time) and returns a
one-line Chinese summary for the operator (empty when there was nothing to do).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta

from servicehall.clock import local_today
from servicehall.notify.service import Notifier
from servicehall.resolvers.follow_ups import follow_up_warnings
from servicehall.resolvers.item_request_reads import overdue_notices
from servicehall.resolvers.notifications import enterprise_digests
from servicehall.resolvers.reminders import generate_reminders
from servicehall.settings import Settings
from servicehall.workdays import WorkCalendar


@dataclass(frozen=True, slots=True)
class JobContext:
    settings: Settings
    notifier: Notifier
    calendar: WorkCalendar


@dataclass(frozen=True, slots=True)
class Job:
    name: str
    label: str
    run: Callable[[JobContext], Awaitable[str]]
    every: timedelta
    #: Where in its period the job runs, in local time (07:00 for a daily job).
    at: timedelta = timedelta(0)
    #: One replica per period (a lock in the cache); False for jobs safe to run anywhere.
    exclusive: bool = True


async def _outbox(context: JobContext) -> str:
    report = await context.notifier.outbox.deliver_due()
    if not report.settled:
        return ""
    return (
        f"发出{report.sent}条，待重试{report.retrying}条，"
        f"放弃{report.dead}条，过期{report.expired}条。"
    )


async def _reminders(context: JobContext) -> str:
    run = await generate_reminders()
    return (
        f"温馨提示已更新：新增{run.created}条，更新{run.updated}条，"
        f"撤销{run.retired}条，保持{run.kept}条。"
    )


async def _digest(context: JobContext) -> str:
    day = local_today() - timedelta(days=1)
    written = await enterprise_digests(day, portal=context.settings.portal_base)
    context.notifier.kick()
    return f"{day.month}月{day.day}日的企业每日邮件：新写入{written}封。"


async def _follow_ups(context: JobContext) -> str:
    written = await follow_up_warnings(local_today(), context.calendar)
    return f"差评回访整改到期提醒：新写入{written}条。" if written else ""


async def _item_requests(context: JobContext) -> str:
    written = await overdue_notices(local_today(), context.calendar)
    return f"事项申请超期催办：新写入{written}条。" if written else ""


JOBS = {
    job.name: job
    for job in (
        Job("outbox", "发送待发消息", _outbox, timedelta(seconds=5), exclusive=False),
        Job("reminders", "生成温馨提示（ENT-12）", _reminders, timedelta(hours=1)),
        Job(
            "digest",
            "企业每日订阅信息与提醒邮件（ENT-11）",
            _digest,
            timedelta(days=1),
            at=timedelta(hours=7),
        ),
        Job(
            "follow-ups",
            "差评回访整改到期提醒（RATE-3）",
            _follow_ups,
            timedelta(days=1),
            at=timedelta(hours=8),
        ),
        Job(
            "item-requests",
            "事项申请超期催办（ITEM-4）",
            _item_requests,
            timedelta(days=1),
            at=timedelta(hours=8, minutes=30),
        ),
    )
}
