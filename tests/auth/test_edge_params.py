"""Control characters in the OAuth/OIDC and sign-in endpoints' parameters (F9, SEC-3):
400 ``invalid_request`` (JSON for applications, a Chinese page for browsers), never a 500,
on both backends (PostgreSQL refused NUL with a raw 500)."""

from __future__ import annotations

import base64

import pytest

from tests.auth.flows import PERSON, authorization, login_form, sign_in
from tests.conftest import HallClient


@pytest.mark.parametrize("value", ["doumen\x00portal", "doumen-portal\x1b", "\x7f"])
async def test_token_endpoint_refuses_control_characters(hall: HallClient, value: str) -> None:
    data = {"grant_type": "client_credentials", "client_id": value, "client_secret": "x"}
    response = await hall.post("/oauth/token", data=data)
    assert response.status_code == 400
    body = response.json()
    assert body["error"] == "invalid_request"
    assert "client_id" in body["error_description"] and "U+00" in body["error_description"]
    assert response.headers["cache-control"] == "no-store"


async def test_token_endpoint_refuses_them_in_basic_credentials_and_raw_bodies(
    hall: HallClient,
) -> None:
    basic = base64.b64encode(b"doumen%00portal:secret").decode()
    response = await hall.post(
        "/oauth/token",
        data={"grant_type": "client_credentials"},
        headers={"authorization": f"Basic {basic}"},
    )
    assert response.status_code == 400 and response.json()["error"] == "invalid_request"
    raw = await hall.post(
        "/oauth/token",
        content=b"grant_type=client_credentials&client_id=a\x00b",
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert raw.status_code == 400 and raw.json()["error"] == "invalid_request"
    multipart = await hall.post(
        "/oauth/token", files={"client_id": (None, "doumen\x00portal")}
    )  # OAuth posts URL-encoded forms only
    assert multipart.status_code == 400 and multipart.json()["error"] == "invalid_request"
    for path in ("/oauth/revoke", "/oauth/introspect"):
        other = await hall.post(path, data={"token": "a\x00b"})
        assert other.status_code == 400 and other.json()["error"] == "invalid_request"


async def test_authorize_and_the_pages_answer_a_chinese_page(hall: HallClient) -> None:
    auth = authorization(client_id="doumen\x00portal")
    response = await hall.get(f"/oauth/authorize?{auth.query}")
    assert response.status_code == 400
    assert "请求无效" in response.text and "invalid_request" in response.text
    assert "client_id" in response.text and "U+0000" in response.text
    assert response.headers["content-type"].startswith("text/html")
    for path in ("/oauth/login?kind=person&rid=%00", "/oauth/logout?state=%01"):
        page = await hall.get(path)
        assert page.status_code == 400 and "invalid_request" in page.text, path


async def test_a_login_form_with_a_control_character_is_refused(hall: HallClient) -> None:
    page = (await hall.get("/oauth/login?kind=person")).text
    form = {"kind": "person", "identifier": PERSON.login + "\x00", "password": PERSON.password}
    response = await hall.post("/oauth/login", data=form | await login_form(hall, page))
    assert response.status_code == 400 and "invalid_request" in response.text
    assert "sh_sso" not in hall.cookies
    # TAB, LF and CR are not control characters in this sense: the usual answer
    tabbed = await sign_in(hall, "", kind="person", identifier="\t139", password="x\ny")
    assert tabbed.status_code == 400 and "invalid_request" not in tabbed.text
