"""The enterprise dedicated page (ENT-4..12): what departments publish about an enterprise,
what it subscribes to, and what the hall tells it.

Rows fed by department systems carry their natural key (certificate number, decision
number, tax voucher number, insurance month and type), so re-sending a batch finds the
same rows (ENT-15).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

from servicehall.models.base import LabelledEnum, Timestamped

if TYPE_CHECKING:
    from servicehall.models.enterprises import Enterprise
    from servicehall.models.identity import Account
    from servicehall.models.items import Department, Theme


class QualificationStatus(LabelledEnum):
    """Computed from the validity period, never stored (ENT-4)."""

    VALID = "valid", "有效"
    EXPIRING = "expiring", "即将到期"
    EXPIRED = "expired", "已过期"

    @classmethod
    def of(cls, valid_to: date | None, today: date, *, warn_days: int = 90) -> QualificationStatus:
        if valid_to is None:
            return cls.VALID
        if valid_to < today:
            return cls.EXPIRED
        return cls.EXPIRING if valid_to <= today + timedelta(days=warn_days) else cls.VALID


class Qualification(Timestamped, Model):
    """A certified qualification (资质认证, ENT-4)."""

    id = fields.IntField(primary_key=True)
    enterprise: fields.ForeignKeyRelation[Enterprise] = fields.ForeignKeyField(
        "models.Enterprise", related_name="qualifications", on_delete=fields.CASCADE
    )
    certificate_number = fields.CharField(max_length=64, unique=True)
    name = fields.CharField(max_length=128)
    grade = fields.CharField(max_length=32, default="")
    certifying_body = fields.CharField(max_length=64)
    certified_on = fields.DateField()
    valid_from = fields.DateField()
    valid_to = fields.DateField(null=True)
    publisher = fields.CharField(max_length=64)

    class Meta:
        table = "qualification"
        indexes = (("enterprise_id", "valid_to"),)


class CreditKind(LabelledEnum):
    REWARD = "reward", "守信激励"
    PENALTY = "penalty", "失信惩戒"


class CreditRecord(Timestamped, Model):
    """A reward for integrity or a penalty for dishonesty, public by law (ENT-5)."""

    id = fields.IntField(primary_key=True)
    enterprise: fields.ForeignKeyRelation[Enterprise] = fields.ForeignKeyField(
        "models.Enterprise", related_name="credit_records", on_delete=fields.CASCADE
    )
    kind = fields.CharEnumField(CreditKind, max_length=16)
    decision_number = fields.CharField(max_length=64, unique=True)
    content = fields.CharField(max_length=256)
    reason = fields.TextField()
    issuer = fields.CharField(max_length=64)
    published_on = fields.DateField()
    #: The last day the record is shown publicly (公示期满).
    publish_until = fields.DateField(null=True)

    class Meta:
        table = "credit_record"
        indexes = (("enterprise_id", "published_on"),)


class TaxType(LabelledEnum):
    VAT = "vat", "增值税"
    CORPORATE_INCOME = "corporate_income", "企业所得税"
    INDIVIDUAL_INCOME = "individual_income", "个人所得税（代扣代缴）"
    URBAN_MAINTENANCE = "urban_maintenance", "城市维护建设税"
    EDUCATION_SURCHARGE = "education_surcharge", "教育费附加"
    LOCAL_EDUCATION = "local_education", "地方教育附加"
    STAMP = "stamp", "印花税"
    PROPERTY = "property", "房产税"
    LAND_USE = "land_use", "城镇土地使用税"
    CONSUMPTION = "consumption", "消费税"


class TaxRecord(Timestamped, Model):
    """One tax payment (a line of ENT-6), keyed by its voucher number (完税凭证号)."""

    id = fields.IntField(primary_key=True)
    enterprise: fields.ForeignKeyRelation[Enterprise] = fields.ForeignKeyField(
        "models.Enterprise", related_name="tax_records", on_delete=fields.CASCADE
    )
    voucher_number = fields.CharField(max_length=32, unique=True)
    tax_type = fields.CharEnumField(TaxType, max_length=24)
    #: The month the tax was paid in (入库月份).
    year = fields.SmallIntField()
    month = fields.SmallIntField()
    amount = fields.DecimalField(max_digits=16, decimal_places=2)
    #: The period the tax is for (税款所属期).
    period_start = fields.DateField()
    period_end = fields.DateField()
    authority = fields.CharField(max_length=64)

    class Meta:
        table = "tax_record"
        indexes = (("enterprise_id", "year", "month"),)


class InsuranceType(LabelledEnum):
    PENSION = "pension", "基本养老保险"
    MEDICAL = "medical", "基本医疗保险"
    UNEMPLOYMENT = "unemployment", "失业保险"
    WORK_INJURY = "work_injury", "工伤保险"
    MATERNITY = "maternity", "生育保险"


class InsuranceRecord(Timestamped, Model):
    """Insured people and contributions of one insurance type in one month (ENT-7)."""

    id = fields.IntField(primary_key=True)
    enterprise: fields.ForeignKeyRelation[Enterprise] = fields.ForeignKeyField(
        "models.Enterprise", related_name="insurance_records", on_delete=fields.CASCADE
    )
    year = fields.SmallIntField()
    month = fields.SmallIntField()
    insurance_type = fields.CharEnumField(InsuranceType, max_length=16)
    insured_count = fields.IntField()
    #: Employer and employee contributions together.
    amount = fields.DecimalField(max_digits=16, decimal_places=2)
    authority = fields.CharField(max_length=64)

    class Meta:
        table = "insurance_record"
        unique_together = (("enterprise", "year", "month", "insurance_type"),)


class NonBankCategory(LabelledEnum):
    WATER = "water", "水费缴纳"
    ELECTRICITY = "electricity", "电费缴纳"
    GAS = "gas", "燃气费缴纳"
    TELECOM = "telecom", "通信费缴纳"
    HOUSING_FUND = "housing_fund", "住房公积金缴存"
    COURT = "court", "法院判决执行"
    CUSTOMS = "customs", "海关信用"


class NonBankStatus(LabelledEnum):
    NORMAL = "normal", "正常"
    ARREARS = "arrears", "欠缴"
    SETTLED = "settled", "已结清"
    ENFORCED = "enforced", "被执行"


class NonBankCreditRecord(Timestamped, Model):
    """A non-bank credit fact (非银信用信息, ENT-8): utilities, funds, court, customs."""

    id = fields.IntField(primary_key=True)
    enterprise: fields.ForeignKeyRelation[Enterprise] = fields.ForeignKeyField(
        "models.Enterprise", related_name="non_bank_records", on_delete=fields.CASCADE
    )
    reference = fields.CharField(max_length=64, unique=True)
    category = fields.CharEnumField(NonBankCategory, max_length=16)
    subject = fields.CharField(max_length=128)
    status = fields.CharEnumField(NonBankStatus, max_length=16)
    amount = fields.DecimalField(max_digits=16, decimal_places=2, null=True)
    period = fields.CharField(max_length=32)
    source = fields.CharField(max_length=64)
    recorded_on = fields.DateField()

    class Meta:
        table = "non_bank_credit_record"
        indexes = (("enterprise_id", "recorded_on"),)


class InfoKind(LabelledEnum):
    NOTICE = "notice", "部门通知"
    INVESTMENT = "investment", "招商引资"
    LAW = "law", "政策法规"


class GovernmentInformation(Timestamped, Model):
    """Government information for enterprises (政务信息, ENT-9)."""

    id = fields.IntField(primary_key=True)
    kind = fields.CharEnumField(InfoKind, max_length=16)
    title = fields.CharField(max_length=128)
    summary = fields.CharField(max_length=256)
    body = fields.TextField()
    department: fields.ForeignKeyNullableRelation[Department] = fields.ForeignKeyField(
        "models.Department", related_name="information", null=True, on_delete=fields.RESTRICT
    )
    topic: fields.ForeignKeyNullableRelation[Theme] = fields.ForeignKeyField(
        "models.Theme", related_name="information", null=True, on_delete=fields.RESTRICT
    )
    published_at = fields.DatetimeField(db_index=True)

    class Meta:
        table = "government_information"


class SubscriptionTarget(LabelledEnum):
    DEPARTMENT = "department", "部门"
    TOPIC = "topic", "主题"


class Channel(LabelledEnum):
    IN_APP = "in_app", "站内信"
    EMAIL = "email", "电子邮件"


class Subscription(Timestamped, Model):
    """An enterprise's subscription to a department or topic, per channel (ENT-11)."""

    id = fields.IntField(primary_key=True)
    enterprise: fields.ForeignKeyRelation[Enterprise] = fields.ForeignKeyField(
        "models.Enterprise", related_name="subscriptions", on_delete=fields.CASCADE
    )
    target = fields.CharEnumField(SubscriptionTarget, max_length=16)
    code = fields.CharField(max_length=16)
    in_app = fields.BooleanField(default=True)
    email = fields.BooleanField(default=False)

    class Meta:
        table = "subscription"
        unique_together = (("enterprise", "target", "code"),)
        indexes = (("target", "code"),)


class MessageCategory(LabelledEnum):
    SUBSCRIPTION = "subscription", "订阅信息"
    NOTICE = "notice", "办事通知"
    SYSTEM = "system", "系统消息"


class Message(Model):
    """A message in an enterprise's mailbox or an account's inbox (站内信, ENT-12).

    Exactly one of ``enterprise`` and ``account`` is set.
    """

    id = fields.IntField(primary_key=True)
    enterprise: fields.ForeignKeyNullableRelation[Enterprise] = fields.ForeignKeyField(
        "models.Enterprise", related_name="messages", null=True, on_delete=fields.CASCADE
    )
    account: fields.ForeignKeyNullableRelation[Account] = fields.ForeignKeyField(
        "models.Account", related_name="messages", null=True, on_delete=fields.CASCADE
    )
    category = fields.CharEnumField(MessageCategory, max_length=16)
    title = fields.CharField(max_length=128)
    body = fields.TextField()
    sender = fields.CharField(max_length=64)
    link = fields.CharField(max_length=256, default="")
    #: What produced it for whom (``information:42/enterprise:7``): made once per source.
    source = fields.CharField(max_length=128, unique=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    read_at = fields.DatetimeField(null=True)

    class Meta:
        table = "message"
        indexes = (("enterprise_id", "read_at"), ("account_id", "read_at"))


class ReminderKind(LabelledEnum):
    BUSINESS = "business", "业务提醒"
    MAIL = "mail", "邮件提醒"
    SYSTEM = "system", "系统提醒"


class Reminder(Model):
    """A reminder computed from the data by the reminder job (温馨提示, ENT-12).

    ``source`` names the fact behind it (``qualification:17:2026-12-31``): the job writes
    each at most once and retires those whose fact no longer holds.
    """

    id = fields.IntField(primary_key=True)
    enterprise: fields.ForeignKeyRelation[Enterprise] = fields.ForeignKeyField(
        "models.Enterprise", related_name="reminders", on_delete=fields.CASCADE
    )
    kind = fields.CharEnumField(ReminderKind, max_length=16)
    topic = fields.CharField(max_length=32)
    source = fields.CharField(max_length=96)
    text = fields.CharField(max_length=256)
    due_on = fields.DateField(null=True)
    link = fields.CharField(max_length=256, default="")
    created_at = fields.DatetimeField(auto_now_add=True)
    read_at = fields.DatetimeField(null=True)
    #: Set when the fact no longer holds (renewed, paid, read): no longer shown.
    retired_at = fields.DatetimeField(null=True)

    class Meta:
        table = "reminder"
        unique_together = (("enterprise", "source"),)
        indexes = (("enterprise_id", "retired_at"),)


class ViolationStatus(LabelledEnum):
    UNHANDLED = "unhandled", "未处理"
    HANDLED = "handled", "已处理"


class VehicleViolation(Model):
    """A traffic violation of a vehicle registered to the enterprise (a business reminder)."""

    id = fields.IntField(primary_key=True)
    enterprise: fields.ForeignKeyRelation[Enterprise] = fields.ForeignKeyField(
        "models.Enterprise", related_name="vehicle_violations", on_delete=fields.CASCADE
    )
    reference = fields.CharField(max_length=64, unique=True)
    plate = fields.CharField(max_length=16)
    occurred_at = fields.DatetimeField()
    location = fields.CharField(max_length=128)
    behaviour = fields.CharField(max_length=128)
    fine = fields.DecimalField(max_digits=10, decimal_places=2)
    points = fields.SmallIntField(default=0)
    status = fields.CharEnumField(ViolationStatus, max_length=16)

    class Meta:
        table = "vehicle_violation"
