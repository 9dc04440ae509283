"""Revoking with a reason, the one way (LIC-2, LIC-3): the process's ``revoke`` action
checked (who may, and the reason it needs), then in one transaction the step taken with
who revoked, when and why stored on the instance, and the audit event written.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from tortoise.transactions import in_transaction

from servicehall import clock, db, workflow
from servicehall.auth.principal import Principal
from servicehall.models import AuditEvent
from servicehall.text import squash
from servicehall.workflow import Applied, Process


async def revoke(
    process: Process,
    instance: Any,
    principal: Principal,
    *,
    reason: str,
    audit: str,
    target: str,
    details: Mapping[str, Any] | None = None,
    record_name: bool = False,
    now: datetime | None = None,
    ip: str = "",
) -> Applied:
    """Take ``instance``'s ``revoke`` step: ``revoked_at``, ``revoked_by`` (and with
    ``record_name`` the revoker's name, ``revoked_by_name``) and ``revoke_reason`` are
    set, and the audit event ``audit`` on ``target`` carries the reason and ``details``."""
    now = now or clock.now()
    reason = workflow.check(process, instance, "revoke", principal, reason=squash(reason)).reason
    actor = await workflow.signed_in(principal, ip=ip)
    changes: dict[str, Any] = {
        "revoked_at": now,
        "revoked_by": actor.identity,
        "revoke_reason": reason,
    }
    if record_name:
        changes["revoked_by_name"] = actor.name
    async with in_transaction(db.connection().connection_name):
        applied = await workflow.apply(
            process,
            instance,
            "revoke",
            principal,
            actor,
            reason=reason,
            now=now,
            changes=changes,
        )
        await AuditEvent.record(
            audit, actor=actor.identity, target=target, **dict(details or {}), reason=reason
        )
    return applied
