"""The one engine that moves an instance of a process (issue 13).

:func:`check` decides, without writing, whether a principal may take an action on an
instance now: who (the action's rule, else ``FORBIDDEN``), whether the action leads from
the instance's state and its guards hold (else the process's typed illegal-transition
error naming the state and the action in Chinese), and the required reason and legal
basis (else ``INVALID_INPUT`` on that field). Domains that validate more between the check
and the write call it first; :func:`apply` checks again anyway.

:func:`apply` takes the step atomically, in the caller's transaction when there is one:
a conditional UPDATE on the state (and the process's version column) so of two staff
acting at once exactly one wins and the other gets the process's ``CONFLICT``; then the
step is appended to ``workflow_step`` and the hooks of the state entered run. It returns
the entities to announce as changed once the transaction commits.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tortoise.transactions import in_transaction

from servicehall import clock, db
from servicehall.auth.accounts import signed_in_account
from servicehall.auth.principal import Principal, PrincipalKind
from servicehall.errors import Forbidden, InvalidInput
from servicehall.models import LabelledEnum, WorkflowStep
from servicehall.notify.outbox import enqueue
from servicehall.workflow.process import Action, Announce, Need, Notify, Process

#: The longest reason or legal basis a step records.
MAX_TEXT = 500
START = "start"


@dataclass(frozen=True, slots=True)
class Actor:
    """Who takes a step, as the history records it."""

    identity: str
    name: str
    account_id: int | None = None
    department_code: str = ""
    ip: str = ""

    @classmethod
    def of(
        cls, principal: Principal, name: str, *, account_id: int | None = None, ip: str = ""
    ) -> Actor:
        return cls(principal.identity, name, account_id, principal.department_code or "", ip)


#: The hall itself: steps that follow from another step (a new bad rating reopens a
#: follow-up) or from a job.
SYSTEM = Actor("system", "系统")


#: The name the history shows for the operator at the command line.
OPERATOR_NAME = "运维人员（命令行）"


async def signed_in(principal: Principal, *, ip: str = "") -> Actor:
    """The signed-in account acting, with the name the history shows (or the operator at
    the command line, who has no account)."""
    if principal.kind is PrincipalKind.OPERATOR:
        return Actor.of(principal, OPERATOR_NAME, ip=ip)
    account = await signed_in_account(principal)
    return Actor.of(principal, account.display_name, account_id=account.id, ip=ip)


@dataclass(frozen=True, slots=True)
class Past:
    """A step taken before now, by ``actor`` at ``at``: a service given one records the
    step as of then and without the on-enter effects (``effects=False``), whose notices
    belong to that past. Demo data tells its history this way."""

    actor: Actor
    at: datetime


@dataclass(frozen=True, slots=True)
class Decision:
    action: Action
    role: str
    reason: str
    basis: str


@dataclass(frozen=True, slots=True)
class Applied:
    step: WorkflowStep
    action: Action | None
    #: ``(entity, key)`` pairs the on-enter hooks announce, for ``Changes.record``.
    changed: tuple[tuple[str, str], ...]


def state_of(process: Process, instance: Any) -> Any:
    return getattr(instance, process.state_field)


def available(process: Process, instance: Any) -> tuple[Action, ...]:
    """The actions open from the instance's state whose guards hold (who may take them
    aside): what a front end offers, what an illegal-transition message lists."""
    return tuple(
        a for a in process.actions_from(state_of(process, instance)) if a.available(instance)
    )


def _options(process: Process, instance: Any) -> str:
    return "、".join(a.label for a in available(process, instance)) or "无"


def illegal(
    process: Process, instance: Any, target: LabelledEnum, action: Action | None
) -> Exception:
    """The process's typed refusal of ``action`` (or of a move to ``target``)."""
    state = process.state(state_of(process, instance))
    what = f"“{action.label}”（转为“{target.label}”）" if action else f"转为“{target.label}”"
    return process.illegal(
        f"{process.noun}当前{process.state_word}为“{state.label}”，不能{what}；"
        f"可进行：{_options(process, instance)}",
        field=process.field,
        details={"from": state.value.value.upper(), "to": target.value.upper()},
    )


def _resolve(
    process: Process, instance: Any, wanted: str | LabelledEnum
) -> tuple[Action | None, LabelledEnum]:
    """The action asked for, by name or by the state it leads to, from the current state
    when there is one; else (None or an action from elsewhere, the target)."""
    if isinstance(wanted, str) and not isinstance(wanted, LabelledEnum):
        try:
            action = process.action(wanted)
        except KeyError:
            raise InvalidInput(
                f"{process.noun}没有“{wanted[:32]}”这项操作", field="action"
            ) from None
        return action, action.target
    here = [a for a in process.actions_from(state_of(process, instance)) if a.target == wanted]
    for action in here:
        if action.available(instance):
            return action, wanted
    return (here[0] if here else None), wanted


def _authorise(
    process: Process, instance: Any, action: Action | None, target: Any, principal: Principal
) -> str:
    """The role the principal acts in. For an action not open from the current state, the
    principal must still be someone who could take an action towards ``target`` (or any
    action at all when none leads there): outsiders learn nothing of the state."""
    if action is not None and state_of(process, instance) in action.sources:
        role = action.who.role(principal, instance)
        if role is None:
            raise Forbidden(
                f"您无权对该{process.noun}进行“{action.label}”操作", field=process.field
            )
        return role
    towards = [a for a in process.actions if a.target == target] or list(process.actions)
    for candidate in towards:
        role = candidate.who.role(principal, instance)
        if role is not None:
            return role
    raise Forbidden(f"您无权办理该{process.noun}", field=process.field)


def _text(value: str, need: Need | None, field: str, label: str) -> str:
    text = value.strip()
    if need is not None and len(text) < max(need.shortest, 1):
        raise InvalidInput(need.message, field=need.field)
    if len(text) > MAX_TEXT:
        raise InvalidInput(f"{label}不能超过{MAX_TEXT}字", field=need.field if need else field)
    return text


def check(
    process: Process,
    instance: Any,
    wanted: str | LabelledEnum,
    principal: Principal | None,
    *,
    reason: str = "",
    basis: str = "",
) -> Decision:
    """May ``principal`` take ``wanted`` (an action name, or the state to move to) now?
    ``None`` is the hall itself (see :data:`SYSTEM`): no rule applies, the rest does."""
    action, target = _resolve(process, instance, wanted)
    if principal is None:
        role = "system"
    else:
        role = _authorise(process, instance, action, target, principal)
    source = state_of(process, instance)
    if action is None or source not in action.sources or not action.available(instance):
        raise illegal(process, instance, target, action)
    return Decision(
        action,
        role,
        _text(reason, action.needs.reason, process.reason_field, process.reason_word),
        _text(basis, action.needs.basis, "basis", "法律依据"),
    )


async def apply(
    process: Process,
    instance: Any,
    wanted: str | LabelledEnum,
    principal: Principal | None,
    actor: Actor,
    *,
    reason: str = "",
    basis: str = "",
    changes: Mapping[str, Any] | None = None,
    now: datetime | None = None,
    then: Callable[[Any, WorkflowStep], Awaitable[None]] | None = None,
    effects: bool = True,
) -> Applied:
    """Take one action on ``instance`` (which is updated in place) and record it.

    ``changes`` are further columns written with the state in the same conditional update;
    ``then`` runs in the transaction after the step is recorded and before the hooks (for
    work that needs the step, such as re-reading a clock from the history). With
    ``effects=False`` the hooks of the state entered do not run: a step of the past being
    recorded (demo data), whose notices belong to that past.
    """
    decision = check(process, instance, wanted, principal, reason=reason, basis=basis)
    now = now or clock.now()
    source = state_of(process, instance)
    values = {process.state_field: decision.action.target, **(changes or {})}
    where: dict[str, Any] = {"id": instance.pk, process.state_field: source}
    if process.lock_field is not None:
        where[process.lock_field] = getattr(instance, process.lock_field)
    async with in_transaction(db.connection().connection_name):
        if not await process.model.filter(**where).update(**values):
            raise process.conflict(f"{process.noun}已被他人处理，请刷新后重试", field=process.field)
        for name, value in values.items():
            setattr(instance, name, value)
        step = await _record(
            process,
            instance,
            decision.action.name,
            source,
            actor,
            now,
            role=decision.role,
            reason=decision.reason,
            basis=decision.basis,
        )
        if then is not None:
            await then(instance, step)
        changed = await _enter(process, instance, step) if effects else ()
    return Applied(step, decision.action, changed)


async def start(
    process: Process,
    instance: Any,
    actor: Actor,
    *,
    reason: str = "",
    role: str = "",
    now: datetime | None = None,
    effects: bool = True,
) -> Applied:
    """Record the opening of a new ``instance`` (already saved, in the initial state) and
    run the initial state's hooks (unless ``effects=False``, see :func:`apply`), in the
    caller's transaction. Who may open an instance is the domain's rule (an applicant, an
    issuer)."""
    now = now or clock.now()
    async with in_transaction(db.connection().connection_name):
        step = await _record(
            process, instance, START, None, actor, now, role=role, reason=reason.strip(), basis=""
        )
        changed = await _enter(process, instance, step) if effects else ()
    return Applied(step, None, changed)


async def _record(
    process: Process,
    instance: Any,
    action: str,
    source: Any,
    actor: Actor,
    now: datetime,
    *,
    role: str,
    reason: str,
    basis: str,
) -> WorkflowStep:
    return await WorkflowStep.create(
        process=process.name,
        instance_id=instance.pk,
        action=action,
        from_state=None if source is None else source.value,
        to_state=state_of(process, instance).value,
        version=getattr(instance, process.lock_field) if process.lock_field else None,
        at=now,
        actor=actor.identity,
        actor_name=actor.name,
        actor_account_id=actor.account_id,
        role=role,
        actor_department=actor.department_code,
        department_id=process.department(instance),
        ip=actor.ip[:64],
        reason=reason,
        basis=basis,
    )


async def _enter(
    process: Process, instance: Any, step: WorkflowStep
) -> tuple[tuple[str, str], ...]:
    changed: list[tuple[str, str]] = []
    for hook in process.state(state_of(process, instance)).on_enter:
        if isinstance(hook, Notify):
            await enqueue(list(await hook.build(instance, step)))
        elif isinstance(hook, Announce):
            changed.append((hook.entity, hook.key(instance)))
    return tuple(changed)
