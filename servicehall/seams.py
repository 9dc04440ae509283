"""The one seam to third-party internals (strawberry, graphql-core, tortoise).

The hall relies on a few names these libraries do not document as public: strawberry's
built graphql-core schema (``Schema._schema``) and its mark on default resolvers
(``_is_default``), the fields of strawberry's per-operation ``ExecutionContext`` that its
extensions may set (``graphql_document``, ``pre_execution_errors``), strawberry's type
converter (``schema_converter.type_map``) and tortoise's context variable
(``_current_context``). Every use goes through a function here, so an upgrade that moves
one breaks this module and ``tests/test_seams.py`` instead of a request path; a test
fails when any other module of the hall names them.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import strawberry
from graphql import DocumentNode, GraphQLError, GraphQLSchema
from strawberry.types.execution import ExecutionContext
from tortoise.context import TortoiseContext, _current_context


def graphql_schema(schema: strawberry.Schema) -> GraphQLSchema:
    """The graphql-core schema strawberry built (what ``execute`` and validation take)."""
    built: GraphQLSchema = schema._schema
    return built


def strawberry_definitions(schema: strawberry.Schema) -> dict[str, Any]:
    """GraphQL type name -> strawberry's definition of it (object, enum, scalar, union)."""
    return {name: t.definition for name, t in schema.schema_converter.type_map.items()}


def is_default_resolver(resolve: Callable[..., Any] | None) -> bool:
    """Whether a graphql-core field's resolver is strawberry's default attribute read (no
    resolver written for the field): such a leaf may be read without calling it."""
    return bool(getattr(resolve, "_is_default", False))


def parsed_document(context: ExecutionContext) -> DocumentNode | None:
    """The document strawberry will validate and execute (None before it parses)."""
    return context.graphql_document


def use_parsed_document(context: ExecutionContext, document: DocumentNode | None) -> None:
    """Give strawberry an already parsed document (it skips its parse when one is set)."""
    context.graphql_document = document


def pre_execution_errors(context: ExecutionContext) -> Sequence[GraphQLError]:
    """The errors found before execution so far (validation, the hall's checks)."""
    return context.pre_execution_errors or ()


def refuse_execution(context: ExecutionContext, errors: Sequence[GraphQLError]) -> None:
    """Make ``errors`` the operation's pre-execution errors. Set on entering an extension's
    ``on_validate``, they replace strawberry's own validation (it validates only when none
    are set): when any, strawberry answers with them and runs no resolver; an empty list
    lets the operation run."""
    context.pre_execution_errors = list(errors)


@contextlib.contextmanager
def tortoise_context(ctx: TortoiseContext) -> Iterator[TortoiseContext]:
    """Make ``ctx`` tortoise's current context for the running task (and tasks it starts).

    ``TortoiseContext.__enter__`` keeps its reset token on the (shared) context object,
    which concurrent requests would overwrite; setting the context variable directly keeps
    the token per task.
    """
    token = _current_context.set(ctx)
    try:
        yield ctx
    finally:
        _current_context.reset(token)
