"""E-licences (LIC-3, ENT-14) in the schema: the ``License`` entity and every way to read one.

Each way (``license``, ``holderLicenses``, ``_entities``, ``Case.licenses``) goes through
:func:`read_license`: the holder reads freely; anyone else needs a basis and a reason (see
``resolvers/license_access.py``) and the read is logged before the data leaves. Entity
resolution takes its reason from the request, since a representation carries only the
key: the ``X-Case-Number`` header, or ``X-Access-Purpose`` (UTF-8, percent-encoded).
"""

from __future__ import annotations

import asyncio
from datetime import date, datetime
from typing import Any, Self

import strawberry

from servicehall.clock import local_today
from servicehall.errors import Forbidden, Unauthenticated
from servicehall.loaders import Row
from servicehall.numbering import format_case_number, format_license_number, parse_license_number
from servicehall.resolvers import license_access, licenses
from servicehall.resolvers.enums import AccessBasis, FieldType, HolderKind, LicenseStatus
from servicehall.resolvers.license_access import Why
from servicehall.resolvers.license_fields import FieldSpec
from servicehall.schema.common import Connection, Labelled, labelled, local_time
from servicehall.schema.context import Context, Info
from servicehall.schema.items import Department
from servicehall.schema.license_access import (
    log_read,
    own_holder_code,
    parse_holder_code,
    reads_for_a_department,
    why_of,
)
from servicehall.schema.license_catalog import LicenseCatalogEntry
from servicehall.schema.permissions import limit_lookups, refused
from servicehall.schema.policy import Access, Domain, declare, root

strawberry.enum(LicenseStatus, description="证照状态：有效、已过期、已撤销。")
strawberry.enum(AccessBasis, name="LicenseAccessBasis", description="他人查阅证照的依据。")


@declare(Access.PRIVATE, Domain.LICENSES)
@strawberry.type(description="证照的一项数据。")
class LicenseFieldValue:
    name: str
    label: str
    type: Labelled[FieldType]
    value: str


def field_values(field_list: list[dict[str, Any]], data: dict[str, str]) -> list[LicenseFieldValue]:
    """The values in the order of the version's field list (optional empty ones left out)."""
    result = []
    for raw in field_list:
        spec = FieldSpec.from_json(raw)
        if spec.name in data:
            result.append(
                LicenseFieldValue(
                    name=spec.name,
                    label=spec.label,
                    type=labelled(spec.type),
                    value=data[spec.name],
                )
            )
    return result


@declare(Access.PRIVATE, Domain.LICENSES)
@strawberry.type(description="他人查阅本证照的一条记录（LIC-3）：谁、哪个部门、为何、何时。")
class LicenseAccessRecord:
    at: datetime
    reader: str = strawberry.field(description="查阅人（工作人员姓名或部门系统名称）。")
    department_code: str
    department_name: str
    case_number: str | None = strawberry.field(description="查阅所办理的办件编号。")
    purpose: str | None = strawberry.field(description="说明的查阅目的。")
    basis: Labelled[AccessBasis]

    @classmethod
    def from_row(cls, row: Row) -> Self:
        number = row["case_number"]
        return cls(
            at=local_time(row["at"]),  # type: ignore[arg-type]
            reader=row["actor_name"],
            department_code=row["department_code"],
            department_name=row["department_name"],
            case_number=format_case_number(number) if number else None,
            purpose=row["purpose"] or None,
            basis=labelled(AccessBasis(row["basis"])),
        )


@declare(Access.PRIVATE, Domain.LICENSES)
@strawberry.federation.type(keys=["licenseNumber"], description="电子证照（LIC-3、LIC-4）。")
class License:
    row_id: strawberry.Private[int]
    entry_id: strawberry.Private[int]
    department_id: strawberry.Private[int]
    #: Is the reader the holder (only the holder sees the access log)?
    holder: strawberry.Private[bool]
    field_list: strawberry.Private[list[dict[str, Any]]]
    data: strawberry.Private[dict[str, str]]
    license_number: str = strawberry.field(description="证照编号（含校验位）。")
    name: str = strawberry.field(description="证照名称（签发时目录版本的名称）。")
    catalog_code: str
    catalog_version: int = strawberry.field(description="签发时的目录版本。")
    holder_kind: Labelled[HolderKind]
    holder_name: str
    holder_code: str = strawberry.field(description="统一社会信用代码或身份证号码。")
    issued_by: str = strawberry.field(description="签发人。")
    issued_on: date
    valid_from: date
    valid_until: date | None = strawberry.field(description="有效期至（含当日）；为空表示长期。")
    status: Labelled[LicenseStatus] = strawberry.field(description="按今天计算的状态。")
    expiring: bool = strawberry.field(description="有效且在90天内到期。")
    revoked_at: datetime | None
    revoke_reason: str | None
    token: str = strawberry.field(
        description="签名数据（二维码内容）：JWS，可凭 /.well-known/license-keys.json 离线验证。"
    )
    key_id: str = strawberry.field(description="签名密钥的 kid。")

    @classmethod
    def from_row(cls, row: Row, *, holder: bool) -> Self:
        today = local_today()
        return cls(
            row_id=row["id"],
            entry_id=row["entry_id"],
            department_id=row["department_id"],
            holder=holder,
            field_list=row["field_list"],
            data=row["data"],
            license_number=row["license_number"],
            name=row["license_name"],
            catalog_code=row["catalog_code"],
            catalog_version=int(row["catalog_version"]),
            holder_kind=labelled(HolderKind(row["holder_kind"])),
            holder_name=row["holder_name"],
            holder_code=row["holder_code"],
            issued_by=row["issuer_name"],
            issued_on=row["issued_on"],
            valid_from=row["valid_from"],
            valid_until=row["valid_until"],
            status=labelled(licenses.current_status(row["status"], row["valid_until"], today)),
            expiring=licenses.is_expiring(row["status"], row["valid_until"], today),
            revoked_at=local_time(row["revoked_at"]),
            revoke_reason=row["revoke_reason"] or None,
            token=row["token"],
            key_id=row["key_id"],
        )

    @classmethod
    async def resolve_reference(cls, info: Info, licenseNumber: str) -> License | None:  # noqa: N803
        """Another hall or a department system resolving ``License`` by number: the holder,
        or a reader with a basis, its reason in the request headers (logged)."""
        context = info.context
        number = parse_license_number(licenseNumber)
        return await lookup_license(context, number, why_of(context, None, None))

    @strawberry.field(description="证照编号的书写形式，如 SPJY-440403-2026-000123-9。")
    def formatted_license_number(self) -> str:
        return format_license_number(self.license_number)

    @strawberry.field(description="证照数据，按签发时目录版本的字段顺序。")
    def fields(self) -> list[LicenseFieldValue]:
        return field_values(self.field_list, self.data)

    @strawberry.field(description="证照目录条目。")
    async def catalog_entry(self, info: Info) -> LicenseCatalogEntry:
        row = await info.context.loaders.catalog_entries_by_id.load(self.entry_id)
        return LicenseCatalogEntry.from_row(row)  # type: ignore[arg-type]  # FK guarantees it

    @strawberry.field(description="发证部门。")
    async def issuing_department(self, info: Info) -> Department:
        row = await info.context.loaders.departments_by_id.load(self.department_id)
        return Department.from_row(row)  # type: ignore[arg-type]  # FK guarantees it

    @strawberry.field(
        description="他人查阅本证照的记录，最新在前（仅持证人可见；数据追踪，LIC-3）。"
    )
    async def access_log(
        self, info: Info, first: int = 20, after: str | None = None
    ) -> Connection[LicenseAccessRecord] | None:
        if not self.holder:
            target = f"license:{self.license_number}"
            await refused(info.context, "read.refused", target, field="License.accessLog")
            raise Forbidden("仅持证人可以查看证照的查阅记录")
        page = await license_access.access_log(self.row_id, first=first, after=after)
        return Connection.build(
            [
                (c, LicenseAccessRecord.from_row(r))
                for c, r in zip(page.cursors, page.rows, strict=True)
            ],
            has_next=page.has_next,
            after=after,
            total=page.total,
        )


# -- reading ---------------------------------------------------------------------------------


async def read_license(context: Context, row: Row, why: Why) -> License:
    """The licence for its holder, or for a reader with a basis and a reason (logged
    before it is returned); otherwise a typed refusal."""
    principal = context.principal
    if principal.is_anonymous:
        raise Unauthenticated("请先登录")
    own = await own_holder_code(context)
    if own is not None and own == row["holder_code"]:
        return License.from_row(row, holder=True)
    department = license_access.reader_department(principal)
    license_access.require_why(why)
    case_department: str | None = None
    attached = False
    if why.case_number is not None:
        case = await context.loaders.cases_by_number.load(why.case_number)
        if case is None or case["department_code"] != department:
            raise Forbidden("所填办件不存在或不属于本部门", field="caseNumber")
        case_department = case["department_code"]
        attached = any(
            r["id"] == row["id"] for r in await context.loaders.case_licenses.load(case["id"])
        )
    granted = await context.loaders.granted_entries.load(department)
    basis = license_access.read_basis(
        principal, row, granted=granted, case_department=case_department, attached=attached
    )
    await log_read(context, row, why, basis, department)
    return License.from_row(row, holder=False)


async def lookup_license(context: Context, number: str, why: Why) -> License | None:
    """The licence ``number`` by number (``license`` and ``_entities``).

    F11: whoever may not read it gets null, exactly as for a number that does not exist:
    anonymous callers are asked to sign in and readers to give their reason before the
    licence is looked up, and every null counts against the lookup limit shared with the
    case lookups (``RATE_LIMITED`` past it). A refused read is audited (F16).
    """
    principal = context.principal
    if principal.is_anonymous:
        raise Unauthenticated("请先登录")
    if await own_holder_code(context) is None and reads_for_a_department(principal):
        license_access.require_why(why)
    row = await context.loaders.licenses_by_number.load(number)
    if row is not None:
        try:
            return await read_license(context, row, why)
        except Forbidden:
            pass
    await limit_lookups(context)
    if row is not None:
        await refused(context, "license.read_refused", f"license:{number}")
    return None


async def read_all(context: Context, rows: list[Row], why: Why) -> list[License]:
    """Those of ``rows`` the reader may read (refusals left out), read together so every
    loader batches; any other failure (no reason given) is raised."""
    outcomes = await asyncio.gather(
        *(read_license(context, row, why) for row in rows), return_exceptions=True
    )
    result = []
    for outcome in outcomes:
        if isinstance(outcome, Forbidden):
            continue
        if isinstance(outcome, BaseException):
            raise outcome
        result.append(outcome)
    return result


async def viewer_licenses(info: Info) -> list[License]:
    """The signed-in person's or enterprise's own licences, newest first."""
    code = await own_holder_code(info.context)
    if code is None:
        return []
    rows = await info.context.loaders.licenses_of_holders.load(code)
    return [License.from_row(row, holder=True) for row in rows]


async def enterprise_licenses(root: strawberry.Parent[Any], info: Info) -> list[License] | None:
    rows = await info.context.loaders.licenses_of_holders.load(root.credit_code)
    return [License.from_row(row, holder=True) for row in rows]


async def case_licenses(root: strawberry.Parent[Any], info: Info) -> list[License] | None:
    """Licences attached to a case: read by its applicant, or by the handling department
    for this case (logged with the case number)."""
    if root.masked:
        raise Forbidden("凭办件编号查询进度时不显示证照材料")
    rows = await info.context.loaders.case_licenses.load(root.row_id)
    return await read_all(info.context, rows, Why(case_number=root.case_number))


# licences show to their holder, or to a reader whose every read is logged (SEC-4)
@root(Access.PRIVATE)
@strawberry.type
class LicenseQuery:
    @strawberry.field(
        description="按证照编号查看证照（LIC-3）：持证人本人；他人须有依据（发证部门、授权、"
        "本部门办件材料）并说明事由（办件编号或查阅目的），每次查阅留痕并告知持证人。"
        "不存在或无权查看时同为空，并计入查询限频。"
    )
    async def license(
        self,
        info: Info,
        license_number: str,
        case_number: str | None = None,
        purpose: str | None = None,
    ) -> License | None:
        context = info.context
        number = parse_license_number(license_number)
        return await lookup_license(context, number, why_of(context, case_number, purpose))

    @strawberry.field(
        description="某持证人的证照中本部门可查阅的部分（部门工作人员、有 licenses:read 权限的"
        "部门系统），须说明事由，每张留痕。"
    )
    async def holder_licenses(
        self,
        info: Info,
        holder_code: str,
        case_number: str | None = None,
        purpose: str | None = None,
    ) -> list[License]:
        context = info.context
        code = parse_holder_code(holder_code)
        why = why_of(context, case_number, purpose)
        if context.principal.is_anonymous:
            raise Unauthenticated("请先登录")
        if code != await own_holder_code(context):
            license_access.reader_department(context.principal)
            license_access.require_why(why)
        rows = await context.loaders.licenses_of_holders.load(code)
        return await read_all(context, rows, why)
