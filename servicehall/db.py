"""The database: Tortoise configuration, one context per app, and bound-parameter SQL.

Each app owns a :class:`~tortoise.context.TortoiseContext` (opened in its lifespan) instead
of Tortoise's process-global state, so a test process can run several apps on different
databases. :func:`use_database` makes an app's context current for one request or task.

Hot read paths run SQL through the ORM's connection (``fetch``) and get plain dicts: model
instances are for writes and their invariants (see DESIGN.md, "Speed is designed in").
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any, Literal
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import orjson
from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.context import TortoiseContext, require_context
from tortoise.migrations.executor import MigrationExecutor
from tortoise.models import Model

from servicehall import seams
from servicehall.errors import ServiceUnavailable
from servicehall.settings import Settings

Dialect = Literal["sqlite", "postgres"]
APP_LABEL = "models"
MIGRATIONS_MODULE = "servicehall.migrations"


class DatabaseNotMigrated(ServiceUnavailable, RuntimeError):
    """The schema is behind the code: ``servicehall migrate`` has not been run."""


def _apps(connection: str) -> dict[str, dict[str, Any]]:
    return {
        APP_LABEL: {
            "models": ["servicehall.models"],
            "migrations": MIGRATIONS_MODULE,
            "default_connection": connection,
        }
    }


def connection() -> BaseDBAsyncClient:
    """The default connection of the current context (the app's or the command's)."""
    client: BaseDBAsyncClient = require_context().db()
    return client


def tortoise_config(settings: Settings) -> dict[str, Any]:
    """The Tortoise configuration for ``settings``; times are stored in UTC."""
    url = settings.database_url
    if settings.dialect == "postgres":
        parts = urlsplit(url)
        query = dict(parse_qsl(parts.query))
        query.setdefault("minsize", "1")
        query.setdefault("maxsize", str(settings.database_pool_size))
        url = urlunsplit(parts._replace(query=urlencode(query)))
    # The connection is named after its dialect: Tortoise caches generated INSERT statements
    # per connection name, so a SQLite and a PostgreSQL context in one process (the test
    # suite) must not share a name.
    return {
        "connections": {settings.dialect: url},
        "apps": _apps(settings.dialect),
        "use_tz": True,
        "timezone": "UTC",
    }


async def open_database(settings: Settings) -> TortoiseContext:
    """Initialise (but do not migrate) the database of ``settings`` in a fresh context."""
    ctx = TortoiseContext()
    with use_database(ctx):  # init needs its context current
        await ctx.init(config=tortoise_config(settings))
    return ctx


@contextlib.contextmanager
def use_database(ctx: TortoiseContext) -> Iterator[TortoiseContext]:
    """Make ``ctx`` the current Tortoise context for the running task (per task: see
    :func:`servicehall.seams.tortoise_context`)."""
    with seams.tortoise_context(ctx):
        yield ctx


async def migrate() -> list[str]:
    """Apply pending migrations to the current context's database; returns their names.

    Migrations are Tortoise's own (``servicehall/migrations``): operations, not SQL text,
    so one set serves SQLite and PostgreSQL. Each runs in a transaction where the database
    allows DDL in one (both do).
    """
    executor = _executor()
    pending = [step.migration.name for step in await executor.plan() if not step.backward]
    await executor.migrate()
    return pending


def _executor() -> MigrationExecutor:
    client = connection()
    return MigrationExecutor(client, _apps(client.connection_name))


async def pending_migrations() -> list[str]:
    executor = _executor()
    return [step.migration.name for step in await executor.plan() if not step.backward]


async def require_migrated() -> None:
    """Refuse to serve on a schema older than the code (it would fail request by request)."""
    pending = await pending_migrations()
    if pending:
        raise DatabaseNotMigrated(
            f"database schema is not up to date; run `servicehall migrate` "
            f"(pending: {', '.join(pending)})"
        )


def dialect() -> Dialect:
    """The dialect of the current context's default connection."""
    name = connection().capabilities.dialect
    return "sqlite" if name == "sqlite" else "postgres"


class Sql:
    """Collects bound values and hands out numbered placeholders for the dialect.

    Numbered placeholders (``?1`` on SQLite, ``$1`` on PostgreSQL) let fragments be built in
    any order. Values are always bound, never formatted into the text.

    Example:
        >>> q = Sql("postgres")
        >>> f"code = {q.bind('A')} OR code IN ({q.bind_all(['B', 'C'])})"
        'code = $1 OR code IN ($2, $3)'
    """

    __slots__ = ("_mark", "values")

    def __init__(self, dialect: Dialect) -> None:
        self.values: list[Any] = []
        self._mark = "?" if dialect == "sqlite" else "$"

    def bind(self, value: Any) -> str:
        self.values.append(value)
        return f"{self._mark}{len(self.values)}"

    def bind_all(self, values: Iterable[Any]) -> str:
        return ", ".join(self.bind(v) for v in values)


async def fetch(sql: str, values: Sequence[Any] = ()) -> list[dict[str, Any]]:
    """Run one statement on the current connection and return plain rows."""
    rows: list[dict[str, Any]] = await connection().execute_query_dict(sql, list(values))
    return rows


def timestamp(value: datetime) -> Any:
    """A datetime to bind against a timestamp column: PostgreSQL takes it as is; SQLite
    compares text, so it gets the text Tortoise writes (``str`` of the UTC value, whose
    order is the order of time)."""
    utc = value.astimezone(UTC)
    return str(utc) if dialect() == "sqlite" else utc


def sql_date(day: date) -> Any:
    """A date to bind against a DATE column: PostgreSQL takes a ``date``; SQLite stores and
    compares ISO text (``YYYY-MM-DD``, whose order is the order of days)."""
    return day.isoformat() if dialect() == "sqlite" else day


def sql_true(dialect: Dialect) -> str:
    """The literal TRUE in ``dialect``: SQLite has no boolean type and stores 1."""
    return "1" if dialect == "sqlite" else "TRUE"


def sql_local_day(column: str, dialect: Dialect) -> str:
    """An expression for the China Standard Time day (``YYYY-MM-DD`` text) of a UTC
    timestamp ``column``; China keeps no daylight saving time, so +8 hours is exact."""
    if dialect == "sqlite":
        return f"date({column}, '+8 hours')"
    return f"to_char({column} AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD')"


def skip_locked(dialect: Dialect) -> str:
    """The row-lock clause for a claim query: PostgreSQL skips rows another worker holds;
    SQLite has one writer at a time and no row locks."""
    return " FOR UPDATE SKIP LOCKED" if dialect == "postgres" else ""


def sort_value(text: str, dialect: Dialect) -> Any:
    """The ISO text of a date or timestamp (as a cursor carries it) as the value to bind
    against its column: SQLite compares the stored text, PostgreSQL a date or datetime.

    Raises ``ValueError`` on text that is neither (on PostgreSQL, where it is parsed)."""
    if dialect == "sqlite":
        return text
    parsed = datetime.fromisoformat(text)
    return parsed if "T" in text or ":" in text else parsed.date()


def model_row(instance: Model) -> dict[str, Any]:
    """A model instance as the row a read would fetch (column name -> value), for types
    built from rows after a write."""
    return {name: getattr(instance, name) for name in instance._meta.db_fields}


def as_date(value: Any) -> date | None:
    """A DATE column as ``date``: SQLite hands back text, PostgreSQL a ``date``."""
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def as_decimal(value: Any) -> Decimal | None:
    """A NUMERIC column as ``Decimal``: PostgreSQL hands back ``Decimal``, SQLite text or a
    float (read through its text, so 0.1 stays 0.1)."""
    if value is None or isinstance(value, Decimal):
        return value
    return Decimal(str(value))


def as_datetime(value: Any) -> datetime | None:
    """A timestamp column as an aware UTC ``datetime`` on either dialect."""
    if value is None:
        return None
    parsed = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def as_json(value: Any) -> Any:
    """A JSON column as Python data: both drivers hand back text without a codec."""
    return orjson.loads(value) if isinstance(value, (str, bytes)) else value
