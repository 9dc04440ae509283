"""The append-only security audit log (SEC-2): who did what, when, from where.

Every event is written through this class, :meth:`AuditEvent.record` (one event) or
:meth:`AuditEvent.record_many` (a batch built with :meth:`AuditEvent.event`): the one
audit entry point of services, loaders, authentication and the CLI.

Rows are only ever inserted: database triggers (see the migration) refuse UPDATE and
DELETE on both SQLite and PostgreSQL. Nothing secret is written: no password, token or
one-time code, only what happened to whom.
"""

from __future__ import annotations

from typing import Any

from tortoise import fields
from tortoise.models import Model


class AuditEvent(Model):
    id = fields.BigIntField(primary_key=True)
    at = fields.DatetimeField(auto_now_add=True, db_index=True)
    #: e.g. "login.success", "login.failure", "account.locked", "password.changed"
    action = fields.CharField(max_length=64, db_index=True)
    #: Who acted: "account:<subject>", "client:<client_id>", "anonymous".
    actor = fields.CharField(max_length=96)
    #: What it concerned, e.g. "account:<subject>", "enterprise:<credit code>".
    target = fields.CharField(max_length=96, default="")
    ip = fields.CharField(max_length=64, default="")
    outcome = fields.CharField(max_length=16, default="success")
    details = fields.JSONField[dict[str, Any]](default=dict)

    class Meta:
        table = "audit_event"

    @classmethod
    async def record(
        cls,
        action: str,
        *,
        actor: str,
        target: str = "",
        ip: str = "",
        outcome: str = "success",
        **details: Any,
    ) -> None:
        """Append one event. Details must never carry secrets."""
        event = cls.event(
            action, actor=actor, target=target, ip=ip, outcome=outcome, details=details
        )
        await event.save()

    @classmethod
    def event(
        cls,
        action: str,
        *,
        actor: str,
        target: str = "",
        ip: str = "",
        outcome: str = "success",
        details: dict[str, Any] | None = None,
    ) -> AuditEvent:
        """One event, not yet written: for :meth:`record_many`."""
        return cls(
            action=action,
            actor=actor,
            target=target,
            ip=ip,
            outcome=outcome,
            details=details or {},
        )

    @classmethod
    async def record_many(cls, events: list[AuditEvent]) -> None:
        """Append a batch of events in one INSERT (a request's reads logged together)."""
        if events:
            await cls.bulk_create(events)
