"""The whole curated catalogue of service items, district items first, then township ones."""

from __future__ import annotations

from servicehall.demo.data.items_agriculture import AGRICULTURE_ITEMS
from servicehall.demo.data.items_civil import CIVIL_ITEMS
from servicehall.demo.data.items_construction import CONSTRUCTION_ITEMS
from servicehall.demo.data.items_health import HEALTH_ITEMS
from servicehall.demo.data.items_labour import LABOUR_ITEMS
from servicehall.demo.data.items_market import MARKET_ITEMS
from servicehall.demo.data.items_planning import PLANNING_ITEMS
from servicehall.demo.data.items_safety import SAFETY_ITEMS
from servicehall.demo.data.items_services import SERVICE_ITEMS
from servicehall.demo.data.items_tax import TAX_ITEMS
from servicehall.demo.data.items_town_civil import TOWN_CIVIL_ITEMS
from servicehall.demo.data.items_town_land import TOWN_LAND_ITEMS
from servicehall.demo.data.items_town_medical import TOWN_MEDICAL_ITEMS
from servicehall.demo.data.items_town_population import TOWN_POPULATION_ITEMS
from servicehall.demo.data.items_town_rural import TOWN_RURAL_ITEMS
from servicehall.demo.spec import ItemSpec

ITEMS: tuple[ItemSpec, ...] = (
    *MARKET_ITEMS,
    *LABOUR_ITEMS,
    *CIVIL_ITEMS,
    *HEALTH_ITEMS,
    *AGRICULTURE_ITEMS,
    *PLANNING_ITEMS,
    *CONSTRUCTION_ITEMS,
    *SERVICE_ITEMS,
    *SAFETY_ITEMS,
    *TAX_ITEMS,
    *TOWN_LAND_ITEMS,
    *TOWN_POPULATION_ITEMS,
    *TOWN_CIVIL_ITEMS,
    *TOWN_MEDICAL_ITEMS,
    *TOWN_RURAL_ITEMS,
)
