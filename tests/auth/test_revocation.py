"""Revoked access tokens stay refused: past ``exp`` within the leeway (F6), after a code
replay or refresh-token reuse (F13), and when the cache forgets its markers (F5).
SEC-1, SEC-3."""

from __future__ import annotations

from typing import Any

import orjson
import pytest
from joserfc.jws import extract_compact

from servicehall import clock
from servicehall.auth.revocations import SENTINEL, marker_key
from servicehall.auth.tokens import LEEWAY
from servicehall.cache import MemoryBackend
from servicehall.db import use_database
from servicehall.models import Revocation, RevocationKind
from tests.auth.flows import authorization, authorize_code, bearer, exchange, tokens
from tests.conftest import HallClient, _drop_keys

QUERY = {"query": "{ themes { code } }"}
PORTAL = "doumen-portal"


async def _status(hall: HallClient, token: str) -> int:
    return (await hall.post("/graphql", json=QUERY, headers=bearer(token))).status_code


def _claims(token: str) -> dict[str, Any]:
    """The payload, unverified: the hall verified it when it issued it."""
    claims: dict[str, Any] = orjson.loads(extract_compact(token.encode()).payload)
    return claims


async def _forget_everything(hall: HallClient) -> None:
    """The cache loses its memory, as a Redis restarted without persistence does."""
    cache = hall.runtime.cache
    if isinstance(cache, MemoryBackend):
        cache._data.clear()
        cache._sets.clear()
    else:
        await _drop_keys(hall.runtime.settings)
    assert await cache.get(SENTINEL) is None


async def test_code_replay_refuses_the_access_tokens_it_issued(hall: HallClient) -> None:
    """F13: a replayed code revokes the family, and the access token issued for the first
    exchange carries it (``fam``) and stops working."""
    auth = authorization()
    code = await authorize_code(hall, auth)
    first = await exchange(hall, auth, code)
    access = first.json()["access_token"]
    assert _claims(access)["fam"]
    assert await _status(hall, access) == 200
    replay = await exchange(hall, auth, code)
    assert replay.json()["error"] == "invalid_grant"
    assert await _status(hall, access) == 401


async def test_refresh_token_reuse_refuses_every_access_token_of_the_family(
    hall: HallClient,
) -> None:
    """F13: reusing a rotated refresh token revokes the family's access tokens, the one
    from the code and the one from the rotation."""
    first = await tokens(hall)
    data = {"grant_type": "refresh_token", "client_id": PORTAL}
    rotated = (
        await hall.post("/oauth/token", data=data | {"refresh_token": first["refresh_token"]})
    ).json()
    assert _claims(rotated["access_token"])["fam"] == _claims(first["access_token"])["fam"]
    assert await _status(hall, first["access_token"]) == 200
    assert await _status(hall, rotated["access_token"]) == 200
    reused = await hall.post("/oauth/token", data=data | {"refresh_token": first["refresh_token"]})
    assert reused.json()["error"] == "invalid_grant"
    assert await _status(hall, first["access_token"]) == 401
    assert await _status(hall, rotated["access_token"]) == 401


async def test_a_revoked_token_is_refused_within_the_leeway(
    hall: HallClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """F6: the token passes until exp + LEEWAY, so its revocation must last as long: the
    marker's TTL and the database record both cover exp + LEEWAY, and at exp + 25 s the
    token is refused whether the cache still has the marker or forgot it."""
    issued = await tokens(hall)
    access = issued["access_token"]
    claims = _claims(access)
    revoked = await hall.post("/oauth/revoke", data={"token": access, "client_id": PORTAL})
    assert revoked.status_code == 200
    remaining = await hall.runtime.cache.ttl(marker_key(RevocationKind.TOKEN, claims["jti"]))
    assert remaining is not None and remaining > claims["exp"] + 25 - clock.timestamp()
    with use_database(hall.runtime.db):
        row = await Revocation.get(kind=RevocationKind.TOKEN, value=claims["jti"])
    assert row.expires_at.timestamp() >= claims["exp"] + LEEWAY

    later = float(claims["exp"] + 25)
    monkeypatch.setattr(clock, "timestamp", lambda: later)
    assert await _status(hall, access) == 401  # the marker
    await _forget_everything(hall)
    assert await _status(hall, access) == 401  # the database record
    monkeypatch.setattr(clock, "timestamp", lambda: later + LEEWAY)
    assert await _status(hall, access) == 401  # expired by then anyway


async def test_a_cache_that_forgot_does_not_revive_logged_out_tokens(hall: HallClient) -> None:
    """F5: after logout the cache loses every key (a Redis restarted without persistence):
    the token is still refused, from the database, and the markers are seeded again."""
    issued = await tokens(hall)
    access = issued["access_token"]
    logout = await hall.get("/oauth/logout", params={"id_token_hint": issued["id_token"]})
    assert logout.status_code == 200
    assert await _status(hall, access) == 401
    await _forget_everything(hall)
    assert await _status(hall, access) == 401
    cache = hall.runtime.cache
    sid = _claims(access)["sid"]
    assert await cache.get(SENTINEL) is not None
    assert await cache.get(marker_key(RevocationKind.SESSION, sid)) is not None


async def test_a_fresh_token_still_works_after_the_cache_forgot(hall: HallClient) -> None:
    """F5: the fallback refuses only what was revoked."""
    issued = await tokens(hall)
    await _forget_everything(hall)
    assert await _status(hall, issued["access_token"]) == 200
