"""Requests to add, change and cancel items (ITEM-4): submitting, reviewing, returning,
withdrawing and publishing, on the process ``resolvers.item_registry.PROCESS``.

A request carries one entry per item (an :class:`ItemVersion` with its content); a change
or cancellation also names the version published when it was drafted (``base``), which is
the left side of its diff. At most one open request may touch an item. Filing (step 6)
publishes every entry in the step's transaction: the item's row and links are rewritten
(``resolvers.item_publish``), the version becomes the published one, and the item and the
stations whose lists changed are announced with the request.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from servicehall import clock, db, workflow
from servicehall.auth.principal import Principal, PrincipalKind
from servicehall.errors import (
    Conflict,
    Forbidden,
    IllegalItemRequestTransition,
    InvalidInput,
    ItemCodeExists,
    NotFound,
    NothingChanged,
)
from servicehall.models import (
    AuditEvent,
    ItemRequest,
    ItemStatus,
    ItemVersion,
    RequestKind,
    RequestState,
    ServiceItem,
    StaffRole,
    VersionStatus,
    WorkflowStep,
)
from servicehall.resolvers import item_content, item_publish
from servicehall.resolvers.item_registry import PROCESS, REVIEW_ACTIONS
from servicehall.resolvers.items import parse_item_code
from servicehall.resolvers.outcome import Outcome, Ref

OPEN_STATES = [s for s in RequestState if not PROCESS.state(s).terminal]
MAX_ENTRIES = 200


@dataclass(frozen=True, slots=True)
class Entry:
    """One item of a request: its code, what to do, and the new content (add, change)."""

    code: str
    change: RequestKind
    content: dict[str, Any] | None = None


def _editor(principal: Principal) -> str:
    if (
        principal.kind is not PrincipalKind.STAFF
        or StaffRole.ITEM_EDITOR.value not in principal.roles
    ):
        raise Forbidden("仅部门事项编辑人可提交事项申请")
    if principal.department_code is None:
        raise Forbidden("事项编辑人须属于一个实施部门")
    return principal.department_code


async def _open_request_for(codes: Sequence[str], exclude: int | None = None) -> str | None:
    query = ItemVersion.filter(
        item_code__in=list(codes), request__state__in=OPEN_STATES, status=VersionStatus.PROPOSED
    )
    if exclude is not None:
        query = query.exclude(request_id=exclude)
    found = await query.first()
    return found.item_code if found else None


async def _entry_version(
    entry: Entry, department: str, *, skip_unchanged: bool = False
) -> ItemVersion | None:
    """A checked, unsaved version for one entry (its request set by the caller); None for
    an unchanged one when ``skip_unchanged`` (a bulk import of a whole list)."""
    item = await ServiceItem.get_or_none(code=entry.code).prefetch_related("department")
    now = clock.now()
    if entry.change is RequestKind.ADD:
        if item is not None:
            raise ItemCodeExists(f"事项编码“{entry.code}”已存在", field="code")
        content = await item_content.check(entry.content or {})
        if content["department"] != department:
            raise Forbidden("只能新增本部门实施的事项", field="department")
        return ItemVersion(
            item_code=entry.code,
            status=VersionStatus.PROPOSED,
            change=entry.change,
            content=content,
            created_at=now,
        )
    if item is None:
        raise NotFound(f"事项“{entry.code}”不存在", field="code")
    if item.department.code != department:
        raise Forbidden(f"事项“{entry.code}”不是本部门的事项", field="code")
    if item.status is ItemStatus.CANCELLED:
        raise IllegalItemRequestTransition(f"事项“{entry.code}”已注销", field="code")
    base = await item_publish.published_version(item)
    if entry.change is RequestKind.CANCEL:
        content = dict(base.content)
    else:
        content = await item_content.check(entry.content or {})
        if content == base.content:
            if skip_unchanged:
                return None
            raise NothingChanged(f"事项“{entry.code}”的新版本与现行版本相同", field="content")
    return ItemVersion(
        item_code=entry.code,
        item_id=item.id,
        status=VersionStatus.PROPOSED,
        change=entry.change,
        content=content,
        base_id=base.id,
        created_at=now,
    )


def _kind(entries: Sequence[Entry]) -> RequestKind:
    kinds = {e.change for e in entries}
    return kinds.pop() if len(kinds) == 1 else RequestKind.BATCH


def _entries(raw: Sequence[Entry]) -> list[Entry]:
    if not 1 <= len(raw) <= MAX_ENTRIES:
        raise InvalidInput(f"一次申请应包含1到{MAX_ENTRIES}个事项", field="entries")
    entries = [Entry(parse_item_code(e.code), e.change, e.content) for e in raw]
    if any(e.change is RequestKind.BATCH for e in entries):
        raise InvalidInput("每个事项应为新增、调整或注销", field="entries")
    codes = [e.code for e in entries]
    if len(set(codes)) != len(codes):
        raise InvalidInput("同一申请中事项编码重复", field="entries")
    return entries


def _ref(request: ItemRequest) -> tuple[Ref, ...]:
    return (("ItemRequest", str(request.id)),)


async def submit(
    principal: Principal,
    entries: Sequence[Entry],
    *,
    basis: str,
    reason: str = "",
    ip: str = "",
    skip_unchanged: bool = False,
) -> Outcome[ItemRequest]:
    """Step 1: a department's item editor drafts a request and submits it."""
    department = _editor(principal)
    checked = _entries(entries)
    basis = item_content.require_citation(basis, "basis", "申请依据")
    found = [await _entry_version(e, department, skip_unchanged=skip_unchanged) for e in checked]
    versions = [v for v in found if v is not None]
    if not versions:
        raise NothingChanged("申请中的事项均与现行版本相同", field="entries")
    checked = [e for e, v in zip(checked, found, strict=True) if v is not None]
    taken = await _open_request_for([e.code for e in checked])
    if taken:
        raise Conflict(f"事项“{taken}”已有在办的申请，请待其办结或撤回", field="code")
    actor = await workflow.signed_in(principal, ip=ip)
    title = (
        versions[0].content["name"]
        if len(versions) == 1
        else f"{len(versions)}项事项的{_kind(checked).label}"
    )
    async with in_transaction(db.connection().connection_name):
        request = await ItemRequest.create(
            kind=_kind(checked),
            department_id=(await _department_id(department)),
            title=title[:160],
            basis=basis,
            reason=reason.strip()[:2000],
            submitted_by_id=actor.account_id,
        )
        for version in versions:
            version.request = request
        try:
            await ItemVersion.bulk_create(versions)
        except IntegrityError:  # another request took one of the items meanwhile
            raise Conflict("事项已有在办的申请，请待其办结或撤回", field="code") from None
        await request.fetch_related("department")
        await workflow.start(PROCESS, request, actor, reason=request.reason, role="item_editor")
        await workflow.apply(
            PROCESS,
            request,
            "submit",
            principal,
            actor,
            basis=basis,
            changes={"revision": request.revision + 1},
        )
        await _audit(principal, request, "item_request.submit", ip)
    return Outcome(request, _ref(request))


async def _department_id(code: str) -> int:
    q = db.Sql(db.dialect())
    rows = await db.fetch(f"SELECT id FROM department WHERE code = {q.bind(code)}", q.values)
    return int(rows[0]["id"])


async def request_for(request_id: int, revision: int | None = None) -> ItemRequest:
    """The request; with the ``revision`` the caller saw, a typed conflict when someone
    acted on it since (two reviewers on one step: the later one is told, not refused)."""
    request = await ItemRequest.get_or_none(id=request_id).prefetch_related("department")
    if request is None:
        raise NotFound("事项申请不存在", field="id")
    if revision is not None and revision != request.revision:
        state = RequestState(request.state).label
        raise Conflict(f"该申请已被他人办理，现处于“{state}”环节，请刷新后再办理", field="revision")
    return request


async def resubmit(
    principal: Principal,
    request_id: int,
    contents: dict[str, dict[str, Any]] | None = None,
    *,
    basis: str | None = None,
    ip: str = "",
    revision: int | None = None,
) -> Outcome[ItemRequest]:
    """Step 1 again, after a return: the department may revise entries' content and its
    basis, then submits."""
    request = await request_for(request_id, revision)
    workflow.check(PROCESS, request, "submit", principal)
    if basis is not None:
        request.basis = item_content.require_citation(basis, "basis", "申请依据")
    revised: list[ItemVersion] = []
    entries = {v.item_code: v for v in await ItemVersion.filter(request_id=request.id)}
    for code, raw in (contents or {}).items():
        version = entries.get(parse_item_code(code))
        if version is None or version.change is RequestKind.CANCEL:
            raise InvalidInput(f"申请中没有可修改内容的事项“{code}”", field="entries")
        version.content = await item_content.check(raw)
        if version.base_id is not None:  # type: ignore[attr-defined]
            base = await ItemVersion.get(id=version.base_id)  # type: ignore[attr-defined]
            if version.content == base.content:
                raise NothingChanged(f"事项“{code}”的新版本与现行版本相同", field="content")
        revised.append(version)
    actor = await workflow.signed_in(principal, ip=ip)
    async with in_transaction(db.connection().connection_name):
        for version in revised:
            await version.save(update_fields=["content"])
        await workflow.apply(
            PROCESS,
            request,
            "submit",
            principal,
            actor,
            basis=request.basis,
            changes={
                "revision": request.revision + 1,
                "basis": request.basis,
                "updated_at": clock.now(),
            },
        )
        await _audit(principal, request, "item_request.resubmit", ip)
    return Outcome(request, _ref(request))


async def review(
    principal: Principal,
    request_id: int,
    action: str,
    *,
    opinion: str = "",
    basis: str = "",
    ip: str = "",
    revision: int | None = None,
) -> Outcome[ItemRequest]:
    """Steps 2 to 6 and the return: the office of the current step acts with its opinion
    (the legal office citing a law); filing publishes."""
    if action not in REVIEW_ACTIONS:
        raise InvalidInput(f"事项申请没有“{action[:32]}”这项审核操作", field="action")
    request = await request_for(request_id, revision)
    workflow.check(PROCESS, request, action, principal, reason=opinion, basis=basis)
    if action == "legal_review":
        basis = item_content.require_citation(basis, "basis", "合法性审查依据")
    actor = await workflow.signed_in(principal, ip=ip)
    changed: list[Ref] = []

    async def publish(instance: ItemRequest, step: WorkflowStep) -> None:
        changed.extend(await item_publish.publish_request(instance))

    changes: dict[str, Any] = {"revision": request.revision + 1, "updated_at": clock.now()}
    if action == "return":
        changes["returned_reason"] = opinion.strip()
    async with in_transaction(db.connection().connection_name):
        applied = await workflow.apply(
            PROCESS,
            request,
            action,
            principal,
            actor,
            reason=opinion,
            basis=basis,
            changes=changes,
            then=publish if action == "file" else None,
        )
        await _audit(principal, request, f"item_request.{action}", ip)
    return Outcome(request, _ref(request) + applied.changed + tuple(changed))


#: The review action of each review step (``reviewItemRequest``: 初审, 编制审核, 合法性审查).
REVIEW_OF = {
    RequestState.DIRECTORY_REVIEW: "first_review",
    RequestState.STAFFING_REVIEW: "staffing_review",
    RequestState.LEGAL_REVIEW: "legal_review",
}


async def review_step(
    principal: Principal,
    request_id: int,
    *,
    opinion: str,
    basis: str = "",
    ip: str = "",
    revision: int | None = None,
) -> Outcome[ItemRequest]:
    """Pass the review step the request is in; outside steps 2 to 4 the engine refuses."""
    request = await request_for(request_id, revision)
    action = REVIEW_OF.get(request.state, "first_review")
    return await review(
        principal, request_id, action, opinion=opinion, basis=basis, ip=ip, revision=revision
    )


async def withdraw(
    principal: Principal,
    request_id: int,
    *,
    reason: str = "",
    ip: str = "",
    revision: int | None = None,
) -> Outcome[ItemRequest]:
    """The department withdraws a request not yet approved; its versions are dropped."""
    request = await request_for(request_id, revision)
    actor = await workflow.signed_in(principal, ip=ip)

    async def drop(instance: ItemRequest, step: WorkflowStep) -> None:
        await ItemVersion.filter(request_id=instance.id).update(status=VersionStatus.DROPPED)

    async with in_transaction(db.connection().connection_name):
        await workflow.apply(
            PROCESS,
            request,
            "withdraw",
            principal,
            actor,
            reason=reason,
            changes={"revision": request.revision + 1, "updated_at": clock.now()},
            then=drop,
        )
        await _audit(principal, request, "item_request.withdraw", ip)
    return Outcome(request, _ref(request))


async def _audit(principal: Principal, request: ItemRequest, action: str, ip: str) -> None:
    await AuditEvent.record(
        action,
        actor=principal.identity,
        ip=ip,
        target=f"item_request:{request.id}",
        state=request.state.value,
        kind=request.kind.value,
    )


async def entry_count(request_id: int) -> int:
    return await ItemVersion.filter(request_id=request_id).count()
