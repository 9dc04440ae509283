"""Applying for a case, online or at a window (CASE-1), as services that take the
principal and return the new case's number. Moving a case through its stages stays in
``resolvers/cases.py`` (the case process)."""

from __future__ import annotations

from servicehall.auth.accounts import require_account, signed_in_account
from servicehall.auth.principal import Principal
from servicehall.errors import Forbidden, NotFound
from servicehall.models import ApplicantKind, CaseChannel, Enterprise, ServiceItem
from servicehall.resolvers import cases
from servicehall.resolvers.outcome import Outcome, outcome


async def submit_case(
    principal: Principal, item_code: str, channel: CaseChannel, *, note: str, ip: str = ""
) -> Outcome[str]:
    """A signed-in person or enterprise applies online."""
    require_account(principal)
    if channel not in (CaseChannel.WEB, CaseChannel.APP):
        raise Forbidden("网上申办的渠道为网上办事大厅或移动端")
    account = await signed_in_account(principal)
    enterprise = (
        await Enterprise.get_or_none(credit_code=principal.enterprise_code)
        if principal.enterprise_code
        else None
    )
    applicant = cases.applicant_of_account(account, enterprise)
    case = await cases.create_case(
        item_code,
        applicant,
        channel,
        handler="申请人",
        handler_account_id=account.id,
        note=note,
        principal=principal,
        ip=ip,
    )
    return outcome(case.case_number)


async def register_case(
    principal: Principal,
    item_code: str,
    *,
    applicant_kind: ApplicantKind,
    applicant_name: str,
    applicant_code: str,
    applicant_phone: str,
    note: str,
    ip: str = "",
) -> Outcome[str]:
    """A case handler of the item's department registers an application at the window."""
    cases.require_handler(principal)
    item = await ServiceItem.get_or_none(code=item_code.strip()).prefetch_related("department")
    if item is None:
        raise NotFound(f"事项“{item_code[:32]}”不存在", field="itemCode")
    cases.require_handler(principal, item.department.code)
    applicant = await cases.window_applicant(
        applicant_kind, applicant_name, applicant_code, applicant_phone
    )
    account = await signed_in_account(principal)
    case = await cases.create_case(
        item_code,
        applicant,
        CaseChannel.WINDOW,
        handler=account.display_name,
        handler_account_id=account.id,
        note=note,
        principal=principal,
        ip=ip,
    )
    return outcome(case.case_number)
