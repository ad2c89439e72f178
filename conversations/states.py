"""How a conversation's state moves, in one place.

new -> waiting_us -> waiting_customer -> closed (resolved, expired, handed
over, ignored, spam). A customer message reopens a closed conversation
(except spam); a staff reply waits on the customer; a note changes nothing.
`waiting_since` moves only when the state changes, so a second message from
a customer nobody has answered yet keeps their place in the queue.

Each function updates the row with one UPDATE and mirrors it on the instance.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from conversations.selectors import inbox_waiting_count_forget
from qa.models import Question

Status = Question.Status
CloseReason = Question.CloseReason


def _apply(question: Question, updates: dict) -> None:
    updates["updated_at"] = timezone.now()
    Question.objects.filter(pk=question.pk).update(**updates)
    for field, value in updates.items():
        setattr(question, field, value)
    if "status" in updates:
        inbox_waiting_count_forget()


def after_customer_message(question: Question, *, at: dt.datetime) -> None:
    updates = {"last_customer_message_at": at}
    if question.is_spam:
        pass  # spam stays closed; the message is kept for the record
    elif question.status in (Status.WAITING_CUSTOMER, Status.CLOSED):
        updates.update(status=Status.WAITING_US, close_reason=CloseReason.NONE, waiting_since=at)
    _apply(question, updates)


def after_staff_reply(question: Question, *, at: dt.datetime) -> None:
    updates = {"last_staff_reply_at": at}
    if question.first_answered_at is None:
        updates["first_answered_at"] = at
    if question.status != Status.WAITING_CUSTOMER:
        updates.update(status=Status.WAITING_CUSTOMER, close_reason=CloseReason.NONE, waiting_since=at)
    _apply(question, updates)


def close(question: Question, *, reason: str, at: dt.datetime) -> None:
    _apply(question, {"status": Status.CLOSED, "close_reason": reason, "waiting_since": at})


def changed_by_hand(question: Question, *, at: dt.datetime) -> None:
    """Staff set the state in the conversation's form: the wait starts again
    (the instance is saved by the caller, with the rest of the form)."""
    question.waiting_since = at
    # Cleared before the caller's save: a page counting in between keeps the old
    # number for at most INBOX_WAITING_COUNT_SECONDS.
    inbox_waiting_count_forget()
