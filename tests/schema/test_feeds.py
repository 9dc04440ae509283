"""ENT-15: department systems push batches; each is validated whole, written all or
nothing, and idempotent on its natural keys."""

from __future__ import annotations

from typing import Any

import pytest

from servicehall.clock import local_today
from servicehall.db import use_database
from servicehall.demo.enterprises import DEMO_CREDIT_CODE, generate_enterprises
from servicehall.models import AuditEvent, Qualification, TaxRecord
from servicehall.resolvers.ingest import MAX_BATCH
from tests.auth.flows import bearer, machine_client, machine_token, tokens
from tests.conftest import HallClient, gql

TAX = """mutation($records: [TaxRecordInput!]!) {
  ingestTaxRecords(input: {records: $records}) {
    errors { code field message } inserted updated unchanged } }"""
QUALIFICATIONS = """mutation($records: [QualificationInput!]!) {
  ingestQualifications(input: {records: $records}) {
    errors { code field message } inserted updated unchanged } }"""


def _tax(n: int, **changes: Any) -> dict[str, Any]:
    year = local_today().year - 1
    return {
        "creditCode": DEMO_CREDIT_CODE,
        "voucherNumber": f"3440403990{n:08d}",
        "taxType": "STAMP",
        "year": year,
        "month": n % 12 + 1,
        "amount": f"{100 + n}.50",
        "periodStart": f"{year}-01-01",
        "periodEnd": f"{year}-12-31",
        "authority": "国家税务总局珠海市斗门区税务局",
    } | changes


async def _tax_system(hall: HallClient, *scopes: str) -> dict[str, str]:
    await machine_client(hall, "tax-system", scopes or ("ingest:tax",))
    return bearer(await machine_token(hall, "tax-system", " ".join(scopes or ("ingest:tax",))))


async def _count(hall: HallClient) -> int:
    with use_database(hall.runtime.db):
        return await TaxRecord.all().count()


async def test_batches_are_idempotent_and_report_counts(hall: HallClient) -> None:
    headers = await _tax_system(hall)
    before = await _count(hall)
    batch = [_tax(n) for n in range(30)]
    first = (await gql(hall, TAX, {"records": batch}, headers=headers))["data"]
    assert first["ingestTaxRecords"] == {
        "errors": [],
        "inserted": 30,
        "updated": 0,
        "unchanged": 0,
    }
    again = (await gql(hall, TAX, {"records": batch}, headers=headers))["data"]
    assert again["ingestTaxRecords"]["unchanged"] == 30
    assert again["ingestTaxRecords"]["inserted"] == again["ingestTaxRecords"]["updated"] == 0
    batch[4] = _tax(4, amount="999.99")
    changed = (await gql(hall, TAX, {"records": batch}, headers=headers))["data"]
    assert (changed["ingestTaxRecords"]["updated"], changed["ingestTaxRecords"]["unchanged"]) == (
        1,
        29,
    )
    assert await _count(hall) == before + 30
    with use_database(hall.runtime.db):
        stored = await TaxRecord.get(voucher_number=batch[4]["voucherNumber"])
        events = await AuditEvent.filter(action="ingest.tax").count()
    assert str(stored.amount) == "999.99" and events == 3


@pytest.mark.parametrize(
    ("record", "field"),
    [
        ({"creditCode": "91440403MA4UH3XF5A"}, "creditCode"),  # wrong check character
        ({"creditCode": "914403001922038216"}, "creditCode"),  # valid, not registered here
        ({"month": 13}, "month"),
        ({"year": 1999}, "year"),
        ({"amount": "-1.00"}, "amount"),
        ({"amount": "1.005"}, "amount"),
        ({"voucherNumber": "x"}, "voucherNumber"),
        ({"periodStart": "2025-12-01", "periodEnd": "2025-01-01"}, "periodEnd"),
        ({"authority": " "}, "authority"),
    ],
)
async def test_one_bad_record_rejects_the_batch(
    hall: HallClient, record: dict[str, Any], field: str
) -> None:
    headers = await _tax_system(hall)
    before = await _count(hall)
    batch = [_tax(0), _tax(1, **record), _tax(2)]
    body = await gql(hall, TAX, {"records": batch}, headers=headers)
    payload = body["data"]["ingestTaxRecords"]
    assert payload["inserted"] is None
    error = payload["errors"][0]
    assert error["code"] == "INVALID_INPUT"
    assert error["field"] == f"records[1].{field}"
    assert error["message"].startswith("第2条：")
    assert await _count(hall) == before


async def test_duplicates_in_a_batch_and_its_size(hall: HallClient) -> None:
    headers = await _tax_system(hall)
    duplicate = await gql(hall, TAX, {"records": [_tax(0), _tax(0)]}, headers=headers)
    assert duplicate["data"]["ingestTaxRecords"]["errors"][0]["field"] == "records[1].records"
    empty = await gql(hall, TAX, {"records": []}, headers=headers)
    assert empty["data"]["ingestTaxRecords"]["errors"][0]["field"] == "records"
    oversized = [_tax(n) for n in range(MAX_BATCH + 1)]
    big = await gql(hall, TAX, {"records": oversized}, headers=headers)
    assert big["data"]["ingestTaxRecords"]["errors"][0]["field"] == "records"


async def test_feeds_need_a_machine_client_with_the_scope(hall: HallClient) -> None:
    enterprise = bearer((await tokens(hall))["access_token"])
    for headers in ({}, enterprise, await _tax_system(hall, "ingest:tax")):
        body = await gql(
            hall,
            QUALIFICATIONS,
            {
                "records": [
                    {
                        "creditCode": DEMO_CREDIT_CODE,
                        "certificateNumber": "SC11344040300999",
                        "name": "食品生产许可证",
                        "certifyingBody": "珠海市市场监督管理局",
                        "certifiedOn": "2025-03-01",
                        "validFrom": "2025-03-01",
                        "validTo": "2030-02-28",
                        "publisher": "珠海市市场监督管理局",
                    }
                ]
            },
            headers=headers,
        )
        assert body["data"]["ingestQualifications"]["errors"][0]["code"] == "FORBIDDEN"
    with use_database(hall.runtime.db):
        assert not await Qualification.exists(certificate_number="SC11344040300999")


async def test_ingested_records_show_on_the_page(hall: HallClient) -> None:
    """What a department sends is what the enterprise sees (and the cache does not hide it)."""
    other = generate_enterprises(6)[3]
    page = """query($c: String!) { enterprise(creditCode: $c) {
        qualifications { certificateNumber status { value } } } }"""
    before = (await gql(hall, page, {"c": other.credit_code}))["data"]["enterprise"]
    await machine_client(hall, "scjg-system", ("ingest:qualification",))
    headers = bearer(await machine_token(hall, "scjg-system", "ingest:qualification"))
    record = {
        "creditCode": other.credit_code,
        "certificateNumber": "ZZ2026-DEMO-0001",
        "name": "ISO 9001质量管理体系认证",
        "certifyingBody": "中国质量认证中心",
        "certifiedOn": "2020-01-10",
        "validFrom": "2020-01-10",
        "validTo": "2023-01-09",
        "publisher": "国家认证认可监督管理委员会",
    }
    body = await gql(hall, QUALIFICATIONS, {"records": [record]}, headers=headers)
    assert body["data"]["ingestQualifications"]["inserted"] == 1
    after = (await gql(hall, page, {"c": other.credit_code}))["data"]["enterprise"]
    added = [q for q in after["qualifications"] if q["certificateNumber"] == "ZZ2026-DEMO-0001"]
    assert len(after["qualifications"]) == len(before["qualifications"]) + 1
    assert added == [{"certificateNumber": "ZZ2026-DEMO-0001", "status": {"value": "EXPIRED"}}]
