"""Operation texts parsed, validated and analysed once per process, for HTTP and WebSocket.

:class:`DocumentCache` is an LRU bounded by entries *and* by bytes (F15): a parsed
document keeps its text and, per token, a token object and AST nodes, so each entry's
size is estimated from both (measured with ``tracemalloc`` on graphql-core 3.3: the text
is held about three times over, as the key, the source and token values, in its Python
width, 1, 2 or 4 bytes a character; and 500-900 bytes per token; the factors round up).
:class:`PreparedDocuments` puts the same cache, rules and cost limit in front of
strawberry's WebSocket path, so both transports refuse the same documents alike.
"""

from __future__ import annotations

import hashlib
import sys
from collections import OrderedDict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import orjson
from graphql import (
    DocumentNode,
    ExecutionResult,
    GraphQLError,
    GraphQLSchema,
    GraphQLSyntaxError,
    OperationDefinitionNode,
    parse,
    validate,
)
from strawberry.extensions import SchemaExtension

from servicehall import seams
from servicehall.auth.principal import ANONYMOUS, Principal
from servicehall.schema import cache as cache_policy
from servicehall.schema.cost import cost_key, cost_limit, operation_cost, too_costly
from servicehall.schema.limits import QUERY_TOO_LARGE, response_too_large, validation_rules
from servicehall.settings import QueryLimits

#: Estimated copies of its text and bytes per token a cached entry holds.
TEXT_COPIES = 4
BYTES_PER_TOKEN = 1024
#: Costs kept per document for distinct values of its size variables (``first`` …).
KEPT_COSTS = 32


@dataclass(frozen=True, slots=True)
class Prepared:
    """A document parsed, validated and analysed once, reused by every request sending it.

    ``document`` is None when the text does not parse; ``errors`` is empty when it is valid.
    """

    digest: str
    document: DocumentNode | None
    errors: tuple[GraphQLError, ...]
    cache: cache_policy.CacheDecision
    size: int
    #: Per operation name, the variables its cost depends on (once computed) ...
    cost_inputs: dict[str | None, tuple[str, ...]] = field(default_factory=dict)
    #: ... and its cost per operation name and values of those variables (a few kept).
    costs: dict[tuple[str | None, tuple[Any, ...]], int] = field(default_factory=dict)

    def operations(self) -> list[OperationDefinitionNode]:
        assert self.document is not None
        return [d for d in self.document.definitions if isinstance(d, OperationDefinitionNode)]

    def cost(
        self,
        schema: GraphQLSchema,
        operation: OperationDefinitionNode,
        variables: Mapping[str, Any] | None,
    ) -> int:
        """The operation's cost with these variables (linear in the document; kept per
        values of the variables it depends on, such as ``first``)."""
        name = operation.name.value if operation.name else None
        inputs = self.cost_inputs.get(name)
        if inputs is not None:
            key = cost_key(inputs, variables)
            if key is not None and (name, key) in self.costs:
                return self.costs[name, key]
        assert self.document is not None
        cost = operation_cost(schema, self.document, operation, variables)
        self.cost_inputs[name] = cost.inputs
        key = cost_key(cost.inputs, variables)
        if key is not None and len(self.costs) < KEPT_COSTS:
            self.costs[name, key] = cost.value
        return cost.value


class DocumentCache:
    """LRU of prepared documents keyed by their text, bounded by count and by bytes."""

    def __init__(self, limits: QueryLimits) -> None:
        self.limits = limits
        self.schema: GraphQLSchema | None = None
        self._rules = validation_rules(limits)
        self._items: OrderedDict[str, Prepared] = OrderedDict()
        self.bytes = 0

    def bind(self, schema: GraphQLSchema) -> None:
        """Set the schema (built after the extensions that hold this cache)."""
        self.schema = schema

    def __len__(self) -> int:
        return len(self._items)

    def get(self, query: str) -> Prepared:
        prepared = self._items.get(query)
        if prepared is not None:
            self._items.move_to_end(query)
            return prepared
        prepared = self.prepare(query)
        self._items[query] = prepared
        self.bytes += prepared.size
        while self._items and (
            len(self._items) > self.limits.document_cache_size
            or self.bytes > self.limits.document_cache_bytes
        ):
            _, dropped = self._items.popitem(last=False)
            self.bytes -= dropped.size
        return prepared

    def prepare(self, query: str) -> Prepared:
        """Parse, validate and analyse ``query`` (without keeping it)."""
        assert self.schema is not None, "DocumentCache.bind() was not called"
        digest = hashlib.sha256(query.encode()).hexdigest()
        size = TEXT_COPIES * sys.getsizeof(query)
        try:
            document = parse(query, max_tokens=self.limits.max_tokens)
        except GraphQLSyntaxError as error:
            if "tokens" in error.message:
                error.extensions = {"code": QUERY_TOO_LARGE, "label": "查询过大"}
            else:
                error.extensions = {"code": "GRAPHQL_PARSE_FAILED", "label": "查询语法错误"}
            return Prepared(digest, None, (error,), cache_policy.UNCACHEABLE, size)
        size += BYTES_PER_TOKEN * _tokens(document)
        errors = validate(self.schema, document, self._rules)
        if errors:
            return Prepared(digest, document, tuple(errors), cache_policy.UNCACHEABLE, size)
        decision = cache_policy.decide(self.schema, document)
        return Prepared(digest, document, (), decision, size)

    def check_cost(
        self,
        prepared: Prepared,
        operation: OperationDefinitionNode,
        variables: Mapping[str, Any] | None,
        principal: Principal,
    ) -> GraphQLError | None:
        """``QUERY_TOO_COSTLY`` when the operation costs more than ``principal`` may spend."""
        assert self.schema is not None
        cost = prepared.cost(self.schema, operation, variables)
        limit = cost_limit(self.limits, principal)
        return too_costly(cost, limit, operation) if cost > limit else None


def _tokens(document: DocumentNode) -> int:
    count, token = 0, document.loc.start_token if document.loc else None
    while token is not None:
        count, token = count + 1, token.next
    return count


class PreparedDocuments(SchemaExtension):
    """Strawberry's parse and validate steps (the WebSocket path) served by the hall's
    :class:`DocumentCache`: the same rules, cost limit and memory bound as HTTP."""

    def __init__(self, documents: DocumentCache) -> None:
        super().__init__()
        self.documents = documents
        self.prepared: Prepared | None = None

    def on_parse(self) -> Iterator[None]:
        context = self.execution_context
        if seams.parsed_document(context) is None and context.query:
            self.prepared = self.documents.get(context.query)
            # None when it does not parse: strawberry parses it again and reports why
            seams.use_parsed_document(context, self.prepared.document)
        yield

    def on_validate(self) -> Iterator[None]:
        context, prepared = self.execution_context, self.prepared
        if prepared is not None and seams.parsed_document(context) is not None:
            if prepared.errors:
                seams.refuse_execution(context, prepared.errors)
            else:
                operation = _operation(prepared, context.operation_name)
                principal = getattr(context.context, "principal", ANONYMOUS)
                error = None
                if operation is not None:
                    error = self.documents.check_cost(
                        prepared, operation, context.variables, principal
                    )
                seams.refuse_execution(context, [error] if error else [])
        yield

    def on_execute(self) -> Iterator[None]:
        yield
        # the response-size cap of a query or mutation (F2); subscriptions stream events
        result = self.execution_context.result
        if isinstance(result, ExecutionResult) and result.data is not None:
            size, limit = len(orjson.dumps(result.data)), self.documents.limits.max_response_bytes
            if size > limit:
                result.data, result.errors = None, [response_too_large(size, limit)]


def _operation(prepared: Prepared, name: str | None) -> OperationDefinitionNode | None:
    operations = prepared.operations()
    if name is None:
        return operations[0] if len(operations) == 1 else None
    return next((op for op in operations if op.name and op.name.value == name), None)
