"""Ingestion: an Incoming item from a listening source becomes a customer
message in a conversation (conversations.services re-exports incoming_ingest).

- Idempotent: a message is unique by (channel, remote id). A replayed item
  (a poll repeated after a failure, two workers racing) stores nothing and
  returns None; the race is settled by the unique constraint.
- The person is found or created by (network, remote id), and their handle,
  name and profile link follow what the network says now.
- Threading: an item that answers a message we hold (the customer's earlier
  post or our reply, any part of a reply thread) joins that message's
  conversation; one in a thread whose first post we hold joins that one;
  anything else starts a new conversation.
- Text goes through the one sanitiser (qa.markup): plain text for posts and
  comments, the feed item's HTML for feeds. NUL is removed; right-to-left
  text, emoji and everything else are kept as written.
- The conversation's state follows conversations.states (a customer message
  reopens a closed conversation, except spam).
- Items our own account wrote are not customer messages: skipped (our
  replies are recorded when sent, from their delivery).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from conversations import states
from conversations.models import Person
from conversations.sources.base import Author, Incoming
from publishing.models import Delivery
from qa.content_language import language_codes, language_detect
from qa.markup import html_fragment_render, markdown_render, network_text_clean, plain_text_render
from qa.models import Message, Question

# A conversation's title when the item has none: its first words.
TITLE_FROM_TEXT_LENGTH = 80
_URL_MAX_LENGTH = Message._meta.get_field("remote_url").max_length
_REMOTE_ID_MAX_LENGTH = Message._meta.get_field("remote_id").max_length


def incoming_ingest(*, item: Incoming) -> Message | None:
    """Store one item; the new customer message, or None when there is
    nothing new to store (already stored, or written by our own account)."""
    if item.is_own or not item.remote_id:
        return None
    channel = item.author.network
    if len(item.remote_id) > _REMOTE_ID_MAX_LENGTH:
        # Still one id per item, in the column's size.
        digest = hashlib.sha256(item.remote_id.encode("utf-8", "surrogatepass")).hexdigest()
        item = dataclasses.replace(item, remote_id=f"sha256:{digest}")
    if _stored(channel, item.remote_id).exists():
        return None
    try:
        with transaction.atomic():
            return _store(item, channel)
    except IntegrityError:
        # Another worker stored the same item between the check and the insert.
        if _stored(channel, item.remote_id).exists():
            return None
        raise


def _stored(channel: str, remote_id: str):
    """The message stored for this remote post. The exclude repeats the unique
    index's condition, so that SQLite uses the partial index (PostgreSQL
    would anyway) instead of reading the whole table."""
    return Message.objects.filter(channel=channel, remote_id=remote_id).exclude(remote_id="")


def person_for_author(author: Author) -> Person:
    """The person behind an author, created the first time, kept up to date after."""
    fields = {
        "handle": network_text_clean(author.handle)[:200],
        "name": network_text_clean(author.name)[:200],
        "profile_url": author.profile_url[:500] if author.profile_url.startswith(("http://", "https://")) else "",
    }
    person, created = Person.objects.get_or_create(
        network=author.network, remote_id=network_text_clean(author.remote_id)[:200], defaults=fields
    )
    changed = {name: value for name, value in fields.items() if value and getattr(person, name) != value}
    if not created and changed:
        Person.objects.filter(pk=person.pk).update(updated_at=timezone.now(), **changed)
        for name, value in changed.items():
            setattr(person, name, value)
    return person


def _conversation_answered(item: Incoming, channel: str) -> Question | None:
    """The conversation of the message this item answers, or of its thread."""
    for remote_id in (item.in_reply_to, item.thread_id):
        if not remote_id:
            continue
        message = _stored(channel, remote_id).select_related("question").first()
        if message is not None:
            return message.question
        # Our reply in several posts: the message holds the first post's
        # delivery, the later posts chain from it (Delivery.thread_root).
        delivery = Delivery.objects.filter(channel=channel, remote_id=remote_id).first()
        if delivery is not None:
            first_post_id = getattr(delivery, "thread_root_id", None) or delivery.pk
            message = Message.objects.filter(delivery_id=first_post_id).select_related("question").first()
            if message is not None:
                return message.question
    return None


def _language(item: Incoming, text: str) -> str:
    hint = item.language[:2].lower()
    return hint if hint in language_codes() else language_detect(text)


def _title(item: Incoming, text: str, person: Person) -> str:
    limit = settings.QUESTION_TITLE_MAX_LENGTH
    title = " ".join(network_text_clean(item.title).split())
    if not title:
        title = Truncator(" ".join(text.split())).chars(TITLE_FROM_TEXT_LENGTH)
    if not title:
        title = _("A post by %(person)s") % {"person": person}
    return Truncator(title).chars(limit)


def _link(url: str) -> str:
    return url if url.startswith(("http://", "https://")) and len(url) <= _URL_MAX_LENGTH else ""


def _store(item: Incoming, channel: str) -> Message:
    now = timezone.now()
    # An item dated in the future (a wrong clock on a blog) counts from now.
    at = min(_aware(item.created_at), now)
    rendered = html_fragment_render(item.html) if item.html else plain_text_render(item.text)
    text = network_text_clean(item.text).strip() or rendered.text
    person = person_for_author(item.author)
    question = _conversation_answered(item, channel)
    new_conversation = question is None
    if new_conversation:
        question = Question.objects.create(
            asker=None,
            person=person,
            title=_title(item, text, person),
            body=text,
            body_html=rendered.html,
            source=channel,
            language=_language(item, f"{item.title}\n{text}"),
            status=Question.Status.NEW,
            created_at=at,
            waiting_since=at,
            last_customer_message_at=at,
        )
    message = Message.objects.create(
        question=question,
        kind=Message.Kind.CUSTOMER,
        person=person,
        body=text,
        body_html=rendered.html,
        is_public=True,
        channel=channel,
        language=_language(item, text),
        created_at=at,
        remote_id=item.remote_id,
        remote_url=item.url
        if item.url.startswith(("http://", "https://")) and len(item.url) <= _URL_MAX_LENGTH
        else "",
        in_reply_to_remote_id=item.in_reply_to[:200],
        mentions_account=item.mentions_account,
    )
    if not new_conversation:
        states.after_customer_message(question, at=max(at, question.last_customer_message_at or at))
    return message


def _aware(value: dt.datetime) -> dt.datetime:
    return value if timezone.is_aware(value) else timezone.make_aware(value, dt.UTC)


# --- Answered on the blog --------------------------------------------------------------------------


@transaction.atomic
def conversation_record_external_reply(*, question: Question, author, url: str, note: str = "") -> Message:
    """Staff answered by hand where the customer wrote (a comment on the blog
    post): recorded as a staff reply on the feed channel, with its link, and
    the conversation waits on the customer, to be followed up like any other."""
    url = url.strip()
    try:
        URLValidator(schemes=["http", "https"])(url)
    except ValidationError:
        raise ValidationError({"url": _("Give the address of your answer (http:// or https://).")}) from None
    if len(url) > _URL_MAX_LENGTH:
        raise ValidationError({"url": _("This address is too long.")})
    body = note.strip() or _("Answered on the blog: %(url)s") % {"url": url}
    reply = Message.objects.create(
        question=question,
        kind=Message.Kind.REPLY,
        author=author,
        body=body,
        body_html=markdown_render(body).html,
        is_public=True,
        channel=Message.Channel.FEED,
        language=question.language,
        remote_url=url,
    )
    states.after_staff_reply(question, at=reply.created_at)
    return reply
