"""ENT-3: the enterprise registry's public record, and typed errors for bad codes."""

from __future__ import annotations

import httpx
import pytest

from servicehall.demo.enterprises import DEMO_CREDIT_CODE, generate_enterprises
from tests.conftest import gql

ENTERPRISE = """
query($code: String!) {
  enterprise(creditCode: $code) {
    id creditCode registrationNumber organizationCode name entityType legalRepresentative
    registeredCapital establishedOn licenceValidFrom licenceValidTo licenceTerm licenceValid
    registrationAuthority address businessScope status { value label }
    industries { code name }
  }
}
"""


async def test_public_record_of_the_demo_enterprise(demo_client: httpx.AsyncClient) -> None:
    body = await gql(demo_client, ENTERPRISE, {"code": DEMO_CREDIT_CODE})
    assert "errors" not in body, body
    enterprise = body["data"]["enterprise"]
    assert enterprise["creditCode"] == DEMO_CREDIT_CODE
    assert enterprise["organizationCode"] == f"{DEMO_CREDIT_CODE[8:16]}-{DEMO_CREDIT_CODE[16]}"
    assert enterprise["name"].startswith("珠海市斗门区恒信")
    assert enterprise["status"] == {"value": "OPERATING", "label": "存续（在营、开业、在册）"}
    assert enterprise["industries"] and enterprise["industries"][0]["name"]
    assert "." in enterprise["registeredCapital"] and isinstance(
        enterprise["registeredCapital"], str
    )
    assert enterprise["licenceTerm"].startswith(enterprise["licenceValidFrom"][:4] + "年")


async def test_private_contacts_are_not_in_the_public_type(demo_client: httpx.AsyncClient) -> None:
    body = await gql(
        demo_client,
        "query($c: String!) { enterprise(creditCode: $c) { contactPhone } }",
        {"c": DEMO_CREDIT_CODE},
    )
    assert body["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"


async def test_lookup_by_legacy_registration_number(demo_client: httpx.AsyncClient) -> None:
    legacy = next(e for e in generate_enterprises(40) if e.registration_number)
    body = await gql(demo_client, ENTERPRISE, {"code": legacy.registration_number})
    assert body["data"]["enterprise"]["creditCode"] == legacy.credit_code


async def test_expired_licence_is_visible_as_such(demo_client: httpx.AsyncClient) -> None:
    expired = next(
        e
        for e in generate_enterprises(40)
        if e.licence_valid_to and e.licence_valid_to.year == 2024
    )
    body = await gql(demo_client, ENTERPRISE, {"code": expired.credit_code})
    assert body["data"]["enterprise"]["licenceValid"] is False


@pytest.mark.parametrize(
    ("code", "error_code", "check"),
    [
        ("91440403MA4UH3XF5", "INVALID_CREDIT_CODE", "LENGTH"),
        ("914403001922038217", "INVALID_CREDIT_CODE", "CHECK_CHARACTER"),
        ("91440300I92203821X", "INVALID_CREDIT_CODE", "CHARSET"),
        ("440301103097414", "INVALID_REGISTRATION_NUMBER", "CHECK_CHARACTER"),
    ],
)
async def test_invalid_codes_say_which_check_failed(
    demo_client: httpx.AsyncClient, code: str, error_code: str, check: str
) -> None:
    body = await gql(demo_client, ENTERPRISE, {"code": code})
    assert body["data"] == {"enterprise": None}
    extensions = body["errors"][0]["extensions"]
    assert extensions["code"] == error_code
    assert extensions["check"] == check
    assert extensions["field"] == "creditCode"
    assert extensions["label"]


async def test_valid_but_unregistered_code_is_null(demo_client: httpx.AsyncClient) -> None:
    body = await gql(demo_client, ENTERPRISE, {"code": "914403001922038216"})
    assert body == {"data": {"enterprise": None}}
