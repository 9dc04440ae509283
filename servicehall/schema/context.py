"""The typed per-request context every resolver receives as ``info.context``."""

from __future__ import annotations

from dataclasses import dataclass, field

from starlette.requests import HTTPConnection
from strawberry.types import Info as StrawberryInfo

from servicehall.auth.principal import Principal
from servicehall.cache.base import CacheBackend
from servicehall.changes import Changes
from servicehall.loaders import Loaders
from servicehall.settings import Settings


@dataclass(slots=True)
class Context:
    connection: HTTPConnection
    settings: Settings
    cache: CacheBackend
    changes: Changes
    principal: Principal
    request_id: str
    loaders: Loaders = field(default_factory=Loaders)


Info = StrawberryInfo[Context, None]
