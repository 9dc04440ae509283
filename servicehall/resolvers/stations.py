"""Towns, villages and their stations (STA-1..3): codes, names, the directory, and the
items a station handles by the five township categories (ITEM-3).

The directory is small (a district has tens of towns and hundreds of villages) and read
whole: one statement for every town with its villages. A station's items are read whole
too (one statement for any number of stations) and paged in memory, so the counts per
category and the page come from the same rows.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from servicehall import db
from servicehall.errors import InvalidInput
from servicehall.loaders import Row
from servicehall.loaders.stations import AREA_SELECT, area_row
from servicehall.models import AreaKind, KioskCategory, StationKind
from servicehall.resolvers.paging import (
    Page,
    check_first,
    decode_cursor,
    encode_cursor,
    invalid_cursor,
)

STATION_CODE = re.compile(r"\d{9}|\d{12}")
_ORDER = {category.value: n for n, category in enumerate(KioskCategory)}


def parse_station_code(raw: str, *, field: str = "code") -> str:
    """A station's code: its town's nine-digit or its village's twelve-digit division code."""
    code = raw.strip()
    if not STATION_CODE.fullmatch(code):
        raise InvalidInput(
            f"办事站编码“{raw[:20]}”格式不正确：镇街办事站为9位数字，村居办事点为12位数字",
            field=field,
        )
    return code


def station_kind(area_kind: str) -> StationKind:
    if AreaKind(area_kind).is_town_level:
        return StationKind.TOWN_STATION
    return StationKind.VILLAGE_POINT


def station_name(row: Row) -> str:
    """ "<town>办事站" or "<town><village>办事点", from the area names (never stored)."""
    if station_kind(row["kind"]) is StationKind.TOWN_STATION:
        return f"{row['name']}办事站"
    return f"{row['town_name']}{row['name']}办事点"


@dataclass(frozen=True, slots=True)
class Directory:
    """Every town in map order, and each town's villages."""

    towns: list[Row]
    villages: dict[int, list[Row]]


async def directory() -> Directory:
    rows = await db.fetch(f"{AREA_SELECT} ORDER BY a.sort, a.code")
    towns: list[Row] = []
    villages: dict[int, list[Row]] = {}
    for row in map(area_row, rows):
        if row["parent_id"] is None:
            towns.append(row)
            villages.setdefault(row["id"], [])
        else:
            villages.setdefault(row["parent_id"], []).append(row)
    return Directory(towns, villages)


def sort_items(rows: Sequence[Row]) -> list[Row]:
    """A station's items by category (the ITEM-3 order), then code."""
    return sorted(rows, key=lambda r: (_ORDER.get(r["kiosk_category"] or "", 99), r["code"]))


@dataclass(frozen=True, slots=True)
class CategoryCount:
    category: KioskCategory | None
    label: str
    count: int


def category_counts(rows: Sequence[Row]) -> list[CategoryCount]:
    """全部 first, then each of the five categories (zero included: every tab is shown)."""
    counts = Counter(row["kiosk_category"] for row in rows)
    return [CategoryCount(None, "全部", len(rows))] + [
        CategoryCount(category, category.label, counts.get(category.value, 0))
        for category in KioskCategory
    ]


def item_page(
    rows: Sequence[Row], category: KioskCategory | None, *, first: int, after: str | None
) -> Page:
    """One page of a station's items (sorted by :func:`sort_items`), in one category or all."""
    check_first(first)
    chosen = [r for r in sort_items(rows) if category is None or r["kiosk_category"] == category]
    start = 0
    if after is not None:
        (code,) = decode_cursor(after, 1)
        codes = [r["code"] for r in chosen]
        if code not in codes:
            raise invalid_cursor(after)
        start = codes.index(code) + 1
    shown = chosen[start : start + first]
    return Page(
        shown, [encode_cursor(r["code"]) for r in shown], start + first < len(chosen), len(chosen)
    )
