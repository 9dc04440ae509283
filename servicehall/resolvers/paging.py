"""The hall's one way to page: one page type, one cursor codec, one ``MAX_PAGE`` (issue 13).

Every connection hands out cursors made by :func:`encode_cursor`: the URL-safe base64
(unpadded) of the keyset's parts joined by ``|``. Cursors clients already hold stay valid:
the four codecs this replaced wrote exactly this (``date|id``, ``id``, ``rank|code``,
``code``).

:func:`newest_first` pages one statement newest first: an inner query counts every match
with ``COUNT(*) OVER ()``, the outer one applies the keyset cursor (date or time, id) and
the limit, so the total arrives with the rows.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any

from servicehall import db
from servicehall.errors import InvalidCursor, InvalidInput

#: ``Page.total`` of a page that does not count its matches.
UNCOUNTED = -1

#: The largest ``first`` of every connection (schema/cost.py counts lists with it too).
MAX_PAGE = 100


@dataclass(frozen=True, slots=True)
class Page:
    """One page: its rows (database rows as dicts, or models), a cursor per row, whether
    more follow, and the count of all matches (:data:`UNCOUNTED` for the item search, whose
    ``searchStats`` counts: counting there would cost a statement of its own)."""

    rows: list[Any]
    cursors: list[str]
    has_next: bool
    total: int

    def pairs(self) -> list[tuple[str, Any]]:
        """(cursor, row) pairs, as ``Connection.build`` takes them."""
        return list(zip(self.cursors, self.rows, strict=True))


def check_first(first: int) -> None:
    if not 0 <= first <= MAX_PAGE:
        raise InvalidInput(f"每页条数应在0到{MAX_PAGE}之间", field="first")


def encode_cursor(*parts: object) -> str:
    return base64.urlsafe_b64encode("|".join(map(str, parts)).encode()).decode().rstrip("=")


def decode_cursor(cursor: str, parts: int) -> list[str]:
    """The ``parts`` texts of a cursor of :func:`encode_cursor` (the first may hold ``|``).

    Raises:
        InvalidCursor: the text is no such cursor; the caller checks the parts' values.
    """
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except ValueError:  # binascii.Error and UnicodeDecodeError are ValueErrors
        raise invalid_cursor(cursor) from None
    values = raw.rsplit("|", parts - 1)
    if len(values) != parts:
        raise invalid_cursor(cursor)
    return values


def invalid_cursor(cursor: str) -> InvalidCursor:
    return InvalidCursor(f"分页游标“{cursor[:40]}”无效", field="after")


def _cursor(value: Any, row_id: int) -> str:
    # SQLite hands back the stored text, PostgreSQL a date or datetime: keep either as is.
    return encode_cursor(value if isinstance(value, str) else value.isoformat(), row_id)


def _after(cursor: str, dialect: db.Dialect) -> tuple[Any, int]:
    value, row_id = decode_cursor(cursor, 2)
    try:
        return db.sort_value(value, dialect), int(row_id)
    except ValueError:
        raise invalid_cursor(cursor) from None


async def newest_first(sql: str, order: str, q: db.Sql, *, first: int, after: str | None) -> Page:
    """A page of ``sql`` (which selects ``id`` and ``order``) newest first, with its total."""
    check_first(first)
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
