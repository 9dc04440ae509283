"""``/healthz`` (the process answers) and ``/readyz`` (its database and cache answer).

Without its database the hall is not ready (503). Without Redis it is *degraded* but still
ready (200): bearer reads go on (revocations are checked in the database) and sign-in
answers a Chinese 503 page, so taking every replica out of the load balancer because the
shared Redis is down would turn a partial outage into a total one (F5). The body names
the failing check and the state of the Redis circuit breaker (``cache_breaker``).
"""

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
        ready = checks["database"] == "ok"
        status = "unavailable" if not ready else "ready" if checks["cache"] == "ok" else "degraded"
        body: dict[str, object] = {"status": status, "checks": checks}
        breaker = runtime.cache.breaker()
        if breaker is not None:
            body["cache_breaker"] = breaker
        return JSONResponse(
            body, status_code=200 if ready else 503, headers={"cache-control": "no-store"}
        )

    return endpoint


async def _database() -> None:
    await db.fetch("SELECT 1 AS ok")
