"""authlib's side of a request: its core is synchronous, so the routes read the Starlette
request first (:class:`HallRequest`) and run authlib in a worker thread
(``anyio.to_thread``); storage hooks call back into the event loop with :func:`wait` (the
request's database context travels with them).
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Mapping, Sequence
from typing import Any, TypeVar

import anyio.from_thread
from authlib.oauth2 import OAuth2Request
from authlib.oauth2.rfc6749.requests import OAuth2Payload

T = TypeVar("T")


def wait(fn: Callable[..., Coroutine[Any, Any, T]], *args: Any) -> T:
    """Run an async storage call from authlib's worker thread."""
    return anyio.from_thread.run(fn, *args)


class _Payload(OAuth2Payload):  # type: ignore[misc]
    def __init__(self, values: Mapping[str, Sequence[str]]) -> None:
        self._datalist = {key: list(items) for key, items in values.items()}
        self._data = {key: items[0] for key, items in self._datalist.items() if items}

    @property
    def data(self) -> dict[str, str]:
        return self._data

    @property
    def datalist(self) -> dict[str, list[str]]:
        return self._datalist


class HallRequest(OAuth2Request):  # type: ignore[misc]
    """An OAuth request read from Starlette before authlib sees it (authlib is sync)."""

    def __init__(
        self,
        method: str,
        uri: str,
        headers: Mapping[str, str],
        query: Mapping[str, Sequence[str]],
        form: Mapping[str, Sequence[str]],
    ) -> None:
        super().__init__(method=method, uri=uri, headers=headers)  # case-insensitive
        self._query = {k: v[0] for k, v in query.items() if v}
        self._form = {k: v[0] for k, v in form.items() if v}
        merged: dict[str, list[str]] = {k: list(v) for k, v in query.items()}
        for key, values in form.items():
            merged.setdefault(key, []).extend(values)
        self.payload = _Payload(merged)

    @property
    def args(self) -> dict[str, str]:
        return self._query

    @property
    def form(self) -> dict[str, str]:
        return self._form
