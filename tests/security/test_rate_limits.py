"""Rate limits answer 429 with a readable page.

Already proven elsewhere (not repeated here):
- failed sign-ins: tests/qa/test_customer_accounts.py::test_repeated_failed_sign_ins_get_429;
- asking: tests/qa/test_customer_ask.py::test_rate_limit_per_user_returns_429 and
  ::test_rate_limit_per_ip_covers_several_accounts;
- voting: tests/qa/test_public_pages.py::test_votes_are_rate_limited_per_ip (statuses only);
- admin sign-in: tests/qa/test_admin_login.py;
- behind a proxy, every per-IP limit counts the real client: tests/security/test_client_ip.py.
Added here: sign-up (allauth's own limit), and for each of sign-up, sign-in, ask
and vote, that the 429 is the readable page a person understands, in English
and in Japanese.
"""

import pytest
from django.contrib.auth import get_user_model
from django.test import override_settings
from django.urls import reverse

from qa.models import Question

READABLE_SENTENCE = "You have done that too many times in a short while. Please wait a few minutes and try again."


def assert_readable_429(response, sentence=READABLE_SENTENCE):
    html = response.content.decode()
    assert response.status_code == 429
    assert "429.html" in [template.name for template in response.templates]
    assert sentence in html
    # The site's own layout, with a way back: not a bare error string.
    assert 'href="/"' in html


def signup(client, email):
    password = "Tr0ub4dor&3-長いパスワード"
    return client.post(reverse("account_signup"), {"email": email, "password1": password, "password2": password})


@pytest.fixture
def signup_limit(settings):
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "signup": "3/m/ip"}


def test_signup_past_the_limit_gets_the_readable_429_page(client, db, signup_limit):
    for number in range(3):
        assert signup(client, f"user{number}@example.jp").status_code == 302
    response = signup(client, "user3@example.jp")
    assert_readable_429(response)
    assert not get_user_model().objects.filter(email="user3@example.jp").exists()


def test_signup_limit_is_per_ip(client, db, signup_limit):
    for number in range(3):
        signup(client, f"user{number}@example.jp")
    assert signup(client, "blocked@example.jp").status_code == 429
    other_ip = signup(client.__class__(REMOTE_ADDR="198.51.100.7"), "other-ip@example.jp")
    assert other_ip.status_code == 302


def test_signup_page_itself_is_not_limited(client, db, signup_limit):
    for _ in range(5):
        assert client.get(reverse("account_signup")).status_code == 200


def test_signup_429_in_japanese(client, db, signup_limit, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ja"
    for number in range(3):
        signup(client, f"user{number}@example.jp")
    response = signup(client, "user3@example.jp")
    assert response.status_code == 429
    assert '<html lang="ja">' in response.content.decode()


def test_failed_sign_ins_get_the_readable_page(client, customer):
    url = reverse("account_login")
    for _ in range(5):
        client.post(url, {"login": customer.email, "password": "wrong"})
    assert_readable_429(client.post(url, {"login": customer.email, "password": "wrong"}))


@override_settings(ASK_RATE_PER_USER="1/h", ASK_RATE_PER_IP="100/h")
def test_asking_too_often_gets_the_readable_page(client, customer):
    client.force_login(customer)
    data = {"body": "届いた商品が壊れていました。", "action": "confirm"}
    assert client.post(reverse("qa:ask"), {**data, "title": "破損していました"}).status_code == 302
    assert_readable_429(client.post(reverse("qa:ask"), {**data, "title": "もう一度"}))
    assert Question.objects.count() == 1


@override_settings(VOTE_RATE_PER_IP="1/h")
def test_voting_too_often_gets_the_readable_page(client, make_tip):
    first, second = make_tip(title="First tip"), make_tip(title="Second tip")
    assert client.post(reverse("qa:tip_vote", args=[first.pk]), {"helpful": "yes"}).status_code == 302
    assert_readable_429(client.post(reverse("qa:tip_vote", args=[second.pk]), {"helpful": "yes"}))
    second.refresh_from_db()
    assert second.helpful_yes == 0
