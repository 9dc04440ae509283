"""``/healthz`` (the process answers) and ``/readyz`` (its database and cache answer)."""

from __future__ import annotations

import asyncio

from starlette.requests import Request
from starlette.responses import JSONResponse

from servicehall import db
from servicehall.web.runtime import Runtime

#: Seconds each dependency gets to answer a readiness probe.
PROBE_TIMEOUT = 2.0


async def healthz(request: Request) -> JSONResponse:
    return JSONResponse({"status": "ok"}, headers={"cache-control": "no-store"})


def readyz(runtime: Runtime) -> object:
    async def endpoint(request: Request) -> JSONResponse:
        checks: dict[str, str] = {}
        for name, probe in (("database", _database), ("cache", runtime.cache.ping)):
            try:
                await asyncio.wait_for(probe(), PROBE_TIMEOUT)
                checks[name] = "ok"
            except TimeoutError:
                checks[name] = f"no answer within {PROBE_TIMEOUT:.0f}s"
            except Exception as exc:
                checks[name] = f"{type(exc).__name__}: {exc}"[:200]
        ready = all(value == "ok" for value in checks.values())
        return JSONResponse(
            {"status": "ready" if ready else "unavailable", "checks": checks},
            status_code=200 if ready else 503,
            headers={"cache-control": "no-store"},
        )

    return endpoint


async def _database() -> None:
    await db.fetch("SELECT 1 AS ok")
