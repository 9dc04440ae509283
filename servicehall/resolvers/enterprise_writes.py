"""The enterprise page's writes (ENT-11, ENT-12): subscriptions, read marks, publishing
government information. Each takes the principal, checks it, and returns an
:class:`~servicehall.resolvers.outcome.Outcome` whose rows the schema types read."""

from __future__ import annotations

from typing import Any

from servicehall import db
from servicehall.auth.accounts import require_account, signed_in_account
from servicehall.auth.principal import Principal, PrincipalKind
from servicehall.errors import Forbidden, InvalidId, NotFound
from servicehall.models import Enterprise, InfoKind, StaffRole, SubscriptionTarget
from servicehall.resolvers import enterprise_page as page
from servicehall.resolvers.outcome import Outcome, outcome


async def own_enterprise(principal: Principal) -> Enterprise:
    """The signed-in enterprise (writes of the page act only on one's own)."""
    require_account(principal)
    if principal.kind is not PrincipalKind.ENTERPRISE or principal.enterprise_code is None:
        raise Forbidden("仅企业账号可操作企业专属网页")
    enterprise = await Enterprise.get_or_none(credit_code=principal.enterprise_code)
    if enterprise is None:
        raise NotFound("企业不存在")
    return enterprise


def parse_id(raw: str) -> int:
    try:
        return int(raw)
    except ValueError:
        raise InvalidId(f"编号“{raw[:20]}”格式不正确", field="id") from None


async def subscribe(
    principal: Principal, target: SubscriptionTarget, code: str, *, in_app: bool, email: bool
) -> Outcome[dict[str, Any]]:
    enterprise = await own_enterprise(principal)
    row, name = await page.subscribe(enterprise, target, code.strip(), in_app=in_app, email=email)
    return outcome(
        {"target": row.target, "code": row.code, "name": name, "in_app": row.in_app,
         "email": row.email}
    )  # fmt: skip


async def unsubscribe(principal: Principal, target: SubscriptionTarget, code: str) -> Outcome[bool]:
    enterprise = await own_enterprise(principal)
    await page.unsubscribe(enterprise, target, code.strip())
    return outcome(True)


async def mark_message_read(principal: Principal, message_id: str) -> Outcome[dict[str, Any]]:
    """A message of the signed-in account's inbox or its enterprise's mailbox."""
    account = await signed_in_account(principal)
    row = await page.mark_message_read(
        parse_id(message_id),
        account_id=account.id,
        enterprise_id=account.enterprise_id,  # type: ignore[attr-defined]
    )
    message = db.model_row(row)
    message["created_at"] = db.as_datetime(message["created_at"])
    return outcome(message)


async def mark_reminder_read(principal: Principal, reminder_id: str) -> Outcome[dict[str, Any]]:
    enterprise = await own_enterprise(principal)
    row = await page.mark_reminder_read(enterprise.id, parse_id(reminder_id))
    return outcome(db.model_row(row))


async def publish_information(
    principal: Principal,
    *,
    kind: InfoKind,
    title: str,
    summary: str,
    body: str,
    department: str | None,
    topic: str | None,
) -> Outcome[tuple[dict[str, Any], int]]:
    """Staff announcers publish in their department's name, administrators in any."""
    require_account(principal)
    if principal.kind is PrincipalKind.STAFF:
        if StaffRole.ANNOUNCER.value not in principal.roles:
            raise Forbidden("需要“公告发布人”角色")
        if department not in (None, principal.department_code):
            raise Forbidden("只能以本部门名义发布", field="department")
        department = principal.department_code
    elif principal.kind is not PrincipalKind.ADMIN:
        raise Forbidden("仅部门工作人员或管理员可发布政务信息")
    info, delivered = await page.publish_information(
        kind=kind,
        title=title,
        summary=summary,
        body=body,
        department_code=department,
        topic_code=topic,
        actor=principal.identity,
    )
    await info.fetch_related("department", "topic")
    unit, theme = info.department, info.topic
    row = {
        "id": info.id,
        "kind": info.kind,
        "title": info.title,
        "summary": info.summary,
        "body": info.body,
        "department_code": unit.code if unit else None,
        "department_name": unit.name if unit else None,
        "topic_code": theme.code if theme else None,
        "topic_name": theme.name if theme else None,
        "published_at": db.as_datetime(info.published_at),
    }
    return outcome((row, delivered), ("GovernmentInformation", str(info.id)))
