"""Item writes keep the search terms in step and refuse bad input without changing anything."""

from __future__ import annotations

import pytest

from servicehall.errors import InvalidInput, NotFound
from servicehall.models import ItemTerm, ServiceItem
from servicehall.resolvers.item_terms import item_terms, rename_item
from servicehall.resolvers.items import ItemFilter, sql_search_page
from servicehall.settings import Settings
from tests.conftest import load_test_demo, opened


async def test_rename_reindexes_and_bad_input_changes_nothing(fresh_settings: Settings) -> None:
    async with opened(fresh_settings):
        await load_test_demo(items=30, enterprises=1)
        item = await ServiceItem.all().order_by("code").first()
        assert item is not None
        before = await ItemTerm.filter(item_id=item.id).count()

        for bad in ("证", "x" * 129, "   "):
            with pytest.raises(InvalidInput) as caught:
                await rename_item(item.code, bad)
            assert caught.value.field == "name"
        with pytest.raises(NotFound):
            await rename_item("NOPE-XK-0001", "不存在的事项")
        assert await ItemTerm.filter(item_id=item.id).count() == before

        await rename_item(item.code, "  井岸镇  农机购置补贴申领 ")
        renamed = await ServiceItem.get(id=item.id)
        assert renamed.name == "井岸镇 农机购置补贴申领"
        assert renamed.version == item.version + 1
        terms = set(await ItemTerm.filter(item_id=item.id).values_list("term", flat=True))
        assert terms == item_terms(renamed.name, renamed.keywords)
        page = await sql_search_page(ItemFilter(keyword="农机购置"), first=5, after=None)
        assert [row["code"] for row in page.rows] == [item.code]
