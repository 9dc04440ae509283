"""Permission classes guarding non-public query fields (SEC-1).

A refusal is a typed GraphQL error (``UNAUTHENTICATED`` or ``FORBIDDEN``) and the field is
null. Mutations check inside their resolvers instead and answer in their payload's
``errors``, like every other expected failure of a mutation.

The checks mutations' services make (``require_account``, ``require_admin``) live in
``auth/accounts.py``; ``require_account`` is re-exported here for existing callers.

A ``FORBIDDEN`` refusal of private data is also an audit event (F16, SEC-2): the classes
derive from :class:`AuditedPermission`, and resolvers that refuse a private read call
:func:`refused`; both go through the per-source budget of ``resolvers/refusals.py``.
"""

from __future__ import annotations

from typing import Any, ClassVar

from strawberry.permission import BasePermission

from servicehall.auth.accounts import require_account as require_account
from servicehall.auth.principal import Principal, PrincipalKind
from servicehall.errors import Forbidden, Unauthenticated
from servicehall.resolvers import refusals
from servicehall.resolvers.cases import check_rate
from servicehall.schema.context import Context, Info


def _extensions(error: type[Unauthenticated] | type[Forbidden]) -> dict[str, Any]:
    return {"code": error.code.value, "label": error.label}


def actor_of(principal: Principal) -> str:
    """Who asks, as the audit log names actors."""
    if principal.subject:
        return principal.identity
    if principal.client_id:
        return f"client:{principal.client_id}"
    return "anonymous"


async def refused(context: Context, action: str, target: str, **details: Any) -> None:
    """Audit a refused read of private data (F16), within the source's budget."""
    await refusals.record(
        context.cache,
        context.settings.audit_refusals_per_minute,
        action,
        actor=actor_of(context.principal),
        target=target,
        ip=context.client_ip,
        **details,
    )


async def limit_lookups(context: Context) -> None:
    """Count a null answered to someone who may not have the record (or a record that
    does not exist) against the case-lookup limit (F11): per kiosk device, per account or
    system when signed in, else per address."""
    principal = context.principal
    signed_in = principal.has_account or principal.kind is PrincipalKind.MACHINE
    await check_rate(
        context.cache,
        context.settings.case_lookup_limits,
        ip=context.client_ip,
        device=principal.client_id if principal.is_kiosk else None,
        who=actor_of(principal) if signed_in else None,
    )


class AuditedPermission(BasePermission):
    """A permission class whose refusals leave an audit event (F16, SEC-2)."""

    message = "无权访问"
    error_extensions = {"code": Forbidden.code.value, "label": Forbidden.label}  # noqa: RUF012
    action: ClassVar[str] = "read.refused"

    def allowed(self, source: Any, info: Info) -> bool:
        raise NotImplementedError

    def target(self, source: Any) -> str:
        """What was refused, e.g. ``enterprise:<credit code>``."""
        return ""

    async def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        if self.allowed(source, info):
            return True
        field = f"{info.path.typename}.{info.field_name}"
        await refused(info.context, self.action, self.target(source), field=field)
        return False


class SignedIn(BasePermission):
    """Any signed-in account (not a machine client, not anonymous)."""

    message = "请先登录"
    error_extensions = _extensions(Unauthenticated)

    def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        return info.context.principal.has_account


class Administrator(AuditedPermission):
    message = "仅系统管理员可查看"
    error_extensions = _extensions(Forbidden)

    def allowed(self, source: Any, info: Info) -> bool:
        return info.context.principal.kind is PrincipalKind.ADMIN
