"""Replies and likes on X, with the real tweepy client against the fake X
server: threading, X's 2026 rule (a self-serve app replies only to posts that
mention or quote the account), likes, and finding a reply again."""

from __future__ import annotations

import datetime as dt

import pytest
import requests
from django.utils import timezone

from publishing.channels.base import Post, PublishError
from publishing.channels.registry import get_channel
from publishing.channels.x import REPLY_NOT_ALLOWED
from tests.publishing.fake_social import FakeSocialServer
from tests.publishing.fake_social_x import use_fake_x


@pytest.fixture
def fake_x(settings, monkeypatch):
    with FakeSocialServer() as server:
        use_fake_x(settings, monkeypatch, server)
        yield server


@pytest.fixture
def x(fake_x):
    return get_channel("x")


def inject(server, *posts) -> list[str]:
    response = requests.post(f"{server.url}/_fake/x/posts", json={"posts": list(posts)}, timeout=5)
    response.raise_for_status()
    return response.json()["ids"]


def our_posts(server) -> list[dict]:
    return [post for post in server.state.posts if post["network"] == "x"]


def reply(text, to) -> Post:
    return Post(text=text, link="", in_reply_to=to)


def test_x_declares_replies_and_likes(x):
    assert x.supports_replies and x.supports_likes


def test_a_reply_goes_into_the_mentions_thread_and_a_second_part_chains_from_it(fake_x, x):
    (mention,) = inject(fake_x, {"text": "@tipcast 返品の送料は？"})

    first = x.send(reply("@customer 元払いです (1/2)", mention))
    second = x.send(reply("@customer 詳しくはこちら (2/2)", first.id))

    posted = our_posts(fake_x)
    assert [(post["id"], post["in_reply_to"]) for post in posted] == [(first.id, mention), (second.id, first.id)]
    assert {post["conversation_id"] for post in posted} == {mention}
    assert first.url == f"https://x.com/i/web/status/{first.id}"


def test_a_post_quoting_the_account_may_be_answered(fake_x, x):
    tip = x.send(Post(text="A tip https://support.example.com/tips/1/", link=""))
    (quote,) = inject(fake_x, {"text": "This helped me", "quote_of": tip.id})

    remote = x.send(reply("@customer ありがとうございます", quote))

    assert our_posts(fake_x)[-1]["id"] == remote.id


def test_a_reply_outside_a_mention_is_refused_for_good_with_the_reason(fake_x, x):
    (stranger,) = inject(fake_x, {"text": "Talking about returns, no mention"})

    with pytest.raises(PublishError) as caught:
        x.send(reply("@customer Can we help?", stranger))

    error = caught.value
    assert error.code == REPLY_NOT_ALLOWED
    assert error.permanent and not error.ambiguous and not error.needs_reauth
    assert "only to posts that mention or quote the account" in error.message
    assert our_posts(fake_x) == []


def test_a_reply_to_a_post_that_is_gone_is_permanent_but_not_the_mention_rule(fake_x, x):
    with pytest.raises(PublishError) as caught:
        x.send(reply("@customer hello", "1790000000000999999"))

    assert caught.value.permanent and caught.value.code == "403"


def test_a_server_error_while_replying_is_retryable_and_ambiguous(fake_x, x):
    (mention,) = inject(fake_x, {"text": "@tipcast hi"})
    requests.post(f"{fake_x.url}/_fake/script", json={"x": [503]}, timeout=5).raise_for_status()

    with pytest.raises(PublishError) as caught:
        x.send(reply("@customer hello", mention))

    assert not caught.value.permanent and caught.value.ambiguous


def test_like_is_idempotent(fake_x, x):
    (praise,) = inject(fake_x, {"text": "@tipcast the tip fixed it, thanks!"})

    x.like(praise)
    x.like(praise)

    likes = requests.get(f"{fake_x.url}/_fake/x/likes", timeout=5).json()
    assert likes == {"likes": [praise], "requests": 2}


def test_liking_a_post_that_does_not_exist_is_a_permanent_error(fake_x, x):
    with pytest.raises(PublishError) as caught:
        x.like("1790000000000999999")
    assert caught.value.permanent and caught.value.code == "404"


def test_find_reply_finds_the_reply_despite_t_co_links_and_escaping(fake_x, x):
    since = timezone.now() - dt.timedelta(minutes=1)
    mention, other = inject(fake_x, {"text": "@tipcast Q1"}, {"text": "@tipcast Q2"})
    text = "@customer A & B: see https://support.example.com/tips/9/?utm_medium=reply"
    x.send(reply("@customer same words", other))
    sent = x.send(reply(text, mention))

    found = x.find_reply(reply(text, mention), since=since)

    assert found.remote is not None and found.remote.id == sent.id


def test_find_reply_proves_absence(fake_x, x):
    since = timezone.now() - dt.timedelta(minutes=1)
    mention, other = inject(fake_x, {"text": "@tipcast Q1"}, {"text": "@tipcast Q2"})
    x.send(reply("@customer same words", other))
    x.send(reply("@customer different words", mention))

    result = x.find_reply(reply("@customer same words", mention), since=since)

    assert result.remote is None and result.absent


def test_find_reply_cannot_tell_when_x_fails(fake_x, x):
    requests.post(f"{fake_x.url}/_fake/script", json={"always": {"x": 500}}, timeout=5).raise_for_status()

    result = x.find_reply(reply("@customer hi", "1"), since=timezone.now())

    assert result.remote is None and not result.absent and "look-up failed" in result.reason


@pytest.mark.parametrize(
    ("on_x", "sent"),
    [
        ("@customer A &amp; B &lt;3 https://t.co/abc", "@customer A & B <3 https://support.example.com/tips/9/"),
        # X may put the names a reply answers in front of its text.
        ("@customer @other Thanks!", "Thanks!"),
        ("Cafe\u0301  thanks\n", "Café thanks"),
    ],
)
def test_reply_text_is_compared_as_x_rewrites_it(on_x, sent):
    from publishing.channels.x import _comparable_text

    assert _comparable_text(on_x) == _comparable_text(sent)
    assert _comparable_text("@customer Thanks?") != _comparable_text("Thanks!")
