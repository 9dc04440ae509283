"""The per-request set of DataLoaders: built fresh for every request, never shared."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import orjson
from strawberry.dataloader import DataLoader

from servicehall.loaders import cases, enterprises, identity, items, licenses, registry, stations
from servicehall.loaders import enterprise_page as page
from servicehall.loaders.base import Row
from servicehall.models import AuditEvent

#: Keys per SQL statement; larger batches are split (SQLite binds at most 32766 values).
MAX_BATCH = 500


def _one(fn: Any) -> Any:
    return field(default_factory=lambda: DataLoader(load_fn=fn, max_batch_size=MAX_BATCH))


AuditKey = tuple[str, str, str, str, str]  # action, actor, target, ip, details as JSON


async def write_audit_events(keys: Sequence[AuditKey]) -> list[bool]:
    """Every audit event a request's resolvers raise in one tick, in one INSERT."""
    await AuditEvent.record_many(
        [
            AuditEvent.event(a, actor=actor, target=t, ip=ip, details=orjson.loads(d))
            for a, actor, t, ip, d in keys
        ]
    )
    return [True] * len(keys)


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
    accounts_by_subject: DataLoader[str, Row | None] = _one(identity.load_accounts_by_subject)
    qualifications: DataLoader[int, list[Row]] = _one(page.load_qualifications)
    payment_years: DataLoader[page.PaymentKey, list[Row]] = _one(page.load_payment_years)
    subscriptions: DataLoader[int, list[Row]] = _one(page.load_subscriptions)
    reminders: DataLoader[int, list[Row]] = _one(page.load_reminders)
    unread_counts: DataLoader[int, int] = _one(page.load_unread_counts)
    cases_by_number: DataLoader[str, Row | None] = _one(cases.load_cases_by_number)
    case_records: DataLoader[int, list[Row]] = _one(cases.load_case_records)
    current_ratings: DataLoader[int, Row | None] = _one(cases.load_current_ratings)
    case_statistics: DataLoader[int, dict[str, int]] = _one(cases.load_case_statistics)
    licenses_by_number: DataLoader[str, Row | None] = _one(licenses.load_licenses_by_number)
    licenses_of_holders: DataLoader[str, list[Row]] = _one(licenses.load_licenses_of_holders)
    case_licenses: DataLoader[int, list[Row]] = _one(licenses.load_case_licenses)
    catalog_entries_by_code: DataLoader[str, Row | None] = _one(
        licenses.load_catalog_entries_by_code
    )
    catalog_entries_by_id: DataLoader[int, Row | None] = _one(licenses.load_catalog_entries_by_id)
    catalog_versions: DataLoader[int, list[Row]] = _one(licenses.load_catalog_versions)
    catalog_events: DataLoader[int, list[Row]] = _one(licenses.load_catalog_events)
    grants_by_id: DataLoader[int, Row | None] = _one(licenses.load_grants_by_id)
    granted_entries: DataLoader[str, frozenset[int]] = _one(licenses.load_granted_entries)
    client_names: DataLoader[str, str | None] = _one(licenses.load_client_names)
    #: Not a cache: each ``load`` logs one licence read (access log and audit log).
    license_accesses: DataLoader[licenses.AccessKey, bool] = field(
        default_factory=lambda: DataLoader(load_fn=licenses.write_license_accesses, cache=False)
    )
    stations_by_code: DataLoader[str, Row | None] = _one(stations.load_areas_by_code)
    areas_by_id: DataLoader[int, Row | None] = _one(stations.load_areas_by_id)
    villages: DataLoader[int, list[Row]] = _one(stations.load_villages)
    station_items: DataLoader[int, list[Row]] = _one(stations.load_station_items)
    item_request_entries: DataLoader[int, list[Row]] = _one(registry.load_request_entries)
    item_request_steps: DataLoader[int, list[Row]] = _one(registry.load_request_steps)
    #: Not a cache: each ``load`` appends an audit event, a tick's events share one INSERT.
    audit: DataLoader[AuditKey, bool] = field(
        default_factory=lambda: DataLoader(load_fn=write_audit_events, cache=False)
    )
