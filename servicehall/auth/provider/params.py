"""Control characters in the OAuth/OIDC and sign-in endpoints' parameters (F9, SEC-3).

A NUL in ``client_id`` reached PostgreSQL through authlib and answered a raw 500 on
``/oauth/token`` and ``/oauth/authorize``. Rather than guard every reader (authlib's,
the upstream client's, the pages'), this pure ASGI middleware checks every query
parameter, every field of a URL-encoded form body and the client credentials of a Basic
``Authorization`` header of those routes once, with the policy of
``servicehall.schema.inputs`` (decoded exactly as Starlette decodes them), and answers
``invalid_request`` with status 400: JSON for the endpoints applications call, a Chinese
page for those a browser shows. Other form encodings are refused on these routes: OAuth
(RFC 6749 §3.2, §4.1.3) and the hall's own pages post URL-encoded forms only.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Iterator
from urllib.parse import parse_qsl, unquote

import orjson
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from servicehall.schema.inputs import refusal

#: Routes whose parameters are checked.
GUARDED = ("/oauth/", "/auth/upstream/", "/account/")
#: Endpoints applications call: they get RFC 6749's JSON error, the rest a page.
JSON_ENDPOINTS = frozenset(
    {"/oauth/token", "/oauth/revoke", "/oauth/introspect", "/oauth/userinfo"}
)
FORM = "application/x-www-form-urlencoded"
#: No form of these routes comes near this (a login form is < 1 KiB).
MAX_FORM_BYTES = 64 * 1024

Page = Callable[[str, str, int], Response]


def _pairs(text: str) -> Iterator[tuple[str, str]]:
    for name, value in parse_qsl(text, keep_blank_values=True):
        yield name, name
        yield name, value


def _basic_credentials(scope: Scope) -> Iterator[tuple[str, str]]:
    for name, value in scope.get("headers", ()):
        if name != b"authorization" or value[:6].lower() != b"basic ":
            continue
        try:
            decoded = base64.b64decode(value[6:].strip(), validate=True).decode()
        except (binascii.Error, UnicodeDecodeError):
            return  # not credentials at all: authlib refuses them (invalid_client)
        for part in decoded.split(":", 1):
            yield "client_id", part
            yield "client_id", unquote(part)  # RFC 6749 §2.3.1 form-encodes them


class ParameterGuard:
    """Refuses requests to the provider's routes whose parameters hold control characters.

    Args:
        app: the wrapped application.
        page: renders the Chinese error page (title, text, status) for browser routes.
    """

    def __init__(self, app: ASGIApp, page: Page) -> None:
        self.app = app
        self.page = page

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] != "http" or not path.startswith(GUARDED):
            await self.app(scope, receive, send)
            return
        query = scope.get("query_string", b"").decode("utf-8", "replace")
        problem = self._first_problem(_pairs(query)) or self._first_problem(
            _basic_credentials(scope)
        )
        if problem is None and scope["method"] == "POST":
            body, problem = await self._read_form(scope, receive)
            if problem is None:
                problem = self._first_problem(_pairs(body.decode("latin-1")))
            receive = _replay(body, receive)
        if problem is None:
            await self.app(scope, receive, send)
            return
        await self._refuse(path, problem)(scope, receive, send)

    @staticmethod
    def _first_problem(pairs: Iterator[tuple[str, str]]) -> str | None:
        for name, text in pairs:
            error = refusal(text, name[:40])
            if error is not None:
                return error.message
        return None

    @staticmethod
    async def _read_form(scope: Scope, receive: Receive) -> tuple[bytes, str | None]:
        headers = dict(scope.get("headers", ()))
        content_type = headers.get(b"content-type", b"").decode("latin-1")
        media = content_type.split(";")[0].strip().lower()
        chunks, size, more = [], 0, True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                break
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > MAX_FORM_BYTES:
                return b"", "请求体过大"
            chunks.append(chunk)
            more = message.get("more_body", False)
        body = b"".join(chunks)
        if body and media != FORM:
            return body, f"表单须为 {FORM} 格式"
        return body, None

    def _refuse(self, path: str, problem: str) -> Response:
        if path in JSON_ENDPOINTS:
            body = {"error": "invalid_request", "error_description": problem}
            return Response(
                orjson.dumps(body),
                400,
                {"cache-control": "no-store"},
                media_type="application/json",
            )
        return self.page("请求无效", f"请求参数有误（invalid_request）：{problem}", 400)


def _replay(body: bytes, original: Receive) -> Receive:
    """A ``receive`` that hands the already read body to the application once, then
    waits on the connection as before (for a disconnect)."""
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await original()

    return receive
