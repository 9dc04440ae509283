"""Batch loads of items, departments and item dimensions: one statement per batch."""

from __future__ import annotations

from collections.abc import Sequence

from servicehall import db
from servicehall.loaders.base import Row, grouped_by, rows_by

#: Columns of an item as list rows carry them; the guide is loaded separately when asked.
ITEM_COLUMNS = (
    "i.id, i.code, i.name, i.department_id, i.kind, i.level, i.kiosk_category, i.status, "
    "i.statutory_limit_days, i.promised_limit_days, i.visits_required, i.online_url, "
    "i.version, i.updated_at, i.keywords"
)

_GUIDE_COLUMNS = (
    "id, legal_basis, conditions, materials, fees, process, where_to_apply, office_hours, "
    "phone, result_delivery"
)
DEPARTMENT_COLUMNS = "id, code, name, short_name, address, phone, office_hours, sort"


def item_row(row: Row) -> Row:
    """Normalise an item list row in place (timestamps come back as text on SQLite)."""
    row["updated_at"] = db.as_datetime(row["updated_at"])
    row["keywords"] = db.as_json(row["keywords"])
    return row


async def load_items_by_code(codes: Sequence[str]) -> list[Row | None]:
    rows = await rows_by(f"SELECT {ITEM_COLUMNS} FROM service_item i", "i.code", codes)
    return [None if row is None else item_row(row) for row in rows]


async def load_items_by_id(ids: Sequence[int]) -> list[Row | None]:
    rows = await rows_by(f"SELECT {ITEM_COLUMNS} FROM service_item i", "i.id", ids)
    return [None if row is None else item_row(row) for row in rows]


async def load_departments_by_id(ids: Sequence[int]) -> list[Row | None]:
    return await rows_by(f"SELECT {DEPARTMENT_COLUMNS} FROM department", "id", ids)


async def load_departments_by_code(codes: Sequence[str]) -> list[Row | None]:
    return await rows_by(f"SELECT {DEPARTMENT_COLUMNS} FROM department", "code", codes)


async def load_item_guides(item_ids: Sequence[int]) -> list[Row | None]:
    rows = await rows_by(f"SELECT {_GUIDE_COLUMNS} FROM service_item", "id", item_ids)
    for row in rows:
        if row is not None:
            for name in ("legal_basis", "conditions", "materials", "fees", "process"):
                row[name] = db.as_json(row[name])
    return rows


async def load_item_themes(item_ids: Sequence[int]) -> list[list[Row]]:
    return await grouped_by(
        "SELECT l.item_id, t.code, t.name, t.audience FROM item_theme l "
        "JOIN theme t ON t.id = l.theme_id WHERE l.item_id IN ({keys}) ORDER BY t.sort, t.code",
        "item_id",
        item_ids,
    )


async def load_item_target_groups(item_ids: Sequence[int]) -> list[list[Row]]:
    return await grouped_by(
        "SELECT l.item_id, t.code, t.name FROM item_target_group l "
        "JOIN target_group t ON t.id = l.target_group_id WHERE l.item_id IN ({keys}) "
        "ORDER BY t.sort, t.code",
        "item_id",
        item_ids,
    )


async def load_item_business_scopes(item_ids: Sequence[int]) -> list[list[Row]]:
    """The most specific scopes of each item: a section only when none of its divisions is."""
    groups = await grouped_by(
        "SELECT l.item_id, s.code, s.name, s.level, s.section_code FROM item_business_scope l "
        "JOIN business_scope s ON s.id = l.scope_id WHERE l.item_id IN ({keys}) "
        "ORDER BY s.sort, s.code",
        "item_id",
        item_ids,
    )
    result = []
    for rows in groups:
        covered = {row["section_code"] for row in rows if row["section_code"]}
        result.append([row for row in rows if row["section_code"] or row["code"] not in covered])
    return result
