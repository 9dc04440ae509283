"""The signed-in account behind a principal, and the two checks every write starts with.

One way to ask "who is acting": services, workflow steps and the CLI all call these, so
the refusals (``UNAUTHENTICATED`` before ``FORBIDDEN``) and their wording are the same
everywhere.
"""

from __future__ import annotations

from servicehall.auth.principal import Principal, PrincipalKind
from servicehall.errors import Forbidden, Unauthenticated
from servicehall.models import Account

#: Who acts when the operator runs a CLI command; audited as ``operator:cli``.
CLI_OPERATOR = Principal(PrincipalKind.OPERATOR, subject="cli")


def require_account(principal: Principal) -> Principal:
    """The principal if it is a signed-in account, else a typed :class:`Unauthenticated`."""
    if not principal.has_account or principal.subject is None:
        raise Unauthenticated("请先登录后再操作")
    return principal


def require_admin(principal: Principal) -> Principal:
    """A signed-in administrator (or the operator at the command line), or a typed
    refusal."""
    if principal.kind is PrincipalKind.OPERATOR:
        return principal
    require_account(principal)
    if principal.kind is not PrincipalKind.ADMIN:
        raise Forbidden("仅系统管理员可操作")
    return principal


async def signed_in_account(principal: Principal) -> Account:
    """The account row of the signed-in principal; a token whose account is gone is
    treated as not signed in."""
    require_account(principal)
    account = await Account.get_or_none(subject=principal.subject)
    if account is None:
        raise Unauthenticated("账号不存在或已停用")
    return account


async def account_or_none(principal: Principal) -> Account | None:
    """The signed-in account, or None for anyone else (a kiosk, a machine, a visitor)."""
    if not principal.has_account or principal.subject is None:
        return None
    return await Account.get_or_none(subject=principal.subject)
