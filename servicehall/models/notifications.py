"""The outbox (every message the hall sends) and the editable text-message templates.

A message is written to the outbox in the transaction of the change that caused it and
delivered afterwards, so a crash between the two loses nothing. ``source`` names what
caused it for whom (``digest:2026-11-26/enterprise:7``): enqueuing the same source twice
writes one row. ``message_id`` is what the recipient's side sees (the e-mail's Message-ID,
the gateway's request id), so a duplicate delivery is recognisable.
"""

from __future__ import annotations

from typing import Any

from tortoise import fields
from tortoise.models import Model

from servicehall.models.base import LabelledEnum, Timestamped


class OutboxChannel(LabelledEnum):
    EMAIL = "email", "电子邮件"
    SMS = "sms", "短信"
    IN_APP = "in_app", "站内信"


class OutboxState(LabelledEnum):
    QUEUED = "queued", "待发送"
    SENDING = "sending", "发送中"
    SENT = "sent", "已发送"
    RETRYING = "retrying", "等待重试"
    DEAD = "dead", "发送失败"
    #: Not sent before it stopped being useful (a one-time code past its lifetime).
    EXPIRED = "expired", "已过期未发送"


class OutboxMessage(Model):
    id = fields.BigIntField(primary_key=True)
    message_id = fields.CharField(max_length=32, unique=True)
    source = fields.CharField(max_length=160, unique=True)
    channel = fields.CharEnumField(OutboxChannel, max_length=16)
    #: The template it was rendered from, e.g. "enterprise_digest".
    kind = fields.CharField(max_length=48)
    #: An e-mail address, a mobile number, or "enterprise:7" / "account:3" for in-app.
    recipient = fields.CharField(max_length=128)
    subject = fields.CharField(max_length=256, default="")
    body = fields.TextField()
    html = fields.TextField(null=True)
    #: In-app: where the message lands (enterprise_id or account_id, category, sender, link).
    payload = fields.JSONField[dict[str, Any]](default=dict)
    state = fields.CharEnumField(OutboxState, max_length=16, default=OutboxState.QUEUED)
    attempts = fields.SmallIntField(default=0)
    next_attempt_at = fields.DatetimeField()
    #: A claimed message whose lease ran out (its worker died) is claimed again.
    lease_until = fields.DatetimeField(null=True)
    expires_at = fields.DatetimeField(null=True)
    #: The body holds a secret (a one-time code): blanked once the message is settled.
    sensitive = fields.BooleanField(default=False)
    last_error = fields.CharField(max_length=512, default="")
    created_at = fields.DatetimeField(auto_now_add=True)
    sent_at = fields.DatetimeField(null=True)

    class Meta:
        table = "outbox_message"
        indexes = (("state", "next_attempt_at"),)


class SmsTemplate(Timestamped, Model):
    """An administrator's wording of a text message (the built-in wording otherwise)."""

    id = fields.IntField(primary_key=True)
    code = fields.CharField(max_length=48, unique=True)
    body = fields.CharField(max_length=500)
    updated_by = fields.CharField(max_length=96)

    class Meta:
        table = "sms_template"
