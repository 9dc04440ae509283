"""The e-licence catalogue (证照目录, LIC-1): entries, versions and their recorded lifecycle.

The lifecycle is the process :data:`PROCESS` (``servicehall.workflow``): 编目 (draft) → 注册
(registered) → 发布 (published, after an administrator's review; a review may also return the
entry to 编目) → 变更 (changed: a new version; licences keep the version they were issued under)
→ 废置 (abolished). A draft may be abolished unused; an abolished entry takes no step.

Who does what: staff holding the licence-issuer role draft entries of their own department,
edit drafts and register them; administrators may do that for any department and alone
review (publish or return), change and abolish. Every step appends a workflow step (who,
when, from where, why; read back through the ``license_catalog_event`` view) and an audit
event in the transaction of the step; a step taken meanwhile by someone else is a
``CONFLICT``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from tortoise.transactions import in_transaction

from servicehall import clock, db, workflow
from servicehall.auth.principal import Principal, PrincipalKind
from servicehall.codes import normalize_code
from servicehall.errors import (
    Conflict,
    Forbidden,
    IllegalCatalogTransition,
    InvalidInput,
    NotFound,
)
from servicehall.models import (
    AuditEvent,
    CatalogState,
    Department,
    HolderKind,
    LicenseCatalogEntry,
    LicenseCatalogVersion,
    StaffRole,
)
from servicehall.numbering import CATALOG_CODE
from servicehall.resolvers.license_fields import (
    FieldSpec,
    Validity,
    check_field_list,
    check_validity,
)
from servicehall.resolvers.outcome import Outcome, service, stepped
from servicehall.text import squash
from servicehall.workflow import (
    ADMIN,
    Action,
    Actor,
    AllOf,
    Announce,
    AnyOf,
    HasRole,
    Need,
    Needs,
    Process,
    SameDepartment,
    State,
)

S = CatalogState
#: Administrators, and licence issuers of the entry's own department.
EDITOR = AnyOf(
    ADMIN,
    AllOf(
        HasRole(StaffRole.LICENSE_ISSUER.value),
        SameDepartment(lambda entry: entry.department.code),
    ),
)
_REASON = Needs(reason=Need("请填写理由", "reason"))
_CHANGED = (Announce("LicenseCatalogEntry", lambda entry: entry.code),)
#: The lifecycle (LIC-1): who takes which step; publishing without review is no step.
PROCESS = Process(
    name="license_catalog",
    label="证照目录",
    model=LicenseCatalogEntry,
    state_field="state",
    lock_field="version",
    noun="证照目录",
    field="code",
    illegal=IllegalCatalogTransition,
    department=lambda entry: entry.department_id,
    states=(
        State(S.DRAFT, on_enter=_CHANGED),
        State(S.REGISTERED, on_enter=_CHANGED),
        State(S.PUBLISHED, on_enter=_CHANGED),
        State(S.CHANGED, on_enter=_CHANGED),
        State(S.ABOLISHED, terminal=True, on_enter=_CHANGED),
    ),
    actions=(
        Action("register", "注册", frozenset({S.DRAFT}), S.REGISTERED, EDITOR, _REASON),
        Action("publish", "审核发布", frozenset({S.REGISTERED}), S.PUBLISHED, ADMIN, _REASON),
        Action("return", "退回编目", frozenset({S.REGISTERED}), S.DRAFT, ADMIN, _REASON),
        Action("change", "变更", frozenset({S.PUBLISHED, S.CHANGED}), S.CHANGED, ADMIN, _REASON),
        Action(
            "abolish",
            "废置",
            frozenset({S.DRAFT, S.PUBLISHED, S.CHANGED}),
            S.ABOLISHED,
            ADMIN,
            _REASON,
        ),
    ),
)
#: Every legal step, derived from :data:`PROCESS`.
TRANSITIONS = PROCESS.transitions()
#: Licences are issued, and browse rights granted, only on these.
ISSUABLE = frozenset({S.PUBLISHED, S.CHANGED})
#: Everyone sees these; drafts and registered entries only their department and admins.
PUBLIC = frozenset({S.PUBLISHED, S.CHANGED, S.ABOLISHED})
MAX_REASON = 500


#: The signed-in account acting, with the name shown in histories.
actor_of = workflow.signed_in


def check_transition(state: CatalogState, to: CatalogState) -> None:
    """Refuse a step the process does not have from ``state`` (typed, naming both)."""
    if to not in TRANSITIONS[state]:
        raise workflow.illegal(PROCESS, LicenseCatalogEntry(state=state), to, None)


def can_edit(principal: Principal, department_code: str) -> bool:
    """Administrators, and licence issuers of the entry's own department."""
    if principal.kind is PrincipalKind.ADMIN:
        return True
    return (
        principal.kind is PrincipalKind.STAFF
        and StaffRole.LICENSE_ISSUER.value in principal.roles
        and principal.department_code == department_code
    )


def require_editor(principal: Principal, department_code: str) -> None:
    if not can_edit(principal, department_code):
        raise Forbidden("仅本部门证照签发人或系统管理员可编目、注册证照目录")


def check_reason(reason: str, *, required: bool = True) -> str:
    text = squash(reason)
    if required and not text:
        raise InvalidInput("请填写理由", field="reason")
    if len(text) > MAX_REASON:
        raise InvalidInput(f"理由不能超过{MAX_REASON}字", field="reason")
    return text


def check_code(raw: str) -> str:
    code = normalize_code(raw)
    if not CATALOG_CODE.fullmatch(code):
        raise InvalidInput("目录代码应为2到8位大写字母或数字，以字母开头（如SPJY）", field="code")
    return code


def check_name(raw: str) -> str:
    name = " ".join(raw.split())
    if not 2 <= len(name) <= 64:
        raise InvalidInput("证照名称应为2到64个字", field="name")
    return name


async def entry_by_code(code: str) -> LicenseCatalogEntry:
    entry = await LicenseCatalogEntry.get_or_none(code=check_code(code)).prefetch_related(
        "department"
    )
    if entry is None:
        raise NotFound(f"证照目录“{code[:16]}”不存在", field="code")
    return entry


async def _audit(
    entry: LicenseCatalogEntry, source: CatalogState | None, actor: Actor, reason: str
) -> None:
    await AuditEvent.record(
        f"license_catalog.{entry.state.value}",
        actor=actor.identity,
        target=f"license_catalog:{entry.code}",
        version=entry.version,
        reason=reason,
        **({"from": source.value} if source else {}),
    )


@stepped
async def create_entry(
    principal: Principal,
    *,
    code: str,
    name: str,
    department_code: str | None,
    holder_kind: HolderKind,
    field_list: Sequence[FieldSpec],
    validity: Validity,
    reason: str = "",
    now: datetime | None = None,
    ip: str = "",
) -> Outcome[LicenseCatalogEntry]:
    """A new entry in 编目 (draft) with its first version."""
    now = now or clock.now()
    department_code = department_code or principal.department_code
    if principal.kind is PrincipalKind.STAFF and department_code != principal.department_code:
        raise Forbidden("只能为本部门编目证照目录")
    department = await Department.get_or_none(code=(department_code or "").strip())
    if department is None:
        raise NotFound(f"部门“{(department_code or '')[:16]}”不存在", field="departmentCode")
    require_editor(principal, department.code)
    actor = await actor_of(principal, ip=ip)
    code = check_code(code)
    values = _version_values(name, field_list, validity)
    reason = check_reason(reason, required=False)
    if await LicenseCatalogEntry.exists(code=code):
        raise Conflict(f"目录代码“{code}”已被使用", field="code")
    async with in_transaction(db.connection().connection_name):
        entry = await LicenseCatalogEntry.create(
            code=code,
            name=values["name"],
            department=department,
            holder_kind=holder_kind,
            state=S.DRAFT,
            version=1,
            created_at=now,
        )
        await LicenseCatalogVersion.create(entry=entry, version=1, created_at=now, **values)
        role = "admin" if principal.kind is PrincipalKind.ADMIN else StaffRole.LICENSE_ISSUER.value
        started = await workflow.start(
            PROCESS, entry, actor, reason=reason or "新建编目", role=role, now=now
        )
        await _audit(entry, None, actor, reason or "新建编目")
    return Outcome(entry, started.changed)


def _version_values(
    name: str, field_list: Sequence[FieldSpec], validity: Validity
) -> dict[str, Any]:
    checked = check_validity(validity)
    return {
        "name": check_name(name),
        "field_list": check_field_list(field_list),
        "validity_rule": checked.rule,
        "term_months": checked.term_months,
    }


@service(lambda entry: [("LicenseCatalogEntry", entry.code)])
async def edit_draft(
    principal: Principal,
    code: str,
    *,
    name: str | None = None,
    holder_kind: HolderKind | None = None,
    field_list: Sequence[FieldSpec] | None = None,
    validity: Validity | None = None,
) -> LicenseCatalogEntry:
    """Change a draft in place (it has no licences and no second version yet)."""
    entry = await entry_by_code(code)
    require_editor(principal, entry.department.code)
    if entry.state is not S.DRAFT:
        raise IllegalCatalogTransition(
            f"证照目录当前为“{entry.state.label}”，只有编目状态可以修改；已发布的请变更",
            field="code",
            details={"from": entry.state.value.upper(), "to": S.DRAFT.value.upper()},
        )
    current = await LicenseCatalogVersion.get(entry=entry, version=entry.version)
    values = _version_values(
        name if name is not None else current.name,
        field_list
        if field_list is not None
        else [FieldSpec.from_json(f) for f in current.field_list],
        validity if validity is not None else Validity(current.validity_rule, current.term_months),
    )
    async with in_transaction(db.connection().connection_name):
        updated = await LicenseCatalogEntry.filter(
            id=entry.id, state=S.DRAFT, version=entry.version
        ).update(
            name=values["name"],
            holder_kind=holder_kind or entry.holder_kind,
            updated_at=clock.now(),
        )
        if not updated:
            raise Conflict("证照目录已被他人修改，请刷新后重试", field="code")
        await LicenseCatalogVersion.filter(id=current.id).update(**values)
    return await entry_by_code(entry.code)


@stepped
async def move(
    principal: Principal,
    code: str,
    to: CatalogState,
    *,
    reason: str,
    name: str | None = None,
    field_list: Sequence[FieldSpec] | None = None,
    validity: Validity | None = None,
    now: datetime | None = None,
    ip: str = "",
) -> Outcome[LicenseCatalogEntry]:
    """Take one step of the lifecycle, recorded; a change (→ 变更) adds a version built
    from the current one and what is given."""
    now = now or clock.now()
    entry = await entry_by_code(code)
    decision = workflow.check(PROCESS, entry, to, principal, reason=squash(reason))
    actor = await actor_of(principal, ip=ip)
    version = entry.version
    values: dict[str, Any] | None = None
    if to is S.CHANGED:
        current = await LicenseCatalogVersion.get(entry=entry, version=version)
        values = _version_values(
            name if name is not None else current.name,
            field_list
            if field_list is not None
            else [FieldSpec.from_json(f) for f in current.field_list],
            validity
            if validity is not None
            else Validity(current.validity_rule, current.term_months),
        )
        if _same_version(current, values):
            raise InvalidInput("变更内容与当前版本相同", field="fields")
        version += 1
    elif name is not None or field_list is not None or validity is not None:
        raise InvalidInput("只有变更时才能修改名称、字段或有效期规则", field="fields")
    source = entry.state
    async with in_transaction(db.connection().connection_name):
        updates: dict[str, Any] = {"version": version, "updated_at": now}
        if values is not None:
            updates["name"] = values["name"]
        applied = await workflow.apply(
            PROCESS,
            entry,
            decision.action.name,
            principal,
            actor,
            reason=decision.reason,
            changes=updates,
            now=now,
        )
        if values is not None:  # after the step: a concurrent change lost it already
            await LicenseCatalogVersion.create(
                entry=entry, version=version, created_at=now, **values
            )
        await _audit(entry, source, actor, decision.reason)
    return Outcome(await entry_by_code(entry.code), applied.changed)


def _same_version(current: LicenseCatalogVersion, values: dict[str, Any]) -> bool:
    return (
        current.name == values["name"]
        and current.field_list == values["field_list"]
        and current.validity_rule is values["validity_rule"]
        and current.term_months == values["term_months"]
    )
