"""A typed 503 for a dependency that is down, never a plain-text 500 (F5, SEC-3).

Most of the hall degrades on its own while Redis is unavailable (bearer reads check
revocations in the database, caches are skipped). What cannot (an SSO session, a pending
sign-in, an authorization code must be stored) raises :class:`ServiceUnavailable`; this
middleware, just inside the request id middleware, turns it into a 503 that carries the
request id in the ``X-Request-ID`` header and in the body: a Chinese page for the sign-in
pages, an OAuth error (``temporarily_unavailable``) for the token endpoints and a GraphQL
error for the API. The user never sees an exception's class name; the log line with the
request id has the cause.
"""

from __future__ import annotations

import logging

import orjson
from jinja2 import Environment
from starlette.responses import HTMLResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from servicehall.errors import ServiceUnavailable

log = logging.getLogger(__name__)

#: Browser pages: they answer HTML.
PAGE_PREFIXES = ("/oauth/login", "/oauth/authorize", "/oauth/logout", "/auth/upstream/")
#: The provider's machine endpoints: they answer RFC 6749 JSON errors.
OAUTH_PREFIXES = ("/oauth/", "/.well-known/")
#: Seconds a client should wait before trying again (about one breaker cool-down).
RETRY_AFTER = "5"
PAGE_TITLE = "登录服务暂时不可用"
PAGE_TEXT = "登录服务暂时不可用，请稍后再试。如需帮助，请向工作人员提供请求编号：{request_id}"


class UnavailableMiddleware:
    def __init__(self, app: ASGIApp, pages: Environment, hall_name: str) -> None:
        self.app = app
        self.pages = pages
        self.hall_name = hall_name

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except ServiceUnavailable as exc:
            if started:
                raise
            request_id = str(scope.get("state", {}).get("request_id", ""))
            log.info(
                "503 for %s %s (request %s): %s (%s)",
                scope.get("method"),
                scope.get("path"),
                request_id,
                exc.message,
                type(exc.__cause__).__name__ if exc.__cause__ else exc.code.value,
            )
            response = self.response(str(scope.get("path", "")), request_id, exc)
            await response(scope, receive, send)

    def response(self, path: str, request_id: str, exc: ServiceUnavailable) -> Response:
        headers = {"cache-control": "no-store", "retry-after": RETRY_AFTER}
        if path.startswith(PAGE_PREFIXES):
            html = self.pages.get_template("message.html").render(
                hall_name=self.hall_name,
                title=PAGE_TITLE,
                text=PAGE_TEXT.format(request_id=request_id),
                alert=True,
                form_fields={},
            )
            return HTMLResponse(html, 503, headers=headers)
        if path.startswith(OAUTH_PREFIXES):
            body: dict[str, object] = {
                "error": "temporarily_unavailable",
                "error_description": "服务暂时不可用，请稍后再试",
                "request_id": request_id,
            }
        else:
            body = {
                "errors": [
                    {
                        "message": "服务暂时不可用，请稍后再试",
                        "extensions": {
                            "code": exc.code.value,
                            "label": exc.label,
                            "requestId": request_id,
                        },
                    }
                ]
            }
        return Response(orjson.dumps(body), 503, media_type="application/json", headers=headers)
