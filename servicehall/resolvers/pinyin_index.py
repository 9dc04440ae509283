"""The pinyin part of the catalogue index (ITEM-5): ``yyzz`` and ``yingye`` find 营业执照.

Item names and keywords are spelled in full pinyin and initials. A token of one or two
letters is one look-up of a compressed bitmap of the initials' letters and pairs; a longer
one is searched in both spellings of every item joined into one string. What matches is
:func:`servicehall.text.pinyin_matches` over :func:`servicehall.text.spellings` (the
name's line first, then each keyword's), which the SQL path and the tests follow too.
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from dataclasses import dataclass, field

from pyroaring import BitMap

from servicehall import text

EMPTY = BitMap()


@dataclass(slots=True)
class _Spelling:
    """One spelling (full pinyin or initials) of every item by position: its lines.

    Tokens are found with ``str.find`` over all spellings joined, skipping to the next
    item after a hit, so the work is the number of matching items; the answers for one or
    two letters (the kiosk's first taps, matching many items) are kept, at most ~1,300
    of them. Postings of every n-gram made the build seconds slower at 50k items.
    """

    values: list[str]
    #: the keywords' lines -> items (the alias rank)
    aliases: dict[str, BitMap]
    joined: str = ""
    starts: list[int] = field(default_factory=list)
    short: dict[str, BitMap] = field(default_factory=dict)
    #: the names' lines in sorted order and their positions (exact and prefix ranks)
    sorted_names: list[str] = field(default_factory=list)
    sorted_positions: list[int] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.joined = "\0".join(self.values)
        offset = 0
        for value in self.values:
            self.starts.append(offset)
            offset += len(value) + 1
        names = [value.split(text.KEYWORD_SEPARATOR, 1)[0] for value in self.values]
        order = sorted(range(len(names)), key=names.__getitem__)
        self.sorted_names = [names[n] for n in order]
        self.sorted_positions = order

    def containing(self, token: str) -> BitMap:
        if len(token) <= 2:
            known = self.short.get(token)
            if known is None:
                known = self.short[token] = self._scan(token)
            return known
        return self._scan(token)

    def _scan(self, token: str) -> BitMap:
        found, starts, joined = [], self.starts, self.joined
        last = len(starts) - 1
        at = joined.find(token)
        while at >= 0:
            n = bisect.bisect_right(starts, at) - 1
            found.append(n)
            if n == last:
                break
            at = joined.find(token, starts[n + 1])
        return BitMap(found)

    def ranked(self, phrase: str) -> tuple[BitMap, BitMap, BitMap]:
        """Positions whose name's spelling equals ``phrase``, those with a keyword's
        spelling equal to it, and those whose name's spelling starts with it."""
        low = bisect.bisect_left(self.sorted_names, phrase)
        high = bisect.bisect_left(self.sorted_names, phrase + "\U0010ffff", low)
        names, positions = self.sorted_names[low:high], self.sorted_positions[low:high]
        exact = BitMap(p for name, p in zip(names, positions, strict=True) if name == phrase)
        return exact, self.aliases.get(phrase, EMPTY), BitMap(positions)


def _spelling(values: list[str]) -> _Spelling:
    aliases: dict[str, list[int]] = defaultdict(list)
    for n, value in enumerate(values):
        if text.KEYWORD_SEPARATOR in value:
            for line in value.split(text.KEYWORD_SEPARATOR)[1:]:
                aliases[line].append(n)
    return _Spelling(values, {line: BitMap(ns) for line, ns in aliases.items()})


@dataclass(slots=True)
class PinyinIndex:
    full: _Spelling
    initials: _Spelling

    @classmethod
    def build(cls, full: list[str], initials: list[str]) -> PinyinIndex:
        return cls(_spelling(full), _spelling(initials))

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
