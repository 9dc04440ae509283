"""What authlib's grants work on: clients, authorization codes, signed-in identities.

Plain objects implementing authlib's mixins (RFC 6749 client, authorization code), built
from database rows or cache entries so that authlib's synchronous core never touches the
database itself.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from authlib.oauth2.rfc6749 import AuthorizationCodeMixin, ClientMixin

from servicehall.auth.crypto import same_digest
from servicehall.models import ClientKind, OAuthClient

#: Scopes of OpenID Connect and of the hall's API.
OIDC_SCOPES = ("openid", "profile", "phone", "email", "enterprise", "offline_access")

_GRANTS = {
    ClientKind.PUBLIC: ("authorization_code", "refresh_token"),
    ClientKind.CONFIDENTIAL: ("authorization_code", "refresh_token"),
    ClientKind.MACHINE: ("client_credentials",),
}


@dataclass(frozen=True)
class Client(ClientMixin):  # type: ignore[misc]
    """A registered OAuth client (RFC 6749 §2), as authlib sees it."""

    client_id: str
    name: str
    kind: ClientKind
    secret_hash: str | None
    first_party: bool
    redirect_uris: tuple[str, ...]
    post_logout_redirect_uris: tuple[str, ...]
    scopes: tuple[str, ...]
    #: The department a machine client belongs to (its tokens carry it).
    department_code: str | None = None
    #: The station of a kiosk device's machine client (its tokens are kiosk tokens).
    station_code: str | None = None

    @classmethod
    def from_model(cls, row: OAuthClient, *, station_code: str | None = None) -> Client:
        return cls(
            client_id=row.client_id,
            name=row.name,
            kind=ClientKind(row.kind),
            secret_hash=row.secret_hash,
            first_party=row.first_party,
            redirect_uris=tuple(row.redirect_uris),
            post_logout_redirect_uris=tuple(row.post_logout_redirect_uris),
            scopes=tuple(row.scopes),
            department_code=row.department.code if row.department else None,
            station_code=station_code,
        )

    def get_client_id(self) -> str:
        return self.client_id

    def get_default_redirect_uri(self) -> str | None:
        return None  # redirect_uri is always required and matched exactly

    def get_allowed_scope(self, scope: str) -> str:
        allowed = set(self.scopes)
        return " ".join(s for s in (scope or "").split() if s in allowed)

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        return redirect_uri in self.redirect_uris

    def check_client_secret(self, client_secret: str) -> bool:
        return self.secret_hash is not None and same_digest(client_secret, self.secret_hash)

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        if self.kind is ClientKind.PUBLIC:
            return method == "none"
        return method in ("client_secret_basic", "client_secret_post")

    def check_response_type(self, response_type: str) -> bool:
        return response_type == "code" and self.kind is not ClientKind.MACHINE

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type in _GRANTS[self.kind]

    @property
    def is_public(self) -> bool:
        return self.kind is ClientKind.PUBLIC


@dataclass
class Identity:
    """A signed-in account as the grants and token generators see it."""

    account_id: int
    subject: str
    kind: str
    display_name: str
    session_id: str
    auth_time: int
    amr: list[str] = field(default_factory=list)
    phone: str | None = None
    email: str = ""
    enterprise_code: str | None = None
    enterprise_name: str | None = None
    department_code: str | None = None
    roles: list[str] = field(default_factory=list)

    def get_user_id(self) -> str:
        return self.subject


@dataclass
class AuthorizationCode(AuthorizationCodeMixin):  # type: ignore[misc]
    """An issued authorization code (kept in the cache by the digest of the code)."""

    client_id: str
    redirect_uri: str
    scope: str
    account_id: int
    session_id: str
    auth_time: int
    amr: list[str]
    nonce: str | None
    code_challenge: str | None
    code_challenge_method: str | None
    #: The refresh-token family issued for this code (replay revokes it).
    family: str = ""

    def get_redirect_uri(self) -> str:
        return self.redirect_uri

    def get_scope(self) -> str:
        return self.scope

    def get_nonce(self) -> str | None:
        return self.nonce

    def get_auth_time(self) -> int:
        return self.auth_time

    def get_acr(self) -> str | None:
        return None

    def get_amr(self) -> list[str]:
        return self.amr

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)
