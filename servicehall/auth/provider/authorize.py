"""The authorization endpoint and the consent page (``/oauth/authorize``)."""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urlencode

from authlib.oauth2 import OAuth2Error
from authlib.oauth2.rfc6749.errors import AccessDeniedError
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from servicehall import clock
from servicehall.auth.csrf import TOKEN_FIELD
from servicehall.auth.provider.bridge import HallRequest
from servicehall.auth.provider.models import Client, Identity
from servicehall.auth.provider.pages import (
    PENDING_COOKIE,
    PENDING_TTL,
    SCOPE_LABELS,
    ProviderBase,
    _multi,
    _run,
)
from servicehall.auth.sessions import SsoSession
from servicehall.errors import CsrfCheckFailed
from servicehall.models import (
    AuditEvent,
    Consent,
    OAuthClient,
)

log = logging.getLogger(__name__)


class AuthorizeViews(ProviderBase):
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
