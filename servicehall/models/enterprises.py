"""The enterprise registry's basic record (ENT-3), fed by the market regulator."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

from servicehall.models.base import LabelledEnum, Timestamped

if TYPE_CHECKING:
    from servicehall.models.items import BusinessScope


class EnterpriseStatus(LabelledEnum):
    OPERATING = "operating", "存续（在营、开业、在册）"
    REVOKED = "revoked", "吊销"
    CANCELLED = "cancelled", "注销"
    MOVED_OUT = "moved_out", "迁出"


class Enterprise(Timestamped, Model):
    """An enterprise as registered. The organisation code is part of the credit code
    (positions 9-17) and therefore derived, never stored twice."""

    id = fields.IntField(primary_key=True)
    credit_code = fields.CharField(max_length=18, unique=True)
    #: Legacy 15-digit business registration number (工商注册号), when the enterprise had one.
    registration_number = fields.CharField(max_length=15, unique=True, null=True)
    name = fields.CharField(max_length=128)
    search_name = fields.CharField(max_length=128)
    entity_type = fields.CharField(max_length=64)
    legal_representative = fields.CharField(max_length=32)
    #: HMAC of the legal representative's ID number (the activation proof of ENT-1),
    #: keyed by the hall's secret: compared, never shown, useless if the table leaks.
    legal_representative_id_hmac = fields.CharField(max_length=64, default="", db_default="")
    #: In yuan (元), Decimal end to end.
    registered_capital = fields.DecimalField(max_digits=18, decimal_places=2, null=True)
    established_on = fields.DateField()
    licence_valid_from = fields.DateField()
    #: None means the licence is valid indefinitely (长期).
    licence_valid_to = fields.DateField(null=True)
    registration_authority = fields.CharField(max_length=64)
    address = fields.CharField(max_length=256)
    business_scope = fields.TextField()
    status = fields.CharEnumField(EnterpriseStatus, max_length=16)
    #: The last year whose annual report (年度报告) was filed, None before the first.
    last_annual_report_year = fields.SmallIntField(null=True)
    # Contacts are private to the enterprise and its authorised readers.
    contact_name = fields.CharField(max_length=32, default="")
    contact_phone = fields.CharField(max_length=32, default="")
    contact_email = fields.CharField(max_length=128, default="")

    class Meta:
        table = "enterprise"


class EnterpriseIndustry(Model):
    """An industry division (GB/T 4754) the enterprise's business scope falls into."""

    id = fields.IntField(primary_key=True)
    enterprise: fields.ForeignKeyRelation[Enterprise] = fields.ForeignKeyField(
        "models.Enterprise", related_name="industries", on_delete=fields.CASCADE
    )
    scope: fields.ForeignKeyRelation[BusinessScope] = fields.ForeignKeyField(
        "models.BusinessScope", related_name="enterprise_links", on_delete=fields.RESTRICT
    )

    class Meta:
        table = "enterprise_industry"
        unique_together = (("enterprise", "scope"),)
        indexes = (("scope_id", "enterprise_id"),)
