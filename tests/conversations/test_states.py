"""A conversation's states: new -> waiting on us -> waiting on the customer ->
closed, reopened by the customer, expired by silence; and do-not-contact."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.test import override_settings
from django.utils import timezone

from conversations import services
from conversations.models import Network, Person
from qa import services as qa_services
from qa.models import Message, Question

Status = Question.Status
Reason = Question.CloseReason


def _reload(question):
    question.refresh_from_db()
    return question


def test_a_web_question_opens_with_its_first_message(make_question, customer):
    question = make_question(title="届きません", body="注文した商品が**届きません**。")

    opening = question.messages.get()
    assert (opening.kind, opening.channel, opening.author) == (Message.Kind.CUSTOMER, "web", customer)
    assert opening.body == question.body and opening.body_html == question.body_html
    assert opening.created_at == question.created_at == question.waiting_since == question.last_customer_message_at
    assert question.status == Status.NEW and question.source == Network.WEB


def test_a_staff_reply_waits_on_the_customer_and_a_follow_up_waits_on_us(make_question, staff, customer):
    question = make_question()
    reply = qa_services.question_answer(question=question, author=staff, body="Sent today.", is_public=False)
    question = _reload(question)
    assert question.status == Status.WAITING_CUSTOMER
    assert question.first_answered_at == question.last_staff_reply_at == question.waiting_since == reply.created_at

    follow_up = services.conversation_follow_up(question=question, author=customer, body="Still nothing.")
    question = _reload(question)
    assert question.status == Status.WAITING_US
    assert question.waiting_since == question.last_customer_message_at == follow_up.created_at
    # The first response time is not moved by later replies.
    qa_services.question_answer(question=question, author=staff, body="Refunded.", is_public=False)
    assert _reload(question).first_answered_at == reply.created_at


def test_a_second_customer_message_keeps_its_place_in_the_queue(make_question, customer):
    question = make_question()
    waiting_since = question.waiting_since
    services.conversation_follow_up(question=question, author=customer, body="Any news?")
    question = _reload(question)
    assert question.status == Status.NEW
    assert question.waiting_since == waiting_since


def test_a_note_changes_nothing_and_the_customer_never_sees_it(make_question, staff):
    question = make_question()
    services.conversation_note(question=question, author=staff, body="Check the warehouse first.")
    question = _reload(question)
    assert question.status == Status.NEW and question.first_answered_at is None
    assert not Message.objects.visible_to_customer().filter(kind=Message.Kind.NOTE).exists()
    assert Message.objects.filter(kind=Message.Kind.NOTE).count() == 1


@pytest.mark.parametrize("reason", [Reason.RESOLVED, Reason.IGNORED])
def test_a_customer_message_reopens_a_closed_conversation(make_question, customer, reason):
    question = make_question()
    assert services.conversations_close(questions=[question], reason=reason) == 1
    question = _reload(question)
    assert (question.status, question.close_reason) == (Status.CLOSED, reason)

    services.conversation_follow_up(question=question, author=customer, body="It came back broken.")
    question = _reload(question)
    assert (question.status, question.close_reason) == (Status.WAITING_US, "")


def test_spam_stays_closed_and_refuses_follow_ups(make_question, customer):
    question = make_question()
    services.conversations_close(questions=[question], reason=Reason.SPAM)
    with pytest.raises(ValidationError):
        services.conversation_follow_up(question=_reload(question), author=customer, body="buy now")
    assert _reload(question).is_spam


def test_expired_is_not_a_reason_staff_choose_by_hand(make_question):
    with pytest.raises(ValueError):
        services.conversations_close(questions=[make_question()], reason=Reason.EXPIRED)


@override_settings(CONVERSATION_FOLLOW_UP_DAYS=14)
def test_silence_expires_only_conversations_waiting_on_the_customer(make_question, staff, customer):
    now = timezone.now()
    quiet = make_question(title="quiet")
    qa_services.question_answer(question=quiet, author=staff, body="Done?", is_public=False)
    recent = make_question(title="recent")
    qa_services.question_answer(question=recent, author=staff, body="Done?", is_public=False)
    unanswered = make_question(title="unanswered")
    Question.objects.filter(pk__in=[quiet.pk, unanswered.pk]).update(waiting_since=now - dt.timedelta(days=14, hours=1))
    Question.objects.filter(pk=recent.pk).update(waiting_since=now - dt.timedelta(days=13, hours=23))

    assert services.conversations_expire(now=now) == 1
    assert services.conversations_expire(now=now) == 0  # idempotent
    quiet = _reload(quiet)
    assert (quiet.status, quiet.close_reason, quiet.waiting_since) == (Status.CLOSED, Reason.EXPIRED, now)
    assert _reload(recent).status == Status.WAITING_CUSTOMER
    assert _reload(unanswered).status == Status.NEW  # waiting on us never expires

    # A new message reopens it.
    services.conversation_follow_up(question=quiet, author=customer, body="Sorry, I was away.")
    assert _reload(quiet).status == Status.WAITING_US


def test_the_expiry_task_runs_the_service(make_question, staff):
    from conversations.tasks import expire_conversations

    question = make_question()
    qa_services.question_answer(question=question, author=staff, body="Done?", is_public=False)
    Question.objects.filter(pk=question.pk).update(waiting_since=timezone.now() - dt.timedelta(days=30))
    assert expire_conversations.apply().get() == 1


def test_closed_always_has_a_reason_and_open_never_has_one(make_question):
    from django.db import IntegrityError, transaction

    question = make_question()
    with pytest.raises(IntegrityError), transaction.atomic():
        Question.objects.filter(pk=question.pk).update(status=Status.CLOSED)
    with pytest.raises(IntegrityError), transaction.atomic():
        Question.objects.filter(pk=question.pk).update(close_reason=Reason.SPAM)


def test_do_not_contact_needs_a_reason_and_can_be_cleared(db, staff):
    person = Person.objects.create(network=Network.X, remote_id="42", handle="taro")
    with pytest.raises(ValidationError):
        services.person_mark_do_not_contact(person=person, by=staff, reason="  ")

    services.person_mark_do_not_contact(person=person, by=staff, reason="連絡不要とのこと")
    person.refresh_from_db()
    assert person.do_not_contact and person.do_not_contact_by == staff and person.do_not_contact_since
    assert str(person) == "@taro"

    services.person_clear_do_not_contact(person=person)
    person.refresh_from_db()
    assert not person.do_not_contact and person.do_not_contact_reason == "" and person.do_not_contact_since is None


def test_labels_are_deduplicated_and_kept_apart_from_tip_tags(make_question):
    from taggit.models import Tag

    question = make_question()
    labels = services.conversation_set_labels(question=question, names=["返金", " 返金 ", "bug", ""])
    assert sorted(label.name for label in labels) == ["bug", "返金"]
    assert sorted(question.labels.values_list("name", flat=True)) == ["bug", "返金"]
    assert not Tag.objects.filter(name="返金").exists()


def test_one_message_per_remote_post(make_question):
    from django.db import IntegrityError, transaction

    question = make_question()
    Message.objects.create(question=question, kind="customer", channel="x", remote_id="1", body="hi")
    Message.objects.create(question=question, kind="customer", channel="facebook", remote_id="1", body="hi")
    Message.objects.create(question=question, kind="reply", channel="x", remote_id="", body="a")
    Message.objects.create(question=question, kind="reply", channel="x", remote_id="", body="b")
    with pytest.raises(IntegrityError), transaction.atomic():
        Message.objects.create(question=question, kind="customer", channel="x", remote_id="1", body="again")
