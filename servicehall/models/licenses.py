"""E-licences (电子证照, LIC-1..4, ENT-14).

- The catalogue (证照目录): one :class:`LicenseCatalogEntry` per licence type, its versions
  (field list and validity rule) and the recorded steps of its lifecycle, moved only by
  the workflow engine along ``servicehall.resolvers.license_catalog.PROCESS``.
- Browse grants (:class:`LicenseGrant`): a department may read licences of an entry once
  an administrator granted it (LIC-2).
- Licences (:class:`License`) keep the catalogue version they were issued under, carry the
  signed token of their canonical data (LIC-4) and list every read by someone other than
  their holder (:class:`LicenseAccess`, append-only by trigger).
- :class:`CaseLicense` attaches a licence to a case as application material: a reference,
  never a copy.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tortoise import fields
from tortoise.models import Model

from servicehall.models.base import LabelledEnum, Timestamped

if TYPE_CHECKING:
    from servicehall.models.cases import Case
    from servicehall.models.enterprises import Enterprise
    from servicehall.models.identity import Account
    from servicehall.models.items import Department


class CatalogState(LabelledEnum):
    DRAFT = "draft", "编目"
    REGISTERED = "registered", "注册"
    PUBLISHED = "published", "发布"
    CHANGED = "changed", "变更"
    ABOLISHED = "abolished", "废置"


class HolderKind(LabelledEnum):
    ENTERPRISE = "enterprise", "企业"
    PERSON = "person", "个人"


class FieldType(LabelledEnum):
    TEXT = "text", "文本"
    INTEGER = "integer", "整数"
    DECIMAL = "decimal", "数值"
    DATE = "date", "日期"
    BOOLEAN = "boolean", "是否"
    CHOICE = "choice", "选项"


class ValidityRule(LabelledEnum):
    FIXED_TERM = "fixed_term", "固定有效期"
    UP_TO = "up_to", "签发时确定（不超过最长期限）"
    LONG_TERM = "long_term", "长期有效"


class VerificationCheck(LabelledEnum):
    """The checks of ``verifyLicense`` (LIC-4), in the order they run. Not stored."""

    FORMAT = "format", "格式"
    KEY = "key", "签名密钥"
    SIGNATURE = "signature", "电子签名"
    RECORD = "record", "证照库记录"
    DATA = "data", "数据一致"
    STATUS = "status", "证照状态"
    VALIDITY = "validity", "有效期"


class CheckOutcome(LabelledEnum):
    PASSED = "passed", "通过"
    FAILED = "failed", "未通过"
    SKIPPED = "skipped", "未检查"


class LicenseCatalogEntry(Timestamped, Model):
    """A licence type. Name and holder kind mirror the current version."""

    id = fields.IntField(primary_key=True)
    #: 2 to 8 capitals and digits, part of every licence number of this type.
    code = fields.CharField(max_length=8, unique=True)
    name = fields.CharField(max_length=64)
    #: The issuing department: its staff draft the entry and issue its licences.
    department: fields.ForeignKeyRelation[Department] = fields.ForeignKeyField(
        "models.Department", related_name="license_entries", on_delete=fields.RESTRICT
    )
    holder_kind = fields.CharEnumField(HolderKind, max_length=16)
    state = fields.CharEnumField(CatalogState, max_length=16, default=CatalogState.DRAFT)
    #: The current version (a change adds one, licences keep theirs).
    version = fields.SmallIntField(default=1)

    class Meta:
        table = "license_catalog_entry"
        indexes = (("department_id", "state"),)


class LicenseCatalogVersion(Model):
    """What licences of one version of an entry carry: fields and validity rule.

    ``field_list`` is a list of ``{"name", "label", "type", "required", "options"}``.
    """

    id = fields.IntField(primary_key=True)
    entry: fields.ForeignKeyRelation[LicenseCatalogEntry] = fields.ForeignKeyField(
        "models.LicenseCatalogEntry", related_name="versions", on_delete=fields.CASCADE
    )
    version = fields.SmallIntField()
    name = fields.CharField(max_length=64)
    field_list = fields.JSONField[list[dict[str, Any]]](default=list)
    validity_rule = fields.CharEnumField(ValidityRule, max_length=16)
    #: The term (FIXED_TERM) or the longest term (UP_TO) in months, null for LONG_TERM.
    term_months = fields.SmallIntField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "license_catalog_version"
        unique_together = (("entry", "version"),)


class LicenseCatalogEvent(Model):
    """One recorded step of an entry's lifecycle (LIC-1): who, when, why.

    Read-only: ``license_catalog_event`` is a view of ``workflow_step`` (migration 0010);
    the workflow engine records the steps (``resolvers.license_catalog.PROCESS``).
    """

    id = fields.IntField(primary_key=True)
    entry: fields.ForeignKeyRelation[LicenseCatalogEntry] = fields.ForeignKeyField(
        "models.LicenseCatalogEntry", related_name="events", on_delete=fields.CASCADE
    )
    #: Null for the creation of the draft.
    from_state = fields.CharEnumField(CatalogState, max_length=16, null=True)
    to_state = fields.CharEnumField(CatalogState, max_length=16)
    version = fields.SmallIntField()
    at = fields.DatetimeField()
    #: "staff:<subject>", "admin:<subject>" (``Principal.identity``).
    actor = fields.CharField(max_length=96)
    actor_name = fields.CharField(max_length=64)
    reason = fields.CharField(max_length=500, default="")

    class Meta:
        table = "license_catalog_event"
        indexes = (("entry_id", "at"),)


class GrantStatus(LabelledEnum):
    """Stored: requested, granted, refused, revoked. EXPIRED is only ever derived (a grant
    past its end date), never stored."""

    REQUESTED = "requested", "待审核"
    GRANTED = "granted", "已授权"
    REFUSED = "refused", "不予授权"
    REVOKED = "revoked", "已撤销"
    EXPIRED = "expired", "已到期"


class LicenseGrant(Model):
    """A department's browse right on a catalogue entry (LIC-2)."""

    id = fields.IntField(primary_key=True)
    entry: fields.ForeignKeyRelation[LicenseCatalogEntry] = fields.ForeignKeyField(
        "models.LicenseCatalogEntry", related_name="grants", on_delete=fields.RESTRICT
    )
    department: fields.ForeignKeyRelation[Department] = fields.ForeignKeyField(
        "models.Department", related_name="license_grants", on_delete=fields.RESTRICT
    )
    status = fields.CharEnumField(GrantStatus, max_length=16, default=GrantStatus.REQUESTED)
    reason = fields.CharField(max_length=500)
    #: The last day the grant holds (inclusive), null for no end.
    expires_on = fields.DateField(null=True)
    requested_at = fields.DatetimeField()
    requested_by = fields.CharField(max_length=96)
    requested_by_name = fields.CharField(max_length=64)
    decided_at = fields.DatetimeField(null=True)
    decided_by = fields.CharField(max_length=96, default="")
    decided_by_name = fields.CharField(max_length=64, default="")
    decision_note = fields.CharField(max_length=500, default="")
    revoked_at = fields.DatetimeField(null=True)
    revoked_by = fields.CharField(max_length=96, default="")
    revoked_by_name = fields.CharField(max_length=64, default="")
    revoke_reason = fields.CharField(max_length=500, default="")

    class Meta:
        table = "license_grant"
        indexes = (("department_id", "status"), ("entry_id", "status"))


class LicenseStatus(LabelledEnum):
    """Stored: valid or revoked. EXPIRED is derived from the end of validity when read, so
    an expiry shows the moment it happens."""

    VALID = "valid", "有效"
    EXPIRED = "expired", "已过期"
    REVOKED = "revoked", "已撤销"


class License(Model):
    """An issued licence (LIC-3). Its data is signed at issue (LIC-4): ``token`` is the
    compact JWS of the canonical data, ``key_id`` the licence-signing key that signed it."""

    id = fields.IntField(primary_key=True)
    license_number = fields.CharField(max_length=32, unique=True)
    entry: fields.ForeignKeyRelation[LicenseCatalogEntry] = fields.ForeignKeyField(
        "models.LicenseCatalogEntry", related_name="licenses", on_delete=fields.RESTRICT
    )
    catalog_version: fields.ForeignKeyRelation[LicenseCatalogVersion] = fields.ForeignKeyField(
        "models.LicenseCatalogVersion", related_name="licenses", on_delete=fields.RESTRICT
    )
    holder_kind = fields.CharEnumField(HolderKind, max_length=16)
    #: A Unified Social Credit Code or a resident ID number, checked on the way in.
    holder_code = fields.CharField(max_length=18, db_index=True)
    holder_name = fields.CharField(max_length=128)
    enterprise: fields.ForeignKeyNullableRelation[Enterprise] = fields.ForeignKeyField(
        "models.Enterprise", related_name="licenses", null=True, on_delete=fields.RESTRICT
    )
    department: fields.ForeignKeyRelation[Department] = fields.ForeignKeyField(
        "models.Department", related_name="licenses", on_delete=fields.RESTRICT
    )
    issued_by: fields.ForeignKeyNullableRelation[Account] = fields.ForeignKeyField(
        "models.Account", related_name="issued_licenses", null=True, on_delete=fields.SET_NULL
    )
    issuer_name = fields.CharField(max_length=64)
    issued_on = fields.DateField()
    valid_from = fields.DateField()
    #: The last day of validity (inclusive), null for long-term licences.
    valid_until = fields.DateField(null=True)
    status = fields.CharEnumField(LicenseStatus, max_length=16, default=LicenseStatus.VALID)
    #: Field name -> value as text, normalised by type and checked against the version.
    data = fields.JSONField[dict[str, str]](default=dict)
    token = fields.TextField()
    key_id = fields.CharField(max_length=64)
    revoked_at = fields.DatetimeField(null=True)
    revoked_by = fields.CharField(max_length=96, default="")
    revoke_reason = fields.CharField(max_length=500, default="")
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "license"
        indexes = (("enterprise_id", "status"), ("status", "valid_until"))


class LicenseCounter(Model):
    """The last serial handed out for a catalogue code in a year (``SPJY:2026``)."""

    key = fields.CharField(max_length=16, primary_key=True)
    last_serial = fields.IntField()

    class Meta:
        table = "license_counter"


class AccessBasis(LabelledEnum):
    """Why a non-holder was allowed to read a licence."""

    ISSUER = "issuer", "发证部门查阅"
    GRANT = "grant", "授权查阅"
    CASE = "case", "办件审查"


class LicenseAccess(Model):
    """One read of a licence by someone other than its holder (LIC-3), shown to the holder.

    Append-only: database triggers refuse UPDATE and DELETE (see the migration).
    """

    id = fields.BigIntField(primary_key=True)
    license: fields.ForeignKeyRelation[License] = fields.ForeignKeyField(
        "models.License", related_name="accesses", on_delete=fields.RESTRICT
    )
    at = fields.DatetimeField()
    #: ``Principal.identity`` of the reader: "staff:<subject>" or "machine:<client id>".
    actor = fields.CharField(max_length=96)
    #: As shown to the holder: the staff member's name or the system's name.
    actor_name = fields.CharField(max_length=64)
    department_code = fields.CharField(max_length=16)
    department_name = fields.CharField(max_length=64)
    #: Why: the case handled, or a stated purpose.
    case_number = fields.CharField(max_length=20, null=True)
    purpose = fields.CharField(max_length=200, default="")
    basis = fields.CharEnumField(AccessBasis, max_length=16)

    class Meta:
        table = "license_access"
        indexes = (("license_id", "at"),)


class CaseLicense(Model):
    """A licence attached to a case as application material (ENT-14): a reference."""

    id = fields.IntField(primary_key=True)
    case: fields.ForeignKeyRelation[Case] = fields.ForeignKeyField(
        "models.Case", related_name="licenses", on_delete=fields.CASCADE
    )
    license: fields.ForeignKeyRelation[License] = fields.ForeignKeyField(
        "models.License", related_name="cases", on_delete=fields.RESTRICT
    )
    attached_at = fields.DatetimeField(auto_now_add=True)
    attached_by: fields.ForeignKeyNullableRelation[Account] = fields.ForeignKeyField(
        "models.Account", related_name="attached_licenses", null=True, on_delete=fields.SET_NULL
    )

    class Meta:
        table = "case_license"
        unique_together = (("case", "license"),)
