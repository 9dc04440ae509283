"""Control characters are refused at the edge, on every input (F9, SEC-3).

PostgreSQL cannot store U+0000 in text at all (a NUL in any string argument became a
masked internal error), and no form or API of the hall has a use for the other C0
controls. One policy for every way text arrives:

- refused: U+0000–U+001F except TAB, LF and CR, U+007F (DEL), and unpaired surrogates
  (U+D800–U+DFFF: they cannot be encoded as UTF-8; JSON and GraphQL parsers already refuse
  most of them, this catches the rest);
- allowed everywhere: TAB, LF and CR, so multi-line text (comments, reasons, addresses)
  needs no per-field exception. Single-line fields reject them by their own format checks.

GraphQL gets it twice, before anything executes: a validation rule for string literals in
documents (inline arguments, default values, ``_entities`` representations written
inline) and :func:`variable_error` for variable values (walking nested objects and lists,
keys included). Both answer ``INVALID_CHARACTERS`` naming the argument or variable path.
The HTTP pipeline and the WebSocket path (:class:`InputGuard`) install both; the OAuth and
sign-in endpoints have their own guard (``auth/provider/params.py``) on the same pattern.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from graphql import (
    ArgumentNode,
    GraphQLError,
    ListValueNode,
    Node,
    ObjectFieldNode,
    StringValueNode,
    ValidationRule,
    VariableDefinitionNode,
)
from strawberry.extensions import SchemaExtension

from servicehall import seams
from servicehall.errors import InvalidCharacters

#: What no input may contain (see the module docstring for the policy).
FORBIDDEN = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")


def code_point(char: str) -> str:
    return f"U+{ord(char):04X}"


def refusal(text: str, field: str) -> InvalidCharacters | None:
    """The typed error for ``text`` arriving as ``field``, or None when it is clean."""
    found = FORBIDDEN.search(text)
    if found is None:
        return None
    char = code_point(found.group())
    return InvalidCharacters(
        f"“{field}”含有不允许的控制字符 {char}（第{found.start() + 1}个字符），请删除后重试",
        field=field,
        details={"character": char},
    )


def check_text(text: str, field: str) -> None:
    """Raise :class:`InvalidCharacters` if ``text`` holds a forbidden character."""
    error = refusal(text, field)
    if error is not None:
        raise error


def _graphql_error(error: InvalidCharacters, nodes: Node | None = None) -> GraphQLError:
    return GraphQLError(error.message, nodes, extensions=error.extensions)


def _strings(value: Any, path: str) -> Iterator[tuple[str, str]]:
    """Every string (dict keys included) in a JSON value with its path, depth-first
    without recursion (a JSON body may nest a thousand levels)."""
    stack: list[tuple[Any, str]] = [(value, path)]
    while stack:
        current, where = stack.pop()
        if isinstance(current, str):
            yield current, where
        elif isinstance(current, dict):
            for key, item in current.items():
                key_text = str(key)
                yield key_text, f"{where}.{key_text}"
                stack.append((item, f"{where}.{key_text}"))
        elif isinstance(current, list):
            stack.extend((item, f"{where}[{index}]") for index, item in enumerate(current))


def variable_error(variables: dict[str, Any] | None) -> GraphQLError | None:
    """``INVALID_CHARACTERS`` for the first variable value holding a forbidden character
    (its path as ``$name.field[0]``), or None. Run once before execution."""
    for name, value in (variables or {}).items():
        for text, path in ((str(name), f"${name}"), *_strings(value, f"${name}")):
            error = refusal(text, path)
            if error is not None:
                return _graphql_error(error)
    return None


class ControlCharacters(ValidationRule):
    """Refuses string literals holding a forbidden character, naming where they stand."""

    def enter_string_value(self, node: StringValueNode, *_: Any) -> None:
        if FORBIDDEN.search(node.value) is None:
            return
        error = refusal(node.value, self._path_of(node))
        assert error is not None
        self.report_error(_graphql_error(error, node))

    def _path_of(self, target: Node) -> str:
        """The argument path of a literal (``input.comment``, ``representations[0].code``,
        ``$x`` for a variable's default value)."""
        names: list[str] = []

        def walk(node: Any) -> bool:
            if node is target:
                return True
            if isinstance(node, ArgumentNode | ObjectFieldNode):
                names.append(node.name.value)
                if walk(node.value):
                    return True
                names.pop()
                return False
            if isinstance(node, VariableDefinitionNode):
                names.append(f"${node.variable.name.value}")
                if walk(node.default_value):
                    return True
                names.pop()
                return False
            if isinstance(node, ListValueNode):
                for index, item in enumerate(node.values):
                    names.append(f"[{index}]")
                    if walk(item):
                        return True
                    names.pop()
                return False
            if isinstance(node, Node):
                for key in node.keys:
                    child = getattr(node, key, None)
                    children = child if isinstance(child, tuple | list) else (child,)
                    if any(walk(c) for c in children if isinstance(c, Node)):
                        return True
            return False

        walk(self.context.document)
        path = "".join(n if n.startswith("[") else f".{n}" for n in names)
        return path.removeprefix(".") or "query"


class InputGuard(SchemaExtension):
    """The variable check on strawberry's path (WebSocket): once validation found nothing,
    a forbidden character in the variables becomes the operation's only error. Listed after
    ``ValidationCache``, which validates in its own ``on_validate``."""

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        if not seams.pre_execution_errors(context):
            error = variable_error(context.variables)
            if error is not None:
                seams.refuse_execution(context, [error])
        yield
