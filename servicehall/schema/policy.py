"""Who may share a field's answer, and which data it reads, said where the field is defined.

Every object type declares a default with :func:`declare` (or :func:`root` for the mixins
that make up ``Query``, ``Mutation`` and ``Subscription``); a field that differs overrides
it through strawberry's field options, ``strawberry.field(..., metadata=override(...))``.
A field guarded by permission classes is private whatever it declares. Strawberry's own
types (page info, ``_service``, ``_entities``) and the generic wrappers (connections,
edges, labelled enum values) derive their policy from what they wrap, so nobody has to
remember them. The response cache (``servicehall.schema.cache``) and the change announcer
(``servicehall.changes``, through :func:`entity_domains`) read nothing else, and
``tests/schema/test_policy.py`` fails naming every type, and every root field, that
declares nothing. A field inherits its type's default: one whose answer depends on the
caller on a public type must carry its override (or a permission class).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import IntEnum
from typing import Any, TypeVar

from graphql import (
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLSchema,
    get_named_type,
    is_abstract_type,
)
from strawberry.types.base import StrawberryObjectDefinition

from servicehall.domains import Domain

__all__ = [
    "Access",
    "Domain",
    "Policy",
    "declare",
    "entity_domains",
    "field_policy",
    "object_types",
    "override",
    "possible_types",
    "root",
    "type_policy",
    "undeclared",
]

T = TypeVar("T", bound=type)

#: The key of a field's override in strawberry's ``metadata``.
METADATA_KEY = "servicehall.policy"
_ATTRIBUTE = "__servicehall_policy__"


class Access(IntEnum):
    """Ordered from most to least shareable, so combining takes the maximum."""

    #: The same answer for everyone: may be shared from the response cache.
    PUBLIC = 0
    #: The answer depends on who asks, or is rate limited per caller: never shared.
    PER_PRINCIPAL = 1
    #: Guarded by a permission check and/or a logged read: never shared.
    PRIVATE = 2


@dataclass(frozen=True, slots=True)
class Policy:
    access: Access
    domain: Domain
    #: Other names writes announce this type's entities under (``Changes.record`` kinds).
    announced_as: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class _Override:
    access: Access | None
    domain: Domain | None


def declare(
    access: Access, domain: Domain, *, announced_as: Iterable[str] = ()
) -> Callable[[T], T]:
    """Class decorator: the default policy of every field of this object type."""
    policy = Policy(access, domain, tuple(announced_as))

    def mark(cls: T) -> T:
        setattr(cls, _ATTRIBUTE, policy)
        return cls

    return mark


def root(access: Access) -> Callable[[T], T]:
    """Class decorator for a Query/Mutation/Subscription mixin: the access of the fields it
    defines; a root field reads the domains of the types it returns."""
    return declare(access, Domain.NEUTRAL)


def override(access: Access | None = None, domain: Domain | None = None) -> dict[str, Any]:
    """``metadata`` for ``strawberry.field``: this field differs from its type's default."""
    if access is None and domain is None:
        raise ValueError("override() needs an access or a domain")
    return {METADATA_KEY: _Override(access, domain)}


def _own(cls: object) -> Policy | None:
    # Only the class's own declaration: a subclass (Query composed of mixins, the
    # federation's generated Query) must not inherit one by accident.
    found = vars(cls).get(_ATTRIBUTE) if isinstance(cls, type) else None
    return found if isinstance(found, Policy) else None


#: Strawberry's own object types, which the hall cannot decorate.
_STRAWBERRY_TYPES = {
    "PageInfo": Policy(Access.PUBLIC, Domain.NEUTRAL),
    "_Service": Policy(Access.PUBLIC, Domain.NEUTRAL),
}


def _definition(type_: GraphQLNamedType | Any) -> StrawberryObjectDefinition | None:
    extensions = getattr(type_, "extensions", None) or {}
    definition = extensions.get("strawberry-definition")
    return definition if isinstance(definition, StrawberryObjectDefinition) else None


def _combine(policies: Iterable[Policy | None]) -> Policy | None:
    """The policy of something made of these parts: as private as the most private one."""
    collected = list(policies)
    if not collected or any(p is None for p in collected):
        return None
    parts = [p for p in collected if p is not None]
    domains = {p.domain for p in parts} - {Domain.NEUTRAL}
    return Policy(
        max(p.access for p in parts),
        domains.pop() if len(domains) == 1 else Domain.NEUTRAL,
    )


def _policy_of_argument(argument: object) -> Policy | None:
    definition = getattr(argument, "__strawberry_definition__", None)
    if definition is None:  # an enum or a scalar: no data of its own
        return Policy(Access.PUBLIC, Domain.NEUTRAL)
    if definition.type_var_map:
        return _combine(_policy_of_argument(a) for a in definition.type_var_map.values())
    return _own(definition.origin)


def type_policy(type_: GraphQLNamedType) -> Policy | None:
    """An object type's declared (or derived) default policy; None when nothing says."""
    definition = _definition(type_)
    if definition is None:
        return None
    if definition.type_var_map:  # Connection[Case], Edge[Case], Labelled[CaseStage]
        return _combine(_policy_of_argument(a) for a in definition.type_var_map.values())
    if definition.origin.__module__.startswith("strawberry."):
        return _STRAWBERRY_TYPES.get(type_.name)
    return _own(definition.origin)


def possible_types(schema: GraphQLSchema, type_: GraphQLNamedType) -> list[GraphQLNamedType]:
    """The object types an interface or union may be; a concrete type itself."""
    if is_abstract_type(type_):
        return list(schema.get_possible_types(type_))
    return [type_]


#: Strawberry's federation fields on ``Query``, which the hall cannot annotate.
_FEDERATION_FIELDS = ("_service", "_entities")


def field_policy(schema: GraphQLSchema, parent: GraphQLObjectType, name: str) -> Policy | None:
    """The effective policy of ``parent.name``; None when neither it nor its type says."""
    field = parent.fields[name]
    if parent is schema.query_type and name in _FEDERATION_FIELDS:
        # as shareable as the most private type they may return; they read those types
        returned = possible_types(schema, get_named_type(field.type))
        derived = _combine(type_policy(t) for t in returned)
        return None if derived is None else Policy(derived.access, Domain.NEUTRAL)
    definition = (field.extensions or {}).get("strawberry-definition")
    if definition is None:
        return None
    declared = _own(definition.origin) or type_policy(parent)
    found = definition.metadata.get(METADATA_KEY)
    change = found if isinstance(found, _Override) else _Override(None, None)
    # Access.PUBLIC is 0: compare with None, never rely on truth
    access = change.access if change.access is not None else getattr(declared, "access", None)
    domain = change.domain if change.domain is not None else getattr(declared, "domain", None)
    if access is None or domain is None:
        return None
    if definition.permission_classes:  # guarded: never shared, whatever it says
        access = max(access, Access.PRIVATE)
    return Policy(access, domain)


def object_types(schema: GraphQLSchema) -> list[GraphQLObjectType]:
    """Every object type but introspection's."""
    return [
        t
        for name, t in sorted(schema.type_map.items())
        if isinstance(t, GraphQLObjectType) and not name.startswith("__")
    ]


_ROOTS = ("query_type", "mutation_type", "subscription_type")


def undeclared(schema: GraphQLSchema) -> list[str]:
    """Every object type (``Type``) and field (``Type.field``) whose policy nothing says.

    Root types have no default of their own: each root field says it through its mixin.
    """
    roots = {getattr(schema, r) for r in _ROOTS} - {None}
    missing: list[str] = []
    for type_ in object_types(schema):
        if type_ not in roots and type_policy(type_) is None:
            missing.append(type_.name)
            continue
        missing.extend(
            f"{type_.name}.{name}"
            for name in type_.fields
            if field_policy(schema, type_, name) is None
        )
    return missing


def entity_domains(schema: GraphQLSchema) -> dict[str, Domain]:
    """The domain of every kind a write may announce: each object type that reads a domain,
    under its GraphQL name and the names it is ``announced_as``."""
    found: dict[str, Domain] = {}
    for type_ in object_types(schema):
        policy = type_policy(type_)
        if policy is None or policy.domain is Domain.NEUTRAL:
            continue
        for name in (type_.name, *policy.announced_as):
            found[name] = policy.domain
    return found
