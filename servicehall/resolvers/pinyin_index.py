"""The pinyin part of the catalogue index (ITEM-5): ``yyzz`` and ``yingye`` find 营业执照.

Item names and keywords are indexed by their full pinyin (trigrams) and their initials
(letters, pairs and trigrams) in compressed bitmaps, like the Han n-grams of
``catalogue_index``: a token of one or two letters is one look-up of the initials' n-gram;
a longer one intersects up to three trigrams and confirms the few candidates with ``in``.
What matches is :func:`servicehall.text.pinyin_matches` over
:func:`servicehall.text.spellings` (the name's line first, then each keyword's), which
the SQL path and the tests follow too.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass, field

from pyroaring import BitMap

from servicehall import text

EMPTY = BitMap()


def _intersect(terms: dict[str, BitMap], wanted: Sequence[str]) -> BitMap:
    found = None
    for term in wanted:
        posting = terms.get(term, EMPTY)
        found = posting if found is None else found & posting
    return found if found is not None else BitMap()


@dataclass(slots=True)
class _Spelling:
    """One spelling (full pinyin or initials) of every item by position: its lines."""

    values: list[str]
    terms: dict[str, BitMap]
    #: the keywords' lines -> items (the alias rank)
    aliases: dict[str, BitMap]
    #: the names' lines in sorted order and their positions (exact and prefix ranks)
    sorted_names: list[str] = field(default_factory=list)
    sorted_positions: list[int] = field(default_factory=list)

    def __post_init__(self) -> None:
        names = [value.split(text.KEYWORD_SEPARATOR, 1)[0] for value in self.values]
        order = sorted(range(len(names)), key=names.__getitem__)
        self.sorted_names = [names[n] for n in order]
        self.sorted_positions = order

    def containing(self, token: str) -> BitMap:
        if len(token) <= 3 and token in self.terms:  # an indexed n-gram: exact already
            return self.terms[token]
        if len(token) < 3:
            return BitMap()
        candidates = _intersect(self.terms, text.letter_query_terms(token))
        return BitMap(p for p in candidates if token in self.values[p])

    def ranked(self, phrase: str) -> tuple[BitMap, BitMap, BitMap]:
        """Positions whose name's spelling equals ``phrase``, those with a keyword's
        spelling equal to it, and those whose name's spelling starts with it."""
        low = bisect.bisect_left(self.sorted_names, phrase)
        high = bisect.bisect_left(self.sorted_names, phrase + "\U0010ffff", low)
        names, positions = self.sorted_names[low:high], self.sorted_positions[low:high]
        exact = BitMap(p for name, p in zip(names, positions, strict=True) if name == phrase)
        return exact, self.aliases.get(phrase, EMPTY), BitMap(positions)


def _spelling(values: list[str], *, short: bool) -> _Spelling:
    lists: dict[str, list[int]] = {}
    aliases: dict[str, list[int]] = {}
    for n, value in enumerate(values):
        for term in text.letter_terms(value, short=short):
            lists.setdefault(term, []).append(n)
        for line in value.split(text.KEYWORD_SEPARATOR)[1:]:
            aliases.setdefault(line, []).append(n)
    return _Spelling(
        values,
        {term: BitMap(ns) for term, ns in lists.items()},
        {line: BitMap(ns) for line, ns in aliases.items()},
    )


@dataclass(slots=True)
class PinyinIndex:
    full: _Spelling
    initials: _Spelling

    @classmethod
    def build(cls, full: list[str], initials: list[str]) -> PinyinIndex:
        return cls(_spelling(full, short=False), _spelling(initials, short=True))

    def matching(self, token: str) -> BitMap:
        """Items whose pinyin matches the token (:func:`text.pinyin_matches`)."""
        if not text.is_pinyin_query(token):
            return BitMap()
        found = self.initials.containing(token)
        if len(token) >= text.MIN_FULL_PINYIN:
            found = found | self.full.containing(token)
        return found

    def ranked(self, phrase: str) -> tuple[BitMap, BitMap, BitMap]:
        """Items whose name's pinyin equals the phrase, whose keyword's pinyin does, and
        whose name's pinyin starts with it (the exact, alias and prefix ranks)."""
        if not text.is_pinyin_query(phrase):
            return BitMap(), BitMap(), BitMap()
        exact, alias, starts = self.initials.ranked(phrase)
        if len(phrase) >= text.MIN_FULL_PINYIN:
            full = self.full.ranked(phrase)
            exact, alias, starts = exact | full[0], alias | full[1], starts | full[2]
        return exact, alias, starts
