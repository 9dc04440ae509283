"""Helpers that drive the provider like a browser and a client application would."""

from __future__ import annotations

import base64
import hashlib
import secrets
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx

from servicehall.auth.crypto import digest
from servicehall.db import use_database
from servicehall.demo.accounts import DEMO_ACCOUNTS, DEMO_CLIENT_ID, DEMO_CLIENT_REDIRECTS
from servicehall.models import ClientKind, Department, OAuthClient

REDIRECT = DEMO_CLIENT_REDIRECTS[0]
ENTERPRISE, PERSON, STAFF, ADMIN = DEMO_ACCOUNTS


def pkce() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode()).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


@dataclass
class Authorization:
    verifier: str
    state: str
    nonce: str
    params: dict[str, str]

    @property
    def query(self) -> str:
        return urlencode(self.params)


def authorization(
    *,
    client_id: str = DEMO_CLIENT_ID,
    redirect_uri: str = REDIRECT,
    scope: str = "openid profile enterprise offline_access",
    **extra: str,
) -> Authorization:
    verifier, challenge = pkce()
    state, nonce = secrets.token_urlsafe(8), secrets.token_urlsafe(8)
    params = {
        "response_type": "code",
        "client_id": client_id,
        "redirect_uri": redirect_uri,
        "scope": scope,
        "state": state,
        "nonce": nonce,
        "code_challenge": challenge,
        "code_challenge_method": "S256",
    } | extra
    return Authorization(verifier, state, nonce, params)


def query_of(location: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


async def captcha_answer(client: Any, page: str) -> tuple[str, str]:
    """The captcha id on a login page and its answer, read from the cache as tests may."""
    marker = 'name="captcha_id" value="'
    captcha_id = page.split(marker, 1)[1].split('"', 1)[0]
    answer = await client.runtime.cache.get(f"captcha:{captcha_id}")
    return captcha_id, answer.decode()


def hidden(page: str, name: str) -> str:
    """The value of a page's hidden form field (e.g. its ``csrf`` token)."""
    return page.split(f'name="{name}" value="', 1)[1].split('"', 1)[0]


async def login_form(client: Any, page: str) -> dict[str, str]:
    """The fields a browser sends with a login page's form besides what the user types:
    its token bound to the browser (F7) and, when the page shows one, the captcha (its
    id, binding tag and, read from the cache as tests may, its answer)."""
    form = {"csrf": hidden(page, "csrf")}
    if 'name="captcha_id"' in page:
        form["captcha_id"], form["captcha"] = await captcha_answer(client, page)
        form["captcha_tag"] = hidden(page, "captcha_tag")
    return form


async def sign_in(
    client: Any, rid: str, *, kind: str, identifier: str, password: str
) -> httpx.Response:
    page = (await client.get(f"/oauth/login?kind={kind}&rid={rid}")).text
    form = {"rid": rid, "kind": kind, "identifier": identifier, "password": password}
    return await client.post("/oauth/login", data=form | await login_form(client, page))


async def authorize_code(
    client: Any,
    auth: Authorization,
    *,
    kind: str = "enterprise",
    identifier: str = ENTERPRISE.login,
    password: str = ENTERPRISE.password,
) -> str:
    """Run the browser side of the code flow and return the authorization code."""
    response = await client.get(f"/oauth/authorize?{auth.query}")
    if response.status_code == 303 and "/oauth/login" in response.headers["location"]:
        rid = query_of(response.headers["location"])["rid"]
        signed_in = await sign_in(client, rid, kind=kind, identifier=identifier, password=password)
        assert signed_in.status_code == 303, signed_in.text
        response = await client.get(signed_in.headers["location"])
    assert response.status_code == 302, response.text
    location = response.headers["location"]
    assert location.startswith(auth.params["redirect_uri"]), location
    returned = query_of(location)
    assert returned["state"] == auth.state
    return returned["code"]


async def exchange(client: Any, auth: Authorization, code: str, **extra: str) -> httpx.Response:
    data = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": auth.params["redirect_uri"],
        "client_id": auth.params["client_id"],
        "code_verifier": auth.verifier,
    } | extra
    return await client.post("/oauth/token", data=data)


async def tokens(client: Any, **kwargs: str) -> dict[str, Any]:
    auth = authorization()
    code = await authorize_code(client, auth, **kwargs)
    response = await exchange(client, auth, code)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def bearer(token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"}


def basic(client_id: str, secret: str) -> dict[str, str]:
    raw = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    return {"authorization": f"Basic {raw}"}


MACHINE_SECRET = "machine-secret-for-tests-0123456789"


async def machine_client(
    client: Any, client_id: str = "tax-system", scopes: tuple[str, ...] = ("ingest:tax",)
) -> None:
    """Register a department system (a machine client) straight in the database."""
    with use_database(client.runtime.db):
        await OAuthClient.create(
            client_id=client_id,
            name="区税务局征管系统",
            kind=ClientKind.MACHINE,
            secret_hash=digest(MACHINE_SECRET),
            scopes=list(scopes),
            department=await Department.get(code="SWJ"),
        )


async def machine_token(client: Any, client_id: str, scope: str) -> str:
    issued = await client.post(
        "/oauth/token",
        data={"grant_type": "client_credentials", "scope": scope},
        headers=basic(client_id, MACHINE_SECRET),
    )
    assert issued.status_code == 200, issued.text
    token: str = issued.json()["access_token"]
    return token
