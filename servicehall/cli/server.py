"""Commands that run the hall or prepare it: serve, kiosk, migrate, demo data, the schema
and (for developers) migrations."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import tempfile
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from functools import partial
from pathlib import Path
from typing import Any

import httpx2
import uvicorn
from tortoise.cli.cli import CLIContext, makemigrations

from servicehall import db, seams
from servicehall.app import create_app
from servicehall.auth.services import AuthServices
from servicehall.cache.factory import create_backend
from servicehall.cache.memory import MemoryBackend
from servicehall.cli.common import changes_announcer, log, with_database
from servicehall.demo import accounts
from servicehall.demo.loader import load_demo
from servicehall.kiosk import KioskConfig, create_kiosk_app, load_manifest
from servicehall.resolvers import stations
from servicehall.resolvers.outcome import Outcome, settle
from servicehall.schema import build_schema
from servicehall.settings import Settings


def cmd_serve(settings: Settings, args: argparse.Namespace) -> int:
    if args.workers > 1 and settings.redis_url is None:
        log.warning(
            "%d workers share nothing without SERVICEHALL_REDIS_URL: captchas, rate limits "
            "and subscriptions would differ per worker",
            args.workers,
        )
    uvicorn.run(
        "servicehall.app:app_from_env",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        proxy_headers=True,
        log_level=settings.log_level.lower(),
    )
    return 0


def cmd_migrate(settings: Settings, args: argparse.Namespace) -> int:
    applied = with_database(settings, db.migrate)
    print(f"已应用迁移：{', '.join(applied)}" if applied else "数据库已是最新结构，无需迁移。")
    return 0


def cmd_demo_data(settings: Settings, args: argparse.Namespace) -> int:
    if settings.is_prod:
        print(
            "演示数据含公开的演示密码，生产环境（SERVICEHALL_ENV=prod）不可加载。", file=sys.stderr
        )
        return 2

    async def work() -> int:
        await db.require_migrated()
        auth = AuthServices.create(settings, MemoryBackend())
        report = await load_demo(
            hasher=auth.passwords, box=auth.box, items=args.items, enterprises=args.enterprises
        )
        if not report.loaded:
            print("演示数据已存在，跳过加载。")
            print(accounts.describe())
            return 0
        cache = create_backend(settings)
        try:
            loaded = Outcome(report, (("ServiceItem", "*"), ("Enterprise", "*")))
            await settle(changes_announcer(settings, cache), loaded)
        finally:
            await cache.close()
        print(
            f"已加载演示数据：{report.departments}个部门，{report.items}个事项，"
            f"{report.enterprises}家企业，{report.stations}个镇街办事站，{report.points}个村居办事点。"
        )
        print(accounts.describe())
        return 0

    return with_database(settings, work)


def cmd_export_schema(settings: Settings, args: argparse.Namespace) -> int:
    sdl = build_schema(settings.query_limits).as_str() + "\n"
    if args.output == "-":
        sys.stdout.write(sdl)
    else:
        Path(args.output).write_text(sdl, encoding="utf-8")
        print(f"schema written to {args.output}")
    return 0


def cmd_makemigrations(settings: Settings, args: argparse.Namespace) -> int:
    """Developer command: write a migration for model changes (Tortoise's autodetector)."""
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
        json.dump(db.tortoise_config(settings.replace(database_url="sqlite://:memory:")), handle)
    try:
        asyncio.run(makemigrations(CLIContext(None, handle.name), (), False, args.name))
    finally:
        os.unlink(handle.name)
    return 0


def cmd_kiosk(settings: Settings, args: argparse.Namespace) -> int:
    """Serve one station's kiosk (STA-4): the UI and its allow-listed GraphQL, forwarded to
    the hall with the device's token. Without a hall URL the hall runs in this process on
    this process's database (the embedded default), reached through an ASGI transport."""
    station = stations.parse_station_code(args.station, field="station")
    hall_url = args.hall or settings.kiosk_hall_url
    transport: httpx2.AsyncBaseTransport | None = None
    hall_lifespan: Callable[[], AbstractAsyncContextManager[Any]] | None = None
    if hall_url is None:
        hall = create_app(settings.replace(scheduler=False))
        transport = httpx2.ASGITransport(app=hall)
        hall_url = settings.issuer
        hall_lifespan = partial(hall.router.lifespan_context, hall)
        schema = hall.state.runtime.schema
    else:
        schema = build_schema(settings.query_limits)
    if settings.kiosk_client_id is None:
        log.warning(
            "SERVICEHALL_KIOSK_CLIENT_ID/_SECRET are not set: the terminal shows 本终端未登记"
        )
    config = KioskConfig(
        station=station,
        hall_url=hall_url,
        client_id=settings.kiosk_client_id,
        client_secret=settings.kiosk_client_secret,
        idle_seconds=settings.kiosk_idle_seconds,
        portal_url=settings.portal_url or settings.public_url,
        pdf_font=settings.kiosk_pdf_font,
    )
    app = create_kiosk_app(
        config,
        load_manifest(seams.graphql_schema(schema)),
        transport=transport,
        hall_lifespan=hall_lifespan,
    )
    uvicorn.run(app, host=args.host, port=args.port, log_level=settings.log_level.lower())
    return 0
