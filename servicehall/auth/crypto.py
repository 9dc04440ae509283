"""Secrets at rest and token digests.

- :class:`SecretBox` encrypts small secrets (private signing keys, upstream client
  secrets) as compact JWE (``dir`` + ``A256GCM``, RFC 7516/7518) under a key derived from
  ``SERVICEHALL_SECRET_KEY`` with HKDF-SHA256 (RFC 5869).
- Opaque tokens (refresh tokens, client secrets) are random and long, so they are stored
  as plain SHA-256 digests: a slow password hash would add nothing but latency.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from joserfc import jwe
from joserfc.jwk import OctKey

from servicehall.settings import Settings

log = logging.getLogger(__name__)

#: Used only when no secret key is configured outside prod (settings refuse prod without).
DEV_SECRET = "servicehall-development-secret-never-use-in-production"  # noqa: S105


class SecretBox:
    def __init__(self, secret: str) -> None:
        material = HKDF(
            algorithm=hashes.SHA256(), length=32, salt=b"servicehall", info=b"secret-box"
        ).derive(secret.encode())
        self._key = OctKey.import_key(material)
        self._mac_key = HKDF(
            algorithm=hashes.SHA256(), length=32, salt=b"servicehall", info=b"fingerprint"
        ).derive(secret.encode())

    @classmethod
    def from_settings(cls, settings: Settings) -> SecretBox:
        if settings.secret_key is None:
            log.warning("SERVICEHALL_SECRET_KEY is not set: using the development secret")
        return cls(settings.secret_key or DEV_SECRET)

    def derive(self, purpose: str) -> str:
        """A 256-bit key for ``purpose`` (hex), e.g. signing the flow cookie."""
        return hmac.new(self._mac_key, purpose.encode(), hashlib.sha256).hexdigest()

    def fingerprint(self, value: str) -> str:
        """A keyed HMAC-SHA256 of a low-entropy identifier (an ID number): comparable,
        not reversible without the secret."""
        return hmac.new(self._mac_key, value.encode(), hashlib.sha256).hexdigest()

    def seal(self, plaintext: str) -> str:
        protected = {"alg": "dir", "enc": "A256GCM"}
        return jwe.encrypt_compact(protected, plaintext.encode(), self._key)

    def open(self, sealed: str) -> str:
        return jwe.decrypt_compact(sealed, self._key).plaintext.decode()  # type: ignore[union-attr]


def digest(token: str) -> str:
    """SHA-256 hex digest of an opaque token, as stored."""
    return hashlib.sha256(token.encode()).hexdigest()


def same_digest(token: str, expected: str) -> bool:
    return hmac.compare_digest(digest(token), expected)


def new_token(nbytes: int = 32) -> str:
    return secrets.token_urlsafe(nbytes)
