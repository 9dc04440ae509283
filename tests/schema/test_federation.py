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
