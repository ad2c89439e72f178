"""Post metrics and followers through the real tweepy and facebook-sdk code,
asserted at the HTTP edge."""

import time
from urllib.parse import parse_qs, urlsplit

import pytest
import responses

from publishing.channels.base import FollowerCount, PostStats, PublishError
from publishing.channels.registry import get_channel

X_API = "https://api.twitter.com/2"
GRAPH = "https://graph.facebook.com/v24.0"
PAGE = "1234567890"
TOKEN = "page-token-abc"


@pytest.fixture
def x_channel(settings):
    settings.X_API_KEY = "consumer-key"
    settings.X_API_SECRET = "consumer-secret"
    settings.X_ACCESS_TOKEN = "access-token"
    settings.X_ACCESS_TOKEN_SECRET = "access-secret"
    settings.PUBLISHING_REQUESTS_SESSION_FACTORY = ""
    return get_channel("x")


@pytest.fixture
def fb_channel(settings):
    settings.FACEBOOK_PAGE_ID = PAGE
    settings.FACEBOOK_PAGE_ACCESS_TOKEN = TOKEN
    settings.FACEBOOK_GRAPH_API_VERSION = "v24.0"
    settings.FACEBOOK_POST_IMPRESSIONS_METRIC = "post_impressions"
    settings.PUBLISHING_REQUESTS_SESSION_FACTORY = ""
    return get_channel("facebook")


@pytest.fixture
def api():
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        yield mock


def query(call) -> dict:
    return {key: values[0] for key, values in parse_qs(urlsplit(call.request.url).query).items()}


def assert_oauth1(call):
    auth = call.request.headers["Authorization"]
    auth = auth.decode() if isinstance(auth, bytes) else auth
    assert auth.startswith("OAuth ") and 'oauth_token="access-token"' in auth and "oauth_signature=" in auth


def x_tweet(tweet_id, *, impressions=329, likes=5, retweets=2, quotes=1, replies=3, clicks=7):
    private = {"impression_count": impressions, "user_profile_clicks": 1}
    if clicks is not None:
        private["url_link_clicks"] = clicks
    return {
        "id": tweet_id,
        "text": "A tip https://t.co/x",
        "edit_history_tweet_ids": [tweet_id],
        "public_metrics": {
            "retweet_count": retweets,
            "reply_count": replies,
            "like_count": likes,
            "quote_count": quotes,
            "bookmark_count": 0,
            "impression_count": impressions,
        },
        "non_public_metrics": private,
    }


def test_x_reads_post_metrics_of_a_batch_in_one_owned_read(x_channel, api):
    api.get(
        f"{X_API}/tweets",
        json={
            "data": [x_tweet("101"), x_tweet("102", impressions=10, clicks=None)],
            "errors": [
                {
                    "value": "103",
                    "detail": "Could not find tweet with ids: [103].",
                    "title": "Not Found Error",
                    "resource_type": "tweet",
                    "parameter": "ids",
                    "resource_id": "103",
                    "type": "https://api.twitter.com/2/problems/resource-not-found",
                }
            ],
        },
    )
    batch = x_channel.fetch_post_stats(["101", "102", "103"])

    call = api.calls[0]
    assert call.request.method == "GET"
    assert query(call) == {"ids": "101,102,103", "tweet.fields": "public_metrics,non_public_metrics"}
    assert_oauth1(call)
    assert batch.stats["101"] == PostStats(impressions=329, likes=5, reposts=3, replies=3, link_clicks=7)
    # X leaves url_link_clicks out of a post without a link: not reported, not zero.
    assert batch.stats["102"].link_clicks is None and batch.stats["102"].impressions == 10
    assert batch.errors["103"].permanent and "Could not find" in batch.errors["103"].message
    assert batch.reads == 2  # X bills the posts it returns


def test_x_takes_at_most_100_ids_a_call(x_channel):
    with pytest.raises(ValueError):
        x_channel.fetch_post_stats([str(n) for n in range(101)])


def test_x_rate_limit_is_a_retry_later(x_channel, api):
    reset = int(time.time()) + 600
    api.get(
        f"{X_API}/tweets", status=429, json={"title": "Too Many Requests"}, headers={"x-rate-limit-reset": str(reset)}
    )
    with pytest.raises(PublishError) as raised:
        x_channel.fetch_post_stats(["101"])
    assert raised.value.code == "429" and not raised.value.permanent and raised.value.retry_after > 500


def test_x_refusing_the_app_is_a_clear_permanent_error(x_channel, api):
    api.get(
        f"{X_API}/tweets",
        status=403,
        json={
            "title": "Forbidden",
            "detail": "Your client app is not configured with the appropriate oauth1 app permissions",
        },
    )
    with pytest.raises(PublishError) as raised:
        x_channel.fetch_post_stats(["101"])
    assert raised.value.permanent and "oauth1 app permissions" in raised.value.message


def test_x_followers_from_users_me(x_channel, api):
    api.get(
        f"{X_API}/users/me",
        json={"data": {"id": "42", "name": "Shop", "username": "shop", "public_metrics": {"followers_count": 1580}}},
    )
    assert x_channel.fetch_followers() == FollowerCount(count=1580, reads=1)
    assert query(api.calls[0]) == {"user.fields": "public_metrics"}
    assert_oauth1(api.calls[0])


def fb_post(post_id, *, shares=4, reactions=12, comments=2):
    post = {
        "id": post_id,
        "reactions": {"data": [], "summary": {"total_count": reactions, "viewer_reaction": "NONE"}},
        "comments": {"data": [], "summary": {"order": "ranked", "total_count": comments, "can_comment": True}},
    }
    if shares is not None:
        post["shares"] = {"count": shares}
    return post


def fb_insights(post_id, *, impressions=500, link_clicks=9):
    return {
        "data": [
            {
                "name": "post_impressions",
                "period": "lifetime",
                "values": [{"value": impressions}],
                "id": f"{post_id}/insights/post_impressions/lifetime",
            },
            {
                "name": "post_clicks_by_type",
                "period": "lifetime",
                "values": [{"value": {"link clicks": link_clicks, "other clicks": 3}}],
                "id": f"{post_id}/insights/post_clicks_by_type/lifetime",
            },
        ]
    }


def test_facebook_reads_counts_and_insights_of_each_post(fb_channel, api):
    post_id = f"{PAGE}_111"
    api.get(f"{GRAPH}/{post_id}", json=fb_post(post_id, shares=None))
    api.get(f"{GRAPH}/{post_id}/insights", json=fb_insights(post_id))

    batch = fb_channel.fetch_post_stats([post_id])

    fields = query(api.calls[0])
    assert fields["fields"] == "shares,reactions.summary(total_count).limit(0),comments.summary(total_count).limit(0)"
    assert fields["access_token"] == TOKEN
    assert query(api.calls[1])["metric"] == "post_impressions,post_clicks_by_type"
    # No `shares` field: nobody shared it.
    assert batch.stats[post_id] == PostStats(impressions=500, likes=12, reposts=0, replies=2, link_clicks=9)
    assert batch.reads == 0  # Graph does not bill reads


def test_facebook_insights_refused_keeps_the_counts_with_a_note(fb_channel, api):
    post_id = f"{PAGE}_111"
    api.get(f"{GRAPH}/{post_id}", json=fb_post(post_id))
    api.get(
        f"{GRAPH}/{post_id}/insights",
        status=400,
        json={
            "error": {
                "message": "(#10) Requires pages_read_engagement permission",
                "code": 10,
                "type": "OAuthException",
            }
        },
    )
    stats = fb_channel.fetch_post_stats([post_id]).stats[post_id]
    assert (stats.likes, stats.reposts, stats.replies) == (12, 4, 2)
    assert stats.impressions is None and stats.link_clicks is None
    assert "pages_read_engagement" in stats.note


def test_facebook_a_deleted_post_is_its_own_error_and_a_rate_limit_stops_the_batch(fb_channel, api):
    gone, next_one = f"{PAGE}_1", f"{PAGE}_2"
    api.get(
        f"{GRAPH}/{gone}",
        status=400,
        json={
            "error": {
                "message": "Unsupported get request. Object does not exist",
                "code": 100,
                "type": "GraphMethodException",
            }
        },
    )
    api.get(
        f"{GRAPH}/{next_one}",
        status=400,
        json={"error": {"message": "(#4) Application request limit reached", "code": 4, "type": "OAuthException"}},
    )
    with pytest.raises(PublishError) as raised:
        fb_channel.fetch_post_stats([gone, next_one])
    assert raised.value.code == "4" and not raised.value.permanent


def test_facebook_a_missing_permission_stops_the_batch_with_a_clear_error(fb_channel, api):
    api.get(
        f"{GRAPH}/{PAGE}_1",
        status=403,
        json={"error": {"message": "(#10) This endpoint requires the 'pages_read_engagement' permission", "code": 10}},
    )
    with pytest.raises(PublishError) as raised:
        fb_channel.fetch_post_stats([f"{PAGE}_1", f"{PAGE}_2"])
    assert raised.value.permanent and "lacks a permission" in raised.value.message
    assert len(api.calls) == 1


def test_facebook_followers_of_the_page(fb_channel, api):
    api.get(f"{GRAPH}/{PAGE}", json={"followers_count": 2048, "id": PAGE})
    assert fb_channel.fetch_followers() == FollowerCount(count=2048)
    assert query(api.calls[0])["fields"] == "followers_count"


def test_console_reports_nothing_and_other_networks_say_not_supported(settings):
    console = get_channel("console")
    stats = console.fetch_post_stats(["console-1"]).stats["console-1"]
    assert stats.impressions is None and stats.likes is None and "reports no numbers" in stats.note
    assert console.fetch_followers().count is None
    mastodon = get_channel("mastodon")
    assert not mastodon.supports_stats
    with pytest.raises(PublishError) as raised:
        mastodon.fetch_post_stats(["1"])
    assert raised.value.code == "not_supported"
