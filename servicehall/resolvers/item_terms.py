"""What keyword search reads of an item besides its code (ITEM-5): one place that derives it.

An item is found by its name, its keywords and aliases (社保 for 社会保险 items, 营业执照
for 设立登记 items) and the pinyin of both, full (``yingye``) and initials (``yyzz``).
Whoever writes a name or keywords (the demo loader, :func:`rename_item`, the registry when
it publishes a version) stores :func:`search_columns` on the row and replaces the item's
``item_term`` rows with :func:`item_terms`, in the same transaction; the catalogue index
follows the change generation the write announces.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from servicehall import db, text
from servicehall.errors import InvalidInput, NotFound
from servicehall.models.items import ItemTerm, ServiceItem

#: Most keywords one item carries, and the longest one, in characters.
MAX_KEYWORDS = 20
MAX_KEYWORD_LENGTH = 20
MIN_NAME_LENGTH, MAX_NAME_LENGTH = 2, 128


def clean_keywords(raw: Iterable[str], *, field: str = "keywords") -> list[str]:
    """Keywords as stored: trimmed, de-duplicated (as searched), in the order given.

    Raises :class:`InvalidInput` for an empty or overlong keyword or too many of them.
    """
    cleaned: list[str] = []
    seen: set[str] = set()
    for n, keyword in enumerate(raw):
        shown = " ".join(keyword.split())
        searched = text.normalize_keyword(shown)
        if not searched or len(shown) > MAX_KEYWORD_LENGTH:
            raise InvalidInput(
                f"第{n + 1}个关键词应为1到{MAX_KEYWORD_LENGTH}个字", field=f"{field}[{n}]"
            )
        if searched not in seen:
            seen.add(searched)
            cleaned.append(shown)
    if len(cleaned) > MAX_KEYWORDS:
        raise InvalidInput(f"关键词最多{MAX_KEYWORDS}个", field=field)
    return cleaned


def clean_name(raw: str, *, field: str = "name") -> str:
    cleaned = " ".join(raw.split())
    if not MIN_NAME_LENGTH <= len(cleaned) <= MAX_NAME_LENGTH:
        raise InvalidInput(f"事项名称应为{MIN_NAME_LENGTH}到{MAX_NAME_LENGTH}个字", field=field)
    return cleaned


def search_columns(name: str, keywords: Sequence[str]) -> dict[str, str]:
    """The search forms of a (clean) name and keywords, as ``service_item`` columns."""
    full, initials = text.spellings(name, keywords)
    return {
        "search_name": text.normalize(name),
        "search_keywords": text.KEYWORD_SEPARATOR.join(text.normalize_keyword(k) for k in keywords),
        "search_pinyin": full,
        "search_initials": initials,
    }


def item_terms(name: str, keywords: Sequence[str]) -> set[str]:
    """The n-grams of the name and of each keyword (never across two keywords)."""
    terms = text.index_terms(name)
    for keyword in keywords:
        terms |= text.index_terms(text.normalize_keyword(keyword))
    return terms


async def reindex(conn: BaseDBAsyncClient, item: ServiceItem) -> None:
    """Store the search columns of ``item``'s name and keywords and replace its terms.

    The caller holds the transaction ``conn`` and saves nothing else of the search forms.
    """
    for column, value in search_columns(item.name, item.keywords).items():
        setattr(item, column, value)
    await item.save(
        using_db=conn,
        update_fields=["search_name", "search_keywords", "search_pinyin", "search_initials"],
    )
    await ItemTerm.filter(item_id=item.id).using_db(conn).delete()
    await ItemTerm.bulk_create(
        [ItemTerm(item_id=item.id, term=t) for t in item_terms(item.name, item.keywords)],
        using_db=conn,
    )


async def _change(code: str, *, name: str | None = None, keywords: list[str] | None = None) -> None:
    async with in_transaction(db.connection().connection_name) as conn:
        item = await ServiceItem.filter(code=code).using_db(conn).select_for_update().first()
        if item is None:
            raise NotFound(f"事项“{code}”不存在", field="code")
        if name is not None:
            item.name = name
        if keywords is not None:
            item.keywords = keywords
        item.version += 1
        await item.save(using_db=conn, update_fields=["name", "keywords", "version"])
        await reindex(conn, item)


async def rename_item(code: str, name: str) -> None:
    """Change an item's name and its search forms in one transaction.

    The caller announces ``("ServiceItem", code)`` after commit (``outcome.settle``).
    """
    await _change(code, name=clean_name(name))


async def set_item_keywords(code: str, keywords: Iterable[str]) -> None:
    """Replace an item's keywords and aliases (ITEM-5) and its search forms.

    The caller announces ``("ServiceItem", code)`` after commit (``outcome.settle``).
    """
    await _change(code, keywords=clean_keywords(keywords))
