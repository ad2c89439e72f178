"""Mentions of the company's X account: GET /2/users/:id/mentions.

X bills every post it returns (about $0.001 per "owned read" in 2026, each
post once per UTC day), so a poll asks only for posts newer than the cursor
(since_id, the newest post id seen) and pages with pagination_token until X has
nothing more. X keeps at most the newest 800 mentions in this timeline.

The first poll ever (no cursor yet) reads ONE page of the newest
FIRST_POLL_MENTIONS mentions and stops: it sets the cursor without importing the
account's history (which would cost a read per post and fill the inbox with
threads long finished). Anything older than that page is never read.

A poll that fails anywhere raises ListenError and the cursor stays where it
was: the next poll reads the same posts again (X does not bill a post twice on
the same UTC day), so nothing is lost.

Client, credentials, the account id and the error mapping are the X
channel's (publishing.channels.x).
"""

from __future__ import annotations

import datetime as dt
from contextlib import contextmanager

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from conversations.sources.base import Author, Incoming, ListenError, Poll, Source
from publishing.channels.registry import network_config
from publishing.channels.x import X_ERRORS, replied_to_id, x_account_id, x_client, x_enabled, x_error, x_text

# Posts per page (X's maximum for the mentions timeline).
PAGE_SIZE = 100
# The first poll's single page: recent enough to answer, cheap to read.
FIRST_POLL_MENTIONS = 20
# X serves at most 800 mentions (8 pages of 100); more pages means X keeps
# handing out tokens, which must not turn into an endless (billed) loop.
MAX_PAGES = 10
TWEET_FIELDS = [
    "author_id",
    "created_at",
    "conversation_id",
    "in_reply_to_user_id",
    "referenced_tweets",
    "lang",
    "entities",
]
# X's codes for "no language": undetermined, and its q* pseudo-languages (media only, hashtags only...).
NO_LANGUAGE = {"und", "zxx", "art"}


class XMentionsSource(Source):
    kind = "x_mentions"
    network = "x"
    label = _("X mentions")

    def __init__(self, config: dict | None = None):
        # The X channel's credentials (X_API_KEY...), unless given.
        super().__init__(config or network_config("x"))

    @property
    def enabled(self) -> bool:
        return x_enabled(self.config)

    def poll(self, *, cursor: str) -> Poll:
        if cursor and not cursor.isdigit():
            raise ListenError(f"The X mentions cursor must be a post id, not {cursor!r}.", code="cursor")
        client = x_client(self.config)
        with _listen_errors():
            account_id = x_account_id(client)
        first_poll = not cursor
        tweets: dict[str, dict] = {}
        users: dict[str, dict] = {}
        reads = pages = skipped = 0
        token = None
        while True:
            with _listen_errors():
                response = client.get_users_mentions(
                    account_id,
                    since_id=cursor or None,
                    max_results=FIRST_POLL_MENTIONS if first_poll else PAGE_SIZE,
                    pagination_token=token,
                    expansions=["author_id", "referenced_tweets.id"],
                    user_fields=["username", "name"],
                    tweet_fields=TWEET_FIELDS,
                    user_auth=True,
                )
            pages += 1
            page = response.get("data") or []
            reads += len(page)
            for tweet in page:
                if str(tweet.get("id", "")).isdigit():
                    tweets[str(tweet["id"])] = tweet
                else:
                    skipped += 1
            for user in (response.get("includes") or {}).get("users") or []:
                users[str(user.get("id"))] = user
            token = (response.get("meta") or {}).get("next_token")
            if first_poll or not token:
                break
            if pages >= MAX_PAGES:
                raise ListenError(
                    f"X kept offering more pages of mentions after {pages} pages ({reads} posts); "
                    "the cursor was not moved.",
                    code="too_many_pages",
                )
        ordered = sorted(tweets.values(), key=lambda tweet: int(tweet["id"]))
        newest = max([int(cursor or 0), *(int(tweet["id"]) for tweet in ordered)])
        return Poll(
            items=[_incoming(tweet, users, account_id) for tweet in ordered],
            cursor=str(newest) if newest else cursor,
            reads=reads,
            details={"pages": pages, "first_poll": first_poll, "skipped": skipped},
        )


def _incoming(tweet: dict, users: dict[str, dict], account_id: str) -> Incoming:
    tweet_id = str(tweet["id"])
    author_id = str(tweet.get("author_id") or "")
    user = users.get(author_id, {})
    username = user.get("username") or ""
    language = tweet.get("lang") or ""
    return Incoming(
        remote_id=tweet_id,
        text=x_text(tweet.get("text") or ""),
        created_at=_created_at(tweet.get("created_at")),
        author=Author(
            network="x",
            remote_id=author_id,
            handle=username,
            name=x_text(user.get("name") or ""),
            profile_url=f"https://x.com/{username}" if username else "",
        ),
        url=f"https://x.com/{username}/status/{tweet_id}" if username else f"https://x.com/i/web/status/{tweet_id}",
        in_reply_to=replied_to_id(tweet),
        thread_id=str(tweet.get("conversation_id") or tweet_id),
        # X lists a post here because it mentions or quotes the account: the
        # kind of post X lets the account reply to.
        mentions_account=True,
        is_own=author_id == account_id,
        language="" if language in NO_LANGUAGE or language.startswith("q") else language,
    )


def _created_at(value: str | None) -> dt.datetime:
    if value:
        try:
            return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            pass
    # A post without a readable time (never seen from X): when we heard of it.
    return timezone.now()


@contextmanager
def _listen_errors():
    """X's failures as ListenError: a 429 waits for x-rate-limit-reset, dead
    credentials or a refused app (401/403) need staff, the rest is retried."""
    try:
        yield
    except X_ERRORS as exc:
        error = x_error(exc)
        raise ListenError(
            error.message,
            retry_after=error.retry_after,
            needs_reauth=error.needs_reauth or error.code.startswith("403"),
            code=error.code,
        ) from exc
