"""Publishing an item version (ITEM-4): its content becomes the item's row and links.

Every read of today (search and its catalogue index, guides, station lists, kiosks,
``_entities``) reads ``service_item`` and its link tables; publishing a version rewrites
them in the publishing step's transaction, and the caller announces the item (and the
stations that gained or lost it) so the catalogue index and the response cache follow.
:func:`apply_search_terms` is the one place that derives search data from a published
version; the search (ITEM-5) adds what it derives from ``keywords`` there.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient

from servicehall import clock, text
from servicehall.models import (
    Area,
    BusinessScope,
    Department,
    ItemBusinessScope,
    ItemStatus,
    ItemTargetGroup,
    ItemTerm,
    ItemTheme,
    ServiceItem,
    StationItem,
    TargetGroup,
    Theme,
)
from servicehall.resolvers.item_content import Content

_COLUMNS = (
    "legal_basis",
    "conditions",
    "statutory_limit_days",
    "promised_limit_days",
    "visits_required",
    "fees",
    "process",
    "online_url",
    "where_to_apply",
    "office_hours",
    "phone",
    "result_delivery",
)


async def _ids(model: Any, codes: Sequence[str], conn: BaseDBAsyncClient) -> dict[str, int]:
    if not codes:
        return {}
    rows = await model.filter(code__in=list(codes)).using_db(conn).values("id", "code")
    return {row["code"]: row["id"] for row in rows}


def _columns(content: Content, department_id: int) -> dict[str, Any]:
    values = {name: content[name] for name in _COLUMNS}
    values["materials"] = [
        {k: v for k, v in m.items() if k != "license_type" or v} for m in content["materials"]
    ]
    return values | {
        "name": content["name"],
        "search_name": text.normalize(content["name"]),
        "department_id": department_id,
        "kind": content["kind"],
        "level": content["level"],
        "kiosk_category": content["kiosk_category"],
    }


async def write_item(
    content: Content, item: ServiceItem | None, code: str, conn: BaseDBAsyncClient
) -> tuple[ServiceItem, set[str]]:
    """Write ``content`` as the item's published state (creating the item for a 新增);
    returns the item and the station codes whose lists changed."""
    department_id = (await _ids(Department, [content["department"]], conn))[content["department"]]
    values = _columns(content, department_id)
    if item is None:
        item = await ServiceItem.create(code=code, using_db=conn, **values)
        before: set[str] = set()
    else:
        before = set(
            await StationItem.filter(item_id=item.id)
            .using_db(conn)
            .values_list("area__code", flat=True)
        )
        for name, value in values.items():
            setattr(item, name, value)
        item.status = ItemStatus.ACTIVE
        item.version += 1
        item.updated_at = clock.now()
        await item.save(using_db=conn)
    await _links(item, content, conn)
    await apply_search_terms(item, content, conn)
    return item, before ^ set(content["stations"])


async def _links(item: ServiceItem, content: Content, conn: BaseDBAsyncClient) -> None:
    for model in (ItemTheme, ItemTargetGroup, ItemBusinessScope, StationItem):
        await model.filter(item_id=item.id).using_db(conn).delete()
    themes = await _ids(Theme, content["themes"], conn)
    await ItemTheme.bulk_create(
        [ItemTheme(item_id=item.id, theme_id=themes[c]) for c in content["themes"]], using_db=conn
    )
    groups = await _ids(TargetGroup, content["target_groups"], conn)
    await ItemTargetGroup.bulk_create(
        [
            ItemTargetGroup(item_id=item.id, target_group_id=groups[c])
            for c in content["target_groups"]
        ],
        using_db=conn,
    )
    chosen = await BusinessScope.filter(code__in=content["business_scopes"]).using_db(conn)
    linked: dict[str, bool] = {}  # scope code -> a section (the facet level)?
    for scope in chosen:
        if scope.section_code:  # a division: link it and its section
            linked[scope.code] = False
            linked.setdefault(scope.section_code, True)
        else:
            linked[scope.code] = True
    scopes = await _ids(BusinessScope, list(linked), conn)
    await ItemBusinessScope.bulk_create(
        [
            ItemBusinessScope(item_id=item.id, scope_id=scopes[c], is_section=is_section)
            for c, is_section in linked.items()
        ],
        using_db=conn,
    )
    areas = await _ids(Area, content["stations"], conn)
    await StationItem.bulk_create(
        [StationItem(item_id=item.id, area_id=areas[c]) for c in content["stations"]], using_db=conn
    )


async def apply_search_terms(item: ServiceItem, content: Content, conn: BaseDBAsyncClient) -> None:
    """The search terms of a published version: the n-grams of its name."""
    await ItemTerm.filter(item_id=item.id).using_db(conn).delete()
    await ItemTerm.bulk_create(
        [ItemTerm(item_id=item.id, term=term) for term in text.index_terms(content["name"])],
        using_db=conn,
    )


async def cancel_item(item: ServiceItem, conn: BaseDBAsyncClient) -> set[str]:
    """注销: the item leaves search and kiosks (its status), its guide stays readable by
    code; the stations that listed it are returned to be announced."""
    item.status = ItemStatus.CANCELLED
    item.version += 1
    item.updated_at = clock.now()
    await item.save(using_db=conn, update_fields=["status", "version", "updated_at"])
    return set(
        await StationItem.filter(item_id=item.id)
        .using_db(conn)
        .values_list("area__code", flat=True)
    )
