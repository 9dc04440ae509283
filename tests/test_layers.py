"""The layers' import rules and the one-of-each entry points (issue 13).

These read the source, so a schema module that starts importing a model, running SQL or
announcing changes itself fails here before review.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from servicehall.auth.accounts import CLI_OPERATOR, require_account, require_admin
from servicehall.auth.principal import Principal, PrincipalKind
from servicehall.errors import Forbidden, Unauthenticated
from servicehall.resolvers.outcome import Outcome, service

PACKAGE = Path(__file__).resolve().parents[1] / "servicehall"


def _modules(folder: str) -> list[Path]:
    return sorted((PACKAGE / folder).glob("*.py"))


def _imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.append(node.module)
            found.extend(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            found.extend(alias.name for alias in node.names)
    return found


@pytest.mark.parametrize("path", _modules("schema"), ids=lambda p: p.name)
def test_schema_modules_import_no_models_and_no_database(path: Path) -> None:
    """Issue 13: the schema maps input and output; rules, models and SQL live below it."""
    bad = [
        name
        for name in _imports(path)
        if name.startswith(("servicehall.models", "servicehall.db", "tortoise"))
    ]
    assert not bad, f"{path.name} imports {sorted(set(bad))}"
    assert not re.search(r"\bdb\.", path.read_text(encoding="utf-8")), path.name


def _calls_changes_record(path: Path) -> bool:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "record"
        ):
            target = node.func.value
            # ``x.changes.record(...)``, ``changes.record(...)``, ``_changes(...).record(...)``
            text = ast.unparse(target)
            if "changes" in text.lower():
                return True
    return False


def test_changes_are_announced_in_one_place() -> None:
    """Issue 13: ``Changes.record`` has one caller, ``resolvers.outcome.settle``."""
    callers = sorted(
        str(path.relative_to(PACKAGE))
        for path in PACKAGE.rglob("*.py")
        if "migrations" not in path.parts and _calls_changes_record(path)
    )
    assert callers == ["resolvers/outcome.py"]


def test_the_operator_is_trusted_like_an_administrator_and_nobody_else_is() -> None:
    """Issue 13: the CLI calls the services the mutations call, as the operator."""
    assert require_admin(CLI_OPERATOR) is CLI_OPERATOR
    assert CLI_OPERATOR.identity == "operator:cli"
    with pytest.raises(Unauthenticated):
        require_account(CLI_OPERATOR)  # the operator has no account
    with pytest.raises(Unauthenticated):
        require_admin(Principal(PrincipalKind.ANONYMOUS))
    with pytest.raises(Forbidden):
        require_admin(Principal(PrincipalKind.STAFF, subject="s1"))
    admin = Principal(PrincipalKind.ADMIN, subject="a1")
    assert require_admin(admin) is admin


async def test_a_declared_service_returns_its_result_or_its_outcome() -> None:
    """Issue 13: tests and the CLI get the plain result, adapters the changed entities."""

    @service(lambda number: [("License", number)])
    async def issue(prefix: str) -> str:
        return f"{prefix}-1"

    assert await issue("L") == "L-1"
    assert await issue.outcome("L") == Outcome("L-1", (("License", "L-1"),))
