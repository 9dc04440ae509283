"""The item registry's approval process (事项目录注册管理, ITEM-4, seed 4.2.6.1).

Three kinds of request — 新增, 调整, 注销 (and a department's bulk change mixing them) —
each through the same six steps, declared as :data:`PROCESS` on the workflow engine:

1. 部门拟办: the department's item editor drafts and submits (``submit``);
2. 目录管理机构初审: the directory office's first opinion (``first_review``);
3. 机构编制部门审核: the staffing office reviews the department's remit;
4. 法制机构合法性审查: the legal office reviews legality, citing a law (《…》);
5. 目录管理机构审定: the directory office's review opinion, approved (``approve``);
6. 监察机关备案: filed with the supervision office and published (``file``).

The office of the current step may return the request to the department with a reason
(back to step 1, history kept); the department may withdraw it until it is approved.
Who acts is a role (``StaffRole``): the office a role stands for is :data:`OFFICES`.
Writes live in ``resolvers.item_requests``; this module declares the process.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from servicehall.auth.principal import Principal, PrincipalKind
from servicehall.errors import IllegalItemRequestTransition
from servicehall.models import (
    Account,
    AccountKind,
    ItemRequest,
    MessageCategory,
    RequestState,
    StaffRole,
    WorkflowStep,
)
from servicehall.notify.outbox import Outgoing, in_app
from servicehall.resolvers import notifications
from servicehall.workflow import (
    Action,
    AllOf,
    Announce,
    Deadline,
    HasRole,
    Need,
    Needs,
    Notify,
    Process,
    Rule,
    SameDepartment,
    State,
)

S = RequestState

#: The district's offices each reviewer role stands for (斗门区). Only 区司法局 handles
#: items itself, so the others are not departments of the catalogue (its department list
#: is the public search dimension): their reviewers are staff accounts known by role.
OFFICE_NAMES: dict[str, str] = {
    StaffRole.DIRECTORY_REVIEWER.value: "珠海市斗门区政务服务和数据管理局",
    StaffRole.STAFFING_REVIEWER.value: "中共珠海市斗门区委机构编制委员会办公室",
    StaffRole.LEGAL_REVIEWER.value: "珠海市斗门区司法局",
    StaffRole.SUPERVISION_FILER.value: "珠海市斗门区监察委员会",
}

#: Who acts at each review step: the role and the office it stands for.
OFFICES: dict[RequestState, tuple[StaffRole, str]] = {
    S.DIRECTORY_REVIEW: (StaffRole.DIRECTORY_REVIEWER, "目录管理机构"),
    S.STAFFING_REVIEW: (StaffRole.STAFFING_REVIEWER, "机构编制部门"),
    S.LEGAL_REVIEW: (StaffRole.LEGAL_REVIEWER, "法制机构"),
    S.APPROVAL: (StaffRole.DIRECTORY_REVIEWER, "目录管理机构"),
    S.FILING: (StaffRole.SUPERVISION_FILER, "监察机关"),
}
REVIEW_STATES = frozenset(OFFICES)
#: Roles that may read every request (the offices); editors read their department's.
REVIEWER_ROLES = frozenset(role.value for role, _ in OFFICES.values())
REGISTRY_ROLES = REVIEWER_ROLES | {StaffRole.ITEM_EDITOR.value}

#: Working days each step may take (目录管理机构 5, 编制 5, 法制 5, 审定 3, 备案 3).
STEP_DAYS = {
    S.DIRECTORY_REVIEW: 5,
    S.STAFFING_REVIEW: 5,
    S.LEGAL_REVIEW: 5,
    S.APPROVAL: 3,
    S.FILING: 3,
}


class StepOffice(Rule):
    """Staff of the office of the step the request is in (who may return it)."""

    def role(self, principal: Principal, instance: Any) -> str | None:
        office = OFFICES.get(instance.state)
        if office is None or principal.kind is not PrincipalKind.STAFF:
            return None
        return office[0].value if office[0].value in principal.roles else None


#: The handling department's item editors.
EDITOR = AllOf(
    HasRole(StaffRole.ITEM_EDITOR.value),
    SameDepartment(lambda request: request.department.code),
)
_OPINION = Need("请填写审核意见", "opinion")


async def _tell_office(request: ItemRequest, step: WorkflowStep) -> list[Outgoing]:
    """The office of the step entered learns of the request in its inbox."""
    role, office = OFFICES[request.state]
    return [
        in_app(
            kind="item_request_pending",
            source=f"item-request:{request.id}:{step.id}/account:{account_id}",
            title=f"事项申请待{request.state.label}",
            body=f"{request.department.short_name}的{request.kind.label}申请“{request.title}”"
            f"已进入{request.state.label}环节，请{office}于"
            f"{STEP_DAYS[request.state]}个工作日内办理。",
            category=MessageCategory.NOTICE.value,
            sender=notifications.HALL,
            link=f"/staff/item-requests/{request.id}",
            account_id=account_id,
        )
        for account_id in await office_accounts([role])
    ]


async def _tell_department(request: ItemRequest, step: WorkflowStep) -> list[Outgoing]:
    """The department's item editors learn that their request was returned or published."""
    returned = request.state is S.DRAFTING
    title = "事项申请被退回" if returned else "事项申请已备案发布"
    body = (
        f"您部门的{request.kind.label}申请“{request.title}”被退回，理由：{step.reason}"
        if returned
        else f"您部门的{request.kind.label}申请“{request.title}”已备案并发布。"
    )
    return [
        in_app(
            kind="item_request_returned" if returned else "item_request_published",
            source=f"item-request:{request.id}:{step.id}/account:{account_id}",
            title=title,
            body=body,
            category=MessageCategory.NOTICE.value,
            sender=notifications.HALL,
            link=f"/staff/item-requests/{request.id}",
            account_id=account_id,
        )
        for account_id in await office_accounts(
            [StaffRole.ITEM_EDITOR],
            department_id=request.department_id,  # type: ignore[attr-defined]
        )
        if step.action != "start"
    ]


async def office_accounts(
    roles: Sequence[StaffRole], *, department_id: int | None = None
) -> list[int]:
    """Staff accounts holding any of ``roles`` (of one department when given)."""
    query = Account.filter(kind=AccountKind.STAFF)
    if department_id is not None:
        query = query.filter(department_id=department_id)
    wanted = {role.value for role in roles}
    return [
        account.id
        for account in await query.only("id", "roles").order_by("id")
        if wanted & set(account.roles)
    ]


def _review(state: RequestState) -> State:
    return State(state, deadline=Deadline(STEP_DAYS[state]), on_enter=(Notify(_tell_office),))


#: 事项申请: the six steps of ITEM-4 as one process.
PROCESS = Process(
    name="item_request",
    label="事项申请",
    model=ItemRequest,
    state_field="state",
    noun="事项申请",
    field="id",
    state_word="环节",
    reason_field="opinion",
    reason_word="意见",
    lock_field="revision",
    illegal=IllegalItemRequestTransition,
    department=lambda request: request.department_id,
    states=(
        State(S.DRAFTING, on_enter=(Notify(_tell_department),)),
        _review(S.DIRECTORY_REVIEW),
        _review(S.STAFFING_REVIEW),
        _review(S.LEGAL_REVIEW),
        _review(S.APPROVAL),
        _review(S.FILING),
        State(
            S.PUBLISHED,
            terminal=True,
            on_enter=(
                Notify(_tell_department),
                Announce("ItemRequest", lambda request: str(request.id)),
            ),
        ),
        State(S.WITHDRAWN, terminal=True),
    ),
    actions=(
        Action("submit", "提交申请", frozenset({S.DRAFTING}), S.DIRECTORY_REVIEW, EDITOR),
        Action(
            "first_review",
            "初审通过",
            frozenset({S.DIRECTORY_REVIEW}),
            S.STAFFING_REVIEW,
            HasRole(StaffRole.DIRECTORY_REVIEWER.value),
            needs=Needs(reason=_OPINION),
        ),
        Action(
            "staffing_review",
            "编制审核通过",
            frozenset({S.STAFFING_REVIEW}),
            S.LEGAL_REVIEW,
            HasRole(StaffRole.STAFFING_REVIEWER.value),
            needs=Needs(reason=_OPINION),
        ),
        Action(
            "legal_review",
            "合法性审查通过",
            frozenset({S.LEGAL_REVIEW}),
            S.APPROVAL,
            HasRole(StaffRole.LEGAL_REVIEWER.value),
            needs=Needs(reason=_OPINION, basis=Need("请填写合法性审查所依据的法律法规", "basis")),
        ),
        Action(
            "approve",
            "审定通过",
            frozenset({S.APPROVAL}),
            S.FILING,
            HasRole(StaffRole.DIRECTORY_REVIEWER.value),
            needs=Needs(reason=_OPINION),
        ),
        Action(
            "file",
            "备案并发布",
            frozenset({S.FILING}),
            S.PUBLISHED,
            HasRole(StaffRole.SUPERVISION_FILER.value),
        ),
        Action(
            "return",
            "退回部门",
            REVIEW_STATES,
            S.DRAFTING,
            StepOffice(),
            needs=Needs(reason=Need("请填写退回理由", "opinion")),
        ),
        Action(
            "withdraw",
            "撤回申请",
            frozenset(
                {S.DRAFTING, S.DIRECTORY_REVIEW, S.STAFFING_REVIEW, S.LEGAL_REVIEW, S.APPROVAL}
            ),
            S.WITHDRAWN,
            EDITOR,
        ),
    ),
)

#: The actions a reviewer takes by name through ``reviewItemRequest``.
REVIEW_ACTIONS = ("first_review", "staffing_review", "legal_review", "approve", "file", "return")


def is_reader(principal: Principal) -> bool:
    """Administrators and staff holding a registry role read requests."""
    if principal.kind is PrincipalKind.ADMIN:
        return True
    return principal.kind is PrincipalKind.STAFF and bool(REGISTRY_ROLES & principal.roles)


def reads_all(principal: Principal) -> bool:
    """Administrators and the offices read every department's requests."""
    return principal.kind is PrincipalKind.ADMIN or bool(REVIEWER_ROLES & principal.roles)


def worklist_states(principal: Principal) -> list[RequestState]:
    """The steps the principal acts in: an office's review steps, an editor's drafts."""
    states = [s for s, (role, _) in OFFICES.items() if role.value in principal.roles]
    if StaffRole.ITEM_EDITOR.value in principal.roles:
        states.append(S.DRAFTING)
    return states
