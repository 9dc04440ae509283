"""The one way a service takes a step a person asks for, with its reason (issue 13).

Revoking a licence, a browse grant or a kiosk device, disputing a rating: each is an action
of a declared process that needs a reason, stamps the instance's own row with when, by whom
and why (the columns the API shows), and leaves an audit event. :func:`act` does those in
one order, so they are not written again in each domain:

1. the engine's :func:`~servicehall.workflow.engine.check` (who, from which state, the
   reason required), the reason squashed (runs of white space become one space);
2. who acts (:func:`~servicehall.workflow.engine.signed_in`, with the client address);
3. in one transaction: the step (:func:`~servicehall.workflow.engine.apply`, recorded in
   ``workflow_step``) with the :class:`Stamp` columns and any further ``changes``, then
   the :class:`Audit` event with the reason.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from tortoise.transactions import in_transaction

from servicehall import clock, db
from servicehall.auth.principal import Principal
from servicehall.models import AuditEvent, LabelledEnum
from servicehall.text import squash
from servicehall.workflow.engine import Actor, Applied, apply, check, signed_in
from servicehall.workflow.process import Process


@dataclass(frozen=True, slots=True)
class Stamp:
    """Columns of the instance's own row that keep when an action was taken (``at``) and,
    where the row has them, by whom (identity, name) and why."""

    at: str
    by: str | None = None
    by_name: str | None = None
    reason: str | None = None

    def values(self, actor: Actor, now: datetime, reason: str) -> dict[str, Any]:
        values: dict[str, Any] = {self.at: now}
        if self.by is not None:
            values[self.by] = actor.identity
        if self.by_name is not None:
            values[self.by_name] = actor.name
        if self.reason is not None:
            values[self.reason] = reason
        return values


#: The columns a revocable row keeps (licences, browse grants add ``revoked_by_name``).
REVOKED = Stamp("revoked_at", "revoked_by", reason="revoke_reason")


@dataclass(frozen=True, slots=True)
class Audit:
    """The audit event of the step: ``event`` on ``target``, with the reason and
    ``details``."""

    event: str
    target: str
    details: Mapping[str, Any] = field(default_factory=dict)


async def act(
    process: Process,
    instance: Any,
    action: str | LabelledEnum,
    principal: Principal,
    *,
    reason: str = "",
    basis: str = "",
    ip: str = "",
    now: datetime | None = None,
    stamp: Stamp | None = None,
    changes: Mapping[str, Any] | None = None,
    audit: Audit | None = None,
) -> Applied:
    """Take ``action`` on ``instance`` for ``principal``, with its reason: checked,
    stamped, recorded and audited atomically (in the caller's transaction when there is
    one). ``instance`` is updated in place."""
    now = now or clock.now()
    decision = check(process, instance, action, principal, reason=squash(reason), basis=basis)
    actor = await signed_in(principal, ip=ip)
    values = {
        **(stamp.values(actor, now, decision.reason) if stamp is not None else {}),
        **(changes or {}),
    }
    async with in_transaction(db.connection().connection_name):
        applied = await apply(
            process,
            instance,
            decision.action.name,
            principal,
            actor,
            reason=decision.reason,
            basis=decision.basis,
            now=now,
            changes=values,
        )
        if audit is not None:
            await AuditEvent.record(
                audit.event,
                actor=actor.identity,
                target=audit.target,
                ip=ip,
                reason=decision.reason,
                **audit.details,
            )
    return applied
