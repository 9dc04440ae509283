"""The ``servicehall`` command, run as a newcomer would: a fresh SQLite file, then data."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _run(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "servicehall", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=300,
    )


def test_migrate_then_demo_data_once(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SERVICEHALL_")}
    env["SERVICEHALL_DATABASE_URL"] = f"sqlite://{tmp_path / 'hall.sqlite3'}"
    refused = _run("demo-data", env=env)
    assert refused.returncode == 1 and "servicehall migrate" in refused.stderr
    assert _run("migrate", env=env).returncode == 0
    again = _run("migrate", env=env)
    assert "无需迁移" in again.stdout
    loaded = _run("demo-data", "--enterprises", "5", env=env)
    assert loaded.returncode == 0, loaded.stderr
    assert "已加载演示数据" in loaded.stdout
    assert "已存在" in _run("demo-data", env=env).stdout


def test_bad_settings_are_reported_not_raised(tmp_path: Path) -> None:
    env = dict(os.environ, SERVICEHALL_ENV="staging")
    result = _run("migrate", env=env)
    assert result.returncode == 2
    assert "SERVICEHALL_ENV" in result.stderr and "Traceback" not in result.stderr


def test_export_schema_prints_the_sdl() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SERVICEHALL_")}
    result = _run("export-schema", env=env)
    assert result.returncode == 0
    assert result.stdout == (ROOT / "schema.graphql").read_text(encoding="utf-8")
