"""Validating the bearer access tokens the GraphQL API receives (RFC 6750, RFC 9068).

Only the hall's own JWT access tokens pass: ``typ`` must be ``at+jwt`` (so an ID token,
``typ: JWT``, is refused even though the same keys signed it), ``alg`` RS256 (``none`` and
HMAC algorithms never), a ``kid`` of the published key set, ``iss`` the hall, ``aud`` the
API, ``exp``/``iat`` within 30 s of leeway. A token whose ``jti``, SSO session (``sid``)
or refresh-token family (``fam``: code replay, refresh-token reuse, RFC 7009 revocation of
the refresh token) was revoked, or whose client was deactivated (a revoked kiosk device),
is refused until it would have expired, leeway included (F6, F13). Revocations are checked
in the cache and, while it is unavailable or forgot them, in the database
(``revocations.py``, F5).
"""

from __future__ import annotations

from typing import Any

from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jws import extract_compact

from servicehall import clock
from servicehall.auth.keys import KeyStore
from servicehall.auth.principal import Principal, PrincipalKind
from servicehall.auth.revocations import Revocations
from servicehall.errors import Unauthenticated
from servicehall.settings import Settings

#: Seconds a token is accepted past ``exp``: every revocation lasts this much longer.
LEEWAY = 30
ALGORITHMS = ["RS256"]
_TYPES = {"at+jwt", "application/at+jwt"}


class InvalidToken(Unauthenticated):
    """The bearer token is not acceptable; ``description`` says why (RFC 6750 §3.1)."""

    def __init__(self, description: str) -> None:
        super().__init__(description)
        self.description = description


class AccessTokenValidator:
    def __init__(self, keys: KeyStore, revocations: Revocations, settings: Settings) -> None:
        self._keys = keys
        self._revocations = revocations
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
        if await self._revocations.is_revoked(claims):
            raise InvalidToken("token revoked")
        return claims

    def _check(self, claims: dict[str, Any]) -> None:
        now = clock.timestamp()
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
        if kind in (PrincipalKind.ANONYMOUS, PrincipalKind.OPERATOR):
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
