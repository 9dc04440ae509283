"""Service items (事项) and the four dimensions they are searched by (ITEM-1..3).

Dimensions: theme (按主题分类), target group (按特定对象), business scope (按经营范围, the
sections and divisions of GB/T 4754-2017) and handling department (按办事部门). Links are
explicit tables so that the search can filter and count them with plain indexed SQL, the
search terms of every name live in :class:`ItemTerm` (see ``servicehall.text``).
"""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

from servicehall.models.base import LabelledEnum, Timestamped


class ThemeAudience(LabelledEnum):
    PERSON = "person", "个人办事"
    LEGAL_PERSON = "legal_person", "法人办事"


class ScopeLevel(LabelledEnum):
    SECTION = "section", "门类"
    DIVISION = "division", "大类"


class ItemKind(LabelledEnum):
    LICENSING = "licensing", "行政许可"
    CONFIRMATION = "confirmation", "行政确认"
    PAYMENT = "payment", "行政给付"
    AWARD = "award", "行政奖励"
    RULING = "ruling", "行政裁决"
    OTHER_POWER = "other_power", "其他行政权力"
    PUBLIC_SERVICE = "public_service", "公共服务"


class ItemLevel(LabelledEnum):
    DISTRICT = "district", "区级"
    TOWN = "town", "镇（街）级"
    VILLAGE = "village", "村（居）级"


class KioskCategory(LabelledEnum):
    """The five township categories of ITEM-3 (plus 全部, which is the absence of a filter)."""

    LAND_RESOURCES = "land_resources", "国土资源"
    POPULATION = "population", "人口计生"
    CIVIL_AFFAIRS = "civil_affairs", "民政事务"
    MEDICAL_INSURANCE = "medical_insurance", "城乡医保"
    RURAL_ECONOMY = "rural_economy", "农村经济"


class ItemStatus(LabelledEnum):
    ACTIVE = "active", "在用"
    SUSPENDED = "suspended", "暂停办理"
    CANCELLED = "cancelled", "已注销"


class MaterialForm(LabelledEnum):
    """How an application material is handed in (kept in the guide's ``materials`` JSON)."""

    ORIGINAL = "original", "原件"
    COPY = "copy", "复印件"
    ORIGINAL_AND_COPY = "original_and_copy", "原件及复印件"
    ELECTRONIC = "electronic", "电子材料"


class Department(Model):
    id = fields.IntField(primary_key=True)
    code = fields.CharField(max_length=16, unique=True)
    name = fields.CharField(max_length=64)
    short_name = fields.CharField(max_length=32)
    #: ``servicehall.text.normalize(name)``, for keyword search over department names.
    search_name = fields.CharField(max_length=64)
    address = fields.CharField(max_length=128, default="")
    phone = fields.CharField(max_length=32, default="")
    office_hours = fields.CharField(max_length=64, default="")
    sort = fields.IntField(default=0)

    class Meta:
        table = "department"


class Theme(Model):
    id = fields.IntField(primary_key=True)
    code = fields.CharField(max_length=16, unique=True)
    name = fields.CharField(max_length=32)
    audience = fields.CharEnumField(ThemeAudience, max_length=16)
    sort = fields.IntField(default=0)

    class Meta:
        table = "theme"


class TargetGroup(Model):
    id = fields.IntField(primary_key=True)
    code = fields.CharField(max_length=16, unique=True)
    name = fields.CharField(max_length=32)
    sort = fields.IntField(default=0)

    class Meta:
        table = "target_group"


class BusinessScope(Model):
    """A section (门类, ``A``..``T``) or division (大类, ``01``..``97``) of GB/T 4754-2017."""

    id = fields.IntField(primary_key=True)
    code = fields.CharField(max_length=4, unique=True)
    name = fields.CharField(max_length=64)
    level = fields.CharEnumField(ScopeLevel, max_length=16)
    #: The section a division belongs to, None for sections.
    section_code = fields.CharField(max_length=1, null=True)
    sort = fields.IntField(default=0)

    class Meta:
        table = "business_scope"


class ServiceItem(Timestamped, Model):
    """One service item and its service guide (办事指南, ITEM-2)."""

    id = fields.IntField(primary_key=True)
    code = fields.CharField(max_length=32, unique=True)
    name = fields.CharField(max_length=128)
    search_name = fields.CharField(max_length=128)
    department: fields.ForeignKeyRelation[Department] = fields.ForeignKeyField(
        "models.Department", related_name="items", on_delete=fields.RESTRICT
    )
    kind = fields.CharEnumField(ItemKind, max_length=16)
    level = fields.CharEnumField(ItemLevel, max_length=16, default=ItemLevel.DISTRICT)
    kiosk_category = fields.CharEnumField(KioskCategory, max_length=24, null=True)
    status = fields.CharEnumField(ItemStatus, max_length=16, default=ItemStatus.ACTIVE)
    # The service guide.
    legal_basis = fields.JSONField[list[str]](default=list)
    conditions = fields.JSONField[list[str]](default=list)
    materials = fields.JSONField[list[dict[str, object]]](default=list)
    fees = fields.JSONField[list[dict[str, object]]](default=list)
    process = fields.JSONField[list[dict[str, object]]](default=list)
    statutory_limit_days = fields.IntField()
    promised_limit_days = fields.IntField()
    #: How many times an applicant must come in person (0 = 零跑动).
    visits_required = fields.SmallIntField(default=1)
    where_to_apply = fields.CharField(max_length=256, default="")
    office_hours = fields.CharField(max_length=64, default="")
    phone = fields.CharField(max_length=32, default="")
    online_url = fields.CharField(max_length=256, default="")
    result_delivery = fields.CharField(max_length=64, default="")
    #: Bumped by every change through the registry (a cache key part).
    version = fields.IntField(default=1)
    # What people type besides the name (ITEM-5), and its search forms
    # (``resolvers.item_terms.search_columns`` keeps them in step with name and keywords).
    #: Keywords and aliases people search the item by (社保, 营业执照).
    keywords = fields.JSONField[list[str]](default=list, db_default="[]")
    #: The normalised keywords, one per line, for LIKE on the SQL path.
    search_keywords = fields.TextField(default="", db_default="")
    #: ``servicehall.text.pinyin(name)``: full pinyin and initials (yingyezhizhao, yyzz).
    search_pinyin = fields.TextField(default="", db_default="")
    search_initials = fields.TextField(default="", db_default="")

    class Meta:
        table = "service_item"
        indexes = (("department_id", "code"), ("status", "kiosk_category"))


class ItemTheme(Model):
    id = fields.IntField(primary_key=True)
    item: fields.ForeignKeyRelation[ServiceItem] = fields.ForeignKeyField(
        "models.ServiceItem", related_name="theme_links", on_delete=fields.CASCADE
    )
    theme: fields.ForeignKeyRelation[Theme] = fields.ForeignKeyField(
        "models.Theme", related_name="item_links", on_delete=fields.RESTRICT
    )

    class Meta:
        table = "item_theme"
        unique_together = (("item", "theme"),)
        indexes = (("theme_id", "item_id"),)


class ItemTargetGroup(Model):
    id = fields.IntField(primary_key=True)
    item: fields.ForeignKeyRelation[ServiceItem] = fields.ForeignKeyField(
        "models.ServiceItem", related_name="target_links", on_delete=fields.CASCADE
    )
    target_group: fields.ForeignKeyRelation[TargetGroup] = fields.ForeignKeyField(
        "models.TargetGroup", related_name="item_links", on_delete=fields.RESTRICT
    )

    class Meta:
        table = "item_target_group"
        unique_together = (("item", "target_group"),)
        indexes = (("target_group_id", "item_id"),)


class ItemBusinessScope(Model):
    """Links an item to divisions *and* their sections, so either level filters in one IN."""

    id = fields.IntField(primary_key=True)
    item: fields.ForeignKeyRelation[ServiceItem] = fields.ForeignKeyField(
        "models.ServiceItem", related_name="scope_links", on_delete=fields.CASCADE
    )
    scope: fields.ForeignKeyRelation[BusinessScope] = fields.ForeignKeyField(
        "models.BusinessScope", related_name="item_links", on_delete=fields.RESTRICT
    )
    #: True for the link to a section (the facet level), False for a division.
    is_section = fields.BooleanField()

    class Meta:
        table = "item_business_scope"
        unique_together = (("item", "scope"),)
        indexes = (("scope_id", "item_id"),)


class ItemTerm(Model):
    """One unigram or bigram of an item's name (``servicehall.text.index_terms``)."""

    id = fields.IntField(primary_key=True)
    term = fields.CharField(max_length=8)
    item: fields.ForeignKeyRelation[ServiceItem] = fields.ForeignKeyField(
        "models.ServiceItem", related_name="terms", on_delete=fields.CASCADE
    )

    class Meta:
        table = "item_term"
        unique_together = (("term", "item"),)
