"""Which operations' responses may be cached and shared, decided from the document alone.

A query is *public-cacheable* when every field it selects is declared public where it is
defined (``servicehall.schema.policy``: no permission class guards it, neither it nor its
type says per-principal or private) and every type it may return is public too. Its cached
response is keyed by the generations of the data *domains* those fields and types read (see
``servicehall.changes``), so a committed write makes every affected entry unreachable at
once. A type that declares nothing makes the operation uncacheable (and fails
``tests/schema/test_policy.py``); a field takes its type's default, so a field of a public
type whose answer depends on the caller must say so where it is defined, unless a
permission class guards it.
"""

from __future__ import annotations

from dataclasses import dataclass

from graphql import (
    DocumentNode,
    FieldNode,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLSchema,
    OperationDefinitionNode,
    OperationType,
    TypeInfo,
    TypeInfoVisitor,
    Visitor,
    get_named_type,
    is_leaf_type,
    visit,
)

from servicehall.schema.policy import Access, Domain, field_policy, possible_types, type_policy


@dataclass(frozen=True, slots=True)
class CacheDecision:
    cacheable: bool
    domains: tuple[str, ...] = ()


UNCACHEABLE = CacheDecision(False)


def decide(schema: GraphQLSchema, document: DocumentNode) -> CacheDecision:
    """Whether the document's queries may share cached responses, and on which domains."""
    if any(
        isinstance(d, OperationDefinitionNode) and d.operation is not OperationType.QUERY
        for d in document.definitions
    ):
        return UNCACHEABLE
    domains: set[str] = set()
    cacheable = True
    type_info = TypeInfo(schema)

    class Collect(Visitor):
        def enter_field(self, node: FieldNode, *_: object) -> None:
            nonlocal cacheable
            parent = type_info.get_parent_type()
            if parent is None or type_info.get_field_def() is None:
                cacheable = False
            elif not node.name.value.startswith("__"):
                decision = field_decision(schema, parent, node.name.value)
                cacheable = cacheable and decision.cacheable
                domains.update(decision.domains)

    visit(document, TypeInfoVisitor(type_info, Collect()))
    return CacheDecision(True, tuple(sorted(domains))) if cacheable else UNCACHEABLE


def field_decision(schema: GraphQLSchema, parent: GraphQLNamedType, name: str) -> CacheDecision:
    """Whether selecting ``parent.name`` keeps a query shareable, and the domains it reads:
    the field's own (on every concrete parent) and those of every type it may return."""
    domains: set[Domain | None] = set()
    field = getattr(parent, "fields", {}).get(name)
    if field is None:
        return UNCACHEABLE
    for owner in possible_types(schema, parent):
        policy = field_policy(schema, owner, name) if isinstance(owner, GraphQLObjectType) else None
        if policy is None or policy.access is not Access.PUBLIC:
            return UNCACHEABLE
        domains.add(policy.domain)
    for type_ in possible_types(schema, get_named_type(field.type)):
        if not is_leaf_type(type_):
            domains.add(_type_domain(type_))
    if None in domains:
        return UNCACHEABLE
    return CacheDecision(True, tuple(sorted(str(d) for d in domains - {None, Domain.NEUTRAL})))


def _type_domain(type_: GraphQLNamedType) -> Domain | None:
    """The domain a public type reads; None (uncacheable) for any other or undeclared one."""
    policy = type_policy(type_)
    return policy.domain if policy is not None and policy.access is Access.PUBLIC else None
