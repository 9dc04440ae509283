"""What a domain service returns: its result and the entities it changed.

A service commits its own transaction and returns an :class:`Outcome`; its caller hands
that to :func:`settle`, which announces ``changed`` after the commit (the GraphQL adapter
``schema.errors.perform`` and the CLI do), so caches and subscribers hear of exactly what
the service wrote. :func:`settle` is the only caller of ``Changes.record``. ``changed``
has the shape of the workflow engine's ``Applied.changed``.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Any, Generic, ParamSpec, TypeVar

from servicehall.changes import Changes

T = TypeVar("T")
T_co = TypeVar("T_co", covariant=True)
P = ParamSpec("P")

#: ``(entity kind, key)``, e.g. ``("License", "L-2026-000001")``.
Ref = tuple[str, str]


@dataclass(frozen=True, slots=True)
class Outcome(Generic[T_co]):
    result: T_co
    changed: tuple[Ref, ...] = ()


def outcome(result: T, *changed: Ref) -> Outcome[T]:
    return Outcome(result, tuple(changed))


async def settle(changes: Changes, done: Outcome[T]) -> T:
    """After the service committed: announce what it changed; its result."""
    if done.changed:
        await changes.record(*done.changed)
    return done.result


class Service(Generic[P, T]):
    """A service function that also says what it changed.

    Calling it returns its plain result (what the CLI, jobs and tests use); ``.outcome``
    returns that result with the entities it changed, for the GraphQL adapter to announce
    after the commit.
    """

    def __init__(
        self, run: Callable[P, Awaitable[Outcome[T]]], wrapped: Callable[..., Any]
    ) -> None:
        self._run = run
        functools.update_wrapper(self, wrapped)

    async def __call__(self, *args: P.args, **kwargs: P.kwargs) -> T:
        return (await self._run(*args, **kwargs)).result

    async def outcome(self, *args: P.args, **kwargs: P.kwargs) -> Outcome[T]:
        return await self._run(*args, **kwargs)


def service(
    changes: Callable[[Any], Iterable[Ref]],
) -> Callable[[Callable[P, Awaitable[T]]], Service[P, T]]:
    """Declare what a service changes, from its result: ``@service(lambda grant:
    [("LicenseGrant", str(grant.id))])``. For a write that is not a workflow step."""

    def wrap(run: Callable[P, Awaitable[T]]) -> Service[P, T]:
        async def described(*args: P.args, **kwargs: P.kwargs) -> Outcome[T]:
            result = await run(*args, **kwargs)
            return Outcome(result, tuple(changes(result)))

        return Service(described, run)

    return wrap


def stepped(run: Callable[P, Awaitable[Outcome[T]]]) -> Service[P, T]:
    """A service that takes a workflow step: it returns its result with the engine's
    ``Applied.changed`` (the process's ``Announce`` hooks), the one place that says what
    a step changes."""
    return Service(run, run)
