"""A new case (CASE-1): who applies (a signed-in account, or an applicant at a window,
checked) and the case opened at 申办 with its number, its first step recorded and the
applicant told. The services that call it are ``case_writes.py``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from tortoise.transactions import in_transaction

from servicehall import db, workflow
from servicehall.auth.principal import Principal
from servicehall.clock import now as utc_now
from servicehall.codes import parse_credit_code, parse_id_number
from servicehall.errors import Forbidden, InvalidInput, NotFound
from servicehall.models import (
    Account,
    AccountKind,
    ApplicantKind,
    Case,
    CaseChannel,
    CaseStage,
    Enterprise,
    ServiceItem,
)
from servicehall.numbering import make_case_number
from servicehall.resolvers.case_process import PROCESS, local_day, step_actor
from servicehall.resolvers.cases import MAX_NOTE

S = CaseStage


async def _next_serial(day: date) -> int:
    q = db.Sql(db.dialect())
    key = q.bind(db.sql_date(day))
    rows = await db.fetch(
        f"INSERT INTO case_counter (day, last_serial) VALUES ({key}, 1) "
        "ON CONFLICT (day) DO UPDATE SET last_serial = case_counter.last_serial + 1 "
        "RETURNING last_serial",
        q.values,
    )
    return int(rows[0]["last_serial"])


@dataclass(frozen=True, slots=True)
class Applicant:
    kind: ApplicantKind
    name: str
    code: str
    phone: str = ""
    enterprise_id: int | None = None
    account_id: int | None = None


def applicant_of_account(account: Account, enterprise: Enterprise | None) -> Applicant:
    """The applicant a signed-in person or enterprise applies as."""
    if account.kind is AccountKind.ENTERPRISE and enterprise is not None:
        return Applicant(
            ApplicantKind.ENTERPRISE,
            enterprise.name,
            enterprise.credit_code,
            enterprise.contact_phone,
            enterprise.id,
            account.id,
        )
    if account.kind is AccountKind.PERSON and account.id_number:
        return Applicant(
            ApplicantKind.PERSON,
            account.display_name,
            account.id_number,
            account.phone or "",
            None,
            account.id,
        )
    raise Forbidden("仅个人和企业账号可以申办事项")


async def window_applicant(kind: ApplicantKind, name: str, code: str, phone: str) -> Applicant:
    """An applicant at a window, checked: a valid ID number or a registered enterprise."""
    name = " ".join(name.split())
    if not 2 <= len(name) <= 64:
        raise InvalidInput("申请人姓名或名称应为2到64个字", field="applicantName")
    phone = phone.strip()
    if phone and not (phone.isdigit() and len(phone) == 11 and phone.startswith("1")):
        raise InvalidInput("手机号码应为11位数字", field="applicantPhone")
    if kind is ApplicantKind.PERSON:
        return Applicant(kind, name, parse_id_number(code, field="applicantCode"), phone)
    credit_code = parse_credit_code(code, field="applicantCode").value
    enterprise = await Enterprise.get_or_none(credit_code=credit_code)
    return Applicant(kind, name, credit_code, phone, enterprise.id if enterprise else None)


async def create_case(
    item_code: str,
    applicant: Applicant,
    channel: CaseChannel,
    *,
    handler: str,
    handler_account_id: int | None,
    note: str = "",
    now: datetime | None = None,
    principal: Principal | None = None,
    ip: str = "",
) -> Case:
    """A new case at 申办, its first step recorded and the applicant told. ``handler`` is
    the name the history shows ("申请人", or the window's staff member)."""
    now = now or utc_now()
    item = await ServiceItem.get_or_none(code=item_code.strip()).prefetch_related("department")
    if item is None:
        raise NotFound(f"事项“{item_code[:32]}”不存在", field="itemCode")
    if len(note) > MAX_NOTE:
        raise InvalidInput(f"备注不能超过{MAX_NOTE}字", field="note")
    actor, role = step_actor(principal, handler, handler_account_id, ip)
    async with in_transaction(db.connection().connection_name):
        number = make_case_number(local_day(now), await _next_serial(local_day(now)))
        case = await Case.create(
            case_number=number,
            item=item,
            department=item.department,
            applicant_kind=applicant.kind,
            applicant_name=applicant.name,
            applicant_code=applicant.code,
            applicant_phone=applicant.phone,
            enterprise_id=applicant.enterprise_id,
            account_id=applicant.account_id,
            channel=channel,
            stage=S.SUBMITTED,
            submitted_at=now,
            limit_days=max(item.statutory_limit_days, 1),
        )
        await workflow.start(PROCESS, case, actor, reason=note, role=role, now=now)
    return case
