"""Towns, villages and their stations in the schema (STA-1..3, ITEM-3).

``Station`` is the federation entity (keyed by ``code``, the division code of the area it
serves); ``Town`` and ``Village`` are the map and directory view of the same rows. Every
lookup goes through the per-request loaders, so ``_entities`` with any number of stations,
``towns`` with all its villages, and a page of stations with their item counts each cost
one statement per kind of row.
"""

from __future__ import annotations

from typing import Any, ClassVar, Self

import strawberry
from strawberry import relay

from servicehall.loaders import Row
from servicehall.resolvers import station_search
from servicehall.resolvers import stations as resolvers
from servicehall.resolvers.enums import AreaKind, KioskCategory, StationKind
from servicehall.schema.common import Labelled, LoadedNode, labelled
from servicehall.schema.context import Info
from servicehall.schema.cost import list_size, paged
from servicehall.schema.items import ServiceItem
from servicehall.schema.policy import Access, Domain, declare, root

#: Vertices of an outline as drawn on the kiosk map: surveyed boundaries are simplified to
#: this many for display (the demo's have at most 9).
OUTLINE_POINTS = 64

strawberry.enum(AreaKind)
strawberry.enum(StationKind)


@declare(Access.PUBLIC, Domain.STATIONS)
@strawberry.type(description="地图位置：经度、纬度（WGS-84）。")
class GeoPoint:
    lng: float
    lat: float

    @classmethod
    def of(cls, pair: list[float]) -> Self:
        return cls(lng=float(pair[0]), lat=float(pair[1]))


def _area_fields(row: Row) -> dict[str, Any]:
    """The fields a town and a village share, from their ``area`` row."""
    return {
        "row": row,
        "code": row["code"],
        "name": row["name"],
        "kind": labelled(AreaKind(row["kind"])),
        "point": GeoPoint.of(row["point"]),
        "outline": [GeoPoint.of(pair) for pair in row["outline"]],
    }


@declare(Access.PUBLIC, Domain.STATIONS)
@strawberry.type(description="镇（街道）：地图上的镇界轮廓及其村（居）。")
class Town:
    row: strawberry.Private[Row]
    code: str = strawberry.field(description="9位区划代码。")
    name: str
    kind: Labelled[AreaKind] = strawberry.field(description="镇或街道。")
    point: GeoPoint = strawberry.field(description="地图上标注镇名的位置。")
    outline: list[GeoPoint] = strawberry.field(
        description="镇界轮廓：多边形的顶点，依次相连。", metadata=list_size(OUTLINE_POINTS)
    )

    @classmethod
    def from_row(cls, row: Row) -> Self:
        return cls(**_area_fields(row))

    # 斗门区's largest town has some 30 villages and communities
    @strawberry.field(description="本镇（街道）的村（居），按顺序。", metadata=list_size(40))
    async def villages(self, info: Info) -> list[Village]:
        rows = await info.context.loaders.villages.load(self.row["id"])
        return [Village.from_row(row) for row in rows]

    @strawberry.field(description="本镇（街道）办事站。")
    def station(self) -> Station:
        return Station.from_row(self.row)


@declare(Access.PUBLIC, Domain.STATIONS)
@strawberry.type(description="村（居委会）：地图上的位置及其办事点。")
class Village:
    row: strawberry.Private[Row]
    code: str = strawberry.field(description="12位区划代码（前9位为所属镇街）。")
    name: str
    kind: Labelled[AreaKind] = strawberry.field(description="村或社区。")
    point: GeoPoint = strawberry.field(description="办事点在地图上的位置。")
    outline: list[GeoPoint] = strawberry.field(
        description="村界轮廓；未测绘时为空。", metadata=list_size(OUTLINE_POINTS)
    )

    @classmethod
    def from_row(cls, row: Row) -> Self:
        return cls(**_area_fields(row))

    @strawberry.field(description="所属镇（街道）。")
    async def town(self, info: Info) -> Town:
        row = await info.context.loaders.areas_by_id.load(self.row["parent_id"])
        return Town.from_row(row)  # type: ignore[arg-type]  # FK guarantees it

    @strawberry.field(description="本村（居）办事点。")
    def station(self) -> Station:
        return Station.from_row(self.row)


@declare(Access.PUBLIC, Domain.CATALOGUE)
@strawberry.type(description="事项分类及其事项数；category 为空即“全部”。")
class CategoryCount:
    category: KioskCategory | None
    label: str
    count: int


@declare(Access.PUBLIC, Domain.CATALOGUE)
@strawberry.type
class StationItemEdge:
    cursor: str
    node: ServiceItem


@declare(Access.PUBLIC, Domain.CATALOGUE)
@strawberry.type(description="办事站办理的事项（Relay 连接），按分类和编码排序。")
class StationItemConnection:
    edges: list[StationItemEdge] = strawberry.field(metadata=paged())  # sized by first
    page_info: relay.PageInfo
    total_count: int


@declare(Access.PUBLIC, Domain.STATIONS)
@strawberry.federation.type(
    keys=["code"],
    description="镇街办事站或村居办事点（STA-2、STA-3），编码即所服务的镇、村的区划代码。",
)
class Station(LoadedNode):
    loader: ClassVar[str] = "stations_by_code"
    key: relay.NodeID[str]
    row: strawberry.Private[Row]
    code: str
    name: str = strawberry.field(description="“<镇>办事站”或“<镇><村>办事点”。")
    kind: Labelled[StationKind]
    address: str
    phone: str = strawberry.field(description="联系电话。")
    opening_hours: str = strawberry.field(description="办公时间。")

    @classmethod
    def from_row(cls, row: Row) -> Self:
        return cls(
            key=row["code"],
            row=row,
            code=row["code"],
            name=resolvers.station_name(row),
            kind=labelled(resolvers.station_kind(row["kind"])),
            address=row["address"],
            phone=row["phone"],
            opening_hours=row["opening_hours"],
        )

    @property
    def _is_point(self) -> bool:
        return self.row["parent_id"] is not None

    @strawberry.field(description="所在镇（街道）；镇街办事站即其本身所服务的镇。")
    async def town(self, info: Info) -> Town:
        if not self._is_point:
            return Town.from_row(self.row)
        row = await info.context.loaders.areas_by_id.load(self.row["parent_id"])
        return Town.from_row(row)  # type: ignore[arg-type]  # FK guarantees it

    @strawberry.field(description="村居办事点所服务的村（居）；镇街办事站为空。")
    def village(self) -> Village | None:
        return Village.from_row(self.row) if self._is_point else None

    @strawberry.field(description="村居办事点所属的镇街办事站（“转至…办事站”）；镇街办事站为空。")
    async def parent_station(self, info: Info) -> Station | None:
        if not self._is_point:
            return None
        row = await info.context.loaders.areas_by_id.load(self.row["parent_id"])
        return None if row is None else Station.from_row(row)

    async def _items(self, info: Info, keyword: str | None) -> list[Row]:
        """The station's items, narrowed by the catalogue search when a keyword is given."""
        rows = await info.context.loaders.station_items.load(self.row["id"])
        flt = station_search.keyword_filter(keyword)
        if flt is None:
            return rows
        index = await info.context.catalogue_index()
        return await station_search.matching(rows, flt, index, self.row["code"])

    @strawberry.field(
        description="各分类的事项数：第一项为“全部”，其后为五个分类（ITEM-3）；"
        "keyword 同 items 的关键词。"
    )
    async def item_counts(self, info: Info, keyword: str | None = None) -> list[CategoryCount]:
        rows = await self._items(info, keyword)
        return [
            CategoryCount(category=c.category, label=c.label, count=c.count)
            for c in resolvers.category_counts(rows)
        ]

    @strawberry.field(
        description="本站办理的事项；category 不填即“全部”；keyword 在本站事项中按事项检索"
        "的规则查找（一个字也可）。"
    )
    async def items(
        self,
        info: Info,
        category: KioskCategory | None = None,
        first: int = 20,
        after: str | None = None,
        keyword: str | None = None,
    ) -> StationItemConnection:
        rows = await self._items(info, keyword)
        page = resolvers.item_page(rows, category, first=first, after=after)
        return StationItemConnection(
            edges=[
                StationItemEdge(cursor=cursor, node=ServiceItem.from_row(row))
                for cursor, row in zip(page.cursors, page.rows, strict=True)
            ],
            page_info=relay.PageInfo(
                has_next_page=page.has_next,
                has_previous_page=after is not None,
                start_cursor=page.cursors[0] if page.cursors else None,
                end_cursor=page.cursors[-1] if page.cursors else None,
            ),
            total_count=page.total,
        )


@root(Access.PUBLIC)
@strawberry.type
class StationQuery:
    # 斗门区 has five towns and one subdistrict
    @strawberry.field(
        description="全部镇（街道）及其村（居），按地图顺序（STA-1）。", metadata=list_size(8)
    )
    async def towns(self, info: Info) -> list[Town]:
        found = await resolvers.directory()
        loaders = info.context.loaders
        # Everything the directory answers is already read: no further statements.
        loaders.villages.prime_many(found.villages)
        loaders.areas_by_id.prime_many({row["id"]: row for row in found.towns})
        return [Town.from_row(row) for row in found.towns]

    @strawberry.field(description="按编码查看镇街办事站（9位）或村居办事点（12位）；不存在时为空。")
    async def station(self, info: Info, code: str) -> Station | None:
        return await Station.load(info, resolvers.parse_station_code(code))
