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

import itertools
import unicodedata

#: Longest keyword token the search accepts, in characters.
MAX_TOKEN_LENGTH = 40
#: Most bigrams looked up for one token; the LIKE check does the rest.
MAX_QUERY_BIGRAMS = 3


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


def like_escape(text: str) -> str:
    """Escape ``%``, ``_`` and ``\\`` for a ``LIKE ... ESCAPE '\\'`` pattern."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
