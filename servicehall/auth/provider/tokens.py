"""The tokens of the hall's provider: RFC 9068 access tokens for the GraphQL API (short
lived, with ``kid``) and opaque rotating refresh tokens, revoked (RFC 7009: a refresh token
its family, an access token its ``jti``) and introspected (RFC 7662, confidential and
machine clients only).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from authlib.oauth2.rfc7009 import RevocationEndpoint
from authlib.oauth2.rfc7662 import IntrospectionEndpoint
from authlib.oauth2.rfc9068 import JWTBearerTokenGenerator
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from servicehall import clock
from servicehall.auth.crypto import new_token
from servicehall.auth.provider.bridge import HallRequest, wait
from servicehall.auth.provider.models import Client, Identity
from servicehall.auth.services import AuthServices
from servicehall.auth.tokens import ALGORITHMS
from servicehall.models import AuditEvent, RefreshToken


class AccessTokens(JWTBearerTokenGenerator):  # type: ignore[misc]
    """RFC 9068 access tokens for the GraphQL API, opaque rotating refresh tokens."""

    def __init__(self, services: AuthServices) -> None:
        settings = services.settings
        super().__init__(
            issuer=settings.issuer,
            alg="RS256",
            refresh_token_generator=self._refresh_token,
            expires_generator=lambda client, grant_type: settings.access_token_ttl,
        )
        self.services = services

    @staticmethod
    def _refresh_token(client: Client, grant_type: str, user: Any, scope: str) -> str | None:
        return new_token() if user is not None else None

    def get_jwks(self) -> KeySet:
        return KeySet([wait(self.services.keys.signing_key)])

    def get_audiences(self, client: Client, user: Any, scope: str) -> str:
        return self.services.settings.api_audience

    def get_auth_time(self, user: Identity | None) -> int | None:
        return None if user is None else user.auth_time

    def get_amr(self, user: Identity | None) -> list[str] | None:
        return None if user is None else user.amr

    def get_extra_claims(
        self, client: Client, grant_type: str, user: Identity | None, scope: str
    ) -> dict[str, Any]:
        if user is None and client.station_code:  # a kiosk device at its station (STA-4)
            return {"kind": "kiosk", "stn": client.station_code}
        if user is None:  # a machine client acting for itself
            return {"kind": "machine", "dept": client.department_code}
        claims: dict[str, Any] = {"kind": user.kind, "sid": user.session_id}
        family = getattr(user, "family", "")
        if family:  # revoking the family (code replay, reuse) refuses this token (F13)
            claims["fam"] = family
        if user.enterprise_code:
            claims["ent"] = user.enterprise_code
        if user.department_code:
            claims["dept"] = user.department_code
        if user.roles:
            claims["roles"] = user.roles
        return claims


@dataclass(frozen=True)
class AccessTokenRecord:
    """One of our JWT access tokens, verified, as authlib's endpoints see it."""

    claims: dict[str, Any]
    revoked: bool

    def check_client(self, client: Client) -> bool:
        return bool(self.claims.get("client_id") == client.client_id)

    def is_expired(self) -> bool:
        return bool(self.claims["exp"] <= clock.timestamp())

    def is_revoked(self) -> bool:
        return self.revoked


@dataclass(frozen=True)
class RefreshTokenRecord:
    row: RefreshToken

    def check_client(self, client: Client) -> bool:
        return bool(self.row.client.client_id == client.client_id)

    def is_expired(self) -> bool:
        return self.row.expires_at.timestamp() <= clock.timestamp()

    def is_revoked(self) -> bool:
        return self.row.revoked_at is not None or self.row.used_at is not None


class Revocation(RevocationEndpoint):  # type: ignore[misc]
    """RFC 7009: refresh tokens revoke their family, access tokens their ``jti``."""

    CLIENT_AUTH_METHODS = ["client_secret_basic", "client_secret_post", "none"]  # noqa: RUF012 - authlib class attribute

    def query_token(self, token_string: str, token_type_hint: str | None) -> Any:
        return _lookup_token(self.server.services, token_string, token_type_hint)

    def revoke_token(
        self, token: AccessTokenRecord | RefreshTokenRecord, request: HallRequest
    ) -> None:
        services: AuthServices = self.server.services
        if isinstance(token, AccessTokenRecord):
            jti, exp = token.claims["jti"], token.claims["exp"]
            wait(services.store.revoke_access_token, jti, exp)
            target = f"jti:{jti}"
        else:
            wait(_revoke_family, services, token.row.family)
            target = f"family:{token.row.family}"
        wait(_audit, "token.revoked", f"client:{request.client.client_id}", target)


async def _revoke_family(services: AuthServices, family: str) -> None:
    await services.store.revoke_family(family, reason="revoked by client (RFC 7009)")


async def _audit(action: str, actor: str, target: str) -> None:
    await AuditEvent.record(action, actor=actor, target=target)


def _lookup_token(
    services: AuthServices, token: str, hint: str | None
) -> AccessTokenRecord | RefreshTokenRecord | None:
    """One of our refresh tokens or verified access tokens, or None."""
    if hint != "refresh_token" and token.count(".") == 2:
        keys: KeySet = wait(services.keys.public_keys)
        try:
            decoded = jwt.decode(token, keys, algorithms=ALGORITHMS)
        except (JoseError, ValueError):
            return None
        claims = dict(decoded.claims)
        if decoded.header.get("typ") != "at+jwt" or claims.get("iss") != services.settings.issuer:
            return None
        revoked = wait(services.revocations.is_revoked, claims)
        return AccessTokenRecord(claims, revoked)
    row = wait(services.store.refresh_by_token, token)
    return None if row is None else RefreshTokenRecord(row)


class Introspection(IntrospectionEndpoint):  # type: ignore[misc]
    """RFC 7662 for resource servers: only confidential and machine clients may ask."""

    CLIENT_AUTH_METHODS = ["client_secret_basic", "client_secret_post"]  # noqa: RUF012 - authlib class attribute

    def query_token(self, token_string: str, token_type_hint: str | None) -> Any:
        return _lookup_token(self.server.services, token_string, token_type_hint)

    def check_permission(
        self, token: AccessTokenRecord | RefreshTokenRecord, client: Client, request: HallRequest
    ) -> bool:
        return not client.is_public

    def introspect_token(self, token: AccessTokenRecord | RefreshTokenRecord) -> dict[str, Any]:
        """Only called for tokens that are neither expired nor revoked (authlib checks)."""
        services: AuthServices = self.server.services
        if isinstance(token, AccessTokenRecord):
            fields = ("sub", "aud", "iss", "exp", "iat", "scope", "client_id", "jti")
            return {"active": True, "token_type": "Bearer"} | {
                k: token.claims[k] for k in fields if k in token.claims
            }
        row = token.row
        return {
            "active": True,
            "token_type": "refresh_token",
            "client_id": row.client.client_id,
            "scope": row.scope,
            "exp": int(row.expires_at.timestamp()),
            "iss": services.settings.issuer,
        }
