"""Self-service metrics: each site event counted per day through the real views
(metrics.self_service_events), pages served from the cache included."""

from datetime import UTC, date, datetime, timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from metrics import self_service_rollup
from metrics.models import DailyCount
from metrics.periods import local_today
from qa.models import Question, TipVote

pytestmark = pytest.mark.django_db

ASK_URL = reverse("qa:ask")
EVENT_URL = reverse("qa:ask_event")


def other_queries(client, url, **params) -> tuple[object, list[str]]:
    """The response, and the queries it ran besides the counters' (ours, SearchMiss): none when served from the page cache."""
    with CaptureQueriesContext(connection) as context:
        response = client.get(url, params)
    return response, [
        q["sql"]
        for q in context.captured_queries
        if "metrics_dailycount" not in q["sql"] and "qa_searchmiss" not in q["sql"]
    ]


def counts() -> dict[tuple[str, str], int]:
    return {(row.event, row.key): row.count for row in DailyCount.objects.all()}


@pytest.fixture
def customer_client(customer):
    client = Client(enforce_csrf_checks=True)
    client.force_login(customer)
    return client


def csrf_token(client) -> str:
    client.get(ASK_URL)
    return client.cookies["csrftoken"].value


def post_ask(client, action="submit", **data):
    payload = {"title": "", "body": "", "category": "", "website": "", "action": action}
    payload.update(data)
    payload["csrfmiddlewaretoken"] = csrf_token(client)
    return client.post(ASK_URL, payload)


# --- The ask form: beacon, suggestions, sending ------------------------------------------------------


def test_the_beacon_counts_a_start_and_a_click(customer_client):
    token = csrf_token(customer_client)
    assert customer_client.post(EVENT_URL, {"event": "started", "csrfmiddlewaretoken": token}).status_code == 204
    assert customer_client.post(EVENT_URL, {"event": "clicked"}, HTTP_X_CSRFTOKEN=token).status_code == 204
    assert counts() == {("ask.started", ""): 1, ("ask.clicked", ""): 1}


def test_the_beacon_refuses_junk_a_missing_token_a_get_and_anonymous_visitors(customer_client):
    token = csrf_token(customer_client)
    for junk in ["", "sent", "started\x00", "<script>"]:
        assert customer_client.post(EVENT_URL, {"event": junk, "csrfmiddlewaretoken": token}).status_code == 400
    huge = {"event": "started" * 1000, "csrfmiddlewaretoken": token}
    assert customer_client.post(EVENT_URL, huge).status_code == 413
    assert customer_client.post(EVENT_URL, {"event": "started"}).status_code == 403  # no CSRF token
    assert customer_client.get(EVENT_URL).status_code == 405
    assert customer_client.head(EVENT_URL).status_code == 405
    anonymous = Client()
    assert anonymous.post(EVENT_URL, {"event": "started"}).status_code == 302  # to sign-in
    assert counts() == {}


def test_the_beacon_is_rate_limited_per_user(customer_client):
    token = csrf_token(customer_client)
    statuses = [
        customer_client.post(EVENT_URL, {"event": "started", "csrfmiddlewaretoken": token}).status_code
        for _ in range(61)
    ]
    assert statuses[:60] == [204] * 60 and statuses[60] == 429
    assert counts() == {("ask.started", ""): 60}


def test_suggestions_are_counted_once_per_form_when_asked_and_found(client, make_tip):
    tip = make_tip(title="送料について")
    url = reverse("qa:suggest")
    first = client.get(url, {"q": "送料", "count": "1"})
    assert first.json()["results"][0]["url"] == tip.get_canonical_url() + "?from=suggestion"
    client.get(url, {"q": "送料"})  # the same form typing on: already counted
    client.get(url, {"q": "返品", "count": "1"})  # nothing found
    client.get(url, {"q": "送料", "count": "junk"})
    client.head(url + "?q=%E9%80%81%E6%96%99&count=1")
    assert counts() == {("ask.suggested", ""): 1}


def test_the_confirmation_step_counts_suggestions_a_form_had_not_shown_yet(customer_client, make_tip):
    make_tip(title="送料について")
    response = post_ask(customer_client, title="送料", body="沖縄は？")
    assert 'name="ask_shown" value="1"' in response.content.decode()  # carried into the next post
    assert counts() == {("ask.suggested", ""): 1}
    # Edit, then send again: the marker came back, the tips are not counted twice.
    response = post_ask(customer_client, action="edit", title="送料と返品", body="沖縄は？", ask_shown="1")
    assert 'name="ask_shown" value="1"' in response.content.decode()
    post_ask(customer_client, title="送料と返品", body="沖縄は？", ask_shown="1")
    assert counts()[("ask.suggested", "")] == 1


def test_a_sent_question_is_counted_with_what_its_form_had_shown(customer_client, make_tip):
    post_ask(customer_client, title="Parcel", body="Where is it?")
    post_ask(customer_client, title="Refund", body="When?", ask_started="1", ask_shown="1")
    post_ask(customer_client, title="Box", body="Broken", ask_started="1", ask_shown="1", ask_clicked="1")
    # Junk markers count as no marker.
    post_ask(customer_client, title="Junk", body="Markers", ask_shown="yes", ask_clicked="1" * 5000)
    assert Question.objects.count() == 4
    assert counts() == {("ask.sent", ""): 4, ("ask.sent_suggested", ""): 2, ("ask.sent_clicked", ""): 1}


def test_a_form_with_errors_keeps_its_markers_and_counts_nothing(customer_client):
    response = post_ask(customer_client, title="", body="x", ask_started="1", ask_clicked="1")
    html = response.content.decode()
    assert 'name="ask_started" value="1"' in html and 'name="ask_clicked" value="1"' in html
    assert 'name="ask_shown" value=""' in html
    assert counts() == {}


# --- The tip page: a suggested tip opened, from the cache or not -------------------------------------


def test_a_suggested_tip_opened_is_counted_even_from_the_page_cache(make_tip, customer):
    tip = make_tip()
    url = tip.get_absolute_url()
    first, rendering = other_queries(Client(), url, **{"from": "suggestion"})
    second, cached = other_queries(Client(), url, **{"from": "suggestion"})
    assert first.status_code == second.status_code == 200
    assert rendering and not cached  # the second was served from the page cache, and still counted
    assert first.content == second.content
    signed_in = Client()
    signed_in.force_login(customer)
    assert signed_in.get(url, {"from": "suggestion"}).status_code == 200
    # The short address redirects to the canonical one with the marker: counted once, there.
    short = Client().get(reverse("qa:tip_detail_short", kwargs={"pk": tip.pk}) + "?from=suggestion", follow=True)
    assert short.redirect_chain and short.status_code == 200
    assert counts() == {("suggestion.click", str(tip.pk)): 4}


def test_tip_pages_without_the_marker_or_missing_are_not_counted(client, make_tip):
    tip = make_tip()
    client.get(tip.get_absolute_url())
    client.get(tip.get_absolute_url() + "?from=elsewhere")
    client.get(tip.get_absolute_url() + "?from=" + "x" * 5000)
    client.head(tip.get_absolute_url() + "?from=suggestion")
    assert (
        client.get(reverse("qa:tip_detail_short", kwargs={"pk": tip.pk + 99}) + "?from=suggestion").status_code == 404
    )
    assert counts() == {}


# --- Searches -----------------------------------------------------------------------------------------


def test_searches_and_misses_are_counted_even_from_the_page_cache(make_tip):
    make_tip(title="送料について")
    url = reverse("qa:search")
    for attempt in range(2):  # the second of each is served from the cache
        for query in ["送料", "  ＷＩＦＩ   Setup "]:
            response, queries = other_queries(Client(), url, q=query)
            assert response.status_code == 200
            assert bool(queries) == (attempt == 0)
    assert counts() == {("search", ""): 4, ("search.miss", "wifi setup"): 2}


def test_empty_searches_later_pages_and_head_are_not_new_searches(client, make_tip):
    make_tip(title="送料について")
    url = reverse("qa:search")
    client.get(url)
    client.get(url, {"q": "   "})
    client.get(url, {"q": "送料", "page": "2"})
    client.head(url + "?q=nothing-here")
    assert counts() == {}


def test_a_huge_query_is_counted_under_a_cut_key(client):
    response = client.get(reverse("qa:search"), {"q": "長い" * 2000})
    assert response.status_code == 200
    (key,) = [key for (event, key) in counts() if event == "search.miss"]
    assert key == "長い" * 50


# --- Votes: the daily roll-up ----------------------------------------------------------------------------


def vote(client, tip, helpful: str):
    return client.post(
        reverse("qa:tip_vote", kwargs={"pk": tip.pk}), {"helpful": helpful}, HTTP_SEC_FETCH_SITE="same-origin"
    )


def test_votes_are_rolled_up_per_day_and_tip_idempotently(make_tip):
    tip, other = make_tip(title="One"), make_tip(title="Two")
    voters = [Client() for _ in range(3)]
    vote(voters[0], tip, "yes")
    vote(voters[1], tip, "no")
    vote(voters[2], other, "yes")
    vote(voters[1], tip, "yes")  # changes their vote: still one vote, now helpful
    today = local_today()
    self_service_rollup.recompute(today)
    self_service_rollup.recompute(today)
    assert counts() == {("vote.helpful", str(tip.pk)): 2, ("vote.helpful", str(other.pk)): 1}
    # A day without votes has no rows, and recomputing it removes stale ones.
    yesterday = today - timedelta(days=1)
    DailyCount.objects.create(day=yesterday, event="vote.unhelpful", key=str(tip.pk), count=9)
    self_service_rollup.recompute(yesterday)
    assert not DailyCount.objects.filter(day=yesterday).exists()


def test_the_vote_rollup_uses_the_support_teams_day(settings, make_tip):
    settings.SUPPORT_TIME_ZONE = "Asia/Tokyo"
    tip = make_tip()
    vote(Client(), tip, "no")
    # 23:30 UTC on the 23rd is already the 24th in Tokyo.
    TipVote.objects.update(created_at=datetime(2026, 11, 23, 23, 30, tzinfo=UTC))
    self_service_rollup.recompute(date(2026, 11, 23))
    self_service_rollup.recompute(date(2026, 11, 24))
    assert {(row.day.isoformat(), row.event) for row in DailyCount.objects.all()} == {("2026-11-24", "vote.unhelpful")}
