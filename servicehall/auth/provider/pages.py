"""What every page and endpoint of the provider shares: the page templates and headers,
the pending authorization request, cookies and the parsing of authlib requests.

The views are split by flow over this base (``authorize.py``, ``login.py``, ``web.py``);
``Provider`` in ``web.py`` puts them together.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import partial
from typing import Any, TypeVar
from urllib.parse import urlencode

import anyio.to_thread
import orjson
from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.datastructures import QueryParams
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from servicehall import clock
from servicehall.auth.crypto import new_token
from servicehall.auth.csrf import FormGuard
from servicehall.auth.provider.bridge import HallRequest
from servicehall.auth.provider.server import HallAuthorizationServer
from servicehall.auth.services import AuthServices
from servicehall.auth.sessions import COOKIE, SsoSession
from servicehall.errors import CsrfCheckFailed

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


class ProviderBase:
    """State and helpers the provider's views share."""

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


def _client_ip(request: Request) -> str:
    return request.client.host if request.client else ""
