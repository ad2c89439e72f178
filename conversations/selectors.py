"""Reads for conversations: what waits in the staff inbox, one conversation's
history, the same customer's other conversations (the history staff read
before replying), and whether the team is on duty.

The inbox list itself is the admin changelist of qa.Question (qa/admin/questions.py);
these are the reads it and the conversation page share.
"""

from __future__ import annotations

import datetime as dt

from django.core.cache import cache
from django.db.models import Q, QuerySet
from django.utils import timezone

from conversations import support_hours
from conversations.support_hours import SupportStatus
from qa.conversation_models import InboxRankInSQL
from qa.models import Message, Question

Status = Question.Status

# Waiting on staff: a new conversation, or one the customer wrote to again.
WAITING_ON_US = (Status.NEW, Status.WAITING_US)

# Oldest waiting first: what waits on us (new or written to again) before the
# rest, each group by how long it has been in its state. The index
# question_inbox_order holds exactly these keys (the rank written as the index's SQL).
INBOX_ORDERING = [InboxRankInSQL().asc(), "waiting_since", "id"]

# The inbox's search: each word must be found in the conversation's title or
# opening, the web asker's e-mail, or the person's handle or name.
INBOX_SEARCH_MAX_WORDS = 10


def inbox_search_filter(search_term: str) -> Q:
    """The inbox search as a filter. Each table is searched on its own, in a
    subquery (`id IN (...)`), rather than with one OR across joined tables:
    PostgreSQL can then answer each part from its trigram index (qa migration
    0020) instead of reading every conversation's text. Same results on SQLite,
    which scans (fast enough at 100,000 conversations, see the README)."""
    from django.contrib.auth import get_user_model

    from conversations.models import Person

    condition = Q()
    for word in search_term.split()[:INBOX_SEARCH_MAX_WORDS]:
        askers = get_user_model().objects.filter(email__icontains=word).values("pk")
        people = Person.objects.filter(Q(handle__icontains=word) | Q(name__icontains=word)).values("pk")
        # One UNION of ids rather than three ORed conditions: the planner then
        # knows how few rows match and joins them, instead of walking the whole
        # inbox in order testing each row against the three.
        matching = (
            Question.objects.filter(Q(title__icontains=word) | Q(body__icontains=word))
            .order_by()
            .values("pk")
            .union(
                Question.objects.filter(asker__in=askers).order_by().values("pk"),
                Question.objects.filter(person__in=people).order_by().values("pk"),
            )
        )
        condition &= Q(pk__in=matching)
    return condition


# The sidebar's badge is on every admin page, and its COUNT reads an index entry
# for each waiting conversation (13 ms on PostgreSQL with 33,000 waiting): it is
# counted again at most this often. Staff's own changes of state clear it at once
# (conversations.states, conversations_close); a conversation that comes in shows
# within these seconds.
INBOX_WAITING_COUNT_CACHE_KEY = "conversations:inbox-waiting-count"
INBOX_WAITING_COUNT_SECONDS = 15


def inbox_waiting_count() -> int:
    """The number of conversations waiting on staff (the sidebar's badge), counted
    at most every INBOX_WAITING_COUNT_SECONDS."""
    count = cache.get(INBOX_WAITING_COUNT_CACHE_KEY)
    if count is None:
        count = Question.objects.filter(status__in=WAITING_ON_US).count()
        cache.set(INBOX_WAITING_COUNT_CACHE_KEY, count, INBOX_WAITING_COUNT_SECONDS)
    return count


def inbox_waiting_count_forget() -> None:
    """A conversation changed state: the next admin page counts again."""
    cache.delete(INBOX_WAITING_COUNT_CACHE_KEY)


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
