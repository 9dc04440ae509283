"""Kiosk mode (STA-4): the self-service terminals at township stations and village points.

- ``operations``: the allow-list of the kiosk UI's own GraphQL operations (by SHA-256);
- ``device``: the device's client-credentials token;
- ``proxy`` and ``app``: the kiosk process the terminal's browser talks to;
- ``ui`` and ``static/``: the touch UI (plain HTML, CSS and JavaScript, no build step).

The hall's side (``/kiosk`` of the main app) is assembled in ``servicehall.web.kiosk``.
"""

from servicehall.kiosk.app import KioskConfig, create_kiosk_app
from servicehall.kiosk.operations import Manifest, ManifestError, Operation, load_manifest

__all__ = [
    "KioskConfig",
    "Manifest",
    "ManifestError",
    "Operation",
    "create_kiosk_app",
    "load_manifest",
]
