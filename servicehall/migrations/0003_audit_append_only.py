"""Make ``audit_event`` append-only in the database itself (SEC-2).

Hand-written: the trigger syntax differs per dialect. Each statement is executed on its own
because the SQLite migrator splits scripts on ``;``, which trigger bodies contain.
"""

from typing import Any

from tortoise import migrations
from tortoise.migrations import operations as ops

SQLITE = [
    "CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_event "
    "BEGIN SELECT RAISE(ABORT, 'audit_event is append-only'); END",
    "CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON audit_event "
    "BEGIN SELECT RAISE(ABORT, 'audit_event is append-only'); END",
]
SQLITE_REVERSE = [
    "DROP TRIGGER IF EXISTS audit_event_no_update",
    "DROP TRIGGER IF EXISTS audit_event_no_delete",
]
POSTGRES = [
    "CREATE OR REPLACE FUNCTION audit_event_append_only() RETURNS trigger LANGUAGE plpgsql "
    "AS $$ BEGIN RAISE EXCEPTION 'audit_event is append-only'; END $$",
    "CREATE TRIGGER audit_event_no_change BEFORE UPDATE OR DELETE ON audit_event "
    "FOR EACH ROW EXECUTE FUNCTION audit_event_append_only()",
    "CREATE TRIGGER audit_event_no_truncate BEFORE TRUNCATE ON audit_event "
    "FOR EACH STATEMENT EXECUTE FUNCTION audit_event_append_only()",
]
POSTGRES_REVERSE = [
    "DROP TRIGGER IF EXISTS audit_event_no_change ON audit_event",
    "DROP TRIGGER IF EXISTS audit_event_no_truncate ON audit_event",
    "DROP FUNCTION IF EXISTS audit_event_append_only()",
]


async def _run(schema_editor: Any, sqlite: list[str], postgres: list[str]) -> None:
    dialect = schema_editor.client.capabilities.dialect
    for statement in sqlite if dialect == "sqlite" else postgres:
        await schema_editor.client.execute_query(statement)


async def forward(apps: Any, schema_editor: Any) -> None:
    await _run(schema_editor, SQLITE, POSTGRES)


async def backward(apps: Any, schema_editor: Any) -> None:
    await _run(schema_editor, SQLITE_REVERSE, POSTGRES_REVERSE)


class Migration(migrations.Migration):
    dependencies = [("models", "0002_identity")]

    operations = [ops.RunPython(forward, backward)]
