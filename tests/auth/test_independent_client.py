"""SSO-1 with an independent client library: pyoidc (``oic``) discovers the hall, runs the
code flow with PKCE, validates the ID token itself against the published JWKS, and the
access token it got then works at ``/graphql``."""

from __future__ import annotations

import asyncio
import secrets
from typing import Any
from urllib.parse import urlsplit

import httpx
from oic.oauth2.message import ErrorResponse
from oic.oic import Client
from oic.oic.message import AccessTokenResponse, AuthorizationResponse, RegistrationResponse
from oic.utils.authn.client import CLIENT_AUTHN_METHOD

from tests.auth.flows import ENTERPRISE, REDIRECT, login_form, query_of
from tests.conftest import LiveHall


def _client(issuer: str) -> Client:
    client = Client(client_authn_method=CLIENT_AUTHN_METHOD)
    client.provider_config(issuer)
    client.store_registration_info(
        RegistrationResponse(
            client_id="doumen-portal", redirect_uris=[REDIRECT], token_endpoint_auth_method="none"
        )
    )
    return client


async def test_pyoidc_runs_the_code_flow_and_checks_the_id_token(
    live_hall: LiveHall,
) -> None:
    base = live_hall.url
    client = await asyncio.to_thread(_client, base)
    assert client.provider_info["issuer"] == base
    state, nonce = secrets.token_urlsafe(8), secrets.token_urlsafe(8)
    pkce_args, verifier = client.add_code_challenge()
    assert pkce_args["code_challenge_method"] == "S256"
    request = client.construct_AuthorizationRequest(
        request_args={
            "response_type": "code",
            "scope": ["openid", "profile", "enterprise"],
            "state": state,
            "nonce": nonce,
            "redirect_uri": REDIRECT,
            **pkce_args,
        }
    )
    authorize_url = request.request(client.authorization_endpoint)

    async with httpx.AsyncClient(base_url=base) as browser:
        response = await browser.get(authorize_url)
        rid = query_of(response.headers["location"])["rid"]
        page = (await browser.get(f"/oauth/login?kind=enterprise&rid={rid}")).text
        login = await browser.post(
            "/oauth/login",
            data={
                "rid": rid,
                "kind": "enterprise",
                "identifier": ENTERPRISE.login,
                "password": ENTERPRISE.password,
            }
            | await login_form(live_hall, page),
        )
        assert login.status_code == 303
        redirected = await browser.get(login.headers["location"])
        location = redirected.headers["location"]
    assert location.startswith(REDIRECT)

    parsed: Any = client.parse_response(
        AuthorizationResponse, info=urlsplit(location).query, sformat="urlencoded"
    )
    assert parsed["state"] == state
    token: Any = await asyncio.to_thread(
        client.do_access_token_request,
        state=state,
        request_args={
            "code": parsed["code"],
            "code_verifier": verifier,
            "redirect_uri": REDIRECT,
            "client_id": "doumen-portal",
        },
        authn_method="",
    )
    assert isinstance(token, AccessTokenResponse), token
    id_token = token["id_token"]  # verified by pyoidc: signature (JWKS), iss, aud, nonce, exp
    assert id_token["iss"] == base and id_token["aud"] == ["doumen-portal"]
    assert id_token["nonce"] == nonce and id_token["name"] == ENTERPRISE.display_name

    async with httpx.AsyncClient(base_url=base) as api:
        viewer = await api.post(
            "/graphql",
            json={"query": "{ viewer { enterprise { creditCode } } }"},
            headers={"authorization": f"Bearer {token['access_token']}"},
        )
    assert viewer.json()["data"]["viewer"]["enterprise"]["creditCode"] == ENTERPRISE.login
    assert not isinstance(token, ErrorResponse)
