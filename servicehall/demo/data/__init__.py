"""Demo catalogue of 珠海市斗门区: departments, themes, target groups, GB/T 4754-2017
business scopes and the service items (事项) of the district and its townships."""

from __future__ import annotations

from servicehall.demo.data.catalogue import ITEMS
from servicehall.demo.data.departments import DEPARTMENTS, DISTRICT_NAME, DIVISION_CODE
from servicehall.demo.data.dimensions import TARGET_GROUPS, THEMES
from servicehall.demo.data.scopes import SCOPES

__all__ = [
    "DEPARTMENTS",
    "DISTRICT_NAME",
    "DIVISION_CODE",
    "ITEMS",
    "SCOPES",
    "TARGET_GROUPS",
    "THEMES",
]
