"""The e-licence catalogue's lifecycle in the schema (LIC-1): create and edit a draft,
register, review, change and abolish, as thin adapters over ``resolvers/license_catalog.py``."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import strawberry

from servicehall.errors import InvalidInput
from servicehall.resolvers import license_catalog as resolvers
from servicehall.resolvers.enums import CatalogState, FieldType, HolderKind, ValidityRule
from servicehall.resolvers.license_fields import FieldSpec, Validity
from servicehall.resolvers.outcome import Outcome
from servicehall.schema.context import Info
from servicehall.schema.errors import UserError, respond
from servicehall.schema.license_catalog import LicenseCatalogEntry
from servicehall.schema.policy import Access, Domain, declare, root


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


async def _entry(info: Info, entry: Any) -> LicenseCatalogEntryPayload:
    row = await info.context.loaders.catalog_entries_by_code.load(entry.code)
    return LicenseCatalogEntryPayload(errors=[], entry=LicenseCatalogEntry.from_row(row))  # type: ignore[arg-type]


async def _payload(
    info: Info, run: Callable[[], Awaitable[Outcome[Any]]]
) -> LicenseCatalogEntryPayload:
    return await respond(
        info.context, run, LicenseCatalogEntryPayload, lambda entry: _entry(info, entry)
    )


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
