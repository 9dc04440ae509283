"""Clients are data: first-party clients skip consent, third-party ones ask once."""

from __future__ import annotations

from servicehall.auth.crypto import digest
from servicehall.db import use_database
from servicehall.models import ClientKind, OAuthClient
from tests.auth.flows import authorization, hidden, query_of, tokens
from tests.conftest import HallClient

CALLBACK = "https://jobs.example.cn/oidc/callback"


async def test_third_party_clients_ask_for_consent_once(hall: HallClient) -> None:
    with use_database(hall.runtime.db):  # type: ignore[arg-type]
        await OAuthClient.create(
            client_id="job-fair",
            name="斗门区人才招聘会报名系统",
            kind=ClientKind.CONFIDENTIAL,
            secret_hash=digest("job-fair-secret-0123456789"),
            redirect_uris=[CALLBACK],
            scopes=["openid", "profile", "enterprise"],
        )
    await tokens(hall)  # signed in through the first-party portal, no consent asked
    auth = authorization(
        client_id="job-fair", redirect_uri=CALLBACK, scope="openid profile enterprise phone"
    )
    page = await hall.get(f"/oauth/authorize?{auth.query}")
    assert page.status_code == 200 and "斗门区人才招聘会报名系统" in page.text
    assert "所属企业的统一社会信用代码和名称" in page.text
    assert "手机号码" not in page.text  # not a scope this client may ask for
    rid, csrf = hidden(page.text, "rid"), hidden(page.text, "csrf")

    denied = await hall.post(
        "/oauth/authorize", data={"rid": rid, "csrf": csrf, "decision": "deny"}
    )
    assert query_of(denied.headers["location"])["error"] == "access_denied"

    page = await hall.get(f"/oauth/authorize?{auth.query}")
    rid, csrf = hidden(page.text, "rid"), hidden(page.text, "csrf")
    allowed = await hall.post(
        "/oauth/authorize", data={"rid": rid, "csrf": csrf, "decision": "allow"}
    )
    assert allowed.status_code == 302 and "code=" in allowed.headers["location"]
    narrower = authorization(client_id="job-fair", redirect_uri=CALLBACK, scope="openid profile")
    again = await hall.get(f"/oauth/authorize?{narrower.query}")
    assert again.status_code == 302 and "code=" in again.headers["location"]  # remembered
    asked = authorization(client_id="job-fair", redirect_uri=CALLBACK, prompt="consent")
    forced = await hall.get(f"/oauth/authorize?{asked.query}")
    assert forced.status_code == 200 and "同意授权" in forced.text


async def test_a_foreign_page_cannot_post_the_consent(hall: HallClient) -> None:
    await tokens(hall)
    forged = await hall.post("/oauth/authorize", data={"rid": "guessed", "decision": "allow"})
    assert forged.status_code == 400 and "授权请求已失效" in forged.text


async def test_prompt_none_without_a_session_returns_an_error(hall: HallClient) -> None:
    auth = authorization(prompt="none")
    response = await hall.get(f"/oauth/authorize?{auth.query}")
    assert response.status_code == 302
    assert query_of(response.headers["location"])["error"] == "login_required"
