"""Text for search: normalisation shared by the indexer and the queries (so
both always agree), and what the result pages show: highlighted matches and
excerpts that start and end at word or phrase boundaries.

NFKC folds full-width Latin and half-width kana; casefold() makes matching
case-insensitive in every script.
"""

import re
import unicodedata

from django.utils.html import escape
from django.utils.safestring import mark_safe


def normalize(text: str) -> str:
    # NUL becomes a space (a term separator): PostgreSQL refuses it in a query,
    # and a stray one in ?q= must not turn a search into a server error.
    return unicodedata.normalize("NFKC", text or "").replace("\x00", " ").casefold()


def _fold(text: str) -> tuple[str, list[tuple[int, int]]]:
    """`text` normalised character by character, with, for each character of
    the result, the span of original characters it came from: matches found in
    the normalised text are shown on the original characters (ＰＯＩＮＴ, ﾍﾙﾌﾟ,
    "…" stay as written). A combining mark (the ﾟ of ﾌﾟ) joins the character
    before it, as it does in normalize()."""
    pieces: list[tuple[str, int, int]] = []
    for position, character in enumerate(text):
        piece = normalize(character)
        if pieces and piece and unicodedata.combining(piece[0]):
            _, start, _ = pieces.pop()
            piece = normalize(text[start : position + 1])
            pieces.append((piece, start, position + 1))
        else:
            pieces.append((piece, position, position + 1))
    folded = "".join(piece for piece, _, _ in pieces)
    origin = [(start, end) for piece, start, end in pieces for _ in piece]
    return folded, origin


_LATIN_WORD_CHARACTER = re.compile(r"[a-z0-9]")


def _match_spans(folded: str, terms: list[str]) -> list[tuple[int, int]]:
    """Where the terms occur in `folded`, overlapping matches merged. A Latin
    term extends to the end of its word, so the stem "ship" marks "shipping"."""
    spans = []
    for term in {term for term in terms if term}:
        latin = term.isascii() and term.isalnum()
        position = folded.find(term)
        while position >= 0:
            end = position + len(term)
            if latin:
                while end < len(folded) and _LATIN_WORD_CHARACTER.match(folded[end]):
                    end += 1
            spans.append((position, end))
            position = folded.find(term, position + 1)
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def highlight(text: str, terms: list[str]) -> str:
    """Escape `text` and wrap each occurrence of a term in <mark>. Terms are
    matched on the normalised text (NFKC, case-folded) and marked on the
    original characters."""
    if not terms or not text:
        return escape(text)
    folded, origin = _fold(text)
    parts, position = [], 0
    for start, end in _match_spans(folded, list(terms)):
        original_start, original_end = origin[start][0], origin[end - 1][1]
        if original_start < position:
            continue
        parts.append(escape(text[position:original_start]))
        parts.append(f"<mark>{escape(text[original_start:original_end])}</mark>")
        position = original_end
    parts.append(escape(text[position:]))
    return mark_safe("".join(parts))


# How far before the first match an excerpt may start, and how much further
# back a phrase boundary is looked for.
_LEAD_SHARE = 3
_LEAD_SEARCH = 40


def excerpt(text: str, terms: list[str], length: int = 160) -> str:
    """A piece of plain `text` around the first matched term (or its start),
    at most `length` characters plus ellipses, that starts and ends at a word
    or Japanese phrase boundary (qa.phrases), never mid-word."""
    from qa.phrases import phrase_boundaries, truncate

    folded, origin = _fold(text)
    spans = _match_spans(folded, list(terms))
    first = origin[spans[0][0]][0] if spans else 0
    start = max(0, first - length // _LEAD_SHARE)
    if start:
        # Begin where a phrase begins: the first boundary at or after `start`
        # (looking a little further back for context), and no later than the match.
        window_start = max(0, start - _LEAD_SEARCH)
        boundaries = [window_start + offset for offset in phrase_boundaries(text[window_start:first])]
        later = [offset for offset in boundaries if start <= offset <= first]
        start = later[0] if later else start
    body = truncate(text[start:].lstrip(" \t\r\n\u3000,;:、，；：。．.!?！？"), length)
    return ("…" if start > 0 else "") + body
