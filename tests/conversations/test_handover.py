"""Hand-over to private: the signed ask-form link staff post publicly, and the
web question a customer sends through it joining the same person's history."""

import datetime as dt
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core import signing
from django.urls import reverse
from django.utils import timezone

from conversations.handover import PARAMETER, SALT, handover_link, handover_read, handover_token
from conversations.models import Network, Person
from qa.models import Question


@pytest.fixture
def person(db):
    return Person.objects.create(network=Network.X, remote_id="123456", handle="hanako_t", name="Hanako")


@pytest.fixture
def mention(person):
    """A public conversation that began with a mention on X."""
    return Question.objects.create(
        asker=None, person=person, source=Network.X, title="注文番号を送ってもいいですか", body="@tipcast 注文の件で…"
    )


def path_of(link: str) -> str:
    parts = urlsplit(link)
    return f"{parts.path}?{parts.query}"


def token_of(link: str) -> str:
    return parse_qs(urlsplit(link).query)[PARAMETER][0]


def ask(client, token, title="Re: 注文番号を送ってもいいですか", body="注文番号は A-123456 です。"):
    return client.post(reverse("qa:ask"), {"title": title, "body": body, "handover": token, "action": "confirm"})


def test_the_link_is_the_ask_form_on_this_site_with_a_signed_token(person, mention, settings):
    settings.SITE_URL = "https://support.example.com"
    link = handover_link(person=person, question=mention)
    assert link.startswith("https://support.example.com/ask/?handover=")
    assert len(link) < 200  # short enough for a post on X
    payload = signing.loads(token_of(link), salt=SALT)
    assert payload == {"person": person.pk, "question": mention.pk}


def test_the_form_opened_through_the_link_is_pre_filled_and_says_why(client, customer, person, mention):
    client.force_login(customer)
    response = client.get(path_of(handover_link(person=person, question=mention)))
    html = response.content.decode()
    assert response.status_code == 200
    assert response.context["form"]["title"].value() == "Re: 注文番号を送ってもいいですか"
    assert 'name="handover"' in html
    assert 'id="ask-handover"' in html and "continuing your conversation from X in private" in html


def test_the_question_sent_through_the_link_joins_the_persons_history(client, customer, person, mention):
    client.force_login(customer)
    response = ask(client, handover_token(person=person, question=mention))
    assert response.status_code == 302
    question = Question.objects.get(asker=customer)
    assert question.person == person
    assert question.source == Network.WEB
    person.refresh_from_db()
    assert person.user == customer
    assert set(person.conversations.all()) == {mention, question}


def test_a_person_linked_to_another_account_is_not_taken_over(client, customer, other_customer, person, mention):
    person.user = other_customer
    person.save()
    client.force_login(customer)
    assert ask(client, handover_token(person=person, question=mention)).status_code == 302
    question = Question.objects.get(asker=customer)
    assert question.person is None  # the question stands alone
    person.refresh_from_db()
    assert person.user == other_customer


def test_the_same_customer_can_use_the_link_again(client, customer, person, mention):
    client.force_login(customer)
    token = handover_token(person=person, question=mention)
    ask(client, token, body="一通目")
    ask(client, token, body="二通目")
    assert Question.objects.filter(asker=customer, person=person).count() == 2


@pytest.mark.parametrize(
    "token",
    ["", "garbage", "eyJwZXJzb24iOjF9:forged:signature", signing.dumps({"person": 1, "question": 1}, salt="other")],
    ids=["empty", "garbage", "forged", "other-salt"],
)
def test_a_bad_token_gives_a_plain_question(client, customer, person, mention, token):
    client.force_login(customer)
    assert ask(client, token).status_code == 302
    question = Question.objects.get(asker=customer)
    assert question.person is None
    person.refresh_from_db()
    assert person.user is None


def test_the_link_expires(person, mention, settings, monkeypatch):
    settings.CONVERSATION_HANDOVER_LINK_DAYS = 30
    token = handover_token(person=person, question=mention)
    assert handover_read(token).person == person
    later = timezone.now() + dt.timedelta(days=31)
    monkeypatch.setattr("django.core.signing.time.time", lambda: later.timestamp())
    assert handover_read(token) is None


def test_a_token_naming_a_deleted_person_is_ignored(person, mention):
    token = handover_token(person=person, question=mention)
    person.delete()
    assert handover_read(token) is None


def test_signing_in_is_required_first(client, person, mention):
    response = client.get(path_of(handover_link(person=person, question=mention)))
    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]
    # The token survives the sign-in: it is in ?next=.
    assert PARAMETER in response["Location"]
