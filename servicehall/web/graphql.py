"""``/graphql`` over HTTP: the hall's own lean pipeline around graphql-core.

Strawberry builds the schema and its resolvers; this module does the per-request work that
strawberry's view would otherwise repeat on every request:

1. parse the GraphQL-over-HTTP request (POST JSON, or GET for queries) with a body limit;
2. resolve automatic persisted queries (APQ: ``extensions.persistedQuery.sha256Hash``),
   storing only valid texts of bounded size, at a bounded rate per IP (F4);
3. parse, validate (specification rules plus depth, alias and introspection limits) and
   analyse each distinct document **once** per process (``schema/documents.py``: an LRU
   bounded by bytes, shared with the WebSocket path);
4. refuse an operation costing more than who asks may spend (``schema/cost.py``, F2);
5. serve public queries from the response cache, keyed by the generations of the data
   domains they read (``servicehall.changes``), already encoded;
6. execute with graphql-core directly (cancelled after the execution timeout), refuse an
   answer over the size cap, format errors in one place, encode with orjson.

Status codes follow the GraphQL-over-HTTP draft: a client that accepts
``application/graphql-response+json`` gets 4xx for requests that never executed; one that
asks for ``application/json`` gets 200 with ``errors`` as before.
"""

from __future__ import annotations

import hashlib
import inspect
import logging
from typing import Any

import orjson
from graphql import (
    ExecutionResult,
    GraphQLError,
    OperationDefinitionNode,
    OperationType,
    execute,
)
from starlette.requests import ClientDisconnect, Request
from starlette.responses import HTMLResponse, Response
from starlette.types import Receive, Scope, Send
from strawberry.execution import optimized_is_awaitable
from strawberry.http.ides import get_graphql_ide_html

from servicehall import clock, seams
from servicehall.auth.principal import PrincipalKind
from servicehall.cache.base import CacheUnavailable
from servicehall.errors import InvalidInput, RateLimited, ServiceHallError
from servicehall.schema.context import Context
from servicehall.schema.documents import Prepared
from servicehall.schema.errors import format_error
from servicehall.schema.inputs import variable_error
from servicehall.schema.limits import EXECUTION_TIMEOUT, response_too_large
from servicehall.web.runtime import Runtime

log = logging.getLogger(__name__)

GRAPHQL_RESPONSE = "application/graphql-response+json"
JSON = "application/json"


class RequestError(InvalidInput):
    """The HTTP request is not a GraphQL request we can run (answered with ``status``).

    Its answer carries ``wire_code`` (GraphQL-over-HTTP codes such as ``BAD_REQUEST`` that
    are no :class:`ErrorCode`) and ``wire_label``; :meth:`of` answers a hall error's own.
    """

    def __init__(self, status: int, code: str, message: str, label: str | None = None) -> None:
        super().__init__(message)
        self.status, self.wire_code, self.wire_label = status, code, label

    @classmethod
    def of(cls, status: int, error: ServiceHallError) -> RequestError:
        return cls(status, error.code.value, error.message, error.label)

    def body(self) -> bytes:
        extensions = {"code": self.wire_code} | (
            {"label": self.wire_label} if self.wire_label else {}
        )
        return orjson.dumps({"errors": [{"message": self.message, "extensions": extensions}]})


def _operation(prepared: Prepared, name: str | None) -> OperationDefinitionNode:
    operations = prepared.operations()
    if name is None:
        if len(operations) == 1:
            return operations[0]
        raise RequestError(400, "OPERATION_NAME_REQUIRED", "文档含多个操作，请提供 operationName")
    for op in operations:
        if op.name is not None and op.name.value == name:
            return op
    raise RequestError(400, "OPERATION_NOT_FOUND", f"文档中没有名为“{name}”的操作")


class GraphQLEndpoint:
    """ASGI app answering GraphQL over HTTP (WebSocket subscriptions go to strawberry's view)."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.settings = runtime.settings
        self.schema = runtime.schema
        self.documents = runtime.schema.documents
        self._graphiql = (
            get_graphql_ide_html("graphiql") if self.settings.graphiql_enabled else None
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        try:
            response = await self.handle(request)
        except ClientDisconnect:
            # The client went away before its request body arrived: nothing ran, and
            # there is nobody to answer.
            log.debug("client disconnected before sending its request")
            return
        await response(scope, receive, send)

    async def handle(self, request: Request) -> Response:
        accept = request.headers.get("accept", "")
        media = GRAPHQL_RESPONSE if GRAPHQL_RESPONSE in accept else JSON
        try:
            if request.method == "GET" and self._wants_ide(request):
                if self._graphiql is None:
                    raise RequestError(400, "BAD_REQUEST", "缺少 query 参数")
                return HTMLResponse(self._graphiql)
            await self.admit(request)
            params = await self._read(request)
            status, body, headers = await self.run(request, params, media)
        except RequestError as error:
            headers = {"allow": "GET, POST"} if error.status == 405 else {}
            headers["cache-control"] = "no-store"
            return Response(error.body(), error.status, headers, media_type=media)
        return Response(body, status, headers, media_type=media)

    async def admit(self, request: Request) -> None:
        """Refuse a caller this endpoint does not serve, before reading its request.

        A kiosk device's token opens ``/kiosk/graphql`` only: there it may run nothing but
        the kiosk UI's own operations (STA-4), which this endpoint would not enforce.
        """
        if getattr(request.scope.get("user"), "kind", None) is PrincipalKind.KIOSK:
            raise RequestError(
                403, "FORBIDDEN", "自助终端只能通过 /kiosk/graphql 调用登记的操作", "无权访问"
            )

    @staticmethod
    def _wants_ide(request: Request) -> bool:
        return (
            "query" not in request.query_params
            and "extensions" not in request.query_params
            and "text/html" in request.headers.get("accept", "")
        )

    async def _read(self, request: Request) -> dict[str, Any]:
        if request.method == "GET":
            params: dict[str, Any] = dict(request.query_params)
            for key in ("variables", "extensions"):
                if params.get(key):
                    params[key] = _loads(params[key], key)
            return params
        if request.method != "POST":
            raise RequestError(405, "METHOD_NOT_ALLOWED", "仅支持 GET 和 POST")
        content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if content_type not in (JSON, GRAPHQL_RESPONSE):
            raise RequestError(415, "UNSUPPORTED_MEDIA_TYPE", "请求体须为 application/json")
        # authenticated department systems push feed batches larger than any user query
        machine = getattr(request.scope.get("user"), "kind", None) is PrincipalKind.MACHINE
        limit = self.settings.feed_max_body_bytes if machine else self.settings.max_body_bytes
        declared = request.headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            raise RequestError(413, "REQUEST_TOO_LARGE", "请求体过大")
        chunks, size = [], 0
        async for chunk in request.stream():
            size += len(chunk)
            if size > limit:
                raise RequestError(413, "REQUEST_TOO_LARGE", "请求体过大")
            chunks.append(chunk)
        data = _loads(b"".join(chunks), "body")
        if isinstance(data, list):
            raise RequestError(400, "BATCHING_NOT_SUPPORTED", "不支持批量请求，请逐个发送")
        if not isinstance(data, dict):
            raise RequestError(400, "BAD_REQUEST", "请求体须为 JSON 对象")
        return data

    async def run(
        self, request: Request, params: dict[str, Any], media: str
    ) -> tuple[int, bytes, dict[str, str]]:
        query, variables, operation_name, extensions = _unpack(params)
        query, prepared = await self._persisted(request, query, extensions)
        rid = request.scope["state"]["request_id"]
        if prepared.errors:
            status = 400 if media == GRAPHQL_RESPONSE else 200
            return status, _encode(None, prepared.errors, rid), {}
        operation = _operation(prepared, operation_name)
        if (bad := variable_error(variables)) is not None:  # F9: before anything runs
            return (400 if media == GRAPHQL_RESPONSE else 200), _encode(None, [bad], rid), {}
        if operation.operation is OperationType.SUBSCRIPTION:
            raise RequestError(400, "SUBSCRIPTION_OVER_HTTP", "订阅请通过 WebSocket 连接")
        if request.method == "GET" and operation.operation is not OperationType.QUERY:
            raise RequestError(405, "METHOD_NOT_ALLOWED", "变更操作须使用 POST")

        context = self.runtime.context(request, rid)
        # F2: refused before anything runs when it costs more than who asks may spend
        too_costly = self.documents.check_cost(prepared, operation, variables, context.principal)
        if too_costly is not None:
            status = 400 if media == GRAPHQL_RESPONSE else 200
            return status, _encode(None, (too_costly,), rid), {"cache-control": "no-store"}

        cache_key = await self._cache_key(context, prepared, operation_name, variables)
        if cache_key is not None:
            try:
                hit = await self.runtime.cache.get(cache_key)
            except CacheUnavailable:
                hit, cache_key = None, None
            if hit is not None:
                return 200, hit, _cache_headers(request, public=True, ttl=self.ttl)

        assert prepared.document is not None
        outcome = execute(
            seams.graphql_schema(self.schema),
            prepared.document,
            context_value=context,
            variable_values=variables,
            operation_name=operation_name,
            executor_class=self.schema.execution_context_class,
            is_awaitable=optimized_is_awaitable,  # type: ignore[arg-type]
            operation_extensions=extensions,
        )
        # the execution context cancels the work after SERVICEHALL_EXECUTION_TIMEOUT
        result: ExecutionResult = await outcome if inspect.isawaitable(outcome) else outcome
        body = _encode(result.data, result.errors or (), rid)
        if len(body) > self.settings.max_response_bytes:
            log.warning("response of %d bytes refused (request %s)", len(body), rid)
            refusal = response_too_large(len(body), self.settings.max_response_bytes)
            return 200, _encode(None, (refusal,), rid), {"cache-control": "no-store"}
        status = 200
        if result.data is None and result.errors and media == GRAPHQL_RESPONSE:
            status = 400 if _is_request_error(result.errors) else 200
        # F4: a large answer is not worth the cache's memory (nor anybody else's keys')
        storable = len(body) <= self.settings.response_cache_max_bytes
        if cache_key is not None and not result.errors and storable:
            try:
                await self.runtime.cache.set(cache_key, body, self.ttl)
            except CacheUnavailable:
                log.warning("response cache unavailable; served uncached")
        public = cache_key is not None and not result.errors
        return status, body, _cache_headers(request, public=public, ttl=self.ttl)

    @property
    def ttl(self) -> int:
        return self.settings.response_cache_ttl

    async def _cache_key(
        self,
        context: Context,
        prepared: Prepared,
        operation_name: str | None,
        variables: dict[str, Any] | None,
    ) -> str | None:
        if not prepared.cache.cacheable or self.ttl <= 0:
            return None
        generations = await context.generations_of(prepared.cache.domains)
        if None in generations:
            return None
        material = orjson.dumps(
            [prepared.digest, operation_name, variables, generations], option=orjson.OPT_SORT_KEYS
        )
        return "resp:" + hashlib.sha256(material).hexdigest()

    async def _persisted(
        self, request: Request, query: str | None, extensions: dict[str, Any] | None
    ) -> tuple[str, Prepared]:
        """The request's document: its text, or the text an APQ hash stands for."""
        persisted = (extensions or {}).get("persistedQuery")
        if persisted is None:
            if not query:
                raise RequestError(400, "BAD_REQUEST", "请求缺少 query")
            return query, self.documents.get(query)
        digest = persisted.get("sha256Hash") if isinstance(persisted, dict) else None
        if not isinstance(digest, str) or len(digest) != 64 or persisted.get("version") != 1:
            raise RequestError(
                400, "PERSISTED_QUERY_INVALID", "persistedQuery 须含 version 1 和 sha256Hash"
            )
        key = f"apq:{digest.lower()}"
        if query:
            if hashlib.sha256(query.encode()).hexdigest() != digest.lower():
                raise RequestError(400, "PERSISTED_QUERY_HASH_MISMATCH", "sha256Hash 与 query 不符")
            return query, await self._register(request, key, query)
        try:
            stored = await self.runtime.cache.get(key)
        except CacheUnavailable:
            stored = None
        if stored is None:
            # Apollo's protocol: 200 with this code makes the client resend the full text.
            raise RequestError(200, "PERSISTED_QUERY_NOT_FOUND", "PersistedQueryNotFound")
        query = stored.decode()
        return query, self.documents.get(query)

    async def _register(self, request: Request, key: str, query: str) -> Prepared:
        """Store an APQ text (F4): bounded in size and per IP, only once it parses and
        validates, kept shorter when nobody signed in registered it."""
        settings = self.settings
        if len(query.encode()) > settings.persisted_query_max_bytes:
            raise RequestError(
                413,
                "PERSISTED_QUERY_TOO_LARGE",
                f"持久化查询不能超过{settings.persisted_query_max_bytes}字节，请直接发送 query",
                "查询过大",
            )
        ip = request.client.host if request.client else "unknown"
        try:
            count = await self.runtime.cache.incr(
                f"apq-rate:{ip}:{int(clock.timestamp() // 60)}", ttl=120
            )
        except CacheUnavailable:
            count = 0  # nothing can be stored either
        if count > settings.persisted_queries_per_ip:
            raise RequestError.of(429, RateLimited("登记持久化查询过于频繁，请稍后再试"))
        prepared = self.documents.get(query)
        if prepared.errors:
            return prepared  # answered with its errors, never stored
        user = request.scope.get("user")
        signed_in = user is not None and not getattr(user, "is_anonymous", True)
        ttl = settings.persisted_query_ttl if signed_in else settings.persisted_query_anonymous_ttl
        try:
            await self.runtime.cache.set(key, query.encode(), ttl)
        except CacheUnavailable:
            log.warning("could not store persisted query %s: cache unavailable", key)
        return prepared


def _loads(raw: str | bytes, what: str) -> Any:
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise RequestError(400, "BAD_REQUEST", f"{what} 不是合法的 JSON") from None


def _unpack(
    params: dict[str, Any],
) -> tuple[str | None, dict[str, Any] | None, str | None, dict[str, Any] | None]:
    query, variables = params.get("query"), params.get("variables")
    operation_name, extensions = params.get("operationName"), params.get("extensions")
    if query is not None and not isinstance(query, str):
        raise RequestError(400, "BAD_REQUEST", "query 须为字符串")
    if variables is not None and not isinstance(variables, dict):
        raise RequestError(400, "BAD_REQUEST", "variables 须为 JSON 对象")
    if operation_name is not None and not isinstance(operation_name, str):
        raise RequestError(400, "BAD_REQUEST", "operationName 须为字符串")
    if extensions is not None and not isinstance(extensions, dict):
        raise RequestError(400, "BAD_REQUEST", "extensions 须为 JSON 对象")
    return query, variables, operation_name or None, extensions


def _encode(data: Any, errors: Any, request_id: str) -> bytes:
    payload: dict[str, Any] = {}
    if errors:
        payload["errors"] = [format_error(e, request_id) for e in errors]
    if data is not None or not errors:
        payload["data"] = data
    return orjson.dumps(payload)


def _is_request_error(errors: list[GraphQLError]) -> bool:
    """Variable coercion failures happen before execution (no path): a request error (4xx).
    A timeout happened during execution: not the request's fault in form."""
    return all(
        e.path is None and (e.extensions or {}).get("code") != EXECUTION_TIMEOUT for e in errors
    )


def _cache_headers(request: Request, *, public: bool, ttl: int) -> dict[str, str]:
    if public and request.method == "GET":
        return {"cache-control": f"public, max-age={min(ttl, 60)}"}
    return {"cache-control": "no-store"}
