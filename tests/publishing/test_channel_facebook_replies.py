"""Replies and likes on the Facebook channel, at the HTTP edge (the fake Graph
server): a reply is a comment by the Page under the comment or post it
answers; find_reply finds it or proves it absent; a like is idempotent."""

import datetime as dt
import time

import pytest
from django.utils import timezone

from publishing.channels.base import Post, PublishError
from tests.conversations.facebook_graph import (  # noqa: F401 - fixtures
    PAGE,
    comment,
    graph,
    graph_comments,
    likes,
    page,
    page_post,
    script,
)


def earlier():
    return timezone.now() - dt.timedelta(minutes=5)


def reply(text: str, to: str) -> Post:
    return Post(text=text, link="", in_reply_to=to)


def test_the_channel_says_it_replies_and_likes_in_one_comment(page):  # noqa: F811
    assert page.supports_replies and page.supports_likes
    assert page.reply_max_parts == 1


def test_a_reply_is_a_comment_by_the_page_under_the_customers_comment(graph, page):  # noqa: F811
    post = page_post(page, "Tip: returns")
    question = comment(graph, post, "Can I return a gift?", at=time.time())

    remote = page.send(reply("Tipcast here: yes, within 30 days.", question))

    [_question, answer] = graph_comments(graph)
    assert answer["id"] == remote.id
    assert (answer["parent"], answer["post"]) == (question, post)
    assert answer["from"]["id"] == PAGE
    assert answer["message"] == "Tipcast here: yes, within 30 days."
    assert remote.url.startswith(f"https://www.facebook.com/{PAGE}/posts/") and "comment_id=" in remote.url
    # A tip's post is still a post on the feed, not a comment.
    assert len(graph.state.live("facebook")) == 1


def test_a_reply_to_the_post_itself_is_a_top_level_comment(graph, page):  # noqa: F811
    post = page_post(page, "Tip")
    remote = page.send(reply("Thanks for reading!", post))
    [answer] = graph_comments(graph)
    assert (answer["id"], answer["parent"], answer["post"]) == (remote.id, "", post)


def test_a_failed_permalink_look_up_keeps_the_sent_reply(graph, page):  # noqa: F811
    post = page_post(page, "Tip")
    question = comment(graph, post, "?", at=time.time())
    script(graph, "ok", {"code": 2, "status": 500})  # the comment is made; reading its permalink fails
    remote = page.send(reply("Here is how.", question))
    assert remote.url == f"https://www.facebook.com/{remote.id}"
    assert len(graph_comments(graph)) == 2


def test_a_reply_to_something_gone_is_refused_for_good(graph, page):  # noqa: F811
    with pytest.raises(PublishError) as caught:
        page.send(reply("Hello", f"{PAGE}_999"))
    assert caught.value.permanent and caught.value.code == "100"


def test_a_dropped_reply_is_ambiguous_and_find_reply_finds_it(graph, page):  # noqa: F811
    post = page_post(page, "Tip")
    question = comment(graph, post, "Where is my order?", at=time.time())
    since = earlier()
    script(graph, {"status": "drop", "method": "POST"})
    text = "Tipcast here: please use the form."
    with pytest.raises(PublishError) as caught:
        page.send(reply(text, question))
    assert caught.value.ambiguous

    found = page.find_reply(reply(text, question), since=since)

    [made] = [c for c in graph_comments(graph) if c["from"] and c["from"]["id"] == PAGE]
    assert found.remote is not None and found.remote.id == made["id"]
    assert "comment_id=" in found.remote.url


def test_find_reply_proves_absence_and_ignores_the_customers_same_words(graph, page):  # noqa: F811
    post = page_post(page, "Tip")
    question = comment(graph, post, "Thanks!", at=time.time())
    # The customer wrote the very words under their own comment; the Page did not.
    comment(graph, post, "Thanks!", at=time.time(), parent=question)
    page.send(reply("Another answer", question))

    result = page.find_reply(reply("Thanks!", question), since=earlier())

    assert result.absent and result.remote is None


def test_find_reply_reads_only_since_the_first_attempt(graph, page):  # noqa: F811
    post = page_post(page, "Tip")
    question = comment(graph, post, "?", at=time.time() - 7200)
    old = page.send(reply("Same words", question))
    graph.state.facebook_comments[-1]["created_at"] = time.time() - 3600
    result = page.find_reply(reply("Same words", question), since=earlier())
    assert result.absent, old


def test_find_reply_cannot_tell_past_the_page_limit(graph, page, settings):  # noqa: F811
    settings.PUBLISHING_FIND_MAX_PAGES = 1
    post = page_post(page, "Tip")
    now = time.time()
    for n in range(120):
        comment(graph, post, f"comment {n}", at=now)
    result = page.find_reply(reply("Not there", post), since=earlier())
    assert not result.absent and result.remote is None and result.limit_reached


def test_find_reply_cannot_tell_when_graph_fails(graph, page):  # noqa: F811
    post = page_post(page, "Tip")
    script(graph, {"code": 2, "status": 500})
    result = page.find_reply(reply("Hello", post), since=earlier())
    assert not result.absent and result.remote is None and "look-up failed" in result.reason


def test_a_like_is_idempotent(graph, page):  # noqa: F811
    post = page_post(page, "Tip")
    praise = comment(graph, post, "Great tip, thank you!", at=time.time())

    page.like(praise)
    page.like(praise)  # a retried like: no error, still one like on Facebook

    assert likes(graph) == {praise: 2}


def test_liking_something_gone_is_refused_for_good(graph, page):  # noqa: F811
    with pytest.raises(PublishError) as caught:
        page.like(f"{PAGE}_404")
    assert caught.value.permanent


def test_a_like_with_a_dead_token_needs_reauthorisation(graph, page):  # noqa: F811
    post = page_post(page, "Tip")
    script(graph, {"code": 190, "subcode": 463})
    with pytest.raises(PublishError) as caught:
        page.like(post)
    assert caught.value.needs_reauth
