"""``verifyLicense`` (LIC-4): is a scanned licence genuine, unaltered, on record, not
revoked and valid today? Public: the token itself is what a verifier holds, and the answer
says which check failed. Nothing is cached, so a revocation or an expiry shows at once.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Self

import strawberry

from servicehall.clock import local_today
from servicehall.numbering import format_license_number
from servicehall.resolvers import license_signing as signing
from servicehall.resolvers import licenses as resolvers
from servicehall.resolvers.enums import CheckOutcome, HolderKind, LicenseStatus, VerificationCheck
from servicehall.schema.common import Labelled, labelled
from servicehall.schema.context import Info
from servicehall.schema.licenses import LicenseFieldValue, field_values
from servicehall.schema.policy import Access, Domain, declare, root

strawberry.enum(
    VerificationCheck, name="LicenseVerificationCheck", description="证照核验的检查项。"
)
strawberry.enum(CheckOutcome, name="LicenseCheckOutcome", description="检查结果。")


@declare(Access.PER_PRINCIPAL, Domain.LICENSES)
@strawberry.type(description="一项检查及其结果。")
class LicenseCheck:
    check: Labelled[VerificationCheck]
    outcome: Labelled[CheckOutcome]
    message: str


@declare(Access.PER_PRINCIPAL, Domain.LICENSES)
@strawberry.type(description="签名数据中的证照信息（签名验证通过后才给出）。")
class SignedLicenseData:
    license_number: str
    formatted_license_number: str
    name: str
    catalog_code: str
    catalog_version: int
    holder_kind: Labelled[HolderKind]
    holder_name: str
    holder_code: str = strawberry.field(description="个人的身份证号码已部分隐藏。")
    issuer_name: str
    issued_on: date
    valid_from: date
    valid_until: date | None
    fields: list[LicenseFieldValue]

    @classmethod
    def from_claims(cls, claims: dict[str, Any], field_list: list[dict[str, Any]]) -> Self:
        until = claims.get("validUntil")
        data = {str(k): str(v) for k, v in (claims.get("fields") or {}).items()}
        known = {spec["name"] for spec in field_list}
        unknown = [
            {"name": k, "label": k, "type": "text", "required": False}
            for k in data
            if k not in known
        ]
        return cls(
            license_number=claims["licenseNumber"],
            formatted_license_number=format_license_number(claims["licenseNumber"]),
            name=str(claims.get("name", "")),
            catalog_code=str(claims.get("catalogCode", "")),
            catalog_version=int(claims.get("catalogVersion", 0)),
            holder_kind=labelled(HolderKind(claims.get("holderKind", "enterprise"))),
            holder_name=str(claims.get("holderName", "")),
            holder_code=str(claims.get("holderCode", "")),
            issuer_name=str(claims.get("issuerName", "")),
            issued_on=date.fromisoformat(claims["issuedOn"]),
            valid_from=date.fromisoformat(claims["validFrom"]),
            valid_until=date.fromisoformat(until) if until else None,
            fields=field_values([*field_list, *unknown], data),
        )


@declare(Access.PER_PRINCIPAL, Domain.LICENSES)
@strawberry.type(description="证照核验结果（LIC-4）。")
class LicenseVerification:
    valid: bool = strawberry.field(description="全部检查通过。")
    failed_check: Labelled[VerificationCheck] | None = strawberry.field(
        description="未通过的检查项；全部通过时为空。"
    )
    message: str
    checks: list[LicenseCheck] = strawberry.field(description="各项检查，按执行顺序。")
    key_id: str | None = strawberry.field(description="签名密钥的 kid。")
    status: Labelled[LicenseStatus] | None = strawberry.field(
        description="证照库中的当前状态（找到证照时）。"
    )
    data: SignedLicenseData | None = strawberry.field(
        description="签名数据中的证照信息（签名有效且数据可读时）。"
    )


# a verification must show a revocation at once, never a shared earlier answer
@root(Access.PER_PRINCIPAL)
@strawberry.type
class LicenseVerificationQuery:
    @strawberry.field(
        description="核验电子证照二维码数据（LIC-4）：格式、签名密钥、电子签名、证照库记录、"
        "数据一致、状态、有效期，逐项给出结果。任何人可用；结果不缓存。"
    )
    async def verify_license(self, info: Info, token: str) -> LicenseVerification:
        today = local_today()
        result = await signing.verify(info.context.auth.license_keys, token, today)
        failed = result.failed
        row = result.row
        data = None
        if result.claims is not None:
            try:
                data = SignedLicenseData.from_claims(
                    result.claims, row["field_list"] if row else []
                )
            except (KeyError, TypeError, ValueError):
                data = None  # signed by us, so well-formed; stay safe for odd old formats
        return LicenseVerification(
            valid=failed is None,
            failed_check=labelled(failed.check) if failed else None,
            message=failed.message if failed else "证照真实有效：电子签名有效，数据未被篡改。",
            checks=[
                LicenseCheck(
                    check=labelled(step.check), outcome=labelled(step.outcome), message=step.message
                )
                for step in result.steps
            ],
            key_id=result.key_id,
            status=labelled(resolvers.current_status(row["status"], row["valid_until"], today))
            if row
            else None,
            data=data,
        )
