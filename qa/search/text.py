"""Text normalisation for search, shared by the indexer (services) and the
query side (selectors), so both always agree.

Japanese has no spaces between words, so word-based full-text engines (SQLite
FTS5, PostgreSQL tsvector) miss 1- and 2-character queries such as 返品 or 送料.
Tipcast instead stores a normalised copy of each tip's public text and matches
every query term as a substring. NFKC folds full-width Latin and half-width
kana; casefold() makes the match case-insensitive in every script. The result
is the same on SQLite and PostgreSQL.
"""

import re
import unicodedata

from django.utils.html import escape
from django.utils.safestring import mark_safe

MAX_QUERY_TERMS = 8
MAX_TERM_LENGTH = 64


def normalize(text: str) -> str:
    # NUL becomes a space (a term separator): PostgreSQL refuses it in a query,
    # and a stray one in ?q= must not turn a search into a server error.
    return unicodedata.normalize("NFKC", text or "").replace("\x00", " ").casefold()


def query_terms(query: str) -> list[str]:
    """The distinct terms of a query, normalised, in order; at most MAX_QUERY_TERMS."""
    terms: list[str] = []
    for term in normalize(query).split():
        term = term[:MAX_TERM_LENGTH]
        if term and term not in terms:
            terms.append(term)
    return terms[:MAX_QUERY_TERMS]


def highlight(text: str, terms: list[str]) -> str:
    """Escape `text` and wrap each occurrence of a term in <mark>.

    Matching runs on the NFKC-normalised, case-folded text; the original
    characters are kept by mapping positions back when the lengths agree, and
    by showing the normalised text otherwise (rare: ligatures, some symbols).
    """
    if not terms:
        return escape(text)
    normalized = normalize(text)
    if len(normalized) != len(text):
        text = unicodedata.normalize("NFKC", text)
        if len(normalized) != len(text):
            text = normalized
    pattern = re.compile("|".join(re.escape(term) for term in sorted(terms, key=len, reverse=True)))
    parts, position = [], 0
    for match in pattern.finditer(normalized):
        parts.append(escape(text[position : match.start()]))
        parts.append(f"<mark>{escape(text[match.start() : match.end()])}</mark>")
        position = match.end()
    parts.append(escape(text[position:]))
    return mark_safe("".join(parts))


def excerpt(text: str, terms: list[str], length: int = 160) -> str:
    """A window of plain `text` around the first matched term (or its start)."""
    normalized = normalize(text)
    first = min((i for i in (normalized.find(t) for t in terms) if i >= 0), default=0)
    start = max(0, first - length // 3)
    snippet = text[start : start + length]
    prefix = "…" if start > 0 else ""
    suffix = "…" if start + length < len(text) else ""
    return prefix + snippet + suffix
