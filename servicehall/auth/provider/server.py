"""authlib's authorization server, configured for the hall (RFC 6749, 7636, 7009, 7662,
9068, OpenID Connect Core and RP-Initiated Logout).

authlib's core is synchronous: the routes run it in a worker thread
(``anyio.to_thread``), and its storage hooks call back into the event loop with
``anyio.from_thread.run`` (the request's database context travels with them). Defaults
changed from authlib's:

- PKCE is required for every authorization-code request, and only ``S256`` is accepted;
- public clients authenticate with ``none`` only, confidential and machine clients with a
  secret; refresh tokens rotate, reuse revokes the family (see ``store``);
- access tokens are RFC 9068 JWTs for the GraphQL API's audience, short-lived, with ``kid``;
- ID tokens have a string ``aud`` (authlib's RP-initiated logout ignores
  ``post_logout_redirect_uri`` when ``aud`` is a list).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Coroutine, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import anyio.from_thread
from authlib.oauth2 import AuthorizationServer, OAuth2Request
from authlib.oauth2.rfc6749 import grants
from authlib.oauth2.rfc6749.errors import InvalidRequestError
from authlib.oauth2.rfc6749.requests import OAuth2Payload
from authlib.oauth2.rfc7009 import RevocationEndpoint
from authlib.oauth2.rfc7636 import CodeChallenge
from authlib.oauth2.rfc7662 import IntrospectionEndpoint
from authlib.oauth2.rfc9068 import JWTBearerTokenGenerator
from authlib.oidc.core import UserInfo
from authlib.oidc.core.grants import OpenIDCode
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from servicehall import clock
from servicehall.auth.crypto import new_token
from servicehall.auth.provider.models import AuthorizationCode, Client, Identity
from servicehall.auth.provider.store import ProviderStore, RefreshRecord
from servicehall.auth.services import AuthServices
from servicehall.models import AuditEvent, RefreshToken

T = TypeVar("T")
ALGORITHMS = ["RS256"]


def wait(fn: Callable[..., Coroutine[Any, Any, T]], *args: Any) -> T:
    """Run an async storage call from authlib's worker thread."""
    return anyio.from_thread.run(fn, *args)


class _Payload(OAuth2Payload):  # type: ignore[misc]
    def __init__(self, values: Mapping[str, Sequence[str]]) -> None:
        self._datalist = {key: list(items) for key, items in values.items()}
        self._data = {key: items[0] for key, items in self._datalist.items() if items}

    @property
    def data(self) -> dict[str, str]:
        return self._data

    @property
    def datalist(self) -> dict[str, list[str]]:
        return self._datalist


class HallRequest(OAuth2Request):  # type: ignore[misc]
    """An OAuth request read from Starlette before authlib sees it (authlib is sync)."""

    def __init__(
        self,
        method: str,
        uri: str,
        headers: Mapping[str, str],
        query: Mapping[str, Sequence[str]],
        form: Mapping[str, Sequence[str]],
    ) -> None:
        super().__init__(method=method, uri=uri, headers=headers)  # case-insensitive
        self._query = {k: v[0] for k, v in query.items() if v}
        self._form = {k: v[0] for k, v in form.items() if v}
        merged: dict[str, list[str]] = {k: list(v) for k, v in query.items()}
        for key, values in form.items():
            merged.setdefault(key, []).extend(values)
        self.payload = _Payload(merged)

    @property
    def args(self) -> dict[str, str]:
        return self._query

    @property
    def form(self) -> dict[str, str]:
        return self._form


class StrictCodeChallenge(CodeChallenge):  # type: ignore[misc]
    """PKCE required on every authorization request, ``S256`` only (RFC 9700 §2.1.1)."""

    SUPPORTED_CODE_CHALLENGE_METHOD = ["S256"]  # noqa: RUF012 - authlib class attribute
    DEFAULT_CODE_CHALLENGE_METHOD = "S256"

    def validate_code_challenge(self, grant: Any, redirect_uri: str) -> None:
        data = grant.request.payload.data
        if not data.get("code_challenge"):
            raise InvalidRequestError("'code_challenge' is required (PKCE, S256)")
        if data.get("code_challenge_method") != "S256":
            raise InvalidRequestError("'code_challenge_method' must be S256")
        super().validate_code_challenge(grant, redirect_uri)


class CodeGrant(grants.AuthorizationCodeGrant):  # type: ignore[misc]
    TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic", "client_secret_post", "none"]  # noqa: RUF012 - authlib class attribute

    def save_authorization_code(self, code: str, request: HallRequest) -> None:
        user: Identity = request.user
        data = request.payload.data
        record = AuthorizationCode(
            client_id=request.client.client_id,
            redirect_uri=data["redirect_uri"],
            scope=request.scope or "",
            account_id=user.account_id,
            session_id=user.session_id,
            auth_time=user.auth_time,
            amr=user.amr,
            nonce=data.get("nonce"),
            code_challenge=data.get("code_challenge"),
            code_challenge_method=data.get("code_challenge_method"),
        )
        wait(self.server.services.store.save_code, code, record)

    def query_authorization_code(self, code: str, client: Client) -> AuthorizationCode | None:
        if not code or len(code) > 128:
            return None
        family = uuid.uuid4().hex
        store: ProviderStore = self.server.services.store
        return wait(store.take_code, code, client.client_id, family)

    def delete_authorization_code(self, authorization_code: AuthorizationCode) -> None:
        """Already gone: ``take_code`` removed it atomically."""

    def authenticate_user(self, authorization_code: AuthorizationCode) -> Identity | None:
        identity: Identity | None = wait(
            _identity,
            self.server.services,
            authorization_code.account_id,
            authorization_code.session_id,
            authorization_code.auth_time,
            authorization_code.amr,
        )
        if identity is not None:
            identity.family = authorization_code.family  # type: ignore[attr-defined]
        return identity


async def _identity(
    services: AuthServices, account_id: int, session_id: str, auth_time: int, amr: list[str]
) -> Identity | None:
    return await services.store.identity(
        account_id, session_id=session_id, auth_time=auth_time, amr=amr
    )


class RefreshGrant(grants.RefreshTokenGrant):  # type: ignore[misc]
    TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic", "client_secret_post", "none"]  # noqa: RUF012 - authlib class attribute
    INCLUDE_NEW_REFRESH_TOKEN = True

    def authenticate_refresh_token(self, refresh_token: str) -> RefreshRecord | None:
        client: Client = self.request.client
        store: ProviderStore = self.server.services.store
        return wait(store.use_refresh, refresh_token, client.client_id)

    def authenticate_user(self, refresh_token: RefreshRecord) -> Identity | None:
        identity: Identity | None = wait(
            _identity,
            self.server.services,
            refresh_token.account_id,
            refresh_token.session_id,
            refresh_token.auth_time,
            ["pwd"],
        )
        if identity is not None:
            identity.family = refresh_token.family  # type: ignore[attr-defined]
        return identity

    def revoke_old_credential(self, refresh_token: RefreshRecord) -> None:
        """Already marked used by ``use_refresh``, atomically."""


class MachineGrant(grants.ClientCredentialsGrant):  # type: ignore[misc]
    TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic", "client_secret_post"]  # noqa: RUF012 - authlib class attribute


def user_info(user: Identity, scope: str) -> UserInfo:
    scopes = set(scope.split())
    info = UserInfo(sub=user.subject)
    if "profile" in scopes:
        info["name"] = user.display_name
        info["account_kind"] = user.kind
    if "phone" in scopes and user.phone:
        info["phone_number"] = user.phone
    if "email" in scopes and user.email:
        info["email"] = user.email
    if "enterprise" in scopes and user.enterprise_code:
        info["enterprise"] = {"credit_code": user.enterprise_code, "name": user.enterprise_name}
    return info


class HallOpenIDCode(OpenIDCode):  # type: ignore[misc]
    def __init__(self, services: AuthServices) -> None:
        super().__init__(require_nonce=False)
        self.services = services

    def resolve_client_private_key(self, client: Client) -> KeySet:
        return KeySet([wait(self.services.keys.signing_key)])

    def get_client_algorithm(self, client: Client) -> str:
        return "RS256"

    def get_encode_header(self, client: Client) -> dict[str, str]:
        return {"alg": "RS256", "kid": str(wait(self.services.keys.signing_key).kid)}

    def get_client_claims(self, client: Client) -> dict[str, Any]:
        return {
            "iss": self.services.settings.issuer,
            "aud": client.client_id,
            "exp": int(clock.timestamp()) + self.services.settings.access_token_ttl,
        }

    def exists_nonce(self, nonce: str, request: HallRequest) -> bool:
        return False

    def generate_user_info(self, user: Identity, scope: str) -> UserInfo:
        info = user_info(user, scope)
        info["sid"] = user.session_id
        return info


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


class HallAuthorizationServer(AuthorizationServer):  # type: ignore[misc]
    def __init__(self, services: AuthServices) -> None:
        super().__init__(scopes_supported=None)
        self.services = services
        self.register_token_generator("default", AccessTokens(services))
        self.register_grant(
            CodeGrant, [StrictCodeChallenge(required=True), HallOpenIDCode(services)]
        )
        self.register_grant(RefreshGrant)
        self.register_grant(MachineGrant)
        self.register_endpoint(Revocation(server=self))
        self.register_endpoint(Introspection(server=self))

    def query_client(self, client_id: str) -> Client | None:
        return wait(self.services.store.client, client_id)

    def save_token(self, token: dict[str, Any], request: HallRequest) -> None:
        refresh = token.get("refresh_token")
        user: Identity | None = request.user
        if not refresh or user is None:
            return
        record = RefreshRecord(
            family=getattr(user, "family", "") or uuid.uuid4().hex,
            account_id=user.account_id,
            client_id=request.client.client_id,
            scope=token.get("scope", ""),
            session_id=user.session_id,
            auth_time=user.auth_time,
        )
        wait(self.services.store.save_refresh, refresh, record)

    def create_oauth2_request(self, request: HallRequest) -> HallRequest:
        return request

    def create_json_request(self, request: HallRequest) -> HallRequest:
        return request

    def handle_response(
        self, status: int, body: Any, headers: list[tuple[str, str]]
    ) -> tuple[int, Any, list[tuple[str, str]]]:
        return status, body, headers

    def send_signal(self, name: str, *args: Any, **kwargs: Any) -> None:
        """authlib announces events here; the hall audits where they happen instead."""
