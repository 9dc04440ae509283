"""Service items, their guide and the four search dimensions (ITEM-1..3)."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import ClassVar, Self

import strawberry
from strawberry import relay

from servicehall.loaders import Row
from servicehall.resolvers import catalogue_index
from servicehall.resolvers import items as resolvers
from servicehall.resolvers.enums import (
    ItemKind,
    ItemLevel,
    ItemStatus,
    KioskCategory,
    MaterialForm,
    ScopeLevel,
    ThemeAudience,
)
from servicehall.schema.common import Labelled, LoadedNode, labelled, local_time
from servicehall.schema.context import Info
from servicehall.schema.cost import list_size, paged
from servicehall.schema.item_guide import ServiceGuide
from servicehall.schema.policy import Access, Domain, declare, root

for _enum in (ItemKind, ItemLevel, ItemStatus, KioskCategory, MaterialForm, ScopeLevel):
    strawberry.enum(_enum)
strawberry.enum(ThemeAudience)


@declare(Access.PUBLIC, Domain.CATALOGUE)
@strawberry.type(description="主题分类（按主题分类查询事项）。")
class Theme:
    code: str
    name: str
    audience: Labelled[ThemeAudience]

    @classmethod
    def from_row(cls, row: Row) -> Self:
        return cls(
            code=row["code"], name=row["name"], audience=labelled(ThemeAudience(row["audience"]))
        )


@declare(Access.PUBLIC, Domain.CATALOGUE)
@strawberry.type(description="特定对象（按特定对象查询事项），如个人、企业、港澳居民。")
class TargetGroup:
    code: str
    name: str

    @classmethod
    def from_row(cls, row: Row) -> Self:
        return cls(code=row["code"], name=row["name"])


@declare(Access.PUBLIC, Domain.CATALOGUE)
@strawberry.type(description="经营范围：GB/T 4754-2017 国民经济行业分类的门类或大类。")
class BusinessScope:
    code: str
    name: str
    level: Labelled[ScopeLevel]
    section_code: str | None = strawberry.field(description="大类所属门类；门类本身为空。")
    divisions: list[BusinessScope] = strawberry.field(
        description="门类下的大类（仅在 businessScopes 列表中给出）。",
        metadata=list_size(31),  # GB/T 4754-2017: manufacturing (C) has 31 divisions
    )

    @classmethod
    def from_row(cls, row: Row) -> Self:
        return cls(
            code=row["code"],
            name=row["name"],
            level=labelled(ScopeLevel(row["level"])),
            section_code=row["section_code"] or None,
            divisions=[cls.from_row(d) for d in row.get("divisions", ())],
        )


@declare(Access.PUBLIC, Domain.CATALOGUE)
@strawberry.federation.type(keys=["code"], description="办事部门。")
class Department(LoadedNode):
    loader: ClassVar[str] = "departments_by_code"
    key: relay.NodeID[str]
    code: str
    name: str
    short_name: str
    address: str
    phone: str
    office_hours: str

    @classmethod
    def from_row(cls, row: Row) -> Self:
        return cls(
            key=row["code"],
            code=row["code"],
            name=row["name"],
            short_name=row["short_name"],
            address=row["address"],
            phone=row["phone"],
            office_hours=row["office_hours"],
        )

    @strawberry.field(description="本部门的在用事项。")
    async def items(
        self, info: Info, first: int = resolvers.DEFAULT_PAGE_SIZE, after: str | None = None
    ) -> ServiceItemConnection:
        return await ServiceItemConnection.search(
            info, resolvers.ItemFilter(departments=(self.code,)), first, after
        )


@declare(Access.PUBLIC, Domain.CATALOGUE)
@strawberry.federation.type(keys=["code"], description="政务服务事项。")
class ServiceItem(LoadedNode):
    loader: ClassVar[str] = "items_by_code"
    key: relay.NodeID[str]
    row_id: strawberry.Private[int]
    department_id: strawberry.Private[int]
    code: str
    name: str
    kind: Labelled[ItemKind] = strawberry.field(description="事项类型。")
    level: Labelled[ItemLevel] = strawberry.field(description="实施层级。")
    kiosk_category: Labelled[KioskCategory] | None = strawberry.field(
        description="镇街办事站的事项分类（ITEM-3）；区级事项为空。"
    )
    status: Labelled[ItemStatus]
    statutory_limit_days: int = strawberry.field(description="法定办结时限（工作日）。")
    promised_limit_days: int = strawberry.field(description="承诺办结时限（工作日）。")
    visits_required: int = strawberry.field(description="最多到现场次数，0 表示零跑动。")
    online_application_url: str | None = strawberry.field(description="网上申办入口。")
    updated_at: datetime
    keywords: list[str] = strawberry.field(
        description="关键词和别名（如“社保”“营业执照”），检索时与名称一样可以查到（ITEM-5）。"
    )

    @classmethod
    def from_row(cls, row: Row) -> Self:
        category = row["kiosk_category"]
        return cls(
            key=row["code"],
            row_id=row["id"],
            department_id=row["department_id"],
            code=row["code"],
            name=row["name"],
            kind=labelled(ItemKind(row["kind"])),
            level=labelled(ItemLevel(row["level"])),
            kiosk_category=labelled(KioskCategory(category)) if category else None,
            status=labelled(ItemStatus(row["status"])),
            statutory_limit_days=row["statutory_limit_days"],
            promised_limit_days=row["promised_limit_days"],
            visits_required=row["visits_required"],
            online_application_url=row["online_url"] or None,
            updated_at=local_time(row["updated_at"]),  # type: ignore[arg-type]
            keywords=list(row["keywords"]),
        )

    @strawberry.field(description="事项已注销时的提示（ITEM-4）；在用事项为空。")
    def notice(self) -> str | None:
        if self.status.value is ItemStatus.CANCELLED:
            return "该事项已注销，不再受理申请；本指南仅供查阅。"
        return None

    @strawberry.field(description="实施部门。")
    async def department(self, info: Info) -> Department:
        row = await info.context.loaders.departments_by_id.load(self.department_id)
        return Department.from_row(row)  # type: ignore[arg-type]  # FK guarantees it

    # an item is filed under one or two themes and target groups (the demo's at most 2)
    @strawberry.field(metadata=list_size(5))
    async def themes(self, info: Info) -> list[Theme]:
        return [Theme.from_row(r) for r in await info.context.loaders.item_themes.load(self.row_id)]

    @strawberry.field(metadata=list_size(5))
    async def target_groups(self, info: Info) -> list[TargetGroup]:
        rows = await info.context.loaders.item_target_groups.load(self.row_id)
        return [TargetGroup.from_row(r) for r in rows]

    @strawberry.field
    async def business_scopes(self, info: Info) -> list[BusinessScope]:
        rows = await info.context.loaders.item_business_scopes.load(self.row_id)
        return [BusinessScope.from_row(r) for r in rows]

    @strawberry.field(description="办事指南。")
    async def guide(self, info: Info) -> ServiceGuide:
        row = await info.context.loaders.item_guides.load(self.row_id)
        return ServiceGuide.from_row(row)  # type: ignore[arg-type]  # same row as the item


@declare(Access.PUBLIC, Domain.CATALOGUE)
@strawberry.type(description="筛选维度的一个取值及其事项数（在其他已选条件下）。")
class FacetValue:
    value: str
    label: str
    count: int
    selected: bool


@declare(Access.PUBLIC, Domain.CATALOGUE)
@strawberry.type(description="四个维度的分面计数。")
class ServiceItemFacets:
    themes: list[FacetValue]
    target_groups: list[FacetValue]
    business_scopes: list[FacetValue] = strawberry.field(description="按门类计数。")
    departments: list[FacetValue]


@declare(Access.PUBLIC, Domain.CATALOGUE)
@strawberry.type
class ServiceItemEdge:
    cursor: str
    node: ServiceItem


@declare(Access.PUBLIC, Domain.CATALOGUE)
@strawberry.type(description="事项检索结果（Relay 连接）。")
class ServiceItemConnection:
    edges: list[ServiceItemEdge] = strawberry.field(metadata=paged())  # sized by first
    page_info: relay.PageInfo
    filter: strawberry.Private[resolvers.ItemFilter]
    index: strawberry.Private[catalogue_index.CatalogueIndex | None]
    stats_task: strawberry.Private[asyncio.Task[resolvers.SearchStats] | None] = None

    @classmethod
    async def search(
        cls, info: Info, flt: resolvers.ItemFilter, first: int, after: str | None
    ) -> Self:
        index = await info.context.catalogue_index()
        page = await catalogue_index.search_page(flt, first=first, after=after, index=index)
        if index is not None:  # the snapshot holds the departments: no second statement
            info.context.loaders.departments_by_id.prime_many(
                {row["department_id"]: index.departments[row["department_id"]] for row in page.rows}
            )
        edges = [
            ServiceItemEdge(cursor=cursor, node=ServiceItem.from_row(row))
            for row, cursor in zip(page.rows, page.cursors, strict=True)
        ]
        return cls(
            edges=edges,
            page_info=relay.PageInfo(
                has_next_page=page.has_next,
                has_previous_page=after is not None,
                start_cursor=page.cursors[0] if page.cursors else None,
                end_cursor=page.cursors[-1] if page.cursors else None,
            ),
            filter=flt,
            index=index,
        )

    def _stats(self) -> asyncio.Task[resolvers.SearchStats]:
        # totalCount and facets come from one statement, run once whichever is asked first.
        if self.stats_task is None:
            self.stats_task = asyncio.ensure_future(
                catalogue_index.search_stats(self.filter, index=self.index)
            )
        return self.stats_task

    @strawberry.field(description="符合全部条件的事项总数。")
    async def total_count(self) -> int:
        return (await self._stats()).total

    @strawberry.field(description="各维度取值的事项数。")
    async def facets(self) -> ServiceItemFacets:
        stats = await self._stats()
        return ServiceItemFacets(
            **{
                name: [
                    FacetValue(value=f.value, label=f.label, count=f.count, selected=f.selected)
                    for f in values
                ]
                for name, values in stats.facets.items()
            }
        )


@strawberry.input(description="事项检索条件：同一维度内为“或”，维度之间为“且”。")
class ServiceItemFilter:
    keyword: str | None = strawberry.field(
        default=None,
        description=(
            "在事项名称、关键词和别名（“社保”）、部门名称中查找，一个字也可；"
            "也可输入名称的拼音（yingye）或拼音首字母（yyzz）。"
            "排序：名称完全相同、别名相同、名称开头、包含、仅部门名称。"
        ),
    )
    themes: list[str] | None = None
    target_groups: list[str] | None = None
    business_scopes: list[str] | None = strawberry.field(
        default=None, description="门类（A）或大类（62）代码。"
    )
    departments: list[str] | None = None
    category: KioskCategory | None = strawberry.field(
        default=None, description="镇街事项分类；不填即“全部”。"
    )
    station: str | None = strawberry.field(
        default=None,
        description="只查该镇街办事站或村居办事点办理的事项（办事站代码，9位或12位）。",
    )

    def to_filter(self) -> resolvers.ItemFilter:
        return resolvers.ItemFilter(
            keyword=self.keyword,
            themes=tuple(self.themes or ()),
            target_groups=tuple(self.target_groups or ()),
            business_scopes=tuple(self.business_scopes or ()),
            departments=tuple(self.departments or ()),
            category=self.category,
            station=self.station,
        )


@declare(Access.PUBLIC, Domain.NEUTRAL)
@strawberry.type(description="镇街办事站的事项分类标签页（第一项为“全部”）。")
class CategoryTab:
    category: KioskCategory | None
    label: str


@root(Access.PUBLIC)
@strawberry.type
class ItemQuery:
    @strawberry.field(description="按四个维度和关键词检索事项（ITEM-1）。")
    async def service_items(
        self,
        info: Info,
        filter: ServiceItemFilter | None = None,
        first: int = resolvers.DEFAULT_PAGE_SIZE,
        after: str | None = None,
    ) -> ServiceItemConnection:
        flt = filter.to_filter() if filter else resolvers.ItemFilter()
        return await ServiceItemConnection.search(info, flt, first, after)

    @strawberry.field(description="按事项编码查看事项及办事指南；编码不存在时为空。")
    async def service_item(self, info: Info, code: str) -> ServiceItem | None:
        return await ServiceItem.load(info, resolvers.parse_item_code(code))

    # a district government has some 40 departments (the demo 21)
    @strawberry.field(description="全部办事部门。", metadata=list_size(40))
    async def departments(self) -> list[Department]:
        return [Department.from_row(row) for row in await resolvers.list_departments()]

    @strawberry.field(description="主题分类，可按个人或法人筛选。", metadata=list_size(60))
    async def themes(self, audience: ThemeAudience | None = None) -> list[Theme]:
        return [Theme.from_row(row) for row in await resolvers.list_themes(audience)]

    @strawberry.field(description="特定对象分类。", metadata=list_size(20))
    async def target_groups(self) -> list[TargetGroup]:
        return [TargetGroup.from_row(row) for row in await resolvers.list_target_groups()]

    # GB/T 4754-2017 has 20 sections
    @strawberry.field(description="经营范围：门类及其大类。", metadata=list_size(20))
    async def business_scopes(self) -> list[BusinessScope]:
        return [BusinessScope.from_row(row) for row in await resolvers.list_business_scopes()]

    @strawberry.field(description="镇街事项分类标签：全部及五个分类（ITEM-3）。")
    def kiosk_categories(self) -> list[CategoryTab]:
        return [CategoryTab(category=None, label="全部")] + [
            CategoryTab(category=c, label=c.label) for c in KioskCategory
        ]
