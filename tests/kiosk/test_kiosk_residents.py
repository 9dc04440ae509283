"""Issue 21 on the hall's kiosk endpoint: the kiosk's captcha (digits only, large, single
use, counted per device) and progress proven by the ID number's last six characters."""

from __future__ import annotations

import base64
import io
from typing import Any

from PIL import Image

from servicehall.auth.captcha import CAPTCHAS_PER_MINUTE, KIOSK_ALPHABET, KIOSK_SIZE
from servicehall.db import use_database
from servicehall.demo.accounts import PERSON_ID
from servicehall.models import Case
from servicehall.settings import Settings
from tests.auth.flows import bearer
from tests.conftest import HallClient, gql, running
from tests.kiosk.support import device_token, persisted, register


async def _kiosk_post(hall: HallClient, body: Any, token: str) -> Any:
    return (await hall.post("/kiosk/graphql", json=body, headers=bearer(token))).json()


async def test_a_kiosk_draws_large_digit_captchas_counted_per_device(
    kiosk_settings: Settings,
) -> None:
    async with running(kiosk_settings) as hall:
        token = await device_token(hall, *await register(hall))
        body = await _kiosk_post(hall, persisted("CreateCaptcha"), token)
        captcha = body["data"]["createCaptcha"]["captcha"]
        answer = (await hall.runtime.cache.get(f"captcha:{captcha['id']}")).decode()
        assert len(answer) == 4 and set(answer) <= set(KIOSK_ALPHABET)
        png = base64.b64decode(captcha["image"].split(",", 1)[1])
        assert Image.open(io.BytesIO(png)).size == KIOSK_SIZE
        # the web's captcha stays as it was
        web = await gql(hall, "mutation { createCaptcha { captcha { id image } } }")
        web_png = base64.b64decode(web["data"]["createCaptcha"]["captcha"]["image"].split(",")[1])
        assert Image.open(io.BytesIO(web_png)).size == (160, 60)
        # single use: a right answer after a wrong one is too late
        assert await hall.runtime.auth.captcha.verify(captcha["id"], "0000") is False
        assert await hall.runtime.auth.captcha.verify(captcha["id"], answer) is False
        # counted per device: the device's limit runs out, another device has its own
        for _ in range(CAPTCHAS_PER_MINUTE - 1):
            await _kiosk_post(hall, persisted("CreateCaptcha"), token)
        over = await _kiosk_post(hall, persisted("CreateCaptcha"), token)
        assert over["data"]["createCaptcha"]["errors"][0]["code"] == "RATE_LIMITED"
        other = await device_token(hall, *await register(hall, name="井岸镇办事站2号自助终端"))
        fresh = await _kiosk_post(hall, persisted("CreateCaptcha"), other)
        assert fresh["data"]["createCaptcha"]["errors"] == []


async def test_a_kiosk_looks_a_case_up_by_id_number_suffix(kiosk_settings: Settings) -> None:
    async with running(kiosk_settings) as hall:
        token = await device_token(hall, *await register(hall))
        with use_database(hall.runtime.db):  # type: ignore[arg-type]
            case = await Case.filter(applicant_code=PERSON_ID).order_by("id").first()
        assert case is not None
        found = await _kiosk_post(
            hall,
            persisted(
                "CaseProgress", {"caseNumber": case.case_number, "idNumberSuffix": PERSON_ID[-6:]}
            ),
            token,
        )
        assert found["data"]["caseProgress"]["applicantName"] == "陈*明"
        by_name = await _kiosk_post(
            hall,
            persisted("CaseProgress", {"caseNumber": case.case_number, "applicantName": "陈晓明"}),
            token,
        )
        assert by_name["data"]["caseProgress"]["caseNumber"] == case.case_number
        wrong = await _kiosk_post(
            hall,
            persisted("CaseProgress", {"caseNumber": case.case_number, "idNumberSuffix": "000000"}),
            token,
        )
        assert wrong["errors"][0]["extensions"]["code"] == "NOT_FOUND"
