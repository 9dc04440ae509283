"""The keyword box of a station or village point's page (STA-2, STA-3, issue 21).

A station handles a few dozen items; the box narrows them with the catalogue's own search
(``resolvers.items``/``catalogue_index``: one- and two-character queries, several words
AND-ed, an item's code, its department's name), so a resident finds at the station what
the catalogue would find, and whatever the catalogue search learns (pinyin initials,
ITEM-5) the station search learns with it. While the catalogue index is being built the
catalogue's SQL path answers, by the same rules.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from servicehall.loaders.base import Row
from servicehall.resolvers.catalogue_index import CatalogueIndex
from servicehall.resolvers.items import ItemFilter, sql_search_codes


def keyword_filter(keyword: str | None) -> ItemFilter | None:
    """The catalogue filter of a station's keyword; None when there is nothing to search
    (raises ``InvalidInput`` for a keyword the catalogue search refuses)."""
    flt = ItemFilter(keyword=keyword, include_inactive=True)
    return flt if flt.tokens else None


async def matching(
    rows: Sequence[Row], flt: ItemFilter, index: CatalogueIndex | None, station: str
) -> list[Row]:
    """The ``rows`` of ``station`` the catalogue search finds for ``flt``: on its index, or
    while it is being built by the SQL path's rules (keywords, pinyin and all)."""
    if index is not None:
        found = index.codes_among(flt, [row["code"] for row in rows])
    else:
        found = await sql_search_codes(replace(flt, station=station))
    return [row for row in rows if row["code"] in found]
