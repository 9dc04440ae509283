"""The seam to strawberry, graphql-core and tortoise internals (issue 13): each function of
``servicehall.seams`` still does what the hall relies on with the pinned versions, and no
other module of the hall names those internals."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from pathlib import Path

import strawberry
from graphql import GraphQLError, GraphQLObjectType, GraphQLSchema, parse
from strawberry.extensions import SchemaExtension
from strawberry.types.base import StrawberryObjectDefinition
from tortoise.context import TortoiseContext, get_current_context

from servicehall import seams
from servicehall.schema import build_schema
from servicehall.settings import Settings

PACKAGE = Path(__file__).resolve().parents[1] / "servicehall"
INTERNALS = re.compile(
    r"(?<!seams)\.(_schema|pre_execution_errors|graphql_document|schema_converter)\b"
    r"|\b_is_default\b|\b_current_context\b"
)

HALL = build_schema(Settings().query_limits)


def test_the_graphql_core_schema_of_the_hall_has_its_types() -> None:
    built = seams.graphql_schema(HALL)
    assert isinstance(built, GraphQLSchema)
    query = built.get_type("Query")
    assert isinstance(query, GraphQLObjectType)
    assert "serviceItems" in query.fields or len(query.fields) > 5
    assert built.get_type("Enterprise") is not None
    assert built is seams.graphql_schema(HALL)  # built once, not per call


def test_strawberry_definitions_name_the_hall_types() -> None:
    definitions = seams.strawberry_definitions(HALL)
    assert isinstance(definitions["Query"], StrawberryObjectDefinition)
    assert isinstance(definitions["Enterprise"], StrawberryObjectDefinition)
    assert set(definitions) <= set(seams.graphql_schema(HALL).type_map)
    assert HALL.entity_keys()  # the federation keys are read through it


@strawberry.type
class Thing:
    plain: str

    @strawberry.field
    def computed(self) -> str:
        return self.plain


@strawberry.type
class ThingQuery:
    @strawberry.field
    def thing(self) -> Thing:
        return Thing(plain="x")


def test_default_resolvers_are_told_apart() -> None:
    """A plain attribute field carries strawberry's default-resolver mark; a field with a
    resolver of its own does not (the short path of schema/execution.py depends on it)."""
    built = seams.graphql_schema(strawberry.Schema(query=ThingQuery))
    thing = built.get_type("Thing")
    assert isinstance(thing, GraphQLObjectType)
    assert seams.is_default_resolver(thing.fields["plain"].resolve)
    assert not seams.is_default_resolver(thing.fields["computed"].resolve)
    assert not seams.is_default_resolver(None)


def _schema_with(extension: type[SchemaExtension], calls: list[str]) -> strawberry.Schema:
    @strawberry.type
    class Query:
        @strawberry.field
        def hello(self) -> str:
            calls.append("hello")
            return "hi"

        @strawberry.field
        def other(self) -> str:
            calls.append("other")
            return "other"

    return strawberry.Schema(query=Query, extensions=[extension])


async def test_pre_execution_errors_stop_the_operation() -> None:
    """Errors set on entering validation answer the operation; no resolver runs."""
    calls: list[str] = []

    class Refuse(SchemaExtension):
        def on_validate(self) -> Iterator[None]:
            assert list(seams.pre_execution_errors(self.execution_context)) == []
            seams.refuse_execution(self.execution_context, [GraphQLError("不行")])
            yield

    result = await _schema_with(Refuse, calls).execute("{ hello }")
    assert result.data is None
    assert [e.message for e in result.errors or []] == ["不行"]
    assert calls == []


async def test_an_empty_refusal_lets_the_operation_run() -> None:
    calls: list[str] = []

    class Allow(SchemaExtension):
        def on_validate(self) -> Iterator[None]:
            seams.refuse_execution(self.execution_context, [])
            yield

    result = await _schema_with(Allow, calls).execute("{ hello }")
    assert result.errors is None and result.data == {"hello": "hi"}


async def test_a_document_given_before_parsing_is_the_one_executed() -> None:
    calls: list[str] = []

    class Substitute(SchemaExtension):
        def on_parse(self) -> Iterator[None]:
            assert seams.parsed_document(self.execution_context) is None
            seams.use_parsed_document(self.execution_context, parse("{ other }"))
            yield

    result = await _schema_with(Substitute, calls).execute("{ hello }")
    assert result.data == {"other": "other"} and calls == ["other"]


async def test_tortoise_context_is_per_task_and_restored() -> None:
    first, second = TortoiseContext(), TortoiseContext()

    async def inside(ctx: TortoiseContext) -> TortoiseContext | None:
        with seams.tortoise_context(ctx):
            await asyncio.sleep(0)  # let the other task switch in between
            return get_current_context()

    before = get_current_context()
    seen = await asyncio.gather(inside(first), inside(second))
    assert seen == [first, second]
    assert get_current_context() is before
    with seams.tortoise_context(first):
        with seams.tortoise_context(second):
            assert get_current_context() is second
        assert get_current_context() is first


def test_no_other_module_names_the_internals() -> None:
    """Issue 13: servicehall/seams.py is the only module that names them, in the hall and
    in its tests (which reach the graphql-core schema through ``seams.graphql_schema``)."""
    tests = Path(__file__).resolve().parent
    paths = [p for p in PACKAGE.rglob("*.py") if p != PACKAGE / "seams.py"]
    paths += [p for p in tests.rglob("*.py") if "node_modules" not in p.parts]
    offenders = [
        f"{path.relative_to(PACKAGE.parent)}:{n}"
        for path in sorted(paths)
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if INTERNALS.search(line)
    ]
    assert offenders == []
