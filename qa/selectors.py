"""Selectors: every read of questions and tips for the public site.

Query counts are controlled here (select_related / prefetch_related), so that
each page runs a fixed number of queries however many rows exist.
"""

from django.db.models import Count, F, Min, Prefetch, Q, QuerySet, Sum, prefetch_related_objects
from django.http import Http404

from qa.models import TIP_TAG_LIST_ATTRIBUTE, Answer, Category, Question, RelatedTip, Tip, TipVote
from qa.search import engine as search_engine
from qa.search.synonyms import synonym_map


def tip_list_published() -> QuerySet[Tip]:
    return Tip.objects.published().select_related("category").prefetch_related(_TAG_LIST)


# Tags as a plain list (Tip.tag_list): reading `tip.tags.all` in a template
# builds a new taggit manager and queryset for each tip even when prefetched.
# (taggit's manager takes no custom queryset: Tip.tag_list sorts them.)
_TAG_LIST = Prefetch("tags", to_attr=TIP_TAG_LIST_ATTRIBUTE)


# What no public page shows: the Markdown sources (pages show the stored HTML
# and text) and the search index's token columns, which can be longer than the
# answer itself.
_NEVER_SHOWN = ("question_text", "answer_text", "search_title", "search_body")
# A tip card (lists, home, related tips) shows the title, excerpt, date,
# category and tags; the rest of a tip's text is most of its row.
_NOT_ON_CARDS = (*_NEVER_SHOWN, "question_html", "answer_html", "question_plain", "answer_plain")


def tip_cards() -> QuerySet[Tip]:
    """Published tips with what a tip card shows (templates/includes/tip_card.html)."""
    return tip_list_published().defer(*_NOT_ON_CARDS)


def tip_count_published() -> int:
    """How many tips are published, from the category counters (plus the few
    tips without a category, an indexed count): never a count of every tip."""
    in_categories = Category.objects.aggregate(total=Sum("published_tip_count"))["total"] or 0
    return in_categories + Tip.objects.published().filter(category__isnull=True).count()


def tip_get_published(*, pk: int) -> Tip:
    """A published tip, or 404: drafts and unpublished tips do not exist publicly."""
    try:
        return tip_list_published().defer(*_NEVER_SHOWN).get(pk=pk)
    except Tip.DoesNotExist:
        raise Http404("No such tip") from None


def tip_vote_of(*, tip: Tip, voter_key: str) -> bool | None:
    """How this voter answered "was this helpful?" on the tip, or None."""
    return TipVote.objects.filter(tip=tip, voter_key=voter_key).values_list("helpful", flat=True).first()


def tip_list_latest(*, limit: int = 10) -> list[Tip]:
    """The newest published tips, for the home page."""
    return list(tip_cards()[:limit])


def tip_list_for_category(*, category: Category, cards: bool = False) -> QuerySet[Tip]:
    return (tip_cards() if cards else tip_list_published()).filter(category=category)


class TipSearchResults:
    """Published tips ranked for a query, best first: what the Paginator and
    the templates need (count, slices, iteration), read through the index.

    `terms` are the normalised strings to highlight; `more` is true when the
    index held more matches than were ranked (the count is then a lower bound).
    """

    def __init__(self, *, ids: list[int], terms: list[str], more: bool, tips: QuerySet[Tip] | None = None):
        self.ids = ids
        self.terms = terms
        self.more = more
        self._tips = tips if tips is not None else tip_list_published()

    def count(self) -> int:
        return len(self.ids)

    __len__ = count

    def exists(self) -> bool:
        return bool(self.ids)

    def __getitem__(self, key):
        if isinstance(key, int):
            return self[key : key + 1][0]
        ids = self.ids[key]
        tips = self._tips.in_bulk(ids)
        return [tips[pk] for pk in ids if pk in tips]

    def __iter__(self):
        return iter(self[:])


def tip_search(*, query: str, limit: int | None = None, tips: QuerySet[Tip] | None = None) -> TipSearchResults:
    """Published tips for `query`, best first (qa.search.engine: the index
    finds the candidates, BM25-style scoring ranks them, synonyms apply). The
    same engine serves the search page and the ask form's suggestions.
    `tips` is the queryset the results are read from (the default brings
    category and tags, for tip cards)."""
    outcome = search_engine.search(query, synonym_map())
    return TipSearchResults(ids=outcome.ids[:limit], terms=outcome.query.highlight_terms, more=outcome.more, tips=tips)


def tip_related(*, tip: Tip, limit: int = 5) -> list[Tip]:
    """Up to `limit` published tips related to `tip`: its stored list (tips
    sharing its tags, most shared first, kept by qa.related), then the newest
    tips of its category. Indexed reads of a few rows, whatever the data:
    the stored list by tip, the category by (category, status, published_at)."""
    entries = (
        RelatedTip.objects.filter(tip=tip, related__status=Tip.Status.PUBLISHED)
        .select_related("related__category")
        .defer(*(f"related__{name}" for name in _NOT_ON_CARDS))
        .order_by("-shared_tags", "-related__published_at", "-related_id")[:limit]
    )
    related = [entry.related for entry in entries]
    if len(related) < limit and tip.category_id:
        related += (
            tip_cards()
            .filter(category_id=tip.category_id)
            .exclude(pk__in=[tip.pk, *(other.pk for other in related)])
            .order_by("-published_at", "-id")[: limit - len(related)]
        )
    prefetch_related_objects(related, _TAG_LIST)
    return related


def category_list(*, with_tips_only: bool = False) -> QuerySet[Category]:
    """Categories with their number of published tips (`tip_count`), a counter
    the services keep: nothing is counted here."""
    categories = Category.objects.annotate(tip_count=F("published_tip_count")).order_by("order", "name")
    if with_tips_only:
        categories = categories.filter(published_tip_count__gt=0)
    return categories


def category_get(*, slug: str) -> Category:
    """A category by slug, or 404."""
    try:
        return Category.objects.get(slug=slug)
    except Category.DoesNotExist:
        raise Http404("No such category") from None


def question_list_for_user(*, user) -> QuerySet[Question]:
    """The user's own questions with every answer, private ones included."""
    return (
        Question.objects.filter(asker=user)
        .exclude(status=Question.Status.SPAM)
        .select_related("category")
        .prefetch_related(Prefetch("answers", queryset=Answer.objects.select_related("author")))
        .order_by("-created_at")
    )


def question_get_for_user(*, user, pk: int) -> Question:
    """One of the user's own questions, or 404 for anyone else's."""
    try:
        return question_list_for_user(user=user).get(pk=pk)
    except Question.DoesNotExist:
        raise Http404("No such question") from None


def question_inbox_counts() -> dict:
    """The staff dashboard's inbox numbers, in one query: questions waiting
    for an answer, those of them nobody is assigned to, and when the oldest
    waiting one was asked (None when none waits)."""
    waiting = Q(status=Question.Status.NEW)
    return Question.objects.aggregate(
        waiting=Count("pk", filter=waiting),
        unassigned=Count("pk", filter=waiting & Q(assignee__isnull=True)),
        oldest_waiting_since=Min("created_at", filter=waiting),
    )


def tip_suggest(*, text: str, limit: int = 5) -> TipSearchResults:
    """Published tips similar to a question title being typed: the first
    `limit` results of tip_search, which copes with whole sentences."""
    return tip_search(query=text, limit=limit, tips=Tip.objects.published())


def tip_share_image_is_public(*, pk: int, name: str) -> bool:
    """Whether `name` is the share image of a published tip (drafts' images are not served)."""
    return Tip.objects.published().filter(pk=pk, share_image=name).exists()
