"""Mastodon through Mastodon.py, with a bot account's access token.

- The length limit is the instance's own (/api/v2/instance:
  configuration.statuses.max_characters), read once and cached; every URL
  counts 23 characters, as Mastodon counts them.
- Every post carries an Idempotency-Key derived from the delivery, so a retry
  after an unanswered post returns the status already made (Mastodon keeps
  the key for an hour) instead of posting twice.
- find() pages the account's own statuses (newest first, max_id) back past
  `since`, matching the tip link in the status's HTML or its preview card.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from html import unescape

import requests
from django.conf import settings
from django.core.cache import cache
from django.utils.translation import gettext_lazy as _
from mastodon import Mastodon
from mastodon import errors as md

from publishing import compose
from publishing.channels.base import Channel, Post, PublishError, Remote, TimelineItem, TimelinePage
from publishing.http import session_build

logger = logging.getLogger("publishing.channels")

# The most statuses Mastodon returns per page of an account's statuses.
PAGE_SIZE = 40
_HREF = re.compile(r"""href=["']([^"']+)["']""")


class MastodonChannel(Channel):
    kind = "mastodon"
    label = _("Mastodon")
    # Mastodon answers a repeated Idempotency-Key with the status it made for
    # an hour; after that a retry is looked up first (publishing.sending).
    idempotency_window = dt.timedelta(hours=1)

    @property
    def enabled(self) -> bool:
        return bool(self.config.get("api_base_url") and self.config.get("access_token"))

    @property
    def api_base_url(self) -> str:
        return (self.config.get("api_base_url") or "").rstrip("/")

    def client(self) -> Mastodon:
        return Mastodon(
            access_token=self.config.get("access_token"),
            api_base_url=self.api_base_url,
            session=session_build(),
            request_timeout=settings.PUBLISHING_HTTP_TIMEOUT,
            # Never sleep in a worker: a 429 becomes retry_after for the pipeline.
            ratelimit_method="throw",
            version_check_mode="none",
        )

    def max_characters(self) -> int:
        """The instance's limit, cached for MASTODON_INSTANCE_CACHE_SECONDS.
        When the instance cannot be asked, Mastodon's default (500), not cached."""
        if not self.api_base_url:
            return compose.MASTODON_DEFAULT_MAX_CHARACTERS
        key = f"publishing:mastodon:max_characters:{self.api_base_url}"
        cached = cache.get(key)
        if cached:
            return cached
        try:
            with _errors_mapped():
                instance = self.client().instance_v2()
            limit = int(instance["configuration"]["statuses"]["max_characters"])
        except (PublishError, KeyError, TypeError, ValueError) as error:
            logger.warning("Could not read the Mastodon instance's length limit (%s); using 500", error)
            return compose.MASTODON_DEFAULT_MAX_CHARACTERS
        cache.set(key, limit, settings.MASTODON_INSTANCE_CACHE_SECONDS)
        return limit

    def compose(self, tip, *, text_override: str = "") -> Post:
        link = compose.tip_link(tip, source=self.kind)
        limit = self.max_characters()
        try:
            text = compose.mastodon_text(
                title=tip.title,
                url=link,
                hashtags=compose.hashtags_for_tags(tip.tags.names()),
                template=settings.PUBLISHING_MASTODON_TEMPLATE,
                max_characters=limit,
                text_override=text_override,
            )
        except compose.TooLong:
            raise PublishError(
                f"The Mastodon post does not fit in the instance's {limit} characters even without its title.",
                permanent=True,
                code="too_long",
            ) from None
        return Post(text=text, link=link, details={"length": compose.mastodon_length(text), "max": limit})

    def send(self, post: Post) -> Remote:
        client = self.client()
        with _errors_mapped(client=client, sending=True):
            status = client.status_post(
                post.text,
                visibility="public",
                language=compose.text_language(post.text),
                idempotency_key=post.idempotency_key or None,
            )
        try:
            return Remote(id=str(status["id"]), url=status.get("url") or status.get("uri") or "")
        except (KeyError, TypeError) as exc:
            raise PublishError(
                f"Mastodon accepted the post but its reply has no status id: {status!r}", permanent=True, code="no_id"
            ) from exc

    def timeline(self, *, since: dt.datetime) -> Iterator[TimelinePage]:
        """The account's statuses, newest first, paged with max_id (Mastodon
        has no time filter: the base class stops once a page goes past `since`)."""
        client = self.client()
        with _errors_mapped(client=client):
            account = client.account_verify_credentials()
        max_id = None
        while True:
            with _errors_mapped(client=client):
                statuses = client.account_statuses(account["id"], limit=PAGE_SIZE, max_id=max_id, exclude_reblogs=True)
            items = [_timeline_item(status) for status in statuses or []]
            # Only an empty page ends the timeline: a short page is not proof
            # (an instance may answer fewer than asked for).
            yield TimelinePage(items=items, more=bool(items))
            if not items:
                return
            max_id = items[-1].remote.id

    def delete(self, remote: Remote) -> None:
        client = self.client()
        try:
            with _errors_mapped(client=client):
                client.status_delete(remote.id)
        except PublishError as error:
            if error.code != "404":
                raise


def _timeline_item(status) -> TimelineItem:
    content = status.get("content") or ""
    urls = [unescape(href) for href in _HREF.findall(content)]
    card = status.get("card") or {}
    if card.get("url"):
        urls.append(card["url"])
    created = status.get("created_at")
    if isinstance(created, str):
        created = dt.datetime.fromisoformat(created.replace("Z", "+00:00"))
    if isinstance(created, dt.datetime) and created.tzinfo is None:
        created = created.replace(tzinfo=dt.UTC)
    return TimelineItem(
        remote=Remote(id=str(status["id"]), url=status.get("url") or status.get("uri") or ""),
        created_at=created,
        urls=tuple(urls),
        text=content,
    )


@contextmanager
def _errors_mapped(*, client: Mastodon | None = None, sending: bool = False):
    """Mastodon.py's exceptions as PublishError. While `sending`, a timeout,
    a dropped connection or a server error may come after the status was
    created (the Idempotency-Key makes the retry safe, find() settles it)."""
    try:
        yield
    except md.MastodonRatelimitError as exc:
        raise PublishError(f"Mastodon rate limit: {exc}", retry_after=_retry_after(client), code="429") from exc
    except md.MastodonUnauthorizedError as exc:
        raise PublishError(
            f"Mastodon rejected the access token: {_message(exc)}", needs_reauth=True, code="401"
        ) from exc
    except md.MastodonNotFoundError as exc:
        raise PublishError(f"Mastodon has no such resource: {_message(exc)}", permanent=True, code="404") from exc
    except md.MastodonServerError as exc:
        raise PublishError(
            f"Mastodon server error: {_message(exc)}", code=str(_status(exc)), ambiguous=sending
        ) from exc
    except md.MastodonAPIError as exc:
        status = _status(exc)
        if status == 403:
            raise PublishError(
                f"Mastodon refused (the token lacks write:statuses, or the account is limited): {_message(exc)}",
                needs_reauth=True,
                code="403",
            ) from exc
        if status and 400 <= status < 500:
            raise PublishError(f"Mastodon refused the post: {_message(exc)}", permanent=True, code=str(status)) from exc
        raise PublishError(f"Unexpected error from Mastodon: {_message(exc)}", code=str(status)) from exc
    except md.MastodonNetworkError as exc:
        connect_failed = isinstance(exc.__context__, (requests.ConnectTimeout,)) or (
            isinstance(exc.__context__, requests.ConnectionError) and "refused" in str(exc.__context__).lower()
        )
        raise PublishError(
            f"Could not reach Mastodon: {exc}", code="network", ambiguous=sending and not connect_failed
        ) from exc
    except (md.MastodonError, requests.RequestException, KeyError, TypeError, ValueError) as exc:
        raise PublishError(f"Unexpected error from Mastodon: {exc!r}", code=type(exc).__name__) from exc


def _status(exc: md.MastodonAPIError) -> int:
    try:
        return int(exc.args[1])
    except (IndexError, TypeError, ValueError):
        return 0


def _message(exc: BaseException) -> str:
    args = getattr(exc, "args", ())
    return str(args[3]) if len(args) > 3 and args[3] else str(exc)


def _retry_after(client: Mastodon | None) -> float | None:
    """Seconds until X-RateLimit-Reset, which Mastodon.py parsed onto the
    client before raising (the exception itself carries no time)."""
    reset = getattr(client, "ratelimit_reset", None)
    return max(float(reset) - time.time(), 1.0) if reset else None
