"""The fake X/Facebook server, driven by the real channels (tweepy and facebook-sdk)."""

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

import pytest
import requests
from django.utils import timezone

from publishing.channels.base import PublishError
from publishing.channels.registry import get_channel
from tests.publishing.fake_social import FakeSocialServer

ROOT = Path(__file__).resolve().parents[2]


def EARLIER():  # noqa: N802 - reads as a constant
    """A claim time just before the test's posts."""
    return timezone.now() - dt.timedelta(minutes=1)


@pytest.fixture
def fake_server():
    with FakeSocialServer() as server:
        yield server


@pytest.fixture
def channels(settings, monkeypatch, fake_server):
    monkeypatch.setenv("FAKE_SOCIAL_URL", fake_server.url)
    settings.SITE_URL = "https://support.example.com"
    settings.PUBLISHING_REQUESTS_SESSION_FACTORY = "tests.publishing.fake_social.RedirectingSession"
    settings.PUBLISHING_HTTP_TIMEOUT = 5.0
    settings.X_API_KEY, settings.X_API_SECRET = "key", "secret"
    settings.X_ACCESS_TOKEN, settings.X_ACCESS_TOKEN_SECRET = "token", "token-secret"
    settings.FACEBOOK_PAGE_ID, settings.FACEBOOK_PAGE_ACCESS_TOKEN = "4242", "page-token"
    settings.FACEBOOK_GRAPH_API_VERSION = "v24.0"
    return get_channel("x"), get_channel("facebook")


def script(server, **entries):
    requests.post(f"{server.url}/_fake/script", json=entries, timeout=5).raise_for_status()


def posts(server):
    return requests.get(f"{server.url}/_fake/posts", timeout=5).json()["posts"]


def test_x_send_find_delete(channels, fake_server, make_tip):
    x, _ = channels
    tip = make_tip(title="返品の送料は？", tags=["返品"])
    other = make_tip(title="Other")
    x.send(x.compose(other))
    remote = x.send(x.compose(tip))

    assert x.find(tip, since=EARLIER()).remote == remote
    [recorded] = [post for post in posts(fake_server) if post["id"] == remote.id]
    assert recorded["network"] == "x" and recorded["auth"] == "OAuth "
    assert recorded["text"].startswith("返品の送料は？\n") and recorded["link"] == x.compose(tip).link

    x.delete(remote)
    assert x.find(tip, since=EARLIER()).absent
    x.delete(remote)  # already gone: not an error


def test_x_refuses_duplicates(channels, make_tip):
    x, _ = channels
    post = x.compose(make_tip())
    x.send(post)
    with pytest.raises(PublishError) as caught:
        x.send(post)
    assert caught.value.duplicate


def test_facebook_send_find_delete_on_the_configured_version(channels, fake_server, make_tip):
    _, facebook = channels
    tip = make_tip(title="送料", answer_text="**無料**です。")
    remote = facebook.send(facebook.compose(tip))

    [recorded] = posts(fake_server)
    assert recorded == {
        **recorded,
        "network": "facebook",
        "page": "4242",
        "version": "v24.0",
        "text": "送料\n\n無料です。",
        "id": remote.id,
    }
    assert facebook.find(tip, since=EARLIER()).remote.id == remote.id
    facebook.delete(remote)
    assert facebook.find(tip, since=EARLIER()).absent
    facebook.delete(remote)  # already gone: not an error
    facebook.send(facebook.compose(tip))  # the deleted post no longer counts
    with pytest.raises(PublishError) as caught:
        facebook.send(facebook.compose(tip))
    assert caught.value.duplicate


def test_scripted_x_failures_then_success(channels, fake_server, make_tip):
    x, _ = channels
    post = x.compose(make_tip())
    script(fake_server, x=[500, {"status": 429, "reset_in": 30}, {"status": 403, "duplicate": True}, "ok"])

    with pytest.raises(PublishError) as server_error:
        x.send(post)
    assert not server_error.value.permanent
    with pytest.raises(PublishError) as rate_limited:
        x.send(post)
    assert 1 <= rate_limited.value.retry_after <= 31
    with pytest.raises(PublishError) as duplicate:
        x.send(post)
    assert duplicate.value.duplicate
    assert x.send(post).id
    assert len(posts(fake_server)) == 1


def test_scripted_always_and_method_filter(channels, fake_server, make_tip):
    x, facebook = channels
    tip = make_tip()
    script(fake_server, always={"x": 401}, facebook=[{"code": 190, "subcode": 463, "method": "POST"}])
    with pytest.raises(PublishError) as unauthorized:
        x.send(x.compose(tip))
    assert unauthorized.value.needs_reauth
    assert facebook.find(tip, since=EARLIER()).absent  # a GET passes the POST-only entry by
    with pytest.raises(PublishError) as expired:
        facebook.send(facebook.compose(tip))
    assert expired.value.needs_reauth
    requests.post(f"{fake_server.url}/_fake/reset", timeout=5).raise_for_status()
    assert x.send(x.compose(tip)).id


def test_dropped_reply_means_the_post_exists_and_find_reconciles(channels, fake_server, make_tip):
    x, facebook = channels
    tip = make_tip()
    script(fake_server, x=[{"status": "drop"}], facebook=[{"status": "drop"}])
    for channel in (x, facebook):
        with pytest.raises(PublishError) as caught:
            channel.send(channel.compose(tip))
        assert not caught.value.permanent and caught.value.ambiguous
        assert channel.find(tip, since=EARLIER()).remote is not None
    assert len(posts(fake_server)) == 2


def test_runs_as_a_separate_process(tmp_path, settings, monkeypatch, make_tip):
    state_file = tmp_path / "posts.jsonl"
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.publishing.fake_social", "--port", "0", "--state-file", str(state_file)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        url = process.stdout.readline().strip().removeprefix("listening on ")
        monkeypatch.setenv("FAKE_SOCIAL_URL", url)
        settings.SITE_URL = "https://support.example.com"
        settings.PUBLISHING_REQUESTS_SESSION_FACTORY = "tests.publishing.fake_social.RedirectingSession"
        settings.X_API_KEY, settings.X_API_SECRET = "key", "secret"
        settings.X_ACCESS_TOKEN, settings.X_ACCESS_TOKEN_SECRET = "token", "token-secret"
        x = get_channel("x")
        tip = make_tip(title="別プロセス")
        remote = x.send(x.compose(tip))
        x.delete(remote)

        events = [json.loads(line) for line in state_file.read_text(encoding="utf-8").splitlines()]
        assert [(event["event"], event["id"]) for event in events] == [("post", remote.id), ("delete", remote.id)]
        assert events[0]["text"].startswith("別プロセス\n")
        assert requests.get(f"{url}/_fake/posts", timeout=5).json()["posts"][0]["deleted"] is True
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_graph_refuses_the_deprecated_link_field_like_v3_3_and_later(channels, fake_server):
    response = requests.get(
        f"{fake_server.url}/v24.0/4242/feed",
        params={"access_token": "page-token", "fields": "id,link,permalink_url,message"},
        timeout=5,
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == 12
    assert response.json()["error"]["message"] == "(#12) link field is deprecated for versions v3.3 and higher"
