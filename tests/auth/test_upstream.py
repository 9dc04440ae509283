"""SSO-2, SSO-5: binding an account of another provider (a second hall standing for the
city's authentication platform) after a fresh password, then signing in with it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from asgi_lifespan import LifespanManager

from servicehall.app import create_app
from servicehall.auth.crypto import digest
from servicehall.db import use_database
from servicehall.models import ClientKind, IdentityProvider, OAuthClient
from servicehall.settings import Settings
from tests.auth.flows import PERSON, authorization, hidden, login_form, query_of
from tests.conftest import LiveHall, free_port, live

SECRET = "district-hall-secret-0123456789abcdef"
CALLBACK = "https://testserver/auth/upstream/city/callback"


class Browser:
    """One browser: the district hall in process, the city hall over real HTTP."""

    def __init__(self, district: Any, city: LiveHall) -> None:
        self.district, self.city = district, city
        self.client = httpx.AsyncClient(
            mounts={
                "https://testserver": httpx.ASGITransport(app=district),
                city.url: httpx.AsyncHTTPTransport(),
            }
        )

    async def follow(self, response: httpx.Response, *, until: str) -> httpx.Response:
        """Follow redirects until the next one would leave for ``until`` or none is left."""
        while response.status_code in (302, 303):
            location = str(response.headers["location"])
            if location.startswith(until):
                return response
            response = await self.client.get(response.url.join(location))
        return response

    def forget_district_session(self) -> None:
        """The district's SSO cookie only (the city keeps its own session)."""
        for cookie in list(self.client.cookies.jar):
            if cookie.name == "sh_sso" and "testserver" in cookie.domain:
                self.client.cookies.jar.clear(cookie.domain, cookie.path, cookie.name)

    async def sign_in_city(self, response: httpx.Response) -> httpx.Response:
        """At the city's login page (after its redirect), sign in with its person account."""
        rid = query_of(str(response.headers["location"]))["rid"]
        page = await self.client.get(f"{self.city.url}/oauth/login?kind=person&rid={rid}")
        form = {
            "rid": rid,
            "kind": "person",
            "identifier": PERSON.login,
            "password": PERSON.password,
        }
        form |= await login_form(self.city, page.text)
        return await self.client.post(f"{self.city.url}/oauth/login", data=form)


@pytest.fixture
async def city(second_settings: Settings) -> AsyncIterator[LiveHall]:
    port = free_port()
    settings = second_settings.replace(public_url=f"http://127.0.0.1:{port}")
    async with live(settings, port) as hall:
        with use_database(hall.runtime.db):  # type: ignore[arg-type]
            await OAuthClient.create(
                client_id="district-hall",
                name="斗门区网上办事大厅",
                kind=ClientKind.CONFIDENTIAL,
                first_party=True,
                secret_hash=digest(SECRET),
                redirect_uris=[CALLBACK],
                scopes=["openid", "profile"],
            )
        yield hall


async def test_bind_then_sign_in_with_the_bound_account(
    hall_settings: Settings, city: LiveHall
) -> None:
    app = create_app(hall_settings)
    async with LifespanManager(app) as manager:
        runtime = app.state.runtime
        with use_database(runtime.db):
            await IdentityProvider.create(
                slug="city",
                name="珠海市统一身份认证平台",
                issuer=city.url,
                client_id="district-hall",
                client_secret_jwe=runtime.auth.box.seal(SECRET),
                scopes="openid profile",
            )
        browser = Browser(manager.app, city)
        web = browser.client
        base = "https://testserver"

        # signed in locally as the district's person account
        page = await web.get(f"{base}/oauth/login?kind=person")
        signed = await web.post(
            f"{base}/oauth/login",
            data={"kind": "person", "identifier": PERSON.login, "password": PERSON.password}
            | await login_form(web, page.text),
        )
        assert signed.status_code == 303 and page.status_code == 200
        listing = await web.get(f"{base}/account/bindings")
        assert "绑定珠海市统一身份认证平台账号" in listing.text

        csrf = hidden(listing.text, "csrf")
        forged = await web.post(
            f"{base}/auth/upstream/city/bind", data={"password": PERSON.password}
        )
        assert forged.status_code == 403 and "CSRF_CHECK_FAILED" in forged.text  # F7
        refused = await web.post(
            f"{base}/auth/upstream/city/bind", data={"password": "wrong-pass", "csrf": csrf}
        )
        assert refused.status_code == 400 and "密码不正确" in refused.text

        to_city = await web.post(
            f"{base}/auth/upstream/city/bind", data={"password": PERSON.password, "csrf": csrf}
        )
        assert to_city.status_code == 302 and to_city.headers["location"].startswith(city.url)
        at_city = await web.get(to_city.headers["location"])  # the city's login redirect
        assert "/oauth/login" in at_city.headers["location"]
        back = await browser.follow(await browser.sign_in_city(at_city), until=base)
        bound = await web.get(back.headers["location"])
        assert bound.status_code == 200 and "绑定成功" in bound.text
        assert "珠海市统一身份认证平台" in (await web.get(f"{base}/account/bindings")).text

        # a new browser session: sign in at the district with the city account only
        browser.forget_district_session()
        auth = authorization(scope="openid profile")
        start = await web.get(f"{base}/oauth/authorize?{auth.query}")
        rid = query_of(start.headers["location"])["rid"]
        login_page = await web.get(f"{base}/oauth/login?rid={rid}")
        assert "使用珠海市统一身份认证平台账号登录" in login_page.text
        via_city = await web.get(f"{base}/auth/upstream/city/login?rid={rid}")
        # the city remembers its own SSO session: straight back with a code
        returned = await browser.follow(await web.get(via_city.headers["location"]), until=base)
        resumed = await web.get(returned.headers["location"])
        assert resumed.status_code == 303
        code_redirect = await web.get(f"{base}{resumed.headers['location']}")
        assert code_redirect.status_code == 302
        code = query_of(code_redirect.headers["location"])["code"]
        token = await web.post(
            f"{base}/oauth/token",
            data={
                "grant_type": "authorization_code",
                "code": code,
                "client_id": "doumen-portal",
                "redirect_uri": auth.params["redirect_uri"],
                "code_verifier": auth.verifier,
            },
        )
        access = token.json()["access_token"]
        viewer = await web.post(
            f"{base}/graphql",
            json={
                "query": "{ viewer { account { displayName } bindings { provider } "
                "loginRecords(first: 1) { edges { node { method } } } } }"
            },
            headers={"authorization": f"Bearer {access}"},
        )
        data = viewer.json()["data"]["viewer"]
        assert data["account"]["displayName"] == PERSON.display_name
        assert data["bindings"] == [{"provider": "city"}]
        assert data["loginRecords"]["edges"][0]["node"]["method"] == "upstream:city"

        removed = await web.post(
            f"{base}/graphql",
            json={
                "query": 'mutation { removeBinding(input: {provider: "city"}) '
                "{ bindings { provider } errors { code } } }"
            },
            headers={"authorization": f"Bearer {access}"},
        )
        assert removed.json()["data"]["removeBinding"] == {"bindings": [], "errors": []}
        browser.forget_district_session()
        again = await web.get(f"{base}/auth/upstream/city/login")
        final = await browser.follow(await web.get(again.headers["location"]), until=base)
        refusal = await web.get(final.headers["location"])
        assert refusal.status_code == 403 and "尚未与本平台账号绑定" in refusal.text
        await web.aclose()
