"""Who reads someone else's licence, and why (LIC-3): the reason a reader gives, the basis
it reads on, and the holder's access log.

The holder (the enterprise's accounts, the person whose ID number it carries) reads its
licences freely. Anyone else needs a basis (:func:`read_basis`):

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

from servicehall import db
from servicehall.auth.principal import Principal, PrincipalKind
from servicehall.errors import Forbidden, InvalidInput, PurposeRequired
from servicehall.loaders.base import Row
from servicehall.models import AccessBasis, Case, StaffRole
from servicehall.numbering import parse_case_number
from servicehall.resolvers.paging import Page, newest_first, normalised

READ_SCOPE = "licenses:read"
MAX_PURPOSE = 200


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
