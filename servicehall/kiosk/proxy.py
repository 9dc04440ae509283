"""The kiosk process's ``/graphql``: the browser's only way to the hall (STA-4).

The browser sends an operation's SHA-256 and its variables; the process checks the hash
against the manifest, adds the device's access token and forwards the request to the
hall's ``/kiosk/graphql``. Answers of public operations (directory, station pages,
guides) are kept in memory; while the hall is unreachable they are served from there,
marked ``extensions.kiosk.offline``, and everything else (progress, ratings, pages not
yet seen) answers ``SERVICE_UNAVAILABLE`` naming the service. Personal answers are never
kept, and no answer may be kept by the browser (``Cache-Control: no-store``).
"""

from __future__ import annotations

import logging
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

import httpx2
import orjson
from starlette.requests import Request
from starlette.responses import Response

from servicehall import clock
from servicehall.errors import (
    DeviceNotRegistered,
    ErrorCode,
    OperationNotAllowed,
    ServiceHallError,
    ServiceUnavailable,
)
from servicehall.kiosk.device import DeviceSession, DeviceUnregistered, HallUnreachable
from servicehall.kiosk.operations import SERVICES, Manifest, Operation

log = logging.getLogger(__name__)

MAX_BODY = 64 * 1024
#: Server errors that mean "the hall is not there" rather than "this request is bad".
_UNREACHABLE = {502, 503, 504}


class OfflineCache:
    """The last answers of public operations, bounded (least recently used goes first)."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._items: OrderedDict[bytes, bytes] = OrderedDict()

    def get(self, key: bytes) -> bytes | None:
        value = self._items.get(key)
        if value is not None:
            self._items.move_to_end(key)
        return value

    def put(self, key: bytes, value: bytes) -> None:
        self._items[key] = value
        self._items.move_to_end(key)
        while len(self._items) > self._size:
            self._items.popitem(last=False)


@dataclass
class HallState:
    """What the process last saw of the hall (for ``/status`` and the banner)."""

    reachable: bool | None = None
    since: float = field(default_factory=time.time)

    def seen(self, reachable: bool) -> None:
        if reachable != self.reachable:
            log.log(
                logging.INFO if reachable else logging.WARNING,
                "hall %s",
                "reachable" if reachable else "unreachable: serving public pages from the cache",
            )
            self.reachable, self.since = reachable, clock.timestamp()


def _answer(body: bytes, status: int = 200) -> Response:
    return Response(
        body, status, media_type="application/json", headers={"cache-control": "no-store"}
    )


def _error(status: int, error: ServiceHallError, **extensions: Any) -> Response:
    payload = {
        "errors": [
            {
                "message": error.message,
                "extensions": {"code": error.code.value, "label": error.label, **extensions},
            }
        ]
    }
    return _answer(orjson.dumps(payload), status)


class ProxyEndpoint:
    def __init__(
        self,
        manifest: Manifest,
        session: DeviceSession,
        http: httpx2.AsyncClient,
        cache: OfflineCache,
        hall: HallState,
    ) -> None:
        self.manifest = manifest
        self.session = session
        self.http = http
        self.cache = cache
        self.hall = hall

    async def handle(self, request: Request) -> Response:
        try:
            operation, variables = await self._read(request)
        except ServiceHallError as error:
            return _error(403 if error.code is ErrorCode.OPERATION_NOT_ALLOWED else 400, error)
        return await self.run(operation, variables)

    async def run(self, operation: Operation, variables: dict[str, Any]) -> Response:
        """Forward one allow-listed operation (or answer it from the offline cache)."""
        key = orjson.dumps([operation.sha256, variables], option=orjson.OPT_SORT_KEYS)
        payload = {
            "operationName": operation.name,
            "variables": variables,
            "extensions": {"persistedQuery": {"version": 1, "sha256Hash": operation.sha256}},
        }
        try:
            response = await self._forward(payload)
        except DeviceUnregistered as refusal:
            return _error(401, DeviceNotRegistered(refusal.reason))
        except HallUnreachable as problem:
            log.info("hall unreachable for %s: %s", operation.name, problem)
            self.hall.seen(False)
            return self._offline(operation, key)
        self.hall.seen(True)
        if response.status_code == 401:  # still refused with a fresh token: revoked
            return _error(401, DeviceNotRegistered("终端凭据无效或登记已撤销"))
        body = response.content
        if operation.public and response.status_code == 200 and b'"errors"' not in body:
            self.cache.put(key, body)
        return _answer(body, response.status_code)

    async def _read(self, request: Request) -> tuple[Operation, dict[str, Any]]:
        content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if content_type != "application/json":  # also makes a cross-site form post preflight
            raise OperationNotAllowed("请求体须为 application/json")
        declared = request.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > MAX_BODY:
            raise OperationNotAllowed("请求体过大")
        chunks, size = [], 0
        async for chunk in request.stream():
            size += len(chunk)
            if size > MAX_BODY:
                raise OperationNotAllowed("请求体过大")
            chunks.append(chunk)
        raw = b"".join(chunks)
        try:
            data = orjson.loads(raw)
        except orjson.JSONDecodeError:
            raise OperationNotAllowed("请求体不是合法的 JSON") from None
        if not isinstance(data, dict) or data.get("query") is not None:
            raise OperationNotAllowed("自助终端只能按编号调用界面登记的操作，不接受查询文本")
        persisted = (data.get("extensions") or {}).get("persistedQuery")
        digest = persisted.get("sha256Hash") if isinstance(persisted, dict) else None
        operation = self.manifest.by_hash(digest) if isinstance(digest, str) else None
        if operation is None:
            raise OperationNotAllowed("该操作不在自助终端的登记操作之列")
        variables = data.get("variables") or {}
        if not isinstance(variables, dict):
            raise OperationNotAllowed("variables 须为 JSON 对象")
        return operation, variables

    async def _forward(self, payload: dict[str, Any]) -> httpx2.Response:
        for attempt in range(2):
            token = await self.session.token()
            try:
                response = await self.http.post(
                    "/kiosk/graphql",
                    content=orjson.dumps(payload),
                    headers={
                        "authorization": f"Bearer {token}",
                        "content-type": "application/json",
                        "accept": "application/json",
                    },
                )
            except httpx2.HTTPError as error:
                raise HallUnreachable(str(error)) from error
            if response.status_code in _UNREACHABLE:
                raise HallUnreachable(f"/kiosk/graphql answered {response.status_code}")
            if response.status_code == 401 and attempt == 0:
                self.session.forget()  # expired early or revoked: ask once more
                continue
            return response
        return response

    def _offline(self, operation: Operation, key: bytes) -> Response:
        cached = self.cache.get(key) if operation.public else None
        if cached is not None:
            body = orjson.loads(cached)
            body.setdefault("extensions", {})["kiosk"] = {"offline": True}
            return _answer(orjson.dumps(body))
        label = SERVICES[operation.service]
        message = (
            f"中心服务暂时无法连接，{label}暂停使用"
            if not operation.public
            else "中心服务暂时无法连接，该页面此前未浏览过，暂时无法显示"
        )
        return _error(503, ServiceUnavailable(message), service=operation.service)
