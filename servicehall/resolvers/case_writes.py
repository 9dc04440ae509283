"""The case services the mutations call: applying for a case, online or at a window
(CASE-1), and a handler moving it one stage on (CASE-2). Each takes the principal and
returns the case's number; the rules of a move are the case process (``cases.py``,
``case_process.py``)."""

from __future__ import annotations

from servicehall.auth.accounts import require_account, signed_in_account
from servicehall.auth.principal import Principal
from servicehall.cache.base import CacheBackend
from servicehall.errors import Forbidden, NotFound
from servicehall.models import (
    ApplicantKind,
    CaseChannel,
    CaseOutcome,
    CaseStage,
    Enterprise,
    ServiceItem,
)
from servicehall.notify.service import Notifier
from servicehall.resolvers import case_intake, cases
from servicehall.resolvers.outcome import Outcome, outcome
from servicehall.workdays import WorkCalendar


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
    applicant = case_intake.applicant_of_account(account, enterprise)
    case = await case_intake.create_case(
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
    applicant = await case_intake.window_applicant(
        applicant_kind, applicant_name, applicant_code, applicant_phone
    )
    account = await signed_in_account(principal)
    case = await case_intake.create_case(
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


async def advance(
    principal: Principal,
    case_number: str,
    to: CaseStage,
    *,
    note: str,
    outcome: CaseOutcome | None,
    calendar: WorkCalendar,
    cache: CacheBackend,
    notifier: Notifier,
    ip: str = "",
) -> Outcome[str]:
    """A case handler of the handling department moves the case one stage on; after the
    commit the move is published to the case's subscribers and the outbox worker woken
    for the applicant's notices."""
    principal = require_account(principal)
    cases.require_handler(principal)
    account = await signed_in_account(principal)
    moved = await cases.advance_case(
        principal,
        case_number,
        to,
        handler=account.display_name,
        handler_account_id=account.id,
        note=note,
        outcome=outcome,
        calendar=calendar,
        ip=ip,
    )
    await cases.publish_move(cache, moved)
    notifier.kick()
    return Outcome(moved.case.case_number)
