"""What every model module shares: labelled enums and timestamps."""

from __future__ import annotations

import enum
from typing import Self

from tortoise import fields


class LabelledEnum(enum.StrEnum):
    """A string enum whose members carry the Chinese label people see.

    Example:
        >>> class Colour(LabelledEnum):
        ...     RED = "red", "红色"
        >>> Colour.RED.value, Colour.RED.label
        ('red', '红色')
    """

    label: str

    def __new__(cls, value: str, label: str = "") -> Self:
        member = str.__new__(cls, value)
        member._value_ = value
        member.label = label
        return member


class Timestamped:
    """Creation and last-change times, stored in UTC."""

    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)
