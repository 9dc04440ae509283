"""Batch loads of accounts."""

from __future__ import annotations

from collections.abc import Sequence

from servicehall import db
from servicehall.loaders.base import Row, rows_by


async def load_accounts_by_subject(subjects: Sequence[str]) -> list[Row | None]:
    rows = await rows_by(
        "SELECT id, subject, kind, username, phone, id_number, display_name, email, "
        "enterprise_id, department_id, roles, password_changed_at, status FROM account",
        "subject",
        subjects,
    )
    for row in rows:
        if row is not None:
            row["roles"] = db.as_json(row["roles"])
            row["password_changed_at"] = db.as_datetime(row["password_changed_at"])
    return rows
