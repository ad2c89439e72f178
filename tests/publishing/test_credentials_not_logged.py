"""Credentials never reach the logs, even with every logger at DEBUG: the
pipeline logs sends and failures, and tweepy, requests-oauthlib, oauthlib and
facebook-sdk log what they do."""

import logging

import pytest
import responses

from publishing.channels.base import PublishError
from publishing.channels.registry import get_channel

SECRETS = ["consumer-secret-value", "access-secret-value", "page-token-value"]


@pytest.fixture
def networks(settings):
    settings.SITE_URL = "https://support.example.com"
    settings.X_API_KEY = "consumer-key-value"
    settings.X_API_SECRET = "consumer-secret-value"
    settings.X_ACCESS_TOKEN = "access-token-value"
    settings.X_ACCESS_TOKEN_SECRET = "access-secret-value"
    settings.FACEBOOK_PAGE_ID = "1234"
    settings.FACEBOOK_PAGE_ACCESS_TOKEN = "page-token-value"
    settings.PUBLISHING_REQUESTS_SESSION_FACTORY = ""


def test_no_secret_in_any_log_record_for_sends_and_failures(networks, make_tip, caplog):
    tip = make_tip(title="送料はいくらですか")
    caplog.set_level(logging.DEBUG)
    with responses.RequestsMock() as api:
        api.post("https://api.twitter.com/2/tweets", json={"data": {"id": "1", "text": "x"}}, status=201)
        api.post("https://api.twitter.com/2/tweets", json={"title": "Unauthorized"}, status=401)
        api.post("https://graph.facebook.com/v24.0/1234/feed", json={"id": "1234_1"})
        api.post(
            "https://graph.facebook.com/v24.0/1234/feed",
            json={"error": {"message": "Invalid OAuth access token.", "type": "OAuthException", "code": 190}},
            status=400,
        )
        for kind in ("x", "facebook"):
            channel = get_channel(kind)
            channel.send(channel.compose(tip))
            with pytest.raises(PublishError) as refused:
                channel.send(channel.compose(tip))
            assert refused.value.needs_reauth
            logging.getLogger("publishing.services").error("send failed: %s", refused.value)
    logged = "\n".join(f"{record.name} {record.getMessage()} {record.args!r}" for record in caplog.records)
    assert caplog.records, "nothing was logged, so nothing was checked"
    leaked = [secret for secret in SECRETS if secret in logged]
    assert not leaked, f"credentials in the logs: {leaked}"


def test_http_and_oauth_libraries_never_log_at_debug_even_when_log_level_is_debug():
    # urllib3 logs every request line at DEBUG, and the Graph API's GET
    # requests (find) carry the Page token in the query string.
    from supportsite.logging import CREDENTIAL_CARRYING_LOGGERS, logging_config

    config = logging_config(level="DEBUG", log_format="plain")
    for name in CREDENTIAL_CARRYING_LOGGERS:
        assert config["loggers"][name]["level"] == "INFO"
    assert "urllib3" in CREDENTIAL_CARRYING_LOGGERS


def test_no_bluesky_or_mastodon_secret_in_any_log_record(settings, make_tip, caplog):
    """The app password, the session's tokens and the Mastodon token never
    reach a log record, through sends, a refused session and failures."""
    from publishing.models import ChannelSession
    from tests.publishing.fake_social import FakeSocialServer
    from tests.publishing.fake_social_bluesky import APP_PASSWORD, HANDLE
    from tests.publishing.fake_social_mastodon import ACCESS_TOKEN

    caplog.set_level(logging.DEBUG)
    with FakeSocialServer() as server:
        settings.SITE_URL = "https://support.example.com"
        settings.BLUESKY_HANDLE, settings.BLUESKY_APP_PASSWORD = HANDLE, APP_PASSWORD
        settings.BLUESKY_SERVICE_URL = server.url
        settings.MASTODON_API_BASE_URL, settings.MASTODON_ACCESS_TOKEN = server.url, ACCESS_TOKEN
        tip = make_tip(title="送料はいくらですか")
        for kind in ("bluesky", "mastodon"):
            channel = get_channel(kind)
            channel.send(channel.compose(tip))
        server.state.bluesky_access.clear()  # the stored session is refused: a new one is made
        channel = get_channel("bluesky")
        channel.send(channel.compose(tip, text_override="二回目 {url}"))
        session = ChannelSession.objects.get(kind="bluesky").value
        settings.BLUESKY_APP_PASSWORD = "wrong-pass-word-here"
        settings.MASTODON_ACCESS_TOKEN = "revoked-token-value"
        ChannelSession.objects.all().delete()
        for kind in ("bluesky", "mastodon"):
            channel = get_channel(kind)
            with pytest.raises(PublishError) as refused:
                channel.send(channel.compose(tip))
            assert refused.value.needs_reauth
            logging.getLogger("publishing.services").error("send failed: %s", refused.value)
    logged = "\n".join(f"{record.name} {record.getMessage()} {record.args!r}" for record in caplog.records)
    assert caplog.records, "nothing was logged, so nothing was checked"
    secrets = [APP_PASSWORD, "wrong-pass-word-here", ACCESS_TOKEN, "revoked-token-value", *session.split(":::")[2:4]]
    leaked = [secret for secret in secrets if secret and secret in logged]
    assert not leaked, f"credentials in the logs: {leaked}"
