"""Types every domain uses: labelled enum values, scalars and Relay page info."""

from __future__ import annotations

from datetime import datetime
from typing import Generic, TypeVar
from zoneinfo import ZoneInfo

import strawberry

from servicehall.models.base import LabelledEnum

E = TypeVar("E")
L = TypeVar("L", bound=LabelledEnum)

#: Times are stored in UTC and shown in the hall's time zone.
LOCAL_TZ = ZoneInfo("Asia/Shanghai")


@strawberry.type(description="枚举值及其中文名称：前端无需自备对照表。")
class Labelled(Generic[E]):
    value: E
    label: str


def labelled(member: L) -> Labelled[L]:
    """Wrap an enum member with its Chinese label for output."""
    return Labelled(value=member, label=member.label)


def local_time(value: datetime | None) -> datetime | None:
    """A stored UTC time as shown to users (Asia/Shanghai, ISO 8601 with +08:00)."""
    return None if value is None else value.astimezone(LOCAL_TZ)
