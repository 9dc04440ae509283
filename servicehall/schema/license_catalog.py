"""The e-licence catalogue (证照目录, LIC-1) in the schema: entries, their versions and
recorded history, the ``licenseCatalog`` search, and the lifecycle's mutations."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any, Self

import strawberry

from servicehall.errors import InvalidInput
from servicehall.loaders import Row
from servicehall.resolvers import license_catalog as resolvers
from servicehall.resolvers import license_catalog_reads
from servicehall.resolvers.enums import CatalogState, FieldType, HolderKind, ValidityRule
from servicehall.resolvers.license_fields import FieldSpec, Validity
from servicehall.resolvers.outcome import Outcome
from servicehall.schema.common import Connection, Labelled, labelled, local_time
from servicehall.schema.context import Info
from servicehall.schema.errors import UserError, perform
from servicehall.schema.items import Department
from servicehall.schema.policy import Access, Domain, declare, root

strawberry.enum(CatalogState, name="LicenseCatalogState", description="证照目录状态（LIC-1）。")
strawberry.enum(HolderKind, name="LicenseHolderKind", description="持证主体类别。")
strawberry.enum(FieldType, name="LicenseFieldType", description="证照字段类型。")
strawberry.enum(ValidityRule, name="LicenseValidityRule", description="证照有效期规则。")


@declare(Access.PER_PRINCIPAL, Domain.LICENSES)
@strawberry.type(description="证照字段的定义。")
class LicenseFieldSpec:
    name: str = strawberry.field(description="字段名（英文标识）。")
    label: str = strawberry.field(description="中文名称。")
    type: Labelled[FieldType]
    required: bool
    options: list[str] = strawberry.field(description="选项字段的可选值。")

    @classmethod
    def from_json(cls, data: dict[str, object]) -> Self:
        spec = FieldSpec.from_json(data)
        return cls(
            name=spec.name,
            label=spec.label,
            type=labelled(spec.type),
            required=spec.required,
            options=list(spec.options),
        )


@declare(Access.PER_PRINCIPAL, Domain.LICENSES)
@strawberry.type(description="证照有效期规则。")
class LicenseValidity:
    rule: Labelled[ValidityRule]
    term_months: int | None = strawberry.field(
        description="固定有效期或最长有效期（月）；长期有效时为空。"
    )


def _validity(row: Row) -> LicenseValidity:
    return LicenseValidity(
        rule=labelled(ValidityRule(row["validity_rule"])), term_months=row["term_months"]
    )


@declare(Access.PER_PRINCIPAL, Domain.LICENSES)
@strawberry.type(description="证照目录的一个版本：证照按签发时的版本保存。")
class LicenseCatalogVersion:
    version: int
    name: str
    fields: list[LicenseFieldSpec]
    validity: LicenseValidity
    created_at: datetime

    @classmethod
    def from_row(cls, row: Row) -> Self:
        return cls(
            version=int(row["version"]),
            name=row["name"],
            fields=[LicenseFieldSpec.from_json(f) for f in row["field_list"]],
            validity=_validity(row),
            created_at=local_time(row["created_at"]),  # type: ignore[arg-type]
        )


@declare(Access.PER_PRINCIPAL, Domain.LICENSES)
@strawberry.type(description="证照目录的一次状态变化：何人、何时、何故。")
class LicenseCatalogStep:
    from_state: Labelled[CatalogState] | None = strawberry.field(description="新建时为空。")
    to_state: Labelled[CatalogState]
    version: int
    at: datetime
    actor_name: str = strawberry.field(description="操作人。")
    reason: str

    @classmethod
    def from_row(cls, row: Row) -> Self:
        source = row["from_state"]
        return cls(
            from_state=labelled(CatalogState(source)) if source else None,
            to_state=labelled(CatalogState(row["to_state"])),
            version=int(row["version"]),
            at=local_time(row["at"]),  # type: ignore[arg-type]
            actor_name=row["actor_name"],
            reason=row["reason"],
        )


@declare(Access.PER_PRINCIPAL, Domain.LICENSES)
@strawberry.type(description="证照目录条目：一类证照（LIC-1）。")
class LicenseCatalogEntry:
    row_id: strawberry.Private[int]
    department_id: strawberry.Private[int]
    code: str = strawberry.field(description="目录代码，证照编号的开头部分。")
    name: str
    holder_kind: Labelled[HolderKind]
    state: Labelled[CatalogState]
    version: int = strawberry.field(description="当前版本号。")
    fields: list[LicenseFieldSpec] = strawberry.field(description="当前版本的字段。")
    validity: LicenseValidity = strawberry.field(description="当前版本的有效期规则。")
    created_at: datetime
    updated_at: datetime

    @classmethod
    def from_row(cls, row: Row) -> Self:
        return cls(
            row_id=row["id"],
            department_id=row["department_id"],
            code=row["code"],
            name=row["name"],
            holder_kind=labelled(HolderKind(row["holder_kind"])),
            state=labelled(CatalogState(row["state"])),
            version=int(row["version"]),
            fields=[LicenseFieldSpec.from_json(f) for f in row["field_list"]],
            validity=_validity(row),
            created_at=local_time(row["created_at"]),  # type: ignore[arg-type]
            updated_at=local_time(row["updated_at"]),  # type: ignore[arg-type]
        )

    @strawberry.field(description="发证部门。")
    async def department(self, info: Info) -> Department:
        row = await info.context.loaders.departments_by_id.load(self.department_id)
        return Department.from_row(row)  # type: ignore[arg-type]  # FK guarantees it

    @strawberry.field(description="全部版本，从第1版起。")
    async def versions(self, info: Info) -> list[LicenseCatalogVersion]:
        rows = await info.context.loaders.catalog_versions.load(self.row_id)
        return [LicenseCatalogVersion.from_row(row) for row in rows]

    @strawberry.field(description="状态变化记录（编目、注册、发布、变更、废置），按时间顺序。")
    async def history(self, info: Info) -> list[LicenseCatalogStep]:
        rows = await info.context.loaders.catalog_events.load(self.row_id)
        return [LicenseCatalogStep.from_row(row) for row in rows]

    @strawberry.field(description="当前可转入的状态。")
    def next_states(self) -> list[Labelled[CatalogState]]:
        return [labelled(s) for s in CatalogState if s in resolvers.TRANSITIONS[self.state.value]]


async def entry_for(info: Info, row: Row | None) -> LicenseCatalogEntry | None:
    """The entry if the principal may see it (drafts: their department and admins)."""
    if row is None or not license_catalog_reads.can_see(
        info.context.principal, CatalogState(row["state"]), row["department_code"]
    ):
        return None
    return LicenseCatalogEntry.from_row(row)


@strawberry.input(description="证照目录检索条件。")
class LicenseCatalogFilter:
    name: str | None = strawberry.field(default=None, description="名称包含（一个字起）。")
    department_code: str | None = None
    states: list[CatalogState] | None = None


# drafts show to their own department only
@root(Access.PER_PRINCIPAL)
@strawberry.type
class LicenseCatalogQuery:
    @strawberry.field(
        description="证照目录（LIC-1）：按名称、发证部门、状态检索，最新编目在前；"
        "编目、注册状态的条目仅本部门和系统管理员可见。"
    )
    async def license_catalog(
        self,
        info: Info,
        filter: LicenseCatalogFilter | None = None,
        first: int = 20,
        after: str | None = None,
    ) -> Connection[LicenseCatalogEntry]:
        chosen = filter or LicenseCatalogFilter()
        page = await license_catalog_reads.catalog_page(
            info.context.principal,
            name=chosen.name,
            department_code=chosen.department_code,
            states=chosen.states or (),
            first=first,
            after=after,
        )
        return Connection.build(
            [
                (c, LicenseCatalogEntry.from_row(r))
                for c, r in zip(page.cursors, page.rows, strict=True)
            ],
            has_next=page.has_next,
            after=after,
            total=page.total,
        )

    @strawberry.field(description="按目录代码查看证照目录条目；不存在或无权查看时为空。")
    async def license_catalog_entry(self, info: Info, code: str) -> LicenseCatalogEntry | None:
        row = await info.context.loaders.catalog_entries_by_code.load(resolvers.check_code(code))
        return await entry_for(info, row)


# -- mutations ---------------------------------------------------------------------------------


@strawberry.input(description="证照字段的定义。")
class LicenseFieldInput:
    name: str = strawberry.field(description="字段名：小写字母开头的英文标识，如 businessItems。")
    label: str = strawberry.field(description="中文名称，如“经营项目”。")
    type: FieldType
    required: bool = True
    options: list[str] = strawberry.field(default_factory=list, description="选项字段的可选值。")

    def spec(self) -> FieldSpec:
        return FieldSpec(self.name, self.label, self.type, self.required, tuple(self.options))


@strawberry.input(description="证照有效期规则。")
class LicenseValidityInput:
    rule: ValidityRule
    term_months: int | None = None

    def validity(self) -> Validity:
        return Validity(self.rule, self.term_months)


@strawberry.input
class CreateLicenseCatalogEntryInput:
    code: str = strawberry.field(description="目录代码：2到8位大写字母或数字，以字母开头。")
    name: str
    holder_kind: HolderKind
    fields: list[LicenseFieldInput]
    validity: LicenseValidityInput
    department_code: str | None = strawberry.field(
        default=None, description="发证部门（系统管理员填写；证照签发人为本部门）。"
    )
    reason: str = ""


@strawberry.input
class EditLicenseCatalogDraftInput:
    code: str
    name: str | None = None
    holder_kind: HolderKind | None = None
    fields: list[LicenseFieldInput] | None = None
    validity: LicenseValidityInput | None = None


@strawberry.input(description="证照目录的一步（注册、废置），须写明理由。")
class LicenseCatalogStepInput:
    code: str
    reason: str


@strawberry.input(description="审核已注册的证照目录：通过即发布，不通过退回编目。")
class ReviewLicenseCatalogEntryInput:
    code: str
    approve: bool
    reason: str


@strawberry.input(description="变更已发布的证照目录：生成新版本，已签发的证照保留原版本。")
class ChangeLicenseCatalogEntryInput:
    code: str
    reason: str
    name: str | None = None
    fields: list[LicenseFieldInput] | None = None
    validity: LicenseValidityInput | None = None


@declare(Access.PER_PRINCIPAL, Domain.LICENSES)
@strawberry.type
class LicenseCatalogEntryPayload:
    errors: list[UserError]
    entry: LicenseCatalogEntry | None = None


async def _payload(
    info: Info, run: Callable[[], Awaitable[Outcome[Any]]]
) -> LicenseCatalogEntryPayload:
    entry, errors = await perform(info.context, run)
    if entry is None:
        return LicenseCatalogEntryPayload(errors=errors)
    row = await info.context.loaders.catalog_entries_by_code.load(entry.code)
    return LicenseCatalogEntryPayload(errors=[], entry=LicenseCatalogEntry.from_row(row))  # type: ignore[arg-type]


def _specs(fields: list[LicenseFieldInput] | None) -> list[FieldSpec] | None:
    return None if fields is None else [f.spec() for f in fields]


@root(Access.PER_PRINCIPAL)
@strawberry.type
class LicenseCatalogMutation:
    @strawberry.mutation(description="编目：新建证照目录条目（本部门证照签发人或系统管理员）。")
    async def create_license_catalog_entry(
        self, info: Info, input: CreateLicenseCatalogEntryInput
    ) -> LicenseCatalogEntryPayload:
        return await _payload(
            info,
            lambda: resolvers.create_entry.outcome(
                info.context.principal,
                code=input.code,
                name=input.name,
                department_code=input.department_code,
                holder_kind=input.holder_kind,
                field_list=[f.spec() for f in input.fields],
                validity=input.validity.validity(),
                reason=input.reason,
                ip=info.context.client_ip,
            ),
        )

    @strawberry.mutation(description="修改编目状态的证照目录条目。")
    async def edit_license_catalog_draft(
        self, info: Info, input: EditLicenseCatalogDraftInput
    ) -> LicenseCatalogEntryPayload:
        return await _payload(
            info,
            lambda: resolvers.edit_draft.outcome(
                info.context.principal,
                input.code,
                name=input.name,
                holder_kind=input.holder_kind,
                field_list=_specs(input.fields),
                validity=input.validity.validity() if input.validity else None,
            ),
        )

    @strawberry.mutation(description="注册：编目完成，提交系统管理员审核。")
    async def register_license_catalog_entry(
        self, info: Info, input: LicenseCatalogStepInput
    ) -> LicenseCatalogEntryPayload:
        return await _step(info, input.code, CatalogState.REGISTERED, input.reason)

    @strawberry.mutation(description="审核（系统管理员）：通过则发布，不通过退回编目。")
    async def review_license_catalog_entry(
        self, info: Info, input: ReviewLicenseCatalogEntryInput
    ) -> LicenseCatalogEntryPayload:
        to = CatalogState.PUBLISHED if input.approve else CatalogState.DRAFT
        return await _step(info, input.code, to, input.reason)

    @strawberry.mutation(description="变更（系统管理员）：生成新版本，已签发证照保留原版本。")
    async def change_license_catalog_entry(
        self, info: Info, input: ChangeLicenseCatalogEntryInput
    ) -> LicenseCatalogEntryPayload:
        if input.name is None and input.fields is None and input.validity is None:
            error = InvalidInput("请填写要变更的名称、字段或有效期规则", field="fields")
            return LicenseCatalogEntryPayload(errors=[UserError.from_error(error)])
        return await _step(
            info,
            input.code,
            CatalogState.CHANGED,
            input.reason,
            name=input.name,
            field_list=_specs(input.fields),
            validity=input.validity.validity() if input.validity else None,
        )

    @strawberry.mutation(description="废置（系统管理员）：不再签发，已签发的证照不受影响。")
    async def abolish_license_catalog_entry(
        self, info: Info, input: LicenseCatalogStepInput
    ) -> LicenseCatalogEntryPayload:
        return await _step(info, input.code, CatalogState.ABOLISHED, input.reason)


async def _step(
    info: Info,
    code: str,
    to: CatalogState,
    reason: str,
    *,
    name: str | None = None,
    field_list: list[FieldSpec] | None = None,
    validity: Validity | None = None,
) -> LicenseCatalogEntryPayload:
    return await _payload(
        info,
        lambda: resolvers.move.outcome(
            info.context.principal,
            code,
            to,
            reason=reason,
            name=name,
            field_list=field_list,
            validity=validity,
            ip=info.context.client_ip,
        ),
    )
