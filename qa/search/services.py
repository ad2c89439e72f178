"""Changes to search's own data: the synonym table and the record of searches
that found nothing. Tips themselves are indexed by the database, from columns
qa.services fills (see qa.search.index)."""

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from qa import page_cache
from qa.search.models import SearchMiss, SearchSynonym
from qa.search.synonyms import synonym_cache_clear
from qa.search.text import normalize

SEARCH_MISS_MAX_LENGTH = SearchMiss._meta.get_field("query").max_length


@transaction.atomic
def search_synonym_save(*, synonym: SearchSynonym) -> SearchSynonym:
    synonym.full_clean()
    synonym.save()
    transaction.on_commit(synonym_cache_clear)
    page_cache.invalidate_all()  # search pages are cached too
    return synonym


@transaction.atomic
def search_synonym_delete(*, synonyms) -> None:
    SearchSynonym.objects.filter(pk__in=[synonym.pk for synonym in synonyms]).delete()
    transaction.on_commit(synonym_cache_clear)
    page_cache.invalidate_all()


def search_miss_key(query: str) -> str:
    """What a search that found nothing is recorded under: normalised and cut."""
    return " ".join(normalize(query).split())[:SEARCH_MISS_MAX_LENGTH]


def search_miss_record(*, query: str) -> None:
    """Count one search that found nothing. One UPDATE in the common case (an
    INSERT the first time), so a bot hammering the page costs little; the
    query is normalised and cut, so the table holds no more than what people
    typed, and nothing about who typed it."""
    query = search_miss_key(query)
    if not query:
        return
    now = timezone.now()
    if SearchMiss.objects.filter(query=query).update(count=F("count") + 1, last_seen=now):
        return
    try:
        with transaction.atomic():
            SearchMiss.objects.create(query=query, first_seen=now, last_seen=now)
    except IntegrityError:  # someone else recorded it first
        SearchMiss.objects.filter(query=query).update(count=F("count") + 1, last_seen=now)
