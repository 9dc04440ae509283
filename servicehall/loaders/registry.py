"""Batch loads of the item registry (ITEM-4): a request's entries and recorded steps."""

from __future__ import annotations

from collections.abc import Sequence

from servicehall import db
from servicehall.loaders.base import Row, grouped_by


async def load_request_entries(request_ids: Sequence[int]) -> list[list[Row]]:
    """Each request's entries, with the content of the version each was drafted against."""
    groups = await grouped_by(
        "SELECT v.request_id, v.id, v.item_code, v.number, v.status, v.change, v.content, "
        "v.published_at, b.content AS base_content, b.number AS base_number "
        "FROM item_version v LEFT JOIN item_version b ON b.id = v.base_id "
        "WHERE v.request_id IN ({keys}) ORDER BY v.item_code",
        "request_id",
        request_ids,
    )
    for rows in groups:
        for row in rows:
            row["content"] = db.as_json(row["content"])
            row["base_content"] = db.as_json(row["base_content"]) if row["base_content"] else None
            row["published_at"] = db.as_datetime(row["published_at"])
    return groups


async def load_request_steps(request_ids: Sequence[int]) -> list[list[Row]]:
    """Each request's recorded steps, oldest first."""
    groups = await grouped_by(
        "SELECT s.instance_id, s.action, s.from_state, s.to_state, s.at, s.actor_name, s.role, "
        "s.actor_department, s.reason, s.basis FROM workflow_step s "
        "WHERE s.process = 'item_request' AND s.instance_id IN ({keys}) ORDER BY s.at, s.id",
        "instance_id",
        request_ids,
    )
    for rows in groups:
        for row in rows:
            row["at"] = db.as_datetime(row["at"])
    return groups
