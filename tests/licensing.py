"""Helpers of the e-licence tests (LIC-1..4): the demo's principals and test entries."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime

from servicehall.auth.crypto import DEV_SECRET, SecretBox
from servicehall.auth.keys import LICENSES, KeyStore
from servicehall.auth.principal import Principal, PrincipalKind
from servicehall.clock import local_today
from servicehall.demo.accounts import PERSON_ID
from servicehall.demo.enterprises import DEMO_CREDIT_CODE
from servicehall.models import (
    Account,
    AccountKind,
    CatalogState,
    Department,
    FieldType,
    HolderKind,
    LicenseCatalogEntry,
    StaffRole,
    ValidityRule,
)
from servicehall.resolvers import license_catalog as catalog
from servicehall.resolvers.license_fields import FieldSpec, Validity

FIELDS = (
    FieldSpec("premises", "经营场所", FieldType.TEXT),
    FieldSpec("category", "类别", FieldType.CHOICE, True, ("甲类", "乙类")),
    FieldSpec("area", "面积（平方米）", FieldType.DECIMAL, False),
    FieldSpec("staff", "从业人数", FieldType.INTEGER, False),
    FieldSpec("inspectedOn", "现场核查日期", FieldType.DATE, False),
    FieldSpec("chain", "是否连锁", FieldType.BOOLEAN, False),
)
VALUES = {"premises": "珠海市斗门区井岸镇港霞东路1号", "category": "甲类"}
FIVE_YEARS = Validity(ValidityRule.FIXED_TERM, 60)


@dataclass(frozen=True, slots=True)
class Cast:
    admin: Principal
    scjg: Principal  # licence issuer of the market regulator
    sthj: Principal  # licence issuer of the environment bureau
    wjj: Principal  # licence issuer and reader of the health bureau (granted 食品经营许可证)
    enterprise: Principal  # the demo enterprise
    person: Principal  # 陈晓明
    person_id: str = PERSON_ID
    credit_code: str = DEMO_CREDIT_CODE


def _staff(account: Account) -> Principal:
    return Principal(
        PrincipalKind.STAFF,
        subject=account.subject,
        department_code=account.department.code if account.department else None,
        roles=frozenset(account.roles),
    )


async def cast() -> Cast:
    """The demo district's people, as principals (the current database)."""
    staff = {
        a.username: _staff(a)
        for a in await Account.filter(kind=AccountKind.STAFF).prefetch_related("department")
    }
    admin = await Account.get(kind=AccountKind.ADMIN)
    enterprise = await Account.get(kind=AccountKind.ENTERPRISE)
    person = await Account.get(kind=AccountKind.PERSON)
    return Cast(
        admin=Principal(PrincipalKind.ADMIN, subject=admin.subject),
        scjg=staff["scjg001"],
        sthj=staff["sthj001"],
        wjj=staff["wjj001"],
        enterprise=Principal(
            PrincipalKind.ENTERPRISE, subject=enterprise.subject, enterprise_code=DEMO_CREDIT_CODE
        ),
        person=Principal(PrincipalKind.PERSON, subject=person.subject),
    )


def reader(department: str, *roles: StaffRole, subject: str = "reader-1") -> Principal:
    """A staff member of ``department`` (no account behind it: for rules, not for writes)."""
    return Principal(
        PrincipalKind.STAFF,
        subject=subject,
        department_code=department,
        roles=frozenset(r.value for r in roles or (StaffRole.LICENSE_READER,)),
    )


async def published(
    people: Cast,
    code: str = "TEST",
    *,
    holder: HolderKind = HolderKind.ENTERPRISE,
    validity: Validity = FIVE_YEARS,
    fields: tuple[FieldSpec, ...] = FIELDS,
) -> LicenseCatalogEntry:
    """A market-regulator entry taken through draft, registration and review."""
    await catalog.create_entry(
        people.scjg,
        code=code,
        name="测试许可证",
        department_code=None,
        holder_kind=holder,
        field_list=fields,
        validity=validity,
    )
    await catalog.move(people.scjg, code, CatalogState.REGISTERED, reason="编目完成")
    return await catalog.move(people.admin, code, CatalogState.PUBLISHED, reason="审核通过")


def today() -> date:
    return local_today()


async def license_keys() -> KeyStore:
    """The licence-signing key set of the current database (the demo's secret)."""
    keys = KeyStore(SecretBox(DEV_SECRET), LICENSES)
    await keys.ensure()
    return keys


async def staff_account(username: str, department: str, *roles: StaffRole) -> Principal:
    """A staff account of ``department`` with ``roles``, as a principal."""
    account = await Account.create(
        subject=uuid.uuid4().hex,
        kind=AccountKind.STAFF,
        username=username,
        display_name=f"测试{username}",
        department=await Department.get(code=department),
        roles=[r.value for r in roles],
        password_hash="unused",
        password_changed_at=datetime.now(UTC),
    )
    return _staff(await Account.get(id=account.id).prefetch_related("department"))
