from orjson import loads
from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.fields.data import JSON_DUMPS
from tortoise.indexes import Index
from tortoise.migrations import operations as ops

from servicehall.models.enterprises import EnterpriseStatus
from servicehall.models.items import (
    ItemKind,
    ItemLevel,
    ItemStatus,
    KioskCategory,
    ScopeLevel,
    ThemeAudience,
)


class Migration(migrations.Migration):
    initial = True

    operations = [
        ops.CreateModel(
            name="BusinessScope",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                ("code", fields.CharField(unique=True, max_length=4)),
                ("name", fields.CharField(max_length=64)),
                (
                    "level",
                    fields.CharEnumField(
                        description="SECTION: section\nDIVISION: division",
                        enum_type=ScopeLevel,
                        max_length=16,
                    ),
                ),
                (
                    "section_code",
                    fields.CharField(
                        null=True,
                        description="The section a division belongs to, None for sections.",
                        max_length=1,
                    ),
                ),
                ("sort", fields.IntField(default=0)),
            ],
            options={
                "table": "business_scope",
                "app": "models",
                "pk_attr": "id",
                "table_description": "A section (门类, ``A``..``T``) or division (大类, ``01``..``97``) of GB/T 4754-2017.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="Department",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                ("code", fields.CharField(unique=True, max_length=16)),
                ("name", fields.CharField(max_length=64)),
                ("short_name", fields.CharField(max_length=32)),
                (
                    "search_name",
                    fields.CharField(
                        description="``servicehall.text.normalize(name)``, for keyword search over department names.",
                        max_length=64,
                    ),
                ),
                ("address", fields.CharField(default="", max_length=128)),
                ("phone", fields.CharField(default="", max_length=32)),
                ("office_hours", fields.CharField(default="", max_length=64)),
                ("sort", fields.IntField(default=0)),
            ],
            options={"table": "department", "app": "models", "pk_attr": "id"},
            bases=["Model"],
        ),
        ops.CreateModel(
            name="Enterprise",
            fields=[
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ("updated_at", fields.DatetimeField(auto_now=True, auto_now_add=False)),
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                ("credit_code", fields.CharField(unique=True, max_length=18)),
                (
                    "registration_number",
                    fields.CharField(
                        null=True,
                        unique=True,
                        description="Legacy 15-digit business registration number (工商注册号), when the enterprise had one.",
                        max_length=15,
                    ),
                ),
                ("name", fields.CharField(max_length=128)),
                ("search_name", fields.CharField(max_length=128)),
                ("entity_type", fields.CharField(max_length=64)),
                ("legal_representative", fields.CharField(max_length=32)),
                (
                    "registered_capital",
                    fields.DecimalField(
                        null=True,
                        description="In yuan (元), Decimal end to end.",
                        max_digits=18,
                        decimal_places=2,
                    ),
                ),
                ("established_on", fields.DateField()),
                ("licence_valid_from", fields.DateField()),
                (
                    "licence_valid_to",
                    fields.DateField(
                        null=True,
                        description="None means the licence is valid indefinitely (长期).",
                    ),
                ),
                ("registration_authority", fields.CharField(max_length=64)),
                ("address", fields.CharField(max_length=256)),
                ("business_scope", fields.TextField(unique=False)),
                (
                    "status",
                    fields.CharEnumField(
                        description="OPERATING: operating\nREVOKED: revoked\nCANCELLED: cancelled\nMOVED_OUT: moved_out",
                        enum_type=EnterpriseStatus,
                        max_length=16,
                    ),
                ),
                ("contact_name", fields.CharField(default="", max_length=32)),
                ("contact_phone", fields.CharField(default="", max_length=32)),
                ("contact_email", fields.CharField(default="", max_length=128)),
            ],
            options={
                "table": "enterprise",
                "app": "models",
                "pk_attr": "id",
                "table_description": "An enterprise as registered. The organisation code is part of the credit code",
            },
            bases=["Timestamped", "Model"],
        ),
        ops.CreateModel(
            name="EnterpriseIndustry",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                (
                    "enterprise",
                    fields.ForeignKeyField(
                        "models.Enterprise",
                        source_field="enterprise_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="industries",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "scope",
                    fields.ForeignKeyField(
                        "models.BusinessScope",
                        source_field="scope_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="enterprise_links",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
            ],
            options={
                "table": "enterprise_industry",
                "app": "models",
                "unique_together": (("enterprise", "scope"),),
                "indexes": [Index(fields=["scope_id", "enterprise_id"])],
                "pk_attr": "id",
                "table_description": "An industry division (GB/T 4754) the enterprise's business scope falls into.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="ServiceItem",
            fields=[
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ("updated_at", fields.DatetimeField(auto_now=True, auto_now_add=False)),
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                ("code", fields.CharField(unique=True, max_length=32)),
                ("name", fields.CharField(max_length=128)),
                ("search_name", fields.CharField(max_length=128)),
                (
                    "department",
                    fields.ForeignKeyField(
                        "models.Department",
                        source_field="department_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="items",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                (
                    "kind",
                    fields.CharEnumField(
                        description="LICENSING: licensing\nCONFIRMATION: confirmation\nPAYMENT: payment\nAWARD: award\nRULING: ruling\nOTHER_POWER: other_power\nPUBLIC_SERVICE: public_service",
                        enum_type=ItemKind,
                        max_length=16,
                    ),
                ),
                (
                    "level",
                    fields.CharEnumField(
                        default=ItemLevel.DISTRICT,
                        description="DISTRICT: district\nTOWN: town\nVILLAGE: village",
                        enum_type=ItemLevel,
                        max_length=16,
                    ),
                ),
                (
                    "kiosk_category",
                    fields.CharEnumField(
                        null=True,
                        description="LAND_RESOURCES: land_resources\nPOPULATION: population\nCIVIL_AFFAIRS: civil_affairs\nMEDICAL_INSURANCE: medical_insurance\nRURAL_ECONOMY: rural_economy",
                        enum_type=KioskCategory,
                        max_length=24,
                    ),
                ),
                (
                    "status",
                    fields.CharEnumField(
                        default=ItemStatus.ACTIVE,
                        description="ACTIVE: active\nSUSPENDED: suspended\nCANCELLED: cancelled",
                        enum_type=ItemStatus,
                        max_length=16,
                    ),
                ),
                ("legal_basis", fields.JSONField(default=list, encoder=JSON_DUMPS, decoder=loads)),
                ("conditions", fields.JSONField(default=list, encoder=JSON_DUMPS, decoder=loads)),
                ("materials", fields.JSONField(default=list, encoder=JSON_DUMPS, decoder=loads)),
                ("fees", fields.JSONField(default=list, encoder=JSON_DUMPS, decoder=loads)),
                ("process", fields.JSONField(default=list, encoder=JSON_DUMPS, decoder=loads)),
                ("statutory_limit_days", fields.IntField()),
                ("promised_limit_days", fields.IntField()),
                (
                    "visits_required",
                    fields.SmallIntField(
                        default=1,
                        description="How many times an applicant must come in person (0 = 零跑动).",
                    ),
                ),
                ("where_to_apply", fields.CharField(default="", max_length=256)),
                ("office_hours", fields.CharField(default="", max_length=64)),
                ("phone", fields.CharField(default="", max_length=32)),
                ("online_url", fields.CharField(default="", max_length=256)),
                ("result_delivery", fields.CharField(default="", max_length=64)),
                (
                    "version",
                    fields.IntField(
                        default=1,
                        description="Bumped by every change through the registry (a cache key part).",
                    ),
                ),
            ],
            options={
                "table": "service_item",
                "app": "models",
                "indexes": [
                    Index(fields=["department_id", "code"]),
                    Index(fields=["status", "kiosk_category"]),
                ],
                "pk_attr": "id",
                "table_description": "One service item and its service guide (办事指南, ITEM-2).",
            },
            bases=["Timestamped", "Model"],
        ),
        ops.CreateModel(
            name="ItemBusinessScope",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                (
                    "item",
                    fields.ForeignKeyField(
                        "models.ServiceItem",
                        source_field="item_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="scope_links",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "scope",
                    fields.ForeignKeyField(
                        "models.BusinessScope",
                        source_field="scope_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="item_links",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                (
                    "is_section",
                    fields.BooleanField(
                        description="True for the link to a section (the facet level), False for a division."
                    ),
                ),
            ],
            options={
                "table": "item_business_scope",
                "app": "models",
                "unique_together": (("item", "scope"),),
                "indexes": [Index(fields=["scope_id", "item_id"])],
                "pk_attr": "id",
                "table_description": "Links an item to divisions *and* their sections, so either level filters in one IN.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="ItemTerm",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                ("term", fields.CharField(max_length=8)),
                (
                    "item",
                    fields.ForeignKeyField(
                        "models.ServiceItem",
                        source_field="item_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="terms",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
            ],
            options={
                "table": "item_term",
                "app": "models",
                "unique_together": (("term", "item"),),
                "pk_attr": "id",
                "table_description": "One unigram or bigram of an item's name (``servicehall.text.index_terms``).",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="TargetGroup",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                ("code", fields.CharField(unique=True, max_length=16)),
                ("name", fields.CharField(max_length=32)),
                ("sort", fields.IntField(default=0)),
            ],
            options={"table": "target_group", "app": "models", "pk_attr": "id"},
            bases=["Model"],
        ),
        ops.CreateModel(
            name="ItemTargetGroup",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                (
                    "item",
                    fields.ForeignKeyField(
                        "models.ServiceItem",
                        source_field="item_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="target_links",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "target_group",
                    fields.ForeignKeyField(
                        "models.TargetGroup",
                        source_field="target_group_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="item_links",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
            ],
            options={
                "table": "item_target_group",
                "app": "models",
                "unique_together": (("item", "target_group"),),
                "indexes": [Index(fields=["target_group_id", "item_id"])],
                "pk_attr": "id",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="Theme",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                ("code", fields.CharField(unique=True, max_length=16)),
                ("name", fields.CharField(max_length=32)),
                (
                    "audience",
                    fields.CharEnumField(
                        description="PERSON: person\nLEGAL_PERSON: legal_person",
                        enum_type=ThemeAudience,
                        max_length=16,
                    ),
                ),
                ("sort", fields.IntField(default=0)),
            ],
            options={"table": "theme", "app": "models", "pk_attr": "id"},
            bases=["Model"],
        ),
        ops.CreateModel(
            name="ItemTheme",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                (
                    "item",
                    fields.ForeignKeyField(
                        "models.ServiceItem",
                        source_field="item_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="theme_links",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "theme",
                    fields.ForeignKeyField(
                        "models.Theme",
                        source_field="theme_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="item_links",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
            ],
            options={
                "table": "item_theme",
                "app": "models",
                "unique_together": (("item", "theme"),),
                "indexes": [Index(fields=["theme_id", "item_id"])],
                "pk_attr": "id",
            },
            bases=["Model"],
        ),
    ]
