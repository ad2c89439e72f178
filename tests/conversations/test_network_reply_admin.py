"""The conversation page replies on X and Facebook: the composer posts
through conversation_reply, a refused reply keeps what staff typed, and the
hand-over and like buttons go through their services."""

import pytest
from django.test import Client
from django.urls import reverse

from conversations.models import Network
from publishing.models import Delivery
from qa.models import Message, Question
from tests.conversations.test_replies import conversation, networks  # noqa: F401  (the in-memory networks)

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client, staff):
    client.force_login(staff)
    return client


def _page(client, question) -> str:
    return client.get(reverse("admin:qa_question_change", args=[question.pk])).content.decode()


def _post(client, question, suffix, data):
    return client.post(reverse(f"admin:qa_question_{suffix.replace('-', '_')}", args=[question.pk]), data)


def test_an_x_conversation_shows_the_composer_and_sends_through_the_outbox(staff_client, networks):  # noqa: F811
    question = conversation()
    html = _page(staff_client, question)
    assert 'name="composer-text"' in html and 'form="tipcast-reply-form"' in html
    assert reverse("admin:qa_question_hand_over", args=[question.pk]) in html
    assert 'name="message"' in html  # the like button on the customer's post

    response = _post(staff_client, question, "reply", {"composer-text": "We are looking into it."})

    assert response.status_code == 302
    reply = Message.objects.get(question=question, kind=Message.Kind.REPLY)
    assert reply.delivery is not None and reply.delivery.purpose == Delivery.Purpose.REPLY
    assert reply.delivery.in_reply_to == "m-1"
    question.refresh_from_db()
    assert question.status == Question.Status.WAITING_CUSTOMER


def test_a_refused_reply_keeps_the_text_and_says_why(staff_client, networks):  # noqa: F811
    question = conversation()
    too_long = "とても長い返信です。" * 200

    response = _post(staff_client, question, "reply", {"composer-text": too_long})

    assert response.status_code == 302
    assert not Message.objects.filter(kind=Message.Kind.REPLY).exists()
    html = _page(staff_client, question)
    assert "とても長い返信です。" in html  # the draft is back in the box
    assert "errorlist" in html
    # Shown once: the next visit starts empty.
    assert "とても長い返信です。" not in _page(staff_client, question)


def test_personal_data_needs_the_tick(staff_client, networks):  # noqa: F811
    question = conversation()
    text = "Call us back on 090-1234-5678 please."
    _post(staff_client, question, "reply", {"composer-text": text})
    assert not Message.objects.filter(kind=Message.Kind.REPLY).exists()
    assert 'name="composer-pii_confirmed"' in _page(staff_client, question)

    _post(staff_client, question, "reply", {"composer-text": text, "composer-pii_confirmed": "on"})
    assert Message.objects.filter(kind=Message.Kind.REPLY).count() == 1


def test_do_not_contact_shows_the_reason_instead_of_the_composer(staff_client, networks):  # noqa: F811
    question = conversation(do_not_contact=True)
    html = _page(staff_client, question)
    assert 'name="composer-text"' not in html and "tipcast-no-reply" in html
    _post(staff_client, question, "reply", {"composer-text": "Hello"})
    assert not Message.objects.filter(kind=Message.Kind.REPLY).exists()


def test_outside_a_mention_the_page_says_why(staff_client, networks):  # noqa: F811
    question = conversation(mentions=False)
    html = _page(staff_client, question)
    assert 'name="composer-text"' not in html
    assert "mention" in html


def test_hand_over_and_like(staff_client, networks):  # noqa: F811
    question = conversation(network=Network.FACEBOOK)
    customer_post = question.messages.get()

    assert _post(staff_client, question, "like", {"message": customer_post.pk}).status_code == 302
    assert Delivery.objects.filter(purpose=Delivery.Purpose.LIKE, in_reply_to="m-1").count() == 1

    assert _post(staff_client, question, "hand-over", {}).status_code == 302
    question.refresh_from_db()
    assert (question.status, question.close_reason) == (Question.Status.CLOSED, Question.CloseReason.HANDED_OVER)


def test_the_buttons_are_post_only_and_staff_only(staff, customer, networks):  # noqa: F811
    question = conversation()
    staff_client, customer_client, anonymous = Client(), Client(), Client()
    staff_client.force_login(staff)
    customer_client.force_login(customer)
    for suffix in ("reply", "hand-over", "like"):
        url = reverse(f"admin:qa_question_{suffix.replace('-', '_')}", args=[question.pk])
        assert staff_client.get(url).status_code == 405
        for outsider in (customer_client, anonymous):
            response = _post(outsider, question, suffix, {"composer-text": "hi"})
            assert response.status_code == 302 and "/login/" in response["Location"]
    assert not Delivery.objects.exists()


def test_web_and_feed_conversations_have_no_network_composer(staff_client, make_question):
    web = make_question()
    assert 'name="composer-text"' not in _page(staff_client, web)
    feed = Question.objects.create(title="blog", body="blog", source=Network.FEED)
    assert 'name="composer-text"' not in _page(staff_client, feed)
