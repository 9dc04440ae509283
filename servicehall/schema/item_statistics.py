"""``itemStatistics``: counts of the item registry by the caller's dimensions (ITEM-6).

Public: these are aggregate counts of a public government catalogue (every item, its
department, themes, status and time limits are public on ``ServiceItem`` already), so
anyone may read them and the answer is shared through the response cache under the
catalogue's generation like a search.
"""

from __future__ import annotations

import strawberry

from servicehall.resolvers import item_statistics as resolvers
from servicehall.resolvers.enums import ItemKind, ItemLevel, ItemStatus
from servicehall.resolvers.item_statistics import (
    OnlineDepth,
    StatisticsDimension,
    StatisticsOrder,
    TimeLimitBand,
)
from servicehall.resolvers.paging import check_first
from servicehall.schema.cost import list_size, paged
from servicehall.schema.policy import Access, Domain, declare, root

for _enum in (StatisticsDimension, StatisticsOrder, TimeLimitBand, OnlineDepth):
    strawberry.enum(_enum)

DEFAULT_GROUPS = 100


@declare(Access.PUBLIC, Domain.CATALOGUE)
@strawberry.type(description="统计分组在一个维度上的取值。")
class StatisticsKey:
    dimension: StatisticsDimension
    value: str = strawberry.field(
        description="取值代码（部门、主题、对象代码或枚举值）；无主题或无对象时为空字符串。"
    )
    label: str


@declare(Access.PUBLIC, Domain.CATALOGUE)
@strawberry.type(description="一个分组及其事项数。")
class ItemStatisticsGroup:
    keys: list[StatisticsKey] = strawberry.field(
        description="按 groupBy 的顺序，每个维度一项。",
        metadata=list_size(resolvers.MAX_DIMENSIONS),
    )
    count: int


@declare(Access.PUBLIC, Domain.CATALOGUE)
@strawberry.type(description="事项统计（ITEM-6）。")
class ItemStatistics:
    dimensions: list[StatisticsDimension] = strawberry.field(
        metadata=list_size(resolvers.MAX_DIMENSIONS)
    )
    total: int = strawberry.field(
        description="符合筛选条件的事项数（每个事项计一次；按主题或对象分组时各组之和可能更大）。"
    )
    group_count: int = strawberry.field(description="分组总数（groups 只返回前 first 个）。")
    groups: list[ItemStatisticsGroup] = strawberry.field(metadata=paged())  # sized by first

    @classmethod
    def from_result(cls, result: resolvers.ItemStatistics, first: int) -> ItemStatistics:
        return cls(
            dimensions=list(result.dimensions),
            total=result.total,
            group_count=len(result.groups),
            groups=[
                ItemStatisticsGroup(
                    keys=[
                        StatisticsKey(dimension=k.dimension, value=k.value, label=k.label)
                        for k in group.keys
                    ],
                    count=group.count,
                )
                for group in result.groups[:first]
            ],
        )


@strawberry.input(
    description="统计哪些事项：同一维度内为“或”，维度之间为“且”；不填即全部（含已取消）。"
)
class ItemStatisticsFilter:
    departments: list[str] | None = None
    themes: list[str] | None = None
    target_groups: list[str] | None = None
    kinds: list[ItemKind] | None = None
    levels: list[ItemLevel] | None = None
    statuses: list[ItemStatus] | None = None
    time_limit_bands: list[TimeLimitBand] | None = None
    online_depths: list[OnlineDepth] | None = None

    def to_filter(self) -> resolvers.StatisticsFilter:
        return resolvers.StatisticsFilter(
            departments=tuple(self.departments or ()),
            themes=tuple(self.themes or ()),
            target_groups=tuple(self.target_groups or ()),
            kinds=tuple(self.kinds or ()),
            levels=tuple(self.levels or ()),
            statuses=tuple(self.statuses or ()),
            time_limit_bands=tuple(self.time_limit_bands or ()),
            online_depths=tuple(self.online_depths or ()),
        )


@root(Access.PUBLIC)
@strawberry.type
class ItemStatisticsQuery:
    @strawberry.field(
        description=(
            "事项统计（ITEM-6）：按所选维度（最多3个）分组计数，可筛选、排序；"
            "维度未知、重复或超过3个时报 INVALID_INPUT。"
        )
    )
    async def item_statistics(
        self,
        group_by: list[StatisticsDimension],
        filter: ItemStatisticsFilter | None = None,
        order: StatisticsOrder = StatisticsOrder.KEYS,
        first: int = DEFAULT_GROUPS,
    ) -> ItemStatistics:
        check_first(first)
        result = await resolvers.item_statistics(
            group_by, filter.to_filter() if filter else None, order
        )
        return ItemStatistics.from_result(result, first)
