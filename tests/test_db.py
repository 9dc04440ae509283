"""The dialect helpers of ``servicehall.db`` (issue 13, "one of each"): values bound and
read through them behave the same on SQLite and PostgreSQL, and no other module decides
by the dialect's name."""

from __future__ import annotations

import ast
import uuid
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

from servicehall import db
from servicehall.settings import Settings
from tests.conftest import opened

PACKAGE = Path(__file__).resolve().parents[1] / "servicehall"
# Where the dialect's name may be compared: the helper itself, the settings that derive it
# from the URL, and migrations (frozen history, written per dialect on purpose).
#: migration_ops.py, like migrations/, works on a migration's schema editor, not on ``db``.
ALLOWED = {PACKAGE / "db.py", PACKAGE / "settings.py", PACKAGE / "migration_ops.py"}


async def _table(rows: list[tuple[date, str, bool, datetime]]) -> str:
    name = f"t_{uuid.uuid4().hex[:10]}"
    await db.fetch(
        f"CREATE TABLE {name} (id INTEGER NOT NULL PRIMARY KEY, d DATE NOT NULL, "
        "n NUMERIC(12, 2) NOT NULL, b BOOLEAN NOT NULL, at TIMESTAMP WITH TIME ZONE NOT NULL)"
    )
    for i, (day, amount, flag, at) in enumerate(rows, 1):
        q = db.Sql(db.dialect())
        await db.fetch(
            f"INSERT INTO {name} (id, d, n, b, at) VALUES ({q.bind(i)}, "
            f"{q.bind(db.sql_date(day))}, {q.bind(Decimal(amount))}, {q.bind(flag)}, "
            f"{q.bind(db.timestamp(at))})",
            q.values,
        )
    return name


ROWS = [
    (date(2026, 1, 1), "12.10", True, datetime(2026, 1, 1, 15, 59, tzinfo=UTC)),
    (date(2026, 3, 9), "0.10", False, datetime(2026, 1, 1, 16, 0, tzinfo=UTC)),
    (date(2026, 12, 31), "99999.99", True, datetime(2026, 12, 31, 23, 0, tzinfo=UTC)),
]


async def test_dates_money_and_booleans_read_the_same_on_both_backends(
    fresh_settings: Settings,
) -> None:
    """sql_date binds a date either backend compares as a date; as_date and as_decimal
    hand back ``date`` and ``Decimal`` whatever the driver returned; sql_true matches the
    stored booleans (issue 13)."""
    async with opened(fresh_settings):
        name = await _table(ROWS)
        try:
            q = db.Sql(db.dialect())
            rows = await db.fetch(
                f"SELECT id, d, n FROM {name} WHERE d >= {q.bind(db.sql_date(date(2026, 3, 9)))} "
                f"AND b = {db.sql_true(db.dialect())} ORDER BY id",
                q.values,
            )
            assert [r["id"] for r in rows] == [3]
            every = await db.fetch(f"SELECT d, n FROM {name} ORDER BY id")
            days = [db.as_date(r["d"]) for r in every]
            amounts = [db.as_decimal(r["n"]) for r in every]
            assert days == [d for d, *_ in ROWS]
            assert all(type(a) is Decimal for a in amounts)
            assert amounts == [Decimal(a) for _, a, *_ in ROWS]
        finally:
            await db.fetch(f"DROP TABLE {name}")


async def test_local_day_and_sort_value_on_both_backends(fresh_settings: Settings) -> None:
    """sql_local_day groups timestamps by the China Standard Time day (16:00 UTC is the next
    day); sort_value turns a cursor's ISO text back into a value its column compares with
    (issue 13)."""
    async with opened(fresh_settings):
        dialect = db.dialect()
        name = await _table(ROWS)
        try:
            day = db.sql_local_day("at", dialect)
            rows = await db.fetch(f"SELECT {day} AS day FROM {name} ORDER BY id")
            assert [db.as_date(r["day"]) for r in rows] == [
                date(2026, 1, 1),
                date(2026, 1, 2),
                date(2027, 1, 1),
            ]
            q = db.Sql(dialect)
            older = await db.fetch(
                f"SELECT id FROM {name} WHERE d < {q.bind(db.sort_value('2026-03-09', dialect))} "
                f"ORDER BY id{db.skip_locked(dialect)}",
                q.values,
            )
            assert [r["id"] for r in older] == [1]
        finally:
            await db.fetch(f"DROP TABLE {name}")


def test_as_decimal_and_as_date_pass_typed_values_through() -> None:
    assert db.as_decimal(None) is None
    assert db.as_decimal(0.1) == Decimal("0.1")
    assert db.as_decimal("7.50") == Decimal("7.50")
    assert db.as_date("2026-02-03") == date(2026, 2, 3)
    assert db.as_date(date(2026, 2, 3)) == date(2026, 2, 3)


def _dialect_comparisons(path: Path) -> list[int]:
    """Lines of ``path`` that compare something with the literal "sqlite" or "postgres"."""
    lines = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Compare):
            operands = [node.left, *node.comparators]
            if any(
                isinstance(o, ast.Constant) and o.value in ("sqlite", "postgres") for o in operands
            ):
                lines.append(node.lineno)
    return lines


def test_only_db_decides_by_the_dialect() -> None:
    """Issue 13: the SQLite/PostgreSQL ternaries live in ``db`` only; other modules call its
    helpers (sql_date, sql_true, sql_local_day, skip_locked, sort_value, timestamp)."""
    offenders = {
        str(path.relative_to(PACKAGE)): lines
        for path in sorted(PACKAGE.rglob("*.py"))
        if path not in ALLOWED
        and "migrations" not in path.parts
        and (lines := _dialect_comparisons(path))
    }
    assert offenders == {}
