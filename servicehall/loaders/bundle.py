"""The per-request set of DataLoaders: built fresh for every request, never shared."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from strawberry.dataloader import DataLoader

from servicehall.loaders import enterprises, items
from servicehall.loaders.base import Row

#: Keys per SQL statement; larger batches are split (SQLite binds at most 32766 values).
MAX_BATCH = 500


def _one(fn: Any) -> Any:
    return field(default_factory=lambda: DataLoader(load_fn=fn, max_batch_size=MAX_BATCH))


@dataclass(slots=True)
class Loaders:
    items_by_code: DataLoader[str, Row | None] = _one(items.load_items_by_code)
    item_guides: DataLoader[int, Row | None] = _one(items.load_item_guides)
    item_themes: DataLoader[int, list[Row]] = _one(items.load_item_themes)
    item_target_groups: DataLoader[int, list[Row]] = _one(items.load_item_target_groups)
    item_business_scopes: DataLoader[int, list[Row]] = _one(items.load_item_business_scopes)
    departments_by_id: DataLoader[int, Row | None] = _one(items.load_departments_by_id)
    departments_by_code: DataLoader[str, Row | None] = _one(items.load_departments_by_code)
    enterprises_by_credit_code: DataLoader[str, Row | None] = _one(
        enterprises.load_enterprises_by_credit_code
    )
    enterprises_by_registration_number: DataLoader[str, Row | None] = _one(
        enterprises.load_enterprises_by_registration_number
    )
    enterprise_industries: DataLoader[int, list[Row]] = _one(enterprises.load_enterprise_industries)
