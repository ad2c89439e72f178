"""Selectors: every read of questions and tips for the public site.

Query counts are controlled here (select_related / prefetch_related), so that
each page runs a fixed number of queries however many rows exist.
"""

import re

from django.db.models import Case, Count, IntegerField, Prefetch, Q, QuerySet, Value, When
from django.http import Http404

from qa.models import Answer, Category, Question, Tip
from qa.search import query_terms


def tip_list_published() -> QuerySet[Tip]:
    return Tip.objects.published().select_related("category").prefetch_related("tags")


def tip_get_published(*, pk: int) -> Tip:
    """A published tip, or 404: drafts and unpublished tips do not exist publicly."""
    try:
        return tip_list_published().get(pk=pk)
    except Tip.DoesNotExist:
        raise Http404("No such tip") from None


def tip_list_latest(*, limit: int = 10) -> list[Tip]:
    """The newest published tips, for the home page."""
    return list(tip_list_published()[:limit])


def tip_list_for_category(*, category: Category) -> QuerySet[Tip]:
    return tip_list_published().filter(category=category)


def tip_search(*, query: str) -> QuerySet[Tip]:
    """Published tips containing every term of `query`, best first.

    Each term must appear in the title or body (substring match on normalised
    text, see qa.search). The score counts title hits 3 and body hits 1 per
    term; ties go to the newest tip.
    """
    terms = query_terms(query)
    if not terms:
        return tip_list_published().none()
    matches = Q()
    score = Value(0)
    for term in terms:
        matches &= Q(search_title__contains=term) | Q(search_body__contains=term)
        score = (
            score
            + Case(When(search_title__contains=term, then=Value(3)), default=Value(0), output_field=IntegerField())
            + Case(When(search_body__contains=term, then=Value(1)), default=Value(0), output_field=IntegerField())
        )
    return tip_list_published().filter(matches).annotate(score=score).order_by("-score", "-published_at", "-id")


def tip_related(*, tip: Tip, limit: int = 5) -> list[Tip]:
    """Up to `limit` published tips that share tags with `tip` (most shared
    first), then same-category tips, newest first.

    Ranking runs on ids alone (GROUP BY id), and only the winners' full rows
    are fetched: a DISTINCT over whole rows, text columns included, was three
    times slower with 10,000 tips. Three queries, whatever the data."""
    tag_ids = [tag.pk for tag in tip.tags.all()]
    shared = Q(tags__in=tag_ids) if tag_ids else Q(pk__in=[])
    same_category = Q(category_id=tip.category_id) if tip.category_id else Q(pk__in=[])
    ranked_ids = list(
        Tip.objects.published()
        .exclude(pk=tip.pk)
        .filter(shared | same_category)
        .values("pk")
        .annotate(shared_tags=Count("tags", filter=Q(tags__in=tag_ids)) if tag_ids else Value(0))
        .order_by("-shared_tags", "-published_at", "-id")
        .values_list("pk", flat=True)[:limit]
    )
    tips_by_id = tip_list_published().in_bulk(ranked_ids)
    return [tips_by_id[pk] for pk in ranked_ids]


def category_list(*, with_tips_only: bool = False) -> QuerySet[Category]:
    """Categories with their number of published tips (`tip_count`)."""
    categories = Category.objects.annotate(
        tip_count=Count("tips", filter=Q(tips__status=Tip.Status.PUBLISHED))
    ).order_by("order", "name")
    if with_tips_only:
        categories = categories.filter(tip_count__gt=0)
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


# Han, hiragana, katakana (and the prolonged-sound mark): scripts written without spaces.
_CJK_RUN = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uf900-\ufaff]{3,}")
MAX_SUGGEST_KEYS = 16


def _suggest_keys(text: str) -> list[str]:
    """Search keys for a sentence being typed: its terms, with each run of
    Japanese longer than two characters split into overlapping pairs, since a
    Japanese sentence has no spaces to split on."""
    keys: list[str] = []
    for term in query_terms(text):
        pieces = [term]
        if _CJK_RUN.search(term):
            pieces = [term[i : i + 2] for i in range(len(term) - 1)]
        keys.extend(piece for piece in pieces if piece not in keys)
    return keys[:MAX_SUGGEST_KEYS]


def tip_suggest(*, text: str, limit: int = 5) -> list[Tip]:
    """Published tips similar to a question title being typed, best first.

    tip_search (every term must match) is tried first. A full sentence such as
    沖縄への送料はいくらですか rarely matches whole, so the fallback ranks tips
    by how many of its keys (words, or pairs of Japanese characters) they
    contain, and keeps those that contain at least a third of them.
    """
    exact = list(tip_search(query=text)[:limit])
    keys = _suggest_keys(text)
    if exact or len(keys) < 2:
        return exact
    matched = Value(0)
    score = Value(0)
    for key in keys:
        in_title = Q(search_title__contains=key)
        in_any = in_title | Q(search_body__contains=key)
        matched = matched + Case(When(in_any, then=Value(1)), default=Value(0), output_field=IntegerField())
        score = score + Case(When(in_title, then=Value(2)), default=Value(0), output_field=IntegerField())
    needed = max(2, -(-len(keys) // 3))  # ceil(len / 3)
    return list(
        tip_list_published()
        .annotate(matched=matched, score=matched + score)
        .filter(matched__gte=needed)
        .order_by("-score", "-published_at", "-id")[:limit]
    )


def tip_share_image_is_public(*, pk: int, name: str) -> bool:
    """Whether `name` is the share image of a published tip (drafts' images are not served)."""
    return Tip.objects.published().filter(pk=pk, share_image=name).exists()
