"""Registering and revoking kiosk devices (STA-4).

A device is an OAuth machine client (client credentials, scope ``kiosk``) plus a
:class:`~servicehall.models.KioskDevice` row binding it to a station; the provider then
issues its tokens with the kiosk kind and the station (``auth/provider``). Its secret is
shown once at registration and lives only with the kiosk process on the terminal.
Revoking deactivates the client and marks its unexpired tokens revoked at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tortoise.transactions import in_transaction

from servicehall import clock, db
from servicehall.auth.accounts import require_admin
from servicehall.auth.principal import Principal
from servicehall.auth.services import AuthServices
from servicehall.errors import Conflict, InvalidInput, NotFound
from servicehall.models import Area, AuditEvent, ClientKind, KioskDevice, OAuthClient
from servicehall.resolvers import clients
from servicehall.resolvers.outcome import Outcome, outcome
from servicehall.resolvers.stations import parse_station_code

KIOSK_SCOPE = "kiosk"


@dataclass(frozen=True, slots=True)
class RegisteredDevice:
    device: KioskDevice
    #: Shown once: only its digest is stored.
    secret: str


async def _free_client_id(station: str) -> str:
    taken: set[str] = {
        str(client_id)
        for client_id in await OAuthClient.filter(
            client_id__startswith=f"kiosk-{station}-"
        ).values_list("client_id", flat=True)
    }
    n = 1
    while f"kiosk-{station}-{n:02d}" in taken:
        n += 1
    return f"kiosk-{station}-{n:02d}"


async def register_device(
    *, station_code: str, name: str, client_id: str | None, actor: str
) -> RegisteredDevice:
    """Register a terminal at a station; the client and the device row in one transaction."""
    code = parse_station_code(station_code, field="stationCode")
    name = " ".join(name.split())
    if not 2 <= len(name) <= 64:
        raise InvalidInput("终端名称应为2到64个字", field="name")
    station = await Area.get_or_none(code=code)
    if station is None:
        raise NotFound(f"办事站“{code}”不存在", field="stationCode")
    async with in_transaction(db.connection().connection_name):
        registered = await clients.register_client(
            client_id=client_id or await _free_client_id(code),
            name=name,
            kind=ClientKind.MACHINE,
            redirect_uris=[],
            post_logout_redirect_uris=[],
            scopes=[KIOSK_SCOPE],
            first_party=False,
            department=None,
            actor=actor,
        )
        device = await KioskDevice.create(
            client=registered.client, station=station, name=name, registered_by=actor
        )
        await AuditEvent.record(
            "kiosk.registered",
            actor=actor,
            target=f"client:{registered.client.client_id}",
            station=code,
        )
    assert registered.secret is not None  # machine clients always get one
    return RegisteredDevice(device, registered.secret)


async def revoke_device(client_id: str, *, actor: str, auth: AuthServices) -> KioskDevice:
    """Revoke a device: no new tokens, and the ones it holds stop working now."""
    device = (
        await KioskDevice.filter(client__client_id=client_id.strip())
        .select_related("client", "station")
        .first()
    )
    if device is None:
        raise NotFound(f"自助终端“{client_id[:64]}”不存在", field="clientId")
    if device.revoked_at is not None:
        raise Conflict("该终端已撤销登记", field="clientId")
    now = clock.now()
    async with in_transaction(db.connection().connection_name):
        await KioskDevice.filter(id=device.id).update(revoked_at=now)
        await OAuthClient.filter(id=device.client.id).update(active=False)
        await AuditEvent.record("kiosk.revoked", actor=actor, target=f"client:{client_id}")
    device.revoked_at = now
    # Recorded in the database too: with the cache down its tokens are still refused.
    await auth.store.revoke_client(device.client.client_id)
    return device


def device_row(device: KioskDevice) -> dict[str, Any]:
    """A device (loaded with its client and station) as :func:`list_devices` rows it."""
    return {
        "station_code": device.station.code,
        "client_id": device.client.client_id,
        "name": device.name,
        "registered_by": device.registered_by,
        "created_at": db.as_datetime(device.created_at),
        "revoked_at": db.as_datetime(device.revoked_at),
    }


async def register(
    principal: Principal, *, station_code: str, name: str, client_id: str | None
) -> Outcome[RegisteredDevice]:
    """An administrator (or the operator) registers a terminal."""
    actor = require_admin(principal).identity
    return outcome(
        await register_device(
            station_code=station_code, name=name, client_id=client_id, actor=actor
        )
    )


async def revoke(
    principal: Principal, client_id: str, *, auth: AuthServices
) -> Outcome[KioskDevice]:
    """An administrator (or the operator) revokes a terminal's registration."""
    actor = require_admin(principal).identity
    return outcome(await revoke_device(client_id, actor=actor, auth=auth))


async def list_devices(station_code: str | None) -> list[dict[str, Any]]:
    query = KioskDevice.all()
    if station_code:
        query = query.filter(station__code=parse_station_code(station_code, field="stationCode"))
    rows = await query.order_by("station__code", "id").values(
        "id",
        "name",
        "registered_by",
        "created_at",
        "revoked_at",
        client_id="client__client_id",
        station_code="station__code",
    )
    for row in rows:
        row["created_at"] = db.as_datetime(row["created_at"])
        row["revoked_at"] = db.as_datetime(row["revoked_at"])
    return rows
