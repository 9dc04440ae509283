"""Logout, revocation (RFC 7009), introspection (RFC 7662), machine clients and key rotation."""

from __future__ import annotations

import base64

from servicehall.db import use_database
from tests.auth.flows import MACHINE_SECRET as SECRET
from tests.auth.flows import authorization, basic, bearer, hidden, machine_client, tokens
from tests.conftest import HallClient

QUERY = {"query": "{ themes { code } }"}


async def test_rp_initiated_logout_ends_the_session_and_its_tokens(hall: HallClient) -> None:
    issued = await tokens(hall)
    refresh = {
        "grant_type": "refresh_token",
        "client_id": "doumen-portal",
        "refresh_token": issued["refresh_token"],
    }
    response = await hall.get(
        "/oauth/logout",
        params={
            "id_token_hint": issued["id_token"],
            "state": "bye",
            "post_logout_redirect_uri": "http://127.0.0.1:5173/",
        },
    )
    assert response.status_code == 303
    assert response.headers["location"] == "http://127.0.0.1:5173/?state=bye"
    assert (
        await hall.post("/graphql", json=QUERY, headers=bearer(issued["access_token"]))
    ).status_code == 401
    assert (await hall.post("/oauth/token", data=refresh)).json()["error"] == "invalid_grant"
    again = await hall.get(f"/oauth/authorize?{authorization().query}")
    assert again.status_code == 303 and "/oauth/login" in again.headers["location"]


async def test_logout_without_a_hint_asks_first_and_ignores_unregistered_targets(
    hall: HallClient,
) -> None:
    await tokens(hall)
    page = await hall.get(
        "/oauth/logout",
        params={"client_id": "doumen-portal", "post_logout_redirect_uri": "https://evil.example/"},
    )
    assert page.status_code == 200 and "确定退出" in page.text
    done = await hall.post(
        "/oauth/logout",
        data={
            "client_id": "doumen-portal",
            "post_logout_redirect_uri": "https://evil.example/",
            "csrf": hidden(page.text, "csrf"),
        },
    )
    assert done.status_code == 200 and "已安全退出" in done.text  # no redirect to evil
    forged = await hall.get("/oauth/logout", params={"id_token_hint": "a.b.c"})
    assert forged.status_code == 400


async def test_revocation(hall: HallClient) -> None:
    issued = await tokens(hall)
    revoke = await hall.post(
        "/oauth/revoke", data={"token": issued["access_token"], "client_id": "doumen-portal"}
    )
    assert revoke.status_code == 200
    assert (
        await hall.post("/graphql", json=QUERY, headers=bearer(issued["access_token"]))
    ).status_code == 401
    revoke = await hall.post(
        "/oauth/revoke",
        data={
            "token": issued["refresh_token"],
            "token_type_hint": "refresh_token",
            "client_id": "doumen-portal",
        },
    )
    assert revoke.status_code == 200
    refreshed = await hall.post(
        "/oauth/token",
        data={
            "grant_type": "refresh_token",
            "client_id": "doumen-portal",
            "refresh_token": issued["refresh_token"],
        },
    )
    assert refreshed.json()["error"] == "invalid_grant"


async def test_client_credentials_and_introspection(hall: HallClient) -> None:
    await machine_client(hall)
    wrong = await hall.post(
        "/oauth/token",
        data={"grant_type": "client_credentials"},
        headers=basic("tax-system", "wrong"),
    )
    assert wrong.status_code == 401
    issued = await hall.post(
        "/oauth/token",
        data={"grant_type": "client_credentials", "scope": "ingest:tax"},
        headers=basic("tax-system", SECRET),
    )
    assert issued.status_code == 200, issued.text
    body = issued.json()
    assert "refresh_token" not in body and body["scope"] == "ingest:tax"
    assert (
        await hall.post("/graphql", json=QUERY, headers=bearer(body["access_token"]))
    ).status_code == 200
    user = await tokens(hall)
    seen = await hall.post(
        "/oauth/introspect",
        data={"token": user["access_token"]},
        headers=basic("tax-system", SECRET),
    )
    info = seen.json()
    assert info["active"] is True and info["aud"] == "https://testserver/graphql"
    public = await hall.post(
        "/oauth/introspect", data={"token": user["access_token"], "client_id": "doumen-portal"}
    )
    assert public.status_code in (400, 401)  # public clients may not introspect
    await hall.post(
        "/oauth/revoke", data={"token": user["access_token"], "client_id": "doumen-portal"}
    )
    after = await hall.post(
        "/oauth/introspect",
        data={"token": user["access_token"]},
        headers=basic("tax-system", SECRET),
    )
    assert after.json()["active"] is False
    code_flow = await hall.get(f"/oauth/authorize?{authorization(client_id='tax-system').query}")
    assert code_flow.status_code in (302, 400)
    assert "code=" not in code_flow.headers.get("location", "")


async def test_key_rotation_keeps_old_tokens_valid(hall: HallClient) -> None:
    before = await tokens(hall)
    with use_database(hall.runtime.db):  # type: ignore[arg-type]
        new_kid = await hall.runtime.auth.keys.rotate()
    jwks = (await hall.get("/.well-known/jwks.json")).json()
    assert len(jwks["keys"]) == 2 and new_kid in {k["kid"] for k in jwks["keys"]}
    assert (
        await hall.post("/graphql", json=QUERY, headers=bearer(before["access_token"]))
    ).status_code == 200
    hall.cookies.clear()
    after = await tokens(hall)
    header = base64.urlsafe_b64decode(after["access_token"].split(".")[0] + "==")
    assert new_kid.encode() in header
    assert (
        await hall.post("/graphql", json=QUERY, headers=bearer(after["access_token"]))
    ).status_code == 200
