"""ENT-2 in a real browser: an enterprise signs in through the Chinese login page, captcha
included, and the client gets its code; screenshots are kept as test artifacts."""

from __future__ import annotations

import httpx
from playwright.async_api import Browser, Route

from tests.auth.flows import ENTERPRISE, REDIRECT, authorization, query_of
from tests.browser.conftest import artifact
from tests.conftest import LiveHall


async def test_enterprise_signs_in_through_the_login_page(
    browser: Browser, live_hall: LiveHall, backend: str
) -> None:
    auth = authorization(scope="openid profile enterprise")
    landed: list[str] = []

    async def client_callback(route: Route) -> None:
        landed.append(route.request.url)
        await route.fulfill(
            status=200,
            content_type="text/html; charset=utf-8",
            body="<html lang='zh-CN'><body>已返回应用</body></html>",
        )

    context = await browser.new_context(locale="zh-CN", viewport={"width": 1024, "height": 800})
    page = await context.new_page()
    await page.route(f"{REDIRECT}**", client_callback)
    await page.goto(f"{live_hall.url}/oauth/authorize?{auth.query}")
    assert await page.title() == "用户登录 - 珠海市斗门区网上办事大厅统一身份认证"
    await page.get_by_role("link", name="企业登录").click()
    await page.get_by_label("统一社会信用代码或工商注册号").fill(ENTERPRISE.login)
    await page.get_by_label("密码").fill(ENTERPRISE.password)
    captcha_id = await page.locator("input[name=captcha_id]").get_attribute("value")
    answer = (await live_hall.runtime.cache.get(f"captcha:{captcha_id}")).decode()
    await page.get_by_label("图形验证码").fill(answer.lower())
    await page.screenshot(path=artifact(f"login-enterprise-{backend}.png"), full_page=True)

    # a wrong password first: the error is announced and a new captcha is shown
    await page.get_by_label("密码").fill("not-the-password")
    await page.get_by_role("button", name="登录").click()
    alert = page.get_by_role("alert")
    assert await alert.inner_text() == "账号或密码错误"
    await page.get_by_label("密码").fill(ENTERPRISE.password)
    captcha_id = await page.locator("input[name=captcha_id]").get_attribute("value")
    answer = (await live_hall.runtime.cache.get(f"captcha:{captcha_id}")).decode()
    await page.get_by_label("图形验证码").fill(answer)
    await page.get_by_role("button", name="登录").click()
    await page.wait_for_url(f"{REDIRECT}**")
    await page.screenshot(path=artifact(f"login-returned-{backend}.png"))
    await context.close()

    returned = query_of(landed[-1])
    assert returned["state"] == auth.state
    async with httpx.AsyncClient(base_url=live_hall.url) as client:
        token = await client.post(
            "/oauth/token",
            data={
                "grant_type": "authorization_code",
                "code": returned["code"],
                "redirect_uri": REDIRECT,
                "client_id": "doumen-portal",
                "code_verifier": auth.verifier,
            },
        )
    assert token.status_code == 200 and token.json()["id_token"]
