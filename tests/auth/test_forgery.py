"""Forms of the sign-in pages only from the browser they were served to (F7, F8, SEC-1),
and no page of the provider in a frame."""

from __future__ import annotations

import httpx
import pytest

from servicehall.db import use_database
from servicehall.models import ClientKind, OAuthClient
from tests.auth.flows import (
    ENTERPRISE,
    PERSON,
    STAFF,
    authorization,
    hidden,
    login_form,
    query_of,
    tokens,
)
from tests.conftest import HallClient

CREDENTIALS = {
    "person": (PERSON.login, PERSON.password),
    "enterprise": (ENTERPRISE.login, ENTERPRISE.password),
    "staff": (STAFF.login, STAFF.password),
}


def _refusal(response: httpx.Response, reason: str) -> None:
    assert response.status_code == 403, response.text[:300]
    assert "请求来源无法核实" in response.text
    assert f"CSRF_CHECK_FAILED / {reason}" in response.text
    assert "sh_sso" not in response.headers.get("set-cookie", "")


def _other_browser(hall: HallClient) -> HallClient:
    """A second browser (its own cookies) on the same hall."""
    other = HallClient(transport=hall._transport, base_url=hall.base_url)
    other.runtime = hall.runtime
    return other


async def _signed_in(hall: HallClient) -> bool:
    """Whether this browser still has a session (the authorize endpoint answers a code)."""
    response = await hall.get(f"/oauth/authorize?{authorization().query}")
    return response.status_code == 302


@pytest.mark.parametrize("kind", ["person", "enterprise", "staff"])
async def test_a_cross_site_login_post_creates_no_session(hall: HallClient, kind: str) -> None:
    """F7: an attacker's page posts its own credentials (and a captcha it solved in its own
    browser) to /oauth/login from the victim's browser, which holds no flow cookie."""
    attacker = _other_browser(hall)
    page = (await attacker.get(f"/oauth/login?kind={kind}")).text
    identifier, password = CREDENTIALS[kind]
    form = {"kind": kind, "identifier": identifier, "password": password}
    form |= await login_form(attacker, page)
    victim = _other_browser(hall)
    _refusal(await victim.post("/oauth/login", data=form), "FLOW_COOKIE_MISSING")
    assert "sh_sso" not in victim.cookies
    # with a pending request of the attacker's own (its rid) it is no different
    started = await attacker.get(f"/oauth/authorize?{authorization().query}")
    rid = query_of(started.headers["location"])["rid"]
    _refusal(await victim.post("/oauth/login", data=form | {"rid": rid}), "FLOW_COOKIE_MISSING")
    # the same form from the attacker's own browser signs the attacker in: the check is
    # the browser binding, nothing else
    if kind == "enterprise":
        form |= await login_form(
            attacker, (await attacker.get("/oauth/login?kind=enterprise")).text
        )
    assert (await attacker.post("/oauth/login", data=form)).status_code == 303


async def test_a_login_post_needs_this_browsers_token(hall: HallClient) -> None:
    """F7: a browser with a flow cookie still needs the token of its own login page."""
    await hall.get("/oauth/login?kind=person")
    form = {"kind": "person", "identifier": PERSON.login, "password": PERSON.password}
    _refusal(await hall.post("/oauth/login", data=form), "TOKEN_MISSING")
    other = _other_browser(hall)
    foreign = hidden((await other.get("/oauth/login?kind=person")).text, "csrf")
    _refusal(await hall.post("/oauth/login", data=form | {"csrf": foreign}), "TOKEN_MISMATCH")
    assert "sh_sso" not in hall.cookies


async def test_a_captcha_from_another_browser_is_refused(hall: HallClient) -> None:
    """F7: a captcha id (with its right answer) drawn for another browser's flow does not
    count here, even with this browser's own form token."""
    attacker = _other_browser(hall)
    solved = await login_form(attacker, (await attacker.get("/oauth/login?kind=enterprise")).text)
    own = await login_form(hall, (await hall.get("/oauth/login?kind=enterprise")).text)
    form = {"kind": "enterprise", "identifier": ENTERPRISE.login, "password": ENTERPRISE.password}
    stolen = own | {k: solved[k] for k in ("captcha_id", "captcha", "captcha_tag")}
    _refusal(await hall.post("/oauth/login", data=form | stolen), "CAPTCHA_FOREIGN")
    untagged = stolen | {"captcha_tag": own["captcha_tag"]}  # this browser's tag, their id
    _refusal(await hall.post("/oauth/login", data=form | untagged), "CAPTCHA_FOREIGN")
    assert "sh_sso" not in hall.cookies
    assert (await hall.post("/oauth/login", data=form | own)).status_code == 303


async def test_consent_needs_the_session_bound_token(hall: HallClient) -> None:
    """F7: the consent form is bound to the session as well as the pending request."""
    with use_database(hall.runtime.db):  # type: ignore[arg-type]
        await OAuthClient.create(
            client_id="job-fair",
            name="斗门区人才招聘会报名系统",
            kind=ClientKind.PUBLIC,
            redirect_uris=["https://jobs.example.cn/cb"],
            scopes=["openid", "profile"],
        )
    await tokens(hall)
    auth = authorization(
        client_id="job-fair", redirect_uri="https://jobs.example.cn/cb", scope="openid"
    )
    page = await hall.get(f"/oauth/authorize?{auth.query}")
    rid = hidden(page.text, "rid")
    _refusal(
        await hall.post("/oauth/authorize", data={"rid": rid, "decision": "allow"}),
        "TOKEN_MISSING",
    )
    wrong = {"rid": rid, "decision": "allow", "csrf": "x" * 32}
    _refusal(await hall.post("/oauth/authorize", data=wrong), "TOKEN_MISMATCH")
    right = wrong | {"csrf": hidden(page.text, "csrf")}
    assert (await hall.post("/oauth/authorize", data=right)).status_code == 302


async def test_an_attackers_id_token_hint_does_not_end_the_victims_session(
    hall: HallClient,
) -> None:
    """F8: GET /oauth/logout with someone else's (valid) ID token asks instead of ending
    the browser's session; the confirmation ends it only with its session-bound token."""
    attacker = _other_browser(hall)
    attackers = await tokens(
        attacker, kind="person", identifier=PERSON.login, password=PERSON.password
    )
    await tokens(hall)  # the victim, signed in as the enterprise
    asked = await hall.get("/oauth/logout", params={"id_token_hint": attackers["id_token"]})
    assert asked.status_code == 200 and "确定退出" in asked.text
    assert await _signed_in(hall)
    csrf = hidden(asked.text, "csrf")

    missing = await hall.post("/oauth/logout", data={})
    assert missing.status_code == 200 and "确定退出" in missing.text  # asked again
    _refusal(await hall.post("/oauth/logout", data={"csrf": "x" * 32}), "TOKEN_MISMATCH")
    _refusal(
        await hall.post(
            "/oauth/logout",
            data={"csrf": hidden((await attacker.get("/oauth/logout")).text, "csrf")},
        ),
        "TOKEN_MISMATCH",
    )
    assert await _signed_in(hall)

    done = await hall.post("/oauth/logout", data={"csrf": csrf})
    assert done.status_code == 200 and "已安全退出" in done.text
    assert not await _signed_in(hall)
    assert await _signed_in(attacker)  # the attacker's session was never touched


async def test_the_sessions_own_id_token_hint_ends_it_at_once(hall: HallClient) -> None:
    """F8: RP-initiated logout with the session's own subject needs no confirmation."""
    issued = await tokens(hall)
    response = await hall.get("/oauth/logout", params={"id_token_hint": issued["id_token"]})
    assert response.status_code == 200 and "已安全退出" in response.text
    assert not await _signed_in(hall)


async def test_sign_in_pages_cannot_be_framed(hall: HallClient) -> None:
    """Login, consent, logout confirmation and messages forbid framing (clickjacking)."""
    with use_database(hall.runtime.db):  # type: ignore[arg-type]
        await OAuthClient.create(
            client_id="job-fair",
            name="斗门区人才招聘会报名系统",
            kind=ClientKind.PUBLIC,
            redirect_uris=["https://jobs.example.cn/cb"],
            scopes=["openid"],
        )
    pages = [await hall.get(f"/oauth/login?kind={kind}") for kind in CREDENTIALS]
    await tokens(hall)
    auth = authorization(client_id="job-fair", redirect_uri="https://jobs.example.cn/cb")
    consent = await hall.get(f"/oauth/authorize?{auth.query}")
    assert "同意授权" in consent.text
    pages += [consent, await hall.get("/oauth/logout"), await hall.get("/account/bindings")]
    for page in pages:
        assert page.status_code == 200
        assert page.headers["content-security-policy"] == "frame-ancestors 'none'"
        assert page.headers["x-frame-options"] == "DENY"
