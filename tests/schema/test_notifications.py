"""ENT-11/12 and the outbox through the hall: what changes write to the outbox, the daily
digest, and the administrators' outbox and SMS-template views."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from servicehall.clock import LOCAL_TZ
from servicehall.db import use_database
from servicehall.demo.enterprises import DEMO_CONTACT_EMAIL, DEMO_CREDIT_CODE
from servicehall.models import (
    Account,
    Department,
    Enterprise,
    GovernmentInformation,
    InfoKind,
    Message,
    OutboxChannel,
    OutboxMessage,
    OutboxState,
    Subscription,
)
from servicehall.notify.outbox import SCRUBBED
from servicehall.resolvers.notifications import enterprise_digests, sms
from tests.auth.flows import ADMIN, ENTERPRISE, PERSON, bearer, tokens
from tests.conftest import HallClient, gql

CHANGE = """mutation($current: String!, $new: String!) {
  changePassword(input: {currentPassword: $current, newPassword: $new, endOtherSessions: false}) {
    errors { code } } }"""


async def _token(hall: HallClient, kind: str, account: Any) -> dict[str, str]:
    hall.cookies.clear()
    issued = await tokens(hall, kind=kind, identifier=account.login, password=account.password)
    return bearer(issued["access_token"])


async def test_a_password_change_tells_the_holder_on_every_channel(hall: HallClient) -> None:
    """ASVS 2.2.3: in-app at once, e-mail and text message through the outbox, all written
    in the transaction of the change."""
    person = await _token(hall, "person", PERSON)
    body = await gql(
        hall, CHANGE, {"current": PERSON.password, "new": "Xinmima#2026dm"}, headers=person
    )
    assert body["data"]["changePassword"]["errors"] == []
    with use_database(hall.runtime.db):  # type: ignore[arg-type]
        account = await Account.get(phone=PERSON.login)
        rows = {m.channel: m for m in await OutboxMessage.filter(kind="password_changed")}
        inbox = await Message.filter(account=account)
    assert set(rows) == {OutboxChannel.IN_APP, OutboxChannel.EMAIL, OutboxChannel.SMS}
    assert rows[OutboxChannel.IN_APP].state is OutboxState.SENT
    assert rows[OutboxChannel.EMAIL].recipient == "chenxiaoming@example.com"
    assert rows[OutboxChannel.EMAIL].state is OutboxState.QUEUED
    assert "密码已修改" in rows[OutboxChannel.EMAIL].subject
    assert rows[OutboxChannel.SMS].recipient == PERSON.login
    assert rows[OutboxChannel.SMS].body.startswith("【斗门区网上办事大厅】陈晓明，您的账号密码已于")
    assert [m.title for m in inbox] == ["您的账号密码已修改"]

    # the holder reads it in the personal inbox and marks it read
    query = "{ viewer { unreadCount messages(first: 5) { edges { node { id title read } } } } }"
    viewer = (await gql(hall, query, headers=person))["data"]["viewer"]
    assert viewer["unreadCount"] == 1
    (edge,) = viewer["messages"]["edges"]
    assert edge["node"]["title"] == "您的账号密码已修改" and edge["node"]["read"] is False
    mark = """mutation($id: ID!) { markMessageRead(input: {id: $id}) {
        errors { code } message { read } } }"""
    enterprise = await _token(hall, "enterprise", ENTERPRISE)
    foreign = (await gql(hall, mark, {"id": edge["node"]["id"]}, headers=enterprise))["data"]
    assert foreign["markMessageRead"]["errors"][0]["code"] == "NOT_FOUND"  # not theirs
    done = (await gql(hall, mark, {"id": edge["node"]["id"]}, headers=person))["data"]
    assert done["markMessageRead"] == {"errors": [], "message": {"read": True}}
    assert (await gql(hall, query, headers=person))["data"]["viewer"]["unreadCount"] == 0


async def test_the_daily_digest_goes_once_to_e_mail_subscribers(hall: HallClient) -> None:
    """ENT-11: information of the day matching an e-mail subscription, in one e-mail;
    a second run writes nothing; enterprises without e-mail subscriptions get none."""
    day = datetime.now(LOCAL_TZ).date() - timedelta(days=1)
    noon = datetime.combine(day, datetime.min.time(), LOCAL_TZ).replace(hour=12).astimezone(UTC)
    with use_database(hall.runtime.db):  # type: ignore[arg-type]
        demo = await Enterprise.get(credit_code=DEMO_CREDIT_CODE)
        assert await Subscription.exists(enterprise=demo, code="SCJG", email=True)
        scjg = await Department.get(code="SCJG")
        for title, department, published in (
            ("区市场监管局关于开展冬季食品安全检查的通知", scjg, noon),
            ("与订阅无关的通知", None, noon),
            ("前天的区市场监管局通知", scjg, noon - timedelta(days=1)),
        ):
            await GovernmentInformation.create(
                kind=InfoKind.NOTICE,
                title=title,
                summary="摘要",
                body="正文",
                department=department,
                published_at=published,
            )
        written = await enterprise_digests(day, portal="https://hall.example.cn")
        again = await enterprise_digests(day, portal="https://hall.example.cn")
        digests = await OutboxMessage.filter(kind="enterprise_digest")
    assert (written, again) == (1, 0)
    (digest,) = digests
    assert digest.recipient == DEMO_CONTACT_EMAIL and digest.channel is OutboxChannel.EMAIL
    assert "冬季食品安全检查" in digest.body and "与订阅无关" not in digest.body
    assert "前天" not in digest.body
    assert digest.html is not None and "https://hall.example.cn/information/" in digest.html


OUTBOX = """query($state: OutboxState) {
  outboxCounts { channel { value } state { value } count }
  outboxMessages(state: $state, first: 10) {
    totalCount edges { node { id kind recipient state { value label } attempts lastError } } } }"""
RETRY = """mutation($id: ID!) { retryOutboxMessage(input: {id: $id}) {
    errors { code field message } message { state { value } attempts } } }"""


async def test_administrators_see_the_outbox_and_retry_dead_messages(hall: HallClient) -> None:
    with use_database(hall.runtime.db):  # type: ignore[arg-type]
        now = datetime.now(UTC)
        common = {"channel": OutboxChannel.EMAIL, "kind": "enterprise_digest", "body": "正文"}
        dead = await OutboxMessage.create(
            message_id="a" * 32,
            source="t:dead",
            recipient="someone@example.com",
            state=OutboxState.DEAD,
            attempts=8,
            last_error="550 5.1.1 Mailbox unavailable",
            next_attempt_at=now,
            **common,
        )
        sent = await OutboxMessage.create(
            message_id="b" * 32,
            source="t:sent",
            recipient="other@example.com",
            state=OutboxState.SENT,
            attempts=1,
            next_attempt_at=now,
            **common,
        )
        code = await OutboxMessage.create(
            message_id="c" * 32,
            source="t:code",
            recipient="13900001111",
            channel=OutboxChannel.SMS,
            kind="enterprise_activation",
            body=SCRUBBED,
            sensitive=True,
            state=OutboxState.DEAD,
            attempts=8,
            next_attempt_at=now,
        )
    admin = await _token(hall, "staff", ADMIN)
    view = (await gql(hall, OUTBOX, {"state": "DEAD"}, headers=admin))["data"]
    assert {"channel": {"value": "EMAIL"}, "state": {"value": "DEAD"}, "count": 1} in view[
        "outboxCounts"
    ]
    nodes = [e["node"] for e in view["outboxMessages"]["edges"]]
    assert {n["id"] for n in nodes} == {str(dead.id), str(code.id)}
    shown = next(n for n in nodes if n["id"] == str(dead.id))
    assert shown["recipient"] == "so***@example.com" and shown["state"]["label"] == "发送失败"
    assert shown["lastError"].startswith("550")

    retried = (await gql(hall, RETRY, {"id": str(dead.id)}, headers=admin))["data"]
    assert retried["retryOutboxMessage"] == {
        "errors": [],
        "message": {"state": {"value": "QUEUED"}, "attempts": 0},
    }
    for target, error in ((sent.id, "CONFLICT"), (code.id, "INVALID_INPUT"), (99999, "NOT_FOUND")):
        body = (await gql(hall, RETRY, {"id": str(target)}, headers=admin))["data"]
        assert body["retryOutboxMessage"]["errors"][0]["code"] == error

    enterprise = await _token(hall, "enterprise", ENTERPRISE)
    refused = await gql(hall, OUTBOX, {}, headers=enterprise)
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    not_admin = (await gql(hall, RETRY, {"id": str(dead.id)}, headers=enterprise))["data"]
    assert not_admin["retryOutboxMessage"]["errors"][0]["code"] == "FORBIDDEN"


TEMPLATES = "{ smsTemplates { code name body defaultBody customized variables { name required } } }"
UPDATE = """mutation($code: String!, $body: String!) {
  updateSmsTemplate(input: {code: $code, body: $body}) {
    errors { code field message } template { body customized updatedBy } } }"""
PREVIEW = """query($code: String!, $body: String) {
  previewSmsTemplate(code: $code, body: $body) { errors { code message } text length segments } }"""


async def test_administrators_reword_text_messages(hall: HallClient) -> None:
    admin = await _token(hall, "staff", ADMIN)
    templates = (await gql(hall, TEMPLATES, headers=admin))["data"]["smsTemplates"]
    activation = next(t for t in templates if t["code"] == "enterprise_activation")
    assert activation["customized"] is False and activation["body"] == activation["defaultBody"]
    assert {"name": "code", "required": True} in activation["variables"]

    body = "【斗门区网上办事大厅】激活验证码{{ code }}，{{ minutes }}分钟内有效，请勿告知他人。"
    preview = await gql(
        hall, PREVIEW, {"code": "enterprise_activation", "body": body}, headers=admin
    )
    assert preview["data"]["previewSmsTemplate"] == {
        "errors": [],
        "text": "【斗门区网上办事大厅】激活验证码382915，10分钟内有效，请勿告知他人。",
        "length": 38,
        "segments": 1,
    }
    bad = await gql(
        hall, UPDATE, {"code": "enterprise_activation", "body": "激活码{{ code }}"}, headers=admin
    )
    assert bad["data"]["updateSmsTemplate"]["errors"][0]["field"] == "body"
    saved = (
        await gql(hall, UPDATE, {"code": "enterprise_activation", "body": body}, headers=admin)
    )["data"]["updateSmsTemplate"]
    assert saved["errors"] == [] and saved["template"]["customized"] is True
    assert saved["template"]["updatedBy"].startswith("admin:")

    # the next activation text uses the new wording
    with use_database(hall.runtime.db):  # type: ignore[arg-type]
        text = await sms(
            "enterprise_activation", "13900001111", {"code": "111222", "minutes": 5}, source="t:1"
        )
    assert text.body == "【斗门区网上办事大厅】激活验证码111222，5分钟内有效，请勿告知他人。"

    reset = """mutation { resetSmsTemplate(input: {code: "enterprise_activation"}) {
        errors { code } template { customized body defaultBody } } }"""
    back = (await gql(hall, reset, headers=admin))["data"]["resetSmsTemplate"]["template"]
    assert back["customized"] is False and back["body"] == back["defaultBody"]
    unknown = await gql(hall, UPDATE, {"code": "nope", "body": body}, headers=admin)
    assert unknown["data"]["updateSmsTemplate"]["errors"][0]["code"] == "NOT_FOUND"
