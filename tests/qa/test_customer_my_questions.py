"""My questions: the customer's own questions, their status and every answer."""

import pytest
from django.core import mail
from django.urls import reverse

from conversations import services as conversation_services
from qa import services
from qa.models import Question


@pytest.fixture
def customer_client(client, customer):
    client.force_login(customer)
    return client


def test_list_shows_own_questions_with_status_newest_first(customer_client, make_question, other_customer, staff):
    old = make_question(title="古い質問")
    new = make_question(title="新しい質問")
    services.question_answer(question=old, author=staff, body="回答です。", is_public=False)
    make_question(title="他人の質問", asker=other_customer)
    spam = make_question(title="Spam question")
    conversation_services.conversations_close(questions=[spam], reason=Question.CloseReason.SPAM)

    response = customer_client.get(reverse("qa:my_questions"))
    html = response.content.decode()
    assert response.status_code == 200
    assert [q.pk for q in response.context["questions"]] == [new.pk, old.pk]
    assert "他人の質問" not in html and "Spam question" not in html
    assert html.index("新しい質問") < html.index("古い質問")
    assert "Answered" in html and "Waiting for an answer" in html
    assert reverse("qa:my_question", args=[old.pk]) in html


def test_empty_list_invites_to_ask(customer_client):
    html = customer_client.get(reverse("qa:my_questions")).content.decode()
    assert "You have not asked any questions yet." in html
    assert reverse("qa:ask") in html


def test_question_page_shows_private_and_public_answers_sanitised(customer_client, make_question, staff):
    question = make_question(title="注文した商品が届きません", body="**至急**お願いします")
    services.question_answer(
        question=question, author=staff, body="個別にご連絡します。<script>x()</script>", is_public=False
    )
    services.question_answer(question=question, author=staff, body="[追跡](https://example.com/track)", is_public=True)

    response = customer_client.get(reverse("qa:my_question", args=[question.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "<strong>至急</strong>" in html
    assert "個別にご連絡します。" in html
    assert "<script>x()</script>" not in html and "&lt;script&gt;x()&lt;/script&gt;" in html
    assert '<a href="https://example.com/track" rel="nofollow ugc noopener">追跡</a>' in html
    assert "Private: only you can see this answer" in html
    assert staff.email not in html and staff.username not in html
    assert '<meta name="robots" content="noindex">' in html


def test_question_without_answer_says_so(customer_client, make_question):
    question = make_question()
    html = customer_client.get(reverse("qa:my_question", args=[question.pk])).content.decode()
    assert "No answer yet." in html


def test_answer_emails_the_customer_with_a_link_to_the_question(
    make_question, customer, staff, django_capture_on_commit_callbacks
):
    question = make_question(title="返品できますか？")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.question_answer(
            question=question, author=staff, body="はい、30日以内なら返品できます。", is_public=False
        )
    assert [m.to for m in mail.outbox] == [[customer.email]]
    message = mail.outbox[0]
    assert "返品できますか？" in message.subject
    assert "はい、30日以内なら返品できます。" in message.body
    assert reverse("qa:my_question", args=[question.pk]) in message.body
    question.refresh_from_db()
    assert question.status == Question.Status.WAITING_CUSTOMER


def test_pages_run_a_fixed_number_of_queries(customer_client, make_question, staff, django_assert_max_num_queries):
    questions = [make_question(title=f"質問 {n}") for n in range(25)]
    for question in questions:
        for number in range(3):
            services.question_answer(question=question, author=staff, body=f"回答 {number}", is_public=number == 0)
    with django_assert_max_num_queries(8):
        response = customer_client.get(reverse("qa:my_questions"))
    assert len(response.context["questions"]) == 20
    assert response.context["page_obj"].paginator.num_pages == 2
    with django_assert_max_num_queries(8):
        response = customer_client.get(reverse("qa:my_question", args=[questions[0].pk]))
    assert response.content.decode().count('thread-message--reply stack"') == 3


def test_anonymous_visitor_is_sent_to_login_and_comes_back(client, make_question):
    question = make_question()
    url = reverse("qa:my_question", args=[question.pk])
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('account_login')}?next={url}"


@pytest.mark.django_db(transaction=True)
def test_answer_email_is_written_in_the_language_the_customer_asked_in(client, customer, staff, category):
    client.force_login(customer)
    client.cookies["django_language"] = "ja"
    client.post(
        "/ask/",
        {"title": "送料はいくらですか", "body": "沖縄への送料を教えてください。", "category": category.pk},
    )
    question = Question.objects.get(title="送料はいくらですか")
    assert question.language == "ja"
    mail.outbox.clear()
    services.question_answer(question=question, author=staff, body="全国一律500円です。", is_public=False)
    assert mail.outbox[0].subject.startswith("ご質問に回答しました")
