"""Find channels by kind, configured from settings.

settings.PUBLISHING_CHANNEL_CLASSES maps each kind to a dotted path, so a new
network is one new module and one line of settings. The order of that mapping
is the order channels are listed and delivered in.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

from publishing.channels.base import Channel


def _channel_class(kind: str, dotted_path: str) -> type[Channel]:
    try:
        channel_class = import_string(dotted_path)
    except ImportError as exc:
        raise ImproperlyConfigured(
            f"PUBLISHING_CHANNEL_CLASSES[{kind!r}] = {dotted_path!r} cannot be imported: {exc}"
        ) from exc
    if not (isinstance(channel_class, type) and issubclass(channel_class, Channel)):
        raise ImproperlyConfigured(
            f"PUBLISHING_CHANNEL_CLASSES[{kind!r}] = {dotted_path!r} is not a subclass of "
            "publishing.channels.base.Channel."
        )
    return channel_class


def network_config(kind: str) -> dict:
    """The settings a network's channel (and a listening source on the same
    account) needs, read at call time so tests can override them."""
    if kind == "x":
        return {
            "api_key": settings.X_API_KEY,
            "api_secret": settings.X_API_SECRET,
            "access_token": settings.X_ACCESS_TOKEN,
            "access_token_secret": settings.X_ACCESS_TOKEN_SECRET,
        }
    if kind == "facebook":
        return {
            "page_id": settings.FACEBOOK_PAGE_ID,
            "page_access_token": settings.FACEBOOK_PAGE_ACCESS_TOKEN,
            "graph_api_version": settings.FACEBOOK_GRAPH_API_VERSION,
        }
    if kind == "line":
        return {"access_token": settings.LINE_CHANNEL_ACCESS_TOKEN, "api_base_url": settings.LINE_API_BASE_URL}
    if kind == "bluesky":
        return {
            "handle": settings.BLUESKY_HANDLE,
            "app_password": settings.BLUESKY_APP_PASSWORD,
            "service_url": settings.BLUESKY_SERVICE_URL,
        }
    if kind == "mastodon":
        return {"api_base_url": settings.MASTODON_API_BASE_URL, "access_token": settings.MASTODON_ACCESS_TOKEN}
    return {}


def get_channel(kind: str) -> Channel:
    """A channel instance for `kind`, configured from settings (enabled or not)."""
    classes = settings.PUBLISHING_CHANNEL_CLASSES
    if kind not in classes:
        raise ImproperlyConfigured(
            f"Unknown publishing channel {kind!r}; PUBLISHING_CHANNEL_CLASSES has {', '.join(classes)}."
        )
    channel = _channel_class(kind, classes[kind])(network_config(kind))
    channel.kind = kind
    return channel


def all_channels() -> list[Channel]:
    """Every configured channel, enabled or not, in settings order."""
    return [get_channel(kind) for kind in settings.PUBLISHING_CHANNEL_CLASSES]


def enabled_channels() -> list[Channel]:
    """The channels new tips are delivered to, in settings order.

    A network is enabled when its credentials are present. The console channel
    follows CONSOLE_CHANNEL: "on", "off", or "auto" (on only when no network is
    enabled; see ConsoleChannel.enabled).
    """
    return [channel for channel in all_channels() if channel.enabled]
