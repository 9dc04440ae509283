"""The provider's storage, async: clients, identities, codes and refresh-token families.

Authorization codes live in the cache for ``CODE_TTL`` seconds under the digest of the
code and are taken with an atomic get-and-delete, so a code works once. A taken code
leaves a marker naming the refresh-token family issued for it: presenting the code again
(a replay, RFC 6749 §4.1.2) revokes that family.

Refresh tokens rotate (RFC 9700 §4.14.2): using one marks it used in the same statement
that checks it was unused; presenting a used or revoked member revokes the whole family
and is audited as a probable theft.

Revoking a family also refuses the access tokens already issued from it (they carry it in
their ``fam`` claim, F13); revoking a session or one access token likewise. Each of these
revocations lasts until the last token it refuses has expired, the validator's leeway
included (F6), in the cache and in the database (``auth/revocations.py``, F5).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import orjson

from servicehall import clock
from servicehall.auth.crypto import digest
from servicehall.auth.provider.models import AuthorizationCode, Client, Identity
from servicehall.auth.revocations import Revocations
from servicehall.auth.tokens import LEEWAY
from servicehall.cache.base import CacheBackend
from servicehall.models import (
    Account,
    AccountStatus,
    AuditEvent,
    ClientKind,
    KioskDevice,
    OAuthClient,
    RefreshToken,
    RevocationKind,
)
from servicehall.settings import Settings

log = logging.getLogger(__name__)

CODE_TTL = 60
REPLAY_MEMORY = 600


@dataclass(frozen=True, slots=True)
class RefreshRecord:
    family: str
    account_id: int
    client_id: str
    scope: str
    session_id: str
    auth_time: int

    # authlib's TokenMixin, as the refresh grant uses it
    def check_client(self, client: Any) -> bool:
        return bool(client.get_client_id() == self.client_id)

    def get_scope(self) -> str:
        return self.scope


class ProviderStore:
    def __init__(self, cache: CacheBackend, settings: Settings, revocations: Revocations) -> None:
        self._cache = cache
        self._settings = settings
        self._revocations = revocations

    def _last_token_expiry(self) -> float:
        """When an access token issued now stops being accepted, leeway included."""
        return clock.timestamp() + self._settings.access_token_ttl + LEEWAY

    async def client(self, client_id: str | None) -> Client | None:
        if not client_id or len(client_id) > 64:
            return None
        row = (
            await OAuthClient.filter(client_id=client_id, active=True)
            .select_related("department")
            .first()
        )
        if row is None:
            return None
        station = None
        if row.kind is ClientKind.MACHINE:  # a kiosk device's client gets kiosk tokens
            codes = await KioskDevice.filter(client_id=row.id, revoked_at=None).values_list(
                "station__code", flat=True
            )
            station = str(codes[0]) if codes else None
        return Client.from_model(row, station_code=station)

    async def identity(
        self, account_id: int, *, session_id: str, auth_time: int, amr: list[str]
    ) -> Identity | None:
        account = (
            await Account.filter(id=account_id, status=AccountStatus.ACTIVE)
            .select_related("enterprise", "department")
            .first()
        )
        return None if account is None else _identity(account, session_id, auth_time, amr)

    async def identity_by_subject(self, subject: str) -> Identity | None:
        account = (
            await Account.filter(subject=subject, status=AccountStatus.ACTIVE)
            .select_related("enterprise", "department")
            .first()
        )
        return None if account is None else _identity(account, "", 0, [])

    # -- authorization codes -------------------------------------------------------------

    async def save_code(self, code: str, data: AuthorizationCode) -> None:
        await self._cache.set(f"authz-code:{digest(code)}", orjson.dumps(data.as_dict()), CODE_TTL)

    async def take_code(self, code: str, client_id: str, family: str) -> AuthorizationCode | None:
        """The code's data, once. A second presentation revokes what the first issued."""
        key = digest(code)
        raw = await self._cache.pop(f"authz-code:{key}")
        if raw is None:
            replayed = await self._cache.get(f"authz-code-used:{key}")
            if replayed is not None:
                used_family, used_client = replayed.decode().split(" ", 1)
                await self.revoke_family(used_family, reason="authorization code replayed")
                await AuditEvent.record(
                    "token.code_replayed", actor=f"client:{used_client}", outcome="refused"
                )
            return None
        data = AuthorizationCode(**orjson.loads(raw))
        if data.client_id != client_id:
            return None
        data.family = family
        await self._cache.set(
            f"authz-code-used:{key}", f"{family} {client_id}".encode(), REPLAY_MEMORY
        )
        return data

    # -- refresh tokens ------------------------------------------------------------------

    async def save_refresh(self, token: str, record: RefreshRecord) -> None:
        now = clock.now()
        await RefreshToken.create(
            token_hash=digest(token),
            family=record.family,
            account_id=record.account_id,
            client_id=(await OAuthClient.get(client_id=record.client_id)).id,
            scope=record.scope,
            session_id=record.session_id,
            auth_time=record.auth_time,
            issued_at=now,
            expires_at=now + timedelta(seconds=self._settings.refresh_token_ttl),
        )

    async def use_refresh(self, token: str, client_id: str) -> RefreshRecord | None:
        """Mark a refresh token used and return it; None if unknown, expired or reused."""
        if not token or len(token) > 256:
            return None
        key = digest(token)
        now = clock.now()
        row = await RefreshToken.filter(token_hash=key).select_related("client").first()
        if row is None or row.client.client_id != client_id:
            return None
        claimed = await RefreshToken.filter(
            id=row.id, used_at=None, revoked_at=None, expires_at__gt=now
        ).update(used_at=now)
        if claimed != 1:
            if row.used_at is not None or row.revoked_at is not None:
                await self.revoke_family(row.family, reason="refresh token reused")
                await AuditEvent.record(
                    "token.refresh_reused",
                    actor=f"client:{client_id}",
                    target=f"family:{row.family}",
                    outcome="refused",
                )
            return None
        return RefreshRecord(
            family=row.family,
            account_id=row.account_id,  # type: ignore[attr-defined]
            client_id=client_id,
            scope=row.scope,
            session_id=row.session_id,
            auth_time=row.auth_time,
        )

    async def revoke_family(self, family: str, *, reason: str) -> int:
        """Revoke a refresh-token family and the access tokens issued from it (F13)."""
        revoked = await RefreshToken.filter(family=family, revoked_at=None).update(
            revoked_at=clock.now()
        )
        await self._revocations.revoke(RevocationKind.FAMILY, family, self._last_token_expiry())
        if revoked:
            log.warning("revoked refresh-token family %s: %s", family, reason)
        return int(revoked)

    async def revoke_session(self, session_id: str) -> None:
        """End everything issued in an SSO session: refresh tokens now, access tokens by
        revoking the session id for as long as an access token can live."""
        await RefreshToken.filter(session_id=session_id, revoked_at=None).update(
            revoked_at=clock.now()
        )
        await self._revocations.revoke(
            RevocationKind.SESSION, session_id, self._last_token_expiry()
        )

    async def revoke_access_token(self, jti: str, expires_at: int) -> None:
        await self._revocations.revoke(RevocationKind.TOKEN, jti, expires_at + LEEWAY)

    async def revoke_client(self, client_id: str) -> None:
        """Refuse a deactivated client's unexpired tokens (a revoked kiosk device)."""
        await self._revocations.revoke(RevocationKind.CLIENT, client_id, self._last_token_expiry())

    async def refresh_by_token(self, token: str) -> RefreshToken | None:
        return await RefreshToken.filter(token_hash=digest(token)).select_related("client").first()


def _identity(account: Account, session_id: str, auth_time: int, amr: list[str]) -> Identity:
    enterprise, department = account.enterprise, account.department
    return Identity(
        account_id=account.id,
        subject=account.subject,
        kind=str(account.kind.value),
        display_name=account.display_name,
        session_id=session_id,
        auth_time=auth_time,
        amr=amr,
        phone=account.phone,
        email=account.email,
        enterprise_code=enterprise.credit_code if enterprise else None,
        enterprise_name=enterprise.name if enterprise else None,
        department_code=department.code if department else None,
        roles=list(account.roles),
    )
