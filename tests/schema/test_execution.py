"""The short path for plain leaf fields answers exactly what graphql-core's full path does,
errors included."""

from __future__ import annotations

import enum
from typing import Any

import strawberry
from graphql import ExecutionResult, execute, parse
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from servicehall import seams
from servicehall.schema.execution import ExecutionContext


@strawberry.enum
class Colour(enum.Enum):
    RED = "red"


@strawberry.type
class Row:
    name: str
    count: int | None
    colour: Colour
    tags: list[str]

    @strawberry.field
    def shout(self, times: int = 1) -> str:
        return self.name.upper() * times


@strawberry.type
class Query:
    @strawberry.field
    def rows(self) -> list[Row] | None:
        odd: Any = Row(name="丙", count="many", colour=Colour.RED, tags=["a"])  # type: ignore[arg-type]
        broken: Any = Row(name=None, count=2, colour=Colour.RED, tags=["a"])  # type: ignore[arg-type]
        return [Row(name="甲", count=1, colour=Colour.RED, tags=["x"]), odd, broken]

    @strawberry.field
    def odd(self) -> Row | None:
        return Row(name="丁", count="few", colour=Colour.RED, tags=[])  # type: ignore[arg-type]

    @strawberry.field
    def maybe(self) -> Row | None:
        return Row(name="乙", count=None, colour=Colour.RED, tags=[])


SCHEMA = strawberry.Schema(query=Query)
DOCUMENT = parse(
    "{ rows { name count colour tags shout(times: 2) alias: name } "
    "maybe { name count colour } odd { name count } }"
)


def _run(context: type[Any]) -> ExecutionResult:
    result = execute(seams.graphql_schema(SCHEMA), DOCUMENT, executor_class=context)
    assert isinstance(result, ExecutionResult)
    return result


def test_same_answers_and_errors_as_the_full_path() -> None:
    fast, full = _run(ExecutionContext), _run(StrawberryGraphQLCoreExecutionContext)
    assert fast.data == full.data
    assert fast.data is not None and fast.data["rows"] is None  # a non-null name was null
    assert fast.data["maybe"] == {"name": "乙", "count": None, "colour": "RED"}
    assert [(e.message, e.path) for e in fast.errors or ()] == [
        (e.message, e.path) for e in full.errors or ()
    ]
    assert fast.data["odd"] == {"name": "丁", "count": None}  # "few" is no Int
    assert [e.path for e in fast.errors or ()] == [
        ["rows", 1, "count"],
        ["rows", 2, "name"],
        ["odd", "count"],
    ]
