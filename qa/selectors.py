"""Selectors: every read of questions and tips for the public site.

Query counts are controlled here (select_related / prefetch_related), so that
each page runs a fixed number of queries however many rows exist.
"""

from django.contrib.contenttypes.models import ContentType
from django.db.models import (
    Count,
    Exists,
    Max,
    Min,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Sum,
)
from django.http import Http404
from taggit.models import Tag, TaggedItem

from qa import page_selectors
from qa.content_language import language_codes
from qa.models import TIP_TAG_LIST_ATTRIBUTE, Category, Message, Question, Tip, TipVote
from qa.search import engine as search_engine
from qa.search.synonyms import synonym_map


def tip_list_published(*, language: str | None = None) -> QuerySet[Tip]:
    """Published tips, newest first, in `language` (None: every language)."""
    tips = Tip.objects.published().select_related("category").prefetch_related(_TAG_LIST)
    return tips if language is None else tips.filter(language=language)


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


def tip_cards(*, language: str | None = None) -> QuerySet[Tip]:
    """Published tips (in `language`) with what a tip card shows (qa.templatetags.public_tags.tip_card)."""
    return tip_list_published(language=language).defer(*_NOT_ON_CARDS)


def tip_count_published(*, language: str | None = None) -> int:
    """How many tips are published (in `language`), from the category counters
    (plus the few tips without a category, an indexed count): never a count
    of every tip."""
    if language is None:
        in_categories = Category.objects.aggregate(total=Sum("published_tip_count"))["total"] or 0
    else:
        in_categories = sum(
            counts.get(language, 0) for counts in Category.objects.values_list("published_tip_counts", flat=True)
        )
    uncategorised = Tip.objects.published().filter(category__isnull=True)
    if language is not None:
        uncategorised = uncategorised.filter(language=language)
    return in_categories + uncategorised.count()


def tip_language_shown(
    *, visitor_language: str, all_languages: bool, categories: list[Category] | None = None
) -> str | None:
    """The tip language public lists show this visitor: theirs, or None (every
    language) when they asked for all, or when no tip is in their language
    yet (a site whose tips are all Japanese shows them to English visitors
    rather than nothing). `categories`: every category, when the page has
    read them already (the home page), so that they are not read twice."""
    if all_languages or visitor_language not in language_codes():
        return None
    if categories is None:
        counts_per_category = Category.objects.values_list("published_tip_counts", flat=True)
    else:
        counts_per_category = [category.published_tip_counts for category in categories]
    in_categories = any(counts.get(visitor_language) for counts in counts_per_category)
    if in_categories or Tip.objects.published().filter(category__isnull=True, language=visitor_language).exists():
        return visitor_language
    return None


def tip_get_published(*, pk: int) -> Tip:
    """A published tip with its category and tags, or 404: drafts and
    unpublished tips do not exist publicly."""
    tips = tip_list_published()
    try:
        return tips.defer(*_NEVER_SHOWN).get(pk=pk)
    except Tip.DoesNotExist:
        raise Http404("No such tip") from None


def tip_vote_of(*, tip: Tip, voter_key: str) -> bool | None:
    """How this voter answered "was this helpful?" on the tip, or None."""
    return TipVote.objects.filter(tip=tip, voter_key=voter_key).values_list("helpful", flat=True).first()


def tip_list_for_category(*, category: Category, cards: bool = False, language: str | None = None) -> QuerySet[Tip]:
    tips = tip_cards(language=language) if cards else tip_list_published(language=language)
    return tips.filter(category=category)


def tip_list_for_tag(*, tag: Tag, language: str | None = None) -> QuerySet[Tip]:
    """Published tips with this tag, newest first, for tip cards."""
    return tip_cards(language=language).filter(tags=tag)


def tag_list_in_use(*, id_range: tuple[int, int]) -> QuerySet[Tag]:
    """Tags with ids in `id_range` (inclusive) of at least one published tip
    (the sitemap), in id order: a range of the tags' primary key, and for
    each tag an indexed look-up of its tagged items."""
    tagged_published = TaggedItem.objects.filter(
        tag_id=OuterRef("pk"),
        content_type=ContentType.objects.get_for_model(Tip),
        object_id__in=Tip.objects.published().values("pk"),
    )
    first, last = id_range
    return (
        Tag.objects.filter(pk__gte=first, pk__lte=last).filter(Exists(tagged_published)).exclude(slug="").order_by("pk")
    )


def tag_newest_id() -> int:
    """The highest tag id (0 without tags): one step down the primary key's index."""
    return Tag.objects.aggregate(newest=Max("pk"))["newest"] or 0


def tag_get(*, slug: str) -> Tag:
    """A tag by slug, or 404."""
    try:
        return Tag.objects.get(slug=slug)
    except Tag.DoesNotExist:
        raise Http404("No such tag") from None


class TipSearchResults:
    """Published tips ranked for a query, best first: what the Paginator and
    the templates need (count, slices, iteration), read through the index.

    `terms` are the normalised strings to highlight; `more` is true when the
    index held more matches than were ranked (the count is then a lower bound);
    `language` is the tip language the results are limited to (None: every
    language).
    """

    def __init__(
        self,
        *,
        ids: list[int],
        terms: list[str],
        more: bool,
        tips: QuerySet[Tip] | None = None,
        language: str | None = None,
    ):
        self.ids = ids
        self.terms = terms
        self.more = more
        self.language = language
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


def tip_search(
    *, query: str, limit: int | None = None, tips: QuerySet[Tip] | None = None, language: str | None = None
) -> TipSearchResults:
    """Published tips for `query`, best first (qa.search.engine: the index
    finds the candidates, BM25-style scoring ranks them, synonyms apply). The
    same engine serves the search page and the ask form's suggestions.
    `tips` is the queryset the results are read from (the default brings
    category and tags, for tip cards).

    `language`: the tips in it first, and only them when there are any; when
    none matches, the results in every language (results.language is then
    None): "返品" typed on the English page still finds the Japanese tips."""
    outcome = search_engine.search(query, synonym_map())
    ids = outcome.ids
    if language is not None and ids:
        # One primary-key lookup of the ranked candidates (as many as the engine ranked).
        in_language = set(Tip.objects.filter(pk__in=ids, language=language).values_list("pk", flat=True))
        if in_language:
            ids = [pk for pk in ids if pk in in_language]
        else:
            language = None
    return TipSearchResults(
        ids=ids[:limit], terms=outcome.query.highlight_terms, more=outcome.more, tips=tips, language=language
    )


def category_list(
    *, with_tips_only: bool = False, language: str | None = None, categories: list[Category] | None = None
) -> list[Category]:
    """Categories with their number of published tips (`tip_count`) in
    `language` (None: in every language), counters the services keep: nothing
    is counted here. Categories are few, so the language's count is read from
    each row's stored counts. `categories`: every category, already read."""
    categories = page_selectors.category_list_all() if categories is None else list(categories)
    for category in categories:
        category.tip_count = category.tip_count_in(language)
    if with_tips_only:
        categories = [category for category in categories if category.tip_count]
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
        .exclude(status=Question.Status.CLOSED, close_reason=Question.CloseReason.SPAM)
        .select_related("category")
        .prefetch_related(
            Prefetch(
                "messages",
                queryset=Message.objects.visible_to_customer().select_related("author").prefetch_related("attachments"),
            )
        )
        .order_by("-created_at")
    )


def question_get_for_user(*, user, pk: int) -> Question:
    """One of the user's own questions, or 404 for anyone else's."""
    try:
        return question_list_for_user(user=user).get(pk=pk)
    except Question.DoesNotExist:
        raise Http404("No such question") from None


def question_inbox_counts() -> dict:
    """The staff dashboard's inbox numbers, in one query: conversations
    waiting on us, those of them nobody is assigned to, and since when the
    longest-waiting one has waited (None when none waits)."""
    # Filtered first, so that the index on (status, waiting_since) reads only what waits.
    return Question.objects.filter(status__in=[Question.Status.NEW, Question.Status.WAITING_US]).aggregate(
        waiting=Count("pk"),
        unassigned=Count("pk", filter=Q(assignee__isnull=True)),
        oldest_waiting_since=Min("waiting_since"),
    )


def tip_suggest(*, text: str, limit: int = 5) -> TipSearchResults:
    """Published tips similar to a question title being typed: the first
    `limit` results of tip_search, which copes with whole sentences."""
    return tip_search(query=text, limit=limit, tips=Tip.objects.published())


def tip_share_image_is_public(*, pk: int, name: str) -> bool:
    """Whether `name` is the share image of a published tip (drafts' images are not served)."""
    return Tip.objects.published().filter(pk=pk, share_image=name).exists()


# --- Attachments ----------------------------------------------------------------------------------


def user_sees_every_conversation(user) -> bool:
    """Staff who may read conversations (the admin's view permission); the asker sees their own only."""
    return user.is_active and user.is_staff and user.has_perm("qa.view_question")


def attachment_get_for_user(*, user, pk: int):
    """An image attached to a message the user may see, or 404: the asker's own
    conversation (never a staff note's), or any for staff who read conversations."""
    from qa.models import Message, MessageAttachment

    attachments = MessageAttachment.objects.select_related("message__question")
    if not user_sees_every_conversation(user):
        attachments = attachments.filter(message__question__asker=user).exclude(message__kind=Message.Kind.NOTE)
    try:
        return attachments.get(pk=pk)
    except MessageAttachment.DoesNotExist:
        raise Http404("No such attachment") from None
