"""Township stations, village points and the kiosk devices at them (STA-1..4, ITEM-3).

An :class:`Area` is a town (镇), subdistrict (街道), village (村) or residents' community
(社区居委会) together with the service point that serves it: a town's or subdistrict's is
its station (镇街办事站, "<town>办事站"), a village's or community's its point (村居办事点,
"<town><village>办事点"). Station names are computed from the area names, never stored.
Codes follow the statistical division codes (统计用区划代码): nine digits for a town,
twelve for a village (the town's code and three digits). Map positions are WGS-84
longitude/latitude pairs: a town has an outline polygon and a label point, a village a
point (an outline where one is known).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

from servicehall.models.base import LabelledEnum, Timestamped

if TYPE_CHECKING:
    from servicehall.models.identity import OAuthClient
    from servicehall.models.items import ServiceItem


class AreaKind(LabelledEnum):
    TOWN = "town", "镇"
    SUBDISTRICT = "subdistrict", "街道"
    VILLAGE = "village", "村"
    COMMUNITY = "community", "社区"

    @property
    def is_town_level(self) -> bool:
        return self in (AreaKind.TOWN, AreaKind.SUBDISTRICT)


class StationKind(LabelledEnum):
    """What serves an area: derived from the area's level, not stored."""

    TOWN_STATION = "town_station", "镇街办事站"
    VILLAGE_POINT = "village_point", "村居办事点"


class Area(Model):
    """A town or village together with the station or point that serves it."""

    id = fields.IntField(primary_key=True)
    code = fields.CharField(max_length=12, unique=True)
    #: The area's own name (井岸镇, 黄沙村), never the station's.
    name = fields.CharField(max_length=32)
    kind = fields.CharEnumField(AreaKind, max_length=16)
    #: The town of a village, None for a town.
    parent: fields.ForeignKeyNullableRelation[Area] = fields.ForeignKeyField(
        "models.Area", related_name="children", null=True, on_delete=fields.RESTRICT
    )
    #: The station's or point's address, telephone and opening hours.
    address = fields.CharField(max_length=128)
    phone = fields.CharField(max_length=32)
    opening_hours = fields.CharField(max_length=128)
    #: Outline polygon as [[lng, lat], ...] (WGS-84), empty where none is known.
    outline = fields.JSONField[list[list[float]]](default=list)
    #: The station's position, or a town's label point, as [lng, lat].
    point = fields.JSONField[list[float]]()
    sort = fields.IntField(default=0)

    class Meta:
        table = "area"
        indexes = (("parent_id", "sort"),)


class StationItem(Model):
    """An item the station or point of an area handles."""

    id = fields.IntField(primary_key=True)
    area: fields.ForeignKeyRelation[Area] = fields.ForeignKeyField(
        "models.Area", related_name="item_links", on_delete=fields.CASCADE
    )
    item: fields.ForeignKeyRelation[ServiceItem] = fields.ForeignKeyField(
        "models.ServiceItem", related_name="station_links", on_delete=fields.CASCADE
    )

    class Meta:
        table = "station_item"
        unique_together = (("area", "item"),)
        indexes = (("item_id", "area_id"),)


class DeviceStatus(LabelledEnum):
    """A kiosk device's registration (``resolvers.kiosks.DEVICE``)."""

    ACTIVE = "active", "已登记"
    REVOKED = "revoked", "已停用"


class KioskDevice(Timestamped, Model):
    """A self-service terminal bound to a station (STA-4).

    It authenticates as its OAuth machine client (client credentials), whose tokens then
    carry the kiosk kind and the station.
    """

    id = fields.IntField(primary_key=True)
    client: fields.OneToOneRelation[OAuthClient] = fields.OneToOneField(
        "models.OAuthClient", related_name="kiosk_device", on_delete=fields.RESTRICT
    )
    station: fields.ForeignKeyRelation[Area] = fields.ForeignKeyField(
        "models.Area", related_name="kiosk_devices", on_delete=fields.RESTRICT
    )
    name = fields.CharField(max_length=64)
    #: Who registered it (an administrator's identity or ``operator:cli``).
    registered_by = fields.CharField(max_length=80)
    #: Its state in the kiosk device process; each step is recorded in ``workflow_step``.
    status = fields.CharEnumField(
        DeviceStatus, max_length=16, default=DeviceStatus.ACTIVE, db_default="active"
    )
    revoked_at = fields.DatetimeField(null=True)

    class Meta:
        table = "kiosk_device"
