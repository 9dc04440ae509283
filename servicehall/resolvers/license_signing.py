"""Signed e-licences (LIC-4, 电子签名法): the canonical form of a licence, its signature at
issue, verification that says which check failed, and signing again when a key is
withdrawn.

The token (the QR payload) is a JWS in compact serialisation (RFC 7515) signed with the
hall's licence key (RFC 9864's ``Ed25519``), protected header
``{"alg": "Ed25519", "kid": "<licence key id>", "typ": "license+jws"}``. Its payload is the
canonical form of the licence: UTF-8 JSON, keys sorted, no insignificant whitespace,
strings and integers only::

    {"catalogCode": "SPJY", "catalogVersion": 2, "fields": {"<name>": "<value>", ...},
     "format": 1, "holderCode": "9144...", "holderKind": "enterprise", "holderName": "...",
     "issuedOn": "2026-03-02", "issuerCode": "SCJG", "issuerName": "...",
     "licenseNumber": "SPJY4404032026000001T", "name": "食品经营许可证",
     "validFrom": "2026-03-02", "validUntil": "2031-03-01"}

``validUntil`` is null for a long-term licence; a person's ``holderCode`` is masked
(``4404**********1234``) so a scanned code does not hand out an ID number.

Offline, anyone verifies a token with the published key set
(``/.well-known/license-keys.json``) and any JOSE library; :func:`verify` adds what only
the library knows, read at the moment of the check: the licence is on record, its data
equals the token's, it is not revoked and today is within its validity.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import orjson
from joserfc import jws
from joserfc.errors import JoseError
from tortoise.transactions import in_transaction

from servicehall import db
from servicehall.auth.accounts import require_admin
from servicehall.auth.keys import LICENSES, KeyStore
from servicehall.auth.principal import Principal
from servicehall.clock import LOCAL_TZ
from servicehall.codes import mask_id_number
from servicehall.loaders.base import Row
from servicehall.loaders.licenses import load_licenses_by_number
from servicehall.models import (
    AuditEvent,
    CheckOutcome,
    HolderKind,
    License,
    LicenseStatus,
    VerificationCheck,
)
from servicehall.numbering import format_license_number
from servicehall.resolvers.outcome import Outcome, outcome

FORMAT = 1
TYP = "license+jws"
ALGORITHMS = ["Ed25519"]
MAX_TOKEN = 8192

C = VerificationCheck


def canonical_claims(row: Row) -> dict[str, Any]:
    """The signed data of a licence row (as the licence loader reads it)."""
    person = row["holder_kind"] == HolderKind.PERSON.value
    until = row["valid_until"]
    return {
        "format": FORMAT,
        "licenseNumber": row["license_number"],
        "catalogCode": row["catalog_code"],
        "catalogVersion": int(row["catalog_version"]),
        "name": row["license_name"],
        "holderKind": row["holder_kind"],
        "holderName": row["holder_name"],
        "holderCode": mask_id_number(row["holder_code"]) if person else row["holder_code"],
        "issuerCode": row["department_code"],
        "issuerName": row["department_name"],
        "issuedOn": row["issued_on"].isoformat(),
        "validFrom": row["valid_from"].isoformat(),
        "validUntil": None if until is None else until.isoformat(),
        "fields": {str(k): str(v) for k, v in sorted(row["data"].items())},
    }


def canonical_bytes(claims: dict[str, Any]) -> bytes:
    return orjson.dumps(claims, option=orjson.OPT_SORT_KEYS)


async def sign(keys: KeyStore, claims: dict[str, Any]) -> tuple[str, str]:
    """The token of ``claims`` and the id of the key that signed it."""
    key = await keys.signing_key()
    kid = str(key.kid)
    header = {"alg": ALGORITHMS[0], "kid": kid, "typ": TYP}
    token = jws.serialize_compact(header, canonical_bytes(claims), key, algorithms=ALGORITHMS)
    return token, kid


@dataclass(frozen=True, slots=True)
class Step:
    check: VerificationCheck
    outcome: CheckOutcome
    message: str


@dataclass(slots=True)
class Verification:
    steps: list[Step] = field(default_factory=list)
    #: The token's data, once its signature is proven.
    claims: dict[str, Any] | None = None
    key_id: str | None = None
    #: The licence on record, once found.
    row: Row | None = None

    @property
    def failed(self) -> Step | None:
        return next((s for s in self.steps if s.outcome is CheckOutcome.FAILED), None)

    @property
    def valid(self) -> bool:
        return self.failed is None

    def passed(self, check: VerificationCheck, message: str) -> None:
        self.steps.append(Step(check, CheckOutcome.PASSED, message))

    def fail(self, check: VerificationCheck, message: str) -> Verification:
        self.steps.append(Step(check, CheckOutcome.FAILED, message))
        done = {s.check for s in self.steps}
        self.steps += [
            Step(c, CheckOutcome.SKIPPED, "前一项未通过，未检查") for c in C if c not in done
        ]
        return self


def _header(token: str) -> dict[str, Any] | None:
    head = token.split(".", 1)[0]
    try:
        value = orjson.loads(base64.urlsafe_b64decode(head + "=" * (-len(head) % 4)))
    except (binascii.Error, ValueError):
        return None
    return value if isinstance(value, dict) else None


async def verify(keys: KeyStore, token: str, today: date) -> Verification:
    """Every check in order; the first that fails ends the run (the rest are skipped)."""
    result = Verification()
    token = "".join(token.split())
    header = _header(token) if len(token) <= MAX_TOKEN and token.count(".") == 2 else None
    if header is None or header.get("typ") != TYP or header.get("alg") not in ALGORITHMS:
        return result.fail(C.FORMAT, "不是本大厅签发的电子证照二维码数据")
    result.passed(C.FORMAT, "格式正确")
    kid = header.get("kid")
    published = await keys.public_keys(refresh_for=kid if isinstance(kid, str) else None)
    if not isinstance(kid, str) or not any(key.kid == kid for key in published.keys):
        return result.fail(C.KEY, "签名密钥未公布或已撤回")
    result.key_id = kid
    result.passed(C.KEY, f"签名密钥 {kid}")
    try:
        signed = jws.deserialize_compact(token, published, algorithms=ALGORITHMS)
        claims = orjson.loads(signed.payload)
    except (JoseError, ValueError):
        return result.fail(C.SIGNATURE, "电子签名验证失败：数据已被篡改或并非本大厅签发")
    if not isinstance(claims, dict) or not isinstance(claims.get("licenseNumber"), str):
        return result.fail(C.SIGNATURE, "签名数据不完整")
    result.claims = claims
    result.passed(C.SIGNATURE, "电子签名有效")
    number = claims["licenseNumber"]
    (row,) = await load_licenses_by_number([number[:32]])
    if row is None:
        return result.fail(C.RECORD, "证照库中没有该证照")
    result.row = row
    result.passed(C.RECORD, f"证照编号 {format_license_number(number)}")
    if canonical_bytes(canonical_claims(row)) != canonical_bytes(claims):
        return result.fail(C.DATA, "二维码中的数据与证照库记录不一致")
    result.passed(C.DATA, "数据与证照库记录一致")
    if row["status"] == LicenseStatus.REVOKED.value:
        revoked = row["revoked_at"]
        when = f"于{revoked.astimezone(LOCAL_TZ).date().isoformat()}" if revoked else ""
        return result.fail(C.STATUS, f"证照已{when}撤销")
    result.passed(C.STATUS, "证照未撤销")
    until = row["valid_until"]
    if row["valid_from"] > today:
        return result.fail(C.VALIDITY, f"证照自{row['valid_from'].isoformat()}起生效，尚未生效")
    if until is not None and until < today:
        return result.fail(C.VALIDITY, f"证照已于{until.isoformat()}过期")
    result.passed(C.VALIDITY, "在有效期内" if until else "长期有效")
    return result


# -- withdrawing a key -------------------------------------------------------------------------


async def withdraw_key(principal: Principal, keys: KeyStore, key_id: str) -> Outcome[int]:
    """The operator unpublishes a retired key; licences it signed are signed again with
    the current key (how many)."""
    actor = require_admin(principal).identity
    await keys.withdraw(key_id)
    await AuditEvent.record(
        "key.withdrawn", actor=actor, target=f"key:{key_id}", purpose=keys.purpose.name
    )
    if keys.purpose is not LICENSES:
        return outcome(0)
    return outcome(await resign_licenses(keys, key_id, actor=actor))


async def resign_licenses(keys: KeyStore, key_id: str, *, actor: str = "operator:cli") -> int:
    """Sign again, with the current key, every licence a (withdrawn) key signed."""
    numbers = await License.filter(key_id=key_id).values_list("license_number", flat=True)
    count = 0
    for start in range(0, len(numbers), 200):
        batch = [str(n) for n in numbers[start : start + 200]]
        rows = await load_licenses_by_number(batch)
        async with in_transaction(db.connection().connection_name):
            for row in rows:
                if row is None:
                    continue
                token, kid = await sign(keys, canonical_claims(row))
                await License.filter(id=row["id"]).update(token=token, key_id=kid)
                count += 1
    if count:
        await AuditEvent.record(
            "license.resigned", actor=actor, target=f"key:{key_id}", count=count
        )
    return count
