"""Revocations of access tokens, kept in the database as well as in the cache (F5, SEC-3).

Redis holds a marker per revocation for the validator's one round trip; this table is the
record that survives a Redis outage or restart: the validator falls back to it while Redis
is unavailable and re-seeds the markers from it when Redis lost its memory.
"""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

from servicehall.models.base import LabelledEnum


class RevocationKind(LabelledEnum):
    """What a revocation refuses; the value is also the cache marker's infix."""

    TOKEN = "jti", "访问令牌"
    SESSION = "sid", "登录会话"
    FAMILY = "family", "刷新令牌族"
    CLIENT = "client", "应用或自助终端"


class Revocation(Model):
    """One revoked access token (``jti``), SSO session, refresh-token family (access tokens
    carry their ``fam``) or client, kept until every token it refuses has expired
    (``exp`` plus the validator's leeway)."""

    id = fields.IntField(primary_key=True)
    kind = fields.CharEnumField(RevocationKind, max_length=8)
    value = fields.CharField(max_length=64)
    expires_at = fields.DatetimeField(db_index=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "token_revocation"
        unique_together = (("kind", "value"),)
