"""SSO-1, ENT-2: the authorization code flow with PKCE, end to end through the real pages."""

from __future__ import annotations

from typing import Any

from joserfc import jwt
from joserfc.jwk import KeySet

from tests.auth.flows import ENTERPRISE, authorization, authorize_code, exchange, tokens
from tests.conftest import HallClient


async def test_discovery_and_keys(hall: HallClient) -> None:
    config = (await hall.get("/.well-known/openid-configuration")).json()
    assert config["issuer"] == "https://testserver"
    assert config["code_challenge_methods_supported"] == ["S256"]
    assert config["response_types_supported"] == ["code"]
    jwks = (await hall.get("/.well-known/jwks.json")).json()
    assert jwks["keys"] and all("d" not in key for key in jwks["keys"])
    assert all(key["kid"] and key["alg"] == "RS256" for key in jwks["keys"])


async def test_enterprise_signs_in_and_gets_rfc9068_tokens(hall: HallClient) -> None:
    body = await tokens(hall)
    assert body["token_type"] == "Bearer" and body["refresh_token"]
    keys = KeySet.import_key_set((await hall.get("/.well-known/jwks.json")).json())
    access = jwt.decode(body["access_token"], keys, algorithms=["RS256"])
    assert access.header["typ"] == "at+jwt" and access.header["kid"]
    claims: dict[str, Any] = dict(access.claims)
    assert claims["iss"] == "https://testserver"
    assert claims["aud"] == "https://testserver/graphql"
    assert claims["kind"] == "enterprise" and claims["ent"] == ENTERPRISE.login
    assert 0 < claims["exp"] - claims["iat"] <= 600
    identity = jwt.decode(body["id_token"], keys, algorithms=["RS256"])
    assert identity.claims["aud"] == "doumen-portal"
    assert identity.claims["sub"] == claims["sub"]
    assert identity.claims["name"] == ENTERPRISE.display_name

    info = await hall.get(
        "/oauth/userinfo", headers={"authorization": f"Bearer {body['access_token']}"}
    )
    assert info.json()["enterprise"]["credit_code"] == ENTERPRISE.login


async def test_a_second_client_signs_in_without_a_password(hall: HallClient) -> None:
    """SSO-1: the session cookie carries the sign-in to the next authorization."""
    await tokens(hall)
    auth = authorization(scope="openid profile")
    response = await hall.get(f"/oauth/authorize?{auth.query}")
    assert response.status_code == 302
    assert "code=" in response.headers["location"]


async def test_refresh_tokens_rotate(hall: HallClient) -> None:
    first = await tokens(hall)
    refreshed = await hall.post(
        "/oauth/token",
        data={
            "grant_type": "refresh_token",
            "refresh_token": first["refresh_token"],
            "client_id": "doumen-portal",
        },
    )
    assert refreshed.status_code == 200, refreshed.text
    second = refreshed.json()
    assert second["refresh_token"] != first["refresh_token"]
    assert second["access_token"] != first["access_token"]


async def test_code_flow_for_a_person_and_staff(hall: HallClient) -> None:
    from tests.auth.flows import PERSON, STAFF

    person = await tokens(hall, kind="person", identifier=PERSON.login, password=PERSON.password)
    hall.cookies.clear()
    staff = await tokens(hall, kind="staff", identifier=STAFF.login, password=STAFF.password)
    keys = KeySet.import_key_set((await hall.get("/.well-known/jwks.json")).json())
    assert jwt.decode(person["access_token"], keys).claims["kind"] == "person"
    claims = jwt.decode(staff["access_token"], keys).claims
    assert claims["kind"] == "staff" and claims["dept"] == "SCJG"
    assert "case_handler" in claims["roles"]
    auth = authorization()
    code = await authorize_code(hall, auth)  # already signed in as staff now
    assert (await exchange(hall, auth, code)).status_code == 200
