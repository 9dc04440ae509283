"""Assembly: ``create_app(settings)`` builds one hall; nothing connects before its lifespan."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.authentication import AuthenticationMiddleware
from starlette.middleware.cors import CORSMiddleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import HTTPConnection, Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.types.unset import UNSET, UnsetType

from servicehall import db, seams
from servicehall.auth.backend import BearerBackend, on_auth_error
from servicehall.auth.provider.pages import HALL_NAME
from servicehall.auth.provider.params import ParameterGuard
from servicehall.auth.provider.web import Provider
from servicehall.auth.upstream import Upstream
from servicehall.cache.factory import create_backend
from servicehall.jobs import JOBS, JobContext
from servicehall.kiosk.operations import load_manifest
from servicehall.notify.scheduler import Scheduler
from servicehall.schema import build_schema
from servicehall.schema.context import Context
from servicehall.settings import Settings
from servicehall.web.graphql import GraphQLEndpoint
from servicehall.web.health import healthz, readyz
from servicehall.web.kiosk import kiosk_mount
from servicehall.web.license_keys import PATH as LICENSE_KEYS_PATH
from servicehall.web.license_keys import license_keys
from servicehall.web.middleware import DatabaseContextMiddleware, RequestIdMiddleware
from servicehall.web.runtime import Runtime
from servicehall.web.unavailable import UnavailableMiddleware


class SubscriptionView(GraphQL[Context, None]):
    """WebSocket transport (graphql-transport-ws) with the hall's typed context."""

    def __init__(self, runtime: Runtime) -> None:
        super().__init__(
            runtime.schema,
            graphql_ide=None,
            subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL,),
            connection_init_wait_timeout=timedelta(seconds=10),
            allowed_origins=runtime.settings.cors_origins,
        )
        self.runtime = runtime

    async def get_context(
        self, request: Request | WebSocket, response: Response | WebSocket
    ) -> Context:
        connection: HTTPConnection = request
        return self.runtime.context(connection, request.scope["state"]["request_id"])

    async def on_ws_connect(self, context: Context) -> UnsetType | dict[str, object] | None:
        # A kiosk device runs only the kiosk UI's persisted operations (/kiosk/graphql).
        if context.principal.is_kiosk:
            raise ConnectionRejectionError()
        unset: UnsetType = UNSET
        return unset


_HOME = """<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">
<title>网上办事大厅 GraphQL 服务</title></head><body>
<h1>网上办事大厅 GraphQL 服务</h1>
<ul><li><a href="/graphql">/graphql</a>：GraphQL 接口（POST、GET 查询、WebSocket 订阅）</li>
<li><a href="/kiosk/">/kiosk/</a>：自助终端界面（须经已登记终端的 kiosk 进程访问）</li>
<li><a href="/healthz">/healthz</a>：进程存活</li>
<li><a href="/readyz">/readyz</a>：数据库与缓存就绪</li></ul>
</body></html>"""


async def home(request: Request) -> HTMLResponse:
    return HTMLResponse(_HOME)


def scheduler(runtime: Runtime) -> Scheduler:
    return Scheduler(
        list(JOBS.values()),
        runtime.cache,
        JobContext(runtime.settings, runtime.notifier, runtime.calendar),
    )


def create_app(settings: Settings, *, server: bool = False) -> Starlette:
    """One hall on ``settings``: its database and cache open and close with its lifespan.

    ``server=True`` (the ``serve`` command's workers) also waits for the catalogue index and
    then moves everything alive after start-up out of the cyclic garbage collector's way
    (``gc.freeze``): every full collection would otherwise walk the schema, the modules and
    the index again, which showed as a 2x longer p95 in ``bench/search.py``. A test process
    that builds many apps keeps the collector as it is.
    """
    runtime = Runtime(
        settings=settings,
        schema=build_schema(settings.query_limits),
        cache=create_backend(settings),
    )

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        jobs: asyncio.Task[None] | None = None
        runtime.db = await db.open_database(settings)
        try:
            with db.use_database(runtime.db):
                await db.require_migrated()
                await runtime.auth.keys.ensure()
                await runtime.auth.license_keys.ensure()
                # Revocation markers from the database, in case Redis restarted empty (F5).
                await runtime.auth.revocations.seed()
                # Warm the catalogue index in the background; searches use SQL meanwhile.
                generation = await runtime.context_generation("catalogue")
                runtime.catalogue.get(generation)
                if server:
                    await runtime.catalogue.wait()
                    gc.collect()
                    gc.freeze()
                # Created here, the task keeps this database context for its whole life.
                jobs = (
                    asyncio.create_task(scheduler(runtime).run(), name="scheduler")
                    if settings.scheduler
                    else None
                )
            yield
        finally:
            if jobs is not None:
                jobs.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await jobs
            await runtime.notifier.close()
            await runtime.catalogue.close()
            await runtime.db.close_connections()
            runtime.db = None
            await runtime.cache.close()

    provider = Provider(runtime.auth)
    upstream = Upstream(provider)
    app = Starlette(
        routes=[
            *provider.routes(),
            *upstream.routes(),
            Route("/", home),
            Route("/graphql", GraphQLEndpoint(runtime), methods=["GET", "POST"]),
            WebSocketRoute("/graphql", SubscriptionView(runtime)),
            kiosk_mount(runtime, load_manifest(seams.graphql_schema(runtime.schema))),
            Route("/healthz", healthz),
            Route("/readyz", readyz(runtime)),  # type: ignore[arg-type]
            Route(LICENSE_KEYS_PATH, license_keys(runtime)),  # type: ignore[arg-type]
        ],
        middleware=[
            Middleware(RequestIdMiddleware),
            # A dependency down gives a typed 503 with the request id, never a bare 500.
            Middleware(UnavailableMiddleware, pages=provider.pages, hall_name=HALL_NAME),
            Middleware(
                CORSMiddleware,
                allow_origins=list(settings.cors_origins),
                allow_methods=["GET", "POST"],
                allow_headers=["authorization", "content-type", "x-request-id"],
                expose_headers=["x-request-id"],
                max_age=600,
            ),
            # F9: control characters in the OAuth and sign-in routes' parameters -> 400
            Middleware(ParameterGuard, page=provider._message),
            # Only the upstream sign-in flow uses it: a signed marker, the secrets stay in
            # the cache backend.
            Middleware(
                SessionMiddleware,
                secret_key=runtime.auth.box.derive("flow-cookie"),
                session_cookie="sh_flow",
                max_age=600,
                same_site="lax",
                https_only=provider.secure_cookies,
            ),
            Middleware(DatabaseContextMiddleware, runtime=runtime),
            Middleware(
                AuthenticationMiddleware,
                backend=BearerBackend(runtime.auth.tokens),
                on_error=on_auth_error,
            ),
        ],
        lifespan=lifespan,
    )
    app.state.runtime = runtime
    return app


def app_from_env() -> Starlette:
    """Factory for ``uvicorn --factory``: the environment is read here, at the edge."""
    return create_app(Settings.from_env(os.environ), server=True)
