"""The question inbox and answering, through the admin as a staff user."""

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from conversations import services as conversation_services
from qa import services
from qa.models import Message, Question, Tip

INBOX = reverse("admin:qa_question_changelist")


@pytest.fixture
def staff_client(client, staff):
    client.force_login(staff)
    return client


def _age(question, **delta):
    then = timezone.now() - timedelta(**delta)
    Question.objects.filter(pk=question.pk).update(created_at=then, waiting_since=then)
    question.refresh_from_db()
    return question


def _inbox_ids(response):
    return [question.pk for question in response.context["cl"].result_list]


def test_inbox_lists_new_questions_oldest_first_then_the_rest(staff_client, make_question, staff):
    answered = _age(make_question(title="配送について"), days=10)
    services.question_answer(question=answered, author=staff, body="届きます。", is_public=False)
    newest = _age(make_question(title="返品したい"), hours=1)
    oldest = _age(make_question(title="送料はいくら?"), days=2)

    response = staff_client.get(INBOX)

    assert response.status_code == 200
    assert _inbox_ids(response) == [oldest.pk, newest.pk, answered.pk]


def test_inbox_row_shows_how_long_the_question_has_waited(staff_client, make_question):
    _age(make_question(title="まだ届きません"), hours=3, minutes=5)

    response = staff_client.get(INBOX)

    assert "3\xa0hours" in response.content.decode()


@pytest.mark.parametrize(
    ("age", "expected_titles"),
    [
        ("lt1d", {"today"}),
        ("1to3d", {"two days"}),
        ("gt3d", {"five days", "ten days"}),
        ("gt7d", {"ten days"}),
    ],
)
def test_age_filter(staff_client, make_question, age, expected_titles):
    _age(make_question(title="today"), hours=2)
    _age(make_question(title="two days"), days=2)
    _age(make_question(title="five days"), days=5)
    _age(make_question(title="ten days"), days=10)

    response = staff_client.get(INBOX, {"age": age})

    assert {q.title for q in response.context["cl"].result_list} == expected_titles


def test_status_category_and_assignee_filters(staff_client, make_question, staff, customer, category):
    mine = make_question(title="mine")
    conversation_services.conversation_assign(question=mine, assignee=staff)
    unassigned = services.question_create(asker=customer, title="nobody's", body="…")
    spam = make_question(title="spam")
    conversation_services.conversations_close(questions=[spam], reason=Question.CloseReason.SPAM)

    assert _inbox_ids(staff_client.get(INBOX, {"assignee": "me"})) == [mine.pk]
    assert set(_inbox_ids(staff_client.get(INBOX, {"assignee": "none"}))) == {unassigned.pk, spam.pk}
    assert _inbox_ids(staff_client.get(INBOX, {"close_reason__exact": "spam"})) == [spam.pk]
    assert set(_inbox_ids(staff_client.get(INBOX, {"category__id__exact": category.pk}))) == {mine.pk, spam.pk}


def test_search_by_title_body_and_asker_email(staff_client, make_question, other_customer):
    by_title = make_question(title="会員登録できない", body="…")
    by_body = make_question(title="help", body="送料が高い")
    by_email = make_question(title="hello", body="…", asker=other_customer)

    assert _inbox_ids(staff_client.get(INBOX, {"q": "会員"})) == [by_title.pk]
    assert _inbox_ids(staff_client.get(INBOX, {"q": "送料"})) == [by_body.pk]
    assert _inbox_ids(staff_client.get(INBOX, {"q": "other@example.com"})) == [by_email.pk]


def test_search_by_handle_or_name_each_word_anywhere_once_per_conversation(staff_client, make_question):
    from conversations.models import Network, Person

    hanako = Person.objects.create(network=Network.X, remote_id="1", handle="hanako_shop", name="山田 花子")
    everywhere = make_question(title="hanako_shop の返品", body="hanako_shop より")
    everywhere.person = hanako
    everywhere.save()
    by_name = make_question(title="配送", body="…")
    by_name.person = hanako
    by_name.save()
    make_question(title="返品 unrelated", body="…")

    # Found by title, opening and handle at once: listed once.
    assert sorted(_inbox_ids(staff_client.get(INBOX, {"q": "HANAKO_shop"}))) == sorted([everywhere.pk, by_name.pk])
    assert sorted(_inbox_ids(staff_client.get(INBOX, {"q": "山田"}))) == sorted([everywhere.pk, by_name.pk])
    # Every word must be found (in any of the fields).
    assert _inbox_ids(staff_client.get(INBOX, {"q": "花子 返品"})) == [everywhere.pk]
    assert _inbox_ids(staff_client.get(INBOX, {"q": "花子 nothing"})) == []


def test_inbox_query_count_does_not_grow_with_questions(
    staff_client, make_question, category, django_assert_max_num_queries
):
    User = get_user_model()
    for index in range(40):
        asker = User.objects.create_user(username=f"asker{index}", email=f"asker{index}@example.com")
        assignee = User.objects.create_user(username=f"agent{index}", email=f"agent{index}@example.com", is_staff=True)
        question = make_question(title=f"質問 {index}", asker=asker)
        conversation_services.conversation_assign(question=question, assignee=assignee)

    with django_assert_max_num_queries(12):
        response = staff_client.get(INBOX)

    assert response.status_code == 200
    assert len(response.context["cl"].result_list) == 40


def test_assign_to_me_action(staff_client, make_question, staff):
    first, second = make_question(title="one"), make_question(title="two")

    response = staff_client.post(
        INBOX, {"action": "assign_to_me", "_selected_action": [first.pk, second.pk]}, follow=True
    )

    assert response.status_code == 200
    assert set(Question.objects.filter(assignee=staff).values_list("pk", flat=True)) == {first.pk, second.pk}
    assert "2 conversations assigned to you." in response.content.decode()


def test_assign_to_me_button(staff_client, make_question, staff):
    question = make_question()
    change_url = reverse("admin:qa_question_change", args=[question.pk])
    assert (
        reverse("admin:qa_question_assign_to_me", args=[question.pk]) in staff_client.get(change_url).content.decode()
    )

    response = staff_client.post(reverse("admin:qa_question_assign_to_me", args=[question.pk]))

    assert response.status_code == 302
    question.refresh_from_db()
    assert question.assignee == staff
    assert staff_client.get(reverse("admin:qa_question_assign_to_me", args=[question.pk])).status_code == 405


def test_mark_as_spam_action(staff_client, make_question):
    spam, keep = make_question(title="BUY NOW"), make_question(title="本物の質問")

    staff_client.post(INBOX, {"action": "mark_as_spam", "_selected_action": [spam.pk]})

    spam.refresh_from_db()
    keep.refresh_from_db()
    assert (spam.status, spam.close_reason) == (Question.Status.CLOSED, Question.CloseReason.SPAM)
    assert keep.status == Question.Status.NEW


def test_inbox_is_staff_only(client, customer, make_question):
    make_question()
    client.force_login(customer)
    assert client.get(INBOX).status_code == 302


# --- The answer page ---------------------------------------------------------------------


def _change_url(question):
    return reverse("admin:qa_question_change", args=[question.pk])


def _answer_post(question, body, button, **extra):
    data = {
        "status": question.status,
        "category": question.category_id or "",
        "assignee": question.assignee_id or "",
        "answer_body": body,
        "messages-TOTAL_FORMS": "0",
        "messages-INITIAL_FORMS": "0",
        "messages-MIN_NUM_FORMS": "0",
        "messages-MAX_NUM_FORMS": "1000",
        button: "1",
    }
    data.update(extra)
    return data


def test_answer_page_shows_question_previous_answers_and_saved_replies(staff_client, make_question, staff):
    question = make_question(title="返品できますか?", body="**箱を開けました**")
    services.question_answer(question=question, author=staff, body="はい、*30日以内*なら。", is_public=False)
    services.saved_reply_create(title="お礼", body="お問い合わせありがとうございます。\n担当: サポート")

    response = staff_client.get(_change_url(question))

    html = response.content.decode()
    assert response.status_code == 200
    assert "<strong>箱を開けました</strong>" in html
    assert "<em>30日以内</em>" in html
    assert "Staff reply, private: only the asker sees it" in html
    # The saved reply is offered to the JS picker and, for copying, as plain text.
    assert 'data-body="お問い合わせありがとうございます。\n担当: サポート"' in html
    assert "<pre>お問い合わせありがとうございます。\n担当: サポート</pre>" in html
    assert "admin-tipcast/saved-replies.js" in html
    assert "Answer privately" in html and "Answer publicly and publish as a tip" in html


def test_answer_privately(staff_client, make_question, staff):
    question = make_question(title="注文番号 ABC-123456 が届かない")

    response = staff_client.post(_change_url(question), _answer_post(question, "本日発送しました。", "_answer_private"))

    assert response.status_code == 302
    assert response["Location"] == INBOX
    answer = Message.objects.get(question=question, kind=Message.Kind.REPLY)
    assert (answer.body, answer.is_public, answer.author) == ("本日発送しました。", False, staff)
    question.refresh_from_db()
    assert question.status == Question.Status.WAITING_CUSTOMER
    assert not Tip.objects.exists()


def test_answer_publicly_creates_a_draft_tip_and_opens_it(staff_client, make_question):
    question = make_question(title="送料はいくら?", body="090-1234-5678 に電話ください")

    response = staff_client.post(_change_url(question), _answer_post(question, "全国一律500円です。", "_answer_public"))

    tip = Tip.objects.get(question=question)
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:qa_tip_change", args=[tip.pk])
    assert tip.status == Tip.Status.DRAFT
    assert Message.objects.get(question=question, kind=Message.Kind.REPLY).is_public is True


def test_answer_button_with_empty_answer_is_an_error(staff_client, make_question):
    question = make_question()

    response = staff_client.post(_change_url(question), _answer_post(question, "   ", "_answer_private"))

    assert response.status_code == 200
    assert "Write an answer before sending it." in response.content.decode()
    assert not Message.objects.filter(kind=Message.Kind.REPLY).exists()


def test_saving_metadata_with_a_written_answer_does_not_drop_it_silently(staff_client, make_question):
    question = make_question()

    response = staff_client.post(_change_url(question), _answer_post(question, "下書き", "_save"))

    assert response.status_code == 200
    assert "send it with one of the answer buttons" in response.content.decode()
    assert not Message.objects.filter(kind=Message.Kind.REPLY).exists()


def test_saving_metadata_only(staff_client, make_question, staff):
    question = make_question()

    response = staff_client.post(
        _change_url(question), _answer_post(question, "", "_save", assignee=staff.pk, status="closed")
    )

    assert response.status_code == 302
    question.refresh_from_db()
    assert (question.assignee, question.status, question.close_reason) == (staff, "closed", "resolved")
    assert not Message.objects.filter(kind=Message.Kind.REPLY).exists()
