"""STA-4: the kiosk process between the terminal's browser and the hall. It holds the
device's secret, forwards only the allow-listed operations with the device's token, says
when the terminal is not registered, and keeps public pages working while the hall is
unreachable; nothing it answers may be kept by the browser."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import httpx
import httpx2
from asgi_lifespan import LifespanManager
from starlette.applications import Starlette

from servicehall.app import create_app
from servicehall.demo.accounts import PERSON_ID
from servicehall.kiosk import KioskConfig, create_kiosk_app
from servicehall.models import Case
from servicehall.settings import Settings
from tests.auth.flows import ADMIN, bearer, tokens
from tests.conftest import HallClient, gql, opened
from tests.kiosk.support import JINGAN, MANIFEST, persisted, register

REVOKE = """mutation($c: String!) {
  revokeKioskDevice(input: {clientId: $c, reason: "终端丢失"}) { errors { code } } }"""


class Switch(httpx2.AsyncBaseTransport):
    """The network between the kiosk and the hall, which a test can cut."""

    def __init__(self, inner: httpx2.AsyncBaseTransport) -> None:
        self.inner = inner
        self.down = False

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        if self.down:
            raise httpx2.ConnectError("network unreachable", request=request)
        return await self.inner.handle_async_request(request)


@dataclass
class Kiosk:
    client: httpx.AsyncClient
    network: Switch
    hall: Starlette

    async def call(self, name: str, variables: dict[str, Any] | None = None) -> httpx.Response:
        return await self.client.post("/graphql", json=persisted(name, variables))

    async def status(self) -> dict[str, Any]:
        response = await self.client.get("/status")
        assert response.headers["cache-control"] == "no-store"
        body: dict[str, Any] = response.json()
        return body


@asynccontextmanager
async def kiosk(
    settings: Settings, client_id: str | None, secret: str | None, station: str = JINGAN
) -> AsyncIterator[Kiosk]:
    hall = create_app(settings)
    async with LifespanManager(hall) as hall_manager:
        network = Switch(httpx2.ASGITransport(app=hall_manager.app))
        config = KioskConfig(station, settings.issuer, client_id, secret, idle_seconds=5)
        app = create_kiosk_app(config, MANIFEST, transport=network)
        async with LifespanManager(app) as manager:
            transport = httpx.ASGITransport(app=manager.app)
            async with httpx.AsyncClient(transport=transport, base_url="http://kiosk") as client:
                yield Kiosk(client, network, hall)


async def test_the_kiosk_serves_its_ui_and_forwards_with_the_devices_token(
    kiosk_settings: Settings,
) -> None:
    client_id, secret = await register(kiosk_settings)
    async with kiosk(kiosk_settings, client_id, secret) as terminal:
        status = await terminal.status()
        assert status | {"services": None} == {
            "station": JINGAN,
            "device": client_id,
            "registered": True,
            "reason": None,
            "hall": "up",
            "idleSeconds": 5,
            "services": None,
        }
        assert all(s["available"] is True for s in status["services"].values())
        page = await terminal.client.get("/")
        assert page.status_code == 200 and "斗门区政务服务自助终端" in page.text
        assert "script-src 'self'" in page.headers["content-security-policy"]
        assert page.headers["x-content-type-options"] == "nosniff"
        listing = (await terminal.client.get("/operations.json")).json()
        assert set(listing["operations"]) == {op.name for op in MANIFEST.operations}
        assert secret not in page.text + str(listing) + str(status)  # never to the browser
        answer = await terminal.call("StationPage", {"code": JINGAN, "category": None})
        assert answer.status_code == 200
        assert answer.headers["cache-control"] == "no-store"
        assert answer.json()["data"]["station"]["name"] == "井岸镇办事站"


async def test_anything_but_the_uis_operations_is_refused_before_the_hall(
    kiosk_settings: Settings,
) -> None:
    client_id, secret = await register(kiosk_settings)
    async with kiosk(kiosk_settings, client_id, secret) as terminal:
        terminal.network.down = True  # refused here, without asking the hall
        home = persisted("KioskHome")
        for body in (
            {"query": "{ viewer { account { displayName } } }"},
            home | {"query": "{ towns { code } }"},
            {"extensions": {"persistedQuery": {"version": 1, "sha256Hash": "f" * 64}}},
            home | {"variables": ["not", "an", "object"]},
        ):
            refused = await terminal.client.post("/graphql", json=body)
            assert refused.status_code == 403
            assert refused.json()["errors"][0]["extensions"]["code"] == "OPERATION_NOT_ALLOWED"
        form = await terminal.client.post("/graphql", data={"query": "{ towns { code } }"})
        assert form.status_code == 403
        padded = home | {"variables": {"code": "4" * 70_000}}
        assert (await terminal.client.post("/graphql", json=padded)).status_code == 403


async def test_a_terminal_without_valid_credentials_is_not_registered(
    kiosk_settings: Settings,
) -> None:
    client_id, _ = await register(kiosk_settings)
    elsewhere = await register(kiosk_settings, station="440403101", name="白蕉镇办事站自助终端")
    cases = [
        (None, None, JINGAN, "尚未配置"),
        (client_id, "not-the-secret", JINGAN, "凭据无效"),
        (*elsewhere, JINGAN, "不符"),
    ]
    for cid, key, station, reason in cases:
        async with kiosk(kiosk_settings, cid, key, station) as terminal:
            status = await terminal.status()
            assert status["registered"] is False and reason in status["reason"], status
            refused = await terminal.call("KioskHome")
            assert refused.status_code == 401
            error = refused.json()["errors"][0]
            assert error["extensions"]["code"] == "DEVICE_NOT_REGISTERED"
            assert reason in error["message"]


async def test_a_device_revoked_while_running_is_told_so(kiosk_settings: Settings) -> None:
    client_id, secret = await register(kiosk_settings)
    async with kiosk(kiosk_settings, client_id, secret) as terminal:
        assert (await terminal.call("KioskHome")).status_code == 200
        transport = httpx.ASGITransport(app=terminal.hall)
        async with HallClient(transport=transport, base_url="https://testserver") as hall:
            hall.runtime = terminal.hall.state.runtime
            issued = await tokens(
                hall, kind="staff", identifier=ADMIN.login, password=ADMIN.password
            )
            revoked = await gql(
                hall,
                REVOKE,
                {"c": client_id},
                headers=bearer(issued["access_token"]),
            )
        assert revoked["data"]["revokeKioskDevice"]["errors"] == []
        refused = await terminal.call("KioskHome")
        assert refused.status_code == 401
        assert refused.json()["errors"][0]["extensions"]["code"] == "DEVICE_NOT_REGISTERED"
        assert (await terminal.status())["registered"] is False


async def test_public_pages_seen_before_keep_working_while_the_hall_is_unreachable(
    kiosk_settings: Settings,
) -> None:
    client_id, secret = await register(kiosk_settings)
    async with opened(kiosk_settings):
        case = await Case.filter(applicant_code=PERSON_ID).order_by("id").first()
    assert case is not None
    case_number = case.case_number
    async with kiosk(kiosk_settings, client_id, secret) as terminal:
        home = (await terminal.call("KioskHome")).json()
        station = (await terminal.call("StationPage", {"code": JINGAN, "category": None})).json()
        item = station["data"]["station"]["items"]["edges"][0]["node"]["code"]
        other = station["data"]["station"]["items"]["edges"][1]["node"]["code"]
        guide = (await terminal.call("ItemGuide", {"code": item})).json()
        progress = {"caseNumber": case_number, "applicantName": "陈晓明"}
        assert "errors" not in (await terminal.call("CaseProgress", progress)).json()

        terminal.network.down = True
        for name, variables, seen in (
            ("KioskHome", None, home),
            ("StationPage", {"code": JINGAN, "category": None}, station),
            ("ItemGuide", {"code": item}, guide),
        ):
            cached = await terminal.call(name, variables)
            assert cached.status_code == 200
            assert cached.headers["cache-control"] == "no-store"
            body = cached.json()
            assert body["data"] == seen["data"]
            assert body["extensions"]["kiosk"] == {"offline": True}
        unseen = await terminal.call("ItemGuide", {"code": other})
        assert unseen.status_code == 503
        assert unseen.json()["errors"][0]["extensions"]["service"] == "guides"
        for name, variables, service in (
            ("CaseProgress", progress, "progress"),  # personal answers are never kept
            ("CreateCaptcha", None, "rating"),
        ):
            refused = await terminal.call(name, variables)
            assert refused.status_code == 503
            error = refused.json()["errors"][0]
            assert error["extensions"]["code"] == "SERVICE_UNAVAILABLE"
            assert error["extensions"]["service"] == service
        status = await terminal.status()
        assert status["hall"] == "down"
        assert {k: v["available"] for k, v in status["services"].items()} == {
            "guides": "cached",
            "progress": False,
            "rating": False,
        }

        terminal.network.down = False
        live = (await terminal.call("KioskHome")).json()
        assert "extensions" not in live
        assert (await terminal.status())["hall"] == "up"
