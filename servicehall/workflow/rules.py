"""Who may take an action, and on which instances: small predicate objects, declared as data.

A :class:`Rule` looks at the principal and the instance and answers with the role it lets
the principal act in (``"admin"``, ``"case_handler"``, ``"owner"``; ``""`` when a rule
allows without naming one), or ``None`` to refuse. The engine records that role with the
step. A :class:`Guard` looks at the instance alone: an action whose guard fails is not
available from the instance's state (the engine refuses it as an illegal transition).

Rules compose with :class:`AnyOf` and :class:`AllOf`, e.g. "an administrator, or a licence
issuer of the entry's own department"::

    AnyOf(ADMIN, AllOf(HasRole(StaffRole.LICENSE_ISSUER), SAME_DEPARTMENT))
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from servicehall.auth.principal import Principal, PrincipalKind


class Rule:
    """Who may act on an instance; subclasses are frozen dataclasses."""

    def role(self, principal: Principal, instance: Any) -> str | None:  # pragma: no cover
        raise NotImplementedError


@dataclass(frozen=True, slots=True)
class IsAdmin(Rule):
    """A system administrator."""

    def role(self, principal: Principal, instance: Any) -> str | None:
        return "admin" if principal.kind is PrincipalKind.ADMIN else None


@dataclass(frozen=True, slots=True)
class IsOperator(Rule):
    """The operator at the command line (``servicehall kiosk-devices …``)."""

    def role(self, principal: Principal, instance: Any) -> str | None:
        return "operator" if principal.kind is PrincipalKind.OPERATOR else None


@dataclass(frozen=True, slots=True)
class HasRole(Rule):
    """A staff member holding ``name`` (a ``StaffRole`` value)."""

    name: str

    def role(self, principal: Principal, instance: Any) -> str | None:
        if principal.kind is PrincipalKind.STAFF and self.name in principal.roles:
            return self.name
        return None


@dataclass(frozen=True, slots=True)
class SameDepartment(Rule):
    """Staff of the department responsible for the instance. ``department`` reads that
    department's code from the instance (its relation must be fetched)."""

    department: Callable[[Any], str | None]

    def role(self, principal: Principal, instance: Any) -> str | None:
        if principal.kind is not PrincipalKind.STAFF or principal.department_code is None:
            return None
        return "" if principal.department_code == self.department(instance) else None


@dataclass(frozen=True, slots=True)
class Owner(Rule):
    """The person or enterprise the instance belongs to: ``owner`` reads the owner's
    account subject or enterprise credit code from the instance."""

    owner: Callable[[Any], str | None]

    def role(self, principal: Principal, instance: Any) -> str | None:
        wanted = self.owner(instance)
        if wanted is None:
            return None
        if principal.kind is PrincipalKind.ENTERPRISE and principal.enterprise_code == wanted:
            return "owner"
        if principal.kind is PrincipalKind.PERSON and principal.subject == wanted:
            return "owner"
        return None


@dataclass(frozen=True, slots=True)
class AnyOf(Rule):
    rules: tuple[Rule, ...]

    def __init__(self, *rules: Rule) -> None:
        object.__setattr__(self, "rules", rules)

    def role(self, principal: Principal, instance: Any) -> str | None:
        for rule in self.rules:
            found = rule.role(principal, instance)
            if found is not None:
                return found
        return None


@dataclass(frozen=True, slots=True)
class AllOf(Rule):
    rules: tuple[Rule, ...]

    def __init__(self, *rules: Rule) -> None:
        object.__setattr__(self, "rules", rules)

    def role(self, principal: Principal, instance: Any) -> str | None:
        roles = [rule.role(principal, instance) for rule in self.rules]
        if any(r is None for r in roles):
            return None
        return next((r for r in roles if r), "")


@dataclass(frozen=True, slots=True)
class Nobody(Rule):
    """No person: an action only the hall itself takes (``principal=None``)."""

    def role(self, principal: Principal, instance: Any) -> str | None:
        return None


ADMIN = IsAdmin()
OPERATOR = IsOperator()
NOBODY = Nobody()


# -- guards on the instance --------------------------------------------------------------------


class Guard:
    """A condition on the instance under which an action is available."""

    def holds(self, instance: Any) -> bool:  # pragma: no cover
        raise NotImplementedError


@dataclass(frozen=True, slots=True)
class IsSet(Guard):
    """``field`` of the instance has a value (e.g. a case was accepted)."""

    field: str

    def holds(self, instance: Any) -> bool:
        return getattr(instance, self.field) is not None


@dataclass(frozen=True, slots=True)
class IsUnset(Guard):
    field: str

    def holds(self, instance: Any) -> bool:
        return getattr(instance, self.field) is None


@dataclass(frozen=True, slots=True)
class OneOf(Guard):
    """``field`` of the instance is one of ``values`` (e.g. a case submitted online)."""

    field: str
    values: frozenset[Any]

    def holds(self, instance: Any) -> bool:
        return getattr(instance, self.field) in self.values
