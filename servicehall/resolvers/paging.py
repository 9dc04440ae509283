"""Newest-first pages of one statement each.

An inner query counts every match with ``COUNT(*) OVER ()``, the outer one applies the
keyset cursor (date or time, id) and the limit, so the total arrives with the rows.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from servicehall import db
from servicehall.errors import InvalidCursor, InvalidInput

MAX_PAGE = 100


@dataclass(frozen=True, slots=True)
class Page:
    rows: list[dict[str, Any]]
    cursors: list[str]
    has_next: bool
    total: int


def _cursor(value: Any, row_id: int) -> str:
    # SQLite hands back the stored text, PostgreSQL a date or datetime: keep either as is.
    raw = value if isinstance(value, str) else value.isoformat()
    return base64.urlsafe_b64encode(f"{raw}|{row_id}".encode()).decode().rstrip("=")


def _after(cursor: str, dialect: db.Dialect) -> tuple[Any, int]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        value, row_id = raw.rsplit("|", 1)
        if dialect == "sqlite":
            return value, int(row_id)
        parsed = datetime.fromisoformat(value)
        return (parsed if "T" in value or ":" in value else parsed.date()), int(row_id)
    except ValueError:
        raise InvalidCursor("分页游标无效", field="after") from None


async def newest_first(sql: str, order: str, q: db.Sql, *, first: int, after: str | None) -> Page:
    """A page of ``sql`` (which selects ``id`` and ``order``) newest first, with its total."""
    if not 0 <= first <= MAX_PAGE:
        raise InvalidInput(f"每页条数应在0到{MAX_PAGE}之间", field="first")
    dialect = db.dialect()
    base_values = list(q.values)  # what ``sql`` itself binds
    inner = f"SELECT p.*, COUNT(*) OVER () AS total_rows FROM ({sql}) p"
    where = "1 = 1"
    if after is not None:
        value, row_id = _after(after, dialect)
        v, i = q.bind(value), q.bind(row_id)
        where = f"(t.{order} < {v} OR (t.{order} = {v} AND t.id < {i}))"
    rows = await db.fetch(
        f"SELECT * FROM ({inner}) t WHERE {where} "
        f"ORDER BY t.{order} DESC, t.id DESC LIMIT {q.bind(first + 1)}",
        q.values,
    )
    if rows:
        total = int(rows[0]["total_rows"])
    elif after is not None:  # past the end: count on its own
        counted = await db.fetch(f"SELECT COUNT(*) AS n FROM ({sql}) p", base_values)
        total = int(counted[0]["n"])
    else:
        total = 0
    shown = rows[:first]
    return Page(shown, [_cursor(r[order], r["id"]) for r in shown], len(rows) > first, total)


def normalised(found: Page, *, dates: tuple[str, ...] = (), times: tuple[str, ...] = ()) -> Page:
    """The page's rows with their date and time columns as ``date`` and aware
    ``datetime`` on both databases (SQLite hands back text), so no schema type needs to
    know the backend."""
    for row in found.rows:
        for name in dates:
            row[name] = db.as_date(row[name])
        for name in times:
            row[name] = db.as_datetime(row[name])
    return found
