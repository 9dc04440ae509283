"""Licences (LIC-3, ENT-14): issuing and revoking, who may read a licence and why, the
holder's access log, and a licence attached to a case as application material.

Reading. The holder (the enterprise's accounts, the person whose ID number it carries)
reads its licences freely. Anyone else needs a basis (:func:`read_basis`):

- ``issuer``: staff of the issuing department holding the licence-issuer or licence-reader
  role, or its machine clients with the ``licenses:read`` scope;
- ``grant``: licence readers (or ``licenses:read`` machine clients) of a department holding
  a live grant on the licence's catalogue entry (LIC-2);
- ``case``: staff of the department handling a case the holder attached the licence to,
  reading it for that case.

Everyone else is refused with ``FORBIDDEN``. A non-holder must also say why, a case of its
own department or a stated purpose (``PURPOSE_REQUIRED`` otherwise), and each such read is
written to the holder's access log and the audit log before the data leaves.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from tortoise.transactions import in_transaction

from servicehall import clock, db, workflow
from servicehall.auth.accounts import require_admin, signed_in_account
from servicehall.auth.keys import LICENSES, KeyStore
from servicehall.auth.principal import Principal, PrincipalKind
from servicehall.codes import (
    make_license_number,
    parse_case_number,
    parse_credit_code,
    parse_id_number,
    parse_license_number,
)
from servicehall.errors import (
    CaseClosed,
    Forbidden,
    InvalidInput,
    LicenseExpired,
    LicenseRevoked,
    NotFound,
    PurposeRequired,
)
from servicehall.loaders.base import Row
from servicehall.loaders.licenses import load_licenses_by_number
from servicehall.models import (
    AccessBasis,
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
from servicehall.resolvers import cases
from servicehall.resolvers.license_catalog import ISSUABLE, actor_of, entry_by_code, squash
from servicehall.resolvers.license_fields import Validity, check_values, validity_of
from servicehall.resolvers.license_signing import canonical_claims, sign
from servicehall.resolvers.outcome import Outcome, outcome, service
from servicehall.resolvers.paging import Page, newest_first, normalised
from servicehall.workflow import Action, AllOf, HasRole, Need, Needs, Process, SameDepartment, State

READ_SCOPE = "licenses:read"
#: Licences ending within this many days show as expiring (and become reminders).
EXPIRING_WITHIN = timedelta(days=90)
#: How far the start of validity may lie before or after the day of issue.
BACKDATE = timedelta(days=30)
AHEAD = timedelta(days=90)
MAX_PURPOSE = 200


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
    states=(State(L.VALID), State(L.REVOKED, terminal=True), State(L.EXPIRED, terminal=True)),
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


@service(lambda number: [("License", number)])
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
) -> str:
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
        account = await signed_in_account(principal)
        licence = await License.create(
            license_number=number,
            entry=entry,
            catalog_version=version,
            holder_kind=holder.kind,
            holder_code=holder.code,
            holder_name=holder.name,
            enterprise_id=holder.enterprise_id,
            department=entry.department,
            issued_by=account,
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
        await workflow.start(PROCESS, licence, actor, role=role, now=now)
        await AuditEvent.record(
            "license.issued",
            actor=actor.identity,
            target=f"license:{number}",
            catalog=entry.code,
            version=version.version,
            holder=holder.code,
            key=kid,
        )
    return number


async def license_by_number(number: str) -> License:
    found = await License.get_or_none(license_number=parse_license_number(number)).prefetch_related(
        "department"
    )
    if found is None:
        raise NotFound("证照不存在", field="licenseNumber")
    return found


@service(lambda found: [("License", found.license_number)])
async def revoke_license(
    principal: Principal,
    number: str,
    *,
    reason: str,
    now: datetime | None = None,
    ip: str = "",
) -> License:
    """Revoke a valid (or expired) licence, with its reason; verification shows it at once."""
    now = now or clock.now()
    found = await license_by_number(number)
    reason = workflow.check(PROCESS, found, "revoke", principal, reason=squash(reason)).reason
    actor = await actor_of(principal, ip=ip)
    async with in_transaction(db.connection().connection_name):
        await workflow.apply(
            PROCESS,
            found,
            "revoke",
            principal,
            actor,
            reason=reason,
            now=now,
            changes={"revoked_at": now, "revoked_by": actor.identity, "revoke_reason": reason},
        )
        await AuditEvent.record(
            "license.revoked",
            actor=actor.identity,
            target=f"license:{found.license_number}",
            reason=reason,
        )
    return await license_by_number(found.license_number)


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


# -- who reads, and why -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Why:
    """Why someone other than the holder reads a licence: a case or a stated purpose."""

    case_number: str | None = None
    purpose: str = ""

    @property
    def given(self) -> bool:
        return bool(self.case_number or self.purpose)


def check_why(case_number: str | None, purpose: str | None) -> Why:
    """The reason as given, checked (a malformed case number fails here)."""
    number = parse_case_number(case_number) if case_number and case_number.strip() else None
    text = " ".join((purpose or "").split())
    if len(text) > MAX_PURPOSE:
        raise InvalidInput(f"查阅目的不能超过{MAX_PURPOSE}字", field="purpose")
    if 0 < len(text) < 2:
        raise InvalidInput("请具体说明查阅目的", field="purpose")
    return Why(number, text)


def holder_code_of(principal: Principal, id_number: str | None) -> str | None:
    """The holder code a principal owns: its enterprise's credit code or its ID number."""
    if principal.kind is PrincipalKind.ENTERPRISE:
        return principal.enterprise_code
    if principal.kind is PrincipalKind.PERSON:
        return id_number
    return None


def reader_department(principal: Principal) -> str:
    """The department a non-holder reads for: licence staff, or a machine client with the
    ``licenses:read`` scope. Anyone else is refused."""
    department = principal.department_code
    if principal.kind is PrincipalKind.STAFF and department:
        return department
    if principal.kind is PrincipalKind.MACHINE and READ_SCOPE in principal.scopes and department:
        return department
    raise Forbidden("无权查看他人的证照")


_STAFF_ISSUER_ROLES = frozenset({StaffRole.LICENSE_ISSUER.value, StaffRole.LICENSE_READER.value})
_CASE_ROLES = frozenset({StaffRole.CASE_HANDLER.value, StaffRole.LICENSE_READER.value})


def read_basis(
    principal: Principal,
    row: Row,
    *,
    granted: frozenset[int],
    case_department: str | None,
    attached: bool,
) -> AccessBasis:
    """Why a non-holder may read the licence ``row`` (issuer, grant or case),
    or a typed refusal. ``granted`` holds the catalogue entries the reader's department
    holds live grants on; ``case_department`` is the department of the case given as the
    reason and ``attached`` whether the holder attached this licence to it."""
    department = reader_department(principal)
    machine = principal.kind is PrincipalKind.MACHINE
    roles = principal.roles
    if department == row["department_code"] and (machine or roles & _STAFF_ISSUER_ROLES):
        return AccessBasis.ISSUER
    if row["entry_id"] in granted and (machine or StaffRole.LICENSE_READER.value in roles):
        return AccessBasis.GRANT
    if attached and case_department == department and (machine or roles & _CASE_ROLES):
        return AccessBasis.CASE
    raise Forbidden("本部门未获得该类证照的查阅授权")


async def case_of_reader(principal: Principal, why: Why) -> Case | None:
    """The case given as the reason: it must be one of the reader's department."""
    if why.case_number is None:
        return None
    case = await Case.get_or_none(case_number=why.case_number).prefetch_related("department")
    if case is None or case.department.code != principal.department_code:
        raise Forbidden("所填办件不存在或不属于本部门", field="caseNumber")
    return case


def require_why(why: Why) -> None:
    if not why.given:
        raise PurposeRequired(
            "查阅他人证照须说明事由：填写本部门办件编号或查阅目的", field="purpose"
        )


async def access_log(license_id: int, *, first: int, after: str | None) -> Page:
    """Reads of a licence by others, newest first (what the holder is shown)."""
    q = db.Sql(db.dialect())
    sql = (
        "SELECT id, at, actor_name, department_code, department_name, case_number, purpose, "
        f"basis FROM license_access WHERE license_id = {q.bind(license_id)}"
    )
    return normalised(await newest_first(sql, "at", q, first=first, after=after), times=("at",))


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
