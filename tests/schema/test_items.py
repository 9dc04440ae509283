"""ITEM-1..3 through GraphQL: search with facets, the service guide, dimensions, Relay."""

from __future__ import annotations

from typing import Any

import httpx

from servicehall.resolvers.item_terms import rename_item
from servicehall.settings import Settings
from tests.conftest import StatementCounter, gql, load_test_demo, opened, running

SEARCH = """
query Search($filter: ServiceItemFilter, $first: Int!, $after: String) {
  serviceItems(filter: $filter, first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage hasPreviousPage endCursor }
    edges { cursor node { id code name kind { value label } status { label }
      department { code name } themes { code name } targetGroups { code name }
      businessScopes { code name level { label } } kioskCategory { value label } } }
    facets {
      themes { value label count selected }
      targetGroups { value label count }
      businessScopes { value label count }
      departments { value label count }
    }
  }
}
"""


async def test_search_returns_items_with_facets(demo_client: httpx.AsyncClient) -> None:
    body = await gql(demo_client, SEARCH, {"filter": {"keyword": "证"}, "first": 5})
    assert "errors" not in body, body
    result = body["data"]["serviceItems"]
    assert result["totalCount"] > 5
    assert result["pageInfo"]["hasNextPage"] is True
    assert result["pageInfo"]["hasPreviousPage"] is False
    assert len(result["edges"]) == 5
    for edge in result["edges"]:
        node = edge["node"]
        assert "证" in node["name"] or "证" in node["department"]["name"]
        assert node["kind"]["label"] and node["status"]["label"] == "在用"
        assert node["themes"] and node["targetGroups"]
    departments = result["facets"]["departments"]
    assert sum(f["count"] for f in departments) == result["totalCount"]


async def test_paging_walks_every_item_once(demo_client: httpx.AsyncClient) -> None:
    seen: list[str] = []
    after = None
    total = None
    while True:
        body = await gql(
            demo_client, SEARCH, {"filter": {"keyword": "许可"}, "first": 25, "after": after}
        )
        result = body["data"]["serviceItems"]
        total = result["totalCount"]
        seen += [edge["node"]["code"] for edge in result["edges"]]
        if not result["pageInfo"]["hasNextPage"]:
            break
        after = result["pageInfo"]["endCursor"]
    assert len(seen) == len(set(seen)) == total


async def test_kiosk_category_tabs_and_filter(demo_client: httpx.AsyncClient) -> None:
    body = await gql(demo_client, "{ kioskCategories { category label } }")
    tabs = body["data"]["kioskCategories"]
    assert [t["label"] for t in tabs] == [
        "全部",
        "国土资源",
        "人口计生",
        "民政事务",
        "城乡医保",
        "农村经济",
    ]
    assert tabs[0]["category"] is None
    body = await gql(demo_client, SEARCH, {"filter": {"category": "CIVIL_AFFAIRS"}, "first": 50})
    edges = body["data"]["serviceItems"]["edges"]
    assert edges
    assert {e["node"]["kioskCategory"]["label"] for e in edges} == {"民政事务"}


GUIDE = """
query Guide($code: String!) {
  serviceItem(code: $code) {
    id code name statutoryLimitDays promisedLimitDays visitsRequired onlineApplicationUrl
    guide {
      legalBasis conditions isFree whereToApply officeHours phone resultDelivery
      materials { name form { value label } originals copies required }
      fees { name standard basis }
      process { order name description }
    }
  }
}
"""


async def _first_code(client: httpx.AsyncClient, keyword: str) -> str:
    body = await gql(client, SEARCH, {"filter": {"keyword": keyword}, "first": 1})
    code: str = body["data"]["serviceItems"]["edges"][0]["node"]["code"]
    return code


async def test_service_guide_is_complete(demo_client: httpx.AsyncClient) -> None:
    code = await _first_code(demo_client, "许可")
    body = await gql(demo_client, GUIDE, {"code": code})
    item = body["data"]["serviceItem"]
    guide = item["guide"]
    assert item["code"] == code
    assert item["promisedLimitDays"] <= item["statutoryLimitDays"]
    assert guide["legalBasis"] and guide["conditions"] and guide["materials"]
    assert [step["order"] for step in guide["process"]] == list(range(1, len(guide["process"]) + 1))
    assert guide["isFree"] == (guide["fees"] == [])
    assert guide["materials"][0]["form"]["label"] in {"原件", "复印件", "原件及复印件", "电子材料"}


async def test_unknown_item_is_null_and_malformed_code_is_typed(
    demo_client: httpx.AsyncClient,
) -> None:
    body = await gql(demo_client, GUIDE, {"code": "SCJG-XK-9999"})
    assert body["data"] == {"serviceItem": None}
    body = await gql(demo_client, GUIDE, {"code": "'; DROP TABLE service_item; --"})
    error = body["errors"][0]
    assert error["extensions"]["code"] == "INVALID_INPUT"
    assert error["extensions"]["field"] == "code"
    assert error["path"] == ["serviceItem"]


async def test_relay_node_round_trip(demo_client: httpx.AsyncClient) -> None:
    code = await _first_code(demo_client, "登记")
    body = await gql(demo_client, GUIDE, {"code": code})
    node_id = body["data"]["serviceItem"]["id"]
    body = await gql(
        demo_client,
        "query($id: ID!) { node(id: $id) { id ... on ServiceItem { code } } }",
        {"id": node_id},
    )
    assert body["data"]["node"] == {"id": node_id, "code": code}


async def test_dimension_lists(demo_client: httpx.AsyncClient) -> None:
    body = await gql(
        demo_client,
        """{ departments { code name shortName phone }
             person: themes(audience: PERSON) { code name audience { value label } }
             themes { code }
             targetGroups { code name }
             businessScopes { code name level { value } divisions { code name sectionCode } } }""",
    )
    data = body["data"]
    assert len(data["departments"]) >= 15
    assert {t["audience"]["label"] for t in data["person"]} == {"个人办事"}
    assert len(data["themes"]) > len(data["person"])
    sections = data["businessScopes"]
    assert [s["code"] for s in sections][:3] == ["A", "B", "C"] and len(sections) == 20
    assert sum(len(s["divisions"]) for s in sections) == 97
    assert all(d["sectionCode"] == s["code"] for s in sections for d in s["divisions"])


async def test_department_items_connection(demo_client: httpx.AsyncClient) -> None:
    body = await gql(
        demo_client,
        "{ departments { code items(first: 3) { totalCount "
        "edges { node { department { code } } } } } }",
    )
    for department in body["data"]["departments"]:
        items = department["items"]
        assert items["totalCount"] >= 1
        assert {e["node"]["department"]["code"] for e in items["edges"]} == {department["code"]}


async def test_statements_per_search_do_not_grow_with_page_size(
    demo_client: httpx.AsyncClient, sql_counter: StatementCounter
) -> None:
    counts: list[int] = []
    for first in (2, 60):
        sql_counter.reset()
        variables: dict[str, Any] = {"filter": {"keyword": "申请"}, "first": first}
        body = await gql(demo_client, SEARCH, variables)
        assert "errors" not in body
        counts.append(sql_counter.count)
    # page, stats, departments, themes, target groups, business scopes
    assert counts[0] == counts[1] <= 6


async def test_a_recorded_change_is_searchable_at_once_and_after_the_rebuild(
    fresh_settings: Settings,
) -> None:
    """The index is derived data: a committed change must never be hidden by it."""
    async with opened(fresh_settings):
        await load_test_demo(items=120, enterprises=3)
    query = (
        '{ serviceItems(filter: {keyword: "斗门特色"}, first: 5) '
        "{ totalCount edges { node { code } } } }"
    )
    async with running(fresh_settings.replace(response_cache_ttl=0)) as client:
        index = client.runtime.catalogue.current
        assert index is not None
        assert (await gql(client, query))["data"]["serviceItems"]["totalCount"] == 0
        async with opened(fresh_settings):
            await rename_item(index.codes[7], "斗门特色农产品展销备案")
        await client.runtime.changes.record(("ServiceItem", index.codes[7]))
        found = await gql(client, query)  # SQL answers while the new snapshot is built
        assert found["data"]["serviceItems"]["edges"] == [{"node": {"code": index.codes[7]}}]
        rebuilt = await client.runtime.catalogue.wait()
        assert rebuilt is not None and rebuilt.generation == index.generation + 1
        assert await gql(client, query) == found


async def test_malformed_global_ids_are_typed_errors(demo_client: httpx.AsyncClient) -> None:
    query = "query($id: ID!) { node(id: $id) { id } }"
    for bad in ("!!!", "bm90LWEtdHlwZWQtaWQ", "VW5rbm93blR5cGU6MQ=="):  # "UnknownType:1"
        body = await gql(demo_client, query, {"id": bad})
        assert body["data"] == {"node": None}
        assert body["errors"][0]["extensions"]["code"] == "INVALID_ID"
    missing = "U2VydmljZUl0ZW06U0NKRy1YSy05OTk5"  # ServiceItem:SCJG-XK-9999
    assert await gql(demo_client, query, {"id": missing}) == {"data": {"node": None}}
