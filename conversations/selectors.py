"""Reads for conversations: what waits in the staff inbox, one conversation's
history, the same customer's other conversations (the history staff read
before replying), and whether the team is on duty.

The inbox list itself is the admin changelist of qa.Question (qa/admin/questions.py);
these are the reads it and the conversation page share.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Q, QuerySet
from django.utils import timezone

from conversations import support_hours
from conversations.support_hours import SupportStatus
from qa.conversation_models import inbox_rank
from qa.models import Message, Question

Status = Question.Status

# Waiting on staff: a new conversation, or one the customer wrote to again.
WAITING_ON_US = (Status.NEW, Status.WAITING_US)

# Oldest waiting first: what waits on us (new or written to again) before the
# rest, each group by how long it has been in its state. The index
# question_inbox_order holds exactly these keys.
INBOX_ORDERING = [inbox_rank().asc(), "waiting_since", "id"]


def inbox_waiting_count() -> int:
    """The number of conversations waiting on staff (the sidebar's badge)."""
    return Question.objects.filter(status__in=WAITING_ON_US).count()


def conversation_history(*, question: Question) -> list[Message]:
    """Everything said in the conversation, in order: the customer's messages,
    staff replies with their sending state, and internal notes."""
    messages = question.messages.select_related("author", "person", "delivery").prefetch_related("attachments")
    return list(messages.order_by("created_at", "pk"))


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


def support_status(now: dt.datetime | None = None) -> SupportStatus:
    """Whether the team is on duty (support hours), for the inbox and the dashboard."""
    return support_hours.support_status(now or timezone.now())
