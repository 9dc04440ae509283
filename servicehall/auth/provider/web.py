"""The provider's HTTP endpoints on Starlette.

``/.well-known/openid-configuration``, ``/.well-known/jwks.json``, ``/oauth/authorize``
(login and consent pages on the way), ``/oauth/token``, ``/oauth/userinfo``,
``/oauth/revoke`` (RFC 7009), ``/oauth/introspect`` (RFC 7662) and ``/oauth/logout``
(RP-initiated logout). authlib's synchronous core runs in a worker thread.

A pending authorization request survives the login page in the cache under a random id
that is also set as a cookie: the login and consent forms (and an upstream sign-in) are
only accepted from the browser that started the request (login CSRF). Every form also
carries a token bound to the browser (``auth/csrf.py``): the login form's and its captcha's
to the flow cookie, consent's and the logout confirmation's to the SSO session (F7, F8).
Every page forbids framing (``frame-ancestors 'none'``, clickjacking).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import partial
from typing import Any, TypeVar
from urllib.parse import urlencode

import anyio.to_thread
import orjson
from authlib.common.urls import add_params_to_uri
from authlib.oauth2 import OAuth2Error
from authlib.oauth2.rfc6749.errors import AccessDeniedError
from jinja2 import Environment, PackageLoader, select_autoescape
from joserfc import jwt
from joserfc.errors import JoseError
from starlette.datastructures import QueryParams
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from servicehall import clock
from servicehall.auth import login as login_service
from servicehall.auth.captcha import data_url
from servicehall.auth.crypto import new_token
from servicehall.auth.csrf import TOKEN_FIELD, FormGuard
from servicehall.auth.provider.models import Client, Identity
from servicehall.auth.provider.server import HallAuthorizationServer, HallRequest, user_info
from servicehall.auth.services import AuthServices
from servicehall.auth.sessions import COOKIE, SsoSession
from servicehall.auth.tokens import InvalidToken
from servicehall.cache.base import CacheUnavailable
from servicehall.errors import CsrfCheckFailed, RateLimited, ServiceHallError
from servicehall.models import (
    Announcement,
    AuditEvent,
    Consent,
    IdentityProvider,
    OAuthClient,
)

log = logging.getLogger(__name__)
T = TypeVar("T")

PENDING_COOKIE = "sh_authz"
PENDING_TTL = 600
HALL_NAME = "珠海市斗门区网上办事大厅"
MAX_FORM_FIELDS = 30
#: Sent with every page of the provider: none may be framed (clickjacking of the login,
#: consent and logout forms); X-Frame-Options for browsers without CSP level 2.
PAGE_HEADERS = {
    "cache-control": "no-store",
    "content-security-policy": "frame-ancestors 'none'",
    "x-frame-options": "DENY",
}

SCOPE_LABELS = {
    "openid": "您的账号标识",
    "profile": "姓名或名称、账号类型",
    "phone": "手机号码",
    "email": "电子邮箱",
    "enterprise": "所属企业的统一社会信用代码和名称",
    "offline_access": "在您离开后继续访问（长期授权）",
}
TABS = (
    ("person", "个人登录", "手机号码或身份证号码", "已注册的11位手机号码或18位居民身份证号码"),
    (
        "enterprise",
        "企业登录",
        "统一社会信用代码或工商注册号",
        "18位统一社会信用代码，或原15位工商注册号",
    ),
    ("staff", "工作人员登录", "工号", "部门工作人员和系统管理员的工号"),
)


def _multi(params: QueryParams | Any) -> dict[str, list[str]]:
    return {key: [str(v) for v in params.getlist(key)] for key in params}


async def _run(fn: Callable[..., T], *args: Any) -> T:
    return await anyio.to_thread.run_sync(partial(fn, *args))


class Provider:
    def __init__(self, services: AuthServices) -> None:
        self.services = services
        self.settings = services.settings
        self.server = HallAuthorizationServer(services)
        self.pages = Environment(
            loader=PackageLoader("servicehall.auth", "templates"),
            autoescape=select_autoescape(["html"]),
        )
        self.secure_cookies = self.settings.issuer.startswith("https://")
        self.forms = FormGuard(services.box.derive("form-tokens"))

    def routes(self) -> list[BaseRoute]:
        return [
            Route("/.well-known/openid-configuration", self.discovery),
            Route("/.well-known/jwks.json", self.jwks),
            Route("/oauth/authorize", self.authorize, methods=["GET"]),
            Route("/oauth/authorize", self.consent, methods=["POST"]),
            Route("/oauth/login", self.login_page, methods=["GET"]),
            Route("/oauth/login", self.login, methods=["POST"]),
            Route("/oauth/token", self.token, methods=["POST"]),
            Route("/oauth/userinfo", self.userinfo, methods=["GET", "POST"]),
            Route("/oauth/revoke", self.revoke, methods=["POST"]),
            Route("/oauth/introspect", self.introspect, methods=["POST"]),
            Route("/oauth/logout", self.logout, methods=["GET", "POST"]),
        ]

    # -- helpers -----------------------------------------------------------------------

    def _url(self, path: str) -> str:
        return f"{self.settings.issuer}{path}"

    def _request(
        self,
        request: Request,
        query: dict[str, list[str]],
        form: dict[str, list[str]] | None = None,
    ) -> HallRequest:
        flat = urlencode([(k, v) for k, values in query.items() for v in values])
        uri = self._url(request.url.path) + (f"?{flat}" if flat else "")
        return HallRequest(request.method, uri, request.headers, query, form or {})

    async def _form(self, request: Request) -> dict[str, list[str]]:
        async with request.form(max_files=0, max_fields=MAX_FORM_FIELDS) as form:
            return _multi(form)

    @staticmethod
    def _response(status: int, body: Any, headers: list[tuple[str, str]]) -> Response:
        content = orjson.dumps(body) if isinstance(body, dict) else (body or b"")
        response = Response(content, status, media_type="application/json")
        for name, value in headers:
            response.headers[name] = value
        response.headers.setdefault("cache-control", "no-store")
        return response

    def _page(self, template: str, status: int = 200, **context: Any) -> HTMLResponse:
        html = self.pages.get_template(template).render(hall_name=HALL_NAME, **context)
        return HTMLResponse(html, status, headers=PAGE_HEADERS)

    def _message(self, title: str, text: str, status: int = 400, **context: Any) -> HTMLResponse:
        context.setdefault("form_fields", {})
        return self._page(
            "message.html", status, title=title, text=text, alert=status >= 400, **context
        )

    def refuse(self, error: CsrfCheckFailed, *, link: str = "/oauth/login") -> HTMLResponse:
        """The 403 page of a form this browser did not get from the hall; never a session."""
        reason = str(error.details.get("reason", ""))
        log.info("refused a form without a valid browser binding: %s", reason)
        return self._message(
            error.label,
            f"{error.message}为保护您的账号，本次提交未被处理，请重新打开页面后再操作。",
            403,
            code=f"{error.code.value} / {reason}",
            link=link,
            link_text="重新打开登录页面" if link.startswith("/oauth/login") else "返回",
        )

    def _set_cookie(
        self, response: Response, name: str, value: str, max_age: int, path: str
    ) -> None:
        response.set_cookie(
            name,
            value,
            max_age=max_age,
            path=path,
            secure=self.secure_cookies,
            httponly=True,
            samesite="lax",
        )

    async def _session(self, request: Request) -> SsoSession | None:
        return await self.services.sessions.get(request.cookies.get(COOKIE))

    async def _save_pending(self, query: dict[str, list[str]]) -> str:
        rid = new_token(18)
        payload = {"query": query, "created": clock.timestamp()}
        await self.services.cache.set(f"authz-req:{rid}", orjson.dumps(payload), PENDING_TTL)
        return rid

    async def _pending(self, request: Request, rid: str | None) -> dict[str, Any] | None:
        """The pending request ``rid`` if this browser started it."""
        if not rid or len(rid) > 64 or request.cookies.get(PENDING_COOKIE) != rid:
            return None
        raw = await self.services.cache.get(f"authz-req:{rid}")
        return None if raw is None else dict(orjson.loads(raw))

    # -- discovery ---------------------------------------------------------------------

    async def discovery(self, request: Request) -> JSONResponse:
        issuer = self.settings.issuer
        return JSONResponse(
            {
                "issuer": issuer,
                "authorization_endpoint": f"{issuer}/oauth/authorize",
                "token_endpoint": f"{issuer}/oauth/token",
                "userinfo_endpoint": f"{issuer}/oauth/userinfo",
                "jwks_uri": f"{issuer}/.well-known/jwks.json",
                "revocation_endpoint": f"{issuer}/oauth/revoke",
                "introspection_endpoint": f"{issuer}/oauth/introspect",
                "end_session_endpoint": f"{issuer}/oauth/logout",
                "response_types_supported": ["code"],
                "response_modes_supported": ["query"],
                "grant_types_supported": [
                    "authorization_code",
                    "refresh_token",
                    "client_credentials",
                ],
                "subject_types_supported": ["public"],
                "id_token_signing_alg_values_supported": ["RS256"],
                "scopes_supported": list(SCOPE_LABELS),
                "claims_supported": [
                    "sub",
                    "name",
                    "account_kind",
                    "phone_number",
                    "email",
                    "enterprise",
                    "auth_time",
                    "amr",
                    "sid",
                ],
                "token_endpoint_auth_methods_supported": [
                    "client_secret_basic",
                    "client_secret_post",
                    "none",
                ],
                "code_challenge_methods_supported": ["S256"],
                "prompt_values_supported": ["none", "login", "consent"],
                "ui_locales_supported": ["zh-CN"],
            },
            headers={"cache-control": "public, max-age=300"},
        )

    async def jwks(self, request: Request) -> JSONResponse:
        return JSONResponse(
            await self.services.keys.jwks(), headers={"cache-control": "public, max-age=300"}
        )

    # -- authorization -----------------------------------------------------------------

    async def authorize(self, request: Request) -> Response:
        query = _multi(request.query_params)
        resume = query.pop("resume", [None])[0]
        pending = None
        if resume is not None:
            pending = await self._pending(request, resume)
            if pending is None:
                return self._message("登录请求已失效", "请返回原网站重新发起登录。")
            query = pending["query"]
        oauth = self._request(request, query)
        try:
            grant = await _run(self.server.get_consent_grant, oauth)
        except OAuth2Error as error:
            return self._authorize_error(error)
        client: Client = grant.client
        params = oauth.payload.data
        prompt = set(params.get("prompt", "").split())
        session = await self._session(request)
        fresh = (
            pending is not None
            and session is not None
            and session.auth_time >= pending["created"] - 1
        )
        max_age = params.get("max_age", "")
        stale = bool(
            session and max_age.isdigit() and clock.timestamp() - session.auth_time > int(max_age)
        )
        if session is None or (("login" in prompt or stale) and not fresh):
            if "none" in prompt:
                return self._authorize_error(
                    _redirect_error("login_required", params), redirect=True
                )
            rid = await self._save_pending(query)
            response = RedirectResponse(f"/oauth/login?rid={rid}", status_code=303)
            self._set_cookie(response, PENDING_COOKIE, rid, PENDING_TTL, "/")
            return response
        identity = await self.services.store.identity(
            session.account_id, session_id=session.id, auth_time=session.auth_time, amr=session.amr
        )
        if identity is None:  # disabled since the session began
            await self.services.sessions.end(session)
            return self._message("账号不可用", "该账号已停用，请联系区政务服务数据管理局。", 403)
        scopes = client.get_allowed_scope(params.get("scope", "")).split()
        if not client.first_party and (
            "consent" in prompt or not await _consented(identity, client, scopes)
        ):
            if "none" in prompt:
                return self._authorize_error(
                    _redirect_error("consent_required", params), redirect=True
                )
            rid = resume if resume and pending else await self._save_pending(query)
            consent_page = self._page(
                "consent.html",
                title="授权确认",
                client_name=client.name,
                account_name=identity.display_name,
                scopes=[SCOPE_LABELS.get(s, s) for s in scopes],
                rid=rid,
                csrf=self.forms.token("consent", f"{session.id}:{rid}"),
                action="/oauth/authorize",
            )
            self._set_cookie(consent_page, PENDING_COOKIE, rid, PENDING_TTL, "/")
            return consent_page
        return await self._issue_code(oauth, grant, identity, session)

    async def _issue_code(
        self, oauth: HallRequest, grant: Any, identity: Identity, session: SsoSession
    ) -> Response:
        status, body, headers = await _run(
            self.server.create_authorization_response, oauth, identity, grant
        )
        await self.services.sessions.remember_client(session, grant.client.client_id)
        return self._response(status, body, headers)

    def _authorize_error(self, error: OAuth2Error, *, redirect: bool = False) -> Response:
        if error.redirect_uri or redirect:
            status, body, headers = error()
            return self._response(status, body, headers)
        log.info("refused authorization request: %s", error.error)
        return self._message(
            "无法完成授权",
            f"应用发起的登录请求无效（{error.error}：{error.description or ''}），"
            "请联系该应用的提供方。",
        )

    async def consent(self, request: Request) -> Response:
        form = await self._form(request)
        rid = form.get("rid", [""])[0]
        pending = await self._pending(request, rid)
        session = await self._session(request)
        if pending is None or session is None:
            return self._message("授权请求已失效", "请返回原网站重新发起登录。")
        try:
            given = form.get(TOKEN_FIELD, [""])[0]
            self.forms.check_session_form("consent", f"{session.id}:{rid}", given)
        except CsrfCheckFailed as error:
            return self.refuse(error, link="/oauth/authorize?" + urlencode({"resume": rid}))
        oauth = self._request(request, pending["query"])
        oauth.method = "GET"
        try:
            grant = await _run(self.server.get_consent_grant, oauth)
        except OAuth2Error as error:
            return self._authorize_error(error)
        identity = await self.services.store.identity(
            session.account_id, session_id=session.id, auth_time=session.auth_time, amr=session.amr
        )
        if identity is None:
            return self._message("账号不可用", "该账号已停用。", 403)
        await self.services.cache.delete(f"authz-req:{rid}")
        if form.get("decision", [""])[0] != "allow":
            redirect_uri = oauth.payload.data["redirect_uri"]
            denied = AccessDeniedError(
                redirect_uri=redirect_uri, state=oauth.payload.data.get("state")
            )
            return self._authorize_error(denied, redirect=True)
        client: Client = grant.client
        scopes = client.get_allowed_scope(oauth.payload.data.get("scope", "")).split()
        await Consent.update_or_create(
            account_id=identity.account_id,
            client_id=await _client_pk(client),
            defaults={"scopes": scopes},
        )
        await AuditEvent.record(
            "consent.granted",
            actor=f"account:{identity.subject}",
            target=f"client:{client.client_id}",
            scopes=scopes,
        )
        return await self._issue_code(oauth, grant, identity, session)

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

    # -- tokens ------------------------------------------------------------------------

    async def token(self, request: Request) -> Response:
        oauth = self._request(request, {}, await self._form(request))
        return self._response(*await _run(self.server.create_token_response, oauth))

    async def revoke(self, request: Request) -> Response:
        oauth = self._request(request, {}, await self._form(request))
        return self._response(
            *await _run(self.server.create_endpoint_response, "revocation", oauth)
        )

    async def introspect(self, request: Request) -> Response:
        oauth = self._request(request, {}, await self._form(request))
        return self._response(
            *await _run(self.server.create_endpoint_response, "introspection", oauth)
        )

    async def userinfo(self, request: Request) -> Response:
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        try:
            if scheme.lower() != "bearer":
                raise InvalidToken("missing bearer token")
            claims = await self.services.tokens.claims(token.strip())
            identity = await self.services.store.identity_by_subject(str(claims["sub"]))
            if identity is None:
                raise InvalidToken("no such account")
        except InvalidToken as error:
            return JSONResponse(
                {"error": "invalid_token", "error_description": error.description},
                401,
                headers={"www-authenticate": 'Bearer error="invalid_token"'},
            )
        info = user_info(identity, str(claims.get("scope", "")))
        return JSONResponse(dict(info), headers={"cache-control": "no-store"})

    # -- logout ------------------------------------------------------------------------

    async def logout(self, request: Request) -> Response:
        params = (
            {k: v[0] for k, v in (await self._form(request)).items() if v}
            if request.method == "POST"
            else dict(request.query_params)
        )
        hint = params.get("id_token_hint")
        claims: dict[str, Any] | None = None
        if hint:
            try:
                keys = await self.services.keys.public_keys()
                claims = dict(jwt.decode(hint, keys, algorithms=["RS256"]).claims)
            except (JoseError, ValueError):
                return self._message("无法退出登录", "退出请求中的身份令牌无效。")
            if claims.get("iss") != self.settings.issuer:
                return self._message("无法退出登录", "退出请求中的身份令牌不是本平台签发的。")
        client_id = params.get("client_id") or (claims or {}).get("aud")
        if params.get("client_id") and claims and claims.get("aud") != params["client_id"]:
            return self._message("无法退出登录", "client_id 与身份令牌不符。")
        client = await self.services.store.client(client_id if isinstance(client_id, str) else None)
        target = params.get("post_logout_redirect_uri")
        if target and not (client and target in client.post_logout_redirect_uris):
            target = None
        session = await self._session(request)
        if session is not None and not (claims and claims.get("sub") == session.subject):
            # F8: a hint of another account (or none) must not end this browser's session:
            # ask, and end it only on the confirmation's POST with its session-bound token.
            given = params.get(TOKEN_FIELD, "") if request.method == "POST" else ""
            if not given:
                if claims is not None:
                    log.info("logout hint names another subject than the session's; asking")
                return self._logout_confirmation(session, params, client_id)
            try:
                self.forms.check_session_form("logout", session.id, given)
            except CsrfCheckFailed as error:
                return self.refuse(error, link="/oauth/logout")
        if session is not None:
            await self.services.store.revoke_session(session.id)
            await self.services.sessions.end(session)
            await AuditEvent.record(
                "logout",
                actor=f"account:{session.subject}",
                target=f"session:{session.id[:8]}",
                ip=request.client.host if request.client else "",
            )
        if target:
            if params.get("state"):
                target = add_params_to_uri(target, [("state", params["state"])])
            response: Response = RedirectResponse(target, status_code=303)
        else:
            response = self._message(
                "已退出登录", "您已安全退出。为保护您的信息，请关闭浏览器。", 200
            )
        response.delete_cookie(
            COOKIE, path="/", secure=self.secure_cookies, httponly=True, samesite="lax"
        )
        return response

    def _logout_confirmation(
        self, session: SsoSession, params: dict[str, str], client_id: Any
    ) -> HTMLResponse:
        fields = {k: v for k, v in params.items() if k in {"post_logout_redirect_uri", "state"}}
        if isinstance(client_id, str) and client_id:
            fields["client_id"] = client_id
        fields[TOKEN_FIELD] = self.forms.token("logout", session.id)
        return self._message(
            "退出登录",
            "确定要退出统一身份认证吗？退出后使用本账号登录的各系统都需要重新登录。",
            200,
            form_action="/oauth/logout",
            form_button="确定退出",
            form_fields=fields,
        )


def _client_ip(request: Request) -> str:
    return request.client.host if request.client else ""


def _redirect_error(error: str, params: dict[str, str]) -> OAuth2Error:
    failure = OAuth2Error(redirect_uri=params["redirect_uri"], state=params.get("state"))
    failure.error = error
    return failure


async def _consented(identity: Identity, client: Client, scopes: list[str]) -> bool:
    row = await Consent.filter(
        account_id=identity.account_id, client__client_id=client.client_id
    ).first()
    return row is not None and set(scopes) <= set(row.scopes)


async def _client_pk(client: Client) -> int:
    return (await OAuthClient.get(client_id=client.client_id)).id
