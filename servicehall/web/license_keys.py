"""``/.well-known/license-keys.json``: the licence-signing public keys (LIC-4).

A JWK Set (RFC 7517) of the current key and every retired one not yet withdrawn, so a
kiosk or a third party verifies a licence's signature offline with any JOSE library.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse

from servicehall.web.runtime import Runtime

PATH = "/.well-known/license-keys.json"


def license_keys(runtime: Runtime) -> object:
    async def endpoint(request: Request) -> JSONResponse:
        return JSONResponse(
            await runtime.auth.license_keys.jwks(),
            headers={
                "cache-control": "public, max-age=300",
                "access-control-allow-origin": "*",
            },
        )

    return endpoint
