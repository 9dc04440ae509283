"""Forms of the sign-in pages are accepted only from the browser they were served to (F7,
F8, SEC-1).

A cross-site page could post the login form with an attacker's own credentials and
captcha (login CSRF: the victim's browser is then signed in as the attacker), or post
the logout. Every state-changing form therefore carries a token that is an HMAC of a
value only the right browser holds:

- the **flow id**, a random value in the browser's signed flow cookie (``sh_flow``,
  Starlette's session cookie, HttpOnly, SameSite=Lax), for the login form, whose
  browser has no session yet;
- the **SSO session id** (``sh_sso``) for forms of a signed-in browser: consent, account
  binding, the logout confirmation.

A captcha drawn for a login page is bound to the flow id the same way (``captcha_tag``):
a captcha id from another browser is refused even with the right answer. Tokens are
compared in constant time; a failure is :class:`~servicehall.errors.CsrfCheckFailed`
with a reason the refusal page shows.
"""

from __future__ import annotations

import hashlib
import hmac
from base64 import urlsafe_b64encode

from starlette.requests import Request

from servicehall.auth.crypto import new_token
from servicehall.errors import CsrfCheckFailed

#: Form field names.
TOKEN_FIELD = "csrf"  # noqa: S105 - a field name
CAPTCHA_TAG_FIELD = "captcha_tag"

#: Reasons (``details["reason"]``) and what the refusal page says for each.
REASONS = {
    "FLOW_COOKIE_MISSING": (
        "本浏览器没有本平台登录页面的记录（页面已过期，或浏览器未保存 Cookie）。"
    ),
    "TOKEN_MISSING": "提交的表单缺少校验信息，不是从本平台的页面提交的。",
    "TOKEN_MISMATCH": "提交的表单与本浏览器不符，不是从本平台的页面提交的。",
    "CAPTCHA_FOREIGN": "图形验证码不是在本浏览器的登录页面上获取的。",
    "SESSION_MISSING": "本浏览器当前没有登录。",
}


def refusal(reason: str) -> CsrfCheckFailed:
    return CsrfCheckFailed(REASONS[reason], details={"reason": reason})


class FormGuard:
    """Issues and checks the HMAC tokens of the sign-in forms."""

    def __init__(self, key: str) -> None:
        self._key = key.encode()

    def token(self, purpose: str, bound_to: str) -> str:
        mac = hmac.new(self._key, f"{purpose}\x1f{bound_to}".encode(), hashlib.sha256)
        return urlsafe_b64encode(mac.digest()[:24]).decode()

    def matches(self, given: str, purpose: str, bound_to: str) -> bool:
        return hmac.compare_digest(given.encode(), self.token(purpose, bound_to).encode())

    # -- the login flow (no session yet) --------------------------------------------------

    @staticmethod
    def flow_id(request: Request, *, create: bool = True) -> str | None:
        """The browser's flow id from its signed flow cookie, made on first use."""
        flow = request.session.get("flow")
        if not isinstance(flow, str) and create:
            flow = request.session["flow"] = new_token(18)
        return flow if isinstance(flow, str) else None

    def login_token(self, request: Request) -> str:
        return self.token("login", self.flow_id(request) or "")

    def captcha_tag(self, request: Request, captcha_id: str) -> str:
        return self.token(f"captcha:{captcha_id}", self.flow_id(request) or "")

    def check_login(self, request: Request, form: dict[str, str]) -> None:
        """Raise unless the login form came from a page this browser was served."""
        flow = self.flow_id(request, create=False)
        if flow is None:
            raise refusal("FLOW_COOKIE_MISSING")
        given = form.get(TOKEN_FIELD, "")
        if not given:
            raise refusal("TOKEN_MISSING")
        if not self.matches(given, "login", flow):
            raise refusal("TOKEN_MISMATCH")
        captcha_id = form.get("captcha_id", "")
        tag = form.get(CAPTCHA_TAG_FIELD, "")
        if captcha_id and not self.matches(tag, f"captcha:{captcha_id}", flow):
            raise refusal("CAPTCHA_FOREIGN")

    # -- forms of a signed-in browser -----------------------------------------------------

    def check_session_form(self, purpose: str, session_id: str, given: str) -> None:
        """Raise unless ``given`` is the ``purpose`` token of this browser's session."""
        if not given:
            raise refusal("TOKEN_MISSING")
        if not self.matches(given, purpose, session_id):
            raise refusal("TOKEN_MISMATCH")
