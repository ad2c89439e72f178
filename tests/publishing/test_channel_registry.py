"""The channel registry: which channels exist and which are enabled."""

import os
import subprocess
import sys

import pytest
from django.core.exceptions import ImproperlyConfigured

from publishing.channels.bluesky import BlueskyChannel
from publishing.channels.console import ConsoleChannel
from publishing.channels.facebook import FacebookChannel
from publishing.channels.mastodon import MastodonChannel
from publishing.channels.registry import all_channels, enabled_channels, get_channel
from publishing.channels.x import XChannel


@pytest.fixture
def no_networks(settings):
    settings.X_API_KEY = settings.X_API_SECRET = settings.X_ACCESS_TOKEN = settings.X_ACCESS_TOKEN_SECRET = ""
    settings.FACEBOOK_PAGE_ID = settings.FACEBOOK_PAGE_ACCESS_TOKEN = ""
    settings.LINE_CHANNEL_ACCESS_TOKEN = ""
    settings.BLUESKY_HANDLE = settings.BLUESKY_APP_PASSWORD = ""
    settings.MASTODON_API_BASE_URL = settings.MASTODON_ACCESS_TOKEN = ""
    settings.CONSOLE_CHANNEL = "auto"
    return settings


def enable_x(settings):
    settings.X_API_KEY, settings.X_API_SECRET = "key", "secret"
    settings.X_ACCESS_TOKEN, settings.X_ACCESS_TOKEN_SECRET = "token", "token-secret"


def enable_facebook(settings):
    settings.FACEBOOK_PAGE_ID, settings.FACEBOOK_PAGE_ACCESS_TOKEN = "123", "page-token"


def kinds(channels):
    return [channel.kind for channel in channels]


def test_get_channel_configures_from_settings(no_networks):
    enable_x(no_networks)
    enable_facebook(no_networks)
    x = get_channel("x")
    assert isinstance(x, XChannel) and x.kind == "x" and str(x.label) == "X (Twitter)"
    assert x.config["api_key"] == "key" and x.enabled
    facebook = get_channel("facebook")
    assert isinstance(facebook, FacebookChannel)
    assert facebook.config["page_id"] == "123" and facebook.config["graph_api_version"] == "v24.0"
    assert isinstance(get_channel("console"), ConsoleChannel)


def test_all_channels_in_settings_order(no_networks):
    assert kinds(all_channels()) == ["console", "x", "facebook", "line", "bluesky", "mastodon"]
    no_networks.PUBLISHING_CHANNEL_CLASSES = {
        "facebook": "publishing.channels.facebook.FacebookChannel",
        "console": "publishing.channels.console.ConsoleChannel",
    }
    assert kinds(all_channels()) == ["facebook", "console"]


def test_auto_console_only_without_networks(no_networks):
    assert kinds(enabled_channels()) == ["console"]
    enable_x(no_networks)
    assert kinds(enabled_channels()) == ["x"]
    enable_facebook(no_networks)
    assert kinds(enabled_channels()) == ["x", "facebook"]


def test_bluesky_and_mastodon_are_enabled_by_their_credentials(no_networks):
    no_networks.BLUESKY_HANDLE, no_networks.BLUESKY_APP_PASSWORD = "tipcast.bsky.social", "abcd-efgh-ijkl-mnop"
    assert kinds(enabled_channels()) == ["bluesky"]
    bluesky = get_channel("bluesky")
    assert isinstance(bluesky, BlueskyChannel) and bluesky.config["service_url"] == "https://bsky.social"
    no_networks.MASTODON_API_BASE_URL, no_networks.MASTODON_ACCESS_TOKEN = "https://social.example", "token"
    assert kinds(enabled_channels()) == ["bluesky", "mastodon"]
    assert isinstance(get_channel("mastodon"), MastodonChannel)


def test_facebook_alone(no_networks):
    enable_facebook(no_networks)
    assert kinds(enabled_channels()) == ["facebook"]


def test_console_on_and_off(no_networks):
    enable_x(no_networks)
    no_networks.CONSOLE_CHANNEL = "on"
    assert kinds(enabled_channels()) == ["console", "x"]
    no_networks.CONSOLE_CHANNEL = "off"
    assert kinds(enabled_channels()) == ["x"]
    no_networks.X_API_KEY = ""
    assert enabled_channels() == []


def test_unknown_kind(no_networks):
    with pytest.raises(ImproperlyConfigured, match="Unknown publishing channel 'myspace'"):
        get_channel("myspace")


def test_unknown_dotted_path_is_a_clear_error(no_networks):
    no_networks.PUBLISHING_CHANNEL_CLASSES = {"x": "publishing.channels.nowhere.Missing"}
    with pytest.raises(ImproperlyConfigured, match=r"PUBLISHING_CHANNEL_CLASSES\['x'\].*nowhere\.Missing"):
        enabled_channels()


def test_a_class_that_is_not_a_channel_is_rejected(no_networks):
    no_networks.PUBLISHING_CHANNEL_CLASSES = {"x": "requests.Session"}
    with pytest.raises(ImproperlyConfigured, match="not a subclass"):
        get_channel("x")


@pytest.mark.parametrize(
    ("given", "named"),
    [
        ({"BLUESKY_HANDLE": "tipcast.bsky.social"}, "BLUESKY_APP_PASSWORD"),
        ({"BLUESKY_APP_PASSWORD": "abcd-efgh-ijkl-mnop"}, "BLUESKY_HANDLE"),
        ({"MASTODON_API_BASE_URL": "https://social.example"}, "MASTODON_ACCESS_TOKEN"),
        ({"MASTODON_ACCESS_TOKEN": "token"}, "MASTODON_API_BASE_URL"),
    ],
)
def test_half_configured_bluesky_or_mastodon_names_the_missing_variable(given, named):
    # Settings are read once per process: read them in a fresh one.
    environment = {key: value for key, value in os.environ.items() if not key.startswith(("BLUESKY_", "MASTODON_"))}
    result = subprocess.run(
        [sys.executable, "-c", "import supportsite.settings"],
        env={**environment, "DJANGO_ENV": "test", **given},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and named in result.stderr
