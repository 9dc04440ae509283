"""Migrations: one set for SQLite and PostgreSQL, in step with the models."""

from __future__ import annotations

import importlib
import json
from pathlib import Path

import pytest
from tortoise.cli.cli import CLIContext, makemigrations
from tortoise.migrations import operations as ops

from servicehall import db
from servicehall.app import create_app
from servicehall.settings import Settings
from tests.conftest import opened, running


async def test_models_and_migrations_agree(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = db.tortoise_config(Settings(database_url="sqlite://:memory:"))
    path = tmp_path / "config.json"
    path.write_text(json.dumps(config))
    await makemigrations(CLIContext(None, str(path)), (), False, None)
    assert "No changes detected" in capsys.readouterr().out, (
        "models changed without a migration: run `servicehall makemigrations`"
    )


async def test_migrate_is_idempotent(fresh_settings: Settings) -> None:
    async with opened(fresh_settings):
        assert await db.migrate() == []
        assert await db.pending_migrations() == []


async def test_the_app_refuses_an_unmigrated_database(tmp_path: Path) -> None:
    settings = Settings(database_url=f"sqlite://{tmp_path / 'empty.sqlite3'}")
    with pytest.raises(db.DatabaseNotMigrated, match="servicehall migrate"):
        async with running(settings):
            pass
    async with opened(settings):
        applied = await db.migrate()
        assert applied[0] == "0001_initial"
        assert applied == sorted(applied)
        assert await db.pending_migrations() == []
    async with running(settings) as client:
        assert (await client.get("/readyz")).status_code == 200
    assert create_app(settings)  # building an app connects to nothing


def test_added_columns_apply_to_tables_with_rows() -> None:
    """A NOT NULL column added to an existing table needs a database default, or
    `servicehall migrate` fails on every database that already holds rows (a Python-side
    `default=` does not reach the ALTER TABLE)."""
    package = Path(db.__file__).parent / "migrations"
    missing = []
    for path in sorted(package.glob("0*.py")):
        module = importlib.import_module(f"servicehall.migrations.{path.stem}")
        for operation in module.Migration.operations:
            if isinstance(operation, ops.AddField):
                field = operation.field
                if not field.null and not field.has_db_default():
                    missing.append(f"{path.stem}: {operation.model_name}.{operation.name}")
    assert missing == [], "give these a db_default (or make them nullable)"
