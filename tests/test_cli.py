"""The ``servicehall`` command, run as a newcomer would: a fresh SQLite file, then data."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _run(*args: str, env: dict[str, str], stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "servicehall", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=300,
        input=stdin,
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


def test_operator_commands(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SERVICEHALL_")}
    env["SERVICEHALL_DATABASE_URL"] = f"sqlite://{tmp_path / 'hall.sqlite3'}"
    assert _run("migrate", env=env).returncode == 0
    loaded = _run("demo-data", "--items", "5", "--enterprises", "2", env=env)
    assert "演示账号" in loaded.stdout and "doumen-portal" in loaded.stdout
    rotated = _run("keys", "rotate", env=env)
    assert rotated.returncode == 0 and "新的签名密钥" in rotated.stdout
    machine = _run(
        "clients",
        "add",
        "--client-id",
        "tax-system",
        "--name",
        "区税务局征管系统",
        "--kind",
        "machine",
        "--scope",
        "ingest:tax",
        "--department",
        "SWJ",
        env=env,
    )
    assert machine.returncode == 0 and "客户端密钥" in machine.stdout
    bad = _run(
        "clients",
        "add",
        "--client-id",
        "spa",
        "--name",
        "某应用",
        "--kind",
        "public",
        "--redirect-uri",
        "http://evil.example/cb",
        env=env,
    )
    assert bad.returncode == 1 and "https" in bad.stderr and "Traceback" not in bad.stderr
    no_secret = _run(
        "idp",
        "add",
        "--slug",
        "city",
        "--name",
        "珠海市统一身份认证平台",
        "--issuer",
        "https://sso.zhuhai.example.cn",
        "--client-id",
        "doumen",
        env=env,
    )
    assert no_secret.returncode == 1 and "密钥" in no_secret.stderr
    added = _run(
        "idp",
        "add",
        "--slug",
        "city",
        "--name",
        "珠海市统一身份认证平台",
        "--issuer",
        "https://sso.zhuhai.example.cn",
        "--client-id",
        "doumen",
        env=env,
        stdin="s" * 32 + "\n",
    )
    assert added.returncode == 0 and "/auth/upstream/city/callback" in added.stdout


def test_demo_data_is_refused_in_prod(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SERVICEHALL_")} | {
        "SERVICEHALL_ENV": "prod",
        "SERVICEHALL_DATABASE_URL": f"sqlite://{tmp_path / 'hall.sqlite3'}",
        "SERVICEHALL_PUBLIC_URL": "https://zwfw.example.cn",
        "SERVICEHALL_SECRET_KEY": "k" * 40,
    }
    refused = _run("demo-data", env=env)
    assert refused.returncode == 2 and "生产环境" in refused.stderr
