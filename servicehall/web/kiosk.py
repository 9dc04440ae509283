"""``/kiosk`` of the hall (STA-4): the kiosk UI, its status and its GraphQL endpoint.

``/kiosk/graphql`` serves kiosk devices only: the caller must present a kiosk token (a
registered device's client-credentials token, issued with the kiosk kind and its
station), may send nothing but the SHA-256 of one of the kiosk UI's own operations
(``servicehall.kiosk.operations``), and is rate limited per device. Whatever a device
runs, its principal sees public data and what a resident proves, no more; the allow-list
narrows that to what the kiosk UI needs. A browser pointed at ``/kiosk/`` without a
device behind it gets the "本终端未登记" screen: the device's secret never reaches a
browser, the kiosk process (``servicehall kiosk``) holds it and calls this endpoint.
"""

from __future__ import annotations

import logging
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Mount, Route, Router

from servicehall import clock
from servicehall.auth.principal import Principal
from servicehall.cache.base import CacheUnavailable
from servicehall.errors import DeviceNotRegistered, OperationNotAllowed, RateLimited
from servicehall.kiosk.operations import SERVICES, Manifest
from servicehall.kiosk.ui import KioskHeaders, json_response, ui_routes
from servicehall.schema.documents import Prepared
from servicehall.web.graphql import GraphQLEndpoint, RequestError
from servicehall.web.runtime import Runtime

log = logging.getLogger(__name__)

NOT_REGISTERED = "本终端未登记或登记已撤销，请联系办事站工作人员"


def _device(request: Request) -> Principal | None:
    principal = request.scope.get("user")
    return principal if isinstance(principal, Principal) and principal.is_kiosk else None


class KioskGraphQLEndpoint(GraphQLEndpoint):
    """The hall's pipeline, admitting kiosk devices and their allow-listed operations only."""

    def __init__(self, runtime: Runtime, manifest: Manifest) -> None:
        super().__init__(runtime)
        self.manifest = manifest

    async def admit(self, request: Request) -> None:
        device = _device(request)
        if device is None:
            raise RequestError.of(401, DeviceNotRegistered(NOT_REGISTERED))
        minute = int(clock.timestamp() // 60)
        try:
            count = await self.runtime.cache.incr(
                f"kiosk-rate:{device.client_id}:{minute}", ttl=120
            )
        except CacheUnavailable:
            log.warning("kiosk rate limit not applied: cache unavailable")
            return
        if count > self.settings.kiosk_requests_per_device:
            raise RequestError.of(429, RateLimited("本终端操作过于频繁，请稍后再试"))

    async def _persisted(
        self, request: Request, query: str | None, extensions: dict[str, Any] | None
    ) -> tuple[str, Prepared]:
        persisted = (extensions or {}).get("persistedQuery")
        digest = persisted.get("sha256Hash") if isinstance(persisted, dict) else None
        operation = self.manifest.by_hash(digest) if isinstance(digest, str) else None
        if query is not None or operation is None:
            raise RequestError.of(
                403,
                OperationNotAllowed(
                    "自助终端只能按编号（sha256Hash）调用终端界面登记的操作，不接受查询文本"
                ),
            )
        return operation.text, self.documents.get(operation.text)


def kiosk_mount(runtime: Runtime, manifest: Manifest) -> Mount:
    """Everything under ``/kiosk``."""
    endpoint = KioskGraphQLEndpoint(runtime, manifest)
    settings = runtime.settings

    services = {key: {"label": label, "available": True} for key, label in SERVICES.items()}

    async def status(request: Request) -> Response:
        device = _device(request)
        return json_response(
            {
                "station": device.station_code if device else None,
                "device": device.client_id if device else None,
                "registered": device is not None,
                "reason": None if device else NOT_REGISTERED,
                "hall": "up",
                "idleSeconds": settings.kiosk_idle_seconds,
                "services": services,
            }
        )

    routes = [
        Route("/graphql", endpoint, methods=["POST"]),
        Route("/status", status),
        *ui_routes(manifest),
    ]
    return Mount("/kiosk", app=KioskHeaders(Router(routes=routes)))
