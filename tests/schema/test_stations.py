"""STA-1..3 and ITEM-3 through GraphQL: towns with their villages and map positions, town
stations and village points with their items by category, the ``Station`` entity."""

from __future__ import annotations

from collections import Counter
from typing import Any

import httpx
import pytest

from servicehall.demo import geo
from servicehall.demo.data.stations import DISTRICT_OUTLINE, TOWNS
from servicehall.resolvers.stations import item_page
from tests.conftest import StatementCounter, gql

TOWNS_QUERY = """{ towns { code name kind { value label } point { lng lat } outline { lng lat }
  villages { code name kind { value label } point { lng lat } station { code name kind { value } } }
  station { code name kind { value label } itemCounts { category label count } } } }"""

STATION = """query($code: String!, $category: KioskCategory, $first: Int! = 20, $after: String) {
  station(code: $code) { id code name kind { value label } address phone openingHours
    town { code name } village { code name } parentStation { code name }
    itemCounts { category label count }
    items(category: $category, first: $first, after: $after) {
      totalCount pageInfo { hasNextPage hasPreviousPage endCursor }
      edges { cursor node { code name level { value } kioskCategory { value label } } } } } }"""

CATEGORIES = ["LAND_RESOURCES", "POPULATION", "CIVIL_AFFAIRS", "MEDICAL_INSURANCE", "RURAL_ECONOMY"]


def _pair(point: dict[str, float]) -> tuple[float, float]:
    return point["lng"], point["lat"]


async def _station(client: httpx.AsyncClient, code: str, **variables: Any) -> dict[str, Any]:
    body = await gql(client, STATION, {"code": code, **variables})
    assert "errors" not in body, body
    station: dict[str, Any] = body["data"]["station"]
    return station


async def test_towns_with_villages_and_a_map_in_one_statement(
    demo_client: httpx.AsyncClient, sql_counter: StatementCounter
) -> None:
    """STA-1: at least six towns, 3 to 20 villages each, outlines that tile the map."""
    sql_counter.reset()
    body = await gql(demo_client, TOWNS_QUERY)
    assert "errors" not in body, body
    # the directory, then every town station's items for the counts: whatever the sizes
    assert sql_counter.count == 2, sql_counter.statements
    towns = body["data"]["towns"]
    assert len(towns) >= 6
    assert {"井岸镇", "白蕉镇", "斗门镇", "乾务镇", "莲洲镇", "白藤街道"} <= {
        t["name"] for t in towns
    }
    assert {t["kind"]["label"] for t in towns} == {"镇", "街道"}
    outlines = []
    for town in towns:
        assert 3 <= len(town["villages"]) <= 20
        assert town["station"]["name"] == f"{town['name']}办事站"
        assert town["station"]["kind"]["label"] == "镇街办事站"
        outline = [_pair(p) for p in town["outline"]]
        assert len(outline) >= 3
        assert geo.contains(outline, _pair(town["point"]))
        for village in town["villages"]:
            assert village["code"].startswith(town["code"]) and len(village["code"]) == 12
            assert village["station"]["name"] == f"{town['name']}{village['name']}办事点"
            assert village["station"]["kind"]["value"] == "VILLAGE_POINT"
            assert geo.contains(outline, _pair(village["point"])), village["name"]
            assert village["kind"]["label"] in ("村", "社区")
        outlines.append(outline)
    # a plausible map: the towns tile the district (their areas add up to its area, so
    # they neither overlap nor leave gaps) and no village lies in two towns
    district = abs(geo.area(DISTRICT_OUTLINE))
    assert sum(abs(geo.area(o)) for o in outlines) == pytest.approx(district, rel=1e-3)
    for town, outline in zip(towns, outlines, strict=True):
        for other in towns:
            if other is not town:
                assert not any(geo.contains(outline, _pair(v["point"])) for v in other["villages"])


async def test_town_station_page_with_counts_per_category(demo_client: httpx.AsyncClient) -> None:
    """STA-2, ITEM-3: name, address, contact, 全部 and the five categories with counts."""
    station = await _station(demo_client, "440403100", first=100)
    assert station["name"] == "井岸镇办事站"
    assert station["kind"] == {"value": "TOWN_STATION", "label": "镇街办事站"}
    assert station["address"].startswith("珠海市斗门区井岸镇") and station["phone"].startswith(
        "0756-"
    )
    assert "周一至周五" in station["openingHours"]
    assert station["village"] is None and station["parentStation"] is None
    assert station["town"] == {"code": "440403100", "name": "井岸镇"}
    counts = station["itemCounts"]
    assert [c["label"] for c in counts] == [
        "全部",
        "国土资源",
        "人口计生",
        "民政事务",
        "城乡医保",
        "农村经济",
    ]
    assert counts[0]["category"] is None
    assert (
        counts[0]["count"] == sum(c["count"] for c in counts[1:]) == station["items"]["totalCount"]
    )
    labels = [edge["node"]["kioskCategory"]["label"] for edge in station["items"]["edges"]]
    # 全部 lists the items category by category, in the tabs' order
    assert labels == sorted(labels, key=[c["label"] for c in counts].index)
    for count in counts[1:]:
        tab = await _station(demo_client, "440403100", category=count["category"], first=100)
        nodes = [edge["node"] for edge in tab["items"]["edges"]]
        assert len(nodes) == tab["items"]["totalCount"] == count["count"]
        assert {n["kioskCategory"]["value"] for n in nodes} <= {count["category"]}


async def test_village_point_page_leads_back_to_its_town_station(
    demo_client: httpx.AsyncClient,
) -> None:
    """STA-3: "<town><village>办事点" with a "转至<town>办事站" link and the same tabs."""
    town = TOWNS[0]
    village = town.villages[-1]
    station = await _station(demo_client, town.code + village.number, first=100)
    assert station["name"] == f"{town.name}{village.name}办事点"
    assert station["kind"]["label"] == "村居办事点"
    assert station["village"] == {"code": town.code + village.number, "name": village.name}
    assert station["parentStation"] == {"code": town.code, "name": f"{town.name}办事站"}
    assert station["town"]["name"] == town.name
    assert len(station["itemCounts"]) == 6
    town_items = {
        e["node"]["code"]
        for e in (await _station(demo_client, town.code, first=100))["items"]["edges"]
    }
    point_items = {e["node"]["code"] for e in station["items"]["edges"]}
    assert point_items and point_items <= town_items  # a point handles less than its station
    levels = Counter(e["node"]["level"]["value"] for e in station["items"]["edges"])
    assert levels["VILLAGE"] > 0


async def test_which_items_a_station_handles_follows_the_area(
    demo_client: httpx.AsyncClient,
) -> None:
    """ITEM-3: an urban subdistrict has no rural-economy items, a community no land items."""
    baiteng = next(t for t in TOWNS if t.kind == "subdistrict")
    counts = {
        c["category"]: c["count"] for c in (await _station(demo_client, baiteng.code))["itemCounts"]
    }
    assert counts["RURAL_ECONOMY"] == 0 and counts["CIVIL_AFFAIRS"] > 0
    community = next(v for v in TOWNS[0].villages if v.name.endswith("社区"))
    counts = {
        c["category"]: c["count"]
        for c in (await _station(demo_client, TOWNS[0].code + community.number))["itemCounts"]
    }
    assert counts["LAND_RESOURCES"] == counts["RURAL_ECONOMY"] == 0
    assert counts["POPULATION"] > 0


async def test_items_page_with_cursors(demo_client: httpx.AsyncClient) -> None:
    seen: list[str] = []
    after = None
    while True:
        station = await _station(demo_client, "440403101", first=7, after=after)
        items = station["items"]
        seen += [edge["node"]["code"] for edge in items["edges"]]
        assert items["pageInfo"]["hasPreviousPage"] is (after is not None)
        if not items["pageInfo"]["hasNextPage"]:
            break
        after = items["pageInfo"]["endCursor"]
    assert len(seen) == len(set(seen)) == items["totalCount"]
    body = await gql(demo_client, STATION, {"code": "440403101", "after": "bm90LWEtY29kZQ"})
    assert body["errors"][0]["extensions"]["code"] == "INVALID_CURSOR"
    body = await gql(demo_client, STATION, {"code": "440403101", "first": 101})
    assert body["errors"][0]["extensions"] == {
        "code": "INVALID_INPUT",
        "label": "输入有误",
        "field": "first",
    }


@pytest.mark.parametrize("code", ["44040310", "4404031002011", "44040310020A", " ", "井岸镇"])
async def test_malformed_codes_are_errors_unknown_ones_null(
    demo_client: httpx.AsyncClient, code: str
) -> None:
    body = await gql(demo_client, "query($c: String!) { station(code: $c) { name } }", {"c": code})
    assert body["data"]["station"] is None
    assert body["errors"][0]["extensions"]["code"] == "INVALID_INPUT"
    assert body["errors"][0]["extensions"]["field"] == "code"
    body = await gql(demo_client, '{ station(code: "440403999") { name } }')
    assert body == {"data": {"station": None}}


ENTITIES = """query($r: [_Any!]!) { _entities(representations: $r) {
  ... on Station { code name parentStation { name } itemCounts { count } } } }"""


async def test_station_is_a_federation_entity_resolved_in_one_statement(
    demo_client: httpx.AsyncClient, sql_counter: StatementCounter
) -> None:
    codes = [town.code + v.number for town in TOWNS for v in town.villages]
    for count in (1, len(codes)):
        representations = [{"__typename": "Station", "code": c} for c in codes[:count]]
        sql_counter.reset()
        body = await gql(demo_client, ENTITIES, {"r": representations})
        assert "errors" not in body, body
        entities = body["data"]["_entities"]
        assert [e["code"] for e in entities] == codes[:count]
        # the stations, their parents, their items: one statement each whatever the count
        assert sql_counter.count == 3, sql_counter.statements
    plain = (
        "query($r: [_Any!]!) { _entities(representations: $r) { ... on Station { code name } } }"
    )
    representations = [{"__typename": "Station", "code": c} for c in codes]
    sql_counter.reset()
    body = await gql(demo_client, plain, {"r": representations})
    assert len(body["data"]["_entities"]) == len(codes) > 50
    assert sql_counter.count == 1, sql_counter.statements
    body = await gql(
        demo_client,
        ENTITIES,
        {
            "r": [
                {"__typename": "Station", "code": "440403999"},
                {"__typename": "Station", "code": "440403100"},
            ]
        },
    )
    assert body["data"]["_entities"][0] is None
    assert body["data"]["_entities"][1]["name"] == "井岸镇办事站"


async def test_station_is_a_relay_node(demo_client: httpx.AsyncClient) -> None:
    station = await _station(demo_client, "440403102")
    body = await gql(
        demo_client,
        "query($id: ID!) { node(id: $id) { ... on Station { code name } } }",
        {"id": station["id"]},
    )
    assert body["data"]["node"] == {"code": "440403102", "name": "斗门镇办事站"}


async def test_the_directory_is_public_and_cacheable(demo_client: httpx.AsyncClient) -> None:
    response = await demo_client.get("/graphql", params={"query": "{ towns { code name } }"})
    assert response.status_code == 200
    assert response.headers["cache-control"].startswith("public")


def test_item_pages_are_sliced_in_station_order() -> None:
    rows = [
        {"code": "B-1", "kiosk_category": "rural_economy"},
        {"code": "A-2", "kiosk_category": "land_resources"},
        {"code": "A-1", "kiosk_category": "land_resources"},
    ]
    page = item_page(rows, None, first=2, after=None)
    assert [r["code"] for r in page.rows] == ["A-1", "A-2"] and page.has_next
    rest = item_page(rows, None, first=2, after=page.cursors[-1])
    assert [r["code"] for r in rest.rows] == ["B-1"] and not rest.has_next and rest.total == 3
