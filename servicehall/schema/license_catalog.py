"""The e-licence catalogue (证照目录, LIC-1) in the schema: entries, their versions and
recorded history, and the ``licenseCatalog`` search; the lifecycle's mutations are
``license_catalog_mutations.py``."""

from __future__ import annotations

from datetime import datetime
from typing import Self

import strawberry

from servicehall.loaders import Row
from servicehall.resolvers import license_catalog as resolvers
from servicehall.resolvers import license_catalog_reads
from servicehall.resolvers.enums import CatalogState, FieldType, HolderKind, ValidityRule
from servicehall.resolvers.license_fields import FieldSpec
from servicehall.schema.common import Connection, Labelled, labelled, local_time
from servicehall.schema.context import Info
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
