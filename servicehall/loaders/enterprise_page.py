"""Batch loads of the enterprise page: one statement per batch, whatever the row counts.

Tax and insurance years are one loader keyed by ``(kind, enterprise_id, year)``: a page
that shows both reads them in a single ``UNION ALL`` statement.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from servicehall import db
from servicehall.loaders.base import Row, grouped_by

PaymentKey = tuple[str, int, int]  # ("tax" | "insurance", enterprise id, year)

_QUALIFICATIONS = (
    "SELECT enterprise_id, id, certificate_number, name, grade, certifying_body, certified_on, "
    "valid_from, valid_to, publisher FROM qualification WHERE enterprise_id IN ({keys}) "
    "ORDER BY valid_to IS NULL, valid_to, id"
)


def _dates(row: Row, *names: str) -> Row:
    for name in names:
        row[name] = db.as_date(row[name])
    return row


async def load_qualifications(enterprise_ids: Sequence[int]) -> list[list[Row]]:
    groups = await grouped_by(_QUALIFICATIONS, "enterprise_id", enterprise_ids)
    return [[_dates(r, "certified_on", "valid_from", "valid_to") for r in rows] for rows in groups]


_TAX = (
    "SELECT 'tax' AS kind, enterprise_id, year, month, tax_type AS category, amount, "
    "NULL AS insured_count, period_start, period_end, authority, voucher_number AS reference "
    "FROM tax_record WHERE {where}"
)
_INSURANCE = (
    "SELECT 'insurance' AS kind, enterprise_id, year, month, insurance_type AS category, amount, "
    "insured_count, NULL AS period_start, NULL AS period_end, authority, "
    "CAST(id AS VARCHAR(32)) AS reference FROM insurance_record WHERE {where}"
)


async def load_payment_years(keys: Sequence[PaymentKey]) -> list[list[Row]]:
    """The lines of each (kind, enterprise, year), month by month, in one statement."""
    q = db.Sql(db.dialect())
    branches = []
    for kind, template in (("tax", _TAX), ("insurance", _INSURANCE)):
        wanted = [(e, y) for k, e, y in keys if k == kind]
        if not wanted:
            continue
        pairs = " OR ".join(
            f"(enterprise_id = {q.bind(e)} AND year = {q.bind(y)})"
            for e, y in dict.fromkeys(wanted)
        )
        branches.append(template.format(where=pairs))
    sql = " UNION ALL ".join(branches) + " ORDER BY month, category, reference"
    groups: dict[PaymentKey, list[Row]] = {}
    for row in await db.fetch(sql, q.values):
        _dates(row, "period_start", "period_end")
        row["amount"] = db.as_decimal(row["amount"])
        groups.setdefault((row["kind"], row["enterprise_id"], int(row["year"])), []).append(row)
    return [groups.get(key, []) for key in keys]


async def load_subscriptions(enterprise_ids: Sequence[int]) -> list[list[Row]]:
    return await grouped_by(
        "SELECT s.enterprise_id, s.target, s.code, s.in_app, s.email, "
        "COALESCE(d.name, t.name, s.code) AS name FROM subscription s "
        "LEFT JOIN department d ON s.target = 'department' AND d.code = s.code "
        "LEFT JOIN theme t ON s.target = 'topic' AND t.code = s.code "
        "WHERE s.enterprise_id IN ({keys}) ORDER BY s.target, s.code",
        "enterprise_id",
        enterprise_ids,
    )


async def load_reminders(enterprise_ids: Sequence[int]) -> list[list[Row]]:
    """Live reminders (not retired), soonest due first."""
    groups = await grouped_by(
        "SELECT enterprise_id, id, kind, topic, text, due_on, link, created_at, read_at "
        "FROM reminder WHERE enterprise_id IN ({keys}) AND retired_at IS NULL "
        "ORDER BY due_on IS NULL, due_on, id",
        "enterprise_id",
        enterprise_ids,
    )
    for rows in groups:
        for row in rows:
            _dates(row, "due_on")
            row["created_at"] = db.as_datetime(row["created_at"])
            row["read_at"] = db.as_datetime(row["read_at"])
    return groups


async def load_unread_counts(enterprise_ids: Sequence[int]) -> list[int]:
    q = db.Sql(db.dialect())
    rows = await db.fetch(
        "SELECT enterprise_id, COUNT(*) AS n FROM message "
        f"WHERE enterprise_id IN ({q.bind_all(enterprise_ids)}) AND read_at IS NULL "
        "GROUP BY enterprise_id",
        q.values,
    )
    counts: dict[Any, int] = {row["enterprise_id"]: int(row["n"]) for row in rows}
    return [counts.get(eid, 0) for eid in enterprise_ids]
