"""Issuing and revoking licences (LIC-3, LIC-4) and attaching one to a case (ENT-14)."""

from __future__ import annotations

from datetime import date

import strawberry

from servicehall.clock import local_today
from servicehall.resolvers import licenses as resolvers
from servicehall.schema.cases import Case
from servicehall.schema.context import Info
from servicehall.schema.errors import UserError, respond
from servicehall.schema.licenses import License
from servicehall.schema.policy import Access, Domain, declare, root


@strawberry.input(description="证照的一项数据。")
class LicenseFieldValueInput:
    name: str = strawberry.field(description="字段名（目录中定义的英文标识）。")
    value: str


@strawberry.input(description="签发证照（发证部门的证照签发人）。")
class IssueLicenseInput:
    catalog_code: str
    holder_code: str = strawberry.field(description="统一社会信用代码或身份证号码。")
    holder_name: str = strawberry.field(
        default="", description="个人持证人的姓名；企业名称取自登记信息。"
    )
    valid_from: date | None = strawberry.field(default=None, description="默认签发当日。")
    valid_until: date | None = strawberry.field(
        default=None, description="有效期至：按目录的有效期规则，固定期限和长期有效的不填。"
    )
    fields: list[LicenseFieldValueInput]


@strawberry.input(description="撤销证照（发证部门的证照签发人），须写明理由。")
class RevokeLicenseInput:
    license_number: str
    reason: str


@strawberry.input(description="把本人（本企业）的证照添加为办件的申请材料（引用，不复制）。")
class AttachLicenseToCaseInput:
    case_number: str
    license_number: str


@declare(Access.PER_PRINCIPAL, Domain.LICENSES)
@strawberry.type
class LicensePayload:
    errors: list[UserError]
    license: License | None = None


@declare(Access.PER_PRINCIPAL, Domain.LICENSES)
@strawberry.type
class AttachLicensePayload:
    errors: list[UserError]
    case: Case | None = None
    license: License | None = None


async def _license(info: Info, number: str) -> LicensePayload:
    row = await info.context.loaders.licenses_by_number.load(number)
    # The issuing department just wrote it: not a read to log.
    return LicensePayload(errors=[], license=License.from_row(row, holder=False))  # type: ignore[arg-type]


async def _attached(info: Info, numbers: tuple[str, str]) -> AttachLicensePayload:
    case_number, number = numbers
    case_row = await info.context.loaders.cases_by_number.load(case_number)
    row = await info.context.loaders.licenses_by_number.load(number)
    return AttachLicensePayload(
        errors=[],
        case=Case.from_row(case_row, masked=False),  # type: ignore[arg-type]
        license=License.from_row(row, holder=True),  # type: ignore[arg-type]
    )


@root(Access.PER_PRINCIPAL)
@strawberry.type
class LicenseMutation:
    @strawberry.mutation(description="签发电子证照并加盖电子签名（LIC-3、LIC-4）。")
    async def issue_license(self, info: Info, input: IssueLicenseInput) -> LicensePayload:
        context = info.context
        return await respond(
            context,
            lambda: resolvers.issue_license.outcome(
                context.principal,
                context.auth.license_keys,
                catalog_code=input.catalog_code,
                holder_code=input.holder_code,
                holder_name=input.holder_name,
                valid_from=input.valid_from,
                valid_until=input.valid_until,
                values={f.name.strip(): f.value for f in input.fields},
                today=local_today(),
                ip=context.client_ip,
            ),
            LicensePayload,
            lambda number: _license(info, number),
        )

    @strawberry.mutation(description="撤销证照，核验立即显示已撤销（LIC-3）。")
    async def revoke_license(self, info: Info, input: RevokeLicenseInput) -> LicensePayload:
        context = info.context
        return await respond(
            context,
            lambda: resolvers.revoke_license.outcome(
                context.principal, input.license_number, reason=input.reason, ip=context.client_ip
            ),
            LicensePayload,
            lambda found: _license(info, found.license_number),
        )

    @strawberry.mutation(description="把证照添加为本人办件的申请材料（ENT-14）；重复添加不变。")
    async def attach_license_to_case(
        self, info: Info, input: AttachLicenseToCaseInput
    ) -> AttachLicensePayload:
        context = info.context
        return await respond(
            context,
            lambda: resolvers.attach_own_license(
                context.principal,
                case_number=input.case_number,
                license_number=input.license_number,
                today=local_today(),
            ),
            AttachLicensePayload,
            lambda numbers: _attached(info, numbers),
        )
