"""Helpers of the kiosk tests: registered devices, their tokens, persisted requests."""

from __future__ import annotations

from typing import Any

import httpx

from servicehall import seams
from servicehall.auth.accounts import CLI_OPERATOR
from servicehall.db import use_database
from servicehall.kiosk import Manifest, load_manifest
from servicehall.resolvers.kiosks import register_device
from servicehall.schema import build_schema
from servicehall.settings import Settings
from tests.auth.flows import basic
from tests.conftest import HallClient, opened

JINGAN = "440403100"
MANIFEST: Manifest = load_manifest(seams.graphql_schema(build_schema(Settings().query_limits)))


async def register(
    where: HallClient | Settings, station: str = JINGAN, name: str = "井岸镇办事站1号自助终端"
) -> tuple[str, str]:
    """A device registered at ``station``: its client id and secret."""
    if isinstance(where, Settings):
        async with opened(where):
            registered = await register_device(
                CLI_OPERATOR, station_code=station, name=name, client_id=None
            )
    else:
        with use_database(where.runtime.db):  # type: ignore[arg-type]
            registered = await register_device(
                CLI_OPERATOR, station_code=station, name=name, client_id=None
            )
    return registered.device.client.client_id, registered.secret


async def device_token(client: httpx.AsyncClient, client_id: str, secret: str) -> str:
    issued = await client.post(
        "/oauth/token",
        data={"grant_type": "client_credentials", "scope": "kiosk"},
        headers=basic(client_id, secret),
    )
    assert issued.status_code == 200, issued.text
    token: str = issued.json()["access_token"]
    return token


def persisted(name: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
    """The body the kiosk UI sends: the operation's hash, never its text."""
    operation = MANIFEST.by_name(name)
    assert operation is not None, name
    return {
        "operationName": name,
        "variables": variables or {},
        "extensions": {"persistedQuery": {"version": 1, "sha256Hash": operation.sha256}},
    }
