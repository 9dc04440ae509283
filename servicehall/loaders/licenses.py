"""Batch loads of e-licences (LIC-1..4): one statement per batch, whatever the row counts.

A licence row carries what its GraphQL type and its signature need: the catalogue code,
the version it was issued under (name and field list) and the issuing department.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from tortoise.transactions import in_transaction

from servicehall import clock, db
from servicehall.clock import local_today
from servicehall.loaders.base import Row, grouped_by, rows_by
from servicehall.models import AccessBasis, AuditEvent, GrantStatus, LicenseAccess

LICENSE_COLUMNS = (
    "l.id, l.license_number, l.entry_id, l.holder_kind, l.holder_code, l.holder_name, "
    "l.enterprise_id, l.department_id, l.issuer_name, l.issued_on, l.valid_from, "
    "l.valid_until, l.status, l.data, l.token, l.key_id, l.revoked_at, l.revoke_reason, "
    "e.code AS catalog_code, v.version AS catalog_version, v.name AS license_name, "
    "v.field_list, d.code AS department_code, d.name AS department_name"
)
_LICENSE_JOINS = (
    "JOIN license_catalog_entry e ON e.id = l.entry_id "
    "JOIN license_catalog_version v ON v.id = l.catalog_version_id "
    "JOIN department d ON d.id = l.department_id"
)
LICENSE_FROM = f"FROM license l {_LICENSE_JOINS}"

ENTRY_COLUMNS = (
    "e.id, e.code, e.name, e.department_id, e.holder_kind, e.state, e.version, e.created_at, "
    "e.updated_at, d.code AS department_code, v.field_list, v.validity_rule, v.term_months"
)
ENTRY_FROM = (
    "FROM license_catalog_entry e JOIN department d ON d.id = e.department_id "
    "JOIN license_catalog_version v ON v.entry_id = e.id AND v.version = e.version"
)

GRANT_COLUMNS = (
    "g.id, g.entry_id, g.department_id, g.status, g.reason, g.expires_on, g.requested_at, "
    "g.requested_by_name, g.decided_at, g.decided_by_name, g.decision_note, g.revoked_at, "
    "g.revoked_by_name, g.revoke_reason, e.code AS catalog_code, d.code AS department_code"
)
GRANT_FROM = (
    "FROM license_grant g JOIN license_catalog_entry e ON e.id = g.entry_id "
    "JOIN department d ON d.id = g.department_id"
)


def license_row(row: Row) -> Row:
    """Normalise a licence row in place (dates and JSON come back as text on SQLite)."""
    for name in ("issued_on", "valid_from", "valid_until"):
        row[name] = db.as_date(row[name])
    row["revoked_at"] = db.as_datetime(row["revoked_at"])
    row["data"] = db.as_json(row["data"]) or {}
    row["field_list"] = db.as_json(row["field_list"]) or []
    return row


def entry_row(row: Row) -> Row:
    row["field_list"] = db.as_json(row["field_list"]) or []
    row["created_at"] = db.as_datetime(row["created_at"])
    row["updated_at"] = db.as_datetime(row["updated_at"])
    return row


async def load_licenses_by_number(numbers: Sequence[str]) -> list[Row | None]:
    rows = await rows_by(f"SELECT {LICENSE_COLUMNS} {LICENSE_FROM}", "l.license_number", numbers)
    return [None if row is None else license_row(row) for row in rows]


async def load_licenses_of_holders(holder_codes: Sequence[str]) -> list[list[Row]]:
    """Each holder's licences, newest first."""
    groups = await grouped_by(
        f"SELECT l.holder_code AS holder_key, {LICENSE_COLUMNS} {LICENSE_FROM} "
        "WHERE l.holder_code IN ({keys}) ORDER BY l.issued_on DESC, l.id DESC",
        "holder_key",
        holder_codes,
    )
    return [[license_row(row) for row in rows] for rows in groups]


async def load_case_licenses(case_ids: Sequence[int]) -> list[list[Row]]:
    """The licences attached to each case, in the order they were attached."""
    groups = await grouped_by(
        f"SELECT cl.case_id AS case_key, {LICENSE_COLUMNS} FROM case_license cl "
        f"JOIN license l ON l.id = cl.license_id {_LICENSE_JOINS} "
        "WHERE cl.case_id IN ({keys}) ORDER BY cl.attached_at, cl.id",
        "case_key",
        case_ids,
    )
    return [[license_row(row) for row in rows] for rows in groups]


async def load_catalog_entries_by_code(codes: Sequence[str]) -> list[Row | None]:
    rows = await rows_by(f"SELECT {ENTRY_COLUMNS} {ENTRY_FROM}", "e.code", codes)
    return [None if row is None else entry_row(row) for row in rows]


async def load_catalog_entries_by_id(ids: Sequence[int]) -> list[Row | None]:
    rows = await rows_by(f"SELECT {ENTRY_COLUMNS} {ENTRY_FROM}", "e.id", ids)
    return [None if row is None else entry_row(row) for row in rows]


async def load_catalog_versions(entry_ids: Sequence[int]) -> list[list[Row]]:
    groups = await grouped_by(
        "SELECT entry_id, version, name, field_list, validity_rule, term_months, created_at "
        "FROM license_catalog_version WHERE entry_id IN ({keys}) ORDER BY version",
        "entry_id",
        entry_ids,
    )
    for rows in groups:
        for row in rows:
            row["field_list"] = db.as_json(row["field_list"]) or []
            row["created_at"] = db.as_datetime(row["created_at"])
    return groups


async def load_catalog_events(entry_ids: Sequence[int]) -> list[list[Row]]:
    groups = await grouped_by(
        "SELECT entry_id, from_state, to_state, version, at, actor_name, reason "
        "FROM license_catalog_event WHERE entry_id IN ({keys}) ORDER BY at, id",
        "entry_id",
        entry_ids,
    )
    for rows in groups:
        for row in rows:
            row["at"] = db.as_datetime(row["at"])
    return groups


def grant_row(row: Row) -> Row:
    """Normalise a grant row in place (dates and times come back as text on SQLite)."""
    row["expires_on"] = db.as_date(row["expires_on"])
    for name in ("requested_at", "decided_at", "revoked_at"):
        row[name] = db.as_datetime(row[name])
    return row


async def load_grants_by_id(ids: Sequence[int]) -> list[Row | None]:
    rows = await rows_by(f"SELECT {GRANT_COLUMNS} {GRANT_FROM}", "g.id", ids)
    return [None if row is None else grant_row(row) for row in rows]


async def load_granted_entries(department_codes: Sequence[str]) -> list[frozenset[int]]:
    return await granted_entries(department_codes, local_today())


async def load_client_names(client_ids: Sequence[str]) -> list[str | None]:
    rows = await rows_by("SELECT client_id, name FROM oauth_client", "client_id", client_ids)
    return [None if row is None else str(row["name"]) for row in rows]


#: license id, license number, actor, actor name, department code, department name,
#: case number, purpose, basis, ip
AccessKey = tuple[int, str, str, str, str, str, str | None, str, str, str]


async def write_license_accesses(keys: Sequence[AccessKey]) -> list[bool]:
    """A request's licence reads by non-holders: the holder's access log and the audit
    log, both or neither, one INSERT each."""
    now = clock.now()
    accesses = []
    events = []
    for license_id, number, actor, name, dept, dept_name, case, purpose, basis, ip in keys:
        accesses.append(
            LicenseAccess(
                license_id=license_id,
                at=now,
                actor=actor,
                actor_name=name,
                department_code=dept,
                department_name=dept_name,
                case_number=case,
                purpose=purpose,
                basis=AccessBasis(basis),
            )
        )
        details: dict[str, Any] = {"department": dept, "basis": basis}
        details |= {"case": case} if case else {"purpose": purpose}
        events.append(
            AuditEvent.event(
                "license.read", actor=actor, target=f"license:{number}", ip=ip, details=details
            )
        )
    async with in_transaction(db.connection().connection_name):
        await LicenseAccess.bulk_create(accesses)
        await AuditEvent.record_many(events)
    return [True] * len(keys)


async def granted_entries(department_codes: Sequence[str], today: date) -> list[frozenset[int]]:
    """Per department, the catalogue entries it holds a live grant on (one statement)."""
    q = db.Sql(db.dialect())
    day = q.bind(db.sql_date(today))
    rows = await db.fetch(
        "SELECT d.code, g.entry_id FROM license_grant g "
        "JOIN department d ON d.id = g.department_id "
        f"WHERE d.code IN ({q.bind_all(department_codes)}) "
        f"AND g.status = {q.bind(GrantStatus.GRANTED.value)} "
        f"AND (g.expires_on IS NULL OR g.expires_on >= {day})",
        q.values,
    )
    found: dict[str, set[int]] = {}
    for row in rows:
        found.setdefault(row["code"], set()).add(int(row["entry_id"]))
    return [frozenset(found.get(code, ())) for code in department_codes]
