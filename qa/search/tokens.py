"""How text becomes search tokens, the same way for tips (at save time) and
for queries, so that both always agree.

Japanese has no spaces, and word-based full-text parsers miss 1- and
2-character words such as 返品 or 送料. A run of Japanese is therefore stored as
its overlapping character pairs (返品の方法 → 返品 品の の方 方法) followed by
its kanji one by one (返 品 方 法), so that any word of two or more characters
is a pair (or a chain of pairs) and a one-kanji query (返, 券) still has
something to find. Single kana are indexed in titles only: in a body, alone,
の or ト mean nothing and would be the longest lists in the index; in titles
they let a one-kana query find something.
Latin words are kept whole and stemmed lightly (shipping, shipped → ship;
refunds → refund). Tokens are separated by single spaces and contain no
punctuation, which both databases' indexes split on without a parser of their
own (SQLite FTS5's "ascii" tokenizer, PostgreSQL's string_to_array).
"""

import functools
import re
from dataclasses import dataclass

from qa.search.text import normalize

# Scripts written without spaces: hiragana, katakana (without the middle dot ・),
# the prolonged sound mark, iteration marks and CJK ideographs.
_CJK_CHARS = "\u3005-\u3007\u3041-\u309f\u30a1-\u30fa\u30fc-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_RUN = re.compile(rf"(?P<cjk>[{_CJK_CHARS}]+)|(?P<word>[^\W_{_CJK_CHARS}]+)")
# The same runs, as plain strings (findall is twice as fast as finditer), and a
# test for which kind a run is.
_RUN_TEXT = re.compile(rf"[{_CJK_CHARS}]+|[^\W_{_CJK_CHARS}]+")
_IS_CJK = re.compile(rf"[{_CJK_CHARS}]").match
_HIRAGANA = re.compile(r"[\u3041-\u309f]+")
_KANJI = re.compile(r"[\u3005-\u3007\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_KANJI_ALL = _KANJI.findall
_KANA = re.compile(r"[\u3041-\u309f\u30a1-\u30fa\u30fc-\u30ff]")
_KANA_ALL = _KANA.findall

# Common English words: indexed (they cost little) but left out of a query's
# ranking unless the query has nothing else.
STOP_WORDS = frozenset(
    """a about after all also am an and any are as at be been before being both but by can could did do does doing
    done for from had has have having he her here hers him his how i if in into is it its just me more most my no
    nor not of off on once only or other our ours out over own same she should so some such than that the their
    theirs them then there these they this those through to too under until up very was we were what when where
    which while who whom why will with would you your yours yourself""".split()
)


@functools.lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """A light English stemmer: plurals, -ed and -ing, and a final e, so that
    ship/ships/shipped/shipping and refund/refunds/refunded meet. Deliberately
    less aggressive than Porter: a wrong merge (news → new) hurts more than a
    missed one, which a synonym can repair."""
    if not word.isascii() or not word.isalpha() or len(word) <= 3:
        return word
    if word.endswith("ies") and len(word) > 4:
        word = word[:-3] + "y"
    elif word.endswith("sses"):
        word = word[:-2]
    elif word.endswith("s") and not word.endswith(("ss", "us", "is")):
        word = word[:-1]
    for suffix in ("ing", "ed"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3 and re.search("[aeiouy]", word[: -len(suffix)]):
            word = word[: -len(suffix)]
            if len(word) >= 4 and word[-1] == word[-2] and word[-1] not in "aeiousz":
                word = word[:-1]  # shipp → ship, cancell → cancel; but pass, buzz stay
            break
    if word.endswith("e") and len(word) > 4:
        word = word[:-1]
    return word


@dataclass(frozen=True)
class Run:
    """A stretch of one kind of text in a query: a Latin word or a run of Japanese."""

    text: str  # normalised
    is_cjk: bool


def runs(text: str) -> list[Run]:
    """The words and Japanese runs of `text`, normalised, in order."""
    return [Run(match.group(), match.lastgroup == "cjk") for match in _RUN.finditer(normalize(text))]


def pairs(run: str) -> list[str]:
    """Overlapping character pairs of a Japanese run (the run itself when it is one character)."""
    if len(run) == 1:
        return [run]
    return [run[i : i + 2] for i in range(len(run) - 1)]


def document_tokens(text: str, *, single_kana: bool = False) -> list[str]:
    """The index tokens of a tip's text, in reading order. (Written for speed:
    a 20,000-character answer is tokenised on every save.) `single_kana`:
    also each kana alone (for titles: short, so a one-kana query finds the
    tips with that kana in their title rather than nothing)."""
    tokens: list[str] = []
    for run in _RUN_TEXT.findall(normalize(text)):
        if _IS_CJK(run):
            if len(run) == 1:
                tokens.append(run)
            else:
                tokens.extend(map(str.__add__, run, run[1:]))
                tokens.extend(_KANJI_ALL(run))
                if single_kana:
                    tokens.extend(_KANA_ALL(run))
        else:
            tokens.append(stem(run))
    return tokens


def document_text(text: str, *, single_kana: bool = False) -> str:
    """What is stored in a tip's search columns: its tokens, space-separated."""
    return " ".join(document_tokens(text, single_kana=single_kana))


def token_weight(token: str) -> float:
    """How much a query token counts, before rarity.

    A pair within one script (会員, パスワード's パス) is usually part of a
    word. A pair that starts with hiragana (です, ない, の設) is a particle or an
    inflection, or straddles two words, so it counts little; a kanji followed by
    hiragana (届か, 品が) is a word with its ending or particle, in between.
    """
    if token in STOP_WORDS:
        return 0.0
    if len(token) == 1 and _KANA.fullmatch(token):
        return 0.2  # a kana alone (の between two words) means little; alone in a query it still finds titles
    if len(token) != 2 or not _CJK_PAIR.fullmatch(token):
        return 1.0
    first, second = (_script(character) for character in token)
    if first == "hiragana":
        return 0.2
    if first == second:
        return 1.0
    return 0.5


_CJK_PAIR = re.compile(rf"[{_CJK_CHARS}]{{2}}")


def _script(character: str) -> str:
    if _HIRAGANA.fullmatch(character):
        return "hiragana"
    if _KANJI.fullmatch(character):
        return "kanji"
    return "katakana"


def is_kanji(character: str) -> bool:
    return bool(_KANJI.fullmatch(character))
