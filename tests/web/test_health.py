"""/healthz and /readyz report the process and its dependencies."""

from __future__ import annotations

from pathlib import Path

import asyncpg
import httpx

from servicehall.db import connection, use_database
from servicehall.settings import Settings
from tests.conftest import running


async def test_health_and_readiness(demo_client: httpx.AsyncClient) -> None:
    assert (await demo_client.get("/healthz")).json() == {"status": "ok"}
    ready = await demo_client.get("/readyz")
    assert ready.status_code == 200
    body = ready.json()
    assert body.pop("cache_breaker", "closed") == "closed"  # Redis only
    assert body == {"status": "ready", "checks": {"database": "ok", "cache": "ok"}}


async def test_readiness_fails_with_the_reason_when_the_database_goes_away(
    fresh_settings: Settings,
) -> None:
    async with running(fresh_settings) as client:
        assert (await client.get("/readyz")).status_code == 200
        if fresh_settings.dialect == "sqlite":
            # The disk holding the database disappears: the file is gone and the path is
            # something SQLite cannot open; the client must reconnect and fail.
            path = Path(fresh_settings.database_url.removeprefix("sqlite://"))
            with use_database(client.runtime.db):
                await connection().close()
            path.unlink()
            path.mkdir()
        else:
            name = fresh_settings.database_url.rsplit("/", 1)[1]
            admin = await asyncpg.connect(
                fresh_settings.database_url.rsplit("/", 1)[0] + "/postgres"
            )
            await admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
            await admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1", name
            )
        try:
            ready = await client.get("/readyz")
            assert ready.status_code == 503
            assert ready.json()["status"] == "unavailable"
            assert ready.json()["checks"]["database"] != "ok"
            assert (await client.get("/healthz")).status_code == 200
        finally:
            if fresh_settings.dialect != "sqlite":
                await admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')
                await admin.close()
