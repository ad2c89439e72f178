"""The X channel, running the real tweepy code down to the HTTP request."""

import datetime as dt
import json
import time

import pytest
import requests
import responses

from publishing.channels.base import Remote
from publishing.channels.registry import get_channel

API = "https://api.twitter.com/2"


@pytest.fixture
def x_channel(settings):
    settings.SITE_URL = "https://support.example.com"
    settings.X_API_KEY = "consumer-key"
    settings.X_API_SECRET = "consumer-secret"
    settings.X_ACCESS_TOKEN = "access-token"
    settings.X_ACCESS_TOKEN_SECRET = "access-secret"
    settings.PUBLISHING_REQUESTS_SESSION_FACTORY = ""
    return get_channel("x")


@pytest.fixture
def api():
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        yield mock


def assert_oauth1(call):
    auth = call.request.headers["Authorization"]
    auth = auth.decode() if isinstance(auth, bytes) else auth
    assert auth.startswith("OAuth ")
    assert 'oauth_consumer_key="consumer-key"' in auth
    assert 'oauth_token="access-token"' in auth
    assert "oauth_signature=" in auth


def test_send_posts_the_composed_text_with_oauth(x_channel, make_tip, api):
    tip = make_tip(title="返品の送料はどなたが負担しますか？", tags=["返品"])
    post = x_channel.compose(tip)
    api.post(f"{API}/tweets", json={"data": {"id": "1790000000000000001", "text": post.text}}, status=201)

    remote = x_channel.send(post)

    assert remote == Remote(id="1790000000000000001", url="https://x.com/i/web/status/1790000000000000001")
    call = api.calls[0]
    assert call.request.method == "POST"
    assert call.request.url == f"{API}/tweets"
    assert json.loads(call.request.body) == {"text": post.text}
    assert_oauth1(call)
    assert call.request.req_kwargs["timeout"] == 15.0


SINCE = dt.datetime(2026, 11, 25, 12, 0, tzinfo=dt.UTC)


def test_find_matches_the_expanded_url_without_utm(x_channel, make_tip, api):
    tip = make_tip(title="送料")
    other = make_tip(title="Other")
    api.get(f"{API}/users/me", json={"data": {"id": "42", "username": "tipcast"}})
    tweets = [
        {
            "id": "3",
            "text": "other https://t.co/a",
            "created_at": "2026-11-25T12:03:00.000Z",
            "entities": {
                "urls": [
                    {
                        "url": "https://t.co/a",
                        "expanded_url": f"https://support.example.com/tips/{other.pk}/other/?utm_source=x",
                    }
                ]
            },
        },
        {"id": "2", "text": "no links", "created_at": "2026-11-25T12:02:00.000Z"},
        {
            "id": "1",
            "text": "送料 https://t.co/b",
            "created_at": "2026-11-25T12:01:00.000Z",
            "entities": {
                "urls": [
                    {
                        "url": "https://t.co/b",
                        "expanded_url": "https://t.co/b",
                        "unwound_url": f"https://support.example.com/tips/{tip.pk}/%E9%80%81%E6%96%99/?utm_source=x&utm_medium=social",
                    }
                ]
            },
        },
    ]
    api.get(f"{API}/users/42/tweets", json={"data": tweets, "meta": {"result_count": 3}})

    found = x_channel.find(tip, since=SINCE)

    assert found.remote == Remote(id="1", url="https://x.com/i/web/status/1") and found.pages == 1
    me_call, tweets_call = api.calls
    assert me_call.request.method == "GET" and tweets_call.request.method == "GET"
    assert "/2/users/42/tweets" in tweets_call.request.url
    params = tweets_call.request.params
    assert params["max_results"] == "100"
    assert params["start_time"] == "2026-11-25T12:00:00Z"
    assert "entities" in params["tweet.fields"] and "created_at" in params["tweet.fields"]
    assert "pagination_token" not in params
    assert_oauth1(me_call)
    assert_oauth1(tweets_call)


def test_find_pages_back_with_the_next_token_until_the_end(x_channel, make_tip, api):
    tip = make_tip()
    api.get(f"{API}/users/me", json={"data": {"id": "42"}})
    page = {"id": "9", "text": "x", "created_at": "2026-11-25T12:09:00.000Z"}
    api.get(
        f"{API}/users/42/tweets",
        match=[responses.matchers.query_param_matcher({"pagination_token": "P2"}, strict_match=False)],
        json={"data": [{**page, "id": "8"}], "meta": {"result_count": 1}},
    )
    api.get(f"{API}/users/42/tweets", json={"data": [page], "meta": {"result_count": 1, "next_token": "P2"}})

    found = x_channel.find(tip, since=SINCE)

    assert found.absent and found.pages == 2
    assert api.calls[2].request.params["pagination_token"] == "P2"


def test_find_returns_absent_without_any_post_since(x_channel, make_tip, api):
    tip = make_tip()
    api.get(f"{API}/users/me", json={"data": {"id": "42"}})
    api.get(f"{API}/users/42/tweets", json={"meta": {"result_count": 0}})
    found = x_channel.find(tip, since=SINCE)
    assert found.absent and found.remote is None


def test_find_stops_at_the_page_limit_and_cannot_tell(x_channel, make_tip, api, settings):
    settings.PUBLISHING_FIND_MAX_PAGES = 2
    tip = make_tip()
    api.get(f"{API}/users/me", json={"data": {"id": "42"}})
    tweet = {"id": "9", "text": "x", "created_at": "2026-11-25T12:09:00.000Z"}
    api.get(f"{API}/users/42/tweets", json={"data": [tweet], "meta": {"result_count": 1, "next_token": "more"}})
    api.get(f"{API}/users/42/tweets", json={"data": [tweet], "meta": {"result_count": 1, "next_token": "more"}})

    found = x_channel.find(tip, since=SINCE)

    assert not found.absent and found.remote is None and found.limit_reached
    assert "searched 2 pages" in found.reason and "PUBLISHING_FIND_MAX_PAGES" in found.reason


def test_delete_and_already_gone(x_channel, api):
    api.delete(f"{API}/tweets/1", json={"data": {"deleted": True}})
    api.delete(f"{API}/tweets/2", status=404, json={"title": "Not Found Error", "detail": "Could not find tweet"})

    x_channel.delete(Remote(id="1", url=""))
    x_channel.delete(Remote(id="2", url=""))

    assert [call.request.method for call in api.calls] == ["DELETE", "DELETE"]
    assert api.calls[0].request.url == f"{API}/tweets/1"
    assert_oauth1(api.calls[0])


def _send_error(x_channel, api, **response_kwargs):
    api.post(f"{API}/tweets", **response_kwargs)
    from publishing.channels.base import Post, PublishError

    with pytest.raises(PublishError) as caught:
        x_channel.send(
            Post(text="テスト https://support.example.com/tips/1/", link="https://support.example.com/tips/1/")
        )
    call = api.calls[0]
    assert call.request.method == "POST" and call.request.url == f"{API}/tweets"
    assert json.loads(call.request.body) == {"text": "テスト https://support.example.com/tips/1/"}
    assert_oauth1(call)
    return caught.value


def test_429_retries_after_the_rate_limit_reset(x_channel, api):
    reset = int(time.time()) + 120
    error = _send_error(
        x_channel,
        api,
        status=429,
        json={"title": "Too Many Requests", "detail": "Too Many Requests"},
        headers={"x-rate-limit-reset": str(reset)},
    )
    assert not error.permanent
    assert 100 < error.retry_after <= 121


def test_429_with_a_past_reset_waits_at_least_a_second(x_channel, api):
    error = _send_error(
        x_channel,
        api,
        status=429,
        json={"detail": "Too Many Requests"},
        headers={"x-rate-limit-reset": str(int(time.time()) - 30)},
    )
    assert error.retry_after == 1.0 and not error.permanent


@pytest.mark.parametrize("status", [500, 502, 503])
def test_server_errors_are_transient(x_channel, api, status):
    error = _send_error(x_channel, api, status=status, body="upstream error")
    assert not error.permanent and error.retry_after is None and error.code == str(status)
    assert error.ambiguous  # X may have created the post before failing


def test_401_needs_reauth(x_channel, api):
    error = _send_error(
        x_channel, api, status=401, json={"title": "Unauthorized", "detail": "Unauthorized", "status": 401}
    )
    assert error.needs_reauth and error.permanent and not error.ambiguous


def test_403_duplicate_content(x_channel, api):
    error = _send_error(
        x_channel,
        api,
        status=403,
        json={
            "detail": "You are not allowed to create a Tweet with duplicate content.",
            "status": 403,
            "title": "Forbidden",
        },
    )
    assert error.duplicate and error.permanent and not error.needs_reauth


def test_other_403_is_permanent_with_the_api_message(x_channel, api):
    error = _send_error(
        x_channel,
        api,
        status=403,
        json={
            "detail": "You are not permitted to perform this action.",
            "status": 403,
            "title": "Forbidden",
        },
    )
    assert error.permanent and not error.duplicate
    assert "You are not permitted to perform this action." in error.message


def test_400_is_permanent_with_the_api_message(x_channel, api):
    error = _send_error(
        x_channel,
        api,
        status=400,
        json={
            "errors": [{"message": "Invalid text"}],
            "title": "Invalid Request",
            "detail": "One or more parameters are invalid.",
        },
    )
    assert error.permanent and "Invalid text" in error.message


@pytest.mark.parametrize(
    "failure, ambiguous",
    [
        (requests.ConnectionError("connection reset"), True),
        (requests.ReadTimeout("slow"), True),
        (requests.ConnectTimeout("unreachable"), False),
    ],
)
def test_network_failures_are_transient(x_channel, api, failure, ambiguous):
    error = _send_error(x_channel, api, body=failure)
    assert not error.permanent and error.retry_after is None
    assert error.ambiguous is ambiguous


def test_unknown_status_is_transient(x_channel, api):
    error = _send_error(x_channel, api, status=418, json={"detail": "I'm a teapot"})
    assert not error.permanent


def test_find_failure_cannot_tell_and_says_why(x_channel, make_tip, api):
    api.get(f"{API}/users/me", status=401, json={"detail": "Unauthorized"})
    api.get(f"{API}/users/me", body=requests.ReadTimeout("slow"))
    first = x_channel.find(make_tip(), since=SINCE)
    assert not first.absent and first.remote is None and "credentials" in first.reason
    second = x_channel.find(make_tip(), since=SINCE)
    assert not second.absent and "Could not reach X" in second.reason
    assert_oauth1(api.calls[0])


def test_enabled_only_with_credentials(x_channel, settings):
    assert x_channel.enabled
    settings.X_API_KEY = ""
    assert not get_channel("x").enabled
