""" "Was this helpful?": one vote per signed-in user (which they may change), and
for anonymous visitors a signed cookie plus a per-IP cap per tip and day
(qa.views.voting)."""

import hashlib

import pytest
from django.test import Client, override_settings
from django.urls import reverse

from qa.models import TipVote
from qa.views.voting import VOTER_COOKIE


def vote(client, tip, choice="yes", **kwargs):
    return client.post(reverse("qa:tip_vote", kwargs={"pk": tip.pk}), {"helpful": choice}, **kwargs)


def counts(tip):
    tip.refresh_from_db()
    return tip.helpful_yes, tip.helpful_no


def test_an_anonymous_vote_counts_thanks_the_visitor_and_offers_to_change_it(client, make_tip):
    tip = make_tip()
    html = vote(client, tip, follow=True).content.decode()
    assert "Thank you for your feedback!" in html
    assert "1 person found this helpful" in html
    assert "Change my answer to No" in html
    assert 'value="yes"' not in html  # the Yes/No form is replaced by the thank-you
    assert counts(tip) == (1, 0)


def test_the_same_answer_twice_counts_once_and_the_other_answer_changes_the_vote(client, make_tip):
    tip = make_tip()
    vote(client, tip, "yes")
    assert "already voted" in vote(client, tip, "yes", follow=True).content.decode()
    assert counts(tip) == (1, 0)
    html = vote(client, tip, "no", follow=True).content.decode()
    assert "Your answer was changed." in html
    assert "Change my answer to Yes" in html
    assert counts(tip) == (0, 1)
    assert TipVote.objects.count() == 1


def test_the_signed_cookie_outlives_the_session(client, make_tip):
    """A new session (cleared, expired, or a new browser session) is not a new voter."""
    tip = make_tip()
    vote(client, tip)
    cookie = client.cookies[VOTER_COOKIE]
    assert cookie["max-age"] >= 365 * 24 * 3600
    assert cookie["httponly"]
    fresh = Client()
    fresh.cookies[VOTER_COOKIE] = cookie.value  # the same browser, its session gone
    assert "already voted" in vote(fresh, tip, follow=True).content.decode()
    assert counts(tip) == (1, 0)


def test_a_tampered_cookie_is_ignored(make_tip):
    tip = make_tip()
    victim = Client()
    vote(victim, tip, "yes")
    signed = victim.cookies[VOTER_COOKIE].value
    visitor_id, timestamp, signature = signed.rsplit(":", 2)  # Django's TimestampSigner format
    forged = Client()
    # The victim's id with a signature the forger cannot make, and the bare id without any.
    for value in (f"{visitor_id}:{timestamp}:{signature[::-1]}", visitor_id):
        forged.cookies[VOTER_COOKIE] = value
        response = vote(forged, tip, "no")
        assert response.status_code == 302
        assert response.cookies[VOTER_COOKIE].value != value  # a new id of its own
    victims_key = hashlib.sha256(f"visitor:{visitor_id}".encode()).hexdigest()
    assert TipVote.objects.get(voter_key=victims_key).helpful is True  # not changed by the forgery


@override_settings(VOTE_ANONYMOUS_RATE_PER_IP_PER_TIP="3/d")
def test_eight_fresh_visitors_from_one_ip_get_no_more_than_the_daily_cap(make_tip):
    tip, other_tip = make_tip(title="Tip one"), make_tip(title="Tip two")
    for _ in range(8):
        response = vote(Client(REMOTE_ADDR="203.0.113.7"), tip, follow=True)
        assert response.status_code == 200
    assert counts(tip) == (3, 0)
    assert "this vote was not counted" in response.content.decode()
    # The cap is per tip and per address: another tip, another address still count.
    assert vote(Client(REMOTE_ADDR="203.0.113.7"), other_tip).status_code == 302
    assert vote(Client(REMOTE_ADDR="198.51.100.4"), tip).status_code == 302
    assert counts(other_tip) == (1, 0)
    assert counts(tip) == (4, 0)


@override_settings(VOTE_ANONYMOUS_RATE_PER_IP_PER_TIP="1/d")
def test_a_visitor_who_voted_can_change_the_vote_after_the_cap_is_reached(make_tip):
    tip = make_tip()
    first = Client(REMOTE_ADDR="203.0.113.7")
    vote(first, tip, "yes")
    vote(Client(REMOTE_ADDR="203.0.113.7"), tip, "yes")  # capped
    assert counts(tip) == (1, 0)
    vote(first, tip, "no")
    assert counts(tip) == (0, 1)


@override_settings(VOTE_ANONYMOUS_RATE_PER_IP_PER_TIP="1/d")
def test_signed_in_users_each_get_one_vote_whatever_their_address(make_tip, customer, other_customer):
    tip = make_tip()
    for user in (customer, other_customer):
        client = Client(REMOTE_ADDR="203.0.113.7")
        client.force_login(user)
        vote(client, tip)
    assert counts(tip) == (2, 0)


def test_a_signed_in_user_voting_twice_changes_the_vote_across_sessions(make_tip, customer):
    tip = make_tip()
    client = Client()
    client.force_login(customer)
    vote(client, tip, "yes")
    client.logout()
    again = Client()  # another browser: no voter cookie, no session
    again.force_login(customer)
    assert "Your answer was changed." in vote(again, tip, "no", follow=True).content.decode()
    assert counts(tip) == (0, 1)
    assert TipVote.objects.filter(tip=tip).count() == 1


def test_two_visitors_each_get_a_vote(make_tip):
    tip = make_tip()
    vote(Client(), tip)
    vote(Client(), tip)
    assert counts(tip) == (2, 0)


@pytest.mark.parametrize("language", ["en", "ja"])
def test_the_capped_message_is_translated(make_tip, settings, language):
    settings.VOTE_ANONYMOUS_RATE_PER_IP_PER_TIP = "0/d"
    tip = make_tip()
    html = vote(Client(HTTP_ACCEPT_LANGUAGE=language), tip, follow=True).content.decode()
    expected = {"en": "this vote was not counted", "ja": "この投票は数えられませんでした"}[language]
    assert expected in html
