"""The two loader shapes: one row per key, or a list of rows per key, always in key order."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from servicehall import db

Row = dict[str, Any]


async def rows_by(select: str, column: str, keys: Sequence[Any]) -> list[Row | None]:
    """``select`` filtered by ``column IN keys``; None where a key has no row.

    ``column`` may be qualified (``i.code``); rows are matched on its last part.
    """
    q = db.Sql(db.dialect())
    rows = await db.fetch(f"{select} WHERE {column} IN ({q.bind_all(keys)})", q.values)
    name = column.rsplit(".", 1)[-1]
    by_key = {row[name]: row for row in rows}
    return [by_key.get(key) for key in keys]


async def grouped_by(sql: str, column: str, keys: Sequence[Any]) -> list[list[Row]]:
    """``sql`` with ``{keys}`` replaced by the bound keys; rows grouped on ``column``.

    The grouping column is removed from the returned rows.
    """
    q = db.Sql(db.dialect())
    rows = await db.fetch(sql.format(keys=q.bind_all(keys)), q.values)
    groups: dict[Any, list[Row]] = {}
    for row in rows:
        groups.setdefault(row.pop(column), []).append(row)
    return [groups.get(key, []) for key in keys]
