"""The search engine behind the search page and the ask form's suggestions.

A query is parsed into groups of tokens (qa.search.tokens), with synonyms as
alternatives of a group. The index (qa.search.index) gives a bounded set of
candidates: tips containing every important token, tips with one in their
title, and tips containing the query's rarest tokens, each the newest few
hundred at most. Candidates are then ranked in Python (qa.search.ranking:
BM25 per token, title and phrase bonuses, times the share of the query a tip
covers), identically on SQLite and PostgreSQL; tips that cover too little of
the query are not results at all, so a tip that has most of a whole Japanese
sentence's pairs wins over one that has a common pair many times.

The cost depends on the number of candidates and on the index entries of the
query's tokens, not on the number of tips: a common token is read from the
newest tips only (see qa.search.index), and how common each token is gets
counted up to a cap and cached.
"""

import hashlib
import math
from dataclasses import dataclass, field

from django.core.cache import cache

from qa.search import index
from qa.search.ranking import Scorer
from qa.search.text import normalize
from qa.search.tokens import is_kanji, pairs, runs, stem, token_weight

MAX_QUERY_LENGTH = 200
MAX_QUERY_TOKENS = 48
# Candidates read from the index per kind (see module docstring).
CANDIDATES_ALL_TOKENS = 100
CANDIDATES_TITLE = 50
CANDIDATES_RARE = 100
# Rare tokens used for candidates: the rarest first, while together they occur
# in at most this many tips.
RARE_TOKENS_BUDGET = 300
# Document frequencies are counted up to this number.
DOCUMENT_FREQUENCY_CAP = 1000
# A synonym counts a little less than the word the customer typed.
SYNONYM_FACTOR = 0.8
# Single kanji of a longer Japanese run: they let 届かない meet 届きません.
KANJI_WEIGHT = 0.3
# A tip must cover this share of the query's weight to be a result, and this
# share of its tokens (rarity left out: a query whose words no tip uses but one
# is not a match for any tip that has that one).
MIN_COVERAGE = 0.3
MIN_TOKEN_COVERAGE = 0.2
# The number of published tips and the highest id (cached: counting is a scan),
# and how many tips have each token (cached: counting reads the token's postings).
CORPUS_CACHE_KEY = "qa:search:corpus"
CORPUS_CACHE_SECONDS = 300
FREQUENCY_CACHE_PREFIX = "qa:search:df:"
FREQUENCY_CACHE_SECONDS = 600


@dataclass
class Alternative:
    tokens: list[tuple[str, float]]  # (token, weight before rarity)
    factor: float = 1.0


@dataclass
class Group:
    alternatives: list[Alternative]


@dataclass
class ParsedQuery:
    groups: list[Group] = field(default_factory=list)
    phrases: list[tuple[str, ...]] = field(default_factory=list)
    # Normalised strings to mark in titles and excerpts.
    highlight_terms: list[str] = field(default_factory=list)

    def tokens(self) -> list[str]:
        seen: dict[str, None] = {}
        for group in self.groups:
            for alternative in group.alternatives:
                for token, _ in alternative.tokens:
                    seen.setdefault(token)
        return list(seen)[:MAX_QUERY_TOKENS]


def _sequence_tokens(text: str) -> list[str]:
    """A query text as a sequence of tokens: word stems and Japanese pairs, no
    single characters (they are not part of a phrase)."""
    tokens: list[str] = []
    for run in runs(text):
        tokens.extend(pairs(run.text) if run.is_cjk else [stem(run.text)])
    return tokens


def _find(sequence: list[str], part: list[str], taken: list[bool]) -> int:
    """Where `part` occurs in `sequence` on positions not yet taken, or -1."""
    for start in range(len(sequence) - len(part) + 1):
        if sequence[start : start + len(part)] == part and not any(taken[start : start + len(part)]):
            return start
    return -1


def parse_query(text: str, synonyms: dict[str, list[str]] | None = None) -> ParsedQuery:
    """Groups of weighted tokens for `text`. `synonyms` maps a normalised
    expression to the expressions staff declared equivalent."""
    parsed = ParsedQuery()
    text = normalize(text)[:MAX_QUERY_LENGTH]
    query_runs = runs(text)
    # The query as one sequence of (token, run number, character offset in run).
    sequence: list[str] = []
    origin: list[tuple[int, int]] = []
    for number, run in enumerate(query_runs):
        tokens = pairs(run.text) if run.is_cjk else [stem(run.text)]
        sequence.extend(tokens)
        origin.extend((number, offset) for offset in range(len(tokens)))
    taken = [False] * len(sequence)
    taken_characters: set[tuple[int, int]] = set()

    # Synonyms first, longest expression first: each found expression becomes
    # a group whose alternatives are its equivalents.
    expressions = sorted((synonyms or {}).items(), key=lambda item: -len(item[0]))
    for expression, equivalents in expressions:
        part = _sequence_tokens(expression)
        start = _find(sequence, part, taken) if part else -1
        if start < 0:
            continue
        for position in range(start, start + len(part)):
            taken[position] = True
            number, offset = origin[position]
            if query_runs[number].is_cjk:
                taken_characters.update({(number, offset), (number, offset + 1)})
        alternatives = [Alternative([(token, 1.0) for token in part])]
        for equivalent in equivalents:
            tokens = _sequence_tokens(equivalent)
            if tokens:
                alternatives.append(Alternative([(token, 1.0) for token in tokens], SYNONYM_FACTOR))
        parsed.groups.append(Group(alternatives))
        parsed.highlight_terms.extend([expression, *equivalents])
        # Stems too, so that "shipping" also marks "shipped".
        parsed.highlight_terms.extend(
            token for alternative in alternatives for token, _ in alternative.tokens if token.isascii()
        )

    words: list[str] = []  # consecutive words: each pair of them is a phrase
    position = 0
    for number, run in enumerate(query_runs):
        if run.is_cjk:
            run_pairs = pairs(run.text)
            tokens = [
                (token, token_weight(token)) for offset, token in enumerate(run_pairs) if not taken[position + offset]
            ]
            if len(run.text) > 1:
                tokens.extend(
                    (character, KANJI_WEIGHT)
                    for offset, character in enumerate(run.text)
                    if is_kanji(character) and (number, offset) not in taken_characters
                )
                if len(run_pairs) > 1:
                    parsed.phrases.append(tuple(run_pairs))
            if tokens:
                parsed.groups.append(Group([Alternative(tokens)]))
            parsed.highlight_terms.append(run.text)
            parsed.highlight_terms.extend(token for token, weight in tokens if weight >= 1 and len(token) > 1)
            position += len(run_pairs)
            words = []
        else:
            word = sequence[position]
            if not taken[position]:
                parsed.groups.append(Group([Alternative([(word, token_weight(word))])]))
                parsed.highlight_terms.extend({run.text, word})
            if words and (token_weight(words[-1]) or token_weight(word)):
                parsed.phrases.append((words[-1], word))
            words.append(word)
            position += 1

    if parsed.groups and not any(weight for group in parsed.groups for token, weight in group.alternatives[0].tokens):
        # Only common words ("how to"): search for them after all.
        for group in parsed.groups:
            for alternative in group.alternatives:
                alternative.tokens = [(token, 1.0) for token, _ in alternative.tokens]
    parsed.highlight_terms = list(dict.fromkeys(term for term in parsed.highlight_terms if term))
    return parsed


# --- Finding and ranking -----------------------------------------------------------------


@dataclass
class SearchOutcome:
    """Ranked tip ids, best first. `more` is true when the index held more
    matches than were ranked (the count shown is then a lower bound)."""

    ids: list[int]
    more: bool
    query: ParsedQuery


def _corpus() -> tuple[int, int]:
    """(number of published tips, highest tip id), cached. Neither is a scan:
    the number comes from the category counters the services keep, the
    highest id from the primary key. A tip published since is still found:
    the index is also read a little beyond the highest id (see
    qa.search.index.BUCKETS_AHEAD)."""
    corpus = cache.get(CORPUS_CACHE_KEY)
    if corpus is None:
        from django.db.models import Max

        from qa.models import Tip
        from qa.selectors import tip_count_published

        corpus = (tip_count_published(), Tip.objects.aggregate(newest=Max("id"))["newest"] or 0)
        cache.set(CORPUS_CACHE_KEY, corpus, CORPUS_CACHE_SECONDS)
    return corpus


def _document_frequencies(tokens: list[str]) -> dict[str, int]:
    keys = {token: FREQUENCY_CACHE_PREFIX + hashlib.sha1(token.encode()).hexdigest() for token in tokens}
    cached = cache.get_many(list(keys.values()))
    missing = [token for token in tokens if keys[token] not in cached]
    counted = index.document_frequencies(missing, cap=DOCUMENT_FREQUENCY_CAP, newest_id=_corpus()[1]) if missing else {}
    if counted:
        cache.set_many({keys[token]: count for token, count in counted.items()}, FREQUENCY_CACHE_SECONDS)
    return {token: cached[keys[token]] if keys[token] in cached else counted[token] for token in tokens}


def _inverse_document_frequencies(tokens: list[str]) -> tuple[dict[str, float], dict[str, int]]:
    """BM25's idf of each token, and the document frequencies it comes from."""
    frequencies = _document_frequencies(tokens)
    total = max([_corpus()[0], *frequencies.values()])
    # A token no tip contains weighs nothing: it can neither rank a tip nor
    # count against one (most are pairs across two words of a sentence).
    return {
        token: math.log(1 + (total - frequency + 0.5) / (frequency + 0.5)) if frequency else 0.0
        for token, frequency in frequencies.items()
    }, frequencies


def _important(alternative: Alternative) -> list[str]:
    tokens = [token for token, weight in alternative.tokens if weight >= 0.5]
    return tokens or [token for token, _ in alternative.tokens]


def _single_word(parsed: ParsedQuery) -> bool:
    """One group whose every wording is one token: a word and its synonyms."""
    return len(parsed.groups) == 1 and all(len(a.tokens) == 1 for a in parsed.groups[0].alternatives)


def _conditions(parsed: ParsedQuery, frequencies: dict[str, int]) -> list[tuple]:
    important = list(dict.fromkeys(t for g in parsed.groups for a in g.alternatives for t in _important(a)))
    every_group = ("all", [[_important(alternative) for alternative in group.alternatives] for group in parsed.groups])
    conditions = [(every_group, CANDIDATES_ALL_TOKENS), (("any", important, True), CANDIDATES_TITLE)]
    if not _single_word(parsed):  # (one word: the first condition already is "any of its forms")
        rare, occurrences = [], 0
        for token in sorted(important, key=lambda token: (frequencies.get(token, 0), token)):
            if rare and occurrences + frequencies.get(token, 0) > RARE_TOKENS_BUDGET:
                break
            rare.append(token)
            occurrences += frequencies.get(token, 0)
        conditions.append((("any", rare, False), CANDIDATES_RARE))
        # Tokens no tip contains (most pairs across two words of a sentence)
        # can match nothing: left out, they cost no index look-ups. (Not for
        # one word: a word first used by a tip published since its count was
        # cached must still find that tip.)
        conditions = [
            (present, limit)
            for condition, limit in conditions
            if (present := _present_only(condition, frequencies)) is not None
        ]
    return conditions


def _present_only(condition, frequencies: dict[str, int]) -> tuple | None:
    """`condition` without the tokens no tip contains, or None when it can no
    longer match anything."""
    if condition[0] == "all":
        groups = []
        for alternatives in condition[1]:
            kept = [tokens for tokens in alternatives if all(frequencies.get(token, 1) for token in tokens)]
            if not kept:
                return None
            groups.append(kept)
        return ("all", groups)
    _, tokens, title_only = condition
    kept = [token for token in tokens if frequencies.get(token, 1)]
    return ("any", kept, title_only) if kept else None


def search(text: str, synonyms: dict[str, list[str]] | None = None) -> SearchOutcome:
    """Rank the published tips for `text`."""
    parsed = parse_query(text, synonyms)
    tokens = parsed.tokens()
    if not tokens:
        return SearchOutcome([], False, parsed)
    idf, frequencies = _inverse_document_frequencies(tokens)
    if _single_word(parsed):
        # One word (and its synonyms): nothing to weigh it against.
        idf = dict.fromkeys(tokens, 1.0)
    conditions = _conditions(parsed, frequencies)
    rows, counts = index.candidates(
        conditions, newest_id=_corpus()[1], frequencies=frequencies, few=DOCUMENT_FREQUENCY_CAP
    )
    # Title matches are a subset of the rest: only the other kinds tell whether
    # the index held more matches than were read.
    more = any(
        count >= limit
        for count, (condition, limit) in zip(counts, conditions, strict=True)
        if not (condition[0] == "any" and condition[2])
    )
    # A query with words of full weight (会員, password, 注文) needs a tip that
    # has one of them: particles and inflections alone (ない, です) are no match.
    needs_word = any(weight >= 1 for group in parsed.groups for a in group.alternatives for _, weight in a.tokens)
    ranked = []
    score = Scorer(parsed, idf)
    for tip_id, title, body in rows:
        match = score(title, body)
        if (
            match.score > 0
            and match.coverage >= MIN_COVERAGE
            and match.token_coverage >= MIN_TOKEN_COVERAGE
            and (match.has_word or not needs_word)
        ):
            ranked.append((-match.score, -tip_id))
    ranked.sort()
    return SearchOutcome([-negative_id for _, negative_id in ranked], more, parsed)
