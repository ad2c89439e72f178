"""Selectors for the stored parts of public pages (qa.tip_pages): what a tip
page and the home page read when they are not in the page cache.

These are the site's hottest reads: every cold tip page makes
tip_page_stored and tip_related_cards, every cold home page the other three,
and a burst of visitors from a post waits on them. They are written in SQL
(portable: SQLite and PostgreSQL) because building them with the ORM cost more
than running them: about 0.4 ms of query compilation each, more than the index
look-ups themselves at 100,000 tips (bench/traffic_profile.py); on PostgreSQL,
prepared statements spare planning them too (supportsite.settings.core). Each
is an indexed read of a few rows whatever the data; tests/qa/test_query_plans.py
EXPLAINs them on PostgreSQL. (One query for the tip page's two, a UNION, was
tried: PostgreSQL took longer to plan it than the two together, 0.58 ms
against 0.38 ms.)
"""

import copy

from django.db import connection
from django.db.models import OuterRef, Subquery

from qa import page_cache
from qa.models import Category, RelatedTip, Tip, TipPage

_PUBLISHED = Tip.Status.PUBLISHED.value
_TIP, _PAGE, _RELATED = Tip._meta.db_table, TipPage._meta.db_table, RelatedTip._meta.db_table
_CATEGORY = Category._meta.db_table

# What a tip page reads of its tip besides the stored parts, under the names a
# values() query would give them (qa.tip_pages builds the same dict when it
# renders a missing row).
TIP_PAGE_FIELDS = (
    "tip__slug",
    "tip__title",
    "tip__language",
    "tip__category_id",
    "tip__helpful_yes",
    "tip__helpful_no",
)
# The stored card of each tip listed, in one UI language and current (another
# fingerprint: NULL, the caller renders it). (tip, language) is unique: one row
# at most. A subquery, not a join: it runs for the rows the LIMIT keeps only,
# where a join may read every card to join them first.
_CARD = f"(SELECT card FROM {_PAGE} WHERE tip_id = {{tip_id}} AND language = %s AND fingerprint = %s)"

_PAGE_ROW_SQL = f"""
SELECT page.fingerprint, page.head, page.top,
       tip.slug, tip.title, tip.language, tip.category_id, tip.helpful_yes, tip.helpful_no
FROM {_PAGE} page JOIN {_TIP} tip ON tip.id = page.tip_id
WHERE page.tip_id = %s AND page.language = %s AND tip.status = %s
"""

_RELATED_SQL = f"""
SELECT entry.related_id, {_CARD.format(tip_id="entry.related_id")}
FROM {_RELATED} entry
JOIN {_TIP} related ON related.id = entry.related_id
WHERE entry.tip_id = %s AND related.status = %s AND related.language = %s
ORDER BY entry.shared_tags DESC, related.published_at DESC, entry.related_id DESC
LIMIT %s
"""

_LATEST_SQL = f"""
SELECT tip.id, {_CARD.format(tip_id="tip.id")}
FROM {_TIP} tip
WHERE tip.status = %s {{language_filter}}
ORDER BY tip.published_at DESC, tip.id DESC
LIMIT %s
"""


# The home page's other two reads, as model instances (Model.objects.raw: no
# query to compile). "order" is an SQL keyword, quoted the standard way.
_CATEGORIES_SQL = f'SELECT * FROM {_CATEGORY} ORDER BY "order", name, id'
_POPULAR_SQL = f"""
SELECT id, slug, title, language, helpful_yes
FROM {_TIP}
WHERE status = %s AND helpful_yes > 0 {{language_filter}}
ORDER BY helpful_yes DESC, published_at DESC
LIMIT %s
"""


def _rows(sql: str, params: list) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def tip_page_stored(*, pk: int, language: str, fingerprint: str) -> dict | None:
    """A published tip's stored page parts in the UI language `language`, with
    the fields of the tip the page reads per request (TIP_PAGE_FIELDS): one
    look-up of the unique (tip, language) index. None when the tip is not
    published, or its row is missing or out of date (another fingerprint)."""
    if pk >= 2**63:
        # No such id (a 64-bit column); SQLite would raise OverflowError on the
        # look-up. tip_get_published then answers 404.
        return None
    rows = _rows(_PAGE_ROW_SQL, [pk, language, _PUBLISHED])
    if not rows or rows[0][0] != fingerprint:
        return None
    stored_fingerprint, head, top, *fields = rows[0]
    tip_fields = dict(zip(TIP_PAGE_FIELDS, fields, strict=True))
    return {"fingerprint": stored_fingerprint, "head": head, "top": top, **tip_fields}


def tip_related_cards(
    *, pk: int, tip_language: str, language: str, fingerprint: str, limit: int
) -> list[tuple[int, str | None]]:
    """Tip `pk`'s stored related list (tips sharing its tags, most shared
    first, then newest, in its language and published) as (id, stored card in
    `language`, or None when it is missing or out of date): indexed reads of
    a few rows, the list by tip and each card by the unique (tip, language)."""
    return _rows(_RELATED_SQL, [language, fingerprint, pk, _PUBLISHED, tip_language, limit])


def tip_latest_cards(
    *, limit: int, tip_language: str | None, language: str, fingerprint: str
) -> list[tuple[int, str | None]]:
    """The newest published tips (in `tip_language`, None: every language) as
    (id, stored card in the UI language `language`, or None): the home page."""
    params = [language, fingerprint, _PUBLISHED]
    language_filter = ""
    if tip_language is not None:
        language_filter = "AND tip.language = %s"
        params.append(tip_language)
    return _rows(_LATEST_SQL.format(language_filter=language_filter), [*params, limit])


def tip_category_cards(
    *, category_id: int, tip_language: str, exclude: list[int], language: str, fingerprint: str, limit: int
) -> list[tuple[int, str | None]]:
    """The newest published tips of a category in `tip_language`, but those in
    `exclude`, as (id, stored card or None): what fills a tip's related tips
    when its stored list is short (a tip with few or rare tags). An indexed
    read of (category, language, status, published_at); rare enough for the ORM."""
    stored_card = TipPage.objects.filter(tip_id=OuterRef("pk"), language=language, fingerprint=fingerprint)
    return list(
        Tip.objects.published()
        .filter(category_id=category_id, language=tip_language)
        .exclude(pk__in=exclude)
        .order_by("-published_at", "-id")
        .values_list("pk", Subquery(stored_card.values("card")[:1]))[:limit]
    )


# Categories are few, and they and their counts change only with every public
# page's version (the services and the admin's signals bump it: qa.page_cache.
# invalidate_all): each process keeps them under that version, so the home page
# reads them without a query while nothing changed.
_categories_kept: tuple[str, list[Category]] | None = None


def category_list_all() -> list[Category]:
    """Every category in its display order (Category.Meta.ordering). Copies:
    callers set attributes on them (selectors.category_list's `tip_count`)."""
    global _categories_kept
    version = page_cache.all_pages_version()
    kept = _categories_kept
    if kept is None or kept[0] != version:
        kept = _categories_kept = (version, list(Category.objects.raw(_CATEGORIES_SQL)))
    return [copy.copy(category) for category in kept[1]]


def tip_list_popular(*, limit: int = 5, language: str | None = None) -> list[Tip]:
    """The published tips most people found helpful (the stored vote count,
    read through an index), for the home page's list of links (title and
    count). Tips nobody voted for are left out: they would only repeat the
    latest tips. Only the fields the list shows are read."""
    params: list = [_PUBLISHED]
    language_filter = ""
    if language is not None:
        language_filter = "AND language = %s"
        params.append(language)
    return list(Tip.objects.raw(_POPULAR_SQL.format(language_filter=language_filter), [*params, limit]))
