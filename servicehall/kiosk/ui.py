"""Serving the kiosk UI: static files (no build step), ``operations.json``, and the headers
every kiosk response carries.

The UI is plain HTML, CSS and JavaScript modules under ``static/``; the same files are
served by the kiosk process (``servicehall kiosk``) and under ``/kiosk`` of the hall.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from servicehall.kiosk.operations import Manifest

STATIC_DIR = Path(__file__).parent / "static"

#: The UI loads only its own files and talks only to its own origin; the captcha is a
#: data: image. Personal answers carry ``no-store`` (set by the GraphQL endpoints), the
#: UI files ``no-cache`` (revalidated, so an update reaches every terminal).
SECURITY_HEADERS = (
    (
        b"content-security-policy",
        b"default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        b"connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; "
        b"form-action 'none'",
    ),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
)


class KioskHeaders:
    """Adds :data:`SECURITY_HEADERS`, and ``no-cache`` where a response set no policy."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                names = {name.lower() for name, _ in headers}
                headers += [h for h in SECURITY_HEADERS if h[0] not in names]
                if b"cache-control" not in names:
                    headers.append((b"cache-control", b"no-cache"))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


def json_response(data: Any, status: int = 200) -> Response:
    """A JSON answer that no cache keeps."""
    return Response(
        orjson.dumps(data),
        status,
        media_type="application/json",
        headers={"cache-control": "no-store"},
    )


def ui_routes(manifest: Manifest) -> list[BaseRoute]:
    """``operations.json`` and the static files (``/`` serves ``index.html``)."""
    listing = manifest.as_json()

    async def operations(request: Request) -> Response:
        return json_response(listing)

    return [
        Route("/operations.json", operations),
        Mount("/", app=StaticFiles(directory=STATIC_DIR, html=True)),
    ]
