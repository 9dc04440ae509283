"""Loaders of cases: by number, their records, their current ratings, enterprise counts."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime

from servicehall import db
from servicehall.clock import LOCAL_TZ, local_today
from servicehall.loaders.base import Row, grouped_by, rows_by
from servicehall.models.cases import FINISHED

CASE_COLUMNS = (
    "c.id, c.case_number, c.applicant_kind, c.applicant_name, c.applicant_code, c.channel, "
    "c.stage, c.submitted_at, c.accepted_at, c.completed_at, c.limit_days, c.outcome, "
    "c.enterprise_id, c.department_id, i.code AS item_code, d.code AS department_code, "
    "a.subject AS account_subject"
)


def case_row(row: Row) -> Row:
    """Normalise a case row in place (times come back as text on SQLite)."""
    for name in ("submitted_at", "accepted_at", "completed_at"):
        row[name] = db.as_datetime(row[name])
    return row


async def load_cases_by_number(numbers: Sequence[str]) -> list[Row | None]:
    rows = await rows_by(
        f"SELECT {CASE_COLUMNS} FROM service_case c "
        "JOIN service_item i ON i.id = c.item_id JOIN department d ON d.id = c.department_id "
        "LEFT JOIN account a ON a.id = c.account_id",
        "c.case_number",
        numbers,
    )
    return [None if row is None else case_row(row) for row in rows]


async def load_case_records(case_ids: Sequence[int]) -> list[list[Row]]:
    groups = await grouped_by(
        "SELECT r.case_id, r.id, r.stage, r.at, r.handler, r.note, d.name AS department_name "
        "FROM case_record r LEFT JOIN department d ON d.id = r.department_id "
        "WHERE r.case_id IN ({keys}) ORDER BY r.at, r.id",
        "case_id",
        case_ids,
    )
    for rows in groups:
        for row in rows:
            row["at"] = db.as_datetime(row["at"])
    return groups


async def load_current_ratings(case_ids: Sequence[int]) -> list[Row | None]:
    groups = await grouped_by(
        "SELECT case_id, id, revision, level, indicators, comment, public_comment, channel, "
        "created_at, disputed_at, dispute_reason FROM rating "
        "WHERE current = TRUE AND case_id IN ({keys})",
        "case_id",
        case_ids,
    )
    found = [rows[0] if rows else None for rows in groups]
    for row in found:
        if row is not None:
            row["indicators"] = db.as_json(row["indicators"]) or {}
            row["created_at"] = db.as_datetime(row["created_at"])
    return found


async def load_case_statistics(enterprise_ids: Sequence[int]) -> list[dict[str, int]]:
    return await enterprise_statistics(enterprise_ids, local_today())


async def enterprise_statistics(enterprise_ids: Sequence[int], today: date) -> list[dict[str, int]]:
    """ENT-13 per enterprise: completed, in progress, completed this month."""
    q = db.Sql(db.dialect())
    month_start = datetime(today.year, today.month, 1, tzinfo=LOCAL_TZ).astimezone(UTC)
    finished = q.bind_all(s.value for s in FINISHED)
    rows = await db.fetch(
        "SELECT enterprise_id, "
        f"SUM(CASE WHEN stage IN ({finished}) THEN 1 ELSE 0 END) AS completed, "
        f"SUM(CASE WHEN stage IN ({finished}) THEN 0 ELSE 1 END) AS in_progress, "
        f"SUM(CASE WHEN completed_at >= {q.bind(db.timestamp(month_start))} THEN 1 ELSE 0 END) "
        "AS this_month "
        f"FROM service_case WHERE enterprise_id IN ({q.bind_all(enterprise_ids)}) "
        "GROUP BY enterprise_id",
        q.values,
    )
    by_id = {int(r["enterprise_id"]): r for r in rows}
    return [
        {
            "completed": int(by_id[e]["completed"]) if e in by_id else 0,
            "in_progress": int(by_id[e]["in_progress"]) if e in by_id else 0,
            "completed_this_month": int(by_id[e]["this_month"]) if e in by_id else 0,
        }
        for e in enterprise_ids
    ]
