"""SEC-2: the audit log is append-only in the database itself."""

from __future__ import annotations

import pytest
from asyncpg.exceptions import RaiseError
from tortoise.exceptions import IntegrityError, OperationalError

from servicehall.models import AuditEvent
from servicehall.settings import Settings
from tests.conftest import opened


async def test_audit_events_cannot_be_changed_or_deleted(fresh_settings: Settings) -> None:
    async with opened(fresh_settings):
        await AuditEvent.record("login.success", actor="account:abc", ip="127.0.0.1", client="x")
        event = await AuditEvent.get(action="login.success")
        assert event.details == {"client": "x"}
        for attempt in (
            AuditEvent.filter(id=event.id).update(outcome="failure"),
            AuditEvent.filter(id=event.id).delete(),
        ):
            # SQLite's RAISE(ABORT) arrives as IntegrityError, PostgreSQL's RAISE untranslated
            with pytest.raises((OperationalError, IntegrityError, RaiseError), match="append-only"):
                await attempt
        assert (await AuditEvent.get(id=event.id)).outcome == "success"
