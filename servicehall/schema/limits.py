"""Limits every operation must pass before it runs (SEC-3): depth, aliases, tokens.

The rules are plain graphql-core validation rules, run once per distinct document by
``schema/documents.py``'s cache, which serves the HTTP pipeline and strawberry's WebSocket
path alike, so both refuse the same documents with the same codes. The cost limit, which
depends on who asks, is in ``schema/cost.py``; the run-time limits (timeout, response
size) have their codes here.
"""

from __future__ import annotations

from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    ValidationRule,
)
from graphql.validation import (
    ASTValidationRule,
    NoSchemaIntrospectionCustomRule,
    specified_rules,
)

from servicehall.schema.inputs import ControlCharacters
from servicehall.settings import QueryLimits

QUERY_TOO_DEEP = "QUERY_TOO_DEEP"
TOO_MANY_ALIASES = "TOO_MANY_ALIASES"
QUERY_TOO_LARGE = "QUERY_TOO_LARGE"
INTROSPECTION_DISABLED = "INTROSPECTION_DISABLED"
EXECUTION_TIMEOUT = "EXECUTION_TIMEOUT"
RESPONSE_TOO_LARGE = "RESPONSE_TOO_LARGE"


def execution_timeout(seconds: float) -> GraphQLError:
    return GraphQLError(
        f"查询执行超过{seconds:g}秒，已中止",
        extensions={"code": EXECUTION_TIMEOUT, "label": "查询超时"},
    )


def response_too_large(size: int, limit: int) -> GraphQLError:
    return GraphQLError(
        f"查询结果{size}字节，超过上限{limit}字节：请减少每页条数或所选字段",
        extensions={"code": RESPONSE_TOO_LARGE, "label": "查询结果过大", "limit": limit},
    )


def _depth(
    selection_set: SelectionSetNode | None,
    fragments: dict[str, FragmentDefinitionNode],
    memo: dict[str, int],
) -> int:
    """How deep the fields of ``selection_set`` nest, following fragment spreads.

    ``memo`` holds each fragment's depth once computed, so a fragment spread twice in each
    of 40 chained fragments costs 40 walks, not 2**40 (F1).
    """
    if selection_set is None:
        return 0
    deepest = 0
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode):
            if selection.name.value.startswith("__"):
                continue  # introspection is switched off in prod, not depth limited
            deepest = max(deepest, 1 + _depth(selection.selection_set, fragments, memo))
        elif isinstance(selection, InlineFragmentNode):
            deepest = max(deepest, _depth(selection.selection_set, fragments, memo))
        elif isinstance(selection, FragmentSpreadNode):
            deepest = max(deepest, _fragment_depth(selection.name.value, fragments, memo))
    return deepest


def _fragment_depth(
    name: str, fragments: dict[str, FragmentDefinitionNode], memo: dict[str, int]
) -> int:
    if name not in memo:
        fragment = fragments.get(name)
        memo[name] = 0  # while being walked: a cycle ends here (another rule's error)
        if fragment is not None:
            memo[name] = _depth(fragment.selection_set, fragments, memo)
    return memo[name]


def depth_limit(max_depth: int) -> type[ValidationRule]:
    """A rule refusing operations whose fields nest deeper than ``max_depth``."""

    class DepthLimit(ValidationRule):
        def __init__(self, context: Any) -> None:
            super().__init__(context)
            self.fragments = {
                d.name.value: d
                for d in context.document.definitions
                if isinstance(d, FragmentDefinitionNode)
            }
            self.memo: dict[str, int] = {}  # shared by the document's operations

        def enter_operation_definition(self, node: OperationDefinitionNode, *_: Any) -> None:
            depth = _depth(node.selection_set, self.fragments, self.memo)
            if depth > max_depth:
                self.report_error(
                    GraphQLError(
                        f"查询嵌套{depth}层，超过上限{max_depth}层",
                        node,
                        extensions={"code": QUERY_TOO_DEEP, "label": "查询过于复杂"},
                    )
                )

    return DepthLimit


def alias_limit(max_aliases: int) -> type[ValidationRule]:
    """A rule refusing documents with more than ``max_aliases`` aliases in all."""

    class AliasLimit(ValidationRule):
        def __init__(self, context: Any) -> None:
            super().__init__(context)
            self.count = 0
            self.reported = False

        def enter_field(self, node: FieldNode, *_: Any) -> None:
            if node.alias is None or self.reported:
                return
            self.count += 1
            if self.count > max_aliases:
                self.reported = True
                self.report_error(
                    GraphQLError(
                        f"别名超过{max_aliases}个",
                        node,
                        extensions={"code": TOO_MANY_ALIASES, "label": "查询过于复杂"},
                    )
                )

    return AliasLimit


class NoIntrospection(NoSchemaIntrospectionCustomRule):
    """graphql-core's rule, with a code; ``__typename`` and federation fields still work."""

    def report_error(self, error: GraphQLError) -> None:
        super().report_error(
            GraphQLError(
                "此环境不开放结构自省（introspection）",
                error.nodes,
                extensions={"code": INTROSPECTION_DISABLED, "label": "不支持的查询"},
            )
        )


def extra_rules(limits: QueryLimits) -> list[type[ASTValidationRule]]:
    """The hall's rules on top of the specification's."""
    rules: list[type[ASTValidationRule]] = [
        depth_limit(limits.max_query_depth),
        alias_limit(limits.max_aliases),
        ControlCharacters,  # F9: string literals without control characters
    ]
    if not limits.introspection_enabled:
        rules.append(NoIntrospection)
    return rules


def validation_rules(limits: QueryLimits) -> tuple[type[ASTValidationRule], ...]:
    """Every rule a document is validated with (the specification's and the hall's)."""
    return (*specified_rules, *extra_rules(limits))
