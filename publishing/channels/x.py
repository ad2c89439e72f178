"""X (Twitter) through tweepy's API v2 Client, OAuth 1.0a user context.

OAuth 1.0a tokens never expire, which suits an unattended worker. The client
never waits on rate limits (wait_on_rate_limit=False): sleeping inside a worker
blocks it, so a 429 becomes a PublishError with retry_after instead and the
pipeline reschedules the delivery.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator
from contextlib import contextmanager

import requests
import tweepy
from django.utils.translation import gettext_lazy as _

from publishing import compose
from publishing.channels.base import Channel, Post, PublishError, Remote, TimelineItem, TimelinePage
from publishing.http import session_build

STATUS_URL = "https://x.com/i/web/status/{id}"
# The most X returns per page of a user's posts.
PAGE_SIZE = 100


class XChannel(Channel):
    kind = "x"
    label = _("X (Twitter)")

    @property
    def enabled(self) -> bool:
        return all(self.config.get(name) for name in ("api_key", "api_secret", "access_token", "access_token_secret"))

    def client(self) -> tweepy.Client:
        client = tweepy.Client(
            consumer_key=self.config.get("api_key"),
            consumer_secret=self.config.get("api_secret"),
            access_token=self.config.get("access_token"),
            access_token_secret=self.config.get("access_token_secret"),
            return_type=dict,
            wait_on_rate_limit=False,
        )
        # tweepy sends its own User-Agent on every request, so a replaced
        # session needs nothing else; it brings the timeout tweepy lacks.
        client.session = session_build()
        return client

    def compose(self, tip, *, text_override: str = "") -> Post:
        return compose.x_post(tip, source=self.kind, text_override=text_override)

    def send(self, post: Post) -> Remote:
        with _errors_mapped(sending=True):
            response = self.client().create_tweet(text=post.text, user_auth=True)
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
            me = client.get_me(user_auth=True)
        token = None
        while True:
            with _errors_mapped():
                response = client.get_users_tweets(
                    me["data"]["id"],
                    max_results=PAGE_SIZE,
                    start_time=since,
                    pagination_token=token,
                    tweet_fields=["entities", "created_at"],
                    user_auth=True,
                )
            token = (response.get("meta") or {}).get("next_token")
            items = [_timeline_item(tweet) for tweet in response.get("data") or []]
            yield TimelinePage(items=items, more=bool(token))
            if not token:
                return

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
    )


class _AlreadyGone(Exception):
    """A 404 on delete: the post is gone already, which is what we wanted."""


@contextmanager
def _errors_mapped(*, missing_is_gone: bool = False, sending: bool = False):
    """Turn tweepy's and requests' exceptions into PublishError with the
    flags the pipeline acts on. While `sending`, a failure that may come after
    X created the post is flagged ambiguous."""
    try:
        yield
    except tweepy.NotFound as exc:
        if missing_is_gone:
            raise _AlreadyGone from exc
        raise PublishError(f"X has no such resource: {_api_message(exc)}", permanent=True, code="404") from exc
    except (tweepy.TweepyException, requests.RequestException, KeyError, TypeError, ValueError) as exc:
        error = _publish_error(exc)
        error.ambiguous = sending and _may_have_posted(exc)
        raise error from exc


def _may_have_posted(exc: BaseException) -> bool:
    """A refused connection never reached X; a read timeout, a dropped
    connection or a server error may come after the post was created."""
    if isinstance(exc, requests.ConnectTimeout):
        return False
    return isinstance(exc, (requests.ConnectionError, requests.Timeout, tweepy.TwitterServerError))


def _api_message(exc: tweepy.HTTPException) -> str:
    return "; ".join(str(message) for message in exc.api_messages) or str(exc)


def _publish_error(exc: BaseException) -> PublishError:
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
        return PublishError(f"X refused: {message}", permanent=True, code="403")
    if isinstance(exc, tweepy.BadRequest):
        return PublishError(f"X refused the request: {_api_message(exc)}", permanent=True, code="400")
    if isinstance(exc, (requests.ConnectionError, requests.Timeout)):
        return PublishError(f"Could not reach X: {exc}", code=type(exc).__name__)
    # Anything else (an unexpected status, a malformed response): assume it
    # may pass; the pipeline gives up after its last attempt.
    return PublishError(f"Unexpected error from X: {exc!r}", code=type(exc).__name__)
