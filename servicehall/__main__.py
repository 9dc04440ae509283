"""The ``servicehall`` command: serve, migrate, load demo data, export the schema.

Settings come from ``SERVICEHALL_*`` environment variables (see ``servicehall.settings``).
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import json
import logging
import os
import sys
import tempfile
from collections.abc import Awaitable, Callable, Sequence
from contextlib import AbstractAsyncContextManager
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

import httpx2
import uvicorn
from tortoise.cli.cli import CLIContext, makemigrations
from tqdm import tqdm

from servicehall import db, jobs, seams
from servicehall.app import create_app
from servicehall.auth.accounts import CLI_OPERATOR
from servicehall.auth.keys import LICENSES, PURPOSES, TOKENS, KeyInUse, KeyStore
from servicehall.auth.services import AuthServices
from servicehall.cache.base import CacheBackend
from servicehall.cache.factory import create_backend
from servicehall.cache.memory import MemoryBackend
from servicehall.changes import Changes
from servicehall.demo import accounts
from servicehall.demo.loader import load_demo
from servicehall.errors import ServiceHallError
from servicehall.kiosk import KioskConfig, create_kiosk_app, load_manifest
from servicehall.models import ClientKind, SigningKey
from servicehall.notify.service import Notifier
from servicehall.resolvers import clients, ingest, kiosks, licenses, stations
from servicehall.resolvers.outcome import Outcome, settle
from servicehall.schema import build_schema
from servicehall.schema.policy import entity_domains
from servicehall.settings import Settings, SettingsError
from servicehall.workdays import work_calendar

T = TypeVar("T")
log = logging.getLogger("servicehall")


def _changes(settings: Settings, cache: CacheBackend) -> Changes:
    """The change announcer, with each entity kind's domain as the schema declares it."""
    return Changes(cache, entity_domains(seams.graphql_schema(build_schema(settings.query_limits))))


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
            loaded = Outcome(report, (("ServiceItem", "*"), ("Enterprise", "*")))
            await settle(_changes(settings, cache), loaded)
        finally:
            await cache.close()
        print(
            f"已加载演示数据：{report.departments}个部门，{report.items}个事项，"
            f"{report.enterprises}家企业，{report.stations}个镇街办事站，{report.points}个村居办事点。"
        )
        print(accounts.describe())
        return 0

    return _with_database(settings, work)


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


def _key_store(settings: Settings, purpose: str) -> KeyStore:
    auth = AuthServices.create(settings, MemoryBackend())
    return auth.license_keys if purpose == LICENSES.name else auth.keys


def cmd_keys_rotate(settings: Settings, args: argparse.Namespace) -> int:
    keys = _key_store(settings, args.purpose)
    kid = _with_database(settings, keys.rotate)
    if keys.purpose is LICENSES:
        print(f"已启用新的证照签名密钥 {kid}；旧密钥继续公布，其签名的证照仍可核验，直至撤回。")
    else:
        print(f"已启用新的签名密钥 {kid}；旧密钥在其签发的令牌过期前继续公布。")
    return 0


def cmd_keys_withdraw(settings: Settings, args: argparse.Namespace) -> int:
    """Unpublish a retired key; licences it signed are signed again with the current key."""
    keys = _key_store(settings, args.purpose)

    async def work() -> int:
        await db.require_migrated()
        return (await licenses.withdraw_key(CLI_OPERATOR, keys, args.kid)).result

    try:
        resigned = _with_database(settings, work)
    except KeyInUse:
        print(f"密钥 {args.kid} 正在使用，请先轮换（keys rotate）再撤回。", file=sys.stderr)
        return 1
    except LookupError:
        print(f"没有已公布的密钥 {args.kid}（用途 {args.purpose}）。", file=sys.stderr)
        return 1
    print(f"已撤回密钥 {args.kid}，不再公布。")
    if keys.purpose is LICENSES:
        print(f"已用当前密钥重新签名证照 {resigned} 张。")
    return 0


def cmd_keys_list(settings: Settings, args: argparse.Namespace) -> int:
    async def work() -> list[SigningKey]:
        return await SigningKey.filter(purpose=args.purpose).order_by("created_at")

    for key in _with_database(settings, work):
        state = (
            "已撤回"
            if key.withdrawn_at
            else ("在用" if key.retired_at is None else "已轮换（仍公布）")
        )
        print(f"{key.kid}  {key.alg}  {key.created_at:%Y-%m-%d %H:%M}  {state}")
    return 0


def cmd_clients_add(settings: Settings, args: argparse.Namespace) -> int:
    async def work() -> clients.RegisteredClient:
        return await clients.register_client(
            client_id=args.client_id,
            name=args.name,
            kind=ClientKind(args.kind),
            redirect_uris=args.redirect_uri,
            post_logout_redirect_uris=args.post_logout_uri,
            scopes=args.scope,
            first_party=args.first_party,
            department=args.department,
            actor="operator:cli",
        )

    registered = _with_database(settings, work)
    print(f"已登记客户端 {registered.client.client_id}（{registered.client.name}）。")
    if registered.secret:
        print(f"客户端密钥（只显示这一次，请妥善保存）：{registered.secret}")
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
    )
    app = create_kiosk_app(
        config,
        load_manifest(seams.graphql_schema(schema)),
        transport=transport,
        hall_lifespan=hall_lifespan,
    )
    uvicorn.run(app, host=args.host, port=args.port, log_level=settings.log_level.lower())
    return 0


def cmd_kiosk_devices_add(settings: Settings, args: argparse.Namespace) -> int:
    async def work() -> kiosks.RegisteredDevice:
        done = await kiosks.register(
            CLI_OPERATOR, station_code=args.station, name=args.name, client_id=args.client_id
        )
        return done.result

    registered = _with_database(settings, work)
    client_id = registered.device.client.client_id
    print(f"已在办事站 {registered.device.station.code} 登记自助终端 {client_id}（{args.name}）。")
    print(f"终端密钥（只显示这一次，请只配置在该终端的 kiosk 进程中）：{registered.secret}")
    print(
        f"在终端上运行：SERVICEHALL_KIOSK_CLIENT_ID={client_id} "
        f"SERVICEHALL_KIOSK_CLIENT_SECRET=<密钥> servicehall kiosk --station "
        f"{registered.device.station.code} --hall {settings.issuer}"
    )
    return 0


def cmd_kiosk_devices_list(settings: Settings, args: argparse.Namespace) -> int:
    rows = _with_database(settings, partial(kiosks.list_devices, args.station))
    if not rows:
        print("尚无登记的自助终端。")
    for row in rows:
        state = "已撤销" if row["revoked_at"] else "在用"
        print(f"{row['client_id']}\t{row['station_code']}\t{state}\t{row['name']}")
    return 0


def cmd_kiosk_devices_revoke(settings: Settings, args: argparse.Namespace) -> int:
    cache = create_backend(settings)

    async def work() -> None:
        try:
            await kiosks.revoke(
                CLI_OPERATOR, args.client_id, auth=AuthServices.create(settings, cache)
            )
        finally:
            await cache.close()

    _with_database(settings, work)
    print(f"已撤销自助终端 {args.client_id} 的登记，其令牌立即失效。")
    if settings.redis_url is None:
        print("（未配置 Redis：运行中的大厅在其令牌过期前仍可能接受，最长约10分钟。）")
    return 0


def cmd_idp_add(settings: Settings, args: argparse.Namespace) -> int:
    auth = AuthServices.create(settings, MemoryBackend())
    # Read from standard input (or asked for): never an argument visible in process lists.
    secret = getpass.getpass("客户端密钥：") if sys.stdin.isatty() else sys.stdin.readline().strip()

    async def work() -> None:
        await clients.register_provider(
            auth.box,
            slug=args.slug,
            name=args.name,
            issuer=args.issuer,
            client_id=args.client_id,
            client_secret=secret,
            scopes=args.scopes,
            actor="operator:cli",
        )

    _with_database(settings, work)
    callback = f"{settings.issuer}/auth/upstream/{args.slug}/callback"
    print(f"已接入身份提供方 {args.slug}；请在对方平台登记回调地址：{callback}")
    return 0


def cmd_import(settings: Settings, args: argparse.Namespace) -> int:
    """Import a department's CSV file with the rules of the feed mutations (ENT-15)."""
    feed = ingest.FEEDS[args.kind.replace("-", "_")]
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
            await settle(_changes(settings, cache), done)
        finally:
            await cache.close()
        print(
            f"{feed.label}导入完成：新增{result.inserted}条，更新{result.updated}条，"
            f"未变{result.unchanged}条。"
        )
        return 0

    return _with_database(settings, work)


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

    print(_with_database(settings, work))
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

    keys = commands.add_parser("keys", help="signing keys (tokens, licences)").add_subparsers(
        dest="keys_command", required=True
    )
    purposes = sorted(PURPOSES)
    rotate = keys.add_parser("rotate", help="sign with a new key")
    rotate.add_argument("--purpose", choices=purposes, default=TOKENS.name)
    rotate.set_defaults(handler=cmd_keys_rotate)
    withdraw = keys.add_parser(
        "withdraw", help="unpublish a retired key (licences it signed are signed again)"
    )
    withdraw.add_argument("kid")
    withdraw.add_argument("--purpose", choices=purposes, default=LICENSES.name)
    withdraw.set_defaults(handler=cmd_keys_withdraw)
    listed = keys.add_parser("list", help="the keys of a purpose and their state")
    listed.add_argument("--purpose", choices=purposes, default=TOKENS.name)
    listed.set_defaults(handler=cmd_keys_list)

    client_commands = commands.add_parser("clients", help="OAuth clients").add_subparsers(
        dest="clients_command", required=True
    )
    add = client_commands.add_parser("add", help="register a client (prints its secret once)")
    add.add_argument("--client-id", required=True)
    add.add_argument("--name", required=True)
    add.add_argument("--kind", choices=[k.value for k in ClientKind], required=True)
    add.add_argument("--redirect-uri", action="append", default=[])
    add.add_argument("--post-logout-uri", action="append", default=[])
    add.add_argument("--scope", action="append", default=["openid", "profile"])
    add.add_argument("--first-party", action="store_true")
    add.add_argument("--department", help="department code of a machine client")
    add.set_defaults(handler=cmd_clients_add)

    idp = commands.add_parser("idp", help="upstream identity providers").add_subparsers(
        dest="idp_command", required=True
    )
    idp_add = idp.add_parser(
        "add", help="connect a provider (its client secret is read from standard input)"
    )
    idp_add.add_argument("--slug", required=True)
    idp_add.add_argument("--name", required=True)
    idp_add.add_argument("--issuer", required=True)
    idp_add.add_argument("--client-id", required=True)
    idp_add.add_argument("--scopes", default="openid profile")
    idp_add.set_defaults(handler=cmd_idp_add)

    kiosk = commands.add_parser("kiosk", help="serve one station's self-service kiosk")
    kiosk.add_argument("--station", required=True, help="station code (9 or 12 digits)")
    kiosk.add_argument("--host", default="127.0.0.1")
    kiosk.add_argument("--port", type=int, default=8300)
    kiosk.add_argument(
        "--hall", default=None, help="hall URL (SERVICEHALL_KIOSK_HALL_URL; else in-process)"
    )
    kiosk.set_defaults(handler=cmd_kiosk)

    devices = commands.add_parser("kiosk-devices", help="kiosk devices").add_subparsers(
        dest="kiosk_devices_command", required=True
    )
    device_add = devices.add_parser("add", help="register a terminal (prints its secret once)")
    device_add.add_argument("--station", required=True)
    device_add.add_argument("--name", required=True)
    device_add.add_argument("--client-id", default=None)
    device_add.set_defaults(handler=cmd_kiosk_devices_add)
    device_list = devices.add_parser("list", help="list registered terminals")
    device_list.add_argument("--station", default=None)
    device_list.set_defaults(handler=cmd_kiosk_devices_list)
    device_revoke = devices.add_parser("revoke", help="revoke a terminal")
    device_revoke.add_argument("--client-id", required=True)
    device_revoke.set_defaults(handler=cmd_kiosk_devices_revoke)

    imports = commands.add_parser(
        "import", help="import a department's CSV file (header row of field names)"
    )
    imports.add_argument("kind", choices=[name.replace("_", "-") for name in ingest.FEEDS])
    imports.add_argument("file")
    imports.add_argument("--encoding", default="utf-8-sig", help="e.g. gb18030 for Excel files")
    imports.set_defaults(handler=cmd_import)

    job_commands = commands.add_parser("jobs", help="periodic jobs").add_subparsers(
        dest="jobs_command", required=True
    )
    run = job_commands.add_parser("run", help="run a job now")
    run.add_argument("name", choices=sorted(jobs.JOBS))
    run.set_defaults(handler=cmd_jobs_run)

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
    except SettingsError as error:
        # Settings checked where they are used (SMTP URL, holidays file) as the app is built.
        print(f"配置错误：{error}", file=sys.stderr)
        return 2
    except db.DatabaseNotMigrated as error:
        print(f"数据库尚未迁移：{error}", file=sys.stderr)
        return 1
    except ServiceHallError as error:
        print(f"{error.label}：{error.message}", file=sys.stderr)
        return 1
    return code


if __name__ == "__main__":
    sys.exit(main())
