"""SSO-3, SSO-4, ENT-1 through GraphQL: the viewer, self-service and enterprise activation."""

from __future__ import annotations

from datetime import date
from typing import Any

from servicehall.db import use_database
from servicehall.demo.enterprises import generate_enterprises
from servicehall.models import Enterprise, OutboxMessage, OutboxState
from servicehall.notify.sms import SmsGateway
from tests.auth.flows import ADMIN, ENTERPRISE, PERSON, bearer, sign_in, tokens
from tests.conftest import HallClient, gql

VIEWER = """
{ viewer {
    account { subject kind { value label } displayName phone idNumber roles { label }
              passwordChangeDue department { code } }
    enterprise { creditCode name }
    loginRecords(first: 5) { totalCount edges { node { ip method result { value label } } } }
    sessions { current clients }
    bindings { provider }
} }
"""


async def test_anonymous_viewer_is_null_and_private_mutations_are_refused(
    hall: HallClient,
) -> None:
    assert (await gql(hall, "{ viewer { account { subject } } }")) == {"data": {"viewer": None}}
    body = await gql(hall, "mutation { endOtherSessions { ended errors { code message } } }")
    assert body["data"]["endOtherSessions"]["errors"][0]["code"] == "UNAUTHENTICATED"
    stats = await gql(hall, "{ loginStatistics { day } }")
    assert stats["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_enterprise_viewer(hall: HallClient) -> None:
    access = (await tokens(hall))["access_token"]
    body = await gql(hall, VIEWER, headers=bearer(access))
    viewer = body["data"]["viewer"]
    assert viewer["account"]["kind"] == {"value": "ENTERPRISE", "label": "企业"}
    assert viewer["enterprise"]["creditCode"] == ENTERPRISE.login
    records = viewer["loginRecords"]
    assert records["totalCount"] == 1
    assert records["edges"][0]["node"]["result"]["value"] == "SUCCESS"
    assert viewer["sessions"] == [{"current": True, "clients": ["doumen-portal"]}]
    assert viewer["bindings"] == []


async def test_person_data_is_masked(hall: HallClient) -> None:
    access = (await tokens(hall, kind="person", identifier=PERSON.login, password=PERSON.password))[
        "access_token"
    ]
    account = (await gql(hall, VIEWER, headers=bearer(access)))["data"]["viewer"]["account"]
    assert account["phone"] == "139****1234"
    assert account["idNumber"].startswith("4404") and "*" in account["idNumber"]


CHANGE = """
mutation($current: String!, $new: String!) {
  changePassword(input: {currentPassword: $current, newPassword: $new}) {
    errors { code field message } account { subject } endedSessions
  }
}
"""


async def test_change_password(hall: HallClient) -> None:
    access = (await tokens(hall, kind="person", identifier=PERSON.login, password=PERSON.password))[
        "access_token"
    ]
    for current, new, code, field in (
        ("wrong-password", "Zhuhai#Doumen2026", "PASSWORD_INCORRECT", "currentPassword"),
        (PERSON.password, "short", "INVALID_INPUT", "newPassword"),
        (PERSON.password, "woaini1314", "INVALID_INPUT", "newPassword"),
        (PERSON.password, "x13926901234x", "INVALID_INPUT", "newPassword"),
        (PERSON.password, PERSON.password, "INVALID_INPUT", "newPassword"),
    ):
        body = await gql(hall, CHANGE, {"current": current, "new": new}, headers=bearer(access))
        payload = body["data"]["changePassword"]
        assert payload["account"] is None
        assert (payload["errors"][0]["code"], payload["errors"][0]["field"]) == (code, field)
    body = await gql(
        hall,
        CHANGE,
        {"current": PERSON.password, "new": "Zhuhai#Doumen2026"},
        headers=bearer(access),
    )
    assert body["data"]["changePassword"]["errors"] == []
    hall.cookies.clear()
    old = await sign_in(hall, "", kind="person", identifier=PERSON.login, password=PERSON.password)
    assert old.status_code == 400 and "账号或密码错误" in old.text
    new = await sign_in(
        hall, "", kind="person", identifier=PERSON.login, password="Zhuhai#Doumen2026"
    )
    assert new.status_code == 303


async def test_end_other_sessions_cuts_their_tokens(hall: HallClient) -> None:
    laptop = (await tokens(hall))["access_token"]
    hall.cookies.clear()
    phone = (await tokens(hall))["access_token"]
    assert len((await gql(hall, VIEWER, headers=bearer(phone)))["data"]["viewer"]["sessions"]) == 2
    body = await gql(
        hall, "mutation { endOtherSessions { ended errors { code } } }", headers=bearer(phone)
    )
    assert body["data"]["endOtherSessions"] == {"ended": 1, "errors": []}
    refused = await hall.post(
        "/graphql", json={"query": "{ themes { code } }"}, headers=bearer(laptop)
    )
    assert refused.status_code == 401
    assert (await gql(hall, "{ themes { code } }", headers=bearer(phone)))["data"]["themes"]


class RecordingSms(SmsGateway):
    def __init__(self) -> None:
        self.sent: list[tuple[str, str]] = []

    async def send(self, phone: str, text: str, *, template: str, message_id: str) -> None:
        self.sent.append((phone, text))


START = """
mutation($input: StartEnterpriseActivationInput!) {
  startEnterpriseActivation(input: $input) { activationId phone expiresIn errors { code field } }
}
"""
FINISH = """
mutation($input: ActivateEnterpriseAccountInput!) {
  activateEnterpriseAccount(input: $input) {
    account { kind { value } displayName } errors { code field }
  }
}
"""


async def _captcha(hall: HallClient) -> dict[str, str]:
    body = await gql(hall, "mutation { createCaptcha { captcha { id image } errors { code } } }")
    captcha = body["data"]["createCaptcha"]["captcha"]
    assert captcha["image"].startswith("data:image/png;base64,")
    answer = (await hall.runtime.cache.get(f"captcha:{captcha['id']}")).decode()
    return {"captchaId": captcha["id"], "captchaAnswer": answer}


async def _start(hall: HallClient, code: str, id_number: str, *, good_captcha: bool = True) -> Any:
    captcha = await _captcha(hall)
    if not good_captcha:
        captcha["captchaAnswer"] = "WRONG"
    variables = {"input": {"creditCode": code, "legalRepresentativeIdNumber": id_number} | captcha}
    return (await gql(hall, START, variables))["data"]["startEnterpriseActivation"]


async def test_enterprise_activation(hall: HallClient) -> None:
    sms = RecordingSms()
    hall.runtime.notifier.outbox.sms = sms
    companies = generate_enterprises(6)
    target = next(
        e for e in companies[1:] if e.status == "operating" and e.licence_valid_to is None
    )
    other = companies[0]
    refusals = [
        (
            await _start(
                hall, target.credit_code, target.legal_representative_id, good_captcha=False
            ),
            "CAPTCHA_INVALID",
        ),
        (await _start(hall, "914403001922038216", target.legal_representative_id), "NOT_FOUND"),
        (
            await _start(hall, "914403001922038217", target.legal_representative_id),
            "INVALID_CREDIT_CODE",
        ),
        (await _start(hall, target.credit_code, "123"), "INVALID_ID_NUMBER"),
        (await _start(hall, other.credit_code, other.legal_representative_id), "ALREADY_ACTIVE"),
        (await _start(hall, target.credit_code, other.legal_representative_id), "PROOF_MISMATCH"),
    ]
    for payload, code in refusals:
        assert payload["activationId"] is None
        assert payload["errors"][0]["code"] == code, payload
    assert sms.sent == []
    started = await _start(hall, target.credit_code, target.legal_representative_id)
    assert started["errors"] == [] and started["phone"].count("*") == 4
    with use_database(hall.runtime.db):  # type: ignore[arg-type]
        # the code went to the outbox with the activation; the worker sends it
        queued = await OutboxMessage.get(source__startswith="activation:")
        assert queued.sensitive and queued.expires_at is not None
        delivered = await hall.runtime.notifier.outbox.deliver_due()
        assert delivered.sent == 1
        sent = await OutboxMessage.get(id=queued.id)
    ((phone, text),) = sms.sent
    assert phone == target.contact_phone and "验证码" in text
    assert sent.state is OutboxState.SENT and "验证码" not in sent.body  # blanked once sent
    one_time = text.split("验证码", 1)[1][:6]
    again = await _start(hall, target.credit_code, target.legal_representative_id)
    assert again["errors"][0]["code"] == "RATE_LIMITED"  # one text a minute
    activation = started["activationId"]
    for code, password, error in (
        ("000000" if one_time != "000000" else "111111", "Strong#Pass2026", "CODE_INVALID"),
        (one_time, "12345678", "INVALID_INPUT"),
    ):
        body = await gql(
            hall,
            FINISH,
            {"input": {"activationId": activation, "code": code, "password": password}},
        )
        assert body["data"]["activateEnterpriseAccount"]["errors"][0]["code"] == error
    body = await gql(
        hall,
        FINISH,
        {"input": {"activationId": activation, "code": one_time, "password": "Strong#Pass2026"}},
    )
    assert body["data"]["activateEnterpriseAccount"] == {
        "account": {"kind": {"value": "ENTERPRISE"}, "displayName": target.name},
        "errors": [],
    }
    signed = await sign_in(
        hall, "", kind="enterprise", identifier=target.credit_code, password="Strong#Pass2026"
    )
    assert signed.status_code == 303
    repeat = await _start(hall, target.credit_code, target.legal_representative_id)
    assert repeat["errors"][0]["code"] == "ALREADY_ACTIVE"


async def test_an_expired_or_revoked_licence_cannot_activate(hall: HallClient) -> None:
    first, second = generate_enterprises(6)[2:4]
    with use_database(hall.runtime.db):  # type: ignore[arg-type]
        await Enterprise.filter(credit_code=first.credit_code).update(
            licence_valid_to=date(2024, 6, 30)
        )
        await Enterprise.filter(credit_code=second.credit_code).update(status="revoked")
    for company in (first, second):
        payload = await _start(hall, company.credit_code, company.legal_representative_id)
        assert payload["errors"][0]["code"] == "LICENCE_INVALID"


async def test_announcements_and_statistics(hall: HallClient) -> None:
    notices = await gql(hall, "{ announcements { totalCount edges { node { title } } } }")
    assert notices["data"]["announcements"]["totalCount"] == 2
    person = (await tokens(hall, kind="person", identifier=PERSON.login, password=PERSON.password))[
        "access_token"
    ]
    publish = (
        "mutation($t: String!, $b: String!) { publishAnnouncement(input: {title: $t, body: $b})"
        " { announcement { title } errors { code } } }"
    )
    body = await gql(hall, publish, {"t": "测试公告", "b": "内容"}, headers=bearer(person))
    assert body["data"]["publishAnnouncement"]["errors"][0]["code"] == "FORBIDDEN"
    hall.cookies.clear()
    admin = (await tokens(hall, kind="staff", identifier=ADMIN.login, password=ADMIN.password))[
        "access_token"
    ]
    body = await gql(
        hall, publish, {"t": "系统维护通知", "b": "周六22:00至24:00维护。"}, headers=bearer(admin)
    )
    assert body["data"]["publishAnnouncement"] == {
        "announcement": {"title": "系统维护通知"},
        "errors": [],
    }
    latest = await gql(hall, "{ announcements(first: 1) { edges { node { title } } } }")
    assert latest["data"]["announcements"]["edges"][0]["node"]["title"] == "系统维护通知"
    stats = await gql(
        hall,
        "{ loginStatistics { day clientId clientName successes failures } }",
        headers=bearer(admin),
    )
    rows = stats["data"]["loginStatistics"]
    assert sum(r["successes"] for r in rows) == 2
    assert {r["clientName"] for r in rows} == {"斗门区网上办事大厅（网页版）"}
