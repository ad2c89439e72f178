"""Beat's collection of post metrics and follower counts: due posts only,
idempotent, failures kept and retried, X's reads counted with the listening reads."""

import datetime as dt
import time

import pytest
import responses
from django.utils import timezone

from conversations import listening
from conversations.models import ListeningReadMonth
from metrics import reach_services
from metrics.tasks import reach_collect
from publishing.models import Delivery, FollowerSnapshot, PostMetrics

X_API = "https://api.twitter.com/2"
NOW = dt.datetime(2026, 11, 20, 12, 0, tzinfo=dt.UTC)


@pytest.fixture
def x_on(settings):
    settings.X_API_KEY = "consumer-key"
    settings.X_API_SECRET = "consumer-secret"
    settings.X_ACCESS_TOKEN = "access-token"
    settings.X_ACCESS_TOKEN_SECRET = "access-secret"
    settings.FACEBOOK_PAGE_ID = ""
    settings.PUBLISHING_REQUESTS_SESSION_FACTORY = ""
    settings.CONSOLE_CHANNEL = "auto"


@pytest.fixture
def api():
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        yield mock


@pytest.fixture
def sent_post(make_tip):
    def make(remote_id, *, age, channel="x", tip=True, **kwargs):
        return Delivery.objects.create(
            # A deleted tip's post (no tip row) is measured alike, and is quicker to make.
            tip=make_tip(title=f"Tip {remote_id}", publish=False) if tip else None,
            tip_title=f"Tip {remote_id}",
            channel=channel,
            purpose=Delivery.Purpose.POST,
            status=kwargs.pop("status", Delivery.Status.SENT),
            remote_id=remote_id,
            sent_at=NOW - age,
            **kwargs,
        )

    return make


def tweet(tweet_id, likes=5):
    return {
        "id": tweet_id,
        "text": "t",
        "public_metrics": {
            "retweet_count": 1,
            "reply_count": 2,
            "like_count": likes,
            "quote_count": 0,
            "impression_count": 90,
        },
        "non_public_metrics": {"impression_count": 100, "url_link_clicks": 4},
    }


def followers(api, count=1000):
    api.get(f"{X_API}/users/me", json={"data": {"id": "1", "public_metrics": {"followers_count": count}}})


def ids_of(call):
    from urllib.parse import parse_qs, urlsplit

    return parse_qs(urlsplit(call.request.url).query)["ids"][0].split(",")


def test_one_run_takes_the_due_snapshots_in_one_batch_and_counts_the_reads(x_on, api, sent_post):
    day1 = sent_post("201", age=dt.timedelta(hours=30))
    day7 = sent_post("202", age=dt.timedelta(days=8))
    sent_post("203", age=dt.timedelta(hours=20))  # not a day old yet
    sent_post("204", age=dt.timedelta(days=40))  # past X's 30 days
    sent_post("205", age=dt.timedelta(days=2), status=Delivery.Status.FAILED)
    followers(api, 1580)
    api.get(f"{X_API}/tweets", json={"data": [tweet("201")]})
    api.get(f"{X_API}/tweets", json={"data": [tweet("202", likes=9)]})

    outcome = reach_services.reach_collect(now=NOW)

    assert [ids_of(call) for call in api.calls[1:]] == [["201"], ["202"]]
    assert outcome.fetched == 2 and outcome.failed == 0 and outcome.reads == 3
    first = PostMetrics.objects.get(delivery=day1)
    assert (
        first.age_days,
        first.status,
        first.impressions,
        first.likes,
        first.reposts,
        first.replies,
        first.link_clicks,
    ) == (
        1,
        "fetched",
        100,
        5,
        1,
        2,
        4,
    )
    assert first.engagements == 8 and first.fetched_at == NOW
    assert PostMetrics.objects.get(delivery=day7).age_days == 7
    assert FollowerSnapshot.objects.get(channel="x").followers == 1580
    # Three owned reads (two posts, the followers), on the listening health page's month.
    assert ListeningReadMonth.objects.get(kind="x_metrics", month=dt.date(2026, 11, 1)).reads == 3


def test_a_second_run_reads_nothing_again(x_on, api, sent_post):
    sent_post("201", age=dt.timedelta(hours=30))
    followers(api)
    api.get(f"{X_API}/tweets", json={"data": [tweet("201")]})
    reach_services.reach_collect(now=NOW)
    reach_services.reach_collect(now=NOW + dt.timedelta(hours=1))  # nothing due: no request (responses would fail)
    assert PostMetrics.objects.count() == 1 and FollowerSnapshot.objects.count() == 1
    assert ListeningReadMonth.objects.get(kind="x_metrics").reads == 2


def test_100_posts_per_call(x_on, api, sent_post):
    for n in range(150):
        sent_post(str(1000 + n), age=dt.timedelta(days=2, minutes=n), tip=False)
    followers(api)
    # Oldest first: 1149 down to 1050, then 1049 down to 1000.
    api.get(f"{X_API}/tweets", json={"data": [tweet(str(1000 + n)) for n in range(50, 150)]})
    api.get(f"{X_API}/tweets", json={"data": [tweet(str(1000 + n)) for n in range(50)]})
    reach_services.reach_collect(now=NOW)
    assert [len(ids_of(call)) for call in api.calls[1:]] == [100, 50]
    assert PostMetrics.objects.filter(status="fetched").count() == 150


def test_a_rate_limit_is_stored_and_retried_by_the_next_run(x_on, api, sent_post):
    delivery = sent_post("201", age=dt.timedelta(hours=30))
    followers(api)
    api.get(f"{X_API}/tweets", status=429, json={}, headers={"x-rate-limit-reset": str(int(time.time()) + 60)})
    outcome = reach_services.reach_collect(now=NOW)
    row = PostMetrics.objects.get(delivery=delivery)
    assert (row.status, row.error_code, row.attempts, row.fetched_at) == ("retry", "429", 1, None)
    assert "rate limit" in row.last_error and outcome.failed == 1

    api.get(f"{X_API}/tweets", json={"data": [tweet("201")]})
    reach_services.reach_collect(now=NOW + dt.timedelta(hours=1))
    row.refresh_from_db()
    assert (row.status, row.attempts, row.likes, row.last_error) == ("fetched", 2, 5, "")


def test_a_deleted_post_is_failed_for_good_and_not_asked_again(x_on, api, sent_post):
    delivery = sent_post("201", age=dt.timedelta(hours=30))
    followers(api)
    api.get(
        f"{X_API}/tweets",
        json={
            "errors": [
                {
                    "resource_id": "201",
                    "detail": "Could not find tweet with ids: [201].",
                    "type": "https://api.twitter.com/2/problems/resource-not-found",
                }
            ]
        },
    )
    reach_services.reach_collect(now=NOW)
    row = PostMetrics.objects.get(delivery=delivery)
    assert row.status == "failed" and row.error_code == "x_resource-not-found" and "Could not find" in row.last_error
    reach_services.reach_collect(now=NOW + dt.timedelta(hours=1))  # no request
    assert ListeningReadMonth.objects.get(kind="x_metrics").reads == 1  # the followers only


def test_refused_credentials_are_stored_clearly_and_nothing_crashes(x_on, api, sent_post):
    delivery = sent_post("201", age=dt.timedelta(hours=30))
    api.get(f"{X_API}/users/me", status=401, json={"title": "Unauthorized", "detail": "Unauthorized"})
    api.get(f"{X_API}/tweets", status=401, json={"title": "Unauthorized", "detail": "Unauthorized"})
    outcome = reach_services.reach_collect(now=NOW)
    row = PostMetrics.objects.get(delivery=delivery)
    assert row.status == "retry" and "credentials" in row.last_error
    assert any("followers" in error for error in outcome.errors)
    assert not FollowerSnapshot.objects.exists()


def test_the_console_records_not_reported_and_takes_no_follower_count(settings, sent_post):
    settings.CONSOLE_CHANNEL = "on"
    settings.X_API_KEY = ""
    delivery = sent_post("console-1", age=dt.timedelta(days=2), channel="console")
    reach_services.reach_collect(now=NOW)
    row = PostMetrics.objects.get(delivery=delivery)
    assert row.status == "fetched" and row.impressions is None and "reports no numbers" in row.last_error
    assert not FollowerSnapshot.objects.exists()


def test_the_beat_task_runs_the_collection(settings, db):
    settings.CONSOLE_CHANNEL = "on"
    assert reach_collect() == {"fetched": 0, "failed": 0, "reads": 0, "errors": []}
    assert settings.CELERY_BEAT_SCHEDULE["metrics-reach-collect"]["task"] == "metrics.reach_collect"


def test_the_listening_health_page_shows_the_metric_reads_and_their_cost(x_on, settings, client, staff):
    settings.CONVERSATION_X_READ_PRICE = __import__("decimal").Decimal("0.001")
    listening.billed_reads_add(kind="x_metrics", reads=2500, at=timezone.now())
    client.force_login(staff)
    from django.urls import reverse

    html = client.get(reverse("admin:conversations_listeningstate_changelist")).content.decode()
    assert "X post metrics and followers (metrics page)" in html and "2500 (about 2.50 USD)" in html
