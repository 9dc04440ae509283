"""The kiosk process (``servicehall kiosk``): one station's self-service terminal (STA-4).

It runs next to the terminal's browser and is all the browser talks to: it serves the UI
(static files), ``status`` (is the device registered, is the hall reachable, the idle
timeout), ``guide.pdf`` (a printable guide, ``kiosk.printing``) and ``graphql`` (the
allow-listed operations, forwarded with the device's token, see ``kiosk.proxy``). The
device's secret stays in this process.

The hall is reached over HTTP(S) at ``hall_url``, or in process (``transport``, an ASGI
transport to a hall app whose lifespan this app then runs).
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from typing import Any

import httpx2
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from servicehall.kiosk.device import DeviceSession, DeviceUnregistered, HallUnreachable
from servicehall.kiosk.operations import SERVICES, Manifest
from servicehall.kiosk.printing import guide_endpoint
from servicehall.kiosk.proxy import HallState, OfflineCache, ProxyEndpoint
from servicehall.kiosk.ui import KioskHeaders, json_response, ui_routes


@dataclass(frozen=True, slots=True)
class KioskConfig:
    """What one kiosk process serves and how it reaches the hall."""

    #: The station this terminal stands at (its device must be registered there).
    station: str
    #: Base URL of the hall (``https://zwfw.doumen.gov.cn``).
    hall_url: str
    client_id: str | None
    client_secret: str | None
    idle_seconds: int = 90
    #: Seconds to wait for the hall before calling it unreachable.
    timeout: float = 8.0
    #: Public answers kept for when the hall is unreachable.
    offline_entries: int = 2000
    #: The web front end, for the QR code of a printed guide (default: ``hall_url``).
    portal_url: str | None = None
    #: The CJK TrueType file of printed guides (default: the machine's WenQuanYi).
    pdf_font: str | None = None


def create_kiosk_app(
    config: KioskConfig,
    manifest: Manifest,
    *,
    transport: httpx2.AsyncBaseTransport | None = None,
    hall_lifespan: Callable[[], AbstractAsyncContextManager[Any]] | None = None,
) -> Starlette:
    """The kiosk process's app. ``hall_lifespan`` runs around it (an in-process hall)."""
    http = httpx2.AsyncClient(
        base_url=config.hall_url.rstrip("/"),
        transport=transport,
        timeout=httpx2.Timeout(config.timeout, connect=min(config.timeout, 3.0)),
        follow_redirects=False,
    )
    session = DeviceSession(http, config.client_id, config.client_secret, config.station)
    hall = HallState()
    proxy = ProxyEndpoint(manifest, session, http, OfflineCache(config.offline_entries), hall)

    async def probe() -> bool:
        try:
            response = await http.get("/healthz", timeout=min(config.timeout, 3.0))
        except httpx2.HTTPError:
            return False
        return response.status_code == 200

    async def status(request: Request) -> Response:
        registered: bool | None
        reason = None
        try:
            await session.token()
            registered = True
        except DeviceUnregistered as refusal:
            registered, reason = False, refusal.reason
        except HallUnreachable:
            registered = None  # unknown until the hall answers
        reachable = registered is not None and await probe()
        hall.seen(reachable)
        cached: bool | str = True if reachable else "cached"  # seen pages keep working
        return json_response(
            {
                "station": config.station,
                "device": session.client_id,
                "registered": registered,
                "reason": reason,
                "hall": "up" if reachable else "down",
                "idleSeconds": config.idle_seconds,
                "services": {
                    key: {"label": label, "available": cached if key == "guides" else reachable}
                    for key, label in SERVICES.items()
                },
            }
        )

    async def healthz(request: Request) -> Response:
        return PlainTextResponse("ok")

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        async with contextlib.AsyncExitStack() as stack:
            if hall_lifespan is not None:
                await stack.enter_async_context(hall_lifespan())
            stack.push_async_callback(http.aclose)
            yield

    return Starlette(
        routes=[
            Route("/graphql", proxy.handle, methods=["POST"]),
            Route("/status", status),
            Route("/healthz", healthz),
            Route(
                "/guide.pdf",
                guide_endpoint(
                    proxy,
                    manifest,
                    config.station,
                    config.portal_url or config.hall_url,
                    config.pdf_font,
                ),
            ),
            *ui_routes(manifest),
        ],
        middleware=[Middleware(KioskHeaders)],
        lifespan=lifespan,
    )
