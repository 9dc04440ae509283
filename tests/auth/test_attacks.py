"""SEC-1, SEC-3: every attack the issue lists is refused (code replay, PKCE tricks, refresh
reuse, forged or misused tokens, unregistered redirects, expired tokens)."""

from __future__ import annotations

import base64
import time
from typing import Any

import orjson
from joserfc import jwt
from joserfc.jwk import RSAKey

from servicehall.db import use_database
from tests.auth.flows import authorization, authorize_code, exchange, query_of, tokens
from tests.conftest import HallClient

GRAPHQL = {"query": "{ themes { code } }"}


async def _api(client: HallClient, token: str) -> Any:
    return await client.post("/graphql", json=GRAPHQL, headers={"authorization": f"Bearer {token}"})


async def test_a_replayed_code_is_refused_and_revokes_what_it_issued(hall: HallClient) -> None:
    auth = authorization()
    code = await authorize_code(hall, auth)
    first = await exchange(hall, auth, code)
    assert first.status_code == 200
    replay = await exchange(hall, auth, code)
    assert replay.status_code == 400 and replay.json()["error"] == "invalid_grant"
    refreshed = await hall.post(
        "/oauth/token",
        data={
            "grant_type": "refresh_token",
            "refresh_token": first.json()["refresh_token"],
            "client_id": "doumen-portal",
        },
    )
    assert refreshed.json()["error"] == "invalid_grant"  # the family died with the replay


async def test_a_wrong_pkce_verifier_is_refused(hall: HallClient) -> None:
    auth = authorization()
    code = await authorize_code(hall, auth)
    wrong = await exchange(hall, auth, code, code_verifier="x" * 50)
    assert wrong.status_code == 400 and wrong.json()["error"] == "invalid_grant"
    missing = await hall.post(
        "/oauth/token",
        data={
            "grant_type": "authorization_code",
            "code": code,
            "client_id": "doumen-portal",
            "redirect_uri": auth.params["redirect_uri"],
        },
    )
    assert missing.status_code == 400


async def test_plain_pkce_and_missing_challenge_are_refused(hall: HallClient) -> None:
    await tokens(hall)  # signed in: the refusals come from validation, not from the login
    plain = authorization(code_challenge_method="plain")
    plain.params["code_challenge"] = plain.verifier
    missing = authorization()
    del missing.params["code_challenge"], missing.params["code_challenge_method"]
    for auth in (plain, missing):
        response = await hall.get(f"/oauth/authorize?{auth.query}")
        assert response.status_code == 302
        returned = query_of(response.headers["location"])
        assert returned["error"] == "invalid_request"
        assert "code" not in returned


async def test_an_unregistered_redirect_uri_gets_no_redirect(hall: HallClient) -> None:
    for uri in (
        "https://evil.example/callback",
        "http://127.0.0.1:5173/callback/../x",
        "http://127.0.0.1:5173/callback?x=1",
    ):
        auth = authorization(redirect_uri=uri)
        response = await hall.get(f"/oauth/authorize?{auth.query}")
        assert response.status_code == 400
        assert "location" not in response.headers
        assert "无法完成授权" in response.text
    unknown = authorization(client_id="no-such-client")
    assert (await hall.get(f"/oauth/authorize?{unknown.query}")).status_code == 400


async def test_refresh_token_reuse_revokes_the_whole_family(hall: HallClient) -> None:
    first = await tokens(hall)
    data = {"grant_type": "refresh_token", "client_id": "doumen-portal"}
    rotated = await hall.post("/oauth/token", data=data | {"refresh_token": first["refresh_token"]})
    newest = rotated.json()["refresh_token"]
    reused = await hall.post("/oauth/token", data=data | {"refresh_token": first["refresh_token"]})
    assert reused.json()["error"] == "invalid_grant"
    after = await hall.post("/oauth/token", data=data | {"refresh_token": newest})
    assert after.json()["error"] == "invalid_grant"


def _b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(orjson.dumps(data)).rstrip(b"=").decode()


async def test_forged_and_misused_tokens_are_refused_by_the_api(hall: HallClient) -> None:
    good = await tokens(hall)
    assert (await _api(hall, good["access_token"])).status_code == 200
    header, payload, _ = good["access_token"].split(".")
    parsed = orjson.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    stranger = RSAKey.generate_key(2048, parameters={"kid": "attacker", "alg": "RS256"})
    forged = jwt.encode({"alg": "RS256", "typ": "at+jwt", "kid": "attacker"}, parsed, stranger)
    real_kid = orjson.loads(base64.urlsafe_b64decode(header + "=="))["kid"]
    same_kid = jwt.encode({"alg": "RS256", "typ": "at+jwt", "kid": real_kid}, parsed, stranger)
    unsigned = f"{_b64({'alg': 'none', 'typ': 'at+jwt'})}.{payload}."
    tampered = f"{header}.{_b64(parsed | {'kind': 'admin'})}.{good['access_token'].split('.')[2]}"
    expired_claims = parsed | {"exp": int(time.time()) - 120, "iat": int(time.time()) - 900}
    for token, reason in (
        (forged, "unknown key"),
        (same_kid, "bad signature"),
        (unsigned, "algorithm"),
        (tampered, "bad signature"),
        (good["id_token"], "typ"),
        ("not-a-jwt", "malformed"),
        (await _signed_like_the_hall(hall, expired_claims), "expired"),
        (await _signed_like_the_hall(hall, parsed | {"aud": "doumen-portal"}), "aud"),
    ):
        response = await _api(hall, token)
        assert response.status_code == 401, (reason, response.text)
        assert response.headers["www-authenticate"].startswith('Bearer error="invalid_token"')
        assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def _signed_like_the_hall(hall: HallClient, claims: dict[str, Any]) -> str:
    """A token with the hall's real key but chosen claims (expired, wrong audience)."""
    with use_database(hall.runtime.db):  # type: ignore[arg-type]
        key = await hall.runtime.auth.keys.signing_key()
    return jwt.encode({"alg": "RS256", "typ": "at+jwt", "kid": key.kid}, claims, key)
