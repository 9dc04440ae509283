"""The item registry's mutations (ITEM-4): thin adapters over ``resolvers.item_requests``."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import strawberry

from servicehall.resolvers import item_request_reads as reads
from servicehall.resolvers import item_requests as resolvers
from servicehall.resolvers.enums import (
    ItemKind,
    ItemLevel,
    KioskCategory,
    MaterialForm,
    RequestKind,
)
from servicehall.resolvers.outcome import Outcome
from servicehall.schema.context import Info
from servicehall.schema.errors import UserError, respond
from servicehall.schema.policy import Access, Domain, declare, root
from servicehall.schema.registry import ItemRequest

#: The optional ``revision`` of every step's input (optimistic concurrency).
SEEN_REVISION = "办理人所见的申请版本号（revision）：其间已被他人办理则返回 CONFLICT。"


@strawberry.input(description="申请材料。")
class ItemMaterialInput:
    name: str
    form: MaterialForm = MaterialForm.ORIGINAL
    originals: int = 1
    copies: int = 0
    required: bool = True
    note: str = ""
    license_type: str | None = strawberry.field(
        default=None, description="可替代该材料的电子证照目录代码（须在证照目录中）。"
    )


@strawberry.input(description="收费项目。")
class ItemFeeInput:
    name: str
    standard: str
    basis: str = ""


@strawberry.input(description="办理环节。")
class ItemProcessInput:
    name: str
    description: str = ""


@strawberry.input(description="事项一个版本的全部内容。")
class ItemContentInput:
    name: str
    department_code: str
    kind: ItemKind
    legal_basis: list[str] = strawberry.field(description="设定依据，至少一条引用《法律法规》。")
    statutory_limit_days: int
    promised_limit_days: int
    level: ItemLevel = ItemLevel.DISTRICT
    kiosk_category: KioskCategory | None = None
    themes: list[str] = strawberry.field(default_factory=list)
    target_groups: list[str] = strawberry.field(default_factory=list)
    business_scopes: list[str] = strawberry.field(default_factory=list)
    keywords: list[str] = strawberry.field(default_factory=list, description="关键词及别名。")
    conditions: list[str] = strawberry.field(default_factory=list)
    materials: list[ItemMaterialInput] = strawberry.field(default_factory=list)
    visits_required: int = 1
    fees: list[ItemFeeInput] = strawberry.field(default_factory=list)
    process: list[ItemProcessInput] = strawberry.field(default_factory=list)
    online_url: str = ""
    where_to_apply: str = ""
    office_hours: str = ""
    phone: str = ""
    result_delivery: str = ""
    stations: list[str] = strawberry.field(default_factory=list)

    def content(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "department": self.department_code,
            "kind": self.kind.value,
            "level": self.level.value,
            "kiosk_category": self.kiosk_category.value if self.kiosk_category else None,
            "themes": self.themes,
            "target_groups": self.target_groups,
            "business_scopes": self.business_scopes,
            "keywords": self.keywords,
            "legal_basis": self.legal_basis,
            "conditions": self.conditions,
            "materials": [
                {
                    "name": m.name,
                    "form": m.form.value,
                    "originals": m.originals,
                    "copies": m.copies,
                    "required": m.required,
                    "note": m.note,
                    "license_type": m.license_type,
                }
                for m in self.materials
            ],
            "statutory_limit_days": self.statutory_limit_days,
            "promised_limit_days": self.promised_limit_days,
            "visits_required": self.visits_required,
            "fees": [{"name": f.name, "standard": f.standard, "basis": f.basis} for f in self.fees],
            "process": [{"name": p.name, "description": p.description} for p in self.process],
            "online_url": self.online_url,
            "where_to_apply": self.where_to_apply,
            "office_hours": self.office_hours,
            "phone": self.phone,
            "result_delivery": self.result_delivery,
            "stations": self.stations,
        }


@strawberry.input(description="申请中的一个事项：新增、调整须给出新版本内容，注销不需要。")
class ItemRequestEntryInput:
    item_code: str
    change: RequestKind
    content: ItemContentInput | None = None


@strawberry.input(description="提交事项申请（第一步：部门拟办）。")
class SubmitItemRequestInput:
    entries: list[ItemRequestEntryInput]
    basis: str = strawberry.field(description="申请所依据的法律法规，须含《…》。")
    reason: str = ""


@strawberry.input(description="退回后修改并重新提交：只需给出要改的事项。")
class ResubmitItemRequestInput:
    id: int
    entries: list[ItemRequestEntryInput] = strawberry.field(default_factory=list)
    basis: str | None = None
    revision: int | None = strawberry.field(default=None, description=SEEN_REVISION)


@strawberry.input(description="审核当前环节：写明意见；法制机构还须写明所依据的法律法规。")
class ReviewItemRequestInput:
    id: int
    opinion: str
    basis: str = ""
    revision: int | None = strawberry.field(default=None, description=SEEN_REVISION)


@strawberry.input(description="备案并发布（监察机关）。")
class FileItemRequestInput:
    id: int
    opinion: str = ""
    revision: int | None = strawberry.field(default=None, description=SEEN_REVISION)


@strawberry.input(description="退回部门，须写明理由。")
class ReturnItemRequestInput:
    id: int
    reason: str
    revision: int | None = strawberry.field(default=None, description=SEEN_REVISION)


@strawberry.input(description="部门撤回尚未审定的申请。")
class WithdrawItemRequestInput:
    id: int
    reason: str = ""
    revision: int | None = strawberry.field(default=None, description=SEEN_REVISION)


@declare(Access.PER_PRINCIPAL, Domain.REGISTRY)
@strawberry.type
class ItemRequestPayload:
    errors: list[UserError]
    request: ItemRequest | None = None


async def _payload(info: Info, run: Callable[[], Awaitable[Outcome[Any]]]) -> ItemRequestPayload:
    async def present(request: Any) -> ItemRequestPayload:
        row = await reads.request_detail(info.context.principal, request.id)
        return ItemRequestPayload(
            errors=[], request=ItemRequest.from_row(row, info) if row else None
        )

    return await respond(info.context, run, ItemRequestPayload, present)


def _entries(entries: list[ItemRequestEntryInput]) -> list[resolvers.Entry]:
    return [
        resolvers.Entry(e.item_code, e.change, e.content.content() if e.content else None)
        for e in entries
    ]


@root(Access.PER_PRINCIPAL)
@strawberry.type
class RegistryMutation:
    @strawberry.mutation(description="提交事项申请（新增、调整、注销；部门事项编辑人）。")
    async def submit_item_request(
        self, info: Info, input: SubmitItemRequestInput
    ) -> ItemRequestPayload:
        return await _payload(
            info,
            lambda: resolvers.submit(
                info.context.principal,
                _entries(input.entries),
                basis=input.basis,
                reason=input.reason,
                ip=info.context.client_ip,
            ),
        )

    @strawberry.mutation(description="修改被退回的申请并重新提交。")
    async def resubmit_item_request(
        self, info: Info, input: ResubmitItemRequestInput
    ) -> ItemRequestPayload:
        contents = {e.item_code: e.content.content() for e in input.entries if e.content}
        return await _payload(
            info,
            lambda: resolvers.resubmit(
                info.context.principal,
                input.id,
                contents,
                basis=input.basis,
                ip=info.context.client_ip,
                revision=input.revision,
            ),
        )

    @strawberry.mutation(
        description="审核通过当前环节：目录管理机构初审、机构编制部门审核、法制机构合法性审查。"
    )
    async def review_item_request(
        self, info: Info, input: ReviewItemRequestInput
    ) -> ItemRequestPayload:
        return await _payload(
            info,
            lambda: resolvers.review_step(
                info.context.principal,
                input.id,
                opinion=input.opinion,
                basis=input.basis,
                ip=info.context.client_ip,
                revision=input.revision,
            ),
        )

    @strawberry.mutation(description="审定通过（目录管理机构），转监察机关备案。")
    async def approve_item_request(
        self, info: Info, input: ReviewItemRequestInput
    ) -> ItemRequestPayload:
        return await _payload(
            info,
            lambda: resolvers.review(
                info.context.principal,
                input.id,
                "approve",
                opinion=input.opinion,
                basis=input.basis,
                ip=info.context.client_ip,
                revision=input.revision,
            ),
        )

    @strawberry.mutation(description="备案并发布（监察机关）：新版本即时生效。")
    async def file_item_request(
        self, info: Info, input: FileItemRequestInput
    ) -> ItemRequestPayload:
        return await _payload(
            info,
            lambda: resolvers.review(
                info.context.principal,
                input.id,
                "file",
                opinion=input.opinion,
                ip=info.context.client_ip,
                revision=input.revision,
            ),
        )

    @strawberry.mutation(description="退回部门（当前环节的审核机构），写明理由。")
    async def return_item_request(
        self, info: Info, input: ReturnItemRequestInput
    ) -> ItemRequestPayload:
        return await _payload(
            info,
            lambda: resolvers.review(
                info.context.principal,
                input.id,
                "return",
                opinion=input.reason,
                ip=info.context.client_ip,
                revision=input.revision,
            ),
        )

    @strawberry.mutation(description="撤回尚未审定的申请（申请部门）。")
    async def withdraw_item_request(
        self, info: Info, input: WithdrawItemRequestInput
    ) -> ItemRequestPayload:
        return await _payload(
            info,
            lambda: resolvers.withdraw(
                info.context.principal,
                input.id,
                reason=input.reason,
                ip=info.context.client_ip,
                revision=input.revision,
            ),
        )
