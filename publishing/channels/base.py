"""The interface every social network implements.

One class per network, looked up by `kind` from the CHANNELS registry in
settings (dotted paths), so a new network is one new module. Channels know the
network's API and its limits; they know nothing about deliveries, retries or
scheduling (publishing.services owns those) and never touch the database,
except a network session they must keep between processes
(publishing.channels.session_store: Bluesky's).
"""

from __future__ import annotations

import datetime as dt
import html
import re
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from django.conf import settings


class PublishError(Exception):
    """A network refused or failed.

    permanent: retrying cannot help (bad credentials, missing permission,
        duplicate content, a malformed post).
    retry_after: seconds to wait before the next attempt, when the network
        said so (X's x-rate-limit-reset, for example).
    needs_reauth: the credentials are dead; staff must re-authorise the channel.
    duplicate: the network says this exact post already exists.
    code: the network's own error code, for the audit trail.
    ambiguous: the request may have reached the network before it failed (a
        timeout, a dropped connection, a server error while sending), so the
        post may exist: look it up with find() before sending it again.
    over_budget: the network refuses because the account's own quota for the
        month is (nearly) spent: the delivery is held (publishing.budget),
        not failed and not retried until the month changes or staff ask.
    """

    def __init__(
        self,
        message: str,
        *,
        permanent: bool = False,
        retry_after: float | None = None,
        needs_reauth: bool = False,
        duplicate: bool = False,
        code: str = "",
        ambiguous: bool = False,
        over_budget: bool = False,
    ):
        super().__init__(message)
        self.message = message
        self.permanent = permanent or needs_reauth or duplicate
        self.retry_after = retry_after
        self.needs_reauth = needs_reauth
        self.duplicate = duplicate
        self.code = code
        self.ambiguous = ambiguous
        self.over_budget = over_budget


@dataclass(frozen=True)
class LinkCard:
    """The preview card a network shows for the tip link, when the channel
    has to build it itself (Bluesky's app.bsky.embed.external)."""

    title: str
    description: str
    # Read only when the post is sent (the share image PNG), never for a preview.
    image: Callable[[], bytes | None] = lambda: None


@dataclass(frozen=True)
class Post:
    """Exactly what one network receives for one tip."""

    text: str
    link: str
    # Network-specific numbers worth showing staff (e.g. X's weighted length).
    details: dict = field(default_factory=dict)
    card: LinkCard | None = None
    # Set by the pipeline, the same for every attempt at one delivery (until
    # staff reset it): a network that deduplicates requests by a key (LINE's
    # X-Line-Retry-Key, Mastodon's Idempotency-Key) accepts the post at most once.
    idempotency_key: str = ""
    # The delivery's first attempt (the same for all its attempts), for a
    # network whose key must carry a time (Bluesky's record key is a TID).
    first_attempt_at: dt.datetime | None = None
    # A reply: the remote id of the post or comment it answers (send() posts
    # it in that thread). Empty for a tip's post.
    in_reply_to: str = ""


@dataclass(frozen=True)
class Remote:
    """A post as it exists on the network."""

    id: str
    url: str
    # The network said an earlier attempt already made this post (LINE's 409
    # for a retry key it accepted before): recorded as found, not as new.
    existing: bool = False


@dataclass(frozen=True)
class TimelineItem:
    """One of the account's own posts, as its timeline lists it."""

    remote: Remote
    created_at: dt.datetime | None
    # Every link the post carries, as the network reports it (expanded, unshimmed...).
    urls: tuple[str, ...] = ()
    text: str = ""
    # The remote id of the post this one replies to ("" for a post of its own).
    in_reply_to: str = ""
    # Who wrote it, where a listing mixes authors (the comments under a post).
    author_id: str = ""


@dataclass(frozen=True)
class TimelinePage:
    items: list[TimelineItem]
    # The network has older posts (within the window asked for) after this page.
    more: bool


@dataclass(frozen=True)
class FindResult:
    """What a search of the account's posts proved. Exactly one holds:
    `remote` is set (found), `absent` is True (searched back past `since`
    and it is not there), or `reason` says why nothing can be concluded."""

    remote: Remote | None = None
    absent: bool = False
    reason: str = ""
    pages: int = 0
    # The search stopped at PUBLISHING_FIND_MAX_PAGES (rather than failing).
    limit_reached: bool = False

    @classmethod
    def found(cls, remote: Remote, *, pages: int = 1) -> FindResult:
        return cls(remote=remote, pages=pages)

    @classmethod
    def proven_absent(cls, *, pages: int = 1) -> FindResult:
        return cls(absent=True, pages=pages)

    @classmethod
    def resend_is_safe(cls, reason: str) -> FindResult:
        """The network cannot be searched, but it accepts a post carrying the
        same idempotency key at most once (within its window), so sending
        again cannot post twice: the pipeline may go ahead."""
        return cls(absent=True, reason=reason)

    @classmethod
    def cannot_tell(cls, reason: str, *, pages: int = 0, limit_reached: bool = False) -> FindResult:
        return cls(reason=reason, pages=pages, limit_reached=limit_reached)


@dataclass(frozen=True)
class PostStats:
    """What a network reports about one of the account's posts. None: the
    network does not report that number (or not to this account)."""

    impressions: int | None = None
    likes: int | None = None
    # Reposts on X, shares on Facebook.
    reposts: int | None = None
    # Replies on X, comments on Facebook.
    replies: int | None = None
    link_clicks: int | None = None
    # A part the network refused while the rest came back (Facebook insights).
    note: str = ""


@dataclass(frozen=True)
class StatsBatch:
    """fetch_post_stats' answer: the numbers of each post the network returned,
    the error of each post it refused (deleted, not ours...), and how many
    billed reads the call cost (X bills each post it returns)."""

    stats: dict[str, PostStats] = field(default_factory=dict)
    errors: dict[str, PublishError] = field(default_factory=dict)
    reads: int = 0


@dataclass(frozen=True)
class FollowerCount:
    count: int | None
    reads: int = 0


class Channel:
    kind: str = ""
    label: str = ""
    # True for a channel a tip goes to only when staff tick it for that tip
    # (LINE: a broadcast is billed per recipient).
    opt_in: bool = False
    # How long the network deduplicates posts by Post.idempotency_key (None:
    # it does not). Past it, a delivery whose earlier attempt may have posted
    # is looked up again before anything is sent.
    idempotency_window: dt.timedelta | None = None
    # send() posts Post.in_reply_to replies and find_reply() can look them up.
    supports_replies: bool = False
    # like() works on this network.
    supports_likes: bool = False
    # The most posts one reply may become on this network (seed 001: three).
    reply_max_parts: int = 3
    # fetch_post_stats() and fetch_followers() work here (metrics: reach of tips).
    supports_stats: bool = False
    # The most post ids one fetch_post_stats() call takes.
    stats_batch_size: int = 1

    def __init__(self, config: dict | None = None):
        self.config = config or {}

    @property
    def enabled(self) -> bool:
        """True when the credentials this channel needs are configured."""
        raise NotImplementedError

    def compose(self, tip, *, text_override: str = "") -> Post:
        """The exact text and link this network gets, within its limits."""
        raise NotImplementedError

    def send(self, post: Post) -> Remote:
        """Publish `post`; raises PublishError."""
        raise NotImplementedError

    def find(self, tip, *, since: dt.datetime) -> FindResult:
        """Search the account's posts made since `since` for one that links to
        `tip` (reconciliation when a send's outcome is unknown). Never raises:
        a failed look-up is a FindResult that cannot tell."""
        from publishing.compose import link_points_to_tip

        return self.find_post(lambda item: any(link_points_to_tip(url, tip) for url in item.urls), since=since)

    def find_reply(self, post: Post, *, since: dt.datetime) -> FindResult:
        """Search the account's posts made since `since` for the reply `post`:
        one answering post.in_reply_to with the same text (links and spacing
        aside, which networks rewrite). Never raises."""
        wanted = reply_text_key(post.text)
        return self.find_post(
            lambda item: item.in_reply_to == post.in_reply_to and reply_text_key(item.text) == wanted, since=since
        )

    def like(self, remote_id: str) -> None:
        """Like the post or comment `remote_id` as the account; raises
        PublishError. Liking a post already liked is not an error."""
        raise NotImplementedError

    def find_like(self, remote_id: str, *, since: dt.datetime) -> FindResult:
        """Whether a like whose outcome is unknown may be sent again. A like is
        a state, not a new post (X and Facebook keep one like per account and
        post), so sending it twice cannot like twice."""
        return FindResult.resend_is_safe("a like is idempotent: liking the same post again changes nothing")

    def find_post(
        self,
        matches: Callable[[TimelineItem], bool],
        *,
        since: dt.datetime,
        listing: Iterator[TimelinePage] | None = None,
    ) -> FindResult:
        """Page back through timeline(since) (or `listing`, another one
        newest first, such as the comments under a post) until an item
        `matches`, or the listing has nothing older within the window (proof
        of absence), or PUBLISHING_FIND_MAX_PAGES pages were read without
        getting there (no proof: the caller must not send again)."""
        max_pages = settings.PUBLISHING_FIND_MAX_PAGES
        pages = 0
        try:
            for page in listing if listing is not None else self.timeline(since=since):
                pages += 1
                for item in page.items:
                    if matches(item):
                        return FindResult.found(item.remote, pages=pages)
                went_past = any(item.created_at is not None and item.created_at < since for item in page.items)
                if went_past or not page.more:
                    return FindResult.proven_absent(pages=pages)
                if pages >= max_pages:
                    oldest = min((i.created_at for i in page.items if i.created_at is not None), default=None)
                    reached = f", back to {_utc(oldest)}" if oldest else ""
                    return FindResult.cannot_tell(
                        f"searched {pages} pages of the account's posts{reached} without reaching "
                        f"{_utc(since)} (PUBLISHING_FIND_MAX_PAGES)",
                        pages=pages,
                        limit_reached=True,
                    )
        except PublishError as error:
            return FindResult.cannot_tell(f"the look-up failed: {error.message}", pages=pages)
        return FindResult.proven_absent(pages=pages)

    def timeline(self, *, since: dt.datetime) -> Iterator[TimelinePage]:
        """The account's posts from the newest back to `since` (as far as the
        network can filter by time), one page at a time; raises PublishError."""
        raise NotImplementedError

    def fetch_post_stats(self, remote_ids: list[str]) -> StatsBatch:
        """The numbers the network reports for the account's posts `remote_ids`
        (at most stats_batch_size); raises PublishError when the whole call
        fails (rate limit, credentials), a post it refuses alone is in
        StatsBatch.errors."""
        raise PublishError(f"{self.kind} does not report post metrics", permanent=True, code="not_supported")

    def fetch_followers(self) -> FollowerCount:
        """How many accounts follow the account now; raises PublishError."""
        raise PublishError(f"{self.kind} does not report followers", permanent=True, code="not_supported")

    def delete(self, remote: Remote) -> None:
        """Remove a post; raises PublishError. Deleting a post that is already
        gone is not an error."""
        raise NotImplementedError


_LINK = re.compile(r"https?://\S+")


def reply_text_key(text: str) -> str:
    """A reply's text as comparable across what we sent and what the network
    shows: links become one token (X wraps them in t.co), whitespace is
    collapsed, Unicode is NFC, and HTML entities (X escapes & < >) are read."""
    text = _LINK.sub("<link>", unicodedata.normalize("NFC", html.unescape(text or "")))
    return " ".join(text.split())


def _utc(moment: dt.datetime) -> str:
    return f"{moment.astimezone(dt.UTC):%Y-%m-%d %H:%M:%S} UTC"
