"""Issue 21: a case proven by its number and the last six characters of the applicant's ID
number, besides the name: the same limits, the same NOT_FOUND, the same masking."""

from __future__ import annotations

from typing import Any

from servicehall.db import use_database
from servicehall.demo.accounts import PERSON_ID
from servicehall.demo.enterprises import DEMO_CREDIT_CODE
from servicehall.models import Case, CaseStage, Rating
from tests.conftest import HallClient, gql

PROGRESS = """query($n: String!, $name: String, $suffix: String) {
  caseProgress(caseNumber: $n, applicantName: $name, idNumberSuffix: $suffix) {
    caseNumber applicantName applicantCode } }"""
RATE = """mutation($input: RateCaseInput!) { rateCase(input: $input) {
    errors { code field message } rating { level { value } } } }"""


async def _case(hall: HallClient, **filters: Any) -> Case:
    with use_database(hall.runtime.db):  # type: ignore[arg-type]
        case = await Case.filter(**filters).order_by("id").first()
    assert case is not None, filters
    return case


def _wrong(suffix: str) -> str:
    return suffix[:-2] + str((int(suffix[-2]) + 1) % 10) + suffix[-1]


async def test_progress_by_id_number_suffix(hall: HallClient) -> None:
    case = await _case(hall, applicant_code=PERSON_ID)
    suffix = PERSON_ID[-6:]
    body = await gql(hall, PROGRESS, {"n": case.case_number, "suffix": suffix.lower()})
    progress = body["data"]["caseProgress"]
    assert progress["caseNumber"] == case.case_number
    assert progress["applicantName"] == "陈*明"  # masked as with the name
    assert "*" in progress["applicantCode"] and not progress["applicantCode"].endswith(suffix)

    other = await _case(hall, applicant_code=DEMO_CREDIT_CODE)
    mismatches = [
        await gql(hall, PROGRESS, {"n": case.case_number, "suffix": _wrong(suffix)}),
        # an enterprise's case cannot be proven by an ID number, not even its code's tail
        await gql(hall, PROGRESS, {"n": other.case_number, "suffix": "000000"}),
        await gql(hall, PROGRESS, {"n": other.case_number, "suffix": suffix}),
    ]
    errors = [m["errors"][0] for m in mismatches]
    assert all(e["extensions"]["code"] == "NOT_FOUND" for e in errors), errors
    assert len({e["message"] for e in errors}) == 1  # nothing to tell them apart


async def test_exactly_one_well_formed_proof(hall: HallClient) -> None:
    case = await _case(hall, applicant_code=PERSON_ID)
    n = case.case_number
    for variables, field in (
        ({"n": n}, "applicantName"),
        ({"n": n, "name": "陈晓明", "suffix": PERSON_ID[-6:]}, "applicantName"),
        ({"n": n, "suffix": "12345"}, "idNumberSuffix"),
        ({"n": n, "suffix": "1234X5"}, "idNumberSuffix"),
    ):
        error = (await gql(hall, PROGRESS, variables))["errors"][0]
        assert error["extensions"]["code"] == "INVALID_INPUT", variables
        assert error["extensions"]["field"] == field


async def test_suffix_lookups_share_the_limit(hall: HallClient) -> None:
    case = await _case(hall, applicant_code=PERSON_ID)
    limit = hall.runtime.settings.case_lookups_per_ip
    for n in range(limit):
        variables = {"n": case.case_number}
        variables |= {"name": "陈晓明"} if n % 2 else {"suffix": _wrong(PERSON_ID[-6:])}
        await gql(hall, PROGRESS, variables)
    last = await gql(hall, PROGRESS, {"n": case.case_number, "suffix": PERSON_ID[-6:]})
    assert last["errors"][0]["extensions"]["code"] == "RATE_LIMITED"


async def test_rating_by_id_number_suffix(hall: HallClient) -> None:
    done = await _case(hall, applicant_code=PERSON_ID, stage=CaseStage.COMPLETED)

    async def captcha() -> dict[str, str]:
        body = await gql(hall, "mutation { createCaptcha { captcha { id } } }")
        captcha_id = body["data"]["createCaptcha"]["captcha"]["id"]
        answer = (await hall.runtime.cache.get(f"captcha:{captcha_id}")).decode()
        return {"captchaId": captcha_id, "captchaAnswer": answer}

    def given(**fields: Any) -> dict[str, Any]:
        base = {"caseNumber": done.case_number, "level": "SATISFIED", "channel": "WEB"}
        return {"input": base | fields}

    wrong = await gql(hall, RATE, given(idNumberSuffix=_wrong(PERSON_ID[-6:]), **await captcha()))
    assert wrong["data"]["rateCase"]["errors"][0]["code"] == "NOT_FOUND"
    both = await gql(
        hall, RATE, given(idNumberSuffix=PERSON_ID[-6:], applicantName="陈晓明", **await captcha())
    )
    assert both["data"]["rateCase"]["errors"][0]["field"] == "applicantName"
    with use_database(hall.runtime.db):  # type: ignore[arg-type]
        assert not await Rating.filter(case_id=done.id).exists()
    rated = await gql(hall, RATE, given(idNumberSuffix=PERSON_ID[-6:], **await captcha()))
    assert rated["data"]["rateCase"]["errors"] == []
    assert rated["data"]["rateCase"]["rating"]["level"]["value"] == "SATISFIED"
