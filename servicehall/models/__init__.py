"""Every model of the hall, in one namespace Tortoise discovers (``servicehall.models``)."""

from servicehall.models.base import LabelledEnum
from servicehall.models.enterprises import Enterprise, EnterpriseIndustry, EnterpriseStatus
from servicehall.models.items import (
    BusinessScope,
    Department,
    ItemBusinessScope,
    ItemKind,
    ItemLevel,
    ItemStatus,
    ItemTargetGroup,
    ItemTerm,
    ItemTheme,
    KioskCategory,
    MaterialForm,
    ScopeLevel,
    ServiceItem,
    TargetGroup,
    Theme,
    ThemeAudience,
)

__all__ = [
    "BusinessScope",
    "Department",
    "Enterprise",
    "EnterpriseIndustry",
    "EnterpriseStatus",
    "ItemBusinessScope",
    "ItemKind",
    "ItemLevel",
    "ItemStatus",
    "ItemTargetGroup",
    "ItemTerm",
    "ItemTheme",
    "KioskCategory",
    "LabelledEnum",
    "MaterialForm",
    "ScopeLevel",
    "ServiceItem",
    "TargetGroup",
    "Theme",
    "ThemeAudience",
]
