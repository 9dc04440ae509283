"""The keyword box of a station or village point's page (STA-2, STA-3, issue 21).

A station handles a few dozen items; the box narrows them with the catalogue's own search
(``resolvers.items``/``catalogue_index``: one- and two-character queries, several words
AND-ed, an item's code, its department's name), so a resident finds at the station what
the catalogue would find, and whatever the catalogue search learns (pinyin initials,
ITEM-5) the station search learns with it. While the catalogue index is being built the
same matching runs over the station's own rows.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence

from servicehall import text
from servicehall.loaders.base import Row
from servicehall.resolvers.catalogue_index import CatalogueIndex
from servicehall.resolvers.items import ItemFilter


def keyword_filter(keyword: str | None) -> ItemFilter | None:
    """The catalogue filter of a station's keyword; None when there is nothing to search
    (raises ``InvalidInput`` for a keyword the catalogue search refuses)."""
    flt = ItemFilter(keyword=keyword, include_inactive=True)
    return flt if flt.tokens else None


async def matching(
    rows: Sequence[Row],
    flt: ItemFilter,
    index: CatalogueIndex | None,
    department_name: Callable[[int], Awaitable[str]],
) -> list[Row]:
    """The station's ``rows`` the catalogue search finds for ``flt``."""
    if index is not None:
        found = index.codes_among(flt, [row["code"] for row in rows])
        return [row for row in rows if row["code"] in found]
    chosen = []
    code = (flt.keyword or "").strip().upper()
    for row in rows:
        name = text.normalize(row["name"])
        department = text.normalize(await department_name(row["department_id"]))
        if row["code"] == code or all(t in name or t in department for t in flt.tokens):
            chosen.append(row)
    return chosen
