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
from typing import Any

from authlib.common.urls import add_params_to_uri
from joserfc import jwt
from joserfc.errors import JoseError
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from servicehall.auth.csrf import TOKEN_FIELD
from servicehall.auth.provider.authorize import AuthorizeViews
from servicehall.auth.provider.login import LoginViews
from servicehall.auth.provider.pages import (
    SCOPE_LABELS,
    _run,
)
from servicehall.auth.provider.server import user_info
from servicehall.auth.sessions import COOKIE, SsoSession
from servicehall.auth.tokens import InvalidToken
from servicehall.errors import CsrfCheckFailed
from servicehall.models import (
    AuditEvent,
)

log = logging.getLogger(__name__)


class Provider(AuthorizeViews, LoginViews):
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
