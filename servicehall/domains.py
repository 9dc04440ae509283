"""The hall's data domains: the unit in which a committed write makes cached reads stale.

A leaf module (it imports nothing from the package) so that every layer can name a domain:
the schema declares which domain each type reads (``servicehall.schema.policy``), the
response cache keys entries by the domains' change generations, and ``servicehall.changes``
bumps a domain's generation when a write announces one of its entities.
"""

from __future__ import annotations

from enum import StrEnum


class Domain(StrEnum):
    #: Carries no stored data of its own: roots, page info, enum labels, error lists.
    NEUTRAL = "neutral"
    #: Service items, departments, themes, target groups, business scopes (ITEM-1..3).
    CATALOGUE = "catalogue"
    #: Registered enterprises and their page (ENT-1..12).
    ENTERPRISE = "enterprise"
    #: Portal announcements.
    PORTAL = "portal"
    #: Government information (ENT-9).
    INFORMATION = "information"
    #: 好差评 ratings, their summaries and follow-ups (RATE-1..3).
    RATINGS = "ratings"
    #: E-licence catalogue, grants and licences (LIC-1..4).
    LICENSES = "licenses"
    #: Township stations, village points and the map (STA-1..3).
    STATIONS = "stations"
    #: Cases and their progress (CASE-1..3).
    CASES = "cases"
    #: Accounts, sign-in sessions, bindings, login records.
    IDENTITY = "identity"
    #: The outbox and SMS templates (ENT-11, ENT-12).
    NOTIFICATIONS = "notifications"
    #: Registered kiosk devices (STA-4).
    KIOSKS = "kiosks"
    #: The item registry: requests to add, change and cancel items, and item versions (ITEM-4).
    REGISTRY = "registry"
