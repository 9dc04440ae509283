"""Licences (LIC-3, ENT-14): their status, issuing and revoking them on the workflow
engine, and a licence attached to a case as application material.

Who else may read a licence, and why, is ``license_access.py``; the signature and a key's
withdrawal are ``license_signing.py``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from tortoise.transactions import in_transaction

from servicehall import clock, db, workflow
from servicehall.auth.accounts import signed_in_account
from servicehall.auth.keys import KeyStore
from servicehall.auth.principal import Principal, PrincipalKind
from servicehall.codes import parse_credit_code, parse_id_number
from servicehall.errors import (
    CaseClosed,
    Forbidden,
    InvalidInput,
    LicenseExpired,
    LicenseRevoked,
    NotFound,
)
from servicehall.loaders.base import Row
from servicehall.models import (
    AuditEvent,
    Case,
    CaseLicense,
    Enterprise,
    HolderKind,
    License,
    LicenseCatalogVersion,
    LicenseStatus,
    StaffRole,
)
from servicehall.models.cases import FINISHED
from servicehall.numbering import make_license_number, parse_case_number, parse_license_number
from servicehall.resolvers import cases
from servicehall.resolvers.license_access import holder_code_of
from servicehall.resolvers.license_catalog import ISSUABLE, actor_of, entry_by_code
from servicehall.resolvers.license_fields import Validity, check_values, validity_of
from servicehall.resolvers.license_signing import canonical_claims, sign
from servicehall.resolvers.outcome import Outcome, outcome, stepped
from servicehall.workflow import (
    Action,
    AllOf,
    Announce,
    HasRole,
    Need,
    Needs,
    Process,
    SameDepartment,
    State,
)

#: Licences ending within this many days show as expiring (and become reminders).
EXPIRING_WITHIN = timedelta(days=90)
#: How far the start of validity may lie before or after the day of issue.
BACKDATE = timedelta(days=30)
AHEAD = timedelta(days=90)


def current_status(status: str, valid_until: date | None, today: date) -> LicenseStatus:
    """Revoked, or expired once its last day has passed, or valid: read, not stored, so
    an expiry shows the moment it happens."""
    if status == LicenseStatus.REVOKED.value:
        return LicenseStatus.REVOKED
    if valid_until is not None and valid_until < today:
        return LicenseStatus.EXPIRED
    return LicenseStatus.VALID


def is_expiring(status: str, valid_until: date | None, today: date) -> bool:
    return (
        current_status(status, valid_until, today) is LicenseStatus.VALID
        and valid_until is not None
        and valid_until <= today + EXPIRING_WITHIN
    )


# -- issuing and revoking ---------------------------------------------------------------------

L = LicenseStatus
_CHANGED = (Announce("License", lambda licence: licence.license_number),)
#: A licence's life (LIC-3) on the workflow engine: issued valid, revoked by an issuer of its
#: own department with a reason. EXPIRED is derived when read and takes no step; revoking
#: twice (or meanwhile by someone else) is ``LICENSE_REVOKED``, as it always was.
PROCESS = Process(
    name="license",
    label="电子证照",
    model=License,
    state_field="status",
    noun="证照",
    field="licenseNumber",
    illegal=LicenseRevoked,
    conflict=LicenseRevoked,
    department=lambda licence: licence.department_id,
    states=(
        State(L.VALID, on_enter=_CHANGED),
        State(L.REVOKED, terminal=True, on_enter=_CHANGED),
        State(L.EXPIRED, terminal=True),
    ),
    actions=(
        Action(
            "revoke",
            "撤销",
            frozenset({L.VALID}),
            L.REVOKED,
            AllOf(
                HasRole(StaffRole.LICENSE_ISSUER.value),
                SameDepartment(lambda licence: licence.department.code),
            ),
            Needs(reason=Need("请填写理由", "reason")),
        ),
    ),
)


def require_issuer(principal: Principal, department_code: str) -> None:
    if (
        principal.kind is not PrincipalKind.STAFF
        or StaffRole.LICENSE_ISSUER.value not in principal.roles
    ):
        raise Forbidden("仅证照签发人可以签发或撤销证照")
    if principal.department_code != department_code:
        raise Forbidden("只能签发、撤销本部门的证照")


@dataclass(frozen=True, slots=True)
class Holder:
    kind: HolderKind
    code: str
    name: str
    enterprise_id: int | None = None


async def check_holder(kind: HolderKind, code: str, name: str) -> Holder:
    """An enterprise registered in the district, or a person with a valid ID number."""
    if kind is HolderKind.ENTERPRISE:
        credit_code = parse_credit_code(code, field="holderCode").value
        enterprise = await Enterprise.get_or_none(credit_code=credit_code)
        if enterprise is None:
            raise NotFound(f"企业“{credit_code}”未在本区登记", field="holderCode")
        return Holder(kind, credit_code, enterprise.name, enterprise.id)
    number = parse_id_number(code, field="holderCode")
    name = " ".join(name.split())
    if not 2 <= len(name) <= 64:
        raise InvalidInput("持证人姓名应为2到64个字", field="holderName")
    return Holder(kind, number, name)


async def _next_serial(key: str) -> int:
    q = db.Sql(db.dialect())
    rows = await db.fetch(
        f"INSERT INTO license_counter (key, last_serial) VALUES ({q.bind(key)}, 1) "
        "ON CONFLICT (key) DO UPDATE SET last_serial = license_counter.last_serial + 1 "
        "RETURNING last_serial",
        q.values,
    )
    return int(rows[0]["last_serial"])


@stepped
async def issue_license(
    principal: Principal,
    keys: KeyStore,
    *,
    catalog_code: str,
    holder_code: str,
    holder_name: str,
    valid_from: date | None,
    valid_until: date | None,
    values: dict[str, str],
    today: date,
    now: datetime | None = None,
    ip: str = "",
) -> Outcome[str]:
    """Issue and sign a licence under the entry's current version; its number."""
    now = now or clock.now()
    entry = await entry_by_code(catalog_code)
    require_issuer(principal, entry.department.code)
    actor = await actor_of(principal, ip=ip)
    if entry.state not in ISSUABLE:
        raise InvalidInput(
            f"证照目录“{entry.name}”当前为“{entry.state.label}”，不能签发", field="catalogCode"
        )
    version = await LicenseCatalogVersion.get(entry=entry, version=entry.version)
    holder = await check_holder(entry.holder_kind, holder_code, holder_name)
    start = valid_from or today
    if not today - BACKDATE <= start <= today + AHEAD:
        raise InvalidInput("有效期起始日期应在签发日前30天到后90天之间", field="validFrom")
    until = validity_of(Validity(version.validity_rule, version.term_months), start, valid_until)
    if until is not None and until < today:
        raise InvalidInput("不能签发已过期的证照", field="validUntil")
    data = check_values(version.field_list, values)
    issued_on = today
    async with in_transaction(db.connection().connection_name):
        serial = await _next_serial(f"{entry.code}:{issued_on.year}")
        number = make_license_number(entry.code, issued_on.year, serial)
        row: Row = {
            "license_number": number,
            "catalog_code": entry.code,
            "catalog_version": version.version,
            "license_name": version.name,
            "holder_kind": holder.kind.value,
            "holder_name": holder.name,
            "holder_code": holder.code,
            "department_code": entry.department.code,
            "department_name": entry.department.name,
            "issued_on": issued_on,
            "valid_from": start,
            "valid_until": until,
            "data": data,
        }
        token, kid = await sign(keys, canonical_claims(row))
        licence = await License.create(
            license_number=number,
            entry=entry,
            catalog_version=version,
            holder_kind=holder.kind,
            holder_code=holder.code,
            holder_name=holder.name,
            enterprise_id=holder.enterprise_id,
            department=entry.department,
            issued_by_id=actor.account_id,
            issuer_name=actor.name,
            issued_on=issued_on,
            valid_from=start,
            valid_until=until,
            status=LicenseStatus.VALID,
            data=data,
            token=token,
            key_id=kid,
            created_at=now,
        )
        role = StaffRole.LICENSE_ISSUER.value
        started = await workflow.start(PROCESS, licence, actor, role=role, now=now)
        await AuditEvent.record(
            "license.issued",
            actor=actor.identity,
            target=f"license:{number}",
            catalog=entry.code,
            version=version.version,
            holder=holder.code,
            key=kid,
        )
    return Outcome(number, started.changed)


async def license_by_number(number: str) -> License:
    found = await License.get_or_none(license_number=parse_license_number(number)).prefetch_related(
        "department"
    )
    if found is None:
        raise NotFound("证照不存在", field="licenseNumber")
    return found


@stepped
async def revoke_license(
    principal: Principal,
    number: str,
    *,
    reason: str,
    now: datetime | None = None,
    ip: str = "",
) -> Outcome[License]:
    """Revoke a valid (or expired) licence, with its reason; verification shows it at once."""
    found = await license_by_number(number)
    applied = await workflow.act(
        PROCESS,
        found,
        "revoke",
        principal,
        reason=reason,
        ip=ip,
        now=now,
        stamp=workflow.REVOKED,
        audit=workflow.Audit("license.revoked", f"license:{found.license_number}"),
    )
    return Outcome(await license_by_number(found.license_number), applied.changed)


# -- application material ---------------------------------------------------------------------


async def attach_license(
    principal: Principal,
    *,
    account_id: int | None,
    id_number: str | None,
    case_number: str,
    license_number: str,
    today: date,
) -> tuple[Case, License]:
    """The applicant attaches its own valid licence to its own case still in progress
    (a reference: the case reads the licence, nothing is copied). Attaching twice
    changes nothing."""
    case = await Case.get_or_none(case_number=parse_case_number(case_number))
    if case is None or not cases.is_applicant(principal, case, account_id):
        raise Forbidden("只能为本人（本企业）申办的办件添加材料", field="caseNumber")
    if case.stage in FINISHED:
        raise CaseClosed("办件已办结，不能再添加材料", field="caseNumber")
    found = await license_by_number(license_number)
    if found.holder_code != holder_code_of(principal, id_number):
        raise Forbidden("只能添加本人（本企业）持有的证照", field="licenseNumber")
    status = current_status(found.status.value, found.valid_until, today)
    if status is LicenseStatus.REVOKED:
        raise LicenseRevoked("该证照已撤销，不能作为申请材料", field="licenseNumber")
    if status is LicenseStatus.EXPIRED:
        raise LicenseExpired("该证照已过期，不能作为申请材料", field="licenseNumber")
    _, created = await CaseLicense.get_or_create(
        case=case, license=found, defaults={"attached_by_id": account_id}
    )
    if created:
        await AuditEvent.record(
            "case.license_attached",
            actor=principal.identity,
            target=f"case:{case.case_number}",
            license=found.license_number,
        )
    return case, found


async def attach_own_license(
    principal: Principal, *, case_number: str, license_number: str, today: date
) -> Outcome[tuple[str, str]]:
    """:func:`attach_license` for the signed-in applicant: the case and licence numbers."""
    account = await signed_in_account(principal)
    case, found = await attach_license(
        principal,
        account_id=account.id,
        id_number=account.id_number,
        case_number=case_number,
        license_number=license_number,
        today=today,
    )
    return outcome((case.case_number, found.license_number))
