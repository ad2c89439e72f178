"""Selectors for the stored parts of public pages (qa.tip_pages): what a tip
page and the home page read when they are not in the page cache.

These are the site's hottest reads: every cold tip page makes the first, and
a burst of visitors from a post waits on it. They are written in SQL
(portable: SQLite and PostgreSQL) because building them with the ORM cost more
than running them: about 0.4 ms of query compilation each, as much as the
index look-ups themselves at 100,000 tips (bench/traffic_profile.py). Each is
an indexed read of a few rows whatever the data; tests/qa/test_query_plans.py
EXPLAINs them on PostgreSQL.
"""

from typing import NamedTuple

from django.db import connection
from django.db.models import OuterRef, Subquery

from qa.models import RelatedTip, Tip, TipPage

_PUBLISHED = Tip.Status.PUBLISHED.value
_TIP, _PAGE, _RELATED = Tip._meta.db_table, TipPage._meta.db_table, RelatedTip._meta.db_table

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

# A tip page's one query: its stored parts with the tip's fields (part 0), then
# its stored related list (part 1: tips in its language, published, most
# shared tags first, then newest), each with its stored card in the column of
# the head. One round trip instead of two; the list holds at most
# RELATED_LIMIT rows (qa.related).
_TIP_PAGE_SQL = f"""
SELECT 0 AS part, 0 AS shared_tags, NULL AS published_at, page.tip_id AS listed_id,
       page.fingerprint, page.head, page.top,
       tip.slug, tip.title, tip.language, tip.category_id, tip.helpful_yes, tip.helpful_no
FROM {_PAGE} page JOIN {_TIP} tip ON tip.id = page.tip_id
WHERE page.tip_id = %s AND page.language = %s AND tip.status = %s
UNION ALL
SELECT 1, entry.shared_tags, related.published_at, entry.related_id,
       NULL, {_CARD.format(tip_id="entry.related_id")}, NULL,
       NULL, NULL, NULL, NULL, NULL, NULL
FROM {_RELATED} entry
JOIN {_TIP} tip ON tip.id = entry.tip_id
JOIN {_TIP} related ON related.id = entry.related_id
WHERE entry.tip_id = %s AND related.status = %s AND related.language = tip.language
ORDER BY part, shared_tags DESC, published_at DESC, listed_id DESC
"""

_LATEST_SQL = f"""
SELECT tip.id, {_CARD.format(tip_id="tip.id")}
FROM {_TIP} tip
WHERE tip.status = %s {{language_filter}}
ORDER BY tip.published_at DESC, tip.id DESC
LIMIT %s
"""


def _rows(sql: str, params: list) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


class StoredTipPage(NamedTuple):
    # The stored parts and TIP_PAGE_FIELDS; None when the tip is not published, or
    # its row is missing or out of date (another fingerprint).
    page: dict | None
    # The stored related list as (tip id, stored card, or None when missing or out of date).
    related: list[tuple[int, str | None]]


def tip_page_stored(*, pk: int, language: str, fingerprint: str) -> StoredTipPage:
    """A published tip's stored page parts in the UI language `language`, with
    the fields of the tip the page reads per request (TIP_PAGE_FIELDS), and its
    stored related tips' cards: one query, a look-up of the unique (tip,
    language) index and of the tip's stored list."""
    if pk >= 2**63:
        # No such id (a 64-bit column); SQLite would raise OverflowError on the
        # look-up. tip_get_published then answers 404.
        return StoredTipPage(None, [])
    card_params = [language, fingerprint]
    rows = _rows(_TIP_PAGE_SQL, [pk, language, _PUBLISHED, *card_params, pk, _PUBLISHED])
    page = None
    if rows and rows[0][0] == 0 and rows[0][4] == fingerprint:
        _part, _shared, _published, _pk, stored_fingerprint, head, top, *fields = rows[0]
        tip_fields = dict(zip(TIP_PAGE_FIELDS, fields, strict=True))
        page = {"fingerprint": stored_fingerprint, "head": head, "top": top, **tip_fields}
    return StoredTipPage(page, [(row[3], row[5]) for row in rows if row[0] == 1])


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
