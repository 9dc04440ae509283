"""The execution context: graphql-core's, with a short path for plain leaf fields.

A page like the enterprise page is mostly leaves on list items (a tax line's type, amount,
period): strawberry resolves each by reading an attribute, and graphql-core still builds
a resolve-info object, checks for awaitables and dispatches on the type for every one.
For a field that is a plain attribute (strawberry's default resolver: no resolver, no
permission, no extension, no arguments) of a scalar or enum type, this context reads the
attribute and coerces it directly. Anything unusual (a null for a non-null field, a value
that does not coerce, an exception) takes graphql-core's full path, which reports it.

It also bounds every operation's run time (F2, SEC-3): an operation still running after
``SERVICEHALL_EXECUTION_TIMEOUT`` seconds is cancelled (its pending resolvers and loader
awaits with it, not just the reply) and answers ``EXECUTION_TIMEOUT``. HTTP and WebSocket
both execute through this class.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Any, NamedTuple

from graphql import (
    ExecutionResult,
    GraphQLField,
    GraphQLLeafType,
    GraphQLNonNull,
    GraphQLObjectType,
    Undefined,
    is_leaf_type,
)
from graphql.execution.collect_fields import FieldDetailsList
from graphql.pyutils import Path
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from servicehall import seams
from servicehall.schema.limits import execution_timeout


class _Leaf(NamedTuple):
    field: GraphQLField  # kept so the id() key below is never reused
    resolve: Any
    type: GraphQLLeafType
    non_null: bool


#: Per field definition (by identity): its short path, or None when it has none.
_PLANS: dict[int, _Leaf | None] = {}


def _plan(field: GraphQLField) -> _Leaf | None:
    key = id(field)
    if key in _PLANS:
        return _PLANS[key]
    kind, non_null = field.type, False
    if isinstance(kind, GraphQLNonNull):
        kind, non_null = kind.of_type, True
    plan = None
    if seams.is_default_resolver(field.resolve) and not field.args and is_leaf_type(kind):
        plan = _Leaf(field, field.resolve, kind, non_null)
    _PLANS[key] = plan
    return plan


class ExecutionContext(StrawberryGraphQLCoreExecutionContext):
    def execute_operation(self, serially: bool | None = None) -> Any:
        result = super().execute_operation(serially)
        settings = getattr(self.context_value, "settings", None)
        if settings is not None and self.is_awaitable(result):
            return _bounded(result, settings.execution_timeout)
        return result

    def execute_field(
        self,
        parent_type: GraphQLObjectType,
        source: Any,
        field_details_list: FieldDetailsList,
        path: Path,
        position_context: Any,
    ) -> Any:
        node = field_details_list[0].node
        field = parent_type.fields.get(node.name.value)
        plan = None if field is None or self.middleware_manager else _plan(field)
        if plan is not None and not node.arguments:
            try:
                value = plan.resolve(source, None)
                if value is None:
                    if not plan.non_null:
                        return None
                elif not isinstance(value, Exception):
                    coerced = plan.type.coerce_output_value(value)
                    if coerced is not None and coerced is not Undefined:
                        return coerced
            except Exception:  # noqa: S110 - the full path below reports it
                pass
        return super().execute_field(
            parent_type, source, field_details_list, path, position_context
        )


async def _bounded(result: Awaitable[Any], seconds: float) -> Any:
    """The awaited result, or a timeout error once ``seconds`` have passed."""
    deadline = asyncio.timeout(seconds)
    try:
        async with deadline:
            return await result
    except TimeoutError:
        if not deadline.expired():
            raise  # not ours
        return ExecutionResult(None, [execution_timeout(seconds)])
