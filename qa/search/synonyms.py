"""The synonym table, as the engine reads it: a cached map from each
normalised expression to its equivalents."""

from django.core.cache import cache

from qa.search.text import normalize

CACHE_KEY = "qa:search:synonyms"
CACHE_SECONDS = 600


def synonym_map() -> dict[str, list[str]]:
    """{expression: [equivalent, …]} for every expression staff entered.
    Cached; qa.search.services clears the cache when staff change the table."""
    mapping = cache.get(CACHE_KEY)
    if mapping is None:
        from qa.models import SearchSynonym

        mapping = build_synonym_map(synonym.term_list() for synonym in SearchSynonym.objects.all())
        cache.set(CACHE_KEY, mapping, CACHE_SECONDS)
    return mapping


def build_synonym_map(groups) -> dict[str, list[str]]:
    mapping: dict[str, list[str]] = {}
    for group in groups:
        expressions = list(dict.fromkeys(" ".join(normalize(term).split()) for term in group))
        for expression in expressions:
            others = mapping.setdefault(expression, [])
            others.extend(other for other in expressions if other != expression and other not in others)
    return mapping


def synonym_cache_clear() -> None:
    cache.delete(CACHE_KEY)
