"""Single sign-on sessions (SSO-1), kept server-side in the cache backend.

The browser holds only a random session id in an HttpOnly, Secure, SameSite=Lax cookie;
the session itself (account, when and how it authenticated, from where) lives in the cache
so every replica sees it. Sessions end after ``session_idle_ttl`` without use or
``session_max_ttl`` after sign-in, whichever comes first (ASVS 3.3.1-3.3.2). An account can
list its sessions and end the others (ASVS 3.3.3, 3.3.4).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import orjson

from servicehall import clock
from servicehall.auth.crypto import new_token
from servicehall.cache.base import CacheBackend
from servicehall.settings import Settings

COOKIE = "sh_sso"


@dataclass(slots=True)
class SsoSession:
    id: str
    account_id: int
    subject: str
    auth_time: int
    #: Authentication methods (RFC 8176): "pwd", "otp", "fed" (an upstream provider).
    amr: list[str]
    ip: str
    user_agent: str
    created_at: float
    last_seen: float
    #: Clients that received tokens in this session (for logout bookkeeping).
    clients: list[str] = field(default_factory=list)


class SessionStore:
    def __init__(self, cache: CacheBackend, settings: Settings) -> None:
        self._cache = cache
        self._idle = settings.session_idle_ttl
        self._max = settings.session_max_ttl

    def _ttl(self, session: SsoSession) -> float:
        return max(0.0, min(self._idle, session.created_at + self._max - clock.timestamp()))

    async def _save(self, session: SsoSession) -> None:
        ttl = self._ttl(session)
        await self._cache.set(f"sso:{session.id}", orjson.dumps(asdict(session)), ttl)
        await self._cache.set_add(f"sso-index:{session.account_id}", session.id, self._max)

    async def create(
        self, *, account_id: int, subject: str, amr: list[str], ip: str, user_agent: str
    ) -> SsoSession:
        now = clock.timestamp()
        session = SsoSession(
            id=new_token(24),
            account_id=account_id,
            subject=subject,
            auth_time=int(now),
            amr=amr,
            ip=ip,
            user_agent=user_agent[:256],
            created_at=now,
            last_seen=now,
        )
        await self._save(session)
        return session

    async def get(self, session_id: str | None, *, touch: bool = True) -> SsoSession | None:
        """The live session for an id, its idle timer restarted; None if ended or unknown."""
        if not session_id or len(session_id) > 64:
            return None
        raw = await self._cache.get(f"sso:{session_id}")
        if raw is None:
            return None
        session = SsoSession(**orjson.loads(raw))
        if self._ttl(session) <= 0:
            await self.end(session)
            return None
        if touch:
            session.last_seen = clock.timestamp()
            await self._save(session)
        return session

    async def remember_client(self, session: SsoSession, client_id: str) -> None:
        if client_id not in session.clients:
            session.clients.append(client_id)
            await self._save(session)

    async def end(self, session: SsoSession) -> None:
        await self._cache.delete(f"sso:{session.id}")
        await self._cache.set_remove(f"sso-index:{session.account_id}", session.id)

    async def list_for(self, account_id: int) -> list[SsoSession]:
        """Live sessions of an account, newest first; ids of ended ones are tidied away."""
        sessions, gone = [], []
        for session_id in await self._cache.set_members(f"sso-index:{account_id}"):
            session = await self.get(session_id, touch=False)
            if session is None:
                gone.append(session_id)
            else:
                sessions.append(session)
        if gone:
            await self._cache.set_remove(f"sso-index:{account_id}", *gone)
        return sorted(sessions, key=lambda s: s.created_at, reverse=True)
