"""Refusals and failed secret checks in the audit log, within a budget (F16, SEC-2, SEC-3).

A refused read of private data, a wrong one-time code or a wrong activation proof is
written to the audit log through :meth:`AuditEvent.record` like every other event — but
an attacker can cause refusals at will, and the audit log is append-only (its rows can
never be deleted), so each source (actor and address) gets ``limit`` refusal events a
minute. The first refusal over the budget writes one ``audit.suppressed`` event naming
the source and what it was refused, so the flood itself is on record; the rest of that
minute's refusals only reach the application log (rotated, unlike the audit table).

If the cache cannot count, the event is written anyway: losing evidence is worse than a
burst of rows while the cache is down.
"""

from __future__ import annotations

import logging
from typing import Any

from servicehall import clock
from servicehall.cache.base import CacheBackend, CacheUnavailable
from servicehall.models import AuditEvent

log = logging.getLogger("servicehall.audit")

#: Seconds of one budget window.
WINDOW = 60
#: The event that stands for a source's refusals over the budget in one window.
SUPPRESSED = "audit.suppressed"


async def record(
    cache: CacheBackend,
    limit: int,
    action: str,
    *,
    actor: str,
    target: str = "",
    ip: str = "",
    **details: Any,
) -> bool:
    """Audit one refusal (outcome ``failure``) unless the source is over its budget.

    Returns whether an event with ``action`` was written.
    """
    window = int(clock.timestamp() // WINDOW)
    try:
        count = await cache.incr(f"audit-refusals:{actor}|{ip}:{window}", ttl=2 * WINDOW)
    except CacheUnavailable:
        log.warning("refusal budget not applied to %s from %s: cache unavailable", actor, ip)
        count = 1
    if count <= limit:
        await AuditEvent.record(
            action, actor=actor, target=target, ip=ip, outcome="failure", **details
        )
        return True
    if count == limit + 1:
        await AuditEvent.record(
            SUPPRESSED,
            actor=actor,
            target=target,
            ip=ip,
            outcome="failure",
            refused=action,
            limit=limit,
            window=WINDOW,
        )
        log.warning(
            "%s from %s: over %d refusal events a minute; further ones this minute are "
            "logged here only",
            actor,
            ip,
            limit,
        )
    else:
        log.info(
            "refusal not audited (budget spent): %s %s by %s from %s", action, target, actor, ip
        )
    return False
