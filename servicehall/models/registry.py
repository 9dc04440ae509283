"""The item registry (事项目录注册管理, ITEM-4): versions of items and the requests that
add, change and cancel them through the six-step approval process.

The published version's content also lives in the item's own row and link tables
(``service_item``, ``item_theme``, ...), which every read of today uses unchanged; an
:class:`ItemVersion` keeps the whole content of each version as JSON, so a history, a
diff or an export reads one row per version. Publishing writes both in one transaction.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tortoise import fields
from tortoise.models import Model

from servicehall.models.base import LabelledEnum, Timestamped

if TYPE_CHECKING:
    from servicehall.models.identity import Account
    from servicehall.models.items import Department, ServiceItem


class RequestKind(LabelledEnum):
    ADD = "add", "新增"
    CHANGE = "change", "调整"
    CANCEL = "cancel", "注销"
    #: A department's bulk change (``servicehall items import``) of several kinds at once.
    BATCH = "batch", "批量变更"


class RequestState(LabelledEnum):
    """The six steps of ITEM-4 (seed 4.2.6.1) and the two ends."""

    DRAFTING = "drafting", "部门拟办"
    DIRECTORY_REVIEW = "directory_review", "目录管理机构初审"
    STAFFING_REVIEW = "staffing_review", "机构编制部门审核"
    LEGAL_REVIEW = "legal_review", "法制机构合法性审查"
    APPROVAL = "approval", "目录管理机构审定"
    FILING = "filing", "监察机关备案"
    PUBLISHED = "published", "已发布"
    WITHDRAWN = "withdrawn", "已撤回"


class VersionStatus(LabelledEnum):
    #: Carried by a request that is not through yet.
    PROPOSED = "proposed", "待审定"
    #: The one version an item shows (a cancelled item's last, with the item 已注销).
    PUBLISHED = "published", "现行版本"
    SUPERSEDED = "superseded", "历史版本"
    #: Its request was withdrawn.
    DROPPED = "dropped", "未采用"


class ItemRequest(Timestamped, Model):
    """One request (事项申请) of a department: its entries are :class:`ItemVersion` rows."""

    id = fields.IntField(primary_key=True)
    kind = fields.CharEnumField(RequestKind, max_length=16)
    state = fields.CharEnumField(RequestState, max_length=24, default=RequestState.DRAFTING)
    department: fields.ForeignKeyRelation[Department] = fields.ForeignKeyField(
        "models.Department", related_name="item_requests", on_delete=fields.RESTRICT
    )
    #: A short title for lists: the item's name, or "N项事项" for a batch.
    title = fields.CharField(max_length=160)
    #: The law or regulation the request relies on (设立、调整或注销依据).
    basis = fields.CharField(max_length=500)
    #: The department's explanation.
    reason = fields.TextField(default="")
    #: Bumped by every step and edit: the workflow's lock column.
    revision = fields.IntField(default=1)
    submitted_by: fields.ForeignKeyNullableRelation[Account] = fields.ForeignKeyField(
        "models.Account", related_name="item_requests", null=True, on_delete=fields.SET_NULL
    )
    #: The opinion of the last return (退回理由), shown to the department.
    returned_reason = fields.TextField(default="")

    class Meta:
        table = "item_request"
        indexes = (("state", "updated_at"), ("department_id", "state"))


class ItemVersion(Model):
    """One version of one item: its whole guide content as JSON (``content``)."""

    id = fields.IntField(primary_key=True)
    #: The item's code (an item proposed by a 新增 request has no row yet).
    item_code = fields.CharField(max_length=32)
    #: 1, 2, ... in order of publication, null until published.
    number = fields.IntField(null=True)
    status = fields.CharEnumField(VersionStatus, max_length=16)
    #: What the version does to the item (add, change or cancel), null for the version
    #: every item started with.
    change = fields.CharEnumField(RequestKind, max_length=16, null=True)
    content = fields.JSONField[dict[str, Any]]()
    request: fields.ForeignKeyNullableRelation[ItemRequest] = fields.ForeignKeyField(
        "models.ItemRequest", related_name="entries", null=True, on_delete=fields.CASCADE
    )
    #: The published version this one was drafted against (its diff's left side).
    base: fields.ForeignKeyNullableRelation[ItemVersion] = fields.ForeignKeyField(
        "models.ItemVersion", related_name="successors", null=True, on_delete=fields.SET_NULL
    )
    item: fields.ForeignKeyNullableRelation[ServiceItem] = fields.ForeignKeyField(
        "models.ServiceItem", related_name="versions", null=True, on_delete=fields.CASCADE
    )
    created_at = fields.DatetimeField()
    published_at = fields.DatetimeField(null=True)

    class Meta:
        table = "item_version"
        unique_together = (("item_code", "number"),)
        indexes = (("item_code", "status"), ("request_id", "item_code"))
