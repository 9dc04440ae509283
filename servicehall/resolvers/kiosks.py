"""Registering and revoking kiosk devices (STA-4).

A device is an OAuth machine client (client credentials, scope ``kiosk``) plus a
:class:`~servicehall.models.KioskDevice` row binding it to a station; the provider then
issues its tokens with the kiosk kind and the station (``auth/provider``). Its secret is
shown once at registration and lives only with the kiosk process on the terminal.
Revoking (with a reason) deactivates the client and marks its unexpired tokens revoked at
once. :data:`DEVICE` declares the registration as a process (``servicehall.workflow``):
registering opens it, revoking is its one step, both recorded in the workflow history with
who and why. The API and the ``kiosk-devices`` command call the same services here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tortoise.transactions import in_transaction

from servicehall import db, workflow
from servicehall.auth.accounts import require_admin
from servicehall.auth.principal import Principal
from servicehall.auth.services import AuthServices
from servicehall.errors import IllegalDeviceStep, InvalidInput, NotFound
from servicehall.models import (
    Area,
    AuditEvent,
    ClientKind,
    DeviceStatus,
    KioskDevice,
    OAuthClient,
)
from servicehall.resolvers import clients
from servicehall.resolvers.outcome import Outcome, outcome
from servicehall.resolvers.stations import parse_station_code
from servicehall.workflow import (
    ADMIN,
    OPERATOR,
    Action,
    AnyOf,
    Audit,
    Need,
    Needs,
    Process,
    Stamp,
    State,
)

KIOSK_SCOPE = "kiosk"

D = DeviceStatus
#: Who registers and revokes devices: an administrator, or the operator at the command line.
MANAGER = AnyOf(ADMIN, OPERATOR)
#: A kiosk device's registration (STA-4): registered, then revoked for a reason.
DEVICE = Process(
    name="kiosk_device",
    label="自助终端登记",
    model=KioskDevice,
    state_field="status",
    noun="自助终端",
    field="clientId",
    illegal=IllegalDeviceStep,
    states=(State(D.ACTIVE), State(D.REVOKED, terminal=True)),
    actions=(
        Action(
            "revoke",
            "撤销登记",
            frozenset({D.ACTIVE}),
            D.REVOKED,
            MANAGER,
            Needs(reason=Need("请填写撤销登记的理由", "reason")),
        ),
    ),
)


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
    principal: Principal, *, station_code: str, name: str, client_id: str | None, ip: str = ""
) -> RegisteredDevice:
    """Register a terminal at a station; the client, the device row and the opening step of
    its process in one transaction."""
    code = parse_station_code(station_code, field="stationCode")
    name = " ".join(name.split())
    if not 2 <= len(name) <= 64:
        raise InvalidInput("终端名称应为2到64个字", field="name")
    station = await Area.get_or_none(code=code)
    if station is None:
        raise NotFound(f"办事站“{code}”不存在", field="stationCode")
    actor = await workflow.signed_in(principal, ip=ip)
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
            actor=actor.identity,
        )
        device = await KioskDevice.create(
            client=registered.client, station=station, name=name, registered_by=actor.identity
        )
        role = MANAGER.role(principal, device)
        assert role is not None  # the caller checked who registers
        await workflow.start(DEVICE, device, actor, role=role)
        await AuditEvent.record(
            "kiosk.registered",
            actor=actor.identity,
            target=f"client:{registered.client.client_id}",
            ip=ip,
            station=code,
        )
    assert registered.secret is not None  # machine clients always get one
    return RegisteredDevice(device, registered.secret)


async def revoke_device(
    principal: Principal, client_id: str, *, reason: str, auth: AuthServices, ip: str = ""
) -> KioskDevice:
    """Revoke a device, with the reason: no new tokens, and the ones it holds stop working
    now."""
    device = (
        await KioskDevice.filter(client__client_id=client_id.strip())
        .select_related("client", "station")
        .first()
    )
    if device is None:
        raise NotFound(f"自助终端“{client_id[:64]}”不存在", field="clientId")
    async with in_transaction(db.connection().connection_name):
        await workflow.act(
            DEVICE,
            device,
            "revoke",
            principal,
            reason=reason,
            ip=ip,
            stamp=Stamp("revoked_at"),
            audit=Audit("kiosk.revoked", f"client:{device.client.client_id}"),
        )
        await OAuthClient.filter(id=device.client.id).update(active=False)
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
    principal: Principal,
    *,
    station_code: str,
    name: str,
    client_id: str | None,
    ip: str = "",
) -> Outcome[RegisteredDevice]:
    """An administrator (or the operator) registers a terminal."""
    require_admin(principal)
    return outcome(
        await register_device(
            principal, station_code=station_code, name=name, client_id=client_id, ip=ip
        )
    )


async def revoke(
    principal: Principal, client_id: str, *, reason: str, auth: AuthServices, ip: str = ""
) -> Outcome[KioskDevice]:
    """An administrator (or the operator) revokes a terminal's registration, saying why."""
    require_admin(principal)  # before the lookup: outsiders learn nothing of the devices
    return outcome(await revoke_device(principal, client_id, reason=reason, auth=auth, ip=ip))


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
