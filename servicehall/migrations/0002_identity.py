from tortoise import migrations
from tortoise.migrations import operations as ops
from orjson import loads
from servicehall.models.identity import AccountKind, AccountStatus, ClientKind, LoginResult
from tortoise.fields.base import OnDelete
from tortoise.fields.data import JSON_DUMPS
from tortoise import fields
from tortoise.indexes import Index


class Migration(migrations.Migration):
    dependencies = [("models", "0001_initial")]

    initial = False

    operations = [
        ops.CreateModel(
            name="Account",
            fields=[
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ("updated_at", fields.DatetimeField(auto_now=True, auto_now_add=False)),
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                (
                    "subject",
                    fields.CharField(
                        unique=True,
                        description="Stable, opaque, public identifier (the OpenID Connect ``sub``).",
                        max_length=40,
                    ),
                ),
                (
                    "kind",
                    fields.CharEnumField(
                        description="PERSON: person\nENTERPRISE: enterprise\nSTAFF: staff\nADMIN: admin",
                        enum_type=AccountKind,
                        max_length=16,
                    ),
                ),
                (
                    "username",
                    fields.CharField(
                        null=True,
                        unique=True,
                        description="Work number of staff and administrators (their login name).",
                        max_length=32,
                    ),
                ),
                (
                    "phone",
                    fields.CharField(
                        null=True,
                        unique=True,
                        description="Mobile number (persons log in with it or their ID number).",
                        max_length=20,
                    ),
                ),
                (
                    "id_number",
                    fields.CharField(
                        null=True,
                        unique=True,
                        description="Resident ID number (居民身份证号码) of persons.",
                        max_length=18,
                    ),
                ),
                ("display_name", fields.CharField(max_length=64)),
                ("email", fields.CharField(default="", max_length=128)),
                (
                    "enterprise",
                    fields.ForeignKeyField(
                        "models.Enterprise",
                        source_field="enterprise_id",
                        null=True,
                        unique=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="accounts",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                (
                    "department",
                    fields.ForeignKeyField(
                        "models.Department",
                        source_field="department_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="staff",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                ("roles", fields.JSONField(default=list, encoder=JSON_DUMPS, decoder=loads)),
                ("password_hash", fields.CharField(max_length=255)),
                ("password_changed_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                (
                    "status",
                    fields.CharEnumField(
                        default=AccountStatus.ACTIVE,
                        description="ACTIVE: active\nDISABLED: disabled",
                        enum_type=AccountStatus,
                        max_length=16,
                    ),
                ),
            ],
            options={
                "table": "account",
                "app": "models",
                "pk_attr": "id",
                "table_description": "One person, enterprise, staff member or administrator who signs in to the hall.",
            },
            bases=["Timestamped", "Model"],
        ),
        ops.CreateModel(
            name="Announcement",
            fields=[
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ("updated_at", fields.DatetimeField(auto_now=True, auto_now_add=False)),
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                ("title", fields.CharField(max_length=128)),
                ("body", fields.TextField(unique=False)),
                (
                    "published_at",
                    fields.DatetimeField(
                        null=True, db_index=True, auto_now=False, auto_now_add=False
                    ),
                ),
                (
                    "author",
                    fields.ForeignKeyField(
                        "models.Account",
                        source_field="author_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="announcements",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
            ],
            options={
                "table": "announcement",
                "app": "models",
                "pk_attr": "id",
                "table_description": "A notice on the authentication portal (SSO-4).",
            },
            bases=["Timestamped", "Model"],
        ),
        ops.CreateModel(
            name="AuditEvent",
            fields=[
                (
                    "id",
                    fields.BigIntField(
                        generated=True, primary_key=True, unique=True, db_index=True
                    ),
                ),
                ("at", fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=True)),
                (
                    "action",
                    fields.CharField(
                        db_index=True,
                        description='e.g. "login.success", "login.failure", "account.locked", "password.changed"',
                        max_length=64,
                    ),
                ),
                (
                    "actor",
                    fields.CharField(
                        description='Who acted: "account:<subject>", "client:<client_id>", "anonymous".',
                        max_length=96,
                    ),
                ),
                (
                    "target",
                    fields.CharField(
                        default="",
                        description='What it concerned, e.g. "account:<subject>", "enterprise:<credit code>".',
                        max_length=96,
                    ),
                ),
                ("ip", fields.CharField(default="", max_length=64)),
                ("outcome", fields.CharField(default="success", max_length=16)),
                ("details", fields.JSONField(default=dict, encoder=JSON_DUMPS, decoder=loads)),
            ],
            options={"table": "audit_event", "app": "models", "pk_attr": "id"},
            bases=["Model"],
        ),
        ops.CreateModel(
            name="IdentityProvider",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                ("slug", fields.CharField(unique=True, max_length=32)),
                ("name", fields.CharField(max_length=64)),
                ("issuer", fields.CharField(unique=True, max_length=255)),
                ("client_id", fields.CharField(max_length=128)),
                (
                    "client_secret_jwe",
                    fields.TextField(
                        description="Encrypted with the hall's secret key.", unique=False
                    ),
                ),
                ("scopes", fields.CharField(default="openid profile", max_length=255)),
                ("active", fields.BooleanField(default=True)),
            ],
            options={
                "table": "identity_provider",
                "app": "models",
                "pk_attr": "id",
                "table_description": "An upstream OpenID Connect provider accounts can be bound to (SSO-2, SSO-5).",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="AccountBinding",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                (
                    "account",
                    fields.ForeignKeyField(
                        "models.Account",
                        source_field="account_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="bindings",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "provider",
                    fields.ForeignKeyField(
                        "models.IdentityProvider",
                        source_field="provider_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="bindings",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("subject", fields.CharField(max_length=255)),
                ("display_name", fields.CharField(default="", max_length=64)),
                ("bound_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={
                "table": "account_binding",
                "app": "models",
                "unique_together": (("provider", "subject"), ("account", "provider")),
                "pk_attr": "id",
                "table_description": "An upstream account bound to a hall account: signing in there signs in here.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="LoginRecord",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                (
                    "account",
                    fields.ForeignKeyField(
                        "models.Account",
                        source_field="account_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="login_records",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("at", fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=True)),
                ("ip", fields.CharField(max_length=64)),
                ("user_agent", fields.CharField(max_length=256)),
                ("client_id", fields.CharField(default="", max_length=64)),
                ("method", fields.CharField(max_length=32)),
                (
                    "result",
                    fields.CharEnumField(
                        description="SUCCESS: success\nFAILURE: failure\nLOCKED: locked\nTHROTTLED: throttled",
                        enum_type=LoginResult,
                        max_length=16,
                    ),
                ),
            ],
            options={
                "table": "login_record",
                "app": "models",
                "indexes": [Index(fields=["account_id", "at"])],
                "pk_attr": "id",
                "table_description": "One sign-in attempt, shown to the account (SSO-3).",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="OAuthClient",
            fields=[
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ("updated_at", fields.DatetimeField(auto_now=True, auto_now_add=False)),
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                ("client_id", fields.CharField(unique=True, max_length=64)),
                ("name", fields.CharField(max_length=64)),
                (
                    "kind",
                    fields.CharEnumField(
                        description="PUBLIC: public\nCONFIDENTIAL: confidential\nMACHINE: machine",
                        enum_type=ClientKind,
                        max_length=16,
                    ),
                ),
                (
                    "secret_hash",
                    fields.CharField(
                        null=True,
                        description="SHA-256 of the secret (secrets are random and long: a slow hash buys nothing).",
                        max_length=64,
                    ),
                ),
                (
                    "first_party",
                    fields.BooleanField(
                        default=False,
                        description="First-party clients (the hall's own front ends) skip the consent page.",
                    ),
                ),
                (
                    "redirect_uris",
                    fields.JSONField(default=list, encoder=JSON_DUMPS, decoder=loads),
                ),
                (
                    "post_logout_redirect_uris",
                    fields.JSONField(default=list, encoder=JSON_DUMPS, decoder=loads),
                ),
                (
                    "scopes",
                    fields.JSONField(
                        default=list,
                        description="Scopes the client may ask for.",
                        encoder=JSON_DUMPS,
                        decoder=loads,
                    ),
                ),
                (
                    "department",
                    fields.ForeignKeyField(
                        "models.Department",
                        source_field="department_id",
                        null=True,
                        description="The department a machine client (department system) belongs to.",
                        db_constraint=True,
                        to_field="id",
                        related_name="clients",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                ("active", fields.BooleanField(default=True)),
            ],
            options={
                "table": "oauth_client",
                "app": "models",
                "pk_attr": "id",
                "table_description": "A registered client. Clients are data: adding one needs no deployment.",
            },
            bases=["Timestamped", "Model"],
        ),
        ops.CreateModel(
            name="Consent",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                (
                    "account",
                    fields.ForeignKeyField(
                        "models.Account",
                        source_field="account_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="consents",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "client",
                    fields.ForeignKeyField(
                        "models.OAuthClient",
                        source_field="client_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="consents",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("scopes", fields.JSONField(default=list, encoder=JSON_DUMPS, decoder=loads)),
                ("granted_at", fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={
                "table": "oauth_consent",
                "app": "models",
                "unique_together": (("account", "client"),),
                "pk_attr": "id",
                "table_description": "Scopes an account granted to a third-party client.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="RefreshToken",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                ("token_hash", fields.CharField(unique=True, max_length=64)),
                ("family", fields.CharField(db_index=True, max_length=32)),
                (
                    "account",
                    fields.ForeignKeyField(
                        "models.Account",
                        source_field="account_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="refresh_tokens",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "client",
                    fields.ForeignKeyField(
                        "models.OAuthClient",
                        source_field="client_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="refresh_tokens",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("scope", fields.CharField(max_length=255)),
                (
                    "session_id",
                    fields.CharField(
                        db_index=True,
                        description="The SSO session the family was issued in (ended with it).",
                        max_length=64,
                    ),
                ),
                ("auth_time", fields.IntField()),
                ("issued_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("expires_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("used_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("revoked_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "oauth_refresh_token",
                "app": "models",
                "pk_attr": "id",
                "table_description": "A refresh token, stored by hash. Each rotation issues a new member of the family",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="SigningKey",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                ("kid", fields.CharField(unique=True, max_length=64)),
                ("alg", fields.CharField(max_length=16)),
                ("private_jwe", fields.TextField(unique=False)),
                ("public_jwk", fields.JSONField(encoder=JSON_DUMPS, decoder=loads)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                (
                    "retired_at",
                    fields.DatetimeField(
                        null=True,
                        description="When a newer key took over signing (it stays published until its tokens expire).",
                        auto_now=False,
                        auto_now_add=False,
                    ),
                ),
            ],
            options={
                "table": "signing_key",
                "app": "models",
                "pk_attr": "id",
                "table_description": "A key of the token-signing key set. The private part is encrypted at rest.",
            },
            bases=["Model"],
        ),
    ]
