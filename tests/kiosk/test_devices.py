"""STA-4 on the hall's side: administrators register kiosk devices at stations; a device
authenticates with client credentials and gets kiosk tokens bound to its station; those
open /kiosk/graphql only, for the kiosk UI's own operations, rate limited per device."""

from __future__ import annotations

import hashlib
import json
from types import SimpleNamespace
from typing import Any

import pytest
import websockets
from joserfc import jwt

from servicehall import clock, workflow
from servicehall.auth.accounts import CLI_OPERATOR
from servicehall.auth.principal import Principal, PrincipalKind
from servicehall.db import use_database
from servicehall.demo.accounts import PERSON_ID
from servicehall.errors import ErrorCode, Forbidden, IllegalDeviceStep, Unauthenticated
from servicehall.models import (
    Account,
    AuditEvent,
    Case,
    CaseStage,
    DeviceStatus,
    KioskDevice,
    OAuthClient,
    Rating,
    WorkflowStep,
)
from servicehall.resolvers.cases import can_read, is_applicant
from servicehall.resolvers.kiosks import DEVICE
from servicehall.schema.permissions import require_account
from servicehall.settings import Settings
from tests.auth.flows import ADMIN, PERSON, basic, bearer, tokens
from tests.conftest import HallClient, free_port, gql, live, running
from tests.kiosk.support import JINGAN, device_token, persisted, register

REGISTER = """mutation($input: RegisterKioskDeviceInput!) { registerKioskDevice(input: $input) {
  errors { code field message } clientSecret
  device { clientId name active registeredBy station { code name } } } }"""
REVOKE = """mutation($input: RevokeKioskDeviceInput!) { revokeKioskDevice(input: $input) {
  errors { code field } device { clientId active revokedAt } } }"""


async def _admin(hall: HallClient) -> dict[str, str]:
    hall.cookies.clear()
    issued = await tokens(hall, kind="staff", identifier=ADMIN.login, password=ADMIN.password)
    return bearer(issued["access_token"])


async def _counts(hall: HallClient) -> tuple[int, int]:
    with use_database(hall.runtime.db):  # type: ignore[arg-type]
        return await OAuthClient.all().count(), await KioskDevice.all().count()


async def _kiosk_post(hall: HallClient, body: Any, token: str | None = None) -> Any:
    headers = bearer(token) if token else {}
    return await hall.post("/kiosk/graphql", json=body, headers=headers)


async def test_an_administrator_registers_a_device_and_it_gets_kiosk_tokens(
    kiosk_settings: Settings,
) -> None:
    async with running(kiosk_settings) as hall:
        admin = await _admin(hall)
        body = await gql(
            hall,
            REGISTER,
            {"input": {"stationCode": JINGAN, "name": "井岸镇办事站1号自助终端"}},
            headers=admin,
        )
        payload = body["data"]["registerKioskDevice"]
        assert payload["errors"] == []
        device = payload["device"]
        assert device["clientId"] == f"kiosk-{JINGAN}-01"
        assert device["station"] == {"code": JINGAN, "name": "井岸镇办事站"}
        assert device["active"] is True and device["registeredBy"].startswith("admin:")
        secret = payload["clientSecret"]
        assert len(secret) >= 32
        token = await device_token(hall, device["clientId"], secret)
        claims = jwt.decode(token, await hall.runtime.auth.keys.public_keys()).claims
        assert claims["kind"] == "kiosk" and claims["stn"] == JINGAN and claims["scope"] == "kiosk"
        status = (await hall.get("/kiosk/status", headers=bearer(token))).json()
        assert status["registered"] is True and status["station"] == JINGAN
        assert status["device"] == device["clientId"]
        listed = await gql(hall, "{ kioskDevices { clientId active } }", headers=admin)
        assert listed["data"]["kioskDevices"] == [{"clientId": device["clientId"], "active": True}]
        with use_database(hall.runtime.db):  # type: ignore[arg-type]
            assert await AuditEvent.filter(action="kiosk.registered").count() == 1
        # a second device at the same station gets the next number
        body = await gql(
            hall,
            REGISTER,
            {"input": {"stationCode": JINGAN, "name": "井岸镇办事站2号自助终端"}},
            headers=admin,
        )
        assert body["data"]["registerKioskDevice"]["device"]["clientId"] == f"kiosk-{JINGAN}-02"


BAD_REGISTRATIONS = [
    ({"stationCode": "440403999", "name": "不存在的站"}, "NOT_FOUND", "stationCode"),
    ({"stationCode": "4404", "name": "编码有误"}, "INVALID_INPUT", "stationCode"),
    ({"stationCode": JINGAN, "name": "井"}, "INVALID_INPUT", "name"),
    (
        {"stationCode": JINGAN, "name": "重复编号", "clientId": "doumen-portal"},
        "CONFLICT",
        "clientId",
    ),
]


async def test_bad_registrations_change_nothing(kiosk_settings: Settings) -> None:
    async with running(kiosk_settings) as hall:
        admin = await _admin(hall)
        before = await _counts(hall)
        for variables, code, field in BAD_REGISTRATIONS:
            body = await gql(hall, REGISTER, {"input": variables}, headers=admin)
            payload = body["data"]["registerKioskDevice"]
            assert [(e["code"], e["field"]) for e in payload["errors"]] == [(code, field)]
            assert payload["device"] is None and payload["clientSecret"] is None
            assert await _counts(hall) == before


async def test_only_administrators_register_or_revoke(kiosk_settings: Settings) -> None:
    async with running(kiosk_settings) as hall:
        client_id, _ = await register(hall)
        before = await _counts(hall)
        hall.cookies.clear()
        person = bearer(
            (await tokens(hall, kind="person", identifier=PERSON.login, password=PERSON.password))[
                "access_token"
            ]
        )
        for headers in ({}, person):
            body = await gql(
                hall,
                REGISTER,
                {"input": {"stationCode": JINGAN, "name": "某终端"}},
                headers=headers,
            )
            assert body["data"]["registerKioskDevice"]["errors"][0]["code"] in (
                "UNAUTHENTICATED",
                "FORBIDDEN",
            )
            body = await gql(
                hall,
                REVOKE,
                {"input": {"clientId": client_id, "reason": "终端报废"}},
                headers=headers,
            )
            assert body["data"]["revokeKioskDevice"]["errors"][0]["code"] in (
                "UNAUTHENTICATED",
                "FORBIDDEN",
            )
        assert await _counts(hall) == before
        listed = await gql(hall, "{ kioskDevices { clientId } }", headers=person)
        assert listed["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_a_revoked_device_is_refused_at_once(kiosk_settings: Settings) -> None:
    async with running(kiosk_settings) as hall:
        client_id, secret = await register(hall)
        token = await device_token(hall, client_id, secret)
        assert (await _kiosk_post(hall, persisted("KioskHome"), token)).status_code == 200
        admin = await _admin(hall)
        body = await gql(
            hall, REVOKE, {"input": {"clientId": client_id, "reason": "终端报废"}}, headers=admin
        )
        payload = body["data"]["revokeKioskDevice"]
        assert payload["errors"] == [] and payload["device"]["active"] is False
        # the token it still holds no longer works, and it gets no new one
        refused = await _kiosk_post(hall, persisted("KioskHome"), token)
        assert refused.status_code == 401
        assert refused.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
        again = await hall.post(
            "/oauth/token",
            data={"grant_type": "client_credentials", "scope": "kiosk"},
            headers=basic(client_id, secret),
        )
        assert again.status_code in (400, 401) and again.json()["error"] == "invalid_client"
        body = await gql(
            hall, REVOKE, {"input": {"clientId": client_id, "reason": "终端报废"}}, headers=admin
        )
        assert body["data"]["revokeKioskDevice"]["errors"][0]["code"] == "CONFLICT"


REVOKE_MESSAGE = """mutation($input: RevokeKioskDeviceInput!) { revokeKioskDevice(
  input: $input) { errors { code field message } device { active } } }"""


async def test_registration_and_revocation_are_recorded_steps(kiosk_settings: Settings) -> None:
    """issue 13, STA-4: a device's registration is a workflow process; revoking needs a
    reason, and both steps are in the one history with who and why; revoking twice is
    refused with a typed error naming the state and the action."""
    async with running(kiosk_settings) as hall:
        admin = await _admin(hall)
        body = await gql(
            hall,
            REGISTER,
            {"input": {"stationCode": JINGAN, "name": "井岸镇办事站2号自助终端"}},
            headers=admin,
        )
        client_id = body["data"]["registerKioskDevice"]["device"]["clientId"]
        for blank in ("", "   "):
            refused = await gql(
                hall,
                REVOKE_MESSAGE,
                {"input": {"clientId": client_id, "reason": blank}},
                headers=admin,
            )
            payload = refused["data"]["revokeKioskDevice"]
            assert [(e["code"], e["field"]) for e in payload["errors"]] == [
                ("INVALID_INPUT", "reason")
            ]
        with use_database(hall.runtime.db):  # type: ignore[arg-type]
            device = await KioskDevice.get(client__client_id=client_id)
            assert device.status is DeviceStatus.ACTIVE and device.revoked_at is None
        done = await gql(
            hall,
            REVOKE_MESSAGE,
            {"input": {"clientId": client_id, "reason": " 终端  屏幕损坏，停用报修 "}},
            headers=admin,
        )
        assert done["data"]["revokeKioskDevice"] == {"errors": [], "device": {"active": False}}
        again = await gql(
            hall,
            REVOKE_MESSAGE,
            {"input": {"clientId": client_id, "reason": "再次撤销"}},
            headers=admin,
        )
        (error,) = again["data"]["revokeKioskDevice"]["errors"]
        assert (error["code"], error["field"]) == ("CONFLICT", "clientId")
        assert "自助终端当前状态为“已停用”" in error["message"] and "“撤销登记”" in error["message"]
        with use_database(hall.runtime.db):  # type: ignore[arg-type]
            device = await KioskDevice.get(id=device.id)
            steps = await WorkflowStep.filter(process=DEVICE.name, instance_id=device.id).order_by(
                "id"
            )
            account = await Account.get(username=ADMIN.login)
            audit = await AuditEvent.filter(action="kiosk.revoked").order_by("-id").first()
        assert device.status is DeviceStatus.REVOKED and device.revoked_at is not None
        assert [(s.action, s.from_state, s.to_state) for s in steps] == [
            ("start", None, "active"),
            ("revoke", "active", "revoked"),
        ]
        for step in steps:
            assert step.actor == f"admin:{account.subject}" == device.registered_by
            assert step.actor_name == account.display_name and step.role == "admin"
        assert steps[0].reason == "" and steps[1].reason == "终端 屏幕损坏，停用报修"
        assert steps[1].at == device.revoked_at
        assert audit is not None and audit.details["reason"] == steps[1].reason


def test_revoking_a_revoked_device_is_an_illegal_step() -> None:
    device = SimpleNamespace(status=DeviceStatus.REVOKED)
    with pytest.raises(IllegalDeviceStep) as caught:
        workflow.check(DEVICE, device, "revoke", CLI_OPERATOR, reason="终端报废")
    assert caught.value.code is ErrorCode.CONFLICT and caught.value.label == "终端登记状态不可变更"
    assert caught.value.message == (
        "自助终端当前状态为“已停用”，不能“撤销登记”（转为“已停用”）；可进行：无"
    )
    device.status = DeviceStatus.ACTIVE
    assert workflow.check(DEVICE, device, "revoke", CLI_OPERATOR, reason="报废").role == "operator"
    with pytest.raises(Forbidden):
        workflow.check(DEVICE, device, "revoke", Principal(PrincipalKind.STAFF, subject="s"))


async def test_the_kiosk_endpoint_wants_a_registered_device(kiosk_settings: Settings) -> None:
    async with running(kiosk_settings) as hall:
        hall.cookies.clear()
        person = (
            await tokens(hall, kind="person", identifier=PERSON.login, password=PERSON.password)
        )["access_token"]
        for token in (None, person):
            response = await _kiosk_post(hall, persisted("KioskHome"), token)
            assert response.status_code == 401
            error = response.json()["errors"][0]
            assert error["extensions"] == {"code": "DEVICE_NOT_REGISTERED", "label": "本终端未登记"}
            assert response.headers["cache-control"] == "no-store"
        status = (await hall.get("/kiosk/status")).json()
        assert status["registered"] is False and status["reason"]


async def test_only_the_kiosk_uis_own_operations_run(kiosk_settings: Settings) -> None:
    """STA-4: an allow-list of persisted operations; anything else is a typed refusal."""
    async with running(kiosk_settings) as hall:
        token = await device_token(hall, *await register(hall))
        answered = await _kiosk_post(hall, persisted("KioskHome"), token)
        assert answered.status_code == 200
        assert len(answered.json()["data"]["towns"]) >= 6
        assert answered.headers["cache-control"] == "no-store"
        viewer = "{ viewer { account { displayName } } }"
        other = {
            "query": viewer,
            "extensions": {
                "persistedQuery": {
                    "version": 1,
                    "sha256Hash": hashlib.sha256(viewer.encode()).hexdigest(),
                }
            },
        }
        home = persisted("KioskHome")
        for body in (
            {"query": "{ towns { code } }"},  # text, even of public data
            other,  # a valid document that is not the UI's
            home | {"query": "{ towns { code } }"},  # an allowed hash with other text
            {"extensions": {"persistedQuery": {"version": 1, "sha256Hash": "0" * 64}}},
            {"variables": {}},
        ):
            refused = await _kiosk_post(hall, body, token)
            assert refused.status_code == 403, body
            assert refused.json()["errors"][0]["extensions"]["code"] == "OPERATION_NOT_ALLOWED"
        # the main endpoint is closed to kiosk tokens, whatever they ask
        closed = await hall.post(
            "/graphql", json={"query": "{ towns { code } }"}, headers=bearer(token)
        )
        assert closed.status_code == 403
        assert closed.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_requests_are_rate_limited_per_device(kiosk_settings: Settings) -> None:
    settings = kiosk_settings.replace(kiosk_requests_per_device=3)
    async with running(settings) as hall:
        first = await device_token(hall, *await register(hall))
        second = await device_token(hall, *await register(hall, name="井岸镇办事站2号自助终端"))
        answers = [await _kiosk_post(hall, persisted("KioskHome"), first) for _ in range(4)]
        assert [a.status_code for a in answers] == [200, 200, 200, 429]
        assert answers[3].json()["errors"][0]["extensions"]["code"] == "RATE_LIMITED"
        # another terminal has a limit of its own
        assert (await _kiosk_post(hall, persisted("KioskHome"), second)).status_code == 200


PROGRESS = "CaseProgress"


async def test_progress_lookups_count_per_device_not_per_address(
    kiosk_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """CASE-1 at a kiosk: residents share the device's limit, whatever the address says.
    The hall's clock stands still, so the four lookups fall in one limit window."""
    still = clock.timestamp()
    monkeypatch.setattr(clock, "timestamp", lambda: still)
    settings = kiosk_settings.replace(case_lookups_per_ip=1, case_lookups_per_device=3)
    async with running(settings) as hall:
        token = await device_token(hall, *await register(hall))
        with use_database(hall.runtime.db):  # type: ignore[arg-type]
            case = await Case.filter(applicant_code=PERSON_ID).order_by("id").first()
        assert case is not None
        body = persisted(PROGRESS, {"caseNumber": case.case_number, "applicantName": "陈晓明"})
        answers = [(await _kiosk_post(hall, body, token)).json() for _ in range(4)]
        assert all("errors" not in a for a in answers[:3]), answers
        progress = answers[0]["data"]["caseProgress"]
        assert progress["applicantName"] == "陈*明"  # masked: the kiosk sees what anyone sees
        assert answers[3]["errors"][0]["extensions"]["code"] == "RATE_LIMITED"


async def test_a_kiosk_rates_as_a_kiosk_with_a_captcha(kiosk_settings: Settings) -> None:
    """RATE-1 at a kiosk: no account, so a captcha; the channel is the kiosk's."""
    async with running(kiosk_settings) as hall:
        token = await device_token(hall, *await register(hall))
        with use_database(hall.runtime.db):  # type: ignore[arg-type]
            case = await Case.filter(applicant_code=PERSON_ID, stage=CaseStage.COMPLETED).first()
        assert case is not None

        async def captcha() -> dict[str, str]:
            body = (await _kiosk_post(hall, persisted("CreateCaptcha"), token)).json()
            captcha_id = body["data"]["createCaptcha"]["captcha"]["id"]
            answer = (await hall.runtime.cache.get(f"captcha:{captcha_id}")).decode()
            return {"captchaId": captcha_id, "captchaAnswer": answer}

        def rate(**fields: Any) -> dict[str, Any]:
            return persisted(
                "RateCase",
                {
                    "input": {
                        "caseNumber": case.case_number,
                        "applicantName": "陈晓明",
                        "level": "SATISFIED",
                        "channel": "KIOSK",
                    }
                    | fields
                },
            )

        wrong_channel = (
            await _kiosk_post(hall, rate(channel="WEB", **await captcha()), token)
        ).json()
        assert wrong_channel["data"]["rateCase"]["errors"][0]["field"] == "channel"
        no_captcha = (await _kiosk_post(hall, rate(), token)).json()
        assert no_captcha["data"]["rateCase"]["errors"][0]["code"] == "CAPTCHA_INVALID"
        with use_database(hall.runtime.db):  # type: ignore[arg-type]
            assert not await Rating.filter(case_id=case.id).exists()  # refusals change nothing
        rated = (await _kiosk_post(hall, rate(**await captcha()), token)).json()
        assert rated["data"]["rateCase"]["errors"] == []
        with use_database(hall.runtime.db):  # type: ignore[arg-type]
            rating = await Rating.get(case_id=case.id, current=True)
        assert rating.channel.value == "kiosk"


async def test_kiosk_tokens_open_no_subscription(kiosk_settings: Settings) -> None:
    async with live(kiosk_settings, free_port()) as hall:
        client = hall.client()
        async with client:
            token = await device_token(client, *await register(client))
        url = hall.url.replace("http://", "ws://") + "/graphql"
        async with websockets.connect(
            url,
            subprotocols=["graphql-transport-ws"],  # type: ignore[list-item]
            additional_headers={"authorization": f"Bearer {token}"},
        ) as ws:
            await ws.send(json.dumps({"type": "connection_init"}))
            with pytest.raises(websockets.ConnectionClosed) as closed:
                await ws.recv()
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 4403


def test_a_kiosk_principal_sees_public_data_and_what_a_resident_proves() -> None:
    """Beneath the allow-list, the resolvers' own rules: a kiosk has no account and reads
    no case in full; what it shows of a case comes from caseProgress (number + name)."""
    kiosk = Principal(
        PrincipalKind.KIOSK,
        subject="kiosk-440403100-01",
        client_id="kiosk-440403100-01",
        scopes=frozenset({"kiosk", "cases:read"}),  # a scope it could not get does not help
        station_code=JINGAN,
    )
    case = Case(applicant_code=PERSON_ID)
    assert not kiosk.has_account and kiosk.is_kiosk
    assert not can_read(kiosk, case, applicant_subject=kiosk.subject)
    assert not is_applicant(kiosk, case, None)
    with pytest.raises(Unauthenticated):
        require_account(kiosk)
