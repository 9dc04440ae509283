"""F14 (SEC-3): login pages draw their captchas within the per-source captcha limit."""

from __future__ import annotations

import pytest

from servicehall.auth.captcha import CAPTCHAS_PER_MINUTE
from servicehall.errors import RateLimited
from tests.auth.flows import ENTERPRISE, hidden
from tests.auth.test_login import _error
from tests.conftest import HallClient, gql


async def test_enterprise_login_page_draws_count_against_the_captcha_limit(
    hall: HallClient,
) -> None:
    """F14, SEC-3: reloading the enterprise login page draws at most CAPTCHAS_PER_MINUTE
    captchas a minute; then the page answers 429 in Chinese without an image, its POST is
    refused as lacking a captcha, and createCaptcha shares the same count."""
    pages = [(await hall.get("/oauth/login?kind=enterprise")) for _ in range(CAPTCHAS_PER_MINUTE)]
    assert all(p.status_code == 200 and 'name="captcha_id"' in p.text for p in pages)
    over = await hall.get("/oauth/login?kind=enterprise")
    assert over.status_code == 429 and over.headers["retry-after"] == "60"
    assert 'name="captcha_id"' not in over.text and "data:image/png" not in over.text
    assert "获取验证码过于频繁" in over.text
    assert 'name="password"' in over.text  # the form is still there, for a minute later
    form = {"kind": "enterprise", "identifier": ENTERPRISE.login, "password": ENTERPRISE.password}
    refused = await hall.post("/oauth/login", data=form | {"csrf": hidden(over.text, "csrf")})
    assert refused.status_code == 429
    assert _error(refused.text) == "图形验证码错误或已过期"
    assert "data:image/png" not in refused.text
    body = await gql(hall, "mutation { createCaptcha { captcha { id } errors { code } } }")
    assert body["data"]["createCaptcha"] == {"captcha": None, "errors": [{"code": "RATE_LIMITED"}]}
    person = await hall.get("/oauth/login?kind=person")  # no captcha asked: unaffected
    assert person.status_code == 200


async def test_the_limit_is_per_source(hall: HallClient) -> None:
    """F14: another address still gets its captchas."""
    for _ in range(CAPTCHAS_PER_MINUTE):
        await hall.runtime.auth.captcha.allow("198.51.100.1")
    with pytest.raises(RateLimited):
        await hall.runtime.auth.captcha.allow("198.51.100.1")
    page = await hall.get("/oauth/login?kind=enterprise")
    assert page.status_code == 200 and 'name="captcha_id"' in page.text
