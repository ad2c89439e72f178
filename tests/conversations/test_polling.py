"""Polling: cursors, failures and retries, reads by month, feeds end to end,
and the staff pages that show it."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from conversations import listening, tasks
from conversations.models import FeedSubscription, ListeningReadMonth, ListeningState
from conversations.sources.base import ListenError, Poll, Source
from qa.models import Message, Question
from tests.conversations.feed_server import FeedServer
from tests.conversations.listening_items import mention

pytestmark = pytest.mark.django_db


class FakeSource(Source):
    """Answers each poll with the next scripted outcome: a Poll or an exception."""

    kind = "fake_x"
    network = "x"
    label = "Fake X mentions"
    script: list = []
    cursors_seen: list = []
    enabled_now = True

    @property
    def enabled(self):
        return FakeSource.enabled_now

    def poll(self, *, cursor):
        FakeSource.cursors_seen.append(cursor)
        outcome = FakeSource.script.pop(0)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome


@pytest.fixture(autouse=True)
def fake_source(settings):
    settings.CONVERSATION_SOURCE_CLASSES = {"fake_x": "tests.conversations.test_polling.FakeSource"}
    FakeSource.script, FakeSource.cursors_seen, FakeSource.enabled_now = [], [], True
    return FakeSource


def state():
    return ListeningState.objects.get(kind="fake_x")


def test_a_poll_stores_its_items_then_keeps_the_cursor_and_counts_the_reads():
    FakeSource.script = [Poll(items=[mention(1), mention(2)], cursor="1002", reads=2)]
    [outcome] = listening.source_poll(kind="fake_x")
    assert (outcome.status, outcome.stored) == ("ok", 2)
    assert Message.objects.count() == 2
    assert state().cursor == "1002" and state().last_success_at and state().consecutive_failures == 0
    assert ListeningReadMonth.objects.get(kind="fake_x").reads == 2
    FakeSource.script = [Poll(items=[mention(3)], cursor="1003", reads=1)]
    listening.source_poll(kind="fake_x")
    assert FakeSource.cursors_seen == ["", "1002"]
    assert ListeningReadMonth.objects.get(kind="fake_x").reads == 3


def test_a_failed_poll_keeps_the_cursor_and_is_retried_after_the_networks_wait():
    FakeSource.script = [Poll(items=[mention(1)], cursor="1001", reads=1)]
    listening.source_poll(kind="fake_x")
    FakeSource.script = [ListenError("Rate limited by X", retry_after=900)]
    [outcome] = listening.source_poll(kind="fake_x")
    assert outcome.status == "failed" and outcome.error == "Rate limited by X"
    failed = state()
    assert failed.cursor == "1001" and failed.consecutive_failures == 1
    assert failed.last_error == "Rate limited by X" and failed.last_error_at
    assert failed.next_poll_at > timezone.now() + dt.timedelta(minutes=14)
    # The next beat comes before X's wait is over: the source is not asked.
    assert listening.source_poll(kind="fake_x")[0].status == "busy"
    assert FakeSource.cursors_seen == ["", "1001"]
    ListeningState.objects.filter(kind="fake_x").update(next_poll_at=timezone.now() - dt.timedelta(seconds=1))
    FakeSource.script = [Poll(items=[mention(2)], cursor="1002", reads=1)]
    assert listening.source_poll(kind="fake_x")[0].status == "ok"
    assert FakeSource.cursors_seen[-1] == "1001"
    assert state().cursor == "1002" and state().consecutive_failures == 0


def test_without_a_requested_wait_the_next_beat_retries():
    FakeSource.script = [ListenError("X answered 503"), ListenError("X answered 503")]
    listening.source_poll(kind="fake_x")
    listening.source_poll(kind="fake_x")
    assert state().consecutive_failures == 2 and state().next_poll_at is None


def test_dead_credentials_are_shown_until_a_poll_succeeds():
    FakeSource.script = [ListenError("Unauthorized", needs_reauth=True), Poll(items=[], cursor="")]
    listening.source_poll(kind="fake_x")
    assert state().needs_reauth
    listening.source_poll(kind="fake_x")
    assert not state().needs_reauth


def test_an_item_that_cannot_be_stored_keeps_the_cursor_and_the_retry_stores_each_item_once(monkeypatch):
    from conversations import ingest

    real = ingest.incoming_ingest
    calls = []

    def fails_on_the_second(*, item):
        calls.append(item.remote_id)
        if len(calls) == 2:
            raise RuntimeError("database went away")
        return real(item=item)

    monkeypatch.setattr(ingest, "incoming_ingest", fails_on_the_second)
    items = [mention(1), mention(2), mention(3)]
    FakeSource.script = [Poll(items=items, cursor="1003", reads=3), Poll(items=items, cursor="1003", reads=3)]
    [outcome] = listening.source_poll(kind="fake_x")
    assert outcome.status == "failed" and outcome.stored == 1
    assert state().cursor == "" and "RuntimeError" in state().last_error
    [outcome] = listening.source_poll(kind="fake_x")
    assert outcome.status == "ok" and outcome.stored == 2
    assert sorted(Message.objects.values_list("remote_id", flat=True)) == ["1001", "1002", "1003"]
    assert state().cursor == "1003"


def test_an_unexpected_crash_in_a_source_is_recorded_not_raised():
    FakeSource.script = [KeyError("data")]
    [outcome] = listening.source_poll(kind="fake_x")
    assert outcome.status == "failed" and "KeyError" in state().last_error


def test_a_source_without_credentials_is_not_polled():
    FakeSource.enabled_now = False
    assert listening.source_poll(kind="fake_x")[0].status == "disabled"
    assert FakeSource.cursors_seen == []


def test_a_poll_running_elsewhere_keeps_a_second_one_away():
    ListeningState.objects.create(kind="fake_x", next_poll_at=timezone.now() + listening.POLL_LEASE)
    assert listening.source_poll(kind="fake_x")[0].status == "busy"


def test_a_kind_not_registered_here_is_not_polled():
    assert listening.source_poll(kind="facebook_comments")[0].status == "unknown"
    assert not ListeningState.objects.exists()


def test_reads_are_counted_per_utc_month():
    FakeSource.script = [Poll(items=[], cursor="", reads=5)]
    listening.source_poll(kind="fake_x")
    row = ListeningReadMonth.objects.get()
    assert row.month == timezone.now().astimezone(dt.UTC).date().replace(day=1)


def test_beat_polls_every_source_kind():
    from django.conf import settings

    schedule = {entry["kwargs"]["kind"]: entry for entry in settings.CELERY_BEAT_SCHEDULE.values() if "kwargs" in entry}
    assert schedule["x_mentions"]["schedule"] == 120.0
    assert schedule["facebook_comments"]["schedule"] == 300.0
    assert schedule["feeds"]["schedule"] == 900.0
    assert {entry["task"] for entry in schedule.values()} == {"conversations.poll_source"}


# --- Feeds end to end ------------------------------------------------------------------------------


@pytest.fixture
def feed_server():
    server = FeedServer()
    yield server
    server.stop()


def test_each_feed_becomes_conversations_once(feed_server, staff):
    feed = FeedSubscription.objects.create(url=feed_server.url("/rss"), created_by=staff)
    FeedSubscription.objects.create(url=feed_server.url("/atom"), enabled=False)
    outcomes = listening.source_poll(kind="feeds")
    assert [(o.kind, o.status, o.stored) for o in outcomes] == [(f"feed:{feed.pk}", "ok", 2)]
    assert Question.objects.filter(source="feed").count() == 2
    feed.refresh_from_db()
    assert feed.title == "Blog search: Tipcast"  # read from the feed
    # The next poll asks conditionally: 304, nothing new.
    assert listening.source_poll(kind=f"feed:{feed.pk}")[0].stored == 0
    assert feed_server.requests[-1]["if-none-match"] == '"v1"'
    assert Question.objects.count() == 2


def test_a_broken_feed_shows_its_error_and_keeps_its_place(feed_server):
    feed = FeedSubscription.objects.create(url=feed_server.url("/not-xml"))
    [outcome] = listening.source_poll(kind=f"feed:{feed.pk}")
    assert outcome.status == "failed"
    assert "not an RSS or Atom feed" in ListeningState.objects.get(kind=f"feed:{feed.pk}").last_error


def test_the_feeds_task_hands_each_enabled_feed_to_its_own_task(monkeypatch):
    first = FeedSubscription.objects.create(url="https://blogs.example/a.rss")
    FeedSubscription.objects.create(url="https://blogs.example/b.rss", enabled=False)
    queued = []
    monkeypatch.setattr(tasks.poll_source, "delay", lambda **kwargs: queued.append(kwargs))
    assert tasks.poll_source(kind="feeds") == [f"feed:{first.pk}"]
    assert queued == [{"kind": f"feed:{first.pk}"}]


# --- Staff pages ------------------------------------------------------------------------------------


@pytest.fixture
def staff_client(client, staff):
    client.force_login(staff)
    return client


def test_the_health_page_shows_each_source_and_xs_reads_with_their_cost(staff_client, settings):
    settings.CONVERSATION_X_READ_PRICE = Decimal("0.001")
    FakeSource.script = [ListenError("X answered 503")]
    listening.source_poll(kind="fake_x")
    ListeningReadMonth.objects.create(kind="fake_x", month=listening.month_start(timezone.now()), reads=1500)
    FeedSubscription.objects.create(url="https://blogs.example/a.rss", title="Blog search")
    page = staff_client.get(reverse("admin:conversations_listeningstate_changelist"))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Fake X mentions" in html and "X answered 503" in html
    assert "1500 (about 1.50 USD)" in html
    assert "Blog search" in html


def test_the_channel_health_page_links_to_the_listening_health_page():
    from django.template.loader import get_template

    source = get_template("admin/publishing/channel_health.html").template.source
    assert "{% url 'admin:conversations_listeningstate_changelist' %}" in source


def test_staff_add_a_feed_and_a_private_address_is_refused(staff_client, settings, monkeypatch):
    settings.CONVERSATION_FEED_ALLOW_PRIVATE_ADDRESSES = False
    queued = []
    monkeypatch.setattr(tasks.poll_source, "delay", lambda **kwargs: queued.append(kwargs))
    add = reverse("admin:conversations_feedsubscription_add")
    refused = staff_client.post(add, {"url": "http://169.254.169.254/latest", "title": "", "enabled": "on"})
    assert refused.status_code == 200 and "private network" in refused.content.decode()
    added = staff_client.post(add, {"url": "https://blogs.example/search.rss", "title": "", "enabled": "on"})
    assert added.status_code == 302
    feed = FeedSubscription.objects.get()
    assert queued == [{"kind": feed.source_kind}]
    listing = staff_client.get(reverse("admin:conversations_feedsubscription_changelist"))
    assert listing.status_code == 200 and "blogs.example/search.rss" in listing.content.decode()


def test_staff_record_an_answer_on_the_blog(staff_client):
    from conversations.services import incoming_ingest

    question = incoming_ingest(item=mention(1, network="feed")).question
    url = reverse("admin:conversations_feedsubscription_answered", args=[question.pk])
    assert staff_client.get(url).status_code == 200
    bad = staff_client.post(url, {"url": "javascript:alert(1)", "note": ""})
    assert bad.status_code == 200 and question.messages.count() == 1
    done = staff_client.post(url, {"url": "https://blogs.example/p#c1", "note": "Answered in the comments"})
    assert done.status_code == 302
    question.refresh_from_db()
    assert question.status == Question.Status.WAITING_CUSTOMER
    assert question.messages.last().remote_url == "https://blogs.example/p#c1"


def test_a_feed_conversation_offers_to_record_our_answer_on_the_blog(staff_client):
    from conversations.services import incoming_ingest

    feed_question = incoming_ingest(item=mention(1, network="feed")).question
    x_question = incoming_ingest(item=mention(2)).question
    answered = reverse("admin:conversations_feedsubscription_answered", args=[feed_question.pk])
    page = staff_client.get(reverse("admin:qa_question_change", args=[feed_question.pk]))
    assert page.status_code == 200 and answered in page.content.decode()
    other = staff_client.get(reverse("admin:qa_question_change", args=[x_question.pk])).content.decode()
    assert "/answered/" not in other


def test_customers_cannot_see_the_listening_pages(client, customer):
    client.force_login(customer)
    page = client.get(reverse("admin:conversations_listeningstate_changelist"))
    assert page.status_code == 302
