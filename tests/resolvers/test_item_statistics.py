"""ITEM-6: registry statistics match counts the test makes from the rows themselves, through
the service, GraphQL and the CSV of ``servicehall items stats``; bad input is typed."""

from __future__ import annotations

import asyncio
import csv
import io
from collections import Counter
from typing import Any

import httpx
import pytest

from servicehall import db
from servicehall.__main__ import main
from servicehall.errors import InvalidInput
from servicehall.models.items import ItemStatus
from servicehall.resolvers.item_statistics import (
    StatisticsDimension,
    StatisticsFilter,
    StatisticsOrder,
    TimeLimitBand,
    item_statistics,
)
from servicehall.settings import Settings
from tests.conftest import gql, opened

D = StatisticsDimension


async def _items() -> list[dict[str, Any]]:
    """Every item with its values in each dimension, read plainly and derived here."""
    items = await db.fetch(
        "SELECT i.id, d.code AS department, i.kind, i.level, i.status, i.promised_limit_days, "
        "i.visits_required, i.online_url FROM service_item i "
        "JOIN department d ON d.id = i.department_id"
    )
    links: dict[str, dict[int, set[str]]] = {"theme": {}, "target_group": {}}
    for dim, sql in (
        ("theme", "SELECT l.item_id, t.code FROM item_theme l JOIN theme t ON t.id = l.theme_id"),
        (
            "target_group",
            "SELECT l.item_id, g.code FROM item_target_group l "
            "JOIN target_group g ON g.id = l.target_group_id",
        ),
    ):
        for row in await db.fetch(sql):
            links[dim].setdefault(row["item_id"], set()).add(row["code"])
    for item in items:
        days = item["promised_limit_days"]
        item["time_limit_band"] = (
            "immediate"
            if days == 0
            else "up_to_5"
            if days <= 5
            else "up_to_10"
            if days <= 10
            else "up_to_20"
            if days <= 20
            else "over_20"
        )
        visits = item["visits_required"]
        item["online_depth"] = (
            "guide_only"
            if not item["online_url"]
            else ["fully_online", "one_visit"][visits]
            if visits < 2
            else "apply_online"
        )
        for dim in ("theme", "target_group"):
            item[dim] = links[dim].get(item["id"], {""})
    return items


def _count(items: list[dict[str, Any]], dims: list[str]) -> Counter[tuple[str, ...]]:
    counted: Counter[tuple[str, ...]] = Counter()
    for item in items:
        combos: list[tuple[str, ...]] = [()]
        for dim in dims:
            values = item[dim] if isinstance(item[dim], set) else {item[dim]}
            combos = [(*combo, value) for combo in combos for value in values]
        counted.update(combos)
    return counted


def _answer(result: Any) -> Counter[tuple[str, ...]]:
    return Counter({tuple(k.value for k in g.keys): g.count for g in result.groups})


@pytest.mark.usefixtures("demo_db")
async def test_counts_match_the_rows() -> None:
    items = await _items()
    for dims in (
        ["department"],
        ["theme"],
        ["target_group", "level"],
        ["time_limit_band", "online_depth", "status"],
        ["kind"],
    ):
        result = await item_statistics(dims)
        assert _answer(result) == _count(items, dims), dims
        assert result.total == len(items)
        for group in result.groups:
            assert all(key.label for key in group.keys)
    everything = await item_statistics([])
    assert [g.count for g in everything.groups] == [len(items)] == [everything.total]


@pytest.mark.usefixtures("demo_db")
async def test_filters_and_order() -> None:
    items = await _items()
    busiest = Counter(code for i in items for code in i["theme"]).most_common(2)
    themes = tuple(code for code, _ in busiest)
    flt = StatisticsFilter(
        themes=themes,
        statuses=(ItemStatus.ACTIVE,),
        time_limit_bands=(TimeLimitBand.UP_TO_5, TimeLimitBand.UP_TO_10),
    )
    chosen = [
        i
        for i in items
        if i["theme"] & set(themes)
        and i["status"] == "active"
        and i["time_limit_band"] in ("up_to_5", "up_to_10")
    ]
    assert chosen, "the demo catalogue should have such items"
    result = await item_statistics(["department", "level"], flt, StatisticsOrder.COUNT_DESC)
    assert _answer(result) == _count(chosen, ["department", "level"])
    assert result.total == len(chosen)
    counts = [g.count for g in result.groups]
    assert counts == sorted(counts, reverse=True)
    ascending = await item_statistics([D.DEPARTMENT], flt, StatisticsOrder.COUNT_ASC)
    assert [g.count for g in ascending.groups] == sorted(g.count for g in ascending.groups)
    by_keys = await item_statistics([D.LEVEL], flt)
    assert [g.keys[0].value for g in by_keys.groups] == [
        level
        for level in ("district", "town", "village")
        if any(i["level"] == level for i in chosen)
    ]


async def test_bad_input_is_a_typed_error() -> None:
    for dims, message in (
        (["department", "colour"], "colour"),
        (["department", "theme", "level", "status"], "最多"),
        (["level", "LEVEL"], "重复"),
    ):
        with pytest.raises(InvalidInput) as caught:
            await item_statistics(dims)
        assert caught.value.field == "groupBy" and message in caught.value.message
    with pytest.raises(InvalidInput) as caught:
        StatisticsFilter(departments=("x' OR 1=1 --",))
    assert caught.value.field == "departments"
    with pytest.raises(InvalidInput):
        StatisticsFilter(themes=tuple(f"T{n}" for n in range(51)))


STATISTICS = """
query Stats($groupBy: [StatisticsDimension!]!, $filter: ItemStatisticsFilter,
            $order: StatisticsOrder, $first: Int) {
  itemStatistics(groupBy: $groupBy, filter: $filter, order: $order, first: $first) {
    dimensions total groupCount
    groups { count keys { dimension value label } }
  }
}
"""


async def test_graphql_answers_as_the_service(demo_client: httpx.AsyncClient) -> None:
    body = await gql(
        demo_client,
        STATISTICS,
        {
            "groupBy": ["DEPARTMENT", "ONLINE_DEPTH"],
            "filter": {"statuses": ["ACTIVE"], "onlineDepths": ["FULLY_ONLINE", "ONE_VISIT"]},
            "order": "COUNT_DESC",
            "first": 5,
        },
    )
    assert "errors" not in body, body
    answer = body["data"]["itemStatistics"]
    assert answer["dimensions"] == ["DEPARTMENT", "ONLINE_DEPTH"]
    assert len(answer["groups"]) == min(5, answer["groupCount"])
    first = answer["groups"][0]
    assert [k["dimension"] for k in first["keys"]] == ["DEPARTMENT", "ONLINE_DEPTH"]
    assert first["keys"][1]["value"] in ("fully_online", "one_visit")
    counts = [g["count"] for g in answer["groups"]]
    assert counts == sorted(counts, reverse=True)

    for variables, code, field in (
        ({"groupBy": ["DEPARTMENT", "THEME", "LEVEL", "STATUS"]}, "INVALID_INPUT", "groupBy"),
        ({"groupBy": ["LEVEL", "LEVEL"]}, "INVALID_INPUT", "groupBy"),
        ({"groupBy": ["LEVEL"], "first": 101}, "INVALID_INPUT", "first"),
        ({"groupBy": ["LEVEL"], "filter": {"themes": ["bad code!"]}}, "INVALID_INPUT", "themes"),
    ):
        body = await gql(demo_client, STATISTICS, variables)
        assert not (body.get("data") or {}).get("itemStatistics"), body
        error = body["errors"][0]["extensions"]
        assert (error["code"], error["field"]) == (code, field), body
    # an unknown dimension is refused before anything runs, as a variable or a literal
    body = await gql(demo_client, STATISTICS, {"groupBy": ["COLOUR"]})
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    body = await gql(demo_client, "{ itemStatistics(groupBy: [COLOUR]) { total } }")
    assert body["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"


async def test_the_command_prints_the_same_as_csv(
    demo_settings: Settings, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SERVICEHALL_DATABASE_URL", demo_settings.database_url)
    args = ["items", "stats", "--by", "department", "--by", "level", "--status", "active"]
    assert await asyncio.to_thread(main, args) == 0
    rows = list(csv.reader(io.StringIO(capsys.readouterr().out)))
    assert rows[0] == ["办事部门代码", "办事部门", "实施层级代码", "实施层级", "事项数"]
    from_csv = {(r[0], r[2]): int(r[4]) for r in rows[1:]}
    async with opened(demo_settings):
        result = await item_statistics(
            ["department", "level"], StatisticsFilter(statuses=(ItemStatus.ACTIVE,))
        )
    assert from_csv == dict(_answer(result))

    assert await asyncio.to_thread(main, ["items", "stats", "--by", "colour"]) == 1
    assert "colour" in capsys.readouterr().err
    assert await asyncio.to_thread(main, ["items", "stats", "--level", "province"]) == 1
    assert "province" in capsys.readouterr().err
