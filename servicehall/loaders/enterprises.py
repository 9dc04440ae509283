"""Batch loads of enterprise registry records."""

from __future__ import annotations

from collections.abc import Sequence

from servicehall import db
from servicehall.loaders.base import Row, grouped_by, rows_by

_ENTERPRISE = (
    "SELECT id, credit_code, registration_number, name, entity_type, legal_representative, "
    "registered_capital, established_on, licence_valid_from, licence_valid_to, "
    "registration_authority, address, business_scope, status, updated_at FROM enterprise"
)


def _normalise(row: Row | None) -> Row | None:
    if row is not None:
        for name in ("established_on", "licence_valid_from", "licence_valid_to"):
            row[name] = db.as_date(row[name])
        row["updated_at"] = db.as_datetime(row["updated_at"])
        row["registered_capital"] = db.as_decimal(row["registered_capital"])
    return row


async def _by(column: str, keys: Sequence[str]) -> list[Row | None]:
    return [_normalise(row) for row in await rows_by(_ENTERPRISE, column, keys)]


async def load_enterprises_by_credit_code(codes: Sequence[str]) -> list[Row | None]:
    return await _by("credit_code", codes)


async def load_enterprises_by_registration_number(numbers: Sequence[str]) -> list[Row | None]:
    return await _by("registration_number", numbers)


async def load_enterprise_industries(enterprise_ids: Sequence[int]) -> list[list[Row]]:
    return await grouped_by(
        "SELECT l.enterprise_id, s.code, s.name, s.level, s.section_code "
        "FROM enterprise_industry l JOIN business_scope s ON s.id = l.scope_id "
        "WHERE l.enterprise_id IN ({keys}) ORDER BY s.sort, s.code",
        "enterprise_id",
        enterprise_ids,
    )
