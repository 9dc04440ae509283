"""The token-signing key set (RS256, RFC 7517/7518), rotated without breaking tokens.

Keys live in the database, the private half sealed by :class:`~servicehall.auth.crypto.
SecretBox`, so every replica signs with the same key. The newest unretired key signs;
retired keys stay in the published JWKS until every token they signed has expired
(``RETAIN`` after retirement). Each process caches the set briefly and reloads at once when
a token names a ``kid`` it has not seen (a rotation on another replica).
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from datetime import UTC, datetime, timedelta

from joserfc.jwk import KeySet, RSAKey

from servicehall.auth.crypto import SecretBox
from servicehall.models import SigningKey

ALG = "RS256"
#: How long a retired key stays published: longer than any token it signed lives.
RETAIN = timedelta(days=2)
#: Seconds a process trusts its cached key set before reading the database again.
RELOAD_AFTER = 60.0


class KeyStore:
    def __init__(self, box: SecretBox) -> None:
        self._box = box
        self._private: dict[str, RSAKey] = {}
        self._signing: str | None = None
        self._loaded_at = 0.0
        self._lock = asyncio.Lock()

    async def ensure(self) -> None:
        """Create the first key if there is none (first start of a new hall)."""
        if not await SigningKey.filter(retired_at=None).exists():
            await self.rotate()

    async def rotate(self) -> str:
        """Start signing with a new key; the previous one stays published for ``RETAIN``."""
        key = RSAKey.generate_key(2048, parameters={"alg": ALG, "use": "sig"})
        kid = f"{datetime.now(UTC):%Y%m%d}-{uuid.uuid4().hex[:8]}"
        now = datetime.now(UTC)
        await SigningKey.filter(retired_at=None).update(retired_at=now)
        await SigningKey.create(
            kid=kid,
            alg=ALG,
            private_jwe=self._box.seal(json.dumps(key.as_dict(private=True))),
            public_jwk={**key.as_dict(private=False), "kid": kid, "alg": ALG, "use": "sig"},
            created_at=now,
        )
        self._loaded_at = 0.0
        return kid

    async def _load(self, *, force: bool = False) -> None:
        if not force and time.monotonic() - self._loaded_at < RELOAD_AFTER and self._private:
            return
        async with self._lock:
            if not force and time.monotonic() - self._loaded_at < RELOAD_AFTER and self._private:
                return
            cutoff = datetime.now(UTC) - RETAIN
            rows = await SigningKey.all().order_by("created_at")
            private: dict[str, RSAKey] = {}
            signing = None
            for row in rows:
                if row.retired_at is not None and row.retired_at < cutoff:
                    continue
                private[row.kid] = RSAKey.import_key(
                    json.loads(self._box.open(row.private_jwe)),
                    parameters={"kid": row.kid, "alg": ALG, "use": "sig"},
                )
                if row.retired_at is None:
                    signing = row.kid
            self._private, self._signing = private, signing
            self._loaded_at = time.monotonic()

    async def signing_key(self) -> RSAKey:
        await self._load()
        if self._signing is None:
            raise LookupError("no active signing key: run `servicehall migrate` and start once")
        return self._private[self._signing]

    async def public_keys(self, *, refresh_for: str | None = None) -> KeySet:
        """The published key set; reloads at once if ``refresh_for`` (a kid) is unknown."""
        await self._load()
        if refresh_for is not None and refresh_for not in self._private:
            await self._load(force=True)
        return KeySet([RSAKey.import_key(k.as_dict(private=False)) for k in self._private.values()])

    async def jwks(self) -> dict[str, object]:
        keys = await self.public_keys()
        return dict(keys.as_dict(private=False))
