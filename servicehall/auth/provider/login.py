"""The login page and form (``/oauth/login``): one tab per kind of account, captcha after
failed attempts, the pending authorization request carried through by its id."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import orjson
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from servicehall.auth import login as login_service
from servicehall.auth.captcha import data_url
from servicehall.auth.provider.pages import (
    TABS,
    ProviderBase,
    _client_ip,
)
from servicehall.auth.sessions import COOKIE
from servicehall.cache.base import CacheUnavailable
from servicehall.errors import CsrfCheckFailed, RateLimited, ServiceHallError
from servicehall.models import (
    Announcement,
    IdentityProvider,
)


class LoginViews(ProviderBase):
    # -- login -------------------------------------------------------------------------

    async def login_page(self, request: Request) -> Response:
        rid = request.query_params.get("rid", "")
        kind = request.query_params.get("kind", "person")
        if kind not in {t[0] for t in TABS}:
            kind = "person"
        return await self._login_page(request, rid, kind, source=_client_ip(request))

    async def _login_page(
        self,
        request: Request,
        rid: str,
        kind: str,
        *,
        source: str,
        error: str = "",
        identifier: str = "",
        captcha: bool = False,
        status: int = 200,
    ) -> Response:
        tab = next(t for t in TABS if t[0] == kind)
        context: dict[str, Any] = {}
        headers: dict[str, str] = {}
        if captcha or kind == "enterprise":
            # F14: a page's captcha counts against the source's draws like createCaptcha's;
            # over the limit the form shows without one (its POST is refused as lacking
            # a captcha) and the page answers 429, so reloading cannot draw more.
            try:
                await self.services.captcha.allow(source)
            except RateLimited as limited:
                context["captcha_refused"] = f"{limited.message}（请一分钟后刷新本页）"
                status, headers = 429, {"retry-after": "60"}
            else:
                challenge = await self.services.captcha.create()
                context |= {
                    "captcha_id": challenge.id,
                    "captcha_tag": self.forms.captcha_tag(request, challenge.id),
                    "captcha_src": data_url(challenge),
                    "captcha_length": 4,
                }
        pending = await self.services.cache.get(f"authz-req:{rid}") if rid else None
        client_name = ""
        if pending is not None:
            client_ids = orjson.loads(pending)["query"].get("client_id", [""])
            client = await self.services.store.client(client_ids[0])
            client_name = client.name if client else ""
        notices = (
            await Announcement.filter(published_at__not_isnull=True)
            .order_by("-published_at")
            .limit(3)
        )
        providers = await IdentityProvider.filter(active=True).order_by("name")
        suffix = f"&rid={rid}" if rid else ""
        page = self._page(
            "login.html",
            status,
            title="用户登录",
            tabs=[
                {"kind": t[0], "label": t[1], "href": f"/oauth/login?kind={t[0]}{suffix}"}
                for t in TABS
            ],
            kind=kind,
            rid=rid,
            csrf=self.forms.login_token(request),
            action="/oauth/login",
            identifier_label=tab[2],
            identifier_hint=tab[3],
            identifier=identifier,
            error=error,
            client_name=client_name,
            announcements=[
                {"title": n.title, "date": f"{n.published_at:%Y-%m-%d}"} for n in notices
            ],
            providers=[
                {"name": p.name, "href": f"/auth/upstream/{p.slug}/login?rid={rid}"}
                for p in providers
            ],
            **context,
        )
        page.headers.update(headers)
        return page

    async def login(self, request: Request) -> Response:
        form = {k: v[0] for k, v in (await self._form(request)).items() if v}
        rid = form.get("rid", "")
        kind_value = form.get("kind", "person")
        if kind_value not in {t[0] for t in TABS}:
            kind_value = "person"
        try:  # F7: only a form this browser was served signs it in
            self.forms.check_login(request, form)
        except CsrfCheckFailed as error:
            again = urlencode({"kind": kind_value, "rid": rid[:64]})
            return self.refuse(error, link=f"/oauth/login?{again}")
        if rid and await self._pending(request, rid) is None:
            return self._message("登录请求已失效", "请返回原网站重新发起登录。")
        attempt = login_service.LoginAttempt(
            kind=login_service.LoginKind(kind_value),
            identifier=form.get("identifier", "")[:64],
            password=form.get("password", "")[:512],
            ip=request.client.host if request.client else "",
            user_agent=request.headers.get("user-agent", ""),
            captcha_id=form.get("captcha_id", "")[:64],
            captcha_answer=form.get("captcha", "")[:16],
            client_id=await self._pending_client(rid),
        )
        try:
            account = await login_service.sign_in(self.services, attempt)
        except login_service.LoginFailed as failed:
            return await self._login_page(
                request,
                rid,
                kind_value,
                source=attempt.ip,
                error=failed.failure.error.message,
                identifier=attempt.identifier,
                captcha=failed.failure.captcha_required,
                status=400,
            )
        except CacheUnavailable:  # not the user's mistake: the 503 page (F5)
            raise
        except ServiceHallError as error:  # a malformed identifier
            return await self._login_page(
                request,
                rid,
                kind_value,
                source=attempt.ip,
                error=error.message,
                identifier=attempt.identifier,
                status=400,
            )
        previous = await self._session(request)
        if previous is not None:  # a new sign-in replaces the browser's old session
            await self.services.sessions.end(previous)
        session = await self.services.sessions.create(
            account_id=account.id,
            subject=account.subject,
            amr=["pwd"],
            ip=attempt.ip,
            user_agent=attempt.user_agent,
        )
        target = f"/oauth/authorize?resume={rid}" if rid else "/"
        response = RedirectResponse(target, status_code=303)
        self._set_cookie(response, COOKIE, session.id, self.settings.session_max_ttl, "/")
        return response

    async def _pending_client(self, rid: str) -> str:
        raw = await self.services.cache.get(f"authz-req:{rid}") if rid else None
        if raw is None:
            return ""
        return str(orjson.loads(raw)["query"].get("client_id", [""])[0])[:64]
