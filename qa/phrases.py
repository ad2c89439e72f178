"""Where text may be cut: word boundaries for Latin text, phrase boundaries for Japanese.

Excerpts (cards, meta descriptions, search results) end at one of these, so a
card never shows "retur…" or "注文履…". Japanese has no spaces between words;
BudouX (Google's small phrase-segmentation model, the one Chrome uses for
`word-break: auto-phrase`) tells where one phrase ends and the next begins.

Every offset returned is also a grapheme-cluster boundary, so a cut never
splits an emoji sequence, a flag or a letter from its combining marks.
"""

import functools
import unicodedata

import budoux
import regex

# Scripts BudouX's Japanese model knows; a boundary it finds counts only next
# to one of these, so it never splits a Latin word or a number.
_JAPANESE = regex.compile(r"[\p{Hiragana}\p{Katakana}\p{Han}ー々〆〤]")
_GRAPHEME = regex.compile(r"\X")
# A cut is allowed after these (a comma, a full stop, a dash, a closing bracket or quote)...
_BREAK_AFTER = frozenset({"Pd", "Pe", "Pf", "Po"})
# ...and before these (an opening bracket or quote).
_BREAK_BEFORE = frozenset({"Ps", "Pi"})
# Left off the end of a cut text, before the ellipsis: "returns,…" reads worse than "returns…".
_TRAILING = " \t\r\n\u3000,;:、，；：-–—"
# How far past the cut truncate() looks, so that the phrase model sees the context it needs.
_CONTEXT = 32


@functools.cache
def _japanese_parser():
    return budoux.load_default_japanese_parser()


def _grapheme_starts(text: str) -> set[int]:
    return {match.start() for match in _GRAPHEME.finditer(text)}


def _word_boundaries(text: str) -> set[int]:
    """Offsets at the end of a word: before whitespace, after punctuation, before an opening bracket."""
    found = set()
    for i in range(1, len(text)):
        before, after = text[i - 1], text[i]
        if before.isspace():
            continue
        if (
            after.isspace()
            or unicodedata.category(before) in _BREAK_AFTER
            or unicodedata.category(after) in _BREAK_BEFORE
        ):
            found.add(i)
    return found


# BudouX decides each boundary from the three characters before it and the three from it on.
_BUDOUX_LOOKBEHIND = 3


def _japanese_boundaries(text: str, start: int = 0) -> set[int]:
    """Phrase boundaries at offsets >= start. The model is only run from a few
    characters before `start`: what it decides at an offset depends on the
    characters around it alone, so the boundaries found are the same."""
    first = max(start - _BUDOUX_LOOKBEHIND, 0)
    if not _JAPANESE.search(text, first):
        return set()
    found, offset = set(), first
    for chunk in _japanese_parser().parse(text[first:])[:-1]:
        offset += len(chunk)
        if offset >= start and (_JAPANESE.match(text[offset - 1]) or _JAPANESE.match(text[offset])):
            found.add(offset)
    return found


def phrase_boundaries(text: str, *, start: int = 0) -> list[int]:
    """Sorted offsets `i` (0 < i <= len(text), i >= start) where `text[:i]` may end an excerpt.

    Latin text: the end of each word (before whitespace), after punctuation and
    before an opening bracket. Japanese: between BudouX phrases. The end of
    the text is one when it does not end in whitespace. Never inside a
    grapheme cluster. Linear in the length of `text`. Offsets before `start`
    are not wanted, which saves running the phrase model over them.
    """
    if not text:
        return []
    candidates = _word_boundaries(text) | _japanese_boundaries(text, start)
    starts = _grapheme_starts(text)
    found = {i for i in candidates if i in starts and i >= start}
    if not text[-1].isspace():
        found.add(len(text))
    return sorted(found)


def _hard_cut(text: str, limit: int) -> str:
    """The longest run of whole grapheme clusters within `limit` characters."""
    end = 0
    for match in _GRAPHEME.finditer(text):
        if match.end() > limit:
            break
        end = match.end()
    return text[:end]


def truncate(text: str, length: int, *, ellipsis: str = "…") -> str:
    """`text` unchanged when it fits in `length` characters; otherwise its start,
    cut at the last word or phrase boundary, followed by `ellipsis`, at most
    `length` characters in all.

    Falls back to a hard cut (still between grapheme clusters) only when the
    last third of the room has no boundary, e.g. one long URL or word.
    """
    if len(text) <= length:
        return text
    if length <= len(ellipsis):
        return ellipsis[: max(length, 0)]
    room = length - len(ellipsis)
    # Only the start of the text matters: the cost stays bounded by `length`, however long the text.
    window = text[: room + _CONTEXT]
    # Only a boundary in the last third of the room is used (else a hard cut), so only those are looked for.
    last_third = room - room // 3
    usable = [i for i in phrase_boundaries(window, start=last_third) if i <= room]
    if usable and usable[-1] >= last_third:
        kept = window[: usable[-1]]
    else:
        kept = _hard_cut(window, room)
    return kept.rstrip(_TRAILING) + ellipsis
