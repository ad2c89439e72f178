"""The keyword-feed source against a loopback HTTP server: good RSS and Atom,
conditional GET, and every bad feed the issue lists (each a clear ListenError)."""

import datetime as dt
import json

import pytest

from conversations.sources.base import ListenError
from conversations.sources.feeds import FeedSource, feed_url_problem
from qa.markup import html_fragment_render
from tests.conversations.feed_server import FeedServer, rss_item


@pytest.fixture
def server():
    server = FeedServer()
    yield server
    server.stop()


@pytest.fixture(autouse=True)
def _loopback_allowed(settings):
    settings.CONVERSATION_FEED_ALLOW_PRIVATE_ADDRESSES = True


def source(server, path="/rss", subscription_id=7):
    return FeedSource({"subscription_id": subscription_id, "url": server.url(path), "title": "Blogs"})


def test_an_rss_feed_gives_its_entries_oldest_first(server):
    poll = source(server).poll(cursor="")
    assert [item.remote_id for item in poll.items] == [
        "7:https://blogs.example/post-1",
        "7:https://blogs.example/post-2",
    ]
    first = poll.items[0]
    assert first.title == "Post 1 about Tipcast"
    assert first.url == "https://blogs.example/post-1"
    assert first.html == "<p>Tipcast post 1</p>" and first.text == "Tipcast post 1"
    assert first.created_at == dt.datetime(2026, 11, 11, 9, 0, tzinfo=dt.UTC)
    assert first.author.network == "feed" and first.author.name
    assert first.language == "ja"
    assert poll.reads == 0


def test_the_next_poll_asks_conditionally_and_a_304_brings_nothing(server):
    first = source(server).poll(cursor="")
    assert json.loads(first.cursor)["etag"] == '"v1"'
    again = source(server).poll(cursor=first.cursor)
    assert server.requests[-1]["if-none-match"] == '"v1"'
    assert server.requests[-1]["if-modified-since"] == "Wed, 25 Nov 2026 09:00:00 GMT"
    assert again.items == [] and again.cursor == first.cursor


def test_only_entries_not_seen_before_come_back(server):
    first = source(server).poll(cursor="")
    server.rss_items.append(rss_item(3))
    server.etag = '"v2"'
    second = source(server).poll(cursor=first.cursor)
    assert [item.remote_id for item in second.items] == ["7:https://blogs.example/post-3"]
    assert json.loads(second.cursor)["etag"] == '"v2"'


def test_an_unreadable_cursor_reads_the_whole_feed_again(server):
    poll = source(server).poll(cursor="{not json")
    assert len(poll.items) == 2


def test_an_atom_feed_gives_its_entry_with_author_and_html(server):
    [item] = source(server, "/atom").poll(cursor="").items
    assert item.remote_id == "7:tag:alerts,2026:1"
    assert item.title == "Tipcast の返品について"
    assert item.author.name == "Ren" and item.author.profile_url == "https://news.example/ren"
    assert item.author.remote_id == "https://news.example/ren"
    assert html_fragment_render(item.html).html == "<p>返品<b>できない</b></p>"


def test_a_redirect_is_followed(server):
    [item] = source(server, "/redirect").poll(cursor="").items
    assert item.url == "https://news.example/a/1"


def test_scripts_in_items_never_reach_the_page(server):
    server.rss_items = [
        rss_item(1, html='<p onclick="alert(1)">Hi<script>alert(1)</script><iframe src="x">f</iframe></p>')
    ]
    [item] = source(server).poll(cursor="").items
    assert html_fragment_render(item.html).html == "<p>Hi</p>"
    assert item.text == "Hi"


@pytest.mark.parametrize("path", ["/not-xml", "/plain-text"])
def test_a_document_that_is_not_a_feed_is_a_clear_error(server, path):
    with pytest.raises(ListenError) as raised:
        source(server, path).poll(cursor="")
    assert raised.value.code == "not_a_feed"
    assert "not an RSS or Atom feed" in raised.value.message


@pytest.mark.parametrize("path", ["/huge", "/huge-declared"])
def test_a_20_mb_feed_is_refused_at_the_limit(server, path, settings):
    settings.CONVERSATION_FEED_MAX_BYTES = 5 * 1024 * 1024
    with pytest.raises(ListenError) as raised:
        source(server, path).poll(cursor="")
    assert raised.value.code == "too_large"
    assert "larger than 5 MB" in raised.value.message


def test_an_http_error_is_a_clear_error_with_the_servers_retry_after(server):
    with pytest.raises(ListenError) as raised:
        source(server, "/error").poll(cursor="")
    assert raised.value.code == "http_503" and "503" in raised.value.message
    assert raised.value.retry_after == 120


def test_a_server_that_does_not_answer_in_time_is_a_timeout(server, settings):
    settings.CONVERSATION_FEED_TIMEOUT_SECONDS = 0.5
    server.slow_seconds = 2
    with pytest.raises(ListenError) as raised:
        source(server, "/slow").poll(cursor="")
    assert raised.value.code == "timeout"


def test_a_server_that_is_not_there_is_a_network_error(server):
    url = server.url("/rss")
    server.stop()
    with pytest.raises(ListenError) as raised:
        FeedSource({"subscription_id": 1, "url": url}).poll(cursor="")
    assert raised.value.code == "network"


def test_a_loopback_feed_is_refused_unless_allowed(server, settings):
    settings.CONVERSATION_FEED_ALLOW_PRIVATE_ADDRESSES = False
    with pytest.raises(ListenError) as raised:
        source(server).poll(cursor="")
    assert raised.value.code == "bad_url"
    # A host name is resolved by the connection, which is checked after it is made.
    named = FeedSource({"subscription_id": 1, "url": server.url("/rss").replace("127.0.0.1", "localhost")})
    with pytest.raises(ListenError) as raised:
        named.poll(cursor="")
    assert raised.value.code == "private_address"
    assert server.requests == []


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "ftp://example.com/feed",
        "javascript:alert(1)",
        "http://10.0.0.1/feed",
        "http://169.254.169.254/latest/meta-data",
        "http://[::1]/feed",
        "http://[::ffff:127.0.0.1]/feed",
        "http://0.0.0.0/feed",
    ],
)
def test_only_public_http_urls_may_be_feeds(url, settings):
    settings.CONVERSATION_FEED_ALLOW_PRIVATE_ADDRESSES = False
    assert feed_url_problem(url)


def test_a_public_address_is_a_possible_feed(settings):
    settings.CONVERSATION_FEED_ALLOW_PRIVATE_ADDRESSES = False
    assert feed_url_problem("https://blogs.example/search.rss") == ""
    assert feed_url_problem("http://93.184.215.14/feed") == ""


def test_an_external_entity_is_never_read(server):
    server.custom_body = (
        b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        b'<rss version="2.0"><channel><title>t</title><item><title>a&x;</title><guid>1</guid>'
        b"<description>b&x;</description></item></channel></rss>"
    )
    items = source(server, "/custom").poll(cursor="").items
    assert all("root:" not in item.title + item.text + item.html for item in items)


def test_nested_entities_do_not_expand_a_feed_a_billion_times(server):
    entities = '<!ENTITY a0 "lollollollol">' + "".join(f'<!ENTITY a{n} "{f"&a{n - 1};" * 10}">' for n in range(1, 10))
    server.custom_body = (
        f'<?xml version="1.0"?><!DOCTYPE r [{entities}]><rss version="2.0"><channel><title>&a9;</title>'
        "<item><title>&a9;</title><guid>1</guid></item></channel></rss>"
    ).encode()
    try:
        items = source(server, "/custom").poll(cursor="").items
    except ListenError as error:
        assert error.code == "not_a_feed"
    else:
        assert all(len(item.title) < 10_000 for item in items)
