"""Operator commands for credentials: signing keys, OAuth clients, kiosk devices and
upstream identity providers (they call the same services as the API)."""

from __future__ import annotations

import argparse
import getpass
import sys
from functools import partial

from servicehall import db
from servicehall.auth.accounts import CLI_OPERATOR
from servicehall.auth.keys import LICENSES, KeyInUse, KeyStore
from servicehall.auth.services import AuthServices
from servicehall.cache.factory import create_backend
from servicehall.cache.memory import MemoryBackend
from servicehall.cli.common import with_database
from servicehall.models import ClientKind, SigningKey
from servicehall.resolvers import clients, kiosks, license_signing
from servicehall.settings import Settings


def _key_store(settings: Settings, purpose: str) -> KeyStore:
    auth = AuthServices.create(settings, MemoryBackend())
    return auth.license_keys if purpose == LICENSES.name else auth.keys


def cmd_keys_rotate(settings: Settings, args: argparse.Namespace) -> int:
    keys = _key_store(settings, args.purpose)
    kid = with_database(settings, keys.rotate)
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
        return (await license_signing.withdraw_key(CLI_OPERATOR, keys, args.kid)).result

    try:
        resigned = with_database(settings, work)
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

    for key in with_database(settings, work):
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

    registered = with_database(settings, work)
    print(f"已登记客户端 {registered.client.client_id}（{registered.client.name}）。")
    if registered.secret:
        print(f"客户端密钥（只显示这一次，请妥善保存）：{registered.secret}")
    return 0


def cmd_kiosk_devices_add(settings: Settings, args: argparse.Namespace) -> int:
    async def work() -> kiosks.RegisteredDevice:
        done = await kiosks.register(
            CLI_OPERATOR, station_code=args.station, name=args.name, client_id=args.client_id
        )
        return done.result

    registered = with_database(settings, work)
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
    rows = with_database(settings, partial(kiosks.list_devices, args.station))
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
                CLI_OPERATOR,
                args.client_id,
                reason=args.reason,
                auth=AuthServices.create(settings, cache),
            )
        finally:
            await cache.close()

    with_database(settings, work)
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

    with_database(settings, work)
    callback = f"{settings.issuer}/auth/upstream/{args.slug}/callback"
    print(f"已接入身份提供方 {args.slug}；请在对方平台登记回调地址：{callback}")
    return 0
