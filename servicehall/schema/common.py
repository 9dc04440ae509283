"""Types every domain uses: labelled enum values, scalars and Relay page info."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any, ClassVar, Generic, NewType, Self, TypeVar

import strawberry
from strawberry import relay
from strawberry.types.scalar import ScalarDefinition

from servicehall.clock import LOCAL_TZ
from servicehall.loaders import Row
from servicehall.resolvers.enums import LabelledEnum
from servicehall.schema.context import Info
from servicehall.schema.cost import paged

E = TypeVar("E")
L = TypeVar("L", bound=LabelledEnum)
N = TypeVar("N")


@strawberry.type(description="枚举值及其中文名称：前端无需自备对照表。")
class Labelled(Generic[E]):
    value: E
    label: str


def _money(value: Decimal) -> str:
    return f"{Decimal(value).quantize(CENTS):f}"


def _parse_money(value: object) -> Decimal:
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        raise ValueError(f"金额“{value!s:.20}”格式不正确") from None
    if not amount.is_finite():
        raise ValueError("金额须为有限数")
    return amount


CENTS = Decimal("0.01")
#: An amount in yuan. Decimal end to end, a two-decimal string on the wire (never a float).
Money = NewType("Money", Decimal)
#: The hall's own scalars, given to the schema through ``StrawberryConfig.scalar_map``.
SCALAR_MAP: dict[object, ScalarDefinition] = {
    Money: strawberry.scalar(
        name="Money",
        serialize=_money,
        parse_value=_parse_money,
        description='金额（元），以两位小数的字符串表示，如 "1234.50"；绝不使用浮点数。',
    )
}


def labelled(member: L) -> Labelled[L]:
    """Wrap an enum member with its Chinese label for output."""
    return Labelled(value=member, label=member.label)


def local_time(value: datetime | None) -> datetime | None:
    """A stored UTC time as shown to users (Asia/Shanghai, ISO 8601 with +08:00)."""
    return None if value is None else value.astimezone(LOCAL_TZ)


@strawberry.type
class Edge(Generic[N]):
    cursor: str
    node: N


@strawberry.type(description="Relay 连接：cursor 分页，totalCount 为总数。")
class Connection(Generic[N]):
    # as many as the connection field's ``first`` (schema/cost.py)
    edges: list[Edge[N]] = strawberry.field(metadata=paged())
    page_info: relay.PageInfo
    total_count: int

    @classmethod
    def build(
        cls, nodes: list[tuple[str, N]], *, has_next: bool, after: str | None, total: int
    ) -> Connection[N]:
        """From (cursor, node) pairs of one page."""
        return cls(
            edges=[Edge(cursor=cursor, node=node) for cursor, node in nodes],
            page_info=relay.PageInfo(
                has_next_page=has_next,
                has_previous_page=after is not None,
                start_cursor=nodes[0][0] if nodes else None,
                end_cursor=nodes[-1][0] if nodes else None,
            ),
            total_count=total,
        )


class LoadedNode(relay.Node):
    """A Relay node and federation entity resolved through one per-request loader.

    Subclasses name the loader (an attribute of :class:`~servicehall.loaders.Loaders`
    keyed by the entity's key) and the key's GraphQL name, and build themselves with
    ``from_row``. ``node(id:)``, ``_entities`` and the root lookups then share one batch.
    """

    loader: ClassVar[str]
    key_field: ClassVar[str] = "code"

    @classmethod
    def from_row(cls, row: Row) -> Self:
        raise NotImplementedError

    @classmethod
    async def load(cls, info: Info, key: str) -> Self | None:
        row = await getattr(info.context.loaders, cls.loader).load(key)
        return None if row is None else cls.from_row(row)

    @classmethod
    async def resolve_reference(cls, info: Info, **representation: Any) -> Self | None:
        return await cls.load(info, representation[cls.key_field])

    @classmethod
    async def resolve_nodes(  # type: ignore[override]  # strawberry's overloads
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Self | None]:
        rows = await getattr(info.context.loaders, cls.loader).load_many(list(node_ids))
        return [None if row is None else cls.from_row(row) for row in rows]
