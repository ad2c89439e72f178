"""Services for conversations: every change to a conversation's state, its
messages, its people. Plain functions with keyword arguments.

Web answers keep their own path in qa.services.question_answer (it e-mails
the customer); conversation_reply is the one entry point staff use, whatever
the channel.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from conversations import replies, states
from conversations import selectors as conversation_selectors
from conversations.models import Label, Person
from conversations.replies import (  # noqa: F401  (re-exported)
    ReplyNeedsPiiConfirmation,
    ReplyRefused,
    conversation_hand_over,
    message_like,
    reply_refusal,
)
from qa import notifications
from qa import services as qa_services
from qa.attachments import attachments_clean
from qa.models import Message, Question

Status = Question.Status
CloseReason = Question.CloseReason

# What staff may close a conversation as by hand (expired is the sweep's).
CLOSE_REASONS_BY_HAND = (CloseReason.RESOLVED, CloseReason.IGNORED, CloseReason.SPAM)


def _require_text(body: str, *, field: str = "body") -> None:
    if not body.strip():
        raise ValidationError({field: _("A message cannot be empty.")})


# --- Messages ----------------------------------------------------------------------


def conversation_reply(
    *, question: Question, author, body: str, is_public: bool = True, pii_confirmed: bool = False
) -> Message:
    """Staff answer the customer where the conversation lives. On the web the
    customer is e-mailed; on X and Facebook the reply goes out through the
    outbox (conversations.replies: refused with ReplyRefused when it must not)."""
    if question.source == Question.Source.WEB:
        with transaction.atomic():
            return qa_services.question_answer(question=question, author=author, body=body, is_public=is_public)
    if question.source in replies.NETWORKS:
        return replies.network_reply(question=question, author=author, body=body, pii_confirmed=pii_confirmed)
    raise ReplyRefused(_("Replying on %(channel)s is not available yet.") % {"channel": question.get_source_display()})


@transaction.atomic
def conversation_note(*, question: Question, author, body: str) -> Message:
    """An internal note between staff: never sent, never shown to the customer."""
    _require_text(body)
    note = qa_services.message_create(question=question, kind=Message.Kind.NOTE, author=author, body=body)
    Question.objects.filter(pk=question.pk).update(updated_at=timezone.now())
    return note


@transaction.atomic
def conversation_follow_up(*, question: Question, author, body: str, attachments=()) -> Message:
    """The customer writes again on the site (My questions), with up to
    CONVERSATION_ATTACHMENTS_PER_MESSAGE images: the conversation waits on us
    again (one closed as resolved, expired or handed over reopens), and the
    assignee, or every staff member when nobody is assigned, is e-mailed.

    `attachments` are uploads (checked and re-encoded here, so no caller can
    store an unchecked file) or qa.attachments.CleanImage the form already made.
    A conversation closed as spam takes nothing more. The view rate-limits.
    """
    if question.is_spam:
        raise ValidationError(_("This conversation is closed and cannot receive replies."), code="closed")
    if author is None or question.asker_id != author.pk:
        raise ValueError("Only the customer who asked writes follow-ups in a web conversation.")
    _require_text(body)
    images = attachments_clean(attachments)
    message = qa_services.message_create(question=question, kind=Message.Kind.CUSTOMER, author=author, body=body)
    qa_services.message_attachments_add(message=message, images=images)
    states.after_customer_message(question, at=message.created_at)
    transaction.on_commit(lambda: notifications.staff_customer_follow_up(message_id=message.pk))
    return message


# --- State, assignment, labels -------------------------------------------------------


def conversation_assign(*, question: Question, assignee) -> Question:
    question.assignee = assignee
    question.save(update_fields=["assignee", "updated_at"])
    return question


def conversations_close(*, questions, reason: str) -> int:
    """Close conversations by hand (resolved, ignored, spam); returns how many changed."""
    if reason not in CLOSE_REASONS_BY_HAND:
        raise ValueError(f"cannot close a conversation as {reason!r} by hand")
    now = timezone.now()
    ids = [question.pk for question in questions]
    closed = (
        Question.objects.filter(pk__in=ids)
        .exclude(status=Status.CLOSED, close_reason=reason)
        .update(status=Status.CLOSED, close_reason=reason, waiting_since=now, updated_at=now)
    )
    conversation_selectors.inbox_waiting_count_forget()
    return closed


def conversation_set_labels(*, question: Question, names: list[str]) -> list[Label]:
    labels = []
    for name in dict.fromkeys(name.strip() for name in names if name.strip()):
        label, _created = Label.objects.get_or_create(name=name[:100])
        labels.append(label)
    question.labels.set(labels)
    return labels


def conversations_expire(*, now: dt.datetime | None = None) -> int:
    """Close as expired the conversations that waited on the customer for
    CONVERSATION_FOLLOW_UP_DAYS (seed 001: stop following a thread after one or
    two weeks of silence). A new message from the customer reopens one."""
    now = now or timezone.now()
    cutoff = now - dt.timedelta(days=settings.CONVERSATION_FOLLOW_UP_DAYS)
    return Question.objects.filter(status=Status.WAITING_CUSTOMER, waiting_since__lte=cutoff).update(
        status=Status.CLOSED, close_reason=CloseReason.EXPIRED, waiting_since=now, updated_at=now
    )


# --- People ----------------------------------------------------------------------------


def person_link_site_account(
    *, network: str, remote_id: str, user, handle: str = "", name: str = "", profile_url: str = ""
) -> Person:
    """The customer proved (by signing in with the network) that this identity
    is theirs: link it to their site account, creating the person if Tipcast
    has not heard from them yet."""
    person, _created = Person.objects.get_or_create(network=network, remote_id=remote_id)
    fields = {"user": user}
    # What the network says now wins over what a poll saw earlier; empty values keep the old.
    fields.update(
        {key: value for key, value in (("handle", handle), ("name", name), ("profile_url", profile_url)) if value}
    )
    for key, value in fields.items():
        setattr(person, key, value)
    person.save(update_fields=[*fields, "updated_at"])
    return person


def person_mark_do_not_contact(*, person: Person, by, reason: str) -> Person:
    """The person declined: nothing is sent to them from now on."""
    reason = reason.strip()
    if not reason:
        raise ValidationError({"do_not_contact_reason": _("Say why (for example, what the person asked).")})
    person.do_not_contact = True
    person.do_not_contact_reason = reason
    person.do_not_contact_since = timezone.now()
    person.do_not_contact_by = by
    person.save(
        update_fields=[
            "do_not_contact",
            "do_not_contact_reason",
            "do_not_contact_since",
            "do_not_contact_by",
            "updated_at",
        ]
    )
    return person


def person_clear_do_not_contact(*, person: Person) -> Person:
    person.do_not_contact = False
    person.do_not_contact_reason = ""
    person.do_not_contact_since = None
    person.do_not_contact_by = None
    person.save(
        update_fields=[
            "do_not_contact",
            "do_not_contact_reason",
            "do_not_contact_since",
            "do_not_contact_by",
            "updated_at",
        ]
    )
    return person


# --- Listening (conversations.ingest, conversations.listening) ------------------------------------
from conversations.ingest import conversation_record_external_reply, incoming_ingest  # noqa: E402, F401
from conversations.listening import source_poll  # noqa: E402, F401
