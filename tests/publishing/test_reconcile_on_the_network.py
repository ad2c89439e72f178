"""Reconciliation under the conditions that produced duplicates in production,
with the real tweepy and facebook-sdk clients talking to the fake X/Graph
server: a worker killed between its network call and its commit, more than
100 newer posts by the time anyone looks, a network that creates the post and
then never answers, and a look-up that cannot finish.

A killed worker is reproduced by what it leaves behind: a `sending` row whose
holder is gone (lease run out, or a process known dead), and, when it died
after its request reached the network, the post on the (fake) network.
"""

from __future__ import annotations

import datetime as dt
import subprocess
import sys

import pytest
import requests
from django.utils import timezone

from publishing import claims, services
from publishing.channels.base import Post
from publishing.channels.registry import get_channel
from publishing.models import Delivery
from qa import services as qa_services
from supportsite.celery import app as celery_app
from tests.publishing.fake_social import FakeSocialServer
from tests.publishing.fake_social_bluesky import APP_PASSWORD, HANDLE
from tests.publishing.fake_social_mastodon import ACCESS_TOKEN as MASTODON_TOKEN

Status = Delivery.Status
Reconciliation = Delivery.Reconciliation
NETWORKS = ["x", "facebook", "bluesky", "mastodon"]


@pytest.fixture
def fake_server():
    with FakeSocialServer() as server:
        yield server


@pytest.fixture
def networks(settings, monkeypatch, fake_server):
    """X, Facebook, Bluesky and Mastodon through their real clients to the
    fake server, no drip, tasks run in-process (what the queue would run)."""
    monkeypatch.setenv("FAKE_SOCIAL_URL", fake_server.url)
    settings.SITE_URL = "https://support.example.com"
    settings.PUBLISHING_REQUESTS_SESSION_FACTORY = "tests.publishing.fake_social.RedirectingSession"
    settings.PUBLISHING_HTTP_TIMEOUT = 5.0
    settings.X_API_KEY, settings.X_API_SECRET = "key", "secret"
    settings.X_ACCESS_TOKEN, settings.X_ACCESS_TOKEN_SECRET = "token", "token-secret"
    settings.FACEBOOK_PAGE_ID, settings.FACEBOOK_PAGE_ACCESS_TOKEN = "4242", "page-token"
    settings.FACEBOOK_GRAPH_API_VERSION = "v24.0"
    settings.BLUESKY_HANDLE, settings.BLUESKY_APP_PASSWORD = HANDLE, APP_PASSWORD
    settings.BLUESKY_SERVICE_URL = fake_server.url
    settings.MASTODON_API_BASE_URL, settings.MASTODON_ACCESS_TOKEN = fake_server.url, MASTODON_TOKEN
    settings.CONSOLE_CHANNEL = "off"
    settings.PUBLISHING_CHANNEL_OVERRIDES = {
        kind: {"drip_interval_minutes": 0, "posting_hours": "00:00-24:00"} for kind in NETWORKS
    }
    eager = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield fake_server
    celery_app.conf.task_always_eager = eager


def _posts(server) -> list[dict]:
    return requests.get(f"{server.url}/_fake/posts", timeout=5).json()["posts"]


def posts_of(server, tip, kind) -> list[dict]:
    return [
        post
        for post in _posts(server)
        if post["network"] == kind and not post["deleted"] and f"/tips/{tip.pk}/" in post["link"]
    ]


@pytest.fixture
def queued(networks, make_tip, django_capture_on_commit_callbacks):
    """A published tip whose deliveries are in the outbox, not yet sent."""

    def make(kind: str, title: str = "返品の送料は誰が払いますか？"):
        tip = make_tip(title=title, publish=False)
        with django_capture_on_commit_callbacks(execute=False):
            qa_services.tip_publish(tip=tip)
        return tip, Delivery.objects.get(tip=tip, channel=kind)

    return make


def worker_died(delivery, *, holder="celery@gone|0ldb00t|4242", lease_left: float = -1.0):
    """What a worker killed mid-send leaves: its committed claim, never finished."""
    claimed = timezone.now() - dt.timedelta(seconds=2)
    Delivery.objects.filter(pk=delivery.pk).update(
        status=Status.SENDING,
        claimed_at=claimed,
        first_claimed_at=claimed,
        claimed_by=holder,
        lease_expires_at=timezone.now() + dt.timedelta(seconds=lease_left),
        attempts=1,
    )


def newer_posts(channel, count: int) -> None:
    """Other posts on the account after the claim: other tips, replies..."""
    for n in range(count):
        link = f"https://support.example.com/tips/{900000 + n}/other/"
        channel.send(Post(text=f"別の投稿 {n}\n{link}", link=link))


@pytest.mark.parametrize("kind", NETWORKS)
def test_a_post_made_before_the_worker_died_is_found_behind_150_newer_posts(kind, queued, networks):
    tip, delivery = queued(kind)
    channel = get_channel(kind)
    worker_died(delivery)
    orphan = channel.send(channel.compose(tip))  # reached the network; the commit never happened
    newer_posts(channel, 150)

    report = services.deliveries_sweep()

    delivery.refresh_from_db()
    assert report.reconciles == [delivery.pk]
    assert delivery.status == Status.SENT and delivery.remote_id == orphan.id
    assert delivery.reconciliation == Reconciliation.FOUND
    assert len(posts_of(networks, tip, kind)) == 1


@pytest.mark.parametrize("kind", NETWORKS)
def test_a_post_proven_absent_behind_150_newer_posts_is_sent_exactly_once(kind, queued, networks):
    tip, delivery = queued(kind)
    worker_died(delivery)  # before its request reached the network
    newer_posts(get_channel(kind), 150)

    services.deliveries_sweep()
    services.deliveries_sweep()

    delivery.refresh_from_db()
    assert delivery.status == Status.SENT and delivery.attempts == 2
    assert delivery.reconciliation == Reconciliation.RESENT
    assert len(posts_of(networks, tip, kind)) == 1


@pytest.mark.parametrize("kind", NETWORKS)
def test_a_search_that_hits_its_page_limit_is_unknown_and_never_resent(kind, queued, networks, settings):
    settings.PUBLISHING_FIND_MAX_PAGES = 1
    tip, delivery = queued(kind)
    worker_died(delivery)
    newer_posts(get_channel(kind), 150)

    services.deliveries_sweep()
    services.deliveries_sweep()

    delivery.refresh_from_db()
    assert delivery.status == Status.UNKNOWN and delivery.error_kind == Delivery.ErrorKind.SEARCH_LIMIT
    assert delivery.reconciliation == Reconciliation.UNKNOWN
    assert "searched 1 pages" in delivery.last_error and "PUBLISHING_FIND_MAX_PAGES" in delivery.last_error
    assert posts_of(networks, tip, kind) == []


@pytest.mark.parametrize("kind", NETWORKS)
def test_a_failed_look_up_is_unknown_with_the_networks_answer(kind, queued, networks):
    tip, delivery = queued(kind)
    worker_died(delivery)
    requests.post(f"{networks.url}/_fake/script", json={"always": {kind: 503}}, timeout=5).raise_for_status()

    services.deliveries_sweep()

    delivery.refresh_from_db()
    assert delivery.status == Status.UNKNOWN and delivery.error_kind == Delivery.ErrorKind.LOOKUP_FAILED
    assert "the look-up failed" in delivery.last_error
    requests.post(f"{networks.url}/_fake/reset", timeout=5).raise_for_status()
    assert posts_of(networks, tip, kind) == []


@pytest.mark.parametrize("kind", NETWORKS)
def test_created_then_no_answer_is_found_not_sent_twice(kind, queued, networks, settings):
    settings.PUBLISHING_HTTP_TIMEOUT = 1.0
    tip, delivery = queued(kind)
    if kind == "bluesky":
        get_channel(kind).client()  # the session exists: the POST that hangs is the post's
    script = {kind: [{"status": "hang", "delay": 3, "method": "POST"}]}
    requests.post(f"{networks.url}/_fake/script", json=script, timeout=5).raise_for_status()

    outcome = services.delivery_send(delivery_id=delivery.pk)

    delivery.refresh_from_db()
    assert outcome.status == Status.SENT and delivery.reconciliation == Reconciliation.FOUND
    [post] = posts_of(networks, tip, kind)
    assert delivery.remote_id == post["id"]


def test_a_restarted_worker_releases_its_previous_runs_claims_at_once(queued, networks, monkeypatch):
    monkeypatch.setattr(claims, "_identity", dict(claims._identity))
    claims.worker_started(node="celery@worker-1")
    tip, delivery = queued("x")
    # Killed under the same node name a moment ago: its lease has 15 s left.
    worker_died(delivery, holder="celery@worker-1|previousrun|77", lease_left=15)
    _, elsewhere = queued("facebook", title="別ノードの送信中")
    worker_died(elsewhere, holder="celery@worker-2|itsrun|77", lease_left=15)

    released = services.deliveries_release_node(node=claims.this_node(), keep_boot=claims.this_boot())
    services.deliveries_recover_now(released)

    delivery.refresh_from_db()
    assert released == [delivery.pk]
    assert delivery.status == Status.SENT and delivery.reconciliation == Reconciliation.RESENT
    assert len(posts_of(networks, tip, "x")) == 1
    elsewhere.refresh_from_db()
    assert elsewhere.status == Status.SENDING  # another node's claim: left to its lease


def test_a_sweeper_releases_a_dead_sibling_process_claim_without_waiting_for_its_lease(queued, networks, monkeypatch):
    monkeypatch.setattr(claims, "_identity", dict(claims._identity))
    claims.worker_started(node="celery@worker-1")
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    dead_pid = int(dead.stdout)
    tip, delivery = queued("facebook")
    live_sibling = f"celery@worker-1|{claims.this_boot()}|{claims.os.getppid()}"
    _, other = queued("x", title="生きている兄弟プロセス")
    worker_died(other, holder=live_sibling, lease_left=15)
    worker_died(delivery, holder=f"celery@worker-1|{claims.this_boot()}|{dead_pid}", lease_left=15)

    report = services.deliveries_sweep()

    assert report.released == [delivery.pk] and report.reconciles == [delivery.pk]
    delivery.refresh_from_db()
    other.refresh_from_db()
    assert delivery.status == Status.SENT and len(posts_of(networks, tip, "facebook")) == 1
    assert other.status == Status.SENDING  # its holder lives: left to its lease
