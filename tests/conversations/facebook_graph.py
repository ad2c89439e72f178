"""Fixtures for the Facebook Page tests: the fake Graph server
(tests.publishing.fake_social) with the Page's credentials pointed at it.
Import the fixtures into a test module to use them."""

import pytest
import requests

from publishing.channels.base import Post
from publishing.channels.registry import get_channel
from tests.publishing.fake_social import FakeSocialServer

PAGE = "4242"


@pytest.fixture
def graph(settings, monkeypatch):
    """The fake server, with settings sending the Page's Graph traffic to it."""
    with FakeSocialServer() as server:
        monkeypatch.setenv("FAKE_SOCIAL_URL", server.url)
        settings.PUBLISHING_REQUESTS_SESSION_FACTORY = "tests.publishing.fake_social.RedirectingSession"
        settings.PUBLISHING_HTTP_TIMEOUT = 5.0
        settings.FACEBOOK_PAGE_ID, settings.FACEBOOK_PAGE_ACCESS_TOKEN = PAGE, "page-token"
        settings.FACEBOOK_GRAPH_API_VERSION = "v24.0"
        yield server


@pytest.fixture
def page(graph):
    """The Facebook channel of the Page the fake server holds."""
    return get_channel("facebook")


def page_post(channel, text: str) -> str:
    """A post on the Page (as a tip would be posted); its id."""
    return channel.send(Post(text=text, link=f"https://support.example.com/tips/{abs(hash(text))}/")).id


def comment(server, post_id: str, message: str, *, at: float, author="customer", parent: str = "") -> str:
    """Someone comments on the Page's post at Unix time `at`; author None hides `from`."""
    spec = {"post": post_id, "message": message, "created_at": at, "parent": parent}
    if author is None:
        spec["from"] = None
    elif author != "customer":
        spec["from"] = author
    response = requests.post(f"{server.url}/_fake/facebook/comments", json=spec, timeout=5)
    response.raise_for_status()
    return response.json()["id"]


def script(server, *entries) -> None:
    requests.post(f"{server.url}/_fake/script", json={"facebook": list(entries)}, timeout=5).raise_for_status()


def likes(server) -> dict:
    return requests.get(f"{server.url}/_fake/facebook/likes", timeout=5).json()["likes"]


def graph_comments(server) -> list[dict]:
    return list(server.state.facebook_comments)
