"""The Facebook Page comments source, against the fake Graph server: what a
poll reads, its cursor (nothing missed, nothing read twice), its bounds and errors."""

import datetime as dt
import time

import pytest
from django.utils.module_loading import import_string

from conversations.sources.base import ListenError
from conversations.sources.facebook_comments import (
    CURSOR_MAX_LENGTH,
    HIDDEN_AUTHOR_PREFIX,
    FacebookCommentsSource,
    cursor_format,
    cursor_parse,
)
from publishing.channels.base import Post
from tests.conversations.facebook_graph import PAGE, comment, graph, page, page_post, script  # noqa: F401

# Whole seconds in the recent past, as Graph's times have no fraction.
T0 = int(time.time()) - 3600


@pytest.fixture
def source(graph):  # noqa: F811 - the imported fixture
    return FacebookCommentsSource()


def poll_all(source, cursor=""):
    result = source.poll(cursor=cursor)
    return result, [item.remote_id for item in result.items]


def test_registered_in_settings(settings):
    source_class = import_string(settings.CONVERSATION_SOURCE_CLASSES["facebook_comments"])
    assert source_class is FacebookCommentsSource
    assert (source_class.kind, source_class.network) == ("facebook_comments", "facebook")


def test_enabled_follows_the_page_credentials(settings):
    settings.FACEBOOK_PAGE_ID, settings.FACEBOOK_PAGE_ACCESS_TOKEN = "", ""
    assert not FacebookCommentsSource().enabled
    settings.FACEBOOK_PAGE_ID, settings.FACEBOOK_PAGE_ACCESS_TOKEN = PAGE, "token"
    assert FacebookCommentsSource().enabled


def test_comments_on_the_pages_posts_oldest_first_with_threading(graph, page, source):  # noqa: F811
    tip_post = page_post(page, "Tip: free returns")
    other_post = page_post(page, "Opening hours")
    first = comment(graph, tip_post, "How do I return shoes?", at=T0 + 1)
    answer = comment(graph, tip_post, "Same question 🙏", at=T0 + 5, parent=first)
    elsewhere = comment(graph, other_post, "Open on Sunday?", at=T0 + 3)

    result, ids = poll_all(source)

    assert ids == [first, elsewhere, answer]
    by_id = {item.remote_id: item for item in result.items}
    opening = by_id[first]
    assert opening.text == "How do I return shoes?"
    assert opening.created_at == dt.datetime.fromtimestamp(T0 + 1, dt.UTC)
    assert (opening.author.network, opening.author.remote_id, opening.author.name) == (
        "facebook",
        "990001",
        "A customer",
    )
    assert (opening.in_reply_to, opening.thread_id) == (tip_post, tip_post)
    assert opening.url.startswith(f"https://www.facebook.com/{PAGE}/posts/")
    assert "comment_id=" in opening.url
    assert not opening.is_own
    assert (by_id[answer].in_reply_to, by_id[answer].thread_id) == (first, tip_post)
    assert by_id[answer].text == "Same question 🙏"
    assert by_id[elsewhere].thread_id == other_post
    assert cursor_parse(result.cursor) == (dt.datetime.fromtimestamp(T0 + 5, dt.UTC), {answer})


def test_the_pages_own_replies_are_flagged(graph, page, source):  # noqa: F811
    post = page_post(page, "Tip")
    question = comment(graph, post, "Where is my parcel?", at=T0)
    reply = page.send(Post(text="Tipcast here: let us check.", link="", in_reply_to=question))

    result, ids = poll_all(source)

    assert ids == [question, reply.id]
    own = result.items[1]
    assert own.is_own and own.author.remote_id == PAGE and own.in_reply_to == question


def test_a_hidden_author_is_a_person_per_comment_with_no_name(graph, page, source):  # noqa: F811
    post = page_post(page, "Tip")
    first = comment(graph, post, "hidden one", at=T0, author=None)
    second = comment(graph, post, "hidden two", at=T0 + 1, author=None)

    result, _ids = poll_all(source)

    authors = [item.author for item in result.items]
    assert [a.remote_id for a in authors] == [f"{HIDDEN_AUTHOR_PREFIX}{first}", f"{HIDDEN_AUTHOR_PREFIX}{second}"]
    assert [a.name for a in authors] == ["", ""]
    assert not any(item.is_own for item in result.items)


def test_several_comments_in_one_second_none_missed_none_read_twice(graph, page, source):  # noqa: F811
    post = page_post(page, "Tip")
    same_second = [comment(graph, post, f"at once {n}", at=T0 + 10) for n in range(3)]
    first, ids = poll_all(source)
    assert ids == same_second

    # Another comment in that very second, made after the poll, and one later.
    late = comment(graph, post, "same second, later", at=T0 + 10)
    later = comment(graph, post, "a second later", at=T0 + 11)
    second, ids = poll_all(source, first.cursor)
    assert ids == [late, later]

    quiet, ids = poll_all(source, second.cursor)
    assert ids == []
    assert quiet.cursor == second.cursor


def test_paging_within_one_poll(graph, page, source, settings):  # noqa: F811
    post = page_post(page, "Tip")
    made = [comment(graph, post, f"n{n}", at=T0 + n // 7) for n in range(230)]
    result, ids = poll_all(source)
    assert ids == made
    # One feed request and three pages of comments (100 + 100 + 30).
    assert result.reads == 4
    assert not result.details["comments_capped"]


def test_the_page_cap_moves_the_cursor_only_as_far_as_it_read(graph, page, source, settings):  # noqa: F811
    settings.CONVERSATION_FACEBOOK_MAX_COMMENT_PAGES = 1
    post = page_post(page, "Tip")
    other = page_post(page, "Other")
    made = [comment(graph, post, f"n{n}", at=T0 + n // 3) for n in range(250)]
    elsewhere = comment(graph, other, "on the other post, late", at=T0 + 200)

    seen, cursor, polls = [], "", 0
    while True:
        result, ids = poll_all(source, cursor)
        polls += 1
        seen += ids
        if result.cursor == cursor:
            break
        cursor = result.cursor
        assert polls < 10
    assert set(seen) == {*made, elsewhere}
    # The other post's late comment comes back while the capped post catches
    # up (overlap is fine: ingestion is idempotent); every comment came at least once.
    assert seen.count(made[0]) == 1


def test_a_quiet_poll_reads_only_posts_active_since_the_cursor(graph, page, source):  # noqa: F811
    quiet_post = page_post(page, "Tip")
    busy_post = page_post(page, "Other tip")
    now = int(time.time())
    comment(graph, quiet_post, "earlier", at=now + 2)
    comment(graph, busy_post, "later", at=now + 5)
    first, _ids = poll_all(source)

    again, ids = poll_all(source, first.cursor)

    assert ids == [] and again.cursor == first.cursor
    # The feed, and the comments of the one post updated in the cursor's second.
    assert again.details["posts"] == 1 and again.reads == 2


def test_posts_beyond_the_cap_are_not_read(graph, page, source, settings):  # noqa: F811
    settings.CONVERSATION_FACEBOOK_MAX_POSTS = 2
    oldest = page_post(page, "first post")
    page_post(page, "second post")
    newest = page_post(page, "third post")
    comment(graph, oldest, "on the oldest", at=T0)
    on_newest = comment(graph, newest, "on the newest", at=T0)
    result, ids = poll_all(source)
    assert ids == [on_newest]
    assert result.details["posts_capped"]


@pytest.mark.parametrize(
    ("graph_error", "needs_reauth", "retry_after"),
    [
        ({"code": 190, "subcode": 463}, True, None),
        ({"code": 4}, False, 900.0),
        ({"code": 17}, False, 900.0),
        ({"code": 32}, False, 900.0),
        ({"code": 613}, False, 900.0),
        ({"code": 2, "status": 500}, False, None),
        ({"code": 100, "message": "(#100) Unknown field"}, False, None),
    ],
)
def test_graph_errors_become_listen_errors(graph, page, source, graph_error, needs_reauth, retry_after):  # noqa: F811
    page_post(page, "Tip")
    script(graph, graph_error)
    with pytest.raises(ListenError) as caught:
        source.poll(cursor="")
    assert caught.value.needs_reauth is needs_reauth
    assert caught.value.retry_after == retry_after
    assert caught.value.code == str(graph_error["code"])


def test_an_error_on_a_posts_comments_raises_too(graph, page, source):  # noqa: F811
    post = page_post(page, "Tip")
    comment(graph, post, "hello", at=T0)
    script(graph, "ok", {"code": 17})  # the feed answers, the comments are rate limited
    with pytest.raises(ListenError) as caught:
        source.poll(cursor="")
    assert caught.value.retry_after == 900.0


def test_a_cursor_that_is_not_ours_is_refused(graph, source):  # noqa: F811
    with pytest.raises(ListenError, match="Not a Facebook comments cursor"):
        source.poll(cursor="12345678901234567890")


def test_the_cursor_stays_within_its_length():
    moment = dt.datetime(2026, 11, 25, 12, 0, tzinfo=dt.UTC)
    ids = [f"1234567890123_{n:06d}" for n in range(40)]
    cursor = cursor_format(moment, ids)
    assert len(cursor) <= CURSOR_MAX_LENGTH
    parsed_moment, kept = cursor_parse(cursor)
    assert parsed_moment == moment and kept and kept <= set(ids)
