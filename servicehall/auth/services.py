"""Everything authentication needs, built once per app from its settings and cache."""

from __future__ import annotations

from dataclasses import dataclass

from servicehall.auth.captcha import CaptchaService
from servicehall.auth.crypto import SecretBox
from servicehall.auth.keys import LICENSES, KeyStore
from servicehall.auth.passwords import PasswordHasher
from servicehall.auth.provider.store import ProviderStore
from servicehall.auth.revocations import Revocations
from servicehall.auth.sessions import SessionStore
from servicehall.auth.throttle import LoginThrottle
from servicehall.auth.tokens import AccessTokenValidator
from servicehall.cache.base import CacheBackend
from servicehall.settings import Settings


@dataclass
class AuthServices:
    settings: Settings
    cache: CacheBackend
    box: SecretBox
    keys: KeyStore
    #: The licence-signing key set (LIC-4), apart from the token keys.
    license_keys: KeyStore
    passwords: PasswordHasher
    captcha: CaptchaService
    sessions: SessionStore
    throttle: LoginThrottle
    store: ProviderStore
    tokens: AccessTokenValidator
    #: Revoked tokens, sessions, families and clients: cache markers and database record.
    revocations: Revocations

    @classmethod
    def create(cls, settings: Settings, cache: CacheBackend) -> AuthServices:
        box = SecretBox.from_settings(settings)
        keys = KeyStore(box)
        revocations = Revocations(cache, local_seconds=settings.revocation_cache_seconds)
        return cls(
            settings=settings,
            cache=cache,
            box=box,
            keys=keys,
            license_keys=KeyStore(box, LICENSES),
            passwords=PasswordHasher(
                time_cost=settings.argon2_time_cost,
                memory_cost_kib=settings.argon2_memory_kib,
                parallelism=settings.argon2_parallelism,
            ),
            captcha=CaptchaService(cache),
            sessions=SessionStore(cache, settings),
            throttle=LoginThrottle(cache),
            store=ProviderStore(cache, settings, revocations),
            tokens=AccessTokenValidator(keys, revocations, settings),
            revocations=revocations,
        )
