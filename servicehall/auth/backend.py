"""The Starlette authentication backend: ``Authorization: Bearer`` → a typed principal.

No header means anonymous; a header with a bad token is refused with 401 and an RFC 6750
``WWW-Authenticate`` challenge rather than served anonymously (a client with a broken or
expired token must learn it at once). Other schemes (``Basic`` client authentication at
the token endpoint) are left to their endpoints.
"""

from __future__ import annotations

import orjson
from starlette.authentication import (
    AuthCredentials,
    AuthenticationBackend,
    AuthenticationError,
)
from starlette.requests import HTTPConnection
from starlette.responses import Response

from servicehall.auth.principal import Principal
from servicehall.auth.tokens import AccessTokenValidator, InvalidToken


class BearerBackend(AuthenticationBackend):
    def __init__(self, validator: AccessTokenValidator) -> None:
        self._validator = validator

    async def authenticate(self, conn: HTTPConnection) -> tuple[AuthCredentials, Principal] | None:
        header = conn.headers.get("authorization")
        if not header:
            return None
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer":
            return None
        try:
            principal = await self._validator.principal(token.strip())
        except InvalidToken as exc:
            raise AuthenticationError(exc.description) from exc
        return AuthCredentials(sorted(principal.scopes)), principal


def on_auth_error(conn: HTTPConnection, exc: Exception) -> Response:
    description = str(exc).replace('"', "'")
    body = {
        "errors": [
            {
                "message": "访问令牌无效或已过期，请重新登录",
                "extensions": {"code": "UNAUTHENTICATED", "reason": description},
            }
        ]
    }
    return Response(
        orjson.dumps(body),
        status_code=401,
        media_type="application/json",
        headers={
            "www-authenticate": f'Bearer error="invalid_token", error_description="{description}"',
            "cache-control": "no-store",
        },
    )
