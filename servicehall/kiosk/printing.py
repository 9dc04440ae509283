"""``/guide.pdf`` of the kiosk process: the printable guide of an item (issue 21).

The guide and the station come from the same allow-listed public operations the UI runs
(``ItemGuide``, ``StationPage``), through the proxy: while the hall is unreachable, the
guides of pages seen before still print from the offline cache. Nothing personal goes
in. ``kiosk.printable`` draws the PDF.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Any

import anyio.to_thread
import orjson
from starlette.requests import Request
from starlette.responses import Response

from servicehall import clock
from servicehall.errors import InvalidInput, NotFound, ServiceHallError, ServiceUnavailable
from servicehall.kiosk.operations import Manifest
from servicehall.kiosk.printable import guide_pdf
from servicehall.kiosk.proxy import ProxyEndpoint
from servicehall.kiosk.ui import json_response

_ITEM_CODE = re.compile(r"[A-Z]{2,10}-[A-Z]{2}-\d{4,6}")
_STATION_CODE = re.compile(r"\d{9}|\d{12}")


def _problem(status: int, error: ServiceHallError) -> Response:
    return json_response(
        {"errors": [{"message": error.message, "extensions": {"code": error.code.value}}]},
        status,
    )


def guide_url(portal: str, code: str) -> str:
    """Where the guide is online (the QR code): the web front end's page of the item."""
    return f"{portal.rstrip('/')}/items/{code}"


def guide_endpoint(
    proxy: ProxyEndpoint, manifest: Manifest, station: str, portal: str, font: str | None = None
) -> Callable[[Request], Awaitable[Response]]:
    item_guide, station_page = manifest.by_name("ItemGuide"), manifest.by_name("StationPage")
    assert item_guide is not None
    assert station_page is not None

    def answer(response: Response) -> dict[str, Any] | None:
        """The data of a forwarded answer (None when there is none)."""
        if response.status_code != 200:
            return None
        data: dict[str, Any] | None = orjson.loads(bytes(response.body)).get("data")
        return data

    async def guide(request: Request) -> Response:
        code = request.query_params.get("code", "")
        where = request.query_params.get("station") or station
        if not _ITEM_CODE.fullmatch(code):
            return _problem(400, InvalidInput("事项编码格式不正确", field="code"))
        if not _STATION_CODE.fullmatch(where):
            return _problem(400, InvalidInput("办事站编码应为9位或12位数字", field="station"))
        found = await proxy.run(item_guide, {"code": code})
        if found.status_code != 200:  # offline and never seen, unregistered …: as the UI is
            return found
        data = answer(found)
        if data is None or data.get("serviceItem") is None:
            return _problem(404, NotFound("未找到该事项", field="code"))
        # the same variables as the station page's 全部 tab: its answer may be cached
        place = answer(await proxy.run(station_page, {"code": where, "category": None}))
        printed_on = clock.local_today().isoformat()
        try:
            pdf = await anyio.to_thread.run_sync(
                guide_pdf,
                data,
                place["station"] if place else None,
                guide_url(portal, code),
                printed_on,
                font,
            )
        except ServiceUnavailable as missing:  # no CJK font on this terminal
            return _problem(503, missing)
        return Response(
            pdf,
            media_type="application/pdf",
            headers={
                "cache-control": "no-store",
                "content-disposition": f'inline; filename="guide-{code}.pdf"',
                # printed from an iframe of the kiosk page
                "content-security-policy": "frame-ancestors 'self'",
            },
        )

    return guide
