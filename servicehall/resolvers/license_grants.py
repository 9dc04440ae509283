"""Browse rights of departments on catalogue entries (LIC-2).

A department's licence reader applies for an entry that is published (or changed) with a
reason and an end date if it wants one; an administrator grants (possibly with an end
date of their own) or refuses, and may revoke a grant later. :data:`PROCESS` declares the
steps (``servicehall.workflow``); a grant past its end date reads as EXPIRED and no longer
opens anything. The issuing department needs no grant for its own licences. Each step is
recorded on the grant (who, when, why), in the workflow history and in the audit log.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from tortoise.transactions import in_transaction

from servicehall import clock, db, workflow
from servicehall.auth.principal import Principal, PrincipalKind
from servicehall.errors import (
    Conflict,
    Forbidden,
    IllegalGrantTransition,
    InvalidInput,
    NotFound,
)
from servicehall.loaders.licenses import GRANT_COLUMNS, GRANT_FROM, grant_row
from servicehall.models import (
    AuditEvent,
    Department,
    GrantStatus,
    LicenseGrant,
    StaffRole,
)
from servicehall.resolvers.license_catalog import (
    ISSUABLE,
    actor_of,
    check_reason,
    entry_by_code,
)
from servicehall.resolvers.outcome import Outcome, stepped
from servicehall.resolvers.paging import Page, newest_first
from servicehall.text import squash
from servicehall.workflow import ADMIN, Action, Announce, Need, Needs, Process, State

G = GrantStatus
_REASON = Needs(reason=Need("请填写理由", "reason"))
_CHANGED = (Announce("LicenseGrant", lambda grant: str(grant.id)),)
#: The steps of a grant (LIC-2); EXPIRED is derived, never stored, and takes no step.
PROCESS = Process(
    name="license_grant",
    label="证照查阅授权",
    model=LicenseGrant,
    state_field="status",
    noun="授权",
    field="grantId",
    illegal=IllegalGrantTransition,
    department=lambda grant: grant.department_id,
    states=(
        State(G.REQUESTED, on_enter=_CHANGED),
        State(G.GRANTED, on_enter=_CHANGED),
        State(G.REFUSED, terminal=True, on_enter=_CHANGED),
        State(G.REVOKED, terminal=True, on_enter=_CHANGED),
        State(G.EXPIRED, terminal=True),
    ),
    actions=(
        Action("grant", "授权", frozenset({G.REQUESTED}), G.GRANTED, ADMIN),
        Action("refuse", "不予授权", frozenset({G.REQUESTED}), G.REFUSED, ADMIN, _REASON),
        Action("revoke", "撤销授权", frozenset({G.GRANTED}), G.REVOKED, ADMIN, _REASON),
    ),
)
#: Every legal step, derived from :data:`PROCESS`.
TRANSITIONS = PROCESS.transitions()

#: A grant keeps the revoker's name beside their identity (shown to the department).
REVOKED_BY_NAME = workflow.Stamp("revoked_at", "revoked_by", "revoked_by_name", "revoke_reason")


def effective_status(status: GrantStatus, expires_on: date | None, today: date) -> GrantStatus:
    """A granted right past its last day reads as expired."""
    if status is G.GRANTED and expires_on is not None and expires_on < today:
        return G.EXPIRED
    return status


def check_transition(status: GrantStatus, to: GrantStatus) -> None:
    """Refuse a step the process does not have from ``status`` (typed, naming both)."""
    grant = LicenseGrant(status=status)
    action = next((a for a in PROCESS.actions_from(status) if a.target is to), None)
    if action is None:
        raise workflow.illegal(PROCESS, grant, to, None)


def _check_end(day: date | None, today: date, field: str) -> date | None:
    if day is not None and day < today:
        raise InvalidInput("授权截止日期不能早于今天", field=field)
    return day


@stepped
async def request_grant(
    principal: Principal,
    catalog_code: str,
    *,
    reason: str,
    until: date | None,
    today: date,
    now: datetime | None = None,
    ip: str = "",
) -> Outcome[LicenseGrant]:
    """A department applies for browse rights on a published entry."""
    now = now or clock.now()
    if principal.kind is not PrincipalKind.STAFF or (
        StaffRole.LICENSE_READER.value not in principal.roles
    ):
        raise Forbidden("仅部门的证照查阅人可以申请查阅授权")
    actor = await actor_of(principal, ip=ip)
    department = await Department.get_or_none(code=principal.department_code or "")
    if department is None:
        raise Forbidden("账号未关联部门")
    entry = await entry_by_code(catalog_code)
    if entry.state not in ISSUABLE:
        raise InvalidInput(
            f"证照目录“{entry.name}”当前为“{entry.state.label}”，只能申请已发布目录的查阅授权",
            field="catalogCode",
        )
    if entry.department.code == department.code:
        raise InvalidInput("发证部门查阅本部门签发的证照无需授权", field="catalogCode")
    reason = check_reason(reason)
    until = _check_end(until, today, "until")
    async with in_transaction(db.connection().connection_name):
        open_grants = await LicenseGrant.filter(
            entry=entry, department=department, status__in=[G.REQUESTED, G.GRANTED]
        )
        if any(
            effective_status(g.status, g.expires_on, today) is not G.EXPIRED for g in open_grants
        ):
            raise Conflict("本部门对该证照目录已有待审核或有效的授权", field="catalogCode")
        grant = await LicenseGrant.create(
            entry=entry,
            department=department,
            status=G.REQUESTED,
            reason=reason,
            expires_on=until,
            requested_at=now,
            requested_by=actor.identity,
            requested_by_name=actor.name,
        )
        started = await workflow.start(
            PROCESS, grant, actor, reason=reason, role=StaffRole.LICENSE_READER.value, now=now
        )
        await AuditEvent.record(
            "license_grant.requested",
            actor=actor.identity,
            target=f"license_grant:{grant.id}",
            catalog=entry.code,
            department=department.code,
            reason=reason,
        )
    return Outcome(grant, started.changed)


async def _grant(grant_id: str) -> LicenseGrant:
    try:
        key = int(str(grant_id).strip())
    except ValueError:
        key = 0
    grant = await LicenseGrant.get_or_none(id=key).prefetch_related("entry", "department")
    if grant is None:
        raise NotFound("授权申请不存在", field="grantId")
    return grant


@stepped
async def decide_grant(
    principal: Principal,
    grant_id: str,
    *,
    approve: bool,
    note: str,
    expires_on: date | None,
    today: date,
    now: datetime | None = None,
    ip: str = "",
) -> Outcome[LicenseGrant]:
    """An administrator grants (until ``expires_on``, or the end the department asked
    for) or refuses an application."""
    now = now or clock.now()
    grant = await _grant(grant_id)
    action = "grant" if approve else "refuse"
    note = workflow.check(PROCESS, grant, action, principal, reason=squash(note)).reason
    actor = await actor_of(principal, ip=ip)
    end = _check_end(expires_on, today, "expiresOn") if approve else None
    if approve and end is None:
        end = grant.expires_on
        if end is not None and end < today:
            raise InvalidInput("申请的截止日期已过，请另定截止日期", field="expiresOn")
    async with in_transaction(db.connection().connection_name):
        applied = await workflow.apply(
            PROCESS,
            grant,
            action,
            principal,
            actor,
            reason=note,
            now=now,
            changes={
                "expires_on": end if approve else grant.expires_on,
                "decided_at": now,
                "decided_by": actor.identity,
                "decided_by_name": actor.name,
                "decision_note": note,
            },
        )
        await AuditEvent.record(
            f"license_grant.{grant.status.value}",
            actor=actor.identity,
            target=f"license_grant:{grant.id}",
            catalog=grant.entry.code,
            department=grant.department.code,
            note=note,
            expires_on=end.isoformat() if approve and end else None,
        )
    return Outcome(await _grant(str(grant.id)), applied.changed)


@stepped
async def revoke_grant(
    principal: Principal,
    grant_id: str,
    *,
    reason: str,
    now: datetime | None = None,
    ip: str = "",
) -> Outcome[LicenseGrant]:
    """An administrator withdraws a right (it stops opening licences at once)."""
    grant = await _grant(grant_id)
    applied = await workflow.act(
        PROCESS,
        grant,
        "revoke",
        principal,
        reason=reason,
        ip=ip,
        now=now,
        stamp=REVOKED_BY_NAME,
        audit=workflow.Audit(
            "license_grant.revoked",
            f"license_grant:{grant.id}",
            {"catalog": grant.entry.code, "department": grant.department.code},
        ),
    )
    return Outcome(await _grant(str(grant.id)), applied.changed)


# -- reading ----------------------------------------------------------------------------------


async def grants_page(
    principal: Principal,
    *,
    catalog_code: str | None,
    department_code: str | None,
    statuses: Sequence[GrantStatus],
    today: date,
    first: int,
    after: str | None,
) -> Page:
    """Applications and grants, newest first: all for administrators, a department's own
    for its staff, the grants on its entries for the issuing department's issuers."""
    q = db.Sql(db.dialect())
    where = []
    if principal.kind is PrincipalKind.STAFF and principal.department_code:
        own = q.bind(principal.department_code)
        where.append(
            f"(d.code = {own} OR e.department_id IN (SELECT id FROM department WHERE code = {own}))"
        )
    elif principal.kind is not PrincipalKind.ADMIN:
        raise Forbidden("仅部门工作人员和系统管理员可查看证照查阅授权")
    if catalog_code:
        where.append(f"e.code = {q.bind(catalog_code.strip().upper())}")
    if department_code:
        where.append(f"d.code = {q.bind(department_code.strip().upper())}")
    if statuses:
        where.append(_status_filter(q, statuses, today))
    sql = f"SELECT {GRANT_COLUMNS} {GRANT_FROM}"
    if where:
        sql += " WHERE " + " AND ".join(where)
    page = await newest_first(sql, "requested_at", q, first=first, after=after)
    for row in page.rows:
        grant_row(row)
    return page


def _status_filter(q: db.Sql, statuses: Sequence[GrantStatus], today: date) -> str:
    parts = []
    stored = [s for s in statuses if s not in (G.GRANTED, G.EXPIRED)]
    if stored:
        parts.append(f"g.status IN ({q.bind_all(s.value for s in stored)})")
    if G.GRANTED in statuses or G.EXPIRED in statuses:
        # bound only when used: PostgreSQL refuses a parameter it cannot type
        day = q.bind(db.sql_date(today))
        granted = q.bind(G.GRANTED.value)
        if G.GRANTED in statuses:
            parts.append(
                f"(g.status = {granted} AND (g.expires_on IS NULL OR g.expires_on >= {day}))"
            )
        if G.EXPIRED in statuses:
            parts.append(f"(g.status = {granted} AND g.expires_on < {day})")
    return "(" + " OR ".join(parts) + ")"
