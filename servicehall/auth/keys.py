"""Signing key sets, rotated without breaking what they signed (RFC 7517/7518, RFC 9864).

Two purposes share the machinery, each with a key set of its own:

- ``token`` (:data:`TOKENS`, RS256): access and ID tokens. Retired keys stay published
  until every token they signed has expired (``retain`` after retirement).
- ``license`` (:data:`LICENSES`, Ed25519): e-licences (LIC-4). A licence lives for years, so
  a retired licence key stays published until an operator withdraws it
  (``servicehall keys withdraw``); licences it signed are then re-signed with the current key.

Keys live in the database, the private half sealed by :class:`~servicehall.auth.crypto.
SecretBox`, so every replica signs with the same key. The newest unretired key of a purpose
signs. Each process caches the set briefly and reloads at once when something names a
``kid`` it has not seen (a rotation on another replica).
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from joserfc.jwk import KeyParameters, KeySet, OKPKey, RSAKey

from servicehall import clock
from servicehall.auth.crypto import SecretBox
from servicehall.errors import Conflict
from servicehall.models import SigningKey

Key = RSAKey | OKPKey

ALG = "RS256"
#: Seconds a process trusts its cached key set before reading the database again.
RELOAD_AFTER = 60.0


@dataclass(frozen=True, slots=True)
class KeyPurpose:
    name: str
    alg: str
    #: How long a retired key stays published; None: until an operator withdraws it.
    retain: timedelta | None

    def generate(self) -> Key:
        parameters: KeyParameters = {"alg": self.alg, "use": "sig"}
        if self.alg == "Ed25519":
            return OKPKey.generate_key("Ed25519", parameters=parameters)
        return RSAKey.generate_key(2048, parameters=parameters)

    def import_key(self, data: dict[str, Any], kid: str) -> Key:
        parameters: KeyParameters = {"kid": kid, "alg": self.alg, "use": "sig"}
        if self.alg == "Ed25519":
            return OKPKey.import_key(data, parameters=parameters)
        return RSAKey.import_key(data, parameters=parameters)


#: Access and ID tokens: a retired key is published two days more (tokens live minutes).
TOKENS = KeyPurpose("token", ALG, timedelta(days=2))
#: E-licences (RFC 9864's fully specified ``Ed25519``): published until withdrawn.
LICENSES = KeyPurpose("license", "Ed25519", None)
PURPOSES = {p.name: p for p in (TOKENS, LICENSES)}


class KeyInUse(Conflict, ValueError):
    """The key to withdraw is the one signing now: rotate first."""


class KeyStore:
    def __init__(self, box: SecretBox, purpose: KeyPurpose = TOKENS) -> None:
        self._box = box
        self.purpose = purpose
        self._private: dict[str, Key] = {}
        self._signing: str | None = None
        self._loaded_at = 0.0
        self._lock = asyncio.Lock()

    async def ensure(self) -> None:
        """Create the first key if there is none (first start of a new hall)."""
        if not await SigningKey.filter(
            purpose=self.purpose.name, retired_at=None, withdrawn_at=None
        ).exists():
            await self.rotate()

    async def rotate(self) -> str:
        """Start signing with a new key; the previous one stays published (see the purpose)."""
        alg = self.purpose.alg
        key = self.purpose.generate()
        kid = f"{clock.now():%Y%m%d}-{uuid.uuid4().hex[:8]}"
        if self.purpose is not TOKENS:
            kid = f"{self.purpose.name}-{kid}"
        now = clock.now()
        await SigningKey.filter(purpose=self.purpose.name, retired_at=None).update(retired_at=now)
        await SigningKey.create(
            kid=kid,
            purpose=self.purpose.name,
            alg=alg,
            private_jwe=self._box.seal(json.dumps(key.as_dict(private=True))),
            public_jwk={**key.as_dict(private=False), "kid": kid, "alg": alg, "use": "sig"},
            created_at=now,
        )
        self._loaded_at = 0.0
        return kid

    async def withdraw(self, kid: str) -> None:
        """Remove a retired key from the published set at once (a compromised or
        superseded key). The signing key cannot be withdrawn: rotate first.

        Raises:
            LookupError: no published key of this purpose has that id.
            KeyInUse: it is the key signing now.
        """
        key = await SigningKey.get_or_none(kid=kid, purpose=self.purpose.name, withdrawn_at=None)
        if key is None:
            raise LookupError(kid)
        if key.retired_at is None:
            raise KeyInUse(kid)
        await SigningKey.filter(id=key.id).update(withdrawn_at=clock.now())
        self._loaded_at = 0.0

    async def _load(self, *, force: bool = False) -> None:
        if not force and time.monotonic() - self._loaded_at < RELOAD_AFTER and self._private:
            return
        async with self._lock:
            if not force and time.monotonic() - self._loaded_at < RELOAD_AFTER and self._private:
                return
            retain = self.purpose.retain
            cutoff = None if retain is None else clock.now() - retain
            rows = await SigningKey.filter(purpose=self.purpose.name, withdrawn_at=None).order_by(
                "created_at"
            )
            private: dict[str, Key] = {}
            signing = None
            for row in rows:
                if cutoff is not None and row.retired_at is not None and row.retired_at < cutoff:
                    continue
                private[row.kid] = self.purpose.import_key(
                    json.loads(self._box.open(row.private_jwe)), row.kid
                )
                if row.retired_at is None:
                    signing = row.kid
            self._private, self._signing = private, signing
            self._loaded_at = time.monotonic()

    async def signing_key(self) -> Key:
        await self._load()
        if self._signing is None:
            raise LookupError(
                f"no active {self.purpose.name} signing key: run `servicehall migrate` "
                "and start once"
            )
        return self._private[self._signing]

    async def public_keys(self, *, refresh_for: str | None = None) -> KeySet:
        """The published key set; reloads at once if ``refresh_for`` (a kid) is unknown."""
        await self._load()
        if refresh_for is not None and refresh_for not in self._private:
            await self._load(force=True)
        return KeySet(
            [
                self.purpose.import_key(key.as_dict(private=False), kid)
                for kid, key in self._private.items()
            ]
        )

    async def jwks(self) -> dict[str, object]:
        keys = await self.public_keys()
        return dict(keys.as_dict(private=False))
