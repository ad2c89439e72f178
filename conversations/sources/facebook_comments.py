"""Comments on the Facebook Page's posts (the tips it posted included), read
through the Graph API with the publishing channel's Page token and client.

One poll:
1. `GET /{page}/feed?fields=id,created_time,updated_time&since=<N days ago>`:
   the Page's posts of the last CONVERSATION_FACEBOOK_POST_MAX_AGE_DAYS days,
   the newest CONVERSATION_FACEBOOK_MAX_POSTS of them. Only posts whose
   `updated_time` (Graph moves it when someone comments) is at or after the
   cursor are read further, so a quiet poll costs one request.
2. `GET /{post}/comments?filter=stream&order=chronological&since=<cursor - 1 s>`
   for each: every comment and reply on the post, oldest first, up to
   CONVERSATION_FACEBOOK_MAX_COMMENT_PAGES pages of 100.

The cursor is the newest `created_time` read ("2026-11-25T12:00:00+00:00"),
followed by "|" and the ids of the comments read in that very second (as many
as fit in CURSOR_MAX_LENGTH): Graph's times have whole seconds, so the next
poll asks again from that second and leaves out only those ids. A comment
made later in the same second is read; one left out of the id list for room is
read twice, which ingestion (idempotent by remote id) absorbs. Comments are
read oldest first so that a post with more comments than the page cap moves
the cursor only to the last comment read from it: the next poll goes on from
there, and nothing between is skipped.

Limits: comments on posts older than the age window, or beyond the newest
MAX_POSTS posts, are not polled (the Page webhook, conversations.facebook_webhook,
still delivers them); more than 100 comments on one post within one second
would be read again each poll until a newer one arrives.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from conversations.sources.base import Author, Incoming, ListenError, Poll, Source
from publishing.channels.base import PublishError
from publishing.channels.facebook import (
    COMMENT_FIELDS,
    PAGE_SIZE,
    POST_URL,
    RATE_LIMIT_CODES,
    FacebookChannel,
    graph_time,
)
from publishing.channels.registry import network_config

# Graph's rate limits are counted over a rolling hour and its error says
# nothing about when they lift: wait a quarter of an hour.
RATE_LIMIT_WAIT_SECONDS = 900.0
# The longest cursor this source returns (ListeningState stores it).
CURSOR_MAX_LENGTH = 255
# The author of a comment whose `from` Graph withholds (the commenter's privacy
# settings, or a Page token without pages_read_user_content): a person per
# comment, since two hidden commenters must never share a history or a
# do-not-contact mark.
HIDDEN_AUTHOR_PREFIX = "hidden-comment:"


def cursor_parse(cursor: str) -> tuple[dt.datetime | None, set[str]]:
    """(time, ids read in that second) from a cursor this source returned; (None, {}) for ""."""
    if not cursor:
        return None, set()
    moment, _sep, ids = cursor.partition("|")
    try:
        parsed = dt.datetime.fromisoformat(moment)
    except ValueError as exc:
        raise ListenError(f"Not a Facebook comments cursor: {cursor[:80]!r}", code="bad_cursor") from exc
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.UTC)
    return parsed, {comment_id for comment_id in ids.split(",") if comment_id}


def cursor_format(moment: dt.datetime, ids: list[str]) -> str:
    """The cursor for `moment` with as many of `ids` as fit in CURSOR_MAX_LENGTH."""
    cursor = moment.astimezone(dt.UTC).isoformat()
    kept = []
    for comment_id in sorted(ids):
        if len(cursor) + 1 + len(",".join([*kept, comment_id])) > CURSOR_MAX_LENGTH:
            break
        kept.append(comment_id)
    return f"{cursor}|{','.join(kept)}" if kept else cursor


class FacebookCommentsSource(Source):
    kind = "facebook_comments"
    network = "facebook"
    label = _("Facebook Page comments")

    def channel(self) -> FacebookChannel:
        """The Page, as the publishing channel knows it (same token and client)."""
        return FacebookChannel(self.config or network_config("facebook"))

    @property
    def enabled(self) -> bool:
        return self.channel().enabled

    def poll(self, *, cursor: str) -> Poll:
        start, seen = cursor_parse(cursor)
        window_start = timezone.now() - dt.timedelta(days=settings.CONVERSATION_FACEBOOK_POST_MAX_AGE_DAYS)
        if start is None:
            # The first poll reads what the window holds: comments staff may still want to answer.
            start = window_start.replace(microsecond=0)
        channel = self.channel()
        reads = 0
        try:
            posts, reads, posts_capped = self._active_posts(channel, since=window_start, active_since=start)
            comments: list[dict] = []
            # The cursor may not pass the last comment read from a post whose pages were capped.
            stop_at: dt.datetime | None = None
            for post_id in posts:
                read, pages, last_read = self._comments(channel, post_id, since=start)
                reads += pages
                comments += read
                if last_read is not None:
                    stop_at = last_read if stop_at is None else min(stop_at, last_read)
        except PublishError as error:
            raise _listen_error(error) from error
        fresh = [
            comment
            for comment in comments
            if comment["_created"] >= start and not (comment["_created"] == start and comment["id"] in seen)
        ]
        # Stable: within one second, the order Graph gave (its own chronological order).
        fresh.sort(key=lambda comment: comment["_created"])
        items = [self._incoming(comment, page_id=channel.page_id) for comment in fresh]
        newest = max((comment["_created"] for comment in comments), default=start)
        new_start = max(start, min(newest, stop_at) if stop_at else newest)
        in_that_second = [comment["id"] for comment in comments if comment["_created"] == new_start]
        if new_start == start:
            in_that_second += seen
        return Poll(
            items=items,
            cursor=cursor_format(new_start, list(set(in_that_second))),
            reads=reads,
            details={"posts": len(posts), "posts_capped": posts_capped, "comments_capped": stop_at is not None},
        )

    def _active_posts(
        self, channel: FacebookChannel, *, since: dt.datetime, active_since: dt.datetime
    ) -> tuple[list[str], int, bool]:
        """Ids of the Page's posts created since `since` with activity since
        `active_since`, Graph requests made, and whether MAX_POSTS cut the list."""
        max_posts = settings.CONVERSATION_FACEBOOK_MAX_POSTS
        args = {"fields": "id,created_time,updated_time", "limit": min(PAGE_SIZE, max_posts)}
        args["since"] = int(since.timestamp())
        active, seen, requests = [], 0, 0
        for page in channel.pages(channel.page_id, "feed", args):
            requests += 1
            for post in page.items:
                seen += 1
                if seen > max_posts:
                    return active, requests, True
                updated = graph_time(post.get("updated_time") or post.get("created_time"))
                if updated is None or updated >= active_since:
                    active.append(str(post["id"]))
        return active, requests, False

    def _comments(
        self, channel: FacebookChannel, post_id: str, *, since: dt.datetime
    ) -> tuple[list[dict], int, dt.datetime | None]:
        """The comments on `post_id` made since `since` (a second earlier, in
        case Graph's `since` is exclusive), oldest first; the pages read; and
        when the page cap stopped the reading, the time of the last comment read."""
        args = {
            "filter": "stream",
            "order": "chronological",
            "fields": COMMENT_FIELDS,
            "limit": PAGE_SIZE,
            "since": int(since.timestamp()) - 1,
        }
        comments, pages = [], 0
        for page in channel.pages(post_id, "comments", args):
            pages += 1
            for comment in page.items:
                created = graph_time(comment.get("created_time"))
                if created is None or not comment.get("id"):
                    continue
                comments.append({**comment, "id": str(comment["id"]), "_created": created, "_post": post_id})
            if page.more and pages >= settings.CONVERSATION_FACEBOOK_MAX_COMMENT_PAGES:
                return comments, pages, max((c["_created"] for c in comments), default=since)
        return comments, pages, None

    def _incoming(self, comment: dict, *, page_id: str) -> Incoming:
        return comment_incoming(
            comment_id=comment["id"],
            post_id=comment["_post"],
            message=comment.get("message") or "",
            created_at=comment["_created"],
            author=comment.get("from"),
            parent_id=str((comment.get("parent") or {}).get("id") or ""),
            url=comment.get("permalink_url") or "",
            page_id=page_id,
        )


def comment_incoming(
    *,
    comment_id: str,
    post_id: str,
    message: str,
    created_at: dt.datetime,
    author: dict | None,
    parent_id: str,
    url: str,
    page_id: str,
) -> Incoming:
    """A comment on the Page's post `post_id` as an Incoming item (the poller's
    and the webhook's, so both say the same thing about one comment)."""
    author = author or {}
    author_id = str(author.get("id") or "")
    return Incoming(
        remote_id=comment_id,
        text=message,
        created_at=created_at,
        author=Author(
            network="facebook",
            remote_id=author_id or f"{HIDDEN_AUTHOR_PREFIX}{comment_id}",
            name=str(author.get("name") or ""),
        ),
        url=url or POST_URL.format(id=comment_id),
        in_reply_to=parent_id or post_id,
        thread_id=post_id,
        is_own=bool(author_id) and author_id == page_id,
    )


def _listen_error(error: PublishError) -> ListenError:
    """The channel's reading of a Graph error (publishing.channels.facebook),
    in a listener's terms: a dead token needs staff; a rate limit waits."""
    if error.needs_reauth:
        return ListenError(error.message, needs_reauth=True, code=error.code)
    if error.code.isdigit() and int(error.code) in RATE_LIMIT_CODES:
        return ListenError(error.message, retry_after=error.retry_after or RATE_LIMIT_WAIT_SECONDS, code=error.code)
    return ListenError(error.message, retry_after=error.retry_after, code=error.code)
