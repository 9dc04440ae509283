"""Who reads someone else's licence in the schema (LIC-3): the reason, given as arguments
or (for entity resolution, whose representation carries only the key) in the request
headers ``X-Case-Number`` or ``X-Access-Purpose`` (UTF-8, percent-encoded); the holder code
the signed-in caller owns; and the access log entry written before the data leaves.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import unquote

from servicehall.auth.principal import Principal, PrincipalKind
from servicehall.codes import normalize_code, parse_credit_code, parse_id_number
from servicehall.errors import Forbidden, InvalidInput
from servicehall.loaders import Row
from servicehall.resolvers import license_access
from servicehall.resolvers.enums import AccessBasis
from servicehall.resolvers.license_access import Why
from servicehall.schema.context import Context, Info
from servicehall.schema.inputs import check_text
from servicehall.schema.permissions import AuditedPermission

CASE_HEADER = "x-case-number"
PURPOSE_HEADER = "x-access-purpose"
_ID_NUMBER = re.compile(r"\d{17}[\dX]")


def why_of(context: Context, case_number: str | None, purpose: str | None) -> Why:
    """The reason given as arguments, or else in the request's headers."""
    if case_number is None and purpose is None:
        headers = context.connection.headers
        case_number = headers.get(CASE_HEADER)
        try:
            purpose = unquote(headers.get(PURPOSE_HEADER, ""), errors="strict")
        except UnicodeDecodeError:
            raise InvalidInput(
                "X-Access-Purpose 应为百分号编码的 UTF-8 文本", field="X-Access-Purpose"
            ) from None
        check_text(purpose, "X-Access-Purpose")  # F9: percent-encoding can carry a NUL
    return license_access.check_why(case_number, purpose)


async def _account(context: Context) -> Row | None:
    """The signed-in account's row, through the request's loader (None without one)."""
    subject = context.principal.subject
    return await context.loaders.accounts_by_subject.load(subject) if subject else None


async def own_holder_code(context: Context) -> str | None:
    """The holder code the signed-in account owns (credit code or ID number)."""
    principal = context.principal
    id_number = None
    if principal.kind is PrincipalKind.PERSON:
        account = await _account(context)
        id_number = account["id_number"] if account else None
    return license_access.holder_code_of(principal, id_number)


async def log_read(
    context: Context, row: Row, why: Why, basis: AccessBasis, department: str
) -> None:
    principal = context.principal
    loaders = context.loaders
    if principal.kind is PrincipalKind.MACHINE:
        client = principal.client_id or ""
        name = await loaders.client_names.load(client) or client
    else:
        account = await _account(context)
        name = account["display_name"] if account else principal.identity
    department_row = await loaders.departments_by_code.load(department)
    await loaders.license_accesses.load(
        (
            row["id"],
            row["license_number"],
            principal.identity,
            name[:64],
            department,
            department_row["name"] if department_row else department,
            why.case_number,
            why.purpose,
            basis.value,
            context.client_ip,
        )
    )


def reads_for_a_department(principal: Principal) -> bool:
    try:
        license_access.reader_department(principal)
    except Forbidden:
        return False
    return True


def parse_holder_code(raw: str) -> str:
    """A resident ID number (18 digits, the last possibly X) or a credit code, checked."""
    code = normalize_code(raw)
    if _ID_NUMBER.fullmatch(code):
        return parse_id_number(code, field="holderCode")
    return parse_credit_code(code, field="holderCode").value


class LicenseHolder(AuditedPermission):
    """The enterprise's own accounts: its licences are listed to no one else (others read
    them one by one, with a reason, through ``license`` or ``holderLicenses``)."""

    message = "仅本企业可查看其电子证照列表"

    def allowed(self, source: Any, info: Info) -> bool:
        principal = info.context.principal
        return (
            principal.kind is PrincipalKind.ENTERPRISE
            and principal.enterprise_code == source.credit_code
        )

    def target(self, source: Any) -> str:
        return f"enterprise:{source.credit_code}"
