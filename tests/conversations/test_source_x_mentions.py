"""The X mentions source, running the real tweepy client down to HTTP against
the fake X server (tests/publishing/fake_social_x.py)."""

from __future__ import annotations

import datetime as dt

import pytest
import requests
from django.conf import settings as django_settings
from django.utils.module_loading import import_string

from conversations.sources.base import ListenError
from conversations.sources.x_mentions import FIRST_POLL_MENTIONS, XMentionsSource
from tests.publishing.fake_social import FakeSocialServer
from tests.publishing.fake_social_x import CUSTOMER, ME, use_fake_x


@pytest.fixture
def fake_x(settings, monkeypatch):
    with FakeSocialServer() as server:
        use_fake_x(settings, monkeypatch, server)
        yield server


def inject(server, *posts) -> list[str]:
    response = requests.post(f"{server.url}/_fake/x/posts", json={"posts": list(posts)}, timeout=5)
    response.raise_for_status()
    return response.json()["ids"]


def mentions(count, *, start=0):
    return [{"text": f"@tipcast question {start + number}"} for number in range(count)]


def script(server, *entries, always=None):
    body = {"x": list(entries)} | ({"always": {"x": always}} if always else {})
    requests.post(f"{server.url}/_fake/script", json=body, timeout=5).raise_for_status()


def test_registered_in_settings_and_configured_from_the_x_credentials(fake_x):
    source_class = import_string(django_settings.CONVERSATION_SOURCE_CLASSES["x_mentions"])
    source = source_class()
    assert source_class is XMentionsSource
    assert (source.kind, source.network) == ("x_mentions", "x")
    assert source.enabled
    assert not XMentionsSource({"api_key": "only one"}).enabled


def test_first_poll_reads_one_page_of_the_newest_mentions_only(fake_x):
    ids = inject(fake_x, *mentions(50))

    poll = XMentionsSource().poll(cursor="")

    assert [item.remote_id for item in poll.items] == ids[-FIRST_POLL_MENTIONS:]  # oldest first
    assert poll.cursor == ids[-1]
    assert poll.reads == FIRST_POLL_MENTIONS == fake_x.state.x_mention_reads
    assert poll.details["pages"] == 1 and poll.details["first_poll"]


def test_later_polls_page_through_everything_new_since_the_cursor(fake_x):
    first = XMentionsSource().poll(cursor="")
    assert first.items == [] and first.cursor == "" and first.reads == 0
    old = inject(fake_x, *mentions(3))
    cursor = XMentionsSource().poll(cursor="").cursor
    assert cursor == old[-1]
    new = inject(fake_x, *mentions(230, start=3), {"text": "no mention of the account here"})
    reads_before = fake_x.state.x_mention_reads

    poll = XMentionsSource().poll(cursor=cursor)

    assert [item.remote_id for item in poll.items] == new[:-1]
    assert poll.cursor == new[-2]
    assert poll.details["pages"] == 3
    assert poll.reads == 230 == fake_x.state.x_mention_reads - reads_before
    again = XMentionsSource().poll(cursor=poll.cursor)
    assert (again.items, again.cursor, again.reads) == ([], poll.cursor, 0)


def test_items_carry_author_thread_reply_and_ownership(fake_x):
    channel_post = requests.post(f"{fake_x.url}/2/tweets", json={"text": "A tip"}, headers={"Authorization": "OAuth x"})
    tip_id = channel_post.json()["data"]["id"]
    (opening,) = inject(fake_x, {"text": "@tipcast 返品したい", "lang": "ja"})
    answer, quote, own = inject(
        fake_x,
        {"text": "@tipcast まだです", "in_reply_to": opening, "author": {**CUSTOMER}, "lang": "und"},
        {
            "text": "Great tip",
            "quote_of": tip_id,
            "author": {"id": "3", "username": "fan", "name": "Fan"},
            "lang": "en",
        },
        {"text": "@tipcast note to self", "author": ME},
    )

    items = {item.remote_id: item for item in XMentionsSource().poll(cursor="").items}

    first = items[opening]
    assert first.author.network == "x" and first.author.remote_id == CUSTOMER["id"]
    assert (first.author.handle, first.author.name) == ("customer", "A Customer")
    assert first.author.profile_url == "https://x.com/customer"
    assert first.url == f"https://x.com/customer/status/{opening}"
    assert first.in_reply_to == "" and first.thread_id == opening
    assert first.mentions_account and not first.is_own
    assert first.language == "ja"
    assert (
        first.created_at.tzinfo is not None and abs(first.created_at - dt.datetime.now(dt.UTC)).total_seconds() < 3600
    )
    assert items[answer].in_reply_to == opening and items[answer].thread_id == opening
    assert items[answer].language == ""
    assert items[quote].mentions_account and items[quote].author.handle == "fan"
    assert items[own].is_own


def test_emoji_right_to_left_and_markup_arrive_intact_and_nul_is_removed(fake_x):
    text = "@tipcast 😀👍🏽 مرحبا بالعالم \u202eabc <script>alert(1)</script> & 返品\x00です"
    inject(fake_x, {"text": text, "author": {"id": "7", "username": "rtl", "name": "سارة\x00 😀"}})

    (item,) = XMentionsSource().poll(cursor="").items

    assert item.text == text.replace("\x00", "")
    assert item.author.name == "سارة 😀"


@pytest.mark.parametrize(
    ("entry", "retry_after", "needs_reauth"),
    [
        ({"status": 429, "reset_in": 120}, True, False),
        (401, False, True),
        (403, False, True),
        (500, False, False),
        (503, False, False),
    ],
)
def test_errors_become_listen_errors_the_poller_can_act_on(fake_x, entry, retry_after, needs_reauth):
    script(fake_x, always=entry)

    with pytest.raises(ListenError) as caught:
        XMentionsSource().poll(cursor="1")

    assert caught.value.needs_reauth is needs_reauth
    if retry_after:
        assert 60 < caught.value.retry_after <= 121 and caught.value.code == "429"
    else:
        assert caught.value.retry_after is None


def test_a_timeout_is_a_plain_listen_error(fake_x, settings):
    settings.PUBLISHING_HTTP_TIMEOUT = 0.3
    script(fake_x, always={"status": "ok", "delay": 1})

    with pytest.raises(ListenError) as caught:
        XMentionsSource().poll(cursor="1")

    assert not caught.value.needs_reauth and caught.value.retry_after is None
    assert "Could not reach X" in caught.value.message


def test_a_failure_on_a_later_page_loses_nothing(fake_x):
    cursor = inject(fake_x, {"text": "@tipcast old"})[0]
    new = inject(fake_x, *mentions(150))
    # /2/users/me, the first page, then the second page fails.
    script(fake_x, "ok", "ok", 500)

    with pytest.raises(ListenError):
        XMentionsSource().poll(cursor=cursor)
    poll = XMentionsSource().poll(cursor=cursor)

    assert [item.remote_id for item in poll.items] == new
    assert poll.cursor == new[-1]


def test_the_account_id_comes_from_the_access_token_without_a_read_of_users_me(fake_x, settings):
    settings.X_ACCESS_TOKEN = f"{ME['id']}-secretpart"
    mine, theirs = inject(fake_x, {"text": "@tipcast from us", "author": ME}, {"text": "@tipcast hi"})
    # One request succeeds, the next is refused: a poll that asked /2/users/me
    # before the mentions would fail.
    script(fake_x, "ok", 401)

    items = XMentionsSource().poll(cursor="").items

    assert [(item.remote_id, item.is_own) for item in items] == [(mine, True), (theirs, False)]


def test_a_cursor_that_is_not_a_post_id_is_refused_before_any_read(fake_x):
    with pytest.raises(ListenError, match="must be a post id"):
        XMentionsSource().poll(cursor="1; DROP")
    assert fake_x.state.x_mention_reads == 0


def test_a_network_that_never_stops_paging_is_cut_off_without_moving_the_cursor(fake_x):
    inject(fake_x, *mentions(1001))

    with pytest.raises(ListenError) as caught:
        XMentionsSource().poll(cursor="1")

    assert caught.value.code == "too_many_pages"
