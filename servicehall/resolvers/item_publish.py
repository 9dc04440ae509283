"""Publishing an item version (ITEM-4): its content becomes the item's row and links.

Every read of today (search and its catalogue index, guides, station lists, kiosks,
``_entities``) reads ``service_item`` and its link tables; publishing a version rewrites
them in the publishing step's transaction, and the caller announces the item (and the
stations that gained or lost it) so the catalogue index and the response cache follow.
:func:`item_terms.reindex` derives the search data (n-grams, pinyin, keywords and
aliases, ITEM-5) from the published name and ``keywords``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient

from servicehall import clock, db
from servicehall.models import (
    Area,
    BusinessScope,
    Department,
    ItemBusinessScope,
    ItemRequest,
    ItemStatus,
    ItemTargetGroup,
    ItemTheme,
    ItemVersion,
    RequestKind,
    ServiceItem,
    StationItem,
    TargetGroup,
    Theme,
    VersionStatus,
)
from servicehall.resolvers import item_content, item_terms
from servicehall.resolvers.item_content import Content
from servicehall.resolvers.outcome import Ref

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
        "keywords": content["keywords"],
        **item_terms.search_columns(content["name"], content["keywords"]),
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
        before = await _station_codes(item, conn)
        for name, value in values.items():
            setattr(item, name, value)
        item.status = ItemStatus.ACTIVE
        item.version += 1
        item.updated_at = clock.now()
        await item.save(using_db=conn)
    await _links(item, content, conn)
    await item_terms.reindex(conn, item)
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


async def cancel_item(item: ServiceItem, conn: BaseDBAsyncClient) -> set[str]:
    """注销: the item leaves search and kiosks (its status), its guide stays readable by
    code; the stations that listed it are returned to be announced."""
    item.status = ItemStatus.CANCELLED
    item.version += 1
    item.updated_at = clock.now()
    await item.save(using_db=conn, update_fields=["status", "version", "updated_at"])
    return await _station_codes(item, conn)


async def _station_codes(item: ServiceItem, conn: BaseDBAsyncClient) -> set[str]:
    rows = await StationItem.filter(item_id=item.id).using_db(conn).values("area__code")
    return {str(row["area__code"]) for row in rows}


async def published_version(item: ServiceItem) -> ItemVersion:
    """The item's published version; an item older than the registry gets its first one
    from its row now (the same content ``item_content.snapshot`` reads)."""
    found = await ItemVersion.get_or_none(item_code=item.code, status=VersionStatus.PUBLISHED)
    if found is not None:
        return found
    content = (await item_content.snapshot([item.id]))[item.id]
    return await ItemVersion.create(
        item_code=item.code,
        item=item,
        number=1,
        status=VersionStatus.PUBLISHED,
        content=content,
        created_at=item.created_at,
        published_at=item.created_at,
    )


async def baseline_versions(chunk: int = 500) -> int:
    """Version 1 (published) of every item that has none, from its row: the demo load and
    items made before the registry."""
    have = set(
        await ItemVersion.filter(status=VersionStatus.PUBLISHED).values_list("item_code", flat=True)
    )
    items = [
        (i, code, created)
        for i, code, created in await ServiceItem.all().values_list("id", "code", "created_at")
        if code not in have
    ]
    for start in range(0, len(items), chunk):
        part = items[start : start + chunk]
        contents = await item_content.snapshot([i for i, _, _ in part])
        await ItemVersion.bulk_create(
            [
                ItemVersion(
                    item_code=code,
                    item_id=i,
                    number=1,
                    status=VersionStatus.PUBLISHED,
                    content=contents[i],
                    created_at=created,
                    published_at=created,
                )
                for i, code, created in part
            ],
            batch_size=500,
        )
    return len(items)


async def publish_request(request: ItemRequest) -> list[Ref]:
    """Publish every entry of a filed request (in the filing step's transaction)."""
    conn = db.connection()
    now = clock.now()
    changed: list[Ref] = []
    stations: set[str] = set()
    for version in await ItemVersion.filter(request_id=request.id).order_by("id"):
        item = await ServiceItem.get_or_none(code=version.item_code)
        if item is not None:
            await ItemVersion.filter(
                item_code=version.item_code, status=VersionStatus.PUBLISHED
            ).update(status=VersionStatus.SUPERSEDED)
        if version.change is RequestKind.CANCEL:
            assert item is not None
            stations |= await cancel_item(item, conn)
        else:
            item, moved = await write_item(version.content, item, version.item_code, conn)
            stations |= moved
        last = (
            await ItemVersion.filter(item_code=version.item_code, number__not_isnull=True)
            .order_by("-number")
            .first()
        )
        version.number = (last.number or 0) + 1 if last else 1
        version.status, version.published_at, version.item = VersionStatus.PUBLISHED, now, item
        await version.save(update_fields=["number", "status", "published_at", "item_id"])
        changed.append(("ServiceItem", version.item_code))
    changed += [("Station", code) for code in sorted(stations)]
    return changed
