"""Issue 21: the keyword box of a station page finds the station's items the way the
catalogue search does (one and two characters, words AND-ed, the department's name), with
its category tabs counted for the keyword."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from servicehall import text
from servicehall.errors import InvalidInput
from servicehall.loaders.items import load_departments_by_id
from servicehall.loaders.stations import load_station_items
from servicehall.models import Area
from servicehall.resolvers import station_search
from servicehall.settings import Settings
from tests.conftest import gql, opened, running

BAIJIAO = "440403101"
SEARCH = """query($code: String!, $keyword: String, $category: KioskCategory) {
  station(code: $code) {
    itemCounts(keyword: $keyword) { category count }
    items(category: $category, keyword: $keyword, first: 100) {
      totalCount edges { node { code name department { name } kioskCategory { value } } } } } }"""


async def _search(client: httpx.AsyncClient, keyword: str | None, **more: Any) -> dict[str, Any]:
    body = await gql(client, SEARCH, {"code": BAIJIAO, "keyword": keyword, **more})
    assert "errors" not in body, body
    station: dict[str, Any] = body["data"]["station"]
    return station


def _nodes(station: dict[str, Any]) -> list[dict[str, Any]]:
    return [edge["node"] for edge in station["items"]["edges"]]


async def test_a_station_is_searched_by_one_or_two_characters(
    demo_client: httpx.AsyncClient,
) -> None:
    everything = _nodes(await _search(demo_client, None))
    assert len(everything) > 20
    item = everything[len(everything) // 2]
    two = item["name"][:2]
    found = await _search(demo_client, two)
    nodes = _nodes(found)
    assert item["code"] in {n["code"] for n in nodes}
    assert 0 < len(nodes) < len(everything)
    assert all(two in n["name"] or two in n["department"]["name"] for n in nodes)
    # the tabs count what the keyword finds: 全部 first, then the categories
    counts = found["itemCounts"]
    assert counts[0] == {"category": None, "count": len(nodes)}
    assert sum(c["count"] for c in counts[1:]) == len(nodes)
    # a tab narrows the search
    category = item["kioskCategory"]["value"]
    in_tab = _nodes(await _search(demo_client, two, category=category))
    assert {n["code"] for n in in_tab} == {
        n["code"] for n in nodes if n["kioskCategory"]["value"] == category
    }
    # one character finds at least what two starting with it find
    one = {n["code"] for n in _nodes(await _search(demo_client, two[0]))}
    assert {n["code"] for n in nodes} <= one
    # blank is everything; nothing found is an empty list, not an error
    assert len(_nodes(await _search(demo_client, "  "))) == len(everything)
    assert _nodes(await _search(demo_client, "不存在的事项名称")) == []
    too_long = await gql(demo_client, SEARCH, {"code": BAIJIAO, "keyword": "办" * 51})
    assert too_long["errors"][0]["extensions"]["code"] == "INVALID_INPUT"


async def test_without_the_index_the_station_finds_the_same(demo_settings: Settings) -> None:
    """While the catalogue index is not built, the catalogue's SQL path answers the box by
    the same rules: names, departments, codes, keywords and pinyin initials (ITEM-5)."""
    async with running(demo_settings) as client:
        index = await client.runtime.catalogue.wait()
    assert index is not None
    async with opened(demo_settings):
        area = await Area.get(code=BAIJIAO)
        (rows,) = await load_station_items([area.id])
        departments = await load_departments_by_id(list({r["department_id"] for r in rows}))
        keywords = {r["name"][:2] for r in rows} | {r["name"][-1] for r in rows}
        keywords |= {text.normalize(d["name"])[:2] for d in departments if d}
        keywords |= {f"{rows[0]['name'][:2]} {rows[0]['name'][-2:]}", rows[3]["code"]}
        keywords |= {text.pinyin(r["name"])[1][:3] for r in rows[:5]}
        keywords |= {"低保", "社保"}
        for keyword in sorted(keywords):
            flt = station_search.keyword_filter(keyword)
            assert flt is not None
            by_index = await station_search.matching(rows, flt, index, BAIJIAO)
            by_sql = await station_search.matching(rows, flt, None, BAIJIAO)
            assert [r["code"] for r in by_index] == [r["code"] for r in by_sql], keyword
            if keyword not in {"低保", "社保"}:
                assert by_index, keyword


def test_keywords_are_checked_like_the_catalogues() -> None:
    assert station_search.keyword_filter(None) is None
    assert station_search.keyword_filter(" \u3000") is None
    with pytest.raises(InvalidInput):
        station_search.keyword_filter("办" * 51)
