"""Text normalisation and the n-gram terms behind Chinese keyword search.

Chinese has no spaces between words and people search with one or two characters ("证",
"营业"), which neither PostgreSQL's word-based full-text search nor pg_trgm's trigrams can
serve from an index. The hall therefore indexes every name as its single characters and
character pairs (unigrams and bigrams) in an ordinary B-tree indexed table, on SQLite and
PostgreSQL alike:

- a one- or two-character query is one index lookup of that exact term;
- a longer query intersects the lookups of (up to three of) its bigrams, and a ``LIKE`` over
  the few candidates confirms the characters are contiguous.

Example:
    >>> sorted(index_terms("营业执照"))
    ['业', '业执', '执', '执照', '照', '营', '营业']
    >>> query_terms("营业执照")
    ['营业', '业执', '执照']
"""

from __future__ import annotations

import functools
import itertools
import re
import unicodedata
from collections.abc import Sequence

from pypinyin import lazy_pinyin

#: Longest keyword token the search accepts, in characters.
MAX_TOKEN_LENGTH = 40
#: Most bigrams looked up for one token; the LIKE check does the rest.
MAX_QUERY_BIGRAMS = 3
#: Shortest token matched against full pinyin (shorter ones: initials only).
MIN_FULL_PINYIN = 3
#: Separates an item's keywords in ``search_keywords`` (and spellings in
#: ``search_pinyin``/``search_initials``): never inside a query, whose whitespace is
#: collapsed to single spaces.
KEYWORD_SEPARATOR = "\n"


def normalize(text: str) -> str:
    """NFKC (full-width to half-width), case folded, whitespace collapsed to single spaces."""
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def index_terms(text: str) -> set[str]:
    """The unigrams and bigrams of a normalised text, spaces ignored."""
    chars = [ch for ch in normalize(text) if not ch.isspace()]
    terms = set(chars)
    terms.update(a + b for a, b in itertools.pairwise(chars))
    return terms


def query_tokens(keyword: str) -> list[str]:
    """Whitespace-separated tokens of a keyword, normalised, each cut to a sane length."""
    return [token[:MAX_TOKEN_LENGTH] for token in normalize(keyword).split()]


def query_terms(token: str) -> list[str]:
    """Index terms to look up for one token: itself if short, else up to three bigrams.

    The first, a middle and the last bigram are taken: together they cover the token's ends,
    which is where Chinese names differ most.
    """
    if len(token) <= 2:
        return [token]
    bigrams = list(dict.fromkeys(token[i : i + 2] for i in range(len(token) - 1)))
    if len(bigrams) <= MAX_QUERY_BIGRAMS:
        return bigrams
    return [bigrams[0], bigrams[len(bigrams) // 2], bigrams[-1]]


def squash(text: str) -> str:
    """A reason or name as recorded: runs of white space become one space."""
    return " ".join(text.split())


#: Runs of Han characters, and of letters and digits, in a normalised name.
_RUNS = re.compile(r"[\u3400-\u9fff]+|[a-z0-9]+")


@functools.lru_cache(maxsize=65536)
def _run_pinyin(run: str) -> tuple[str, str]:
    if run.isascii():  # letters and digits stand for themselves in both spellings
        return run, run
    syllables = lazy_pinyin(run, errors="ignore")
    return "".join(syllables), "".join(s[0] for s in syllables if s)


def pinyin(name: str) -> tuple[str, str]:
    """The full pinyin and the pinyin initials of a name, lower case, nothing between.

    Runs are converted one at a time and remembered, so generated variants of a name
    (``食品经营许可（变更）``) cost one dictionary look-up each.

    Example:
        >>> pinyin("营业执照（补领）")
        ('yingyezhizhaobuling', 'yyzzbl')
    """
    full, initials = [], []
    for run in _RUNS.findall(normalize(name)):
        f, i = _run_pinyin(run)
        full.append(f)
        initials.append(i)
    return "".join(full), "".join(initials)


def spellings(name: str, keywords: Sequence[str]) -> tuple[str, str]:
    """Full pinyin and initials of a name and then of each keyword, one per line.

    The first line is the name's: equal to it ranks as the name, equal to a later line as
    an alias (``yyzz`` for an item whose keyword is 营业执照).

    Example:
        >>> spellings("企业设立登记", ["营业执照"])
        ('qiyeshelidengji\\nyingyezhizhao', 'qysldj\\nyyzz')
    """
    pairs = [pinyin(name)] + [pinyin(keyword) for keyword in keywords]
    return "\n".join(f for f, _ in pairs), "\n".join(i for _, i in pairs)


def is_pinyin_query(token: str) -> bool:
    """Whether a token can be pinyin: ASCII letters (and digits) only."""
    return token.isascii() and token.isalnum()


def pinyin_matches(token: str, full: str, initials: str) -> bool:
    """The pinyin rule of keyword search, the same on every path.

    One or two letters match the initials only (``yy`` finds 营业, while ``ye`` would hit
    half the catalogue's full pinyin); three or more match initials or full pinyin.
    """
    if not is_pinyin_query(token):
        return False
    return token in initials or (len(token) >= MIN_FULL_PINYIN and token in full)


def normalize_keyword(keyword: str) -> str:
    """A keyword as searched: normalised, without any whitespace."""
    return "".join(normalize(keyword).split())


def like_escape(text: str) -> str:
    """Escape ``%``, ``_`` and ``\\`` for a ``LIKE ... ESCAPE '\\'`` pattern."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
