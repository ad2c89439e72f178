"""The Facebook channel, running the real facebook-sdk code down to the HTTP request."""

import datetime as dt
from urllib.parse import parse_qs, quote, urlsplit

import pytest
import requests
import responses
from django.core.exceptions import ImproperlyConfigured

from publishing.channels.base import Post, PublishError, Remote
from publishing.channels.registry import get_channel

GRAPH = "https://graph.facebook.com/v24.0"
PAGE = "1234567890"
TOKEN = "page-token-abc"


@pytest.fixture
def fb_channel(settings):
    settings.SITE_URL = "https://support.example.com"
    settings.FACEBOOK_PAGE_ID = PAGE
    settings.FACEBOOK_PAGE_ACCESS_TOKEN = TOKEN
    settings.FACEBOOK_GRAPH_API_VERSION = "v24.0"
    settings.PUBLISHING_REQUESTS_SESSION_FACTORY = ""
    return get_channel("facebook")


@pytest.fixture
def api():
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        yield mock


def form(call) -> dict:
    return {key: values[0] for key, values in parse_qs(call.request.body).items()}


def query(call) -> dict:
    return {key: values[0] for key, values in parse_qs(urlsplit(call.request.url).query).items()}


def test_compose_message_is_title_and_plain_excerpt(fb_channel, make_tip):
    tip = make_tip(title="返品の送料", answer_text="**着払い**で[こちら](https://example.com)へ。\n\n- 箱\n- 伝票")
    post = fb_channel.compose(tip)
    assert post.text == "返品の送料\n\n着払いでこちらへ。 箱 伝票"
    assert post.link.startswith(f"https://support.example.com/tips/{tip.pk}/")
    assert "utm_source=facebook" in post.link and "utm_medium=social" in post.link


def test_compose_cuts_a_long_answer_at_a_grapheme(fb_channel, make_tip):
    tip = make_tip(title="家族の絵文字", answer_text="👨‍👩‍👧‍👦" * 600)
    text = fb_channel.compose(tip).text
    assert text.endswith("👨‍👩‍👧‍👦…")
    body = text.split("\n\n", 1)[1][:-1]
    assert body == "👨‍👩‍👧‍👦" * (len(body) // len("👨‍👩‍👧‍👦"))
    assert fb_channel.compose(tip).details["length"] <= 500


def test_compose_text_override_replaces_the_message(fb_channel, make_tip):
    tip = make_tip()
    assert fb_channel.compose(tip, text_override="今日のヒント").text == "今日のヒント"


def test_send_uses_the_configured_graph_version_and_page_token(fb_channel, make_tip, api):
    tip = make_tip(title="送料")
    post = fb_channel.compose(tip)
    api.post(f"{GRAPH}/{PAGE}/feed", json={"id": f"{PAGE}_987"})

    remote = fb_channel.send(post)

    assert remote == Remote(id=f"{PAGE}_987", url=f"https://www.facebook.com/{PAGE}_987")
    call = api.calls[0]
    assert call.request.method == "POST"
    assert call.request.url.startswith("https://graph.facebook.com/v24.0/")
    assert "/v24.0/" in call.request.url
    assert form(call) == {"message": post.text, "link": post.link, "access_token": TOKEN}
    assert call.request.req_kwargs["timeout"] == 15.0


def test_graph_version_setting_changes_the_url(fb_channel, settings, api):
    settings.FACEBOOK_GRAPH_API_VERSION = "25.0"
    api.delete(f"https://graph.facebook.com/v25.0/{PAGE}_1", json={"success": True})
    get_channel("facebook").delete(Remote(id=f"{PAGE}_1", url=""))
    assert "/v25.0/" in api.calls[0].request.url


def test_bad_graph_version_is_improperly_configured(fb_channel, settings):
    settings.FACEBOOK_GRAPH_API_VERSION = "latest"
    with pytest.raises(ImproperlyConfigured, match="FACEBOOK_GRAPH_API_VERSION"):
        get_channel("facebook").client()


def test_find_matches_the_attachment_url_and_asks_no_deprecated_field(fb_channel, make_tip, api):
    tip = make_tip(title="送料")
    other = make_tip(title="Other")
    since = dt.datetime(2026, 11, 25, 12, 0, tzinfo=dt.UTC)
    shim = "https://l.facebook.com/l.php?u={}&h=AT0"
    api.get(
        f"{GRAPH}/{PAGE}/feed",
        json={
            "data": [
                {
                    "id": f"{PAGE}_3",
                    "message": "other",
                    "created_time": "2026-11-25T12:05:00+0000",
                    "attachments": {
                        "data": [{"unshimmed_url": f"https://support.example.com/tips/{other.pk}/other/?utm_source=fb"}]
                    },
                },
                {"id": f"{PAGE}_2", "message": "no link", "created_time": "2026-11-25T12:04:00+0000"},
                {
                    "id": f"{PAGE}_1",
                    "message": "送料",
                    "created_time": "2026-11-25T12:03:00+0000",
                    # Only the shimmed URL: the tip's link is its `u` parameter.
                    "attachments": {
                        "data": [
                            {"url": shim.format(quote(f"https://support.example.com{tip.get_absolute_url()}", safe=""))}
                        ]
                    },
                    "permalink_url": f"https://www.facebook.com/{PAGE}/posts/1",
                },
            ]
        },
    )

    found = fb_channel.find(tip, since=since)

    assert found.remote == Remote(id=f"{PAGE}_1", url=f"https://www.facebook.com/{PAGE}/posts/1")
    call = api.calls[0]
    assert call.request.method == "GET"
    assert call.request.url.startswith(f"{GRAPH}/{PAGE}/feed?")
    params = query(call)
    assert params["access_token"] == TOKEN
    assert params["fields"] == "id,created_time,message,permalink_url,attachments{unshimmed_url,url}"
    assert "link" not in params["fields"].replace("permalink_url", "").split(",")
    assert params["since"] == str(int(since.timestamp()))
    assert params["limit"] == "100"


def test_find_follows_paging_next_and_proves_absence_at_the_end(fb_channel, make_tip, api):
    tip = make_tip()
    since = dt.datetime(2026, 11, 25, 12, 0, tzinfo=dt.UTC)
    next_url = f"{GRAPH}/{PAGE}/feed?access_token={TOKEN}&fields=id&limit=100&since=1&after=CURSOR2"
    api.get(
        f"{GRAPH}/{PAGE}/feed",
        match=[responses.matchers.query_param_matcher({"after": "CURSOR2"}, strict_match=False)],
        json={"data": [{"id": f"{PAGE}_1", "created_time": "2026-11-25T12:01:00+0000"}]},
    )
    api.get(
        f"{GRAPH}/{PAGE}/feed",
        json={
            "data": [{"id": f"{PAGE}_2", "created_time": "2026-11-25T12:02:00+0000"}],
            "paging": {"cursors": {"after": "CURSOR2"}, "next": next_url},
        },
    )

    found = fb_channel.find(tip, since=since)

    assert found.absent and found.pages == 2
    assert query(api.calls[1])["after"] == "CURSOR2" and query(api.calls[1])["access_token"] == TOKEN


def test_find_failure_cannot_tell(fb_channel, make_tip, api):
    api.get(
        f"{GRAPH}/{PAGE}/feed", status=400, json={"error": {"message": "(#12) link field is deprecated", "code": 12}}
    )
    found = fb_channel.find(make_tip(), since=dt.datetime(2026, 11, 25, tzinfo=dt.UTC))
    assert not found.absent and found.remote is None and "(#12)" in found.reason


def test_delete_and_already_gone(fb_channel, api):
    api.delete(f"{GRAPH}/{PAGE}_1", json={"success": True})
    api.delete(
        f"{GRAPH}/{PAGE}_2",
        status=400,
        json={
            "error": {
                "message": "Unsupported delete request. Object with ID '1234567890_2' does not exist",
                "type": "GraphMethodException",
                "code": 100,
                "error_subcode": 33,
            }
        },
    )
    fb_channel.delete(Remote(id=f"{PAGE}_1", url=""))
    fb_channel.delete(Remote(id=f"{PAGE}_2", url=""))
    for call in api.calls:
        assert call.request.method == "DELETE"
        assert "/v24.0/" in call.request.url
        assert query(call)["access_token"] == TOKEN


def _send_error(fb_channel, api, **response_kwargs) -> PublishError:
    api.post(f"{GRAPH}/{PAGE}/feed", **response_kwargs)
    post = Post(text="送料について", link="https://support.example.com/tips/1/")
    with pytest.raises(PublishError) as caught:
        fb_channel.send(post)
    call = api.calls[0]
    assert call.request.method == "POST" and call.request.url == f"{GRAPH}/{PAGE}/feed"
    assert form(call) == {
        "message": "送料について",
        "link": "https://support.example.com/tips/1/",
        "access_token": TOKEN,
    }
    return caught.value


def graph_error(code, message="error", subcode=None, type_="OAuthException"):
    error = {"message": message, "type": type_, "code": code, "fbtrace_id": "Abc"}
    if subcode:
        error["error_subcode"] = subcode
    return {"error": error}


@pytest.mark.parametrize("code", [1, 2, 4, 17, 32, 341, 613])
def test_transient_codes(fb_channel, api, code):
    error = _send_error(fb_channel, api, status=400, json=graph_error(code, "Application request limit reached"))
    assert not error.permanent and error.code == str(code)


def test_190_needs_reauth(fb_channel, api):
    error = _send_error(
        fb_channel, api, status=400, json=graph_error(190, "Error validating access token", subcode=463)
    )
    assert error.needs_reauth and error.permanent


@pytest.mark.parametrize("code", [10, 200, 230, 299])
def test_permission_codes_are_permanent_and_name_the_permission(fb_channel, api, code):
    message = "(#200) Requires pages_manage_posts permission to manage the object"
    error = _send_error(fb_channel, api, status=403, json=graph_error(code, message))
    assert error.permanent and not error.needs_reauth
    assert "pages_manage_posts" in error.message


def test_506_is_duplicate(fb_channel, api):
    error = _send_error(fb_channel, api, status=400, json=graph_error(506, "Duplicate status message"))
    assert error.duplicate and error.permanent


@pytest.mark.parametrize("code, subcode", [(1609005, None), (100, 1609005)])
def test_link_not_fetched_is_permanent(fb_channel, api, code, subcode):
    error = _send_error(fb_channel, api, status=400, json=graph_error(code, "Error fetching link", subcode=subcode))
    assert error.permanent and "could not fetch the link" in error.message
    assert error.code == "1609005"


@pytest.mark.parametrize(
    "failure, ambiguous",
    [
        (requests.ConnectionError("connection reset"), True),
        (requests.ReadTimeout("slow"), True),
        (requests.ConnectTimeout("unreachable"), False),
    ],
)
def test_network_failures_are_transient(fb_channel, api, failure, ambiguous):
    error = _send_error(fb_channel, api, body=failure)
    assert not error.permanent
    assert error.ambiguous is ambiguous


def test_unknown_code_and_non_json_are_transient(fb_channel, api):
    error = _send_error(fb_channel, api, status=400, json=graph_error(9999, "Something new"))
    assert not error.permanent
    api.reset()
    error = _send_error(fb_channel, api, status=502, body="<html>Bad gateway</html>", content_type="text/html")
    assert not error.permanent


def test_enabled_only_with_credentials(fb_channel, settings):
    assert fb_channel.enabled
    settings.FACEBOOK_PAGE_ACCESS_TOKEN = ""
    assert not get_channel("facebook").enabled
