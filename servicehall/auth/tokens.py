"""Validating the bearer access tokens the GraphQL API receives (RFC 6750, RFC 9068).

Only the hall's own JWT access tokens pass: ``typ`` must be ``at+jwt`` (so an ID token,
``typ: JWT``, is refused even though the same keys signed it), ``alg`` RS256 (``none`` and
HMAC algorithms never), a ``kid`` of the published key set, ``iss`` the hall, ``aud`` the
API, ``exp``/``iat`` within 30 s of leeway. A token whose ``jti`` or SSO session was
revoked (logout, "end other sessions", RFC 7009), or whose client was deactivated (a
revoked kiosk device), is refused until it would have expired.
"""

from __future__ import annotations

import time
from typing import Any

from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jws import extract_compact

from servicehall.auth.keys import KeyStore
from servicehall.auth.principal import Principal, PrincipalKind
from servicehall.cache.base import CacheBackend
from servicehall.settings import Settings

LEEWAY = 30
ALGORITHMS = ["RS256"]
_TYPES = {"at+jwt", "application/at+jwt"}


def revoked_client_key(client_id: str) -> str:
    """The cache marker that refuses a deactivated client's unexpired tokens."""
    return f"revoked-client:{client_id}"


class InvalidToken(Exception):
    """The bearer token is not acceptable; ``description`` says why (RFC 6750 §3.1)."""

    def __init__(self, description: str) -> None:
        super().__init__(description)
        self.description = description


class AccessTokenValidator:
    def __init__(self, keys: KeyStore, cache: CacheBackend, settings: Settings) -> None:
        self._keys = keys
        self._cache = cache
        self._issuer = settings.issuer
        self._audience = settings.api_audience

    async def claims(self, token: str) -> dict[str, Any]:
        """The verified claims of an access token, or :class:`InvalidToken`."""
        if len(token) > 8192 or token.count(".") != 2:
            raise InvalidToken("malformed token")
        try:
            header = extract_compact(token.encode()).protected
        except (JoseError, ValueError) as exc:
            raise InvalidToken("malformed token") from exc
        if str(header.get("typ", "")).lower() not in _TYPES:
            raise InvalidToken("not an access token (typ must be at+jwt)")
        if header.get("alg") not in ALGORITHMS:
            raise InvalidToken("unsupported signing algorithm")
        kid = header.get("kid")
        if not isinstance(kid, str):
            raise InvalidToken("the token names no signing key")
        keys = await self._keys.public_keys(refresh_for=kid)
        if not any(key.kid == kid for key in keys.keys):
            raise InvalidToken("signed by an unknown key")
        try:
            claims = dict(jwt.decode(token, keys, algorithms=ALGORITHMS).claims)
        except (JoseError, ValueError) as exc:
            raise InvalidToken("bad signature") from exc
        self._check(claims)
        revoked = await self._cache.get_many(
            [
                f"revoked-jti:{claims['jti']}",
                f"revoked-sid:{claims.get('sid', '')}",
                revoked_client_key(str(claims["client_id"])),
            ]
        )
        if any(value is not None for value in revoked):
            raise InvalidToken("token revoked")
        return claims

    def _check(self, claims: dict[str, Any]) -> None:
        now = time.time()
        if claims.get("iss") != self._issuer:
            raise InvalidToken("wrong issuer")
        audience = claims.get("aud")
        audiences = audience if isinstance(audience, list) else [audience]
        if self._audience not in audiences:
            raise InvalidToken("not issued for this API (aud)")
        exp, iat = claims.get("exp"), claims.get("iat")
        if not isinstance(exp, int) or exp + LEEWAY < now:
            raise InvalidToken("token expired")
        if not isinstance(iat, int) or iat - LEEWAY > now:
            raise InvalidToken("token issued in the future")
        if not claims.get("sub") or not claims.get("jti") or not claims.get("client_id"):
            raise InvalidToken("missing claims")

    async def principal(self, token: str) -> Principal:
        claims = await self.claims(token)
        try:
            kind = PrincipalKind(claims.get("kind", ""))
        except ValueError as exc:
            raise InvalidToken("unknown principal kind") from exc
        if kind is PrincipalKind.ANONYMOUS:
            raise InvalidToken("unknown principal kind")
        station = claims.get("stn")
        if kind is PrincipalKind.KIOSK and not isinstance(station, str):
            raise InvalidToken("a kiosk token names no station")
        return Principal(
            kind=kind,
            subject=str(claims["sub"]),
            client_id=str(claims["client_id"]),
            scopes=frozenset(str(claims.get("scope", "")).split()),
            session_id=claims.get("sid"),
            token_id=str(claims["jti"]),
            enterprise_code=claims.get("ent"),
            department_code=claims.get("dept"),
            roles=frozenset(claims.get("roles", ())),
            station_code=station if kind is PrincipalKind.KIOSK else None,
        )
