"""The kiosk's allow-list: the UI's own GraphQL operations, by SHA-256 (STA-4).

The kiosk UI ships its operations as ``static/operations/<Name>.graphql``, one named
operation per file whose first line says which service it belongs to
(``# service: guides``). The manifest is built from those very files when an app starts:
each is validated against the schema (a stale operation stops the start, not a
resident), hashed (SHA-256 of the file's text, Apollo's persisted-query hash), and
classified as public (every field public and cacheable, ``schema.cache``) or personal.
The UI learns the hashes from ``operations.json`` and sends only them; a kiosk endpoint
runs only what is in the manifest. Nothing is generated ahead of time: there is no build
step, and the UI cannot drift from the allow-list.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from graphql import GraphQLSchema, OperationDefinitionNode, OperationType, parse, validate

from servicehall.errors import InvalidInput
from servicehall.schema import cache as cache_policy

OPERATIONS_DIR = Path(__file__).parent / "static" / "operations"

#: What a resident can do at a kiosk, for the "unavailable" banner (Chinese: people read it).
SERVICES = {
    "guides": "办事站和办事指南",
    "progress": "办件进度查询",
    "rating": "办件评价",
}
_SERVICE_LINE = re.compile(r"#\s*service:\s*(\w+)")


class ManifestError(InvalidInput, ValueError):
    """An operation file is malformed or does not validate against the schema."""


@dataclass(frozen=True, slots=True)
class Operation:
    name: str
    sha256: str
    text: str
    service: str
    #: Every field public: answers may be kept and served while the hall is unreachable.
    public: bool
    mutation: bool


@dataclass(frozen=True, slots=True)
class Manifest:
    operations: tuple[Operation, ...]

    def by_hash(self, digest: str) -> Operation | None:
        return next((op for op in self.operations if op.sha256 == digest.lower()), None)

    def by_name(self, name: str) -> Operation | None:
        return next((op for op in self.operations if op.name == name), None)

    def as_json(self) -> dict[str, Any]:
        """What the UI fetches as ``operations.json``: hashes by name and service labels."""
        return {
            "operations": {
                op.name: {"sha256": op.sha256, "service": op.service, "public": op.public}
                for op in self.operations
            },
            "services": SERVICES,
        }


def _operation(path: Path, schema: GraphQLSchema) -> Operation:
    text = path.read_text(encoding="utf-8")
    first = text.splitlines()[0] if text else ""
    service = _SERVICE_LINE.fullmatch(first.strip())
    if service is None or service.group(1) not in SERVICES:
        raise ManifestError(
            f"{path.name}: the first line must be '# service: NAME' with NAME one of "
            f"{', '.join(SERVICES)}"
        )
    document = parse(text)
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if len(operations) != 1 or operations[0].name is None:
        raise ManifestError(f"{path.name}: exactly one named operation per file")
    operation = operations[0]
    if operation.name.value != path.stem:  # type: ignore[union-attr]
        raise ManifestError(f"{path.name}: the operation must be named {path.stem}")
    if operation.operation is OperationType.SUBSCRIPTION:
        raise ManifestError(f"{path.name}: kiosks do not subscribe")
    errors = validate(schema, document)
    if errors:
        raise ManifestError(f"{path.name}: {'; '.join(e.message for e in errors)}")
    return Operation(
        name=path.stem,
        sha256=hashlib.sha256(text.encode()).hexdigest(),
        text=text,
        service=service.group(1),
        public=cache_policy.decide(schema, document).cacheable,
        mutation=operation.operation is OperationType.MUTATION,
    )


def load_manifest(schema: GraphQLSchema, directory: Path = OPERATIONS_DIR) -> Manifest:
    """The allow-list built from the operation files in ``directory``.

    Raises:
        ManifestError: a file is malformed or fails validation against ``schema``.
    """
    paths = sorted(directory.glob("*.graphql"))
    if not paths:
        raise ManifestError(f"no operations in {directory}")
    return Manifest(tuple(_operation(path, schema) for path in paths))
