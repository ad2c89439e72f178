"""Keyword feeds: any RSS or Atom URL staff add (a blog search, an alert
feed; seed 001). One FeedSource per conversations.FeedSubscription.

The feed is read with requests, streamed and bounded (CONVERSATION_FEED_MAX_BYTES,
CONVERSATION_FEED_TIMEOUT_SECONDS for the whole download), asked for
conditionally (ETag, Last-Modified) and parsed with feedparser. Every
connection, redirects included, is checked after it is made: a feed on a
private, loopback or link-local address is refused unless
CONVERSATION_FEED_ALLOW_PRIVATE_ADDRESSES is on, so staff cannot make the
server read the internal network (and DNS cannot be changed in between).

The cursor is JSON: the validators for the conditional GET and the ids of
the entries seen in the last document, so that only new entries come back.
"""

from __future__ import annotations

import calendar
import datetime as dt
import hashlib
import io
import ipaddress
import json
import time
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

import feedparser
import requests
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

from conversations.sources.base import Author, Incoming, ListenError, Poll, Source
from qa.markup import html_fragment_render, network_text_clean

# Entries remembered from the last document; a feed lists its latest few dozen.
MAX_REMEMBERED_ENTRIES = 1000
# Message.remote_id holds 200 characters; longer entry ids are hashed.
MAX_REMOTE_ID_LENGTH = 200
CHUNK_BYTES = 64 * 1024
USER_AGENT = "Tipcast feed reader (+https://github.com/tipcast)"


class AddressRefused(Exception):
    """The connection led to an address feeds may not read."""


def address_refused(address: str) -> bool:
    if settings.CONVERSATION_FEED_ALLOW_PRIVATE_ADDRESSES:
        return False
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return not ip.is_global or ip.is_multicast


def _check_peer(sock) -> None:
    address = sock.getpeername()[0]
    if address_refused(address):
        sock.close()
        raise AddressRefused(address)


class _CheckedHTTPConnection(HTTPConnection):
    def _new_conn(self):
        sock = super()._new_conn()
        _check_peer(sock)
        return sock


class _CheckedHTTPSConnection(HTTPSConnection):
    def _new_conn(self):
        sock = super()._new_conn()
        _check_peer(sock)
        return sock


class _CheckedHTTPConnectionPool(HTTPConnectionPool):
    ConnectionCls = _CheckedHTTPConnection


class _CheckedHTTPSConnectionPool(HTTPSConnectionPool):
    ConnectionCls = _CheckedHTTPSConnection


class _CheckedAdapter(HTTPAdapter):
    def init_poolmanager(self, *args, **kwargs):
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {
            "http": _CheckedHTTPConnectionPool,
            "https": _CheckedHTTPSConnectionPool,
        }


def feed_session() -> requests.Session:
    session = requests.Session()
    # No proxy from the environment: the address checked must be the feed's.
    session.trust_env = False
    adapter = _CheckedAdapter(max_retries=0)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    session.headers["User-Agent"] = USER_AGENT
    session.max_redirects = 5
    return session


def feed_url_problem(url: str) -> str:
    """Why this URL cannot be a feed, or "" (the admin's form says it at once)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return _("A feed address must start with http:// or https://.")
    try:
        if address_refused(parts.hostname):
            return _("This address is on a private network; feeds are read from the public web only.")
    except ValueError:
        pass  # a host name: its addresses are checked when it is read
    return ""


def _mb(size: int) -> str:
    return f"{size / (1024 * 1024):g} MB"


@dataclass(frozen=True)
class _Document:
    status: int
    url: str
    headers: Mapping[str, str]
    body: bytes = b""


def _download(url: str, *, etag: str, modified: str) -> _Document:
    """The feed as the server sent it (status 304: not modified); raises ListenError."""
    limit = settings.CONVERSATION_FEED_MAX_BYTES
    timeout = settings.CONVERSATION_FEED_TIMEOUT_SECONDS
    headers = {"Accept": "application/atom+xml, application/rss+xml, application/xml;q=0.9, */*;q=0.5"}
    if etag:
        headers["If-None-Match"] = etag
    if modified:
        headers["If-Modified-Since"] = modified
    deadline = time.monotonic() + timeout
    try:
        with feed_session().get(url, headers=headers, stream=True, timeout=timeout) as response:
            if response.status_code == 304:
                return _Document(304, response.url, response.headers)
            if response.status_code >= 400:
                raise ListenError(
                    _("The feed's server answered HTTP %(status)s.") % {"status": response.status_code},
                    retry_after=_retry_after(response),
                    code=f"http_{response.status_code}",
                )
            declared = response.headers.get("Content-Length", "")
            if declared.isdigit() and int(declared) > limit:
                raise _too_large(limit)
            body = bytearray()
            for chunk in response.iter_content(CHUNK_BYTES):
                body += chunk
                if len(body) > limit:
                    raise _too_large(limit)
                if time.monotonic() > deadline:
                    raise requests.Timeout()
            return _Document(response.status_code, response.url, response.headers, bytes(body))
    except AddressRefused:
        raise ListenError(
            _("The feed's address is on a private network; feeds are read from the public web only."),
            code="private_address",
        ) from None
    except requests.Timeout:
        raise ListenError(
            _("The feed did not arrive within %(seconds)s seconds.") % {"seconds": f"{timeout:g}"}, code="timeout"
        ) from None
    except requests.RequestException as error:
        raise ListenError(
            _("The feed could not be read: %(error)s") % {"error": type(error).__name__}, code="network"
        ) from None


def _too_large(limit: int) -> ListenError:
    return ListenError(_("The feed is larger than %(size)s; it is not read.") % {"size": _mb(limit)}, code="too_large")


def _retry_after(response) -> float | None:
    value = response.headers.get("Retry-After", "")
    return float(value) if value.isdigit() else None


def _entry_time(entry) -> dt.datetime:
    parsed = entry.get("published_parsed") or entry.get("updated_parsed")
    if not parsed:
        return timezone.now()
    return dt.datetime.fromtimestamp(calendar.timegm(parsed), tz=dt.UTC)


def _entry_key(entry) -> str:
    return str(entry.get("id") or entry.get("link") or entry.get("title") or "")


def _entry_html(entry) -> str:
    content = entry.get("content") or []
    for part in content:
        if part.get("value"):
            return part["value"]
    return entry.get("summary", "")


def _author(entry, *, feed_title: str, link: str) -> Author:
    detail = entry.get("author_detail") or {}
    name = network_text_clean(str(entry.get("author") or detail.get("name") or "")).strip()
    profile_url = str(detail.get("href") or "")
    # A blog's author has no id of their own: their page, their name on the blog, or the blog.
    host = urlsplit(link).hostname or ""
    remote_id = profile_url or (f"{host}:{name}" if name else host) or feed_title or "feed"
    return Author(
        network="feed",
        remote_id=remote_id[:200],
        handle=(name or host)[:200],
        name=(name or feed_title)[:200],
        profile_url=profile_url[:500] if profile_url.startswith(("http://", "https://")) else "",
    )


class FeedSource(Source):
    """One feed. config: {"subscription_id": int, "url": str, "title": str}."""

    kind = "feeds"
    network = "feed"
    label = "Feed"

    @property
    def enabled(self) -> bool:
        return bool(self.config.get("url")) and self.config.get("enabled", True)

    def _remote_id(self, key: str) -> str:
        remote_id = f"{self.config['subscription_id']}:{key}"
        if len(remote_id) > MAX_REMOTE_ID_LENGTH:
            digest = hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()
            remote_id = f"{self.config['subscription_id']}:sha256:{digest}"
        return remote_id

    def poll(self, *, cursor: str) -> Poll:
        state = _cursor(cursor)
        url = self.config["url"]
        problem = feed_url_problem(url)
        if problem:
            raise ListenError(problem, code="bad_url")
        document = _download(url, etag=state.get("etag", ""), modified=state.get("modified", ""))
        if document.status == 304:
            return Poll(items=[], cursor=cursor, details={"not_modified": True})
        parsed = feedparser.parse(
            io.BytesIO(document.body),
            response_headers={
                "content-location": document.url,
                "content-type": document.headers.get("Content-Type", "application/xml"),
            },
            sanitize_html=False,  # qa.markup sanitises, with the site's one allow-list
        )
        if not parsed.entries and (parsed.bozo or not parsed.version):
            raise ListenError(_("This is not an RSS or Atom feed (it could not be read as one)."), code="not_a_feed")
        feed_title = network_text_clean(str(parsed.feed.get("title") or self.config.get("title") or "")).strip()
        language = str(parsed.feed.get("language") or "")[:2].lower()
        seen = set(state.get("seen", []))
        keys, items = [], []
        for entry in parsed.entries:
            key = _entry_key(entry)
            if not key:
                continue  # nothing to tell it apart by: skipped rather than stored twice
            keys.append(key)
            if key in seen:
                continue
            html = network_text_clean(_entry_html(entry))
            title = network_text_clean(str(entry.get("title") or "")).strip()
            link = str(entry.get("link") or "")
            items.append(
                Incoming(
                    remote_id=self._remote_id(key),
                    text=html_fragment_render(html).text if html else title,
                    html=html,
                    title=title,
                    created_at=_entry_time(entry),
                    author=_author(entry, feed_title=feed_title, link=link or url),
                    url=link if link.startswith(("http://", "https://")) else "",
                    language=language,
                )
            )
        items.sort(key=lambda item: item.created_at)
        new_cursor = {
            "etag": document.headers.get("ETag", ""),
            "modified": document.headers.get("Last-Modified", ""),
            "seen": keys[:MAX_REMEMBERED_ENTRIES],
        }
        return Poll(items=items, cursor=json.dumps(new_cursor), details={"title": feed_title})


def _cursor(cursor: str) -> dict:
    if not cursor:
        return {}
    try:
        value = json.loads(cursor)
    except ValueError:
        return {}  # an unreadable cursor reads the feed again; ingestion is idempotent
    return value if isinstance(value, dict) else {}
