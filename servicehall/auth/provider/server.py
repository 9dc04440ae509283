"""authlib's authorization server, configured for the hall (RFC 6749, 7636, 7009, 7662,
9068, OpenID Connect Core and RP-Initiated Logout).

authlib's core is synchronous (``bridge.py``: the request read first, storage calls back
into the event loop); the tokens and their revocation and introspection endpoints are
``tokens.py``. Defaults changed from authlib's:

- PKCE is required for every authorization-code request, and only ``S256`` is accepted;
- public clients authenticate with ``none`` only, confidential and machine clients with a
  secret; refresh tokens rotate, reuse revokes the family (see ``store``);
- access tokens are RFC 9068 JWTs for the GraphQL API's audience, short-lived, with ``kid``;
- ID tokens have a string ``aud`` (authlib's RP-initiated logout ignores
  ``post_logout_redirect_uri`` when ``aud`` is a list).
"""

from __future__ import annotations

import uuid
from typing import Any

from authlib.oauth2 import AuthorizationServer
from authlib.oauth2.rfc6749 import grants
from authlib.oauth2.rfc6749.errors import InvalidRequestError
from authlib.oauth2.rfc7636 import CodeChallenge
from authlib.oidc.core import UserInfo
from authlib.oidc.core.grants import OpenIDCode
from joserfc.jwk import KeySet

from servicehall import clock
from servicehall.auth.provider.bridge import HallRequest, wait
from servicehall.auth.provider.models import AuthorizationCode, Client, Identity
from servicehall.auth.provider.store import ProviderStore, RefreshRecord
from servicehall.auth.provider.tokens import AccessTokens, Introspection, Revocation
from servicehall.auth.services import AuthServices


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
