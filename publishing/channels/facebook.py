"""A Facebook Page through facebook-sdk's GraphAPI, with a Page access token
(one obtained from a long-lived user token does not expire)."""

from __future__ import annotations

import json
import re
from contextlib import contextmanager

import facebook
import requests
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from publishing import compose
from publishing.channels.base import Channel, Post, PublishError, Remote
from publishing.http import session_build

POST_URL = "https://www.facebook.com/{id}"
RECENT_POSTS_LIMIT = 100
# facebook-sdk only accepts the versions it knows (up to 3.1, one digit
# after the dot); the client is built with one of them and then pointed at
# the configured version, which is what its request URLs are built from.
_SDK_ACCEPTED_VERSION = "3.1"
_GRAPH_VERSION = re.compile(r"^v?(\d+\.\d+)$")

_TRANSIENT_CODES = {1, 2, 4, 17, 32, 341, 613}
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
        with _errors_mapped(sending=True):
            result = self.client().put_object(self.page_id, "feed", message=post.text, link=post.link)
        post_id = str((result or {}).get("id") or "")
        if not post_id:
            # Facebook accepted the request, so the post may exist: retrying
            # could post twice.
            raise PublishError(
                f"Facebook accepted the post but its reply has no post id: {result!r}", permanent=True, code="no_id"
            )
        return Remote(id=post_id, url=POST_URL.format(id=post_id))

    def find(self, tip) -> Remote | None:
        """The newest of the Page's recent posts whose link is the tip's."""
        with _errors_mapped():
            result = self.client().get_connections(
                self.page_id, "feed", fields="id,link,permalink_url,message", limit=RECENT_POSTS_LIMIT
            )
        for item in (result or {}).get("data") or []:
            if compose.link_points_to_tip(item.get("link", ""), tip):
                post_id = str(item["id"])
                return Remote(id=post_id, url=item.get("permalink_url") or POST_URL.format(id=post_id))
        return None

    def delete(self, remote: Remote) -> None:
        try:
            with _errors_mapped():
                self.client().delete_object(remote.id)
        except PublishError as error:
            if not _already_gone(error):
                raise


def _already_gone(error: PublishError) -> bool:
    """Graph answers a deleted post with code 100 ("does not exist") or a
    404-style message; both mean the delete has nothing left to do."""
    message = error.message.lower()
    return error.code == "100" and ("does not exist" in message or "unsupported delete" in message)


@contextmanager
def _errors_mapped(*, sending: bool = False):
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
