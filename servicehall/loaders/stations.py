"""Batch loads of towns, villages, their stations and the items the stations handle."""

from __future__ import annotations

from collections.abc import Sequence

from servicehall import db
from servicehall.loaders.base import Row, grouped_by, rows_by
from servicehall.loaders.items import ITEM_COLUMNS, item_row

#: An area with its town's code and name (null for a town): all a Station, Town or Village
#: type needs, including the station's computed name.
AREA_COLUMNS = (
    "a.id, a.code, a.name, a.kind, a.parent_id, a.address, a.phone, a.opening_hours, "
    "a.outline, a.point, a.sort, t.code AS town_code, t.name AS town_name"
)
AREA_SELECT = f"SELECT {AREA_COLUMNS} FROM area a LEFT JOIN area t ON t.id = a.parent_id"


def area_row(row: Row) -> Row:
    """Normalise an area row in place (JSON columns come back as text)."""
    row["outline"] = db.as_json(row["outline"]) or []
    row["point"] = db.as_json(row["point"])
    return row


def _areas(rows: list[Row | None]) -> list[Row | None]:
    return [None if row is None else area_row(row) for row in rows]


async def load_areas_by_code(codes: Sequence[str]) -> list[Row | None]:
    return _areas(await rows_by(AREA_SELECT, "a.code", codes))


async def load_areas_by_id(ids: Sequence[int]) -> list[Row | None]:
    return _areas(await rows_by(AREA_SELECT, "a.id", ids))


async def load_villages(town_ids: Sequence[int]) -> list[list[Row]]:
    groups = await grouped_by(
        f"SELECT a.parent_id AS town_id, {AREA_COLUMNS} FROM area a "
        "LEFT JOIN area t ON t.id = a.parent_id WHERE a.parent_id IN ({keys}) "
        "ORDER BY a.parent_id, a.sort, a.code",
        "town_id",
        town_ids,
    )
    return [[area_row(row) for row in rows] for rows in groups]


async def load_station_items(area_ids: Sequence[int]) -> list[list[Row]]:
    """The active items each area's station handles, in item-row shape, unordered."""
    groups = await grouped_by(
        f"SELECT l.area_id, {ITEM_COLUMNS} FROM station_item l "
        "JOIN service_item i ON i.id = l.item_id "
        "WHERE l.area_id IN ({keys}) AND i.status = 'active'",
        "area_id",
        area_ids,
    )
    return [[item_row(row) for row in rows] for rows in groups]
