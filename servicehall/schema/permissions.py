"""Permission classes guarding non-public query fields (SEC-1).

A refusal is a typed GraphQL error (``UNAUTHENTICATED`` or ``FORBIDDEN``) and the field is
null. Mutations check inside their resolvers instead and answer in their payload's
``errors``, like every other expected failure of a mutation.
"""

from __future__ import annotations

from typing import Any

from strawberry.permission import BasePermission

from servicehall.auth.principal import Principal, PrincipalKind
from servicehall.errors import Forbidden, Unauthenticated
from servicehall.schema.context import Info


def _extensions(error: type[Unauthenticated] | type[Forbidden]) -> dict[str, Any]:
    return {"code": error.code.value, "label": error.label}


class SignedIn(BasePermission):
    """Any signed-in account (not a machine client, not anonymous)."""

    message = "请先登录"
    error_extensions = _extensions(Unauthenticated)

    def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        return info.context.principal.has_account


class Administrator(BasePermission):
    message = "仅系统管理员可查看"
    error_extensions = _extensions(Forbidden)

    def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        return info.context.principal.kind is PrincipalKind.ADMIN


def require_account(principal: Principal) -> Principal:
    """For mutations: the signed-in account or a typed :class:`Unauthenticated`."""
    if not principal.has_account or principal.subject is None:
        raise Unauthenticated("请先登录后再操作")
    return principal


def require_admin(principal: Principal) -> Principal:
    """For mutations: a signed-in administrator, or a typed refusal."""
    require_account(principal)
    if principal.kind is not PrincipalKind.ADMIN:
        raise Forbidden("仅系统管理员可操作")
    return principal
