"""A Facebook Page through facebook-sdk's GraphAPI, with a Page access token
(one obtained from a long-lived user token does not expire).

The same channel answers customers: a reply (Post.in_reply_to) is a comment
under the Page's post or under a customer's comment, and like() likes one.
conversations.sources.facebook_comments reads the comments through this
module's client, pages() and errors_mapped().

facebook-sdk has had no release since 2018. It is imported here and nowhere
else: client() builds it, four calls use it (put_object, get_object,
get_connections, delete_object) and errors_mapped turns its GraphAPIError into
PublishError, so replacing it by plain HTTP calls through publishing.http's
session changes this module only (the tests assert the requests at the HTTP
edge)."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import parse_qs, parse_qsl, urlsplit

import facebook
import requests
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from publishing import compose
from publishing.channels.base import (
    Channel,
    FindResult,
    FollowerCount,
    Post,
    PostStats,
    PublishError,
    Remote,
    StatsBatch,
    TimelineItem,
    TimelinePage,
)
from publishing.http import session_build

POST_URL = "https://www.facebook.com/{id}"
PAGE_SIZE = 100
# What find() reads of each post. `link` is not among them: Graph refuses it on
# feed reads since v3.3 ("(#12) link field is deprecated for versions v3.3 and
# higher"); the shared link is in the attachment, unshimmed_url being the URL
# as posted and url Facebook's l.facebook.com redirect to it.
FEED_FIELDS = "id,created_time,message,permalink_url,attachments{unshimmed_url,url}"
# What find_reply() and the comments source read of a comment.
COMMENT_FIELDS = "id,message,created_time,from,parent,permalink_url"
# A comment holds up to 8,000 characters; a reply to a reply is put under the
# top-level comment by Facebook, so a reply is never split into a thread.
REPLY_MAX_LENGTH = 8000
# A post's counts (reactions include likes; limit(0): the totals, not the lists),
# then its insights: impressions (FACEBOOK_POST_IMPRESSIONS_METRIC, as Meta
# renames it) and clicks by type, whose "link clicks" are clicks on the tip link.
STATS_FIELDS = "shares,reactions.summary(total_count).limit(0),comments.summary(total_count).limit(0)"
CLICKS_METRIC = "post_clicks_by_type"
_SHIM_HOSTS = {"l.facebook.com", "lm.facebook.com"}
_URL_IN_TEXT = re.compile(r"https?://\S+")
# facebook-sdk only accepts the versions it knows (up to 3.1, one digit
# after the dot); the client is built with one of them and then pointed at
# the configured version, which is what its request URLs are built from.
_SDK_ACCEPTED_VERSION = "3.1"
_GRAPH_VERSION = re.compile(r"^v?(\d+\.\d+)$")

# Graph's rate limits (application, user, Page, custom): wait, then try again.
RATE_LIMIT_CODES = {4, 17, 32, 613}
_TRANSIENT_CODES = {1, 2, 341} | RATE_LIMIT_CODES
_REAUTH_CODES = {190}
_DUPLICATE_CODES = {506}
_LINK_NOT_FETCHED_CODE = 1609005


def graph_api_version(value: str) -> str:
    """'v24.0' from 'v24.0' or '24.0'; ImproperlyConfigured otherwise."""
    match = _GRAPH_VERSION.match((value or "").strip())
    if not match:
        raise ImproperlyConfigured(f"FACEBOOK_GRAPH_API_VERSION must look like v24.0, not {value!r}.")
    return f"v{match.group(1)}"


class FacebookChannel(Channel):
    kind = "facebook"
    label = _("Facebook Page")
    supports_replies = True
    supports_likes = True
    reply_max_parts = 1
    reply_max_length = REPLY_MAX_LENGTH
    supports_stats = True

    @property
    def enabled(self) -> bool:
        return bool(self.config.get("page_id") and self.config.get("page_access_token"))

    @property
    def page_id(self) -> str:
        return self.config.get("page_id", "")

    def client(self) -> facebook.GraphAPI:
        graph = facebook.GraphAPI(
            access_token=self.config.get("page_access_token"),
            timeout=settings.PUBLISHING_HTTP_TIMEOUT,
            version=_SDK_ACCEPTED_VERSION,
            session=session_build(),
        )
        graph.version = graph_api_version(self.config.get("graph_api_version") or settings.FACEBOOK_GRAPH_API_VERSION)
        return graph

    def compose(self, tip, *, text_override: str = "") -> Post:
        text = compose.facebook_message(title=tip.title, answer_plain=tip.answer_plain, text_override=text_override)
        link = compose.tip_link(tip, source="facebook")
        return Post(text=text, link=link, details={"length": len(compose.graphemes(text))})

    def send(self, post: Post) -> Remote:
        if post.in_reply_to:
            return self._send_reply(post)
        with errors_mapped(sending=True):
            result = self.client().put_object(self.page_id, "feed", message=post.text, link=post.link)
        post_id = str((result or {}).get("id") or "")
        if not post_id:
            # Facebook accepted the request, so the post may exist: retrying
            # could post twice.
            raise PublishError(
                f"Facebook accepted the post but its reply has no post id: {result!r}", permanent=True, code="no_id"
            )
        return Remote(id=post_id, url=POST_URL.format(id=post_id))

    def _send_reply(self, post: Post) -> Remote:
        """A comment under the post or comment `post.in_reply_to` answers."""
        with errors_mapped(sending=True):
            result = self.client().put_object(post.in_reply_to, "comments", message=post.text)
        comment_id = str((result or {}).get("id") or "")
        if not comment_id:
            raise PublishError(
                f"Facebook accepted the reply but gave no comment id: {result!r}", permanent=True, code="no_id"
            )
        return Remote(id=comment_id, url=self._permalink(comment_id))

    def _permalink(self, object_id: str) -> str:
        """The object's permalink_url; the reply exists already, so a failed
        look-up only costs the nicer URL."""
        try:
            with errors_mapped():
                found = self.client().get_object(object_id, fields="permalink_url") or {}
        except PublishError:
            found = {}
        return found.get("permalink_url") or POST_URL.format(id=object_id)

    def find_reply(self, post: Post, *, since: dt.datetime) -> FindResult:
        """A comment by the Page with exactly `post.text` directly under
        `post.in_reply_to`, made since `since`: the newest comments first
        (Graph's `since` filters them), so reading every page is proof of absence."""
        args = {
            "fields": COMMENT_FIELDS,
            "order": "reverse_chronological",
            "limit": PAGE_SIZE,
            "since": int(since.timestamp()) - 1,
        }

        def matches(item: TimelineItem) -> bool:
            return item.author_id == self.page_id and item.text == post.text

        return self.find_post(
            matches, since=since, listing=self.pages(post.in_reply_to, "comments", args, item=_comment_item)
        )

    def like(self, remote_id: str) -> None:
        """Like a post or comment as the Page. Liking one twice is no error on
        Graph, so a retried like cannot do harm."""
        with errors_mapped():
            result = self.client().put_object(remote_id, "likes") or {}
        if result.get("success") is False:
            raise PublishError(f"Facebook did not like {remote_id}: {result!r}", code="not_liked")

    def fetch_post_stats(self, remote_ids: list[str]) -> StatsBatch:
        """Per post (Graph refuses a whole multi-id request for one missing
        post): GET /{post-id}?fields=shares,reactions...,comments... and
        GET /{post-id}/insights?metric=<impressions>,post_clicks_by_type.
        Insights need pages_read_engagement and Meta retires metrics from
        time to time: a refused insights call keeps the counts, with a note.
        Anything else refused but a missing post stops the batch (raised)."""
        stats, errors = {}, {}
        graph = self.client()
        metric = settings.FACEBOOK_POST_IMPRESSIONS_METRIC
        for remote_id in remote_ids:
            try:
                with errors_mapped():
                    post = graph.get_object(remote_id, fields=STATS_FIELDS) or {}
            except PublishError as error:
                # Only "no such post" (100: deleted) belongs to this post; a
                # missing permission or a dead token is the whole batch's, to
                # be tried again once staff fix it.
                if error.code != "100":
                    raise
                errors[remote_id] = error
                continue
            note, values = "", {}
            try:
                with errors_mapped():
                    insights = graph.get_connections(remote_id, "insights", metric=f"{metric},{CLICKS_METRIC}") or {}
                values = {entry.get("name"): _lifetime_value(entry) for entry in insights.get("data") or []}
            except PublishError as error:
                if not error.permanent or error.needs_reauth:
                    raise
                note = f"Facebook refused the insights: {error.message}"
            clicks = values.get(CLICKS_METRIC)
            stats[remote_id] = PostStats(
                impressions=_count(values.get(metric)),
                likes=_count(((post.get("reactions") or {}).get("summary") or {}).get("total_count")),
                # Graph leaves `shares` out of a post nobody shared.
                reposts=_count((post.get("shares") or {}).get("count", 0)),
                replies=_count(((post.get("comments") or {}).get("summary") or {}).get("total_count")),
                link_clicks=_count(clicks.get("link clicks", 0)) if isinstance(clicks, dict) else None,
                note=note,
            )
        return StatsBatch(stats=stats, errors=errors)

    def fetch_followers(self) -> FollowerCount:
        """GET /{page-id}?fields=followers_count."""
        with errors_mapped():
            page = self.client().get_object(self.page_id, fields="followers_count") or {}
        return FollowerCount(count=_count(page.get("followers_count")))

    def timeline(self, *, since: dt.datetime) -> Iterator[TimelinePage]:
        """The Page's posts since `since` (Graph's `since`, Unix seconds), newest first."""
        args = {"fields": FEED_FIELDS, "limit": PAGE_SIZE, "since": int(since.timestamp())}
        return self.pages(self.page_id, "feed", args, item=_timeline_item)

    def pages(self, object_id: str, connection: str, args: dict, *, item=None) -> Iterator[TimelinePage]:
        """One connection of a Graph object (a Page's feed, a post's comments),
        page after page, following paging.next (cursor or time based,
        whichever Graph hands out) as facebook-sdk's get_all_connections does.
        Each page's items are `item(data)` (the raw dicts without it); raises PublishError."""
        graph = self.client()
        while True:
            with errors_mapped():
                result = graph.get_connections(object_id, connection, **args) or {}
                data = result.get("data") or []
                items = [item(entry) for entry in data] if item else list(data)
            next_url = (result.get("paging") or {}).get("next")
            yield TimelinePage(items=items, more=bool(next_url and items))
            if not (next_url and items):
                return
            args = {key: value for key, value in parse_qsl(urlsplit(next_url).query) if key != "access_token"}

    def delete(self, remote: Remote) -> None:
        try:
            with errors_mapped():
                self.client().delete_object(remote.id)
        except PublishError as error:
            if not _already_gone(error):
                raise


def _lifetime_value(entry: dict):
    """An insights metric's lifetime value: the last of its `values`."""
    values = entry.get("values") or []
    return values[-1].get("value") if values else None


def _count(value) -> int | None:
    try:
        return int(value) if value is not None else None
    except (TypeError, ValueError):
        return None


def graph_time(value: str | None) -> dt.datetime | None:
    """Graph writes times as "2026-11-25T16:50:00+0000"."""
    return dt.datetime.strptime(value, "%Y-%m-%dT%H:%M:%S%z") if value else None


def _comment_item(comment: dict) -> TimelineItem:
    comment_id = str(comment["id"])
    return TimelineItem(
        remote=Remote(id=comment_id, url=comment.get("permalink_url") or POST_URL.format(id=comment_id)),
        created_at=graph_time(comment.get("created_time")),
        text=comment.get("message") or "",
        in_reply_to=str((comment.get("parent") or {}).get("id") or ""),
        author_id=str((comment.get("from") or {}).get("id") or ""),
    )


def _timeline_item(post: dict) -> TimelineItem:
    urls = []
    for attachment in (post.get("attachments") or {}).get("data") or []:
        urls += [_unshimmed(attachment.get(name)) for name in ("unshimmed_url", "url") if attachment.get(name)]
    urls += _URL_IN_TEXT.findall(post.get("message") or "")
    post_id = str(post["id"])
    return TimelineItem(
        remote=Remote(id=post_id, url=post.get("permalink_url") or POST_URL.format(id=post_id)),
        created_at=graph_time(post.get("created_time")),
        urls=tuple(urls),
        text=post.get("message") or "",
    )


def _unshimmed(url: str) -> str:
    """The target of Facebook's link shim (l.facebook.com/l.php?u=<url>), or `url`."""
    parts = urlsplit(url)
    if parts.hostname in _SHIM_HOSTS:
        target = parse_qs(parts.query).get("u")
        if target:
            return target[0]
    return url


def _already_gone(error: PublishError) -> bool:
    """Graph answers a deleted post with code 100 ("does not exist") or a
    404-style message; both mean the delete has nothing left to do."""
    message = error.message.lower()
    return error.code == "100" and ("does not exist" in message or "unsupported delete" in message)


@contextmanager
def errors_mapped(*, sending: bool = False):
    """Turn facebook-sdk's and requests' exceptions into PublishError. While
    `sending`, a timeout or a dropped connection may come after Facebook
    created the post, so it is flagged ambiguous (a refused connection is not)."""
    try:
        yield
    except facebook.GraphAPIError as exc:
        raise _publish_error(exc) from exc
    except (requests.ConnectionError, requests.Timeout) as exc:
        ambiguous = sending and not isinstance(exc, requests.ConnectTimeout)
        raise PublishError(f"Could not reach Facebook: {exc}", code=type(exc).__name__, ambiguous=ambiguous) from exc
    except (requests.RequestException, ValueError, KeyError, TypeError) as exc:
        raise PublishError(f"Unexpected error from Facebook: {exc!r}", code=type(exc).__name__) from exc


def _error_code(exc: facebook.GraphAPIError) -> int | None:
    try:
        return int(exc.code)
    except (TypeError, ValueError):
        return None


def _error_subcode(exc: facebook.GraphAPIError) -> int | None:
    try:
        return int(exc.result["error"]["error_subcode"])
    except (KeyError, TypeError, ValueError):
        return None


def _publish_error(exc: facebook.GraphAPIError) -> PublishError:
    code, subcode = _error_code(exc), _error_subcode(exc)
    message = exc.message if isinstance(exc.message, str) else json.dumps(exc.message, ensure_ascii=False)
    label = str(code) if code is not None else ""
    if code == _LINK_NOT_FETCHED_CODE or subcode == _LINK_NOT_FETCHED_CODE:
        return PublishError(
            f"Facebook could not fetch the link (check the tip page is public and its link card): {message}",
            permanent=True,
            code=str(_LINK_NOT_FETCHED_CODE),
        )
    if code in _TRANSIENT_CODES:
        return PublishError(f"Facebook asks to retry later ({code}): {message}", code=label)
    if code in _REAUTH_CODES:
        return PublishError(f"Facebook rejected the Page token ({code}): {message}", needs_reauth=True, code=label)
    if code == 10 or (code is not None and 200 <= code <= 299):
        return PublishError(f"The Page token lacks a permission ({code}): {message}", permanent=True, code=label)
    if code in _DUPLICATE_CODES:
        return PublishError(f"Facebook says this is a duplicate ({code}): {message}", duplicate=True, code=label)
    if code == 100:
        return PublishError(f"Facebook refused the request ({code}): {message}", permanent=True, code=label)
    return PublishError(f"Unexpected error from Facebook ({code}): {message}", code=label)
