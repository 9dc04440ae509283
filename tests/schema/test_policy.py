"""Policy on the field (issue 13): every type and field of the schema says whether its
answer may be shared from the response cache and which data domain it reads, and the
cache decides from nothing else (SEC-1: no caller ever gets another's answer)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import strawberry
from graphql import GraphQLObjectType, GraphQLSchema, parse

from servicehall import seams
from servicehall.cache.memory import MemoryBackend
from servicehall.changes import Changes
from servicehall.schema import build_schema
from servicehall.schema.cache import UNCACHEABLE, CacheDecision, decide, field_decision
from servicehall.schema.permissions import SignedIn
from servicehall.schema.policy import (
    Access,
    Domain,
    declare,
    entity_domains,
    object_types,
    override,
    root,
    undeclared,
)
from servicehall.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
SCHEMA: GraphQLSchema = seams.graphql_schema(build_schema(Settings().query_limits))

#: The decision of every field of the schema as the side tables of schema/cache.py made it
#: before issue 13 (None: not shareable; else the domains its cached answers are keyed by).
BEFORE: dict[str, dict[str, list[str] | None]] = json.loads(
    (Path(__file__).parent / "cache_decisions_before_issue13.json").read_text(encoding="utf-8")
)

#: ``changes.ENTITY_DOMAINS`` before issue 13: the kinds writes announce today.
ENTITY_DOMAINS_BEFORE = {
    "ServiceItem": "catalogue",
    "Department": "catalogue",
    "Theme": "catalogue",
    "TargetGroup": "catalogue",
    "BusinessScope": "catalogue",
    "Enterprise": "enterprise",
    "Announcement": "portal",
    "GovernmentInformation": "information",
    "Rating": "ratings",
    "LicenseCatalogEntry": "licenses",
    "LicenseGrant": "licenses",
    "License": "licenses",
    "Station": "stations",
    "Town": "stations",
    "Village": "stations",
}

#: What the side tables decided for every shipped operation before issue 13.
SHIPPED_BEFORE = {
    "examples/enterprise-page.graphql": UNCACHEABLE,
    "servicehall/kiosk/static/operations/CaseProgress.graphql": UNCACHEABLE,
    "servicehall/kiosk/static/operations/CreateCaptcha.graphql": UNCACHEABLE,
    "servicehall/kiosk/static/operations/ItemGuide.graphql": CacheDecision(
        True, ("catalogue", "ratings")
    ),
    "servicehall/kiosk/static/operations/KioskHome.graphql": CacheDecision(True, ("stations",)),
    "servicehall/kiosk/static/operations/RateCase.graphql": UNCACHEABLE,
    "servicehall/kiosk/static/operations/StationPage.graphql": CacheDecision(
        True, ("catalogue", "stations")
    ),
    # issue 21: a station's keyword box, cached and dropped like the station page
    "servicehall/kiosk/static/operations/StationSearch.graphql": CacheDecision(
        True, ("catalogue", "stations")
    ),
}


def test_every_object_type_and_field_declares_a_policy() -> None:
    """Walks every object type and field of the built schema (introspection aside) and
    names each one whose policy nothing declares or derives."""
    walked = {t.name for t in object_types(SCHEMA)}
    # federation, Relay, connections, edges, payloads and labelled enum wrappers included
    assert {
        "Query",
        "Mutation",
        "Subscription",
        "_Service",
        "PageInfo",
        "CaseConnection",
        "CaseEdge",
        "ServiceItemConnection",
        "CasePayload",
        "UserError",
        "CaseStageLabelled",
    } <= walked
    assert not any(name.startswith("__") for name in walked)
    missing = undeclared(SCHEMA)
    assert not missing, (
        "declare a policy where these are defined (@declare / @root on the type, "
        f"strawberry.field(metadata=override(...)) on the field): {', '.join(missing)}"
    )


@strawberry.type
class Gossip:  # a new type nobody classified
    text: str


@strawberry.type
class GossipQuery:  # a root field without a mixin declaration
    @strawberry.field
    def gossip(self) -> Gossip:
        return Gossip(text="...")


@declare(Access.PUBLIC, Domain.CATALOGUE)
@strawberry.type
class Item:
    name: str
    # the answer depends on who asks: declared where the field is
    mine: bool = strawberry.field(metadata=override(Access.PER_PRINCIPAL))
    # guarded: private whatever it claims
    notes: str = strawberry.field(permission_classes=[SignedIn], metadata=override(Access.PUBLIC))


@root(Access.PUBLIC)
@strawberry.type
class ItemQuery:
    @strawberry.field
    def item(self) -> Item:
        return Item(name="x", mine=False, notes="")


def test_a_type_or_field_that_declares_nothing_is_named_and_never_shared() -> None:
    schema = seams.graphql_schema(strawberry.Schema(query=GossipQuery))
    assert undeclared(schema) == ["Gossip", "GossipQuery.gossip"]
    assert decide(schema, parse("{ gossip { text } }")) == UNCACHEABLE


def test_a_per_principal_field_on_a_public_type_is_never_shared() -> None:
    schema = seams.graphql_schema(strawberry.Schema(query=ItemQuery))
    assert undeclared(schema) == []
    assert decide(schema, parse("{ item { name } }")) == CacheDecision(True, ("catalogue",))
    assert decide(schema, parse("{ item { name mine } }")) == UNCACHEABLE
    assert decide(schema, parse("{ item { name notes } }")) == UNCACHEABLE
    # without its override, `mine` would be shared: the fault the declaration prevents
    item = schema.type_map["Item"]
    assert isinstance(item, GraphQLObjectType)
    assert field_decision(schema, item, "name").cacheable


def test_every_field_decides_as_the_side_tables_did() -> None:
    """The cacheable set stays the same: every field that existed before issue 13 is
    shareable exactly when it was, keyed by the same domains."""
    changed = []
    for type_ in object_types(SCHEMA):
        for name in type_.fields:
            if name not in BEFORE.get(type_.name, {}):
                continue  # added since: the walk above covers it
            before = BEFORE[type_.name][name]
            now = field_decision(SCHEMA, type_, name)
            expected = UNCACHEABLE if before is None else CacheDecision(True, tuple(before))
            if now != expected:
                changed.append(f"{type_.name}.{name}: {expected} -> {now}")
    assert not changed, changed
    assert sum(len(fields) for fields in BEFORE.values()) == 775  # the data is whole


@pytest.mark.parametrize("path", sorted(SHIPPED_BEFORE))
def test_shipped_operations_keep_their_decisions(path: str) -> None:
    document = parse((ROOT / path).read_text(encoding="utf-8"))
    assert decide(SCHEMA, document) == SHIPPED_BEFORE[path]


def test_every_shipped_operation_is_checked() -> None:
    shipped = {
        str(p.relative_to(ROOT))
        for pattern in ("examples/*.graphql", "servicehall/kiosk/static/operations/*.graphql")
        for p in ROOT.glob(pattern)
    }
    assert shipped == set(SHIPPED_BEFORE)


def test_announced_kinds_take_their_domains_from_the_declarations() -> None:
    domains = entity_domains(SCHEMA)
    assert {kind: domains.get(kind) for kind in ENTITY_DOMAINS_BEFORE} == ENTITY_DOMAINS_BEFORE
    # types that read no stored data cannot be announced
    assert "PageInfo" not in domains and "CategoryTab" not in domains


async def test_a_kind_no_type_declares_is_refused_before_announcing() -> None:
    cache = MemoryBackend()
    changes = Changes(cache, entity_domains(SCHEMA))
    with pytest.raises(LookupError, match="Gossip"):
        await changes.record(("ServiceItem", "1"), ("Gossip", "1"))
    assert await changes.generations(["catalogue"]) == (0,)
    await changes.record(("Rating", "X1"))
    assert await changes.generations(["ratings"]) == (1,)


def test_override_needs_something_to_say() -> None:
    with pytest.raises(ValueError, match="override"):
        override()


def test_federation_fields_derive_their_policy() -> None:
    query = SCHEMA.query_type
    assert query is not None
    assert field_decision(SCHEMA, query, "_service").cacheable
    # _entities may return cases and licences: never shared
    assert field_decision(SCHEMA, query, "_entities") == UNCACHEABLE
