"""The cost model (F2, SEC-3) and the document cache's bounds (F1, F15), without a database."""

from __future__ import annotations

import gc
import tracemalloc
from pathlib import Path
from typing import Any

import pytest

from servicehall import seams
from servicehall.auth.principal import ANONYMOUS, Principal, PrincipalKind
from servicehall.schema import HallSchema, build_schema
from servicehall.schema import cost as cost_module
from servicehall.schema import documents as documents_module
from servicehall.schema.cost import DEFAULT_LIST_SIZE, cost_limit
from servicehall.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
#: Shipped operations run by someone signed in (the rest must pass anonymously).
SIGNED_IN = {"EnterprisePage"}
COST_BOMB = (
    "{ towns { villages { town { villages { town { villages { town { "
    "villages { town { villages { town { code } } } } } } } } } } } }"
)


def fragment_bomb(n: int, name: str = "") -> str:
    """``...F{i+1}`` twice in each of ``n`` chained fragments: 2**n walks when not memoised."""
    chain = " ".join(f"fragment F{i} on Query{{...F{i + 1} ...F{i + 1}}}" for i in range(n))
    return f"query {name}{{...F0}} {chain} fragment F{n} on Query{{departments{{code}}}}"


@pytest.fixture(scope="module")
def schema() -> HallSchema:
    return build_schema(Settings().query_limits)


def cost(schema: HallSchema, query: str, variables: dict[str, object] | None = None) -> int:
    prepared = schema.documents.prepare(query)
    assert not prepared.errors, prepared.errors
    (operation,) = prepared.operations()
    return prepared.cost(seams.graphql_schema(schema), operation, variables)


def shipped() -> list[Path]:
    kiosk = ROOT / "servicehall" / "kiosk" / "static" / "operations"
    return sorted([*(ROOT / "examples").glob("*.graphql"), *kiosk.glob("*.graphql")])


@pytest.mark.parametrize("path", shipped(), ids=lambda p: p.name)
def test_every_shipped_operation_is_well_under_its_limit(schema: HallSchema, path: Path) -> None:
    """F2, SEC-3: the kiosk's and the portal's own operations pass the anonymous limit (the
    enterprise page, which needs sign-in, the signed-in one) with room to spare."""
    settings = Settings()
    prepared = schema.documents.prepare(path.read_text())
    assert not prepared.errors
    for operation in prepared.operations():
        assert operation.name is not None
        value = prepared.cost(seams.graphql_schema(schema), operation, {"year": 2024})
        limit = (
            settings.max_cost_signed_in
            if operation.name.value in SIGNED_IN
            else settings.max_cost_anonymous
        )
        assert 0 < value <= limit // 2, (operation.name.value, value, limit)


def test_fields_cost_one_and_lists_multiply(schema: HallSchema) -> None:
    """F2: declared sizes are read from the field (towns 8, villages 40, departments 40),
    a connection's first/limit (literal, variable, variable default, schema default; at
    most the largest page) multiplies its edges only, undeclared lists take the default."""
    assert cost(schema, "{ towns { code name } }") == 1 + 8 * 2
    assert cost(schema, "{ towns { villages { code } } }") == 1 + 8 * (1 + 40 * 1)
    assert cost(schema, "{ departments { code } }") == 1 + 40
    page = "{ serviceItems(first: 5) { totalCount edges { node { code } } } }"
    assert cost(schema, page) == 1 + (1 + (1 + 5 * (1 + 1)))
    by_default = "{ serviceItems { edges { node { code } } } }"  # first: 20 in the schema
    assert cost(schema, by_default) == 1 + (1 + 20 * 2)
    variable = "query($n: Int!) { serviceItems(first: $n) { edges { cursor } } }"
    assert cost(schema, variable, {"n": 3}) == 1 + (1 + 3 * 1)
    # more than a page is refused by the resolver (INVALID_INPUT) before any work
    assert cost(schema, variable, {"n": 100_000}) == 1 + (1 + 100 * 1)
    defaulted = "query($n: Int = 7) { serviceItems(first: $n) { edges { cursor } } }"
    assert cost(schema, defaulted, {}) == 1 + (1 + 7 * 1)
    related = '{ enterprise(creditCode: "x") { relatedEnterprises(first: 3) { name } } }'
    assert cost(schema, related) == 1 + (1 + 3 * 1)  # a list with first: first multiplies
    guide = '{ serviceItem(code: "x") { guide { materials { name } } } }'
    assert cost(schema, guide) == 1 + (1 + (1 + DEFAULT_LIST_SIZE * 1))
    entities = (
        'query { _entities(representations: [{__typename: "Department", code: "A"}, '
        '{__typename: "Department", code: "B"}]) { __typename } }'
    )
    assert cost(schema, entities) == 1
    assert cost(schema, "{ __typename }") == 0


def test_the_128_character_query_costs_far_above_every_limit(schema: HallSchema) -> None:
    """F2: the reported bomb (151 s, 5.4 GB) is refused even for machine clients."""
    assert len(COST_BOMB) == 128
    assert cost(schema, COST_BOMB) > 100 * Settings().max_cost_machine


def test_fragment_fan_out_is_walked_once_per_fragment(
    schema: HallSchema, monkeypatch: pytest.MonkeyPatch
) -> None:
    """F1: 40 chained fragments, each spread twice, cost a walk of each selection set once
    (2**40 walks before: the counter stops a regression long before it would hang); each
    fragment counts once per selection set, as it runs."""
    walked = 0
    fields = cost_module._Walk._fields

    def counted(self: Any, *args: Any) -> int:
        nonlocal walked
        walked += 1
        if walked > 10_000:
            raise AssertionError("the fragment walk is not memoised")
        return fields(self, *args)

    monkeypatch.setattr(cost_module._Walk, "_fields", counted)
    for n in (31, 40):
        walked = 0
        prepared = schema.documents.prepare(fragment_bomb(n))
        (operation,) = prepared.operations()
        value = prepared.cost(seams.graphql_schema(schema), operation, None)
        assert not prepared.errors and value == 1 + 40
        assert walked <= 2 * (n + 2)


def test_costs_are_kept_per_value_of_the_size_variables(
    schema: HallSchema, monkeypatch: pytest.MonkeyPatch
) -> None:
    """F2: a document whose cost depends on ``$first`` is walked once per distinct value
    (persisted searches repeat a few page sizes) and never answers with another value's
    cost; a variable the cost does not read does not split the memo."""
    query = "query($n: Int!, $k: String) { serviceItems(first: $n) { edges { cursor } } }"
    prepared = schema.documents.prepare(query)
    (operation,) = prepared.operations()
    walks = 0
    operation_cost = cost_module.operation_cost

    def counted(*args: Any) -> Any:
        nonlocal walks
        walks += 1
        return operation_cost(*args)

    monkeypatch.setattr(documents_module, "operation_cost", counted)
    assert prepared.cost(seams.graphql_schema(schema), operation, {"n": 3, "k": "证"}) == 1 + (
        1 + 3
    )
    assert prepared.cost(seams.graphql_schema(schema), operation, {"n": 3, "k": "营业"}) == 1 + (
        1 + 3
    )
    assert prepared.cost(seams.graphql_schema(schema), operation, {"n": 9}) == 1 + (1 + 9)
    assert prepared.cost(seams.graphql_schema(schema), operation, {"n": 3}) == 1 + (1 + 3)
    assert walks == 2
    odd = {"n": "3"}  # not an Int (execution refuses it): walked, not kept
    assert prepared.document is not None
    fresh = operation_cost(seams.graphql_schema(schema), prepared.document, operation, odd).value
    assert prepared.cost(seams.graphql_schema(schema), operation, odd) == fresh != 1 + (1 + 3)
    assert prepared.cost(seams.graphql_schema(schema), operation, odd) == fresh
    assert walks == 4


def test_limits_depend_on_who_asks() -> None:
    """F2: anonymous callers and kiosks < people and staff < machine clients."""
    settings = Settings().query_limits
    person = Principal(PrincipalKind.PERSON, subject="p")
    staff = Principal(PrincipalKind.STAFF, subject="s")
    machine = Principal(PrincipalKind.MACHINE, client_id="tax")
    kiosk = Principal(PrincipalKind.KIOSK, client_id="k")
    assert cost_limit(settings, ANONYMOUS) == cost_limit(settings, kiosk)
    assert cost_limit(settings, ANONYMOUS) < cost_limit(settings, person)
    assert cost_limit(settings, person) == cost_limit(settings, staff)
    assert cost_limit(settings, staff) < cost_limit(settings, machine)


def _large(n: int) -> str:
    """About 16 KB: a long keyword (kept twice, as text and as token) and a few fields."""
    return f'query Q{n} {{ serviceItems(filter: {{keyword: "{"办" * 4000}"}}) {{ totalCount }} }}'


def test_the_document_cache_is_bounded_by_bytes() -> None:
    """F15: 1,100 large distinct documents keep the cache under its byte bound (1,100 took
    a worker from 119 MB to 655 MB when the cache was bounded by count only)."""
    bound = 1024 * 1024
    documents = build_schema(Settings(document_cache_bytes=bound).query_limits).documents
    for n in range(1100):
        assert not documents.get(_large(n)).errors
    assert documents.bytes <= bound
    assert 0 < len(documents) < 1100
    assert documents.get(_large(1099)) is documents.get(_large(1099))  # the newest stay


@pytest.mark.parametrize("make", [_large, fragment_bomb], ids=["long text", "many tokens"])
def test_the_size_estimate_errs_on_the_safe_side(schema: HallSchema, make: Any) -> None:
    """F15: what a prepared document really holds (measured) is below its estimate."""
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        kept = [schema.documents.prepare(make(n)) for n in range(20)]
        gc.collect()  # evicted documents are cycles (linked tokens) until collected
        held = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert held <= sum(p.size for p in kept)
