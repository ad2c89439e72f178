"""The customer's side of a conversation on the web: the whole thread on
My questions, replying (with images), and what a reply does (state, e-mail,
limits, refusals)."""

import io

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse
from PIL import Image

from conversations import services as conversation_services
from qa import services
from qa.models import Message, MessageAttachment, Question
from tests.qa.images import image_bytes, photo_with_gps, upload

Status = Question.Status
CloseReason = Question.CloseReason


@pytest.fixture
def customer_client(client, customer):
    client.force_login(customer)
    return client


def page_of(question) -> str:
    return reverse("qa:my_question", args=[question.pk])


def follow_up(client, question, body="追加の情報です。", files=(), **extra):
    return client.post(page_of(question), {"body": body, "attachments": list(files), **extra})


# --- The thread ----------------------------------------------------------------------------------


def test_the_thread_shows_everything_the_customer_may_read_in_order_never_notes(
    customer_client, make_question, customer, staff
):
    question = make_question(title="返品したい", body="開封済みでも返品できますか？")
    services.question_answer(question=question, author=staff, body="PUBLIC-REPLY", is_public=True)
    conversation_services.conversation_note(question=question, author=staff, body="STAFF-NOTE: known troublemaker")
    conversation_services.conversation_follow_up(question=question, author=customer, body="CUSTOMER-FOLLOW-UP")
    services.question_answer(question=question, author=staff, body="PRIVATE-REPLY", is_public=False)

    html = customer_client.get(page_of(question)).content.decode()

    positions = [html.index(text) for text in ("開封済み", "PUBLIC-REPLY", "CUSTOMER-FOLLOW-UP", "PRIVATE-REPLY")]
    assert positions == sorted(positions)
    assert "STAFF-NOTE" not in html and "troublemaker" not in html
    assert "Private: only you can see this answer" in html
    assert staff.email not in html


def test_the_thread_costs_a_fixed_number_of_queries(
    customer_client, make_question, customer, staff, django_assert_max_num_queries
):
    question = make_question()
    for number in range(8):
        conversation_services.conversation_follow_up(
            question=question, author=customer, body=f"more {number}", attachments=[upload("a.png", image_bytes("PNG"))]
        )
        services.question_answer(question=question, author=staff, body=f"reply {number}", is_public=True)
    with django_assert_max_num_queries(14):
        response = customer_client.get(page_of(question))
    assert response.content.decode().count('class="attachments__item"') == 8


# --- Replying ------------------------------------------------------------------------------------------


def test_a_reply_moves_the_conversation_back_to_waiting_on_us_and_mails_the_assignee(
    customer_client, make_question, staff, django_user_model, django_capture_on_commit_callbacks
):
    question = make_question(title="配送について")
    services.question_answer(question=question, author=staff, body="確認します。", is_public=True)
    assignee = django_user_model.objects.create_user("agent", "agent@example.com", "pw-123456!", is_staff=True)
    conversation_services.conversation_assign(question=question, assignee=assignee)
    question.refresh_from_db()
    assert question.status == Status.WAITING_CUSTOMER
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        response = follow_up(customer_client, question, body="まだ届いていません。")

    assert response.status_code == 302
    question.refresh_from_db()
    assert question.status == Status.WAITING_US
    assert question.last_customer_message_at is not None
    message = question.messages.filter(kind=Message.Kind.CUSTOMER).latest("created_at")
    assert message.body == "まだ届いていません。" and message.channel == Message.Channel.WEB
    assert response["Location"].endswith(f"#message-{message.pk}")
    assert [m.to for m in mail.outbox] == [["agent@example.com"]]
    assert "配送について" in mail.outbox[0].subject
    assert "まだ届いていません。" in mail.outbox[0].body
    assert reverse("admin:qa_question_change", args=[question.pk]) in mail.outbox[0].body


def test_an_unassigned_conversation_mails_every_staff_member_in_the_staff_language(
    client, make_question, customer, staff, settings, django_capture_on_commit_callbacks
):
    settings.STAFF_NOTIFY_EMAILS = []
    settings.LANGUAGE_CODE = "en"
    question = make_question()
    mail.outbox.clear()
    client.force_login(customer)
    # The customer reads the site in Japanese; staff still get their mail in the site's language.
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(page_of(question), {"body": "追記です。"}, HTTP_ACCEPT_LANGUAGE="ja")
    assert response.status_code == 302
    assert [m.to for m in mail.outbox] == [[staff.email]]
    assert mail.outbox[0].subject.startswith("The customer replied:")


@pytest.mark.parametrize("reason", [CloseReason.EXPIRED, CloseReason.RESOLVED])
def test_a_reply_reopens_a_conversation_closed_as_expired_or_resolved(customer_client, make_question, reason):
    question = make_question()
    conversation_services.conversations_close(questions=[question], reason=CloseReason.RESOLVED)
    Question.objects.filter(pk=question.pk).update(close_reason=reason)
    question.refresh_from_db()
    page = customer_client.get(page_of(question)).content.decode()
    assert "Writing here opens it again." in page

    assert follow_up(customer_client, question).status_code == 302
    question.refresh_from_db()
    assert (question.status, question.close_reason) == (Status.WAITING_US, "")


def test_a_conversation_closed_as_spam_refuses_replies(customer_client, make_question, customer):
    question = make_question()
    conversation_services.conversations_close(questions=[question], reason=CloseReason.SPAM)
    question.refresh_from_db()
    # Spam is not on My questions at all: neither the page nor its form answer.
    assert customer_client.get(page_of(question)).status_code == 404
    response = follow_up(customer_client, question, body="let me in")
    assert response.status_code == 404
    assert not question.messages.filter(body="let me in").exists()
    with pytest.raises(ValidationError):
        conversation_services.conversation_follow_up(question=question, author=customer, body="again")
    question.refresh_from_db()
    assert question.is_spam


def test_only_the_asker_can_reply(client, make_question, other_customer):
    question = make_question()
    client.force_login(other_customer)
    assert follow_up(client, question, body="not mine").status_code == 404
    assert not Message.objects.filter(body="not mine").exists()


@pytest.mark.parametrize("body", ["", "   \n  "])
def test_an_empty_reply_is_refused_and_nothing_changes(customer_client, make_question, body):
    question = make_question()
    response = follow_up(customer_client, question, body=body)
    assert response.status_code == 200
    assert response.context["form"].errors["body"]
    assert question.messages.count() == 1


def test_a_reply_with_a_bad_image_keeps_the_text_and_saves_nothing(customer_client, make_question):
    question = make_question()
    response = follow_up(
        customer_client,
        question,
        body="写真を添付します。",
        files=[upload("photo.png", b"<html><script>alert(1)</script></html>", "image/png")],
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "“photo.png” is not a JPEG, PNG or WebP image." in html
    assert "写真を添付します。" in html  # the text is still in the form
    assert "please choose the images again" in html
    assert question.messages.count() == 1
    assert not MessageAttachment.objects.exists()


def test_a_reply_with_images_stores_them_cleaned_and_privately(customer_client, make_question, settings):
    question = make_question()
    response = follow_up(
        customer_client,
        question,
        body="Here is the label.",
        files=[upload("IMG_0001.JPG", photo_with_gps()), upload("screen.webp", image_bytes("WEBP"), "image/webp")],
    )
    assert response.status_code == 302
    jpeg, webp = MessageAttachment.objects.order_by("pk")
    assert (jpeg.content_type, jpeg.width, jpeg.height) == ("image/jpeg", 40, 80)
    assert webp.content_type == "image/webp"
    stored = jpeg.file.read()
    assert jpeg.bytes == len(stored)
    assert b"SN-TOPSECRET-42" not in stored and b"Exif" not in stored
    assert "IMG_0001" not in jpeg.file.name
    assert str(settings.CONVERSATION_ATTACHMENT_ROOT) in jpeg.file.path
    assert str(settings.MEDIA_ROOT) not in jpeg.file.path
    with Image.open(io.BytesIO(stored)) as decoded:
        assert not decoded.getexif()


def test_five_images_are_refused(customer_client, make_question):
    question = make_question()
    files = [upload(f"{n}.png", image_bytes("PNG")) for n in range(5)]
    response = follow_up(customer_client, question, files=files)
    assert response.status_code == 200
    assert "at most 4 images" in response.content.decode()
    assert question.messages.count() == 1


def test_a_request_larger_than_every_allowed_file_together_is_refused_before_reading(customer_client, make_question):
    question = make_question()
    response = customer_client.post(page_of(question), {"body": "x"}, CONTENT_LENGTH=str(200 * 1024 * 1024))
    assert response.status_code == 413


def test_replies_are_rate_limited_with_the_readable_page(customer_client, make_question, settings):
    settings.FOLLOW_UP_RATE_PER_USER = "2/h"
    question = make_question()
    assert follow_up(customer_client, question, body="one").status_code == 302
    assert follow_up(customer_client, question, body="two").status_code == 302
    response = follow_up(customer_client, question, body="three")
    assert response.status_code == 429
    assert not question.messages.filter(body="three").exists()


def test_japanese_page_and_messages(customer_client, make_question):
    question = make_question()
    customer_client.cookies["django_language"] = "ja"
    html = customer_client.get(page_of(question)).content.decode()
    assert "返信" in html
    response = follow_up(customer_client, question, body="", files=[upload("a.png", b"nope")])
    html = response.content.decode()
    assert "JPEG、PNG、WebP" in html
