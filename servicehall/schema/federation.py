"""``_entities`` that checks each representation before resolving it (F10).

Strawberry's resolver looks a representation's ``__typename`` up in its type map and
calls the type's ``resolve_reference`` with the representation's fields: an unknown or
missing ``__typename`` is a ``KeyError`` and a missing key field a ``KeyError`` or
``TypeError``, all masked as ``INTERNAL_SERVER_ERROR``. A router sends what its query
plan says, so these are caller errors: each bad representation gets
``INVALID_REPRESENTATION`` (naming the typename or the key field) in its own slot of the
result, the good ones resolve as before (one loader batch per type).
"""

from __future__ import annotations

from typing import Any

import strawberry
from strawberry.federation.schema import FederationAny
from strawberry.federation.schema_directives import Key
from strawberry.types.base import StrawberryObjectDefinition

from servicehall import seams
from servicehall.errors import InvalidRepresentation
from servicehall.schema.context import Info
from servicehall.schema.documents import DocumentCache


class HallSchema(strawberry.federation.Schema):
    """The subgraph schema: checked ``_entities`` (F10) and the one cache of prepared
    documents that both transports use (F1, F2, F15)."""

    documents: DocumentCache
    _entity_keys: dict[str, list[list[str]]] | None = None

    def entity_keys(self) -> dict[str, list[list[str]]]:
        """Entity type name -> its keys (each a list of top-level field names)."""
        if self._entity_keys is None:
            keys: dict[str, list[list[str]]] = {}
            for name, definition in seams.strawberry_definitions(self).items():
                if not isinstance(definition, StrawberryObjectDefinition):
                    continue
                found = [
                    str(d.fields).replace("{", " ").replace("}", " ").split()
                    for d in definition.directives or ()
                    if isinstance(d, Key)
                ]
                if found:
                    keys[name] = found
            self._entity_keys = keys
        return self._entity_keys

    def representation_error(self, representation: Any, index: int) -> Exception | None:
        """Why a representation cannot be resolved, or None when it can be tried."""
        where = f"representations[{index}]"
        if not isinstance(representation, dict):
            return InvalidRepresentation(f"第{index + 1}个实体表示须为对象", field=where)
        keys = self.entity_keys()
        type_name = representation.get("__typename")
        if not isinstance(type_name, str) or type_name not in keys:
            shown = str(type_name)[:40] if type_name is not None else "（缺少 __typename）"
            return InvalidRepresentation(
                f"未知的实体类型“{shown}”，可用：{'、'.join(sorted(keys))}",
                field=f"{where}.__typename",
                details={"typename": shown},
            )
        for key in keys[type_name]:
            missing = [f for f in key if representation.get(f) is None]
            if not missing:
                wrong = [f for f in key if not isinstance(representation[f], str)]
                if wrong:
                    return InvalidRepresentation(
                        f"实体 {type_name} 的键字段 {wrong[0]} 须为字符串",
                        field=f"{where}.{wrong[0]}",
                        details={"typename": type_name, "keyField": wrong[0]},
                    )
                return None
        first = next(f for f in keys[type_name][0] if representation.get(f) is None)
        return InvalidRepresentation(
            f"实体 {type_name} 的表示缺少键字段 {first}",
            field=f"{where}.{first}",
            details={"typename": type_name, "keyField": first},
        )

    # strawberry builds the ``_entities`` field from this signature (and sets its return).
    def entities_resolver(
        self, info: Info, representations: list[FederationAny]
    ) -> list[FederationAny]:
        results: list[Any] = []
        for index, representation in enumerate(representations):
            error = self.representation_error(representation, index)
            if error is not None:
                results.append(error)  # graphql-core reports it at _entities[index]
            else:
                results.extend(super().entities_resolver(info, [representation]))
        return results
