"""Reading the item registry (ITEM-4): requests, worklists, a request's entries and steps,
an item's versions, the overdue list and the daily urging notice.

Offices (the reviewer roles) and administrators read every department's requests, item
editors their own department's; nobody else reads any. Every list is one statement.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from tortoise.transactions import in_transaction

from servicehall import db, workflow
from servicehall.auth.principal import Principal
from servicehall.clock import LOCAL_TZ, cn_date
from servicehall.errors import Forbidden
from servicehall.loaders.registry import load_request_entries, load_request_steps
from servicehall.models import ItemRequest, MessageCategory, RequestKind, RequestState
from servicehall.notify.outbox import enqueue, in_app
from servicehall.resolvers import notifications
from servicehall.resolvers.item_registry import (
    OFFICES,
    PROCESS,
    STEP_DAYS,
    is_reader,
    office_accounts,
    reads_all,
    worklist_states,
)
from servicehall.resolvers.items import parse_item_code
from servicehall.resolvers.paging import Page, newest_first, normalised
from servicehall.workdays import WorkCalendar

_STEP_ENTERED = (
    "(SELECT MAX(s.at) FROM workflow_step s WHERE s.process = 'item_request' "
    "AND s.instance_id = r.id AND s.to_state = r.state)"
)
REQUEST_COLUMNS = (
    "r.id, r.kind, r.state, r.title, r.basis, r.reason, r.revision, r.returned_reason, "
    f"r.created_at, r.updated_at, r.department_id, d.code AS department_code, "
    f"{_STEP_ENTERED} AS entered_at"
)


def require_reader(principal: Principal) -> None:
    if not is_reader(principal):
        raise Forbidden("仅事项编辑人、审核机构工作人员和系统管理员可查看事项申请")


def request_row(row: dict[str, Any]) -> dict[str, Any]:
    for name in ("created_at", "updated_at", "entered_at"):
        row[name] = db.as_datetime(row[name])
    return row


def due_on(row: dict[str, Any], calendar: WorkCalendar) -> date | None:
    """The last working day of the step the request is in (review steps only)."""
    days = STEP_DAYS.get(RequestState(row["state"]))
    entered: datetime | None = row["entered_at"]
    if days is None or entered is None:
        return None
    return calendar.add_working_days(entered.astimezone(LOCAL_TZ).date(), days)


async def request_page(
    principal: Principal,
    *,
    states: Sequence[RequestState] = (),
    kind: RequestKind | None = None,
    department_code: str | None = None,
    worklist: bool = False,
    first: int,
    after: str | None,
) -> Page:
    """Requests newest first; ``worklist``: those waiting in a step the principal acts in."""
    require_reader(principal)
    q = db.Sql(db.dialect())
    where = ["1 = 1"]
    if not reads_all(principal):
        department_code = principal.department_code
    if department_code is not None:
        where.append(f"d.code = {q.bind(department_code)}")
    chosen = list(states)
    if worklist:
        mine = worklist_states(principal)
        chosen = [s for s in chosen if s in mine] if chosen else mine
        if not chosen:
            return Page([], [], False, 0)
    if chosen:
        where.append(f"r.state IN ({q.bind_all(s.value for s in chosen)})")
    if kind is not None:
        where.append(f"r.kind = {q.bind(kind.value)}")
    sql = (
        f"SELECT {REQUEST_COLUMNS} FROM item_request r JOIN department d ON d.id = r.department_id "
        f"WHERE {' AND '.join(where)}"
    )
    page = await newest_first(sql, "updated_at", q, first=first, after=after)
    return normalised(page, times=("created_at", "updated_at", "entered_at"))


async def request_detail(principal: Principal, request_id: int) -> dict[str, Any] | None:
    """One request, or None when it does not exist or is another department's."""
    require_reader(principal)
    q = db.Sql(db.dialect())
    rows = await db.fetch(
        f"SELECT {REQUEST_COLUMNS} FROM item_request r JOIN department d ON d.id = r.department_id "
        f"WHERE r.id = {q.bind(request_id)}",
        q.values,
    )
    if not rows:
        return None
    row = request_row(rows[0])
    if not reads_all(principal) and row["department_code"] != principal.department_code:
        return None
    return row


async def entries(request_id: int) -> list[dict[str, Any]]:
    """A request's entries with the content of the version each was drafted against."""
    return (await load_request_entries([request_id]))[0]


async def steps(request_ids: Sequence[int]) -> dict[int, list[dict[str, Any]]]:
    """The recorded steps of requests, oldest first."""
    found = await load_request_steps(request_ids) if request_ids else []
    return dict(zip(request_ids, found, strict=True))


async def item_versions(principal: Principal, code: str) -> list[dict[str, Any]]:
    """Every version of an item, newest first, with the request that made it."""
    require_reader(principal)
    q = db.Sql(db.dialect())
    rows = await db.fetch(
        "SELECT v.id, v.item_code, v.number, v.status, v.change, v.content, v.created_at, "
        "v.published_at, v.request_id FROM item_version v "
        f"WHERE v.item_code = {q.bind(parse_item_code(code))} ORDER BY v.id DESC",
        q.values,
    )
    for row in rows:
        row["content"] = db.as_json(row["content"])
        row["created_at"] = db.as_datetime(row["created_at"])
        row["published_at"] = db.as_datetime(row["published_at"])
    return rows


async def overdue_requests(
    principal: Principal, *, today: date, calendar: WorkCalendar
) -> list[dict[str, Any]]:
    """Requests past their step's deadline, longest overdue first (the urging list)."""
    require_reader(principal)
    late = await workflow.overdue(PROCESS, today=today, calendar=calendar)
    if not late:
        return []
    q = db.Sql(db.dialect())
    rows = await db.fetch(
        f"SELECT {REQUEST_COLUMNS} FROM item_request r JOIN department d ON d.id = r.department_id "
        f"WHERE r.id IN ({q.bind_all(o.instance_id for o in late)})",
        q.values,
    )
    by_id = {row["id"]: request_row(row) for row in rows}
    visible = reads_all(principal)
    return [
        by_id[o.instance_id]
        for o in late
        if visible or by_id[o.instance_id]["department_code"] == principal.department_code
    ]


async def overdue_notices(today: date, calendar: WorkCalendar) -> int:
    """The daily urging notice (催办): every account of the office of an overdue step hears
    of it once a day (the message's source names the request, step and day)."""
    late = await workflow.overdue(PROCESS, today=today, calendar=calendar)
    if not late:
        return 0
    requests = {
        r.id: r
        for r in await ItemRequest.filter(id__in=[o.instance_id for o in late]).prefetch_related(
            "department"
        )
    }
    messages = []
    for o in late:
        request = requests[o.instance_id]
        role, office = OFFICES[o.state]
        for account_id in await office_accounts([role]):
            messages.append(
                in_app(
                    kind="item_request_overdue",
                    source=f"item-request:{request.id}:{o.state.value}:overdue:{today}"
                    f"/account:{account_id}",
                    title="事项申请审核已超期",
                    body=f"{request.department.short_name}的{request.kind.label}申请"
                    f"“{request.title}”在{o.state.label}环节已超过期限（{cn_date(o.due_on)}），"
                    f"请{office}尽快办理。",
                    category=MessageCategory.NOTICE.value,
                    sender=notifications.HALL,
                    link=f"/staff/item-requests/{request.id}",
                    account_id=account_id,
                )
            )
    async with in_transaction(db.connection().connection_name):
        return await enqueue(messages)
