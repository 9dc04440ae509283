"""The ``servicehall`` command: serve, migrate, load demo data, export the schema.

Settings come from ``SERVICEHALL_*`` environment variables (see ``servicehall.settings``).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import sys
import tempfile
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import TypeVar

import uvicorn
from tortoise.cli.cli import CLIContext, makemigrations

from servicehall import db
from servicehall.auth.services import AuthServices
from servicehall.cache.factory import create_backend
from servicehall.cache.memory import MemoryBackend
from servicehall.changes import Changes
from servicehall.demo import accounts
from servicehall.demo.loader import load_demo
from servicehall.schema import build_schema
from servicehall.settings import Settings, SettingsError

T = TypeVar("T")
log = logging.getLogger("servicehall")


def _with_database(settings: Settings, work: Callable[[], Awaitable[T]]) -> T:
    async def run() -> T:
        ctx = await db.open_database(settings)
        try:
            with db.use_database(ctx):
                return await work()
        finally:
            await ctx.close_connections()

    return asyncio.run(run())


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
    applied = _with_database(settings, db.migrate)
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
            await Changes(cache).record(("ServiceItem", "*"), ("Enterprise", "*"))
        finally:
            await cache.close()
        print(
            f"已加载演示数据：{report.departments}个部门，{report.items}个事项，"
            f"{report.enterprises}家企业。"
        )
        print(accounts.describe())
        return 0

    return _with_database(settings, work)


def cmd_export_schema(settings: Settings, args: argparse.Namespace) -> int:
    sdl = build_schema(settings).as_str() + "\n"
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


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="servicehall", description="网上办事大厅 GraphQL 服务")
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="serve the hall over HTTP")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=1)
    serve.set_defaults(handler=cmd_serve)

    commands.add_parser("migrate", help="apply database migrations").set_defaults(
        handler=cmd_migrate
    )

    demo = commands.add_parser("demo-data", help="load the demo district once")
    demo.add_argument("--items", type=int, default=None, help="number of service items")
    demo.add_argument("--enterprises", type=int, default=60, help="number of enterprises")
    demo.set_defaults(handler=cmd_demo_data)

    export = commands.add_parser("export-schema", help="print or write the subgraph SDL")
    export.add_argument("--output", default="-", help="file to write, or - for stdout")
    export.set_defaults(handler=cmd_export_schema)

    mk = commands.add_parser("makemigrations", help="(developers) write a migration")
    mk.add_argument("--name", default=None)
    mk.set_defaults(handler=cmd_makemigrations)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = Settings.from_env(os.environ)
    except SettingsError as error:
        print(f"配置错误：{error}", file=sys.stderr)
        return 2
    logging.basicConfig(
        level=settings.log_level.upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    try:
        code: int = args.handler(settings, args)
    except db.DatabaseNotMigrated as error:
        print(f"数据库尚未迁移：{error}", file=sys.stderr)
        return 1
    return code


if __name__ == "__main__":
    sys.exit(main())
