"""Cases (办件) and their ten process records (CASE-1..3), ratings (好差评, RATE-1..3) and
the follow-up of bad ratings.

A case moves through the stages of :class:`CaseStage` only by the actions of the workflow
process ``servicehall.resolvers.case_process.PROCESS``; each move is a step in
``workflow_step``, read back as a :class:`CaseRecord`. The deadline and pause state are
derived from the history and the working-day calendar and stored on the case at every
move, so lists can sort and filter by them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tortoise import fields
from tortoise.models import Model

from servicehall.models.base import LabelledEnum, Timestamped

if TYPE_CHECKING:
    from servicehall.models.enterprises import Enterprise
    from servicehall.models.identity import Account
    from servicehall.models.items import Department, ServiceItem


class CaseStage(LabelledEnum):
    SUBMITTED = "submitted", "申办"
    PRE_ACCEPTED = "pre_accepted", "网上预受理"
    ACCEPTED = "accepted", "受理"
    PROCESSING = "processing", "审批（处理）"
    SUPPLEMENT_REQUESTED = "supplement_requested", "补交告知"
    SUPPLEMENT_ACCEPTED = "supplement_accepted", "补交受理"
    SPECIAL_REQUESTED = "special_requested", "特别程序申请"
    SPECIAL_CONCLUDED = "special_concluded", "特别程序结果"
    COMPLETED = "completed", "办结"
    COLLECTED = "collected", "领取登记"


#: The stages of a case that is done: rated, counted as completed, closed to material.
FINISHED = frozenset({CaseStage.COMPLETED, CaseStage.COLLECTED})


class CaseChannel(LabelledEnum):
    WEB = "web", "网上办事大厅"
    APP = "app", "移动端"
    KIOSK = "kiosk", "自助终端"
    WINDOW = "window", "窗口"


class ApplicantKind(LabelledEnum):
    PERSON = "person", "个人"
    ENTERPRISE = "enterprise", "企业"


class CaseOutcome(LabelledEnum):
    APPROVED = "approved", "准予"
    REFUSED = "refused", "不予"


class ClockLevel(LabelledEnum):
    """The warning level of a case's statutory clock (``workdays.WarningLevel``)."""

    NORMAL = "normal", "正常"
    YELLOW = "yellow", "黄灯预警"
    RED = "red", "红灯预警"
    OVERDUE = "overdue", "已超期"
    PAUSED = "paused", "暂停计时"
    COMPLETED = "completed", "已办结"


class Case(Timestamped, Model):
    id = fields.IntField(primary_key=True)
    case_number = fields.CharField(max_length=20, unique=True)
    item: fields.ForeignKeyRelation[ServiceItem] = fields.ForeignKeyField(
        "models.ServiceItem", related_name="cases", on_delete=fields.RESTRICT
    )
    #: The handling department (the item's, at submission).
    department: fields.ForeignKeyRelation[Department] = fields.ForeignKeyField(
        "models.Department", related_name="cases", on_delete=fields.RESTRICT
    )
    applicant_kind = fields.CharEnumField(ApplicantKind, max_length=16)
    applicant_name = fields.CharField(max_length=64)
    #: A resident ID number or a Unified Social Credit Code, checked on the way in.
    applicant_code = fields.CharField(max_length=18)
    applicant_phone = fields.CharField(max_length=20, default="")
    enterprise: fields.ForeignKeyNullableRelation[Enterprise] = fields.ForeignKeyField(
        "models.Enterprise", related_name="cases", null=True, on_delete=fields.SET_NULL
    )
    #: The account that applied online, if any.
    account: fields.ForeignKeyNullableRelation[Account] = fields.ForeignKeyField(
        "models.Account", related_name="cases", null=True, on_delete=fields.SET_NULL
    )
    channel = fields.CharEnumField(CaseChannel, max_length=16)
    stage = fields.CharEnumField(CaseStage, max_length=24)
    submitted_at = fields.DatetimeField()
    accepted_at = fields.DatetimeField(null=True)
    completed_at = fields.DatetimeField(null=True)
    #: The statutory time limit in working days (法定办结时限), from the item at acceptance.
    limit_days = fields.SmallIntField()
    #: Derived at every move: null before acceptance and while the clock is paused.
    deadline = fields.DateField(null=True)
    paused = fields.BooleanField(default=False)
    outcome = fields.CharEnumField(CaseOutcome, max_length=16, null=True)
    #: Bumped by every move: two staff members cannot move the same case at once.
    version = fields.IntField(default=1)

    class Meta:
        table = "service_case"
        indexes = (
            ("department_id", "stage"),
            ("enterprise_id", "stage"),
            ("account_id", "submitted_at"),
        )


class CaseRecord(Model):
    """One of the ten process records of a case (CASE-2).

    Read-only: ``case_record`` is a view of ``workflow_step`` (migration 0011); the workflow
    engine records the steps (``resolvers.case_process.PROCESS``).
    """

    id = fields.BigIntField(primary_key=True)
    case: fields.ForeignKeyRelation[Case] = fields.ForeignKeyField(
        "models.Case", related_name="records", on_delete=fields.CASCADE
    )
    stage = fields.CharEnumField(CaseStage, max_length=24)
    at = fields.DatetimeField()
    #: Who acted, as shown: a staff member's name, "申请人" or "系统".
    handler = fields.CharField(max_length=64)
    handler_account: fields.ForeignKeyNullableRelation[Account] = fields.ForeignKeyField(
        "models.Account", related_name="case_records", null=True, on_delete=fields.SET_NULL
    )
    department: fields.ForeignKeyNullableRelation[Department] = fields.ForeignKeyField(
        "models.Department", related_name="case_records", null=True, on_delete=fields.RESTRICT
    )
    note = fields.TextField(default="")

    class Meta:
        table = "case_record"
        indexes = (("case_id", "at"),)


class CaseCounter(Model):
    """The last serial handed out on a day (case numbers restart every day)."""

    day = fields.DateField(primary_key=True)
    last_serial = fields.IntField()

    class Meta:
        table = "case_counter"


class RatingLevel(LabelledEnum):
    VERY_SATISFIED = "very_satisfied", "非常满意"
    SATISFIED = "satisfied", "满意"
    BASIC = "basic", "基本满意"
    DISSATISFIED = "dissatisfied", "不满意"
    VERY_DISSATISFIED = "very_dissatisfied", "非常不满意"

    @property
    def stars(self) -> int:
        return 5 - list(RatingLevel).index(self)

    @property
    def bad(self) -> bool:
        return self in (RatingLevel.DISSATISFIED, RatingLevel.VERY_DISSATISFIED)


class RatingIndicator(LabelledEnum):
    """What is rated: online indicators for cases handled online, on-site ones otherwise."""

    EFFICIENCY = "efficiency", "办事效率"
    GUIDE_ACCURACY = "guide_accuracy", "办事指南精确度"
    CONVENIENCE = "convenience", "办事便捷度"
    USABILITY = "usability", "平台操作性"
    SERVICE_EFFICIENCY = "service_efficiency", "服务效率"
    SERVICE_LEVEL = "service_level", "服务水平"
    ATTITUDE = "attitude", "服务态度"


class RatingDispute(LabelledEnum):
    """Whether the handling department disputes a rating (``resolvers.ratings.DISPUTE``)."""

    UNDISPUTED = "undisputed", "无异议"
    DISPUTED = "disputed", "已提出异议"


class Rating(Model):
    """One version of a case's rating: a change adds a revision and keeps the old ones."""

    id = fields.IntField(primary_key=True)
    case: fields.ForeignKeyRelation[Case] = fields.ForeignKeyField(
        "models.Case", related_name="ratings", on_delete=fields.CASCADE
    )
    revision = fields.SmallIntField()
    current = fields.BooleanField(default=True)
    level = fields.CharEnumField(RatingLevel, max_length=24)
    #: indicator value -> level value
    indicators = fields.JSONField[dict[str, Any]](default=dict)
    #: As written (kept for follow-up) and as published (personal data removed).
    comment = fields.CharField(max_length=500, default="")
    public_comment = fields.CharField(max_length=500, default="")
    channel = fields.CharEnumField(CaseChannel, max_length=16)
    rater_account: fields.ForeignKeyNullableRelation[Account] = fields.ForeignKeyField(
        "models.Account", related_name="ratings", null=True, on_delete=fields.SET_NULL
    )
    #: Copied from the case so summaries read one table.
    department: fields.ForeignKeyRelation[Department] = fields.ForeignKeyField(
        "models.Department", related_name="ratings", on_delete=fields.RESTRICT
    )
    item: fields.ForeignKeyRelation[ServiceItem] = fields.ForeignKeyField(
        "models.ServiceItem", related_name="ratings", on_delete=fields.RESTRICT
    )
    created_at = fields.DatetimeField(auto_now_add=True)
    #: Staff may dispute a rating (never delete it).
    disputed_at = fields.DatetimeField(null=True)
    dispute_reason = fields.CharField(max_length=500, default="")
    disputed_by = fields.CharField(max_length=96, default="")
    #: The rating dispute process's state; its steps are recorded in ``workflow_step``.
    dispute_state = fields.CharEnumField(
        RatingDispute, max_length=16, default=RatingDispute.UNDISPUTED, db_default="undisputed"
    )

    class Meta:
        table = "rating"
        unique_together = (("case", "revision"),)
        indexes = (("department_id", "current"), ("item_id", "current"))


class FollowUpStatus(LabelledEnum):
    OPEN = "open", "待核实"
    VERIFIED = "verified", "已核实"
    RECTIFIED = "rectified", "已整改"
    CLOSED = "closed", "已办结"


class FollowUp(Timestamped, Model):
    """The follow-up of a bad rating (RATE-3): verified, rectified within 15 working days,
    the rater told the outcome and their reply recorded."""

    id = fields.IntField(primary_key=True)
    case: fields.OneToOneRelation[Case] = fields.OneToOneField(
        "models.Case", related_name="follow_up", on_delete=fields.CASCADE
    )
    rating: fields.ForeignKeyRelation[Rating] = fields.ForeignKeyField(
        "models.Rating", related_name="follow_ups", on_delete=fields.RESTRICT
    )
    department: fields.ForeignKeyRelation[Department] = fields.ForeignKeyField(
        "models.Department", related_name="follow_ups", on_delete=fields.RESTRICT
    )
    status = fields.CharEnumField(FollowUpStatus, max_length=16, default=FollowUpStatus.OPEN)
    opened_on = fields.DateField()
    due_on = fields.DateField()
    findings = fields.TextField(default="")
    #: Did verification find the complaint justified?
    founded = fields.BooleanField(null=True)
    verified_at = fields.DatetimeField(null=True)
    verified_by = fields.CharField(max_length=96, default="")
    measures = fields.TextField(default="")
    rectified_at = fields.DatetimeField(null=True)
    rectified_by = fields.CharField(max_length=96, default="")
    rater_reply = fields.TextField(default="")
    rater_satisfied = fields.BooleanField(null=True)
    closed_at = fields.DatetimeField(null=True)

    class Meta:
        table = "follow_up"
        indexes = (("department_id", "status"), ("status", "due_on"))
