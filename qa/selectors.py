"""Selectors: every read of questions and tips for the public site.

Query counts are controlled here (select_related / prefetch_related), so that
each page runs a fixed number of queries however many rows exist.
"""

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
    """Up to `limit` published tips that share tags with `tip`, then same-category
    tips, newest first. Two queries at most, whatever the data."""
    tag_ids = [tag.pk for tag in tip.tags.all()]
    candidates = tip_list_published().exclude(pk=tip.pk)
    shared = Q(tags__in=tag_ids) if tag_ids else Q(pk__in=[])
    same_category = Q(category_id=tip.category_id) if tip.category_id else Q(pk__in=[])
    related = (
        candidates.filter(shared | same_category)
        .annotate(shared_tags=Count("tags", filter=Q(tags__in=tag_ids)) if tag_ids else Value(0))
        .order_by("-shared_tags", "-published_at", "-id")
        .distinct()[:limit]
    )
    return list(related)


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
