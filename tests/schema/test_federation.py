"""Federation: entities resolve through DataLoaders, one statement for any number of keys."""

from __future__ import annotations

import httpx

from servicehall.demo.enterprises import generate_enterprises
from tests.conftest import StatementCounter, gql

ENTITIES = """
query($representations: [_Any!]!) {
  _entities(representations: $representations) {
    __typename
    ... on ServiceItem { code name }
    ... on Enterprise { creditCode name }
    ... on Department { code name }
  }
}
"""


async def _item_codes(client: httpx.AsyncClient, count: int) -> list[str]:
    body = await gql(
        client,
        "query($n: Int!) { serviceItems(first: $n) { edges { node { code } } } }",
        {"n": count},
    )
    return [edge["node"]["code"] for edge in body["data"]["serviceItems"]["edges"]]


async def test_entities_resolve_in_order_with_unknown_keys_null(
    demo_client: httpx.AsyncClient,
) -> None:
    codes = await _item_codes(demo_client, 3)
    enterprise = generate_enterprises(1)[0]
    representations = [
        {"__typename": "ServiceItem", "code": codes[2]},
        {"__typename": "Enterprise", "creditCode": enterprise.credit_code},
        {"__typename": "ServiceItem", "code": "NOPE-XK-0001"},
        {"__typename": "ServiceItem", "code": codes[0]},
    ]
    body = await gql(demo_client, ENTITIES, {"representations": representations})
    entities = body["data"]["_entities"]
    assert entities[0]["code"] == codes[2]
    assert entities[1] == {
        "__typename": "Enterprise",
        "creditCode": enterprise.credit_code,
        "name": enterprise.name,
    }
    assert entities[2] is None
    assert entities[3]["code"] == codes[0]


async def test_one_statement_per_entity_type_whatever_the_count(
    demo_client: httpx.AsyncClient, sql_counter: StatementCounter
) -> None:
    codes = await _item_codes(demo_client, 100)
    for count in (1, 100):
        sql_counter.reset()
        representations = [{"__typename": "ServiceItem", "code": c} for c in codes[:count]]
        body = await gql(demo_client, ENTITIES, {"representations": representations})
        assert len(body["data"]["_entities"]) == count
        assert sql_counter.count == 1


async def test_service_sdl_is_the_committed_schema(demo_client: httpx.AsyncClient) -> None:
    body = await gql(demo_client, "{ _service { sdl } }")
    sdl = body["data"]["_service"]["sdl"]
    assert '@key(fields: "creditCode")' in sdl
    assert 'type ServiceItem implements Node @key(fields: "code")' in sdl


async def test_bad_representations_are_typed_errors_in_their_own_slot(
    demo_client: httpx.AsyncClient,
) -> None:
    """F10: an unknown or missing ``__typename``, a missing or non-string key field and a
    representation that is no object answer INVALID_REPRESENTATION naming what is wrong,
    not INTERNAL_SERVER_ERROR; the good representations beside them still resolve."""
    codes = await _item_codes(demo_client, 1)
    representations: list[object] = [
        {"__typename": "Nope", "code": "x"},
        {"__typename": "ServiceItem"},
        {"__typename": "ServiceItem", "code": codes[0]},
        {"code": codes[0]},
        {"__typename": "Enterprise", "creditCode": 91440403},
        {"__typename": "Query"},
        "ServiceItem",
    ]
    body = await gql(demo_client, ENTITIES, {"representations": representations})
    entities = body["data"]["_entities"]
    assert entities[2]["code"] == codes[0]
    assert [e is None for e in entities] == [True, True, False, True, True, True, True]
    errors = {tuple(e["path"]): e["extensions"] for e in body["errors"]}
    assert all(e["code"] == "INVALID_REPRESENTATION" for e in errors.values()), body
    assert all(e["label"] == "实体表示无效" for e in errors.values())
    assert errors[("_entities", 0)]["typename"] == "Nope"
    assert errors[("_entities", 0)]["field"] == "representations[0].__typename"
    assert errors[("_entities", 1)] == {
        "code": "INVALID_REPRESENTATION",
        "label": "实体表示无效",
        "field": "representations[1].code",
        "typename": "ServiceItem",
        "keyField": "code",
    }
    assert errors[("_entities", 3)]["field"] == "representations[3].__typename"
    assert errors[("_entities", 4)]["keyField"] == "creditCode"
    assert errors[("_entities", 5)]["typename"] == "Query"  # a type, but no entity
    assert errors[("_entities", 6)]["field"] == "representations[6]"
    assert len(errors) == 6
