"""The item registry in the schema (ITEM-4): item versions, requests with their entries,
field-by-field diffs and recorded steps, worklists and the overdue list."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Self

import strawberry

from servicehall import clock
from servicehall.loaders import Row
from servicehall.resolvers import item_content
from servicehall.resolvers import item_request_reads as reads
from servicehall.resolvers.enums import (
    ItemKind,
    ItemLevel,
    KioskCategory,
    MaterialForm,
    RequestKind,
    RequestState,
    StaffRole,
    VersionStatus,
)
from servicehall.resolvers.item_registry import OFFICE_NAMES, OFFICES, PROCESS
from servicehall.schema.common import Connection, Labelled, labelled, local_time
from servicehall.schema.context import Info
from servicehall.schema.items import Department
from servicehall.schema.policy import Access, Domain, declare, root

strawberry.enum(RequestKind, name="ItemRequestKind", description="事项申请类型（ITEM-4）。")
strawberry.enum(RequestState, name="ItemRequestState", description="事项申请所处环节（ITEM-4）。")
strawberry.enum(VersionStatus, name="ItemVersionStatus", description="事项版本状态（ITEM-4）。")


@declare(Access.PER_PRINCIPAL, Domain.REGISTRY)
@strawberry.type(description="事项版本中的一项申请材料。")
class ItemMaterialContent:
    name: str
    form: Labelled[MaterialForm]
    originals: int
    copies: int
    required: bool
    note: str
    license_type: str | None = strawberry.field(description="可替代该材料的电子证照目录代码。")


@declare(Access.PER_PRINCIPAL, Domain.REGISTRY)
@strawberry.type(description="事项版本中的收费项目。")
class ItemFeeContent:
    name: str
    standard: str
    basis: str


@declare(Access.PER_PRINCIPAL, Domain.REGISTRY)
@strawberry.type(description="事项版本中的办理环节。")
class ItemProcessContent:
    name: str
    description: str


@declare(Access.PER_PRINCIPAL, Domain.REGISTRY)
@strawberry.type(description="事项一个版本的全部内容：办事指南所示的一切。")
class ItemContent:
    name: str
    department_code: str
    kind: Labelled[ItemKind]
    level: Labelled[ItemLevel]
    kiosk_category: Labelled[KioskCategory] | None
    themes: list[str] = strawberry.field(description="主题分类代码。")
    target_groups: list[str] = strawberry.field(description="特定对象代码。")
    business_scopes: list[str] = strawberry.field(description="经营范围（门类或大类）代码。")
    keywords: list[str] = strawberry.field(description="关键词及别名（检索用，ITEM-5）。")
    legal_basis: list[str]
    conditions: list[str]
    materials: list[ItemMaterialContent]
    statutory_limit_days: int
    promised_limit_days: int
    visits_required: int
    fees: list[ItemFeeContent]
    process: list[ItemProcessContent]
    online_url: str
    where_to_apply: str
    office_hours: str
    phone: str
    result_delivery: str
    stations: list[str] = strawberry.field(description="办理该事项的站点（区划代码）。")

    @classmethod
    def from_json(cls, c: dict[str, Any]) -> Self:
        category = c.get("kiosk_category")
        return cls(
            name=c["name"],
            department_code=c["department"],
            kind=labelled(ItemKind(c["kind"])),
            level=labelled(ItemLevel(c["level"])),
            kiosk_category=labelled(KioskCategory(category)) if category else None,
            themes=list(c["themes"]),
            target_groups=list(c["target_groups"]),
            business_scopes=list(c["business_scopes"]),
            keywords=list(c.get("keywords") or []),
            legal_basis=list(c["legal_basis"]),
            conditions=list(c["conditions"]),
            materials=[
                ItemMaterialContent(
                    name=m["name"],
                    form=labelled(MaterialForm(m["form"])),
                    originals=int(m.get("originals", 0)),
                    copies=int(m.get("copies", 0)),
                    required=bool(m.get("required", True)),
                    note=m.get("note") or "",
                    license_type=m.get("license_type") or None,
                )
                for m in c["materials"]
            ],
            statutory_limit_days=c["statutory_limit_days"],
            promised_limit_days=c["promised_limit_days"],
            visits_required=c["visits_required"],
            fees=[
                ItemFeeContent(name=f["name"], standard=f["standard"], basis=f["basis"])
                for f in c["fees"]
            ],
            process=[
                ItemProcessContent(name=p["name"], description=p["description"])
                for p in c["process"]
            ],
            online_url=c["online_url"],
            where_to_apply=c["where_to_apply"],
            office_hours=c["office_hours"],
            phone=c["phone"],
            result_delivery=c["result_delivery"],
            stations=list(c["stations"]),
        )


@declare(Access.PER_PRINCIPAL, Domain.REGISTRY)
@strawberry.type(description="新旧版本的一个字段差异。")
class ItemFieldChange:
    field: str = strawberry.field(description="字段（内容中的英文名）。")
    label: str
    before: list[str] = strawberry.field(description="现行版本的值（逐行）；新增事项为空。")
    after: list[str] = strawberry.field(description="新版本的值（逐行）。")


@declare(Access.PER_PRINCIPAL, Domain.REGISTRY)
@strawberry.type(description="事项的一个版本（ITEM-4）。")
class ItemVersion:
    item_code: str
    number: int | None = strawberry.field(description="发布顺序号；未发布时为空。")
    status: Labelled[VersionStatus]
    change: Labelled[RequestKind] | None = strawberry.field(
        description="由哪类申请产生；初始版本为空。"
    )
    content: ItemContent
    published_at: datetime | None
    request_id: int | None = strawberry.field(description="产生该版本的申请。")

    @classmethod
    def from_row(cls, row: Row) -> Self:
        return cls(
            item_code=row["item_code"],
            number=row["number"],
            status=labelled(VersionStatus(row["status"])),
            change=labelled(RequestKind(row["change"])) if row["change"] else None,
            content=ItemContent.from_json(row["content"]),
            published_at=local_time(row["published_at"]),
            request_id=row["request_id"],
        )


@declare(Access.PER_PRINCIPAL, Domain.REGISTRY)
@strawberry.type(description="申请中的一个事项：新版本与现行版本并列，附逐字段差异。")
class ItemRequestEntry:
    item_code: str
    change: Labelled[RequestKind]
    status: Labelled[VersionStatus]
    proposed: ItemContent = strawberry.field(description="新版本（注销申请为注销前的内容）。")
    current: ItemContent | None = strawberry.field(description="起草时的现行版本；新增事项为空。")
    current_number: int | None
    diff: list[ItemFieldChange] = strawberry.field(description="逐字段差异，按办事指南顺序。")

    @classmethod
    def from_row(cls, row: Row) -> Self:
        base = row["base_content"]
        return cls(
            item_code=row["item_code"],
            change=labelled(RequestKind(row["change"])),
            status=labelled(VersionStatus(row["status"])),
            proposed=ItemContent.from_json(row["content"]),
            current=ItemContent.from_json(base) if base else None,
            current_number=row["base_number"],
            diff=[
                ItemFieldChange(field=d.field, label=d.label, before=d.before, after=d.after)
                for d in item_content.diff(base, row["content"])
            ],
        )


@declare(Access.PER_PRINCIPAL, Domain.REGISTRY)
@strawberry.type(description="事项申请的一步：何人、何种身份、何时、意见与依据。")
class ItemRequestStep:
    action: str
    action_label: str
    from_state: Labelled[RequestState] | None
    to_state: Labelled[RequestState]
    at: datetime
    actor_name: str
    role: Labelled[StaffRole] | None = strawberry.field(description="以何种角色办理。")
    actor_department: str = strawberry.field(description="办理人所在部门代码（审核机构为空）。")
    office: str | None = strawberry.field(description="以审核机构身份办理时的机构名称。")
    opinion: str
    basis: str

    @classmethod
    def from_row(cls, row: Row) -> Self:
        action = row["action"]
        label = "起草" if action == "start" else PROCESS.action(action).label
        role = row["role"]
        return cls(
            action=action,
            action_label=label,
            from_state=labelled(RequestState(row["from_state"])) if row["from_state"] else None,
            to_state=labelled(RequestState(row["to_state"])),
            at=local_time(row["at"]),  # type: ignore[arg-type]
            actor_name=row["actor_name"],
            role=labelled(StaffRole(role)) if role in StaffRole._value2member_map_ else None,
            actor_department=row["actor_department"],
            office=OFFICE_NAMES.get(role),
            opinion=row["reason"],
            basis=row["basis"],
        )


@declare(Access.PER_PRINCIPAL, Domain.REGISTRY)
@strawberry.type(description="事项申请（新增、调整、注销，ITEM-4）。")
class ItemRequest:
    id: int
    kind: Labelled[RequestKind]
    state: Labelled[RequestState]
    title: str
    department_id: strawberry.Private[int]
    basis: str = strawberry.field(description="申请所依据的法律法规。")
    reason: str
    returned_reason: str = strawberry.field(description="最近一次退回的理由。")
    revision: int
    created_at: datetime
    updated_at: datetime
    step_entered_at: datetime | None
    due_on: date | None = strawberry.field(description="当前环节的办理期限（工作日计算）。")
    office: str | None = strawberry.field(description="当前环节的办理机构。")

    @classmethod
    def from_row(cls, row: Row, info: Info) -> Self:
        state = RequestState(row["state"])
        office = OFFICES.get(state)
        return cls(
            id=row["id"],
            kind=labelled(RequestKind(row["kind"])),
            state=labelled(state),
            title=row["title"],
            department_id=row["department_id"],
            basis=row["basis"],
            reason=row["reason"],
            returned_reason=row["returned_reason"],
            revision=row["revision"],
            created_at=local_time(row["created_at"]),  # type: ignore[arg-type]
            updated_at=local_time(row["updated_at"]),  # type: ignore[arg-type]
            step_entered_at=local_time(row["entered_at"]),
            due_on=reads.due_on(row, info.context.calendar),
            office=office[1]
            if office
            else ("申请部门" if state is RequestState.DRAFTING else None),
        )

    @strawberry.field(description="当前环节是否已超过期限。")
    def overdue(self) -> bool:
        return self.due_on is not None and self.due_on < clock.local_today()

    @strawberry.field(description="当前环节可进行的操作。")
    def next_actions(self) -> list[str]:
        return [a.label for a in PROCESS.actions_from(self.state.value)]

    @strawberry.field(description="申请部门。")
    async def department(self, info: Info) -> Department:
        row = await info.context.loaders.departments_by_id.load(self.department_id)
        return Department.from_row(row)  # type: ignore[arg-type]  # FK guarantees it

    @strawberry.field(description="申请中的事项，新旧版本并列并附差异。")
    async def entries(self, info: Info) -> list[ItemRequestEntry]:
        rows = await info.context.loaders.item_request_entries.load(self.id)
        return [ItemRequestEntry.from_row(r) for r in rows]

    @strawberry.field(description="全部办理记录，按时间顺序。")
    async def steps(self, info: Info) -> list[ItemRequestStep]:
        rows = await info.context.loaders.item_request_steps.load(self.id)
        return [ItemRequestStep.from_row(r) for r in rows]


@strawberry.input(description="事项申请检索条件。")
class ItemRequestFilter:
    states: list[RequestState] | None = None
    kind: RequestKind | None = None
    department_code: str | None = strawberry.field(
        default=None, description="申请部门（审核机构和管理员可选；事项编辑人只看本部门）。"
    )
    worklist: bool = strawberry.field(
        default=False, description="只看待本人所在机构办理的申请（待办）。"
    )


@root(Access.PER_PRINCIPAL)
@strawberry.type
class RegistryQuery:
    @strawberry.field(
        description="事项申请（ITEM-4），最近办理的在前：事项编辑人看本部门，审核机构和管理员看全部。"
    )
    async def item_requests(
        self,
        info: Info,
        filter: ItemRequestFilter | None = None,
        first: int = 20,
        after: str | None = None,
    ) -> Connection[ItemRequest]:
        chosen = filter or ItemRequestFilter()
        page = await reads.request_page(
            info.context.principal,
            states=chosen.states or (),
            kind=chosen.kind,
            department_code=chosen.department_code,
            worklist=chosen.worklist,
            first=first,
            after=after,
        )
        return Connection.build(
            [
                (c, ItemRequest.from_row(r, info))
                for c, r in zip(page.cursors, page.rows, strict=True)
            ],
            has_next=page.has_next,
            after=after,
            total=page.total,
        )

    @strawberry.field(description="按编号查看事项申请；不存在或无权查看时为空。")
    async def item_request(self, info: Info, id: int) -> ItemRequest | None:
        row = await reads.request_detail(info.context.principal, id)
        return None if row is None else ItemRequest.from_row(row, info)

    @strawberry.field(description="事项的全部版本，最新在前（ITEM-4）。")
    async def item_versions(self, info: Info, code: str) -> list[ItemVersion]:
        rows = await reads.item_versions(info.context.principal, code)
        return [ItemVersion.from_row(r) for r in rows]

    @strawberry.field(description="超过环节期限的事项申请（催办清单），超期最久的在前。")
    async def overdue_item_requests(self, info: Info) -> list[ItemRequest]:
        rows = await reads.overdue_requests(
            info.context.principal, today=clock.local_today(), calendar=info.context.calendar
        )
        return [ItemRequest.from_row(r, info) for r in rows]
