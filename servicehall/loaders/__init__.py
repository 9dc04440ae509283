"""Per-request DataLoaders: batch by key, one SQL statement per batch."""

from servicehall.loaders.base import Row
from servicehall.loaders.bundle import Loaders

__all__ = ["Loaders", "Row"]
