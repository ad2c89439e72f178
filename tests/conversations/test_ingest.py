"""Ingestion: an item from a network or a feed becomes a customer message in a
conversation, exactly once, in the right conversation, with the right person."""

import dataclasses
import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError

from conversations import ingest
from conversations.models import Person
from conversations.services import conversations_close, incoming_ingest
from conversations.sources.base import Author, Incoming
from qa.models import Message, Question
from tests.conversations.listening_items import BASE_TIME, author, mention
from tests.qa.test_markup import assert_safe
from tests.xss_vectors import VECTORS

pytestmark = pytest.mark.django_db

Status = Question.Status


def test_a_mention_starts_a_conversation_with_its_person():
    message = incoming_ingest(item=mention(1))
    question = message.question
    assert message.kind == Message.Kind.CUSTOMER and message.channel == "x"
    assert message.remote_id == "1001" and message.remote_url == "https://x.example/customer1/status/1001"
    assert message.mentions_account and message.is_public
    assert message.body == "@tipcast my order 1 has not arrived 📦"
    assert message.body_html == "<p>@tipcast my order 1 has not arrived 📦</p>"
    assert question.source == "x" and question.status == Status.NEW and question.asker is None
    assert question.title == "@tipcast my order 1 has not arrived 📦"
    assert question.created_at == question.waiting_since == BASE_TIME + dt.timedelta(minutes=1)
    assert question.person == message.person
    assert (message.person.network, message.person.remote_id, message.person.handle) == ("x", "user-1", "customer1")


def test_replaying_an_item_stores_nothing_twice():
    items = [mention(n) for n in range(1, 4)]
    assert all(incoming_ingest(item=item) for item in items)
    assert [incoming_ingest(item=item) for item in items] == [None, None, None]
    assert Message.objects.count() == 3 and Question.objects.count() == 3 and Person.objects.count() == 1


def test_a_race_lost_to_another_worker_is_settled_by_the_unique_constraint(monkeypatch):
    item = mention(1)
    incoming_ingest(item=item)
    real_filter = Message.objects.filter
    calls = []

    def first_check_misses(*args, **kwargs):
        queryset = real_filter(*args, **kwargs)
        calls.append(kwargs)
        if len(calls) == 1:  # the check before the insert does not see the other worker's row yet
            return queryset.none()
        return queryset

    monkeypatch.setattr(ingest.Message.objects, "filter", first_check_misses)
    assert incoming_ingest(item=item) is None
    monkeypatch.undo()
    assert Message.objects.count() == 1


def test_an_integrity_error_that_is_not_a_duplicate_is_not_swallowed(monkeypatch):
    def broken_store(item, channel):
        raise IntegrityError("something else")

    monkeypatch.setattr(ingest, "_store", broken_store)
    with pytest.raises(IntegrityError):
        incoming_ingest(item=mention(1))


def test_an_answer_to_the_customers_post_joins_its_conversation():
    first = incoming_ingest(item=mention(1))
    follow_up = incoming_ingest(item=mention(2, in_reply_to="1001"))
    assert follow_up.question == first.question
    assert follow_up.in_reply_to_remote_id == "1001"
    assert Question.objects.count() == 1


def test_an_answer_to_our_reply_joins_its_conversation(staff):
    first = incoming_ingest(item=mention(1))
    Message.objects.create(
        question=first.question,
        kind=Message.Kind.REPLY,
        author=staff,
        body="We are on it",
        channel="x",
        remote_id="9001",
    )
    answer = incoming_ingest(item=mention(2, in_reply_to="9001"))
    assert answer.question == first.question


def test_a_post_in_a_thread_we_hold_joins_it_and_anything_else_starts_a_new_one():
    first = incoming_ingest(item=mention(1))
    in_thread = incoming_ingest(item=mention(2, who=2, thread_id="1001"))
    elsewhere = incoming_ingest(item=mention(3, in_reply_to="555", thread_id="444"))
    assert in_thread.question == first.question
    assert elsewhere.question != first.question


def test_the_same_remote_id_on_another_network_is_another_message():
    incoming_ingest(item=mention(1))
    other = incoming_ingest(item=mention(1, network="facebook"))
    assert other is not None and other.channel == "facebook"


def test_the_person_follows_their_new_handle_and_name():
    incoming_ingest(item=mention(1))
    renamed = Author(network="x", remote_id="user-1", handle="newhandle", name="New Name")
    message = incoming_ingest(item=mention(2, author=renamed))
    person = Person.objects.get()
    assert (person.handle, person.name) == ("newhandle", "New Name")
    assert person.profile_url == "https://x.example/customer1"  # not said this time: kept
    assert message.person == person


@pytest.mark.parametrize(
    ("status", "reason", "after"),
    [
        (Status.WAITING_CUSTOMER, "", Status.WAITING_US),
        (Status.CLOSED, Question.CloseReason.RESOLVED, Status.WAITING_US),
        (Status.CLOSED, Question.CloseReason.EXPIRED, Status.WAITING_US),
        (Status.CLOSED, Question.CloseReason.SPAM, Status.CLOSED),
    ],
)
def test_a_customer_answer_reopens_the_conversation_except_spam(status, reason, after):
    question = incoming_ingest(item=mention(1)).question
    Question.objects.filter(pk=question.pk).update(status=status, close_reason=reason)
    message = incoming_ingest(item=mention(2, in_reply_to="1001"))
    question.refresh_from_db()
    assert message is not None and question.status == after
    if after == Status.WAITING_US:
        assert question.close_reason == "" and question.waiting_since == message.created_at
    assert question.last_customer_message_at == message.created_at


def test_spam_marked_by_staff_stays_closed_and_keeps_the_message():
    question = incoming_ingest(item=mention(1)).question
    conversations_close(questions=[question], reason=Question.CloseReason.SPAM)
    incoming_ingest(item=mention(2, in_reply_to="1001"))
    question.refresh_from_db()
    assert question.is_spam and question.messages.count() == 2


def test_our_own_posts_are_not_customer_messages():
    assert incoming_ingest(item=mention(1, is_own=True)) is None
    assert not Message.objects.exists()


def test_nul_is_removed_and_right_to_left_text_and_emoji_are_kept():
    message = incoming_ingest(item=mention(1, text="مرحبا\x00 @tipcast שלום 👍🏽\u202e"))
    assert message.body == "مرحبا @tipcast שלום 👍🏽\u202e"
    assert "\x00" not in message.question.title and "\x00" not in message.body_html
    assert message.body_html == "<p>مرحبا @tipcast שלום 👍🏽\u202e\u202c</p>"


def test_a_long_post_is_titled_with_its_first_words_and_kept_whole():
    text = "word " * 200
    message = incoming_ingest(item=mention(1, text=text))
    assert len(message.question.title) <= 80 and message.question.title.endswith("…")
    assert message.body == text.strip()


def test_an_item_without_text_still_has_a_title():
    message = incoming_ingest(item=mention(1, text=" ", html=""))
    assert message.question.title == "A post by @customer1"


@pytest.mark.parametrize("vector", VECTORS[:20])
def test_markup_in_a_post_is_shown_as_text(vector):
    message = incoming_ingest(item=mention(1, text=vector))
    assert_safe(message.body_html)
    assert_safe(message.question.body_html)


def test_a_feed_item_with_scripts_becomes_a_safe_conversation_titled_by_the_feed():
    item = Incoming(
        remote_id="3:https://blogs.example/post-1",
        text="Tipcast is great alert(1)",
        html='<p onclick="alert(1)">Tipcast is <b>great</b><script>alert(1)</script></p>',
        title="A review of Tipcast",
        created_at=BASE_TIME,
        author=author(1, network="feed"),
        url="https://blogs.example/post-1",
        language="en",
    )
    message = incoming_ingest(item=item)
    assert message.question.title == "A review of Tipcast"
    assert message.body_html == "<p>Tipcast is <b>great</b></p>"
    assert message.channel == "feed" and message.question.source == "feed" and message.language == "en"


def test_an_item_from_the_future_counts_from_now():
    future = mention(1)
    future = dataclasses.replace(future, created_at=dt.datetime(2099, 1, 1, tzinfo=dt.UTC))
    message = incoming_ingest(item=future)
    assert message.created_at.year < 2099


def test_a_remote_id_longer_than_the_column_is_still_one_id():
    item = dataclasses.replace(mention(1), remote_id="x" * 500)
    first = incoming_ingest(item=item)
    assert len(first.remote_id) <= 200
    assert incoming_ingest(item=item) is None


# --- We answered on the blog ------------------------------------------------------------------


def _feed_conversation():
    item = dataclasses.replace(mention(1, network="feed"), title="A post about us")
    return incoming_ingest(item=item).question


def test_recording_our_answer_on_the_blog_waits_on_the_customer(staff):
    question = _feed_conversation()
    reply = ingest.conversation_record_external_reply(
        question=question, author=staff, url="https://blogs.example/post-1#comment-9", note=""
    )
    question.refresh_from_db()
    assert reply.kind == Message.Kind.REPLY and reply.channel == "feed" and reply.author == staff
    assert reply.remote_url == "https://blogs.example/post-1#comment-9"
    assert "https://blogs.example/post-1#comment-9" in reply.body
    assert question.status == Status.WAITING_CUSTOMER and question.first_answered_at == reply.created_at


@pytest.mark.parametrize("url", ["", "javascript:alert(1)", "not a url", "ftp://blogs.example/x"])
def test_recording_an_answer_needs_its_web_address(staff, url):
    question = _feed_conversation()
    with pytest.raises(ValidationError):
        ingest.conversation_record_external_reply(question=question, author=staff, url=url, note="hi")
    assert question.messages.count() == 1
