"""GraphQL's side of the error convention, in one place.

- Queries: an expected error (:class:`~servicehall.errors.ServiceHallError`) becomes an entry
  of ``errors`` with ``extensions.code`` (and ``label``, ``field``, details). Parse,
  validation and limit errors carry codes too.
- Mutations: every payload has ``errors: [UserError!]!``; expected failures land there and
  change nothing, and the payload's other fields are null.
- Anything else is unexpected: logged with the request id and masked.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, TypeVar

import strawberry
from graphql import GraphQLError

from servicehall.errors import ErrorCode, ServiceHallError
from servicehall.loaders import Loaders
from servicehall.resolvers.outcome import Outcome, settle
from servicehall.schema.policy import Access, Domain, declare

if TYPE_CHECKING:
    from servicehall.schema.context import Context

log = logging.getLogger("servicehall.errors")
T = TypeVar("T")
P = TypeVar("P")

ErrorCodeEnum = strawberry.enum(ErrorCode, description="可预期错误的代码，前端据此分支处理。")

INTERNAL_MESSAGE = "服务器内部错误，请稍后重试"


@declare(Access.PER_PRINCIPAL, Domain.NEUTRAL)
@strawberry.type(description="变更（mutation）的可预期错误：不抛异常，随结果返回。")
class UserError:
    code: ErrorCode
    message: str
    label: str
    field: str | None = strawberry.field(description="出错的输入字段（GraphQL 字段名）。")

    @classmethod
    def from_error(cls, error: ServiceHallError) -> UserError:
        return cls(code=error.code, message=error.message, label=error.label, field=error.field)


async def attempt(run: Callable[[], Awaitable[T]]) -> tuple[T | None, list[UserError]]:
    """Run a mutation's work: expected failures become the payload's ``errors``."""
    try:
        return await run(), []
    except ServiceHallError as error:
        return None, [UserError.from_error(error)]


async def perform(
    context: Context, run: Callable[[], Awaitable[Outcome[T]]]
) -> tuple[T | None, list[UserError]]:
    """The one way a mutation calls its service: expected failures become the payload's
    ``errors``; after the service committed, the entities it changed are announced
    (:func:`~servicehall.resolvers.outcome.settle`) and the request's loaders start
    afresh, since what they read before the write is stale."""
    done, errors = await attempt(run)
    if done is None:
        return None, errors
    if done.changed:
        context.loaders = Loaders()
    return await settle(context.changes, done), []


async def respond(
    context: Context,
    run: Callable[[], Awaitable[Outcome[T]]],
    payload: Callable[..., P],
    present: Callable[[T], P | Awaitable[P]],
) -> P:
    """A mutation in one line: ``run`` calls the service with the mapped input
    (:func:`perform`); an expected failure is ``payload(errors=[…])``, a success what
    ``present`` makes of the service's result (reading afresh through the loaders)."""
    done, errors = await perform(context, run)
    if errors:
        return payload(errors=errors)
    context.loaders = Loaders()  # what this request read before the write is stale
    made = present(done)  # type: ignore[arg-type]  # no errors: the service returned
    return await made if inspect.isawaitable(made) else made


def is_unexpected(error: GraphQLError) -> bool:
    """True when the error came from a bug or an outage, not from the request."""
    original = error.original_error
    return original is not None and not isinstance(original, (ServiceHallError, GraphQLError))


def format_error(error: GraphQLError, request_id: str) -> dict[str, Any]:
    """The error as sent to the client: expected errors as they are, the rest masked."""
    if is_unexpected(error):
        log.error(
            "unexpected error in %s (request %s)",
            ".".join(map(str, error.path or ())) or "request",
            request_id,
            exc_info=error.original_error,
        )
        masked: dict[str, Any] = {
            "message": f"{INTERNAL_MESSAGE}（请求编号 {request_id}）",
            "extensions": {"code": "INTERNAL_SERVER_ERROR", "requestId": request_id},
        }
        if error.locations:
            masked["locations"] = [loc.formatted for loc in error.locations]
        if error.path:
            masked["path"] = error.path
        return masked
    formatted: dict[str, Any] = {**error.formatted}
    extensions = dict(formatted.get("extensions") or {})
    # graphql-core wraps a variable that does not coerce around the scalar's own error.
    bad_input = isinstance(error.original_error, GraphQLError)
    extensions.setdefault("code", "BAD_USER_INPUT" if bad_input else "GRAPHQL_VALIDATION_FAILED")
    formatted["extensions"] = extensions
    return formatted
