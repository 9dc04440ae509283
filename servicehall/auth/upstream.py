"""Upstream identity providers: binding accounts and signing in with them (SSO-2, SSO-5).

Providers are data (``IdentityProvider`` rows: issuer, client id, sealed secret). The hall
is an OpenID Connect client of each through authlib's Starlette OAuth client, with PKCE;
the flow's secrets (nonce, code verifier) stay in the cache backend and the browser's
signed session cookie holds only a marker proving it started the flow.

- ``/account/bindings`` lists an account's bindings; binding one requires the account's
  password again (fresh re-authentication, ASVS 3.7.1) before the hall sends the browser
  to the upstream provider.
- ``/auth/upstream/{slug}/login`` signs in with a bound upstream account: the callback
  finds the binding by (issuer, subject) and opens a local SSO session.
"""

from __future__ import annotations

import logging
from typing import Any

from authlib.integrations.base_client import OAuthError
from authlib.integrations.starlette_client import OAuth
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from servicehall import clock
from servicehall.auth.csrf import TOKEN_FIELD
from servicehall.auth.login import record_login
from servicehall.auth.provider.pages import PENDING_COOKIE
from servicehall.auth.provider.web import Provider
from servicehall.auth.sessions import COOKIE, SsoSession
from servicehall.auth.throttle import account_key
from servicehall.cache.base import CacheBackend
from servicehall.errors import CsrfCheckFailed
from servicehall.models import (
    Account,
    AccountBinding,
    AuditEvent,
    IdentityProvider,
    LoginResult,
)

log = logging.getLogger(__name__)

#: Seconds a password re-entry authorises a binding (the upstream round trip).
FRESH_AUTH = 300


class _StateCache:
    """authlib's cache protocol over the hall's cache backend."""

    def __init__(self, cache: CacheBackend) -> None:
        self._cache = cache

    async def get(self, key: str) -> str | None:
        value = await self._cache.get(f"upstream:{key}")
        return None if value is None else value.decode()

    async def set(self, key: str, value: str, expires: int | None = None) -> None:
        await self._cache.set(f"upstream:{key}", value.encode(), expires)

    async def delete(self, key: str) -> None:
        await self._cache.delete(f"upstream:{key}")


class Upstream:
    def __init__(self, provider: Provider) -> None:
        self.provider = provider
        self.services = provider.services
        self.oauth = OAuth(cache=_StateCache(self.services.cache))
        self._registered: dict[str, str] = {}

    def routes(self) -> list[BaseRoute]:
        return [
            Route("/account/bindings", self.bindings_page, methods=["GET"]),
            Route("/auth/upstream/{slug}/bind", self.bind, methods=["POST"]),
            Route("/auth/upstream/{slug}/login", self.login, methods=["GET"]),
            Route("/auth/upstream/{slug}/callback", self.callback, methods=["GET"]),
        ]

    async def _client(self, slug: str) -> tuple[IdentityProvider, Any] | None:
        row = await IdentityProvider.get_or_none(slug=slug[:32], active=True)
        if row is None:
            return None
        fingerprint = f"{row.issuer}|{row.client_id}|{row.client_secret_jwe}|{row.scopes}"
        if self._registered.get(slug) != fingerprint:
            self.oauth.register(
                name=slug,
                client_id=row.client_id,
                client_secret=self.services.box.open(row.client_secret_jwe),
                server_metadata_url=f"{row.issuer}/.well-known/openid-configuration",
                client_kwargs={"scope": row.scopes, "code_challenge_method": "S256"},
                overwrite=True,
            )
            self._registered[slug] = fingerprint
        return row, self.oauth.create_client(slug)

    def _callback_url(self, slug: str) -> str:
        return f"{self.services.settings.issuer}/auth/upstream/{slug}/callback"

    async def _session(self, request: Request) -> SsoSession | None:
        return await self.services.sessions.get(request.cookies.get(COOKIE))

    async def bindings_page(self, request: Request) -> Response:
        session = await self._session(request)
        if session is None:
            return RedirectResponse("/oauth/login", status_code=303)
        account = await Account.get(id=session.account_id)
        bindings = await AccountBinding.filter(account=account).select_related("provider")
        bound = {b.provider.slug for b in bindings}
        providers = await IdentityProvider.filter(active=True).order_by("name")
        return self.provider._page(
            "bindings.html",
            title="账号绑定",
            csrf=self.provider.forms.token("bind", session.id),
            account_name=account.display_name,
            bindings=[
                {
                    "provider": b.provider.name,
                    "name": b.display_name or "已绑定",
                    "date": f"{b.bound_at:%Y-%m-%d}",
                }
                for b in bindings
            ],
            unbound=[
                {"slug": p.slug, "name": p.name, "action": f"/auth/upstream/{p.slug}/bind"}
                for p in providers
                if p.slug not in bound
            ],
        )

    async def bind(self, request: Request) -> Response:
        slug = request.path_params["slug"]
        session = await self._session(request)
        if session is None:
            return RedirectResponse("/oauth/login", status_code=303)
        found = await self._client(slug)
        if found is None:
            return self.provider._message("无法绑定", "该平台未接入或已停用。", 404)
        account = await Account.get(id=session.account_id)
        async with request.form(max_files=0, max_fields=5) as form:
            password = str(form.get("password", ""))[:512]
            given = str(form.get(TOKEN_FIELD, ""))
        try:  # a cross-site form must not start a binding to the attacker's account (F7)
            self.provider.forms.check_session_form("bind", session.id, given)
        except CsrfCheckFailed as error:
            return self.provider.refuse(error, link="/account/bindings")
        # a password guessed here counts with the sign-in's guesses (F3, F12)
        key = account_key(account.id)
        ip = request.client.host if request.client else ""
        verdict = await self.services.throttle.reserve(key, ip)
        if not verdict.allowed:
            return self.provider._message(
                "无法绑定", f"尝试过于频繁，请{max(verdict.retry_after, 1)}秒后再试。", 429
            )
        if not await self.services.passwords.verify(account.password_hash, password):
            await self.services.throttle.failed(key, ip, verdict)
            return self.provider._message("无法绑定", "密码不正确，请返回重试。", 400)
        await self.services.throttle.succeeded(key, ip)
        request.session["upstream"] = {
            "mode": "bind",
            "account": account.id,
            "session": session.id,
            "at": clock.timestamp(),
        }
        _, client = found
        response: Response = await client.authorize_redirect(request, self._callback_url(slug))
        return response

    async def login(self, request: Request) -> Response:
        slug = request.path_params["slug"]
        found = await self._client(slug)
        if found is None:
            return self.provider._message("无法登录", "该平台未接入或已停用。", 404)
        request.session["upstream"] = {
            "mode": "login",
            "rid": request.query_params.get("rid", "")[:64],
            "at": clock.timestamp(),
        }
        _, client = found
        response: Response = await client.authorize_redirect(request, self._callback_url(slug))
        return response

    async def callback(self, request: Request) -> Response:
        slug = request.path_params["slug"]
        found = await self._client(slug)
        flow = request.session.pop("upstream", None)
        if found is None or not isinstance(flow, dict):
            return self.provider._message("登录已失效", "请返回重新操作。")
        row, client = found
        try:
            token = await client.authorize_access_token(request)
        except OAuthError as error:
            log.info("upstream %s refused: %s", slug, error.error)
            return self.provider._message("无法完成", f"对方平台未完成认证（{error.error}）。")
        claims = token.get("userinfo") or {}
        subject = str(claims.get("sub", ""))
        if not subject or claims.get("iss") != row.issuer:
            return self.provider._message("无法完成", "对方平台返回的身份信息无效。")
        ip = request.client.host if request.client else ""
        if flow.get("mode") == "bind":
            return await self._finish_binding(request, row, subject, claims, flow, ip)
        return await self._finish_login(request, row, subject, flow, ip)

    async def _finish_binding(
        self,
        request: Request,
        row: IdentityProvider,
        subject: str,
        claims: dict[str, Any],
        flow: dict[str, Any],
        ip: str,
    ) -> Response:
        session = await self._session(request)
        fresh = clock.timestamp() - float(flow.get("at", 0)) <= FRESH_AUTH
        if session is None or session.id != flow.get("session") or not fresh:
            return self.provider._message("绑定已失效", "请重新登录后再绑定。")
        if await AccountBinding.exists(provider=row, subject=subject):
            return self.provider._message("无法绑定", "该平台账号已绑定其他账号。", 409)
        account = await Account.get(id=session.account_id)
        if await AccountBinding.exists(provider=row, account=account):
            return self.provider._message("无法绑定", f"本账号已绑定{row.name}的另一个账号。", 409)
        await AccountBinding.create(
            account=account,
            provider=row,
            subject=subject,
            display_name=str(claims.get("name", ""))[:64],
        )
        await AuditEvent.record(
            "binding.added",
            actor=f"account:{account.subject}",
            target=f"provider:{row.slug}",
            ip=ip,
        )
        return self.provider._message(
            "绑定成功",
            f"已绑定{row.name}账号，今后可使用该账号直接登录。",
            200,
            link="/account/bindings",
            link_text="查看已绑定的账号",
        )

    async def _finish_login(
        self,
        request: Request,
        row: IdentityProvider,
        subject: str,
        flow: dict[str, Any],
        ip: str,
    ) -> Response:
        binding = (
            await AccountBinding.filter(provider=row, subject=subject)
            .select_related("account")
            .first()
        )
        if binding is None:
            return self.provider._message(
                "尚未绑定",
                f"该{row.name}账号尚未与本平台账号绑定。请先用本平台账号登录，在“账号绑定”中完成绑定。",
                403,
            )
        account = binding.account
        user_agent = request.headers.get("user-agent", "")
        session = await self.services.sessions.create(
            account_id=account.id,
            subject=account.subject,
            amr=["fed"],
            ip=ip,
            user_agent=user_agent,
        )
        await record_login(
            account,
            ip=ip,
            user_agent=user_agent,
            client_id="",
            method=f"upstream:{row.slug}",
            result=LoginResult.SUCCESS,
        )
        await AuditEvent.record(
            "login.success",
            actor=f"account:{account.subject}",
            target=f"account:{account.subject}",
            ip=ip,
            method=f"upstream:{row.slug}",
        )
        rid = str(flow.get("rid", ""))
        pending = rid and request.cookies.get(PENDING_COOKIE) == rid
        response = RedirectResponse(
            f"/oauth/authorize?resume={rid}" if pending else "/", status_code=303
        )
        self.provider._set_cookie(
            response, COOKIE, session.id, self.services.settings.session_max_ttl, "/"
        )
        return response
