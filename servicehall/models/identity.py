"""Accounts, OAuth clients, tokens and bindings of unified authentication (SSO-1..5).

Short-lived state (authorization codes, SSO sessions, captchas, throttling counters) lives
in the cache backend, what must survive a restart or be listed later lives here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

from servicehall.models.base import LabelledEnum, Timestamped

if TYPE_CHECKING:
    from servicehall.models.enterprises import Enterprise
    from servicehall.models.items import Department


class AccountKind(LabelledEnum):
    PERSON = "person", "个人"
    ENTERPRISE = "enterprise", "企业"
    STAFF = "staff", "部门工作人员"
    ADMIN = "admin", "系统管理员"


class AccountStatus(LabelledEnum):
    ACTIVE = "active", "正常"
    DISABLED = "disabled", "已停用"


class StaffRole(LabelledEnum):
    """What a department's staff member may do beyond reading public data."""

    CASE_HANDLER = "case_handler", "办件经办人"
    LICENSE_ISSUER = "license_issuer", "证照签发人"
    LICENSE_READER = "license_reader", "证照查阅人"
    ENTERPRISE_DATA_READER = "enterprise_data_reader", "企业涉税涉保信息查阅人"
    ANNOUNCER = "announcer", "公告发布人"
    #: The item registry (ITEM-4): a department's drafter and the reviewing offices.
    ITEM_EDITOR = "item_editor", "事项编辑人"
    DIRECTORY_REVIEWER = "directory_reviewer", "目录管理机构审核人"
    STAFFING_REVIEWER = "staffing_reviewer", "机构编制部门审核人"
    LEGAL_REVIEWER = "legal_reviewer", "法制机构审查人"
    SUPERVISION_FILER = "supervision_filer", "监察机关备案人"


class Account(Timestamped, Model):
    """One person, enterprise, staff member or administrator who signs in to the hall."""

    id = fields.IntField(primary_key=True)
    #: Stable, opaque, public identifier (the OpenID Connect ``sub``).
    subject = fields.CharField(max_length=40, unique=True)
    kind = fields.CharEnumField(AccountKind, max_length=16)
    #: Work number of staff and administrators (their login name).
    username = fields.CharField(max_length=32, unique=True, null=True)
    #: Mobile number (persons log in with it or their ID number).
    phone = fields.CharField(max_length=20, unique=True, null=True)
    #: Resident ID number (居民身份证号码) of persons.
    id_number = fields.CharField(max_length=18, unique=True, null=True)
    display_name = fields.CharField(max_length=64)
    email = fields.CharField(max_length=128, default="")
    enterprise: fields.ForeignKeyNullableRelation[Enterprise] = fields.ForeignKeyField(
        "models.Enterprise",
        related_name="accounts",
        null=True,
        unique=True,
        on_delete=fields.RESTRICT,
    )
    department: fields.ForeignKeyNullableRelation[Department] = fields.ForeignKeyField(
        "models.Department", related_name="staff", null=True, on_delete=fields.RESTRICT
    )
    roles = fields.JSONField[list[str]](default=list)
    password_hash = fields.CharField(max_length=255)
    password_changed_at = fields.DatetimeField()
    status = fields.CharEnumField(AccountStatus, max_length=16, default=AccountStatus.ACTIVE)

    class Meta:
        table = "account"


class ClientKind(LabelledEnum):
    PUBLIC = "public", "公共客户端（单页应用、移动应用）"
    CONFIDENTIAL = "confidential", "机密客户端（服务端网站）"
    MACHINE = "machine", "机器客户端（部门系统、自助终端）"


class OAuthClient(Timestamped, Model):
    """A registered client. Clients are data: adding one needs no deployment."""

    id = fields.IntField(primary_key=True)
    client_id = fields.CharField(max_length=64, unique=True)
    name = fields.CharField(max_length=64)
    kind = fields.CharEnumField(ClientKind, max_length=16)
    #: SHA-256 of the secret (secrets are random and long: a slow hash buys nothing).
    secret_hash = fields.CharField(max_length=64, null=True)
    #: First-party clients (the hall's own front ends) skip the consent page.
    first_party = fields.BooleanField(default=False)
    redirect_uris = fields.JSONField[list[str]](default=list)
    post_logout_redirect_uris = fields.JSONField[list[str]](default=list)
    #: Scopes the client may ask for.
    scopes = fields.JSONField[list[str]](default=list)
    #: The department a machine client (department system) belongs to.
    department: fields.ForeignKeyNullableRelation[Department] = fields.ForeignKeyField(
        "models.Department", related_name="clients", null=True, on_delete=fields.RESTRICT
    )
    active = fields.BooleanField(default=True)

    class Meta:
        table = "oauth_client"


class Consent(Model):
    """Scopes an account granted to a third-party client."""

    id = fields.IntField(primary_key=True)
    account: fields.ForeignKeyRelation[Account] = fields.ForeignKeyField(
        "models.Account", related_name="consents", on_delete=fields.CASCADE
    )
    client: fields.ForeignKeyRelation[OAuthClient] = fields.ForeignKeyField(
        "models.OAuthClient", related_name="consents", on_delete=fields.CASCADE
    )
    scopes = fields.JSONField[list[str]](default=list)
    granted_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "oauth_consent"
        unique_together = (("account", "client"),)


class RefreshToken(Model):
    """A refresh token, stored by hash. Each rotation issues a new member of the family
    and marks the old one used, and presenting a used one revokes the whole family."""

    id = fields.IntField(primary_key=True)
    token_hash = fields.CharField(max_length=64, unique=True)
    family = fields.CharField(max_length=32, db_index=True)
    account: fields.ForeignKeyRelation[Account] = fields.ForeignKeyField(
        "models.Account", related_name="refresh_tokens", on_delete=fields.CASCADE
    )
    client: fields.ForeignKeyRelation[OAuthClient] = fields.ForeignKeyField(
        "models.OAuthClient", related_name="refresh_tokens", on_delete=fields.CASCADE
    )
    scope = fields.CharField(max_length=255)
    #: The SSO session the family was issued in (ended with it).
    session_id = fields.CharField(max_length=64, db_index=True)
    auth_time = fields.IntField()
    issued_at = fields.DatetimeField()
    expires_at = fields.DatetimeField()
    used_at = fields.DatetimeField(null=True)
    revoked_at = fields.DatetimeField(null=True)

    class Meta:
        table = "oauth_refresh_token"


class SigningKey(Model):
    """A key of a signing key set (access tokens or licences), its private half sealed."""

    id = fields.IntField(primary_key=True)
    kid = fields.CharField(max_length=64, unique=True)
    #: What the key signs: "token" (access and ID tokens) or "license" (e-licences).
    purpose = fields.CharField(max_length=16, default="token", db_default="token")
    alg = fields.CharField(max_length=16)
    private_jwe = fields.TextField()
    public_jwk = fields.JSONField[dict[str, str]]()
    created_at = fields.DatetimeField()
    #: When a newer key took over signing (it stays published until its tokens expire).
    retired_at = fields.DatetimeField(null=True)
    #: When an operator withdrew the key from the published set (compromised or superseded).
    withdrawn_at = fields.DatetimeField(null=True)

    class Meta:
        table = "signing_key"


class LoginResult(LabelledEnum):
    SUCCESS = "success", "成功"
    FAILURE = "failure", "失败"
    LOCKED = "locked", "账号已锁定"
    THROTTLED = "throttled", "尝试过于频繁"


class LoginRecord(Model):
    """One sign-in attempt, shown to the account (SSO-3)."""

    id = fields.IntField(primary_key=True)
    account: fields.ForeignKeyNullableRelation[Account] = fields.ForeignKeyField(
        "models.Account", related_name="login_records", null=True, on_delete=fields.CASCADE
    )
    at = fields.DatetimeField(auto_now_add=True, db_index=True)
    ip = fields.CharField(max_length=64)
    user_agent = fields.CharField(max_length=256)
    client_id = fields.CharField(max_length=64, default="")
    method = fields.CharField(max_length=32)
    result = fields.CharEnumField(LoginResult, max_length=16)

    class Meta:
        table = "login_record"
        indexes = (("account_id", "at"),)


class IdentityProvider(Model):
    """An upstream OpenID Connect provider accounts can be bound to (SSO-2, SSO-5)."""

    id = fields.IntField(primary_key=True)
    slug = fields.CharField(max_length=32, unique=True)
    name = fields.CharField(max_length=64)
    issuer = fields.CharField(max_length=255, unique=True)
    client_id = fields.CharField(max_length=128)
    #: Encrypted with the hall's secret key.
    client_secret_jwe = fields.TextField()
    scopes = fields.CharField(max_length=255, default="openid profile")
    active = fields.BooleanField(default=True)

    class Meta:
        table = "identity_provider"


class AccountBinding(Model):
    """An upstream account bound to a hall account: signing in there signs in here."""

    id = fields.IntField(primary_key=True)
    account: fields.ForeignKeyRelation[Account] = fields.ForeignKeyField(
        "models.Account", related_name="bindings", on_delete=fields.CASCADE
    )
    provider: fields.ForeignKeyRelation[IdentityProvider] = fields.ForeignKeyField(
        "models.IdentityProvider", related_name="bindings", on_delete=fields.CASCADE
    )
    subject = fields.CharField(max_length=255)
    display_name = fields.CharField(max_length=64, default="")
    bound_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "account_binding"
        unique_together = (("provider", "subject"), ("account", "provider"))


class Announcement(Timestamped, Model):
    """A notice on the authentication portal (SSO-4)."""

    id = fields.IntField(primary_key=True)
    title = fields.CharField(max_length=128)
    body = fields.TextField()
    published_at = fields.DatetimeField(null=True, db_index=True)
    author: fields.ForeignKeyRelation[Account] = fields.ForeignKeyField(
        "models.Account", related_name="announcements", on_delete=fields.RESTRICT
    )

    class Meta:
        table = "announcement"
