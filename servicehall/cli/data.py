"""Operator commands for data: CSV imports and running a periodic job now."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from tqdm import tqdm

from servicehall import db, jobs
from servicehall.auth.accounts import CLI_OPERATOR
from servicehall.cache.factory import create_backend
from servicehall.cli.common import changes_announcer, with_database
from servicehall.notify.service import Notifier
from servicehall.resolvers import feeds, ingest
from servicehall.resolvers.outcome import settle
from servicehall.settings import Settings
from servicehall.workdays import work_calendar


def cmd_import(settings: Settings, args: argparse.Namespace) -> int:
    """Import a department's CSV file with the rules of the feed mutations (ENT-15)."""
    feed = feeds.FEEDS[args.kind.replace("-", "_")]
    try:
        records = ingest.read_csv(feed, Path(args.file), encoding=args.encoding)
    except ingest.FileInvalid as error:
        print(f"无法导入：{error}", file=sys.stderr)
        return 2

    async def work() -> int:
        await db.require_migrated()
        with tqdm(total=len(records), desc=f"写入{feed.label}", unit="条") as bar:
            done = await ingest.submit(
                CLI_OPERATOR,
                feed,
                records,
                limit=ingest.MAX_FILE_RECORDS,
                progress=bar.update,
            )
        result = done.result
        if result.errors:
            for error in result.errors:
                print(f"第{error.index + 2}行 {error.field}：{error.message}", file=sys.stderr)
            print(f"数据校验未通过，未写入任何记录（共{len(records)}条）。", file=sys.stderr)
            return 1
        cache = create_backend(settings)
        try:
            await settle(changes_announcer(settings, cache), done)
        finally:
            await cache.close()
        print(
            f"{feed.label}导入完成：新增{result.inserted}条，更新{result.updated}条，"
            f"未变{result.unchanged}条。"
        )
        return 0

    return with_database(settings, work)


def cmd_jobs_run(settings: Settings, args: argparse.Namespace) -> int:
    job = jobs.JOBS[args.name]

    async def work() -> str:
        await db.require_migrated()
        notifier = Notifier(settings)
        try:
            summary = await job.run(
                jobs.JobContext(settings, notifier, work_calendar(settings.holidays_file))
            )
            if job.name != "outbox":  # deliver what the job queued, as the scheduler would
                await notifier.outbox.deliver_due()
        finally:
            await notifier.close()
        return summary or "没有需要处理的内容。"

    print(with_database(settings, work))
    return 0
