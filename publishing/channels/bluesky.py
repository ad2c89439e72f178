"""Bluesky through the atproto SDK, with an app password.

- Session: createSession is limited to 30 per 5 minutes (and 300 a day) per
  account, so the session string is stored (publishing.channels.session_store)
  and reused by every process; the SDK refreshes it before the access token
  expires and we store the refreshed one. A new session is created only when
  there is none, or the network refuses the stored one.
- The post: text within 300 graphemes, the link as a facet at UTF-8 byte
  offsets (Bluesky does not detect links), and an external embed card with the
  tip's title, excerpt and share image uploaded as a blob.
- The record key is derived from the delivery's idempotency key, so a retry
  after an unanswered create writes to the same key and cannot make a second post.
- find() lists the account's post records on its PDS (com.atproto.repo.listRecords),
  newest first, back past `since`. Not the author feed: that is served by the
  AppView, which indexes a new post with a delay, so a post made seconds ago
  could be missing from it and its absence would prove nothing.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import httpx
from atproto import Client, Session, SessionEvent, models
from atproto_client import exceptions as at
from atproto_client.models.utils import get_model_as_dict
from atproto_client.request import Request
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from publishing import compose
from publishing.channels.base import (
    Channel,
    LinkCard,
    Post,
    PublishError,
    Remote,
    TimelineItem,
    TimelinePage,
)
from publishing.channels.session_store import channel_session_forget, channel_session_load, channel_session_save

logger = logging.getLogger("publishing.channels")

POST_COLLECTION = "app.bsky.feed.post"
POST_URL = "https://bsky.app/profile/{repo}/post/{rkey}"
PAGE_SIZE = 100
# Bluesky refuses a blob over 1,000,000 bytes for an external card's thumbnail.
THUMB_MAX_BYTES = 1_000_000
CARD_DESCRIPTION_GRAPHEMES = 300
# Errors that mean the stored session (not the app password) was refused.
_SESSION_REFUSED = {"ExpiredToken", "InvalidToken", "AuthMissing", "AuthRequired"}
_TID_ALPHABET = "234567abcdefghijklmnopqrstuvwxyz"


def record_key(idempotency_key: str, first_attempt_at: dt.datetime | None) -> str | None:
    """A TID (the record key posts use) made from the delivery's first attempt
    (its time) and its idempotency key (the clock id): the same for every
    attempt, ordered in time like the keys the PDS makes, so listRecords still
    lists newest first. None without a first attempt (the PDS picks one)."""
    if not idempotency_key or first_attempt_at is None:
        return None
    micros = int(first_attempt_at.timestamp() * 1_000_000)
    value = (micros << 10) | (zlib.crc32(idempotency_key.encode()) & 0x3FF)
    return "".join(_TID_ALPHABET[(value >> shift) & 31] for shift in range(60, -1, -5))


class BlueskyChannel(Channel):
    kind = "bluesky"
    label = _("Bluesky")

    @property
    def enabled(self) -> bool:
        return bool(self.config.get("handle") and self.config.get("app_password"))

    @property
    def handle(self) -> str:
        return self.config.get("handle", "")

    # --- session -------------------------------------------------------------------------------

    def client(self) -> Client:
        """A client logged in with the stored session, or a new one (stored);
        one per channel instance."""
        if getattr(self, "_client", None) is None:
            self._client = self._client_build()
        return self._client

    def _client_build(self) -> Client:
        client = Client(
            base_url=self.config.get("service_url") or settings.BLUESKY_SERVICE_URL,
            request=Request(timeout=settings.PUBLISHING_HTTP_TIMEOUT),
        )
        client.on_session_change(self._session_changed)
        stored = channel_session_load(kind=self.kind, identity=self.handle)
        with _errors_mapped():
            if stored:
                try:
                    client.login(session_string=stored, fetch_bsky_profile=False)
                    return client
                except (ValueError, at.AtProtocolError):
                    logger.warning("The stored Bluesky session cannot be read; creating a new one")
            self._session_create(client)
        return client

    def _session_create(self, client: Client) -> None:
        client.login(self.handle, self.config.get("app_password"), fetch_bsky_profile=False)

    def _session_changed(self, event: SessionEvent, session) -> None:
        if event in (SessionEvent.CREATE, SessionEvent.REFRESH):
            channel_session_save(kind=self.kind, identity=self.handle, value=session.export())

    def _authorised(self, call: Callable[[Client], object], *, sending: bool = False):
        """call(client); when the network refuses the stored session (expired
        or revoked, refresh included), create a new one and call once more.
        A refused request created nothing, so calling again is safe."""
        client = self.client()
        try:
            with _errors_mapped(sending=sending):
                return call(client)
        except PublishError as error:
            if error.code not in _SESSION_REFUSED:
                raise
        used = client.export_session_string()
        stored = channel_session_load(kind=self.kind, identity=self.handle)
        with _errors_mapped():
            if stored and stored != used:
                # Another process refreshed the session (which revokes the
                # one before it): take the newer one rather than make another.
                client.login(session_string=stored, fetch_bsky_profile=False)
            else:
                logger.info("Bluesky refused the stored session; creating a new one")
                channel_session_forget(kind=self.kind)
                self._session_create(client)
        with _errors_mapped(sending=sending):
            return call(client)

    # --- the interface -------------------------------------------------------------------------

    def compose(self, tip, *, text_override: str = "") -> Post:
        link = compose.tip_link(tip, source=self.kind)
        try:
            linked = compose.bluesky_text(title=tip.title, url=link, text_override=text_override)
        except compose.TooLong:
            raise PublishError(
                f"The Bluesky post does not fit in {compose.BLUESKY_MAX_GRAPHEMES} characters even without its title.",
                permanent=True,
                code="too_long",
            ) from None

        def image() -> bytes | None:
            from qa.share_image_store import tip_share_image_bytes

            return tip_share_image_bytes(tip)

        card = LinkCard(
            title=compose.nfc(tip.title),
            description=compose.truncate_graphemes(compose.nfc(tip.excerpt or tip.answer_plain), 300),
            image=image,
        )
        details = {
            "length": len(compose.graphemes(linked.text)),
            "max": compose.BLUESKY_MAX_GRAPHEMES,
            "link_byte_start": linked.byte_start,
            "link_byte_end": linked.byte_end,
        }
        return Post(text=linked.text, link=link, details=details, card=card)

    def send(self, post: Post) -> Remote:
        def create(client: Client):
            embed = self._embed(client, post.card, post.link) if post.card else None
            record = models.AppBskyFeedPost.Record(
                text=post.text,
                created_at=client.get_current_time_iso(),
                facets=[_link_facet(post)] if "link_byte_start" in post.details else None,
                embed=embed,
                langs=[compose.text_language(post.text)],
            )
            data = models.ComAtprotoRepoCreateRecord.Data(
                repo=_session(client).did,
                collection=POST_COLLECTION,
                record=record,
                rkey=record_key(post.idempotency_key, post.first_attempt_at),
            )
            return client.com.atproto.repo.create_record(data)

        response = self._authorised(create, sending=True)
        return _remote(response.uri, self._profile())

    def _profile(self) -> str:
        """How the account appears in bsky.app URLs: its handle, or its DID."""
        session = _session(self.client())
        return session.handle or session.did

    def _embed(self, client: Client, card: LinkCard, link: str):
        image = card.image()
        thumb = None
        if image and len(image) <= THUMB_MAX_BYTES:
            # The share image is a PNG; the SDK would say */*.
            thumb = client.com.atproto.repo.upload_blob(image, headers={"Content-Type": "image/png"}).blob
        return models.AppBskyEmbedExternal.Main(
            external=models.AppBskyEmbedExternal.External(
                uri=link, title=card.title, description=card.description, thumb=thumb
            )
        )

    def timeline(self, *, since: dt.datetime) -> Iterator[TimelinePage]:
        """The account's post records, newest record key first (keys are
        times), following listRecords' cursor."""
        cursor = None
        while True:

            def page(client: Client, cursor=cursor):
                params = models.ComAtprotoRepoListRecords.Params(
                    repo=_session(client).did, collection=POST_COLLECTION, limit=PAGE_SIZE, cursor=cursor
                )
                return client.com.atproto.repo.list_records(params)

            response = self._authorised(page)
            profile = self._profile()
            items = [_timeline_item(record, profile) for record in response.records]
            cursor = response.cursor if items else None
            yield TimelinePage(items=items, more=bool(cursor))
            if not cursor:
                return

    def delete(self, remote: Remote) -> None:
        repo, collection, rkey = _uri_parts(remote.id)

        def delete(client: Client):
            data = models.ComAtprotoRepoDeleteRecord.Data(repo=repo, collection=collection, rkey=rkey)
            return client.com.atproto.repo.delete_record(data)

        # deleteRecord succeeds when the record is gone already.
        self._authorised(delete)


def _session(client: Client) -> Session:
    """The logged-in account (did, handle), read through the SDK's export."""
    return Session.decode(client.export_session_string())


def _link_facet(post: Post):
    return models.AppBskyRichtextFacet.Main(
        index=models.AppBskyRichtextFacet.ByteSlice(
            byte_start=post.details["link_byte_start"], byte_end=post.details["link_byte_end"]
        ),
        features=[models.AppBskyRichtextFacet.Link(uri=post.link)],
    )


def _uri_parts(uri: str) -> tuple[str, str, str]:
    """at://<repo>/<collection>/<rkey> -> its three parts."""
    if not uri.startswith("at://") or uri.count("/") != 4:
        raise PublishError(f"Not a Bluesky record URI: {uri!r}", permanent=True, code="bad_uri")
    repo, collection, rkey = uri.removeprefix("at://").split("/")
    return repo, collection, rkey


def _remote(uri: str, profile: str) -> Remote:
    _repo, _collection, rkey = _uri_parts(uri)
    return Remote(id=uri, url=POST_URL.format(repo=profile, rkey=rkey))


def _timeline_item(record, profile: str) -> TimelineItem:
    value = record.value if isinstance(record.value, dict) else get_model_as_dict(record.value)
    urls = []
    for facet in value.get("facets") or []:
        urls += [feature["uri"] for feature in facet.get("features") or [] if feature.get("uri")]
    external = (value.get("embed") or {}).get("external") or {}
    if external.get("uri"):
        urls.append(external["uri"])
    created = value.get("createdAt") or value.get("created_at")
    return TimelineItem(
        remote=_remote(record.uri, profile),
        created_at=_parse_time(created),
        urls=tuple(urls),
        text=value.get("text") or "",
    )


def _parse_time(value: str | None) -> dt.datetime | None:
    if not value:
        return None
    try:
        moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


@contextmanager
def _errors_mapped(*, sending: bool = False):
    """The SDK's exceptions as PublishError. While `sending`, a timeout, a
    dropped connection or a server error may come after the record was
    created, so it is flagged ambiguous."""
    try:
        yield
    except at.RateLimitExceededError as exc:
        reset = exc.reset_at
        retry_after = max(reset.timestamp() - time.time(), 1.0) if reset else None
        raise PublishError(f"Bluesky rate limit: {exc}", retry_after=retry_after, code="429") from exc
    except (at.UnauthorizedError, at.BadRequestError) as exc:
        raise _refusal(exc) from exc
    except at.InvokeTimeoutError as exc:
        raise PublishError("Bluesky did not answer in time", code="timeout", ambiguous=sending) from exc
    except at.NetworkError as exc:
        # No response: the connection failed (refused: nothing was sent) or dropped.
        connect_failed = exc.response is None and _connect_failed(exc)
        raise PublishError(
            f"Could not reach Bluesky: {exc.__cause__ or exc}",
            code=str(exc.response.status_code) if exc.response else "network",
            ambiguous=sending and not connect_failed,
        ) from exc
    except at.RequestException as exc:
        status = exc.response.status_code if exc.response else 0
        if "already" in str(exc).lower():
            raise PublishError(f"Bluesky already has this record: {exc}", duplicate=True, code="exists") from exc
        raise PublishError(f"Bluesky server error: {exc}", code=str(status), ambiguous=sending) from exc
    except httpx.TransportError as exc:
        # Failures the SDK lets through (the server closed the connection
        # without an answer): a refused connection sent nothing.
        connect_failed = isinstance(exc, (httpx.ConnectError, httpx.ConnectTimeout))
        raise PublishError(
            f"Could not reach Bluesky: {exc!r}", code=type(exc).__name__, ambiguous=sending and not connect_failed
        ) from exc
    except at.LoginRequiredError as exc:
        raise PublishError("Bluesky session is missing", code="AuthMissing") from exc
    except (at.AtProtocolError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise PublishError(f"Unexpected error from Bluesky: {exc!r}", code=type(exc).__name__) from exc


def _connect_failed(exc: BaseException) -> bool:
    cause = exc.__cause__
    return isinstance(cause, (httpx.ConnectError, httpx.ConnectTimeout))


def _error_name(exc: at.RequestErrorBase) -> str:
    content = exc.response.content if exc.response is not None else None
    return getattr(content, "error", "") or ""


def _refusal(exc: at.RequestErrorBase) -> PublishError:
    name = _error_name(exc)
    if name in _SESSION_REFUSED:
        return PublishError(f"Bluesky refused the session: {exc}", code=name)
    if name == "AuthenticationRequired" or isinstance(exc, at.UnauthorizedError):
        return PublishError(
            f"Bluesky rejected the handle or app password: {exc}", needs_reauth=True, code=name or "401"
        )
    if "already" in str(exc).lower():
        return PublishError(f"Bluesky already has this record: {exc}", duplicate=True, code=name or "exists")
    return PublishError(f"Bluesky refused the request: {exc}", permanent=True, code=name or "400")
