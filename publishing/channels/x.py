"""X (Twitter) through tweepy's API v2 Client, OAuth 1.0a user context.

OAuth 1.0a tokens never expire, which suits an unattended worker. The client
never waits on rate limits (wait_on_rate_limit=False): sleeping inside a worker
blocks it, so a 429 becomes a PublishError with retry_after instead and the
pipeline reschedules the delivery.

The client, the account id and the error mapping are shared with the mentions
source (conversations.sources.x_mentions): one way to talk to X.

Replies: since February 2026 a self-serve app may reply only to posts that
mention or quote the account; X answers anything else with a 403, which
becomes a permanent PublishError with code "reply_not_allowed".
"""

from __future__ import annotations

import datetime as dt
import html
import re
import time
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager

import requests
import tweepy
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

STATUS_URL = "https://x.com/i/web/status/{id}"
# The most X returns per page of a user's posts.
PAGE_SIZE = 100
CREDENTIALS = ("api_key", "api_secret", "access_token", "access_token_secret")
# A tweepy or requests exception from a call to X: what x_error() maps.
X_ERRORS = (tweepy.TweepyException, requests.RequestException, KeyError, TypeError, ValueError)
REPLY_NOT_ALLOWED = "reply_not_allowed"
# GET /2/tweets takes at most 100 ids. non_public_metrics (impressions, link
# clicks) needs user context and is served for posts of the last 30 days only.
STATS_BATCH_SIZE = 100
STATS_FIELDS = ["public_metrics", "non_public_metrics"]


def x_client(config: dict) -> tweepy.Client:
    """A tweepy v2 client with the account's OAuth 1.0a credentials from `config`."""
    client = tweepy.Client(
        consumer_key=config.get("api_key"),
        consumer_secret=config.get("api_secret"),
        access_token=config.get("access_token"),
        access_token_secret=config.get("access_token_secret"),
        return_type=dict,
        wait_on_rate_limit=False,
    )
    # tweepy sends its own User-Agent on every request, so a replaced
    # session needs nothing else; it brings the timeout tweepy lacks.
    client.session = session_build()
    return client


def x_enabled(config: dict) -> bool:
    return all(config.get(name) for name in CREDENTIALS)


def x_account_id(client: tweepy.Client) -> str:
    """The account's user id. An OAuth 1.0a access token begins with it
    ("<user id>-<secret part>"), which saves a billed read of /2/users/me;
    anything else is asked of X. Raises what tweepy raises."""
    prefix = (client.access_token or "").partition("-")[0]
    if prefix.isdigit():
        return prefix
    return str(client.get_me(user_auth=True)["data"]["id"])


class XChannel(Channel):
    kind = "x"
    label = _("X (Twitter)")
    supports_replies = True
    supports_likes = True
    supports_stats = True
    stats_batch_size = STATS_BATCH_SIZE

    @property
    def enabled(self) -> bool:
        return x_enabled(self.config)

    def client(self) -> tweepy.Client:
        return x_client(self.config)

    def compose(self, tip, *, text_override: str = "") -> Post:
        return compose.x_post(tip, source=self.kind, text_override=text_override)

    def send(self, post: Post) -> Remote:
        """Post `post`; a reply (post.in_reply_to set) goes into that post's thread."""
        with _errors_mapped(sending=True, replying=bool(post.in_reply_to)):
            response = self.client().create_tweet(
                text=post.text, in_reply_to_tweet_id=post.in_reply_to or None, user_auth=True
            )
        try:
            tweet_id = str(response["data"]["id"])
        except (KeyError, TypeError) as exc:
            # X accepted the request, so the post may exist: retrying could
            # post twice, which the budget (one post per tip) forbids.
            raise PublishError(
                f"X accepted the post but its reply has no post id: {response!r}", permanent=True, code="no_id"
            ) from exc
        return Remote(id=tweet_id, url=STATUS_URL.format(id=tweet_id))

    def timeline(self, *, since: dt.datetime) -> Iterator[TimelinePage]:
        """The account's posts created since `since` (X filters with
        start_time), newest first, following next_token. X wraps links in
        t.co, so a post's links are the expanded and unwound URLs of its
        entities, never the text."""
        client = self.client()
        with _errors_mapped():
            account_id = x_account_id(client)
        token = None
        while True:
            with _errors_mapped():
                response = client.get_users_tweets(
                    account_id,
                    max_results=PAGE_SIZE,
                    start_time=since,
                    pagination_token=token,
                    tweet_fields=["entities", "created_at", "referenced_tweets"],
                    user_auth=True,
                )
            token = (response.get("meta") or {}).get("next_token")
            items = [_timeline_item(tweet) for tweet in response.get("data") or []]
            yield TimelinePage(items=items, more=bool(token))
            if not token:
                return

    def find_reply(self, post: Post, *, since: dt.datetime) -> FindResult:
        """Reconciliation of a reply whose outcome is unknown: one of the
        account's posts since `since` that answers post.in_reply_to with the
        same text (as X shows it: links wrapped in t.co, & < > escaped, the
        names it replies to possibly put in front)."""
        wanted = _comparable_text(post.text)
        return self.find_post(
            lambda item: item.in_reply_to == post.in_reply_to and _comparable_text(item.text) == wanted, since=since
        )

    def like(self, remote_id: str) -> None:
        """Like a post (POST /2/users/:id/likes). Liking a post the account
        already likes is no error: X answers liked=true again."""
        with _errors_mapped():
            self.client().like(remote_id, user_auth=True)

    def fetch_post_stats(self, remote_ids: list[str]) -> StatsBatch:
        """GET /2/tweets?ids=...&tweet.fields=public_metrics,non_public_metrics
        (owned reads, OAuth 1.0a). X answers the posts it has in `data` and
        each one it refuses (deleted, not the account's) in `errors`; each
        post returned is one billed read."""
        if len(remote_ids) > STATS_BATCH_SIZE:
            raise ValueError(f"X takes at most {STATS_BATCH_SIZE} ids a call.")
        with _errors_mapped():
            response = self.client().get_tweets(remote_ids, tweet_fields=STATS_FIELDS, user_auth=True)
        tweets = response.get("data") or []
        stats = {str(tweet["id"]): _post_stats(tweet) for tweet in tweets if tweet.get("id")}
        errors = {}
        for problem in response.get("errors") or []:
            remote_id = str(problem.get("resource_id") or problem.get("value") or "")
            if remote_id and remote_id not in stats:
                detail = problem.get("detail") or problem.get("title") or "refused"
                errors[remote_id] = PublishError(f"X: {detail}", permanent=True, code="x_" + _problem_code(problem))
        for remote_id in remote_ids:
            if remote_id not in stats and remote_id not in errors:
                errors[remote_id] = PublishError("X did not return this post.", permanent=True, code="404")
        return StatsBatch(stats=stats, errors=errors, reads=len(tweets))

    def fetch_followers(self) -> FollowerCount:
        """GET /2/users/me?user.fields=public_metrics: one billed read."""
        with _errors_mapped():
            response = self.client().get_me(user_fields=["public_metrics"], user_auth=True)
        metrics = ((response.get("data") or {}).get("public_metrics")) or {}
        count = metrics.get("followers_count")
        return FollowerCount(count=int(count) if count is not None else None, reads=1)

    def delete(self, remote: Remote) -> None:
        try:
            with _errors_mapped(missing_is_gone=True):
                self.client().delete_tweet(remote.id, user_auth=True)
        except _AlreadyGone:
            pass


def _timeline_item(tweet: dict) -> TimelineItem:
    urls = []
    for url in (tweet.get("entities") or {}).get("urls") or []:
        urls += [candidate for candidate in (url.get("expanded_url"), url.get("unwound_url")) if candidate]
    created = tweet.get("created_at")
    tweet_id = str(tweet["id"])
    return TimelineItem(
        remote=Remote(id=tweet_id, url=STATUS_URL.format(id=tweet_id)),
        created_at=dt.datetime.fromisoformat(created.replace("Z", "+00:00")) if created else None,
        urls=tuple(urls),
        text=tweet.get("text", ""),
        in_reply_to=replied_to_id(tweet),
    )


def _post_stats(tweet: dict) -> PostStats:
    public = tweet.get("public_metrics") or {}
    private = tweet.get("non_public_metrics") or {}

    def number(*values):
        for value in values:
            if value is not None:
                return int(value)
        return None

    return PostStats(
        impressions=number(private.get("impression_count"), public.get("impression_count")),
        likes=number(public.get("like_count")),
        # Quotes are reposts with a comment: both spread the post.
        reposts=number(public.get("retweet_count")) + (public.get("quote_count") or 0)
        if public.get("retweet_count") is not None
        else None,
        replies=number(public.get("reply_count")),
        # X leaves url_link_clicks out when the post has no link.
        link_clicks=number(private.get("url_link_clicks")),
    )


def _problem_code(problem: dict) -> str:
    """The last part of X's problem type (".../problems/resource-not-found")."""
    return str(problem.get("type") or "refused").rstrip("/").rsplit("/", 1)[-1][:40]


def replied_to_id(tweet: dict) -> str:
    """The id of the post `tweet` replies to, from its referenced_tweets ("" when none)."""
    for reference in tweet.get("referenced_tweets") or []:
        if reference.get("type") == "replied_to" and reference.get("id"):
            return str(reference["id"])
    return ""


def x_text(text: str) -> str:
    """A post's text as its author wrote it: X's API escapes & < and > as
    HTML entities (unescaped here, once); NUL characters, which nothing
    downstream can store, are removed."""
    return html.unescape(text).replace("\x00", "")


_LINK = re.compile(r"https?://\S+")
_LEADING_MENTIONS = re.compile(r"^(?:@\w+\s+)+")


def _comparable_text(text: str) -> str:
    """Text reduced to what survives X's rewriting, to recognise our own reply."""
    text = unicodedata.normalize("NFC", x_text(text))
    text = _LINK.sub("<link>", text)
    text = _LEADING_MENTIONS.sub("", text.strip())
    return " ".join(text.split())


class _AlreadyGone(Exception):
    """A 404 on delete: the post is gone already, which is what we wanted."""


@contextmanager
def _errors_mapped(*, missing_is_gone: bool = False, sending: bool = False, replying: bool = False):
    """Turn tweepy's and requests' exceptions into PublishError with the
    flags the pipeline acts on. While `sending`, a failure that may come after
    X created the post is flagged ambiguous."""
    try:
        yield
    except tweepy.NotFound as exc:
        if missing_is_gone:
            raise _AlreadyGone from exc
        raise PublishError(f"X has no such resource: {_api_message(exc)}", permanent=True, code="404") from exc
    except X_ERRORS as exc:
        error = x_error(exc, replying=replying)
        error.ambiguous = sending and _may_have_posted(exc)
        raise error from exc


def _may_have_posted(exc: BaseException) -> bool:
    """A refused connection never reached X; a read timeout, a dropped
    connection or a server error may come after the post was created."""
    if isinstance(exc, requests.ConnectTimeout):
        return False
    return isinstance(exc, (requests.ConnectionError, requests.Timeout, tweepy.TwitterServerError))


def _reply_refused(message: str) -> bool:
    """X's 403 for a reply its rules forbid ("Reply to this conversation is
    not allowed because you have not been mentioned or otherwise engaged by
    the author...", or the author limiting who can reply), as opposed to a
    reply to a post that is gone or hidden."""
    lowered = message.lower()
    if "deleted or not visible" in lowered:
        return False
    return "reply" in lowered and ("not allowed" in lowered or "mentioned" in lowered or "who can reply" in lowered)


def _api_message(exc: tweepy.HTTPException) -> str:
    return "; ".join(str(message) for message in exc.api_messages) or str(exc)


def x_error(exc: BaseException, *, replying: bool = False) -> PublishError:
    """The PublishError for an exception from a call to X (one of X_ERRORS)."""
    if isinstance(exc, tweepy.TooManyRequests):
        reset = exc.reset_time
        retry_after = max(reset - time.time(), 1.0) if reset else None
        return PublishError(f"X rate limit: {_api_message(exc)}", retry_after=retry_after, code="429")
    if isinstance(exc, tweepy.TwitterServerError):
        return PublishError(f"X server error: {exc}", code=str(exc.response.status_code))
    if isinstance(exc, tweepy.Unauthorized):
        return PublishError(f"X rejected the credentials: {_api_message(exc)}", needs_reauth=True, code="401")
    if isinstance(exc, tweepy.Forbidden):
        message = _api_message(exc)
        if "duplicate content" in message.lower():
            return PublishError(f"X says this is a duplicate: {message}", duplicate=True, code="403-duplicate")
        if replying and _reply_refused(message):
            return PublishError(
                "X refused the reply: since 2026 a self-serve app may reply only to posts that mention or quote "
                f"the account, and this post does neither (X said: {message})",
                permanent=True,
                code=REPLY_NOT_ALLOWED,
            )
        return PublishError(f"X refused: {message}", permanent=True, code="403")
    if isinstance(exc, tweepy.BadRequest):
        return PublishError(f"X refused the request: {_api_message(exc)}", permanent=True, code="400")
    if isinstance(exc, (requests.ConnectionError, requests.Timeout)):
        return PublishError(f"Could not reach X: {exc}", code=type(exc).__name__)
    # Anything else (an unexpected status, a malformed response): assume it
    # may pass; the pipeline gives up after its last attempt.
    return PublishError(f"Unexpected error from X: {exc!r}", code=type(exc).__name__)
