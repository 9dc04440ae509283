"""``servicehall items export|import``: the item registry as JSON Lines (ITEM-4)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from servicehall import db
from servicehall.auth.principal import Principal, PrincipalKind
from servicehall.cache.factory import create_backend
from servicehall.cli.common import changes_announcer, with_database
from servicehall.errors import ServiceHallError
from servicehall.models import Account, AccountKind
from servicehall.resolvers import item_requests, item_transfer
from servicehall.resolvers.outcome import settle
from servicehall.settings import Settings


def cmd_items_export(settings: Settings, args: argparse.Namespace) -> int:
    """Write the whole registry, every item with its versions, one JSON line per item."""

    async def work() -> list[str]:
        await db.require_migrated()
        return [line async for line in item_transfer.export_lines()]

    lines = with_database(settings, work)
    text = "".join(line + "\n" for line in lines)
    if args.output:
        Path(args.output).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    print(f"已导出{len(lines)}个事项。", file=sys.stderr)
    return 0


async def _editor(username: str) -> Principal:
    account = await Account.get_or_none(username=username, kind=AccountKind.STAFF)
    if account is None:
        raise SystemExit(f"没有工作人员账号“{username}”")
    await account.fetch_related("department")
    return Principal(
        PrincipalKind.STAFF,
        subject=account.subject,
        department_code=account.department.code if account.department else None,
        roles=frozenset(account.roles),
    )


def cmd_items_import(settings: Settings, args: argparse.Namespace) -> int:
    """Submit a department's bulk change (JSON Lines) as one request, in the name of the
    department's item editor ``--editor``; it then walks the six steps like any other."""

    try:
        entries = item_transfer.read_lines(Path(args.file).read_text(encoding="utf-8").splitlines())
    except (OSError, UnicodeDecodeError) as error:
        print(f"无法读取文件：{error}", file=sys.stderr)
        return 2
    except ServiceHallError as error:
        print(f"未提交：{error.message}", file=sys.stderr)
        return 1

    async def work() -> int:
        await db.require_migrated()
        try:
            done = await item_requests.submit(
                await _editor(args.editor),
                entries,
                basis=args.basis,
                reason=args.reason,
                skip_unchanged=True,
            )
        except ServiceHallError as error:
            print(f"未提交：{error.message}", file=sys.stderr)
            return 1
        cache = create_backend(settings)
        try:
            request = await settle(changes_announcer(settings, cache), done)
        finally:
            await cache.close()
        count = await item_requests.entry_count(request.id)
        print(f"已提交事项申请 {request.id}（{request.kind.label}，{count}个事项），待初审。")
        return 0

    return with_database(settings, work)
