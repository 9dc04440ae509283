"""The ``servicehall`` command: serve, migrate, load demo data, export the schema.

Settings come from ``SERVICEHALL_*`` environment variables (see ``servicehall.settings``).
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence

from servicehall import db, jobs
from servicehall.auth.keys import LICENSES, PURPOSES, TOKENS
from servicehall.cli import admin, data, item_stats, items, server
from servicehall.errors import ServiceHallError
from servicehall.models import ClientKind
from servicehall.resolvers import feeds
from servicehall.settings import Settings, SettingsError


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="servicehall", description="网上办事大厅 GraphQL 服务")
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="serve the hall over HTTP")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=1)
    serve.set_defaults(handler=server.cmd_serve)

    commands.add_parser("migrate", help="apply database migrations").set_defaults(
        handler=server.cmd_migrate
    )

    demo = commands.add_parser("demo-data", help="load the demo district once")
    demo.add_argument("--items", type=int, default=None, help="number of service items")
    demo.add_argument("--enterprises", type=int, default=60, help="number of enterprises")
    demo.set_defaults(handler=server.cmd_demo_data)

    export = commands.add_parser("export-schema", help="print or write the subgraph SDL")
    export.add_argument("--output", default="-", help="file to write, or - for stdout")
    export.set_defaults(handler=server.cmd_export_schema)

    keys = commands.add_parser("keys", help="signing keys (tokens, licences)").add_subparsers(
        dest="keys_command", required=True
    )
    purposes = sorted(PURPOSES)
    rotate = keys.add_parser("rotate", help="sign with a new key")
    rotate.add_argument("--purpose", choices=purposes, default=TOKENS.name)
    rotate.set_defaults(handler=admin.cmd_keys_rotate)
    withdraw = keys.add_parser(
        "withdraw", help="unpublish a retired key (licences it signed are signed again)"
    )
    withdraw.add_argument("kid")
    withdraw.add_argument("--purpose", choices=purposes, default=LICENSES.name)
    withdraw.set_defaults(handler=admin.cmd_keys_withdraw)
    listed = keys.add_parser("list", help="the keys of a purpose and their state")
    listed.add_argument("--purpose", choices=purposes, default=TOKENS.name)
    listed.set_defaults(handler=admin.cmd_keys_list)

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
    add.set_defaults(handler=admin.cmd_clients_add)

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
    idp_add.set_defaults(handler=admin.cmd_idp_add)

    kiosk = commands.add_parser("kiosk", help="serve one station's self-service kiosk")
    kiosk.add_argument("--station", required=True, help="station code (9 or 12 digits)")
    kiosk.add_argument("--host", default="127.0.0.1")
    kiosk.add_argument("--port", type=int, default=8300)
    kiosk.add_argument(
        "--hall", default=None, help="hall URL (SERVICEHALL_KIOSK_HALL_URL; else in-process)"
    )
    kiosk.set_defaults(handler=server.cmd_kiosk)

    devices = commands.add_parser("kiosk-devices", help="kiosk devices").add_subparsers(
        dest="kiosk_devices_command", required=True
    )
    device_add = devices.add_parser("add", help="register a terminal (prints its secret once)")
    device_add.add_argument("--station", required=True)
    device_add.add_argument("--name", required=True)
    device_add.add_argument("--client-id", default=None)
    device_add.set_defaults(handler=admin.cmd_kiosk_devices_add)
    device_list = devices.add_parser("list", help="list registered terminals")
    device_list.add_argument("--station", default=None)
    device_list.set_defaults(handler=admin.cmd_kiosk_devices_list)
    device_revoke = devices.add_parser("revoke", help="revoke a terminal")
    device_revoke.add_argument("--client-id", required=True)
    device_revoke.add_argument("--reason", required=True, help="why (recorded with the step)")
    device_revoke.set_defaults(handler=admin.cmd_kiosk_devices_revoke)

    imports = commands.add_parser(
        "import", help="import a department's CSV file (header row of field names)"
    )
    imports.add_argument("kind", choices=[name.replace("_", "-") for name in feeds.FEEDS])
    imports.add_argument("file")
    imports.add_argument("--encoding", default="utf-8-sig", help="e.g. gb18030 for Excel files")
    imports.set_defaults(handler=data.cmd_import)

    item_commands = commands.add_parser(
        "items", help="the item registry: JSON Lines (ITEM-4), statistics (ITEM-6)"
    ).add_subparsers(dest="items_command", required=True)
    item_export = item_commands.add_parser("export", help="every item with its versions")
    item_export.add_argument("--output", default=None, help="a file (default: standard output)")
    item_export.set_defaults(handler=items.cmd_items_export)
    item_import = item_commands.add_parser(
        "import", help="submit a department's bulk change as one request"
    )
    item_import.add_argument("file")
    item_import.add_argument("--editor", required=True, help="the department's item editor")
    item_import.add_argument("--basis", required=True, help="the law or regulation (《…》)")
    item_import.add_argument("--reason", default="")
    item_import.set_defaults(handler=items.cmd_items_import)
    item_stats.add_parser(item_commands)

    job_commands = commands.add_parser("jobs", help="periodic jobs").add_subparsers(
        dest="jobs_command", required=True
    )
    run = job_commands.add_parser("run", help="run a job now")
    run.add_argument("name", choices=sorted(jobs.JOBS))
    run.set_defaults(handler=data.cmd_jobs_run)

    mk = commands.add_parser("makemigrations", help="(developers) write a migration")
    mk.add_argument("--name", default=None)
    mk.set_defaults(handler=server.cmd_makemigrations)
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
