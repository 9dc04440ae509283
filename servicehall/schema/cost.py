"""What an operation may cost before it runs (F2, SEC-3), computed from the document.

Every field costs 1. A field that returns many things multiplies the cost of what is
selected below it by how many it may return:

- its ``first``/``limit`` argument when it has one (a literal, the request's variable, the
  variable's default, or the argument's schema default; above the resolvers' largest
  page it counts as that page, since the resolver refuses it with INVALID_INPUT before
  any work);
- otherwise, for a list, the size declared on the field itself with :func:`list_size`
  (``strawberry.field(metadata=list_size(10))``), read back from graphql-core's
  ``extensions["strawberry-definition"]``: the field knows how big its list can be;
- otherwise a global default (:data:`DEFAULT_LIST_SIZE`).

A connection (a field with ``first`` that is not itself a list) passes its page size to
its ``edges``, declared :func:`paged`: the page multiplies the edges, not the
connection's ``totalCount``, ``pageInfo`` or facets. ``_entities`` counts its
``representations``.

The walk is linear: each fragment's own fields are costed once, and within one selection
set each fragment counts once however often it is spread (as graphql-core's field
collection runs it once), so a document cannot make the analysis itself expensive (F1).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLField,
    GraphQLNamedType,
    GraphQLNonNull,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    ListValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    ValueNode,
    VariableNode,
    get_named_type,
    is_list_type,
)

from servicehall.auth.principal import Principal, PrincipalKind
from servicehall.resolvers.paging import MAX_PAGE
from servicehall.settings import QueryLimits

QUERY_TOO_COSTLY = "QUERY_TOO_COSTLY"
#: The metadata keys :func:`list_size` and :func:`paged` set on a strawberry field.
LIST_SIZE = "servicehall.list_size"
PAGED = "servicehall.paged"
#: A list nobody declared a size for: most such lists in the hall are a record's few
#: children (a guide's materials, a year's months, a licence's fields); the long lists
#: (directories, catalogues) declare their real size, the pageable ones take ``first``.
DEFAULT_LIST_SIZE = 10
SIZE_ARGUMENTS = ("first", "limit")
COUNTED_ARGUMENTS = ("representations",)


def list_size(size: int) -> dict[str, int]:
    """Field metadata declaring at most how many items the list field returns."""
    return {LIST_SIZE: size}


def paged() -> dict[str, bool]:
    """Field metadata of a connection's ``edges``: as many as the connection's page size."""
    return {PAGED: True}


@dataclass(frozen=True, slots=True)
class Cost:
    value: int
    #: The variables the value depends on (a size argument given as a variable), by name.
    inputs: tuple[str, ...] = ()


def cost_key(
    inputs: tuple[str, ...], variables: Mapping[str, Any] | None
) -> tuple[Any, ...] | None:
    """What of ``variables`` a cost depending on ``inputs`` can differ by (a list's length,
    an integer), or None when a value is neither (the cost is then not worth keeping)."""
    key: list[Any] = []
    for name in inputs:
        value = (variables or {}).get(name)
        if isinstance(value, list | tuple):
            value = len(value)
        elif not (value is None or isinstance(value, int)):
            return None
        key.append(value)
    return tuple(key)


def operation_cost(
    schema: GraphQLSchema,
    document: DocumentNode,
    operation: OperationDefinitionNode,
    variables: Mapping[str, Any] | None,
) -> Cost:
    """The cost of running ``operation`` of a *valid* ``document`` with ``variables``."""
    walk = _Walk(schema, document, operation, variables or {})
    root = schema.get_root_type(operation.operation)
    value = 0 if root is None else walk.selections(operation.selection_set, root)
    return Cost(value, tuple(sorted(walk.inputs)))


def cost_limit(limits: QueryLimits, principal: Principal) -> int:
    """The most one request of ``principal`` may cost (anonymous < signed in < machine).

    A kiosk device serves anonymous residents and runs only the kiosk UI's operations: it
    gets the anonymous limit.
    """
    if principal.kind is PrincipalKind.MACHINE:
        return limits.max_cost_machine
    if principal.has_account:
        return limits.max_cost_signed_in
    return limits.max_cost_anonymous


def too_costly(cost: int, limit: int, node: OperationDefinitionNode | None = None) -> GraphQLError:
    return GraphQLError(
        f"查询代价{cost}，超过上限{limit}：请减少嵌套的列表或每页条数",
        node,
        extensions={
            "code": QUERY_TOO_COSTLY,
            "label": "查询过于复杂",
            "cost": cost,
            "limit": limit,
        },
    )


class _Walk:
    def __init__(
        self,
        schema: GraphQLSchema,
        document: DocumentNode,
        operation: OperationDefinitionNode,
        variables: Mapping[str, Any],
    ) -> None:
        self.schema = schema
        self.fragments = {
            d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
        }
        self.variables = variables
        self.defaults = {
            d.variable.name.value: d.default_value for d in operation.variable_definitions or ()
        }
        self.inputs: set[str] = set()
        self._own: dict[tuple[str, int | None], int] = {}
        self._reach: dict[str, frozenset[str]] = {}

    def selections(
        self, selection_set: SelectionSetNode, parent: GraphQLNamedType, page: int | None = None
    ) -> int:
        """The cost of a selection set: its own fields, then each fragment it reaches once.

        ``page`` is the page size of the connection the set belongs to (for its edges).
        """
        total = self._fields(selection_set, parent, page)
        reached: set[str] = set()
        for name in _spreads(selection_set):
            reached |= self._reachable(name)
        return total + sum(self._fragment_own(name, page) for name in reached)

    def _fields(
        self, selection_set: SelectionSetNode, parent: GraphQLNamedType, page: int | None
    ) -> int:
        """Fields of the set and of its inline fragments; spreads are counted by the caller."""
        total = 0
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                total += self._field(selection, parent, page)
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                inner = self.schema.get_type(condition.name.value) if condition else parent
                total += self._fields(selection.selection_set, inner or parent, page)
        return total

    def _field(self, node: FieldNode, parent: GraphQLNamedType, page: int | None) -> int:
        if node.name.value.startswith("__"):
            return 0  # __typename; introspection is bounded by the schema (off in prod)
        field = getattr(parent, "fields", {}).get(node.name.value)
        if field is None or node.selection_set is None:
            return 1
        named = get_named_type(field.type)
        kind = field.type.of_type if isinstance(field.type, GraphQLNonNull) else field.type
        size = self._size(node, field)
        if size is not None and not is_list_type(kind):  # a connection: its edges are paged
            return 1 + self.selections(node.selection_set, named, size)
        if size is None:
            size = self._list_size(node, field, page) if is_list_type(kind) else 1
        return 1 + size * self.selections(node.selection_set, named)

    def _size(self, node: FieldNode, field: GraphQLField) -> int | None:
        """The field's ``first``/``limit``, when it has one."""
        for name in SIZE_ARGUMENTS:
            if name in field.args:
                given = next((a.value for a in node.arguments or () if a.name.value == name), None)
                size = self._int(given, field.args[name].default_value)
                if size is not None:
                    return min(max(size, 0), MAX_PAGE)
        return None

    def _list_size(self, node: FieldNode, field: GraphQLField, page: int | None) -> int:
        for argument in node.arguments or ():
            if argument.name.value in COUNTED_ARGUMENTS:
                return self._length(argument.value)
        definition = field.extensions.get("strawberry-definition")
        declared = getattr(definition, "metadata", None) or {}
        if declared.get(PAGED):
            return DEFAULT_LIST_SIZE if page is None else page
        return int(declared.get(LIST_SIZE, DEFAULT_LIST_SIZE))

    def _value(self, node: ValueNode | None) -> Any:
        if isinstance(node, VariableNode):
            name = node.name.value
            self.inputs.add(name)
            if name in self.variables:
                return self.variables[name]
            return self._value(self.defaults.get(name))
        if isinstance(node, IntValueNode):
            return int(node.value)
        if isinstance(node, ListValueNode):
            return node.values
        return None

    def _int(self, node: ValueNode | None, default: Any) -> int | None:
        value = self._value(node) if node is not None else default
        # a non-integer does not coerce: the request fails before execution anyway
        return value if isinstance(value, int) and not isinstance(value, bool) else None

    def _length(self, node: ValueNode) -> int:
        value = self._value(node)
        return len(value) if isinstance(value, list | tuple) else 1

    def _reachable(self, name: str) -> frozenset[str]:
        """``name`` and every fragment its spreads reach without entering a field."""
        if name in self._reach:
            return self._reach[name]
        self._reach[name] = frozenset({name})  # a cycle (invalid anyway) stops here
        fragment = self.fragments.get(name)
        found = {name}
        if fragment is not None:
            for inner in _spreads(fragment.selection_set):
                found |= self._reachable(inner)
        self._reach[name] = frozenset(found)
        return self._reach[name]

    def _fragment_own(self, name: str, page: int | None) -> int:
        key = (name, page)
        if key not in self._own:
            self._own[key] = 0  # a cycle (invalid anyway) stops here
            fragment = self.fragments.get(name)
            if fragment is not None:
                condition = self.schema.get_type(fragment.type_condition.name.value)
                if condition is not None:
                    self._own[key] = self._fields(fragment.selection_set, condition, page)
        return self._own[key]


def _spreads(selection_set: SelectionSetNode) -> list[str]:
    """Fragment names spread in the set directly or inside its inline fragments."""
    names: list[str] = []
    for selection in selection_set.selections:
        if isinstance(selection, FragmentSpreadNode):
            names.append(selection.name.value)
        elif isinstance(selection, InlineFragmentNode):
            names.extend(_spreads(selection.selection_set))
    return names
