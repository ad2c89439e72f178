"""Reads for conversations: the history staff read before replying."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from qa.models import Question


def conversation_earlier(*, question: Question, limit: int = 20) -> QuerySet[Question]:
    """The same customer's other conversations, newest first (seed 001: read
    the history before replying; never send the same guidance twice). A
    customer is their site account and every network identity linked to it,
    so a web question and a mention on X by the same person meet here."""
    people = Q()
    if question.person_id is not None:
        people |= Q(person_id=question.person_id)
    user_id = question.asker_id or (question.person.user_id if question.person_id else None)
    if user_id is not None:
        people |= Q(asker_id=user_id) | Q(person__user_id=user_id)
    if not people:
        return Question.objects.none()
    return (
        Question.objects.filter(people)
        .exclude(pk=question.pk)
        .select_related("person", "asker")
        .order_by("-created_at")[:limit]
    )
