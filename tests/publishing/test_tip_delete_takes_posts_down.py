"""Deleting a tip takes its posts down from the networks, as unpublishing
does: the deliveries outlive the tip (tip set to NULL, its title kept) so the
remote delete can run and staff keep the audit. The real X, Facebook, Bluesky
and Mastodon clients against the fake networks' server."""

import json
from unittest import mock

import pytest
from django.urls import reverse

from publishing import services
from publishing.channels.registry import get_channel
from publishing.models import Delivery
from qa import services as qa_services
from qa.models import Tip
from tests.publishing import test_reconcile_on_the_network as on_the_network
from tests.publishing.fake_social import FakeSocialServer

Status = Delivery.Status
NETWORKS = on_the_network.NETWORKS
# Every network through its real client to the fake server (the fixture of
# the reconciliation tests), here with `fake_server` below logging to a file.
networks = on_the_network.networks
queued = on_the_network.queued  # a published tip whose deliveries wait in the outbox


@pytest.fixture
def fake_server(tmp_path):
    """The fake X/Graph server, logging every create and delete to a file."""
    with FakeSocialServer(state_file=str(tmp_path / "events.jsonl")) as server:
        yield server


def delete_events(server) -> list[tuple[str, str]]:
    with open(server.state.state_file, encoding="utf-8") as file:
        events = [json.loads(line) for line in file]
    return [(event["network"], event["id"]) for event in events if event.get("event") == "delete"]


def live_posts(server) -> list[dict]:
    return [post for post in server.state.posts if not post["deleted"]]


@pytest.fixture
def sent_tip(networks, make_tip, django_capture_on_commit_callbacks):
    """A published tip whose posts (X, Facebook, Bluesky, Mastodon) were sent."""

    def make(title="返品の送料は誰が払いますか？"):
        tip = make_tip(title=title, publish=False)
        with django_capture_on_commit_callbacks(execute=True):
            qa_services.tip_publish(tip=tip)
        assert sorted(Delivery.objects.filter(tip=tip, status=Status.SENT).values_list("channel", flat=True)) == sorted(
            NETWORKS
        )
        return tip

    return make


def assert_taken_down_once(server, deliveries: list[Delivery], title: str) -> None:
    remote_ids = {(delivery.channel, delivery.remote_id) for delivery in deliveries}
    assert sorted(delete_events(server)) == sorted(remote_ids)  # each post deleted once
    for delivery in deliveries:
        delivery.refresh_from_db()
        assert delivery.tip_id is None and delivery.tip_title == title
        assert delivery.deleted_at is not None and delivery.delete_error == ""


def test_admin_delete_takes_every_network_post_down_once_and_keeps_the_audit(
    sent_tip,
    networks,
    admin_client,
    django_capture_on_commit_callbacks,
):
    tip = sent_tip()
    deliveries = list(Delivery.objects.filter(tip=tip))
    assert len(live_posts(networks)) == len(NETWORKS)
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(reverse("admin:qa_tip_delete", args=[tip.pk]), {"post": "yes"})
    assert response.status_code == 302
    assert not Tip.objects.filter(pk=tip.pk).exists()
    assert live_posts(networks) == []
    assert_taken_down_once(networks, deliveries, tip.title)
    # The sweeper and a duplicate task message find nothing left to delete.
    with django_capture_on_commit_callbacks(execute=True):
        assert services.deliveries_sweep().deletes == []
    services.delivery_delete_remote(delivery_id=deliveries[0].pk)
    assert len(delete_events(networks)) == len(NETWORKS)
    page = admin_client.get(reverse("admin:publishing_delivery_changelist")).content.decode()
    assert f"{tip.title} (deleted)" in page
    assert page.count("removed from the network on") == len(NETWORKS)
    admin_client.cookies["django_language"] = "ja"
    page = admin_client.get(reverse("admin:publishing_delivery_changelist")).content.decode()
    assert f"{tip.title}（削除済み）" in page
    assert page.count("SNSから削除済み") == len(NETWORKS)


def test_bulk_delete_takes_down_the_posts_of_every_selected_tip(
    sent_tip,
    networks,
    make_tip,
    admin_client,
    django_capture_on_commit_callbacks,
):
    tips = [sent_tip("Where is my parcel?"), sent_tip("配送先を変更できますか？")]
    kept = sent_tip("How do I return an item?")
    deliveries = {tip.title: list(Delivery.objects.filter(tip=tip)) for tip in tips}
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            reverse("admin:qa_tip_changelist"),
            {"action": "delete_selected", "_selected_action": [tip.pk for tip in tips], "post": "yes"},
        )
    assert response.status_code == 302
    assert not Tip.objects.filter(pk__in=[tip.pk for tip in tips]).exists()
    assert len(delete_events(networks)) == 2 * len(NETWORKS)
    for title, rows in deliveries.items():
        for delivery in rows:
            delivery.refresh_from_db()
            assert delivery.tip_title == title and delivery.deleted_at is not None
    # The tip that was not selected keeps its posts.
    assert sorted(post["network"] for post in live_posts(networks)) == sorted(NETWORKS)
    assert Delivery.objects.filter(tip=kept, status=Status.SENT, deleted_at__isnull=True).count() == len(NETWORKS)


def test_deleting_a_tip_with_pending_posts_cancels_them_and_sends_nothing(
    networks,
    make_tip,
    django_capture_on_commit_callbacks,
):
    tip = make_tip(title="Can I change the address?", publish=False)
    with django_capture_on_commit_callbacks(execute=False):
        qa_services.tip_publish(tip=tip)
    pending = list(Delivery.objects.filter(tip=tip))
    assert {delivery.status for delivery in pending} == {Status.PENDING}
    with django_capture_on_commit_callbacks(execute=True):
        qa_services.tip_delete(tip=tip)
    for delivery in pending:
        # A send message still on the queue finds a cancelled row with no tip.
        assert services.delivery_send(delivery_id=delivery.pk) is None
        delivery.refresh_from_db()
        assert delivery.status == Status.CANCELLED and delivery.tip_title == tip.title
    assert networks.state.posts == []


def test_a_draft_with_no_deliveries_deletes_as_before(networks, make_tip, admin_client):
    tip = make_tip(title="A draft", publish=False)
    response = admin_client.post(reverse("admin:qa_tip_delete", args=[tip.pk]), {"post": "yes"})
    assert response.status_code == 302
    assert not Tip.objects.filter(pk=tip.pk).exists()
    assert Delivery.objects.count() == 0
    assert networks.state.posts == []


def test_a_send_in_flight_when_its_tip_is_deleted_is_taken_down_once_recorded(
    queued, networks, django_capture_on_commit_callbacks
):
    tip, delivery = queued("x", title="Where is my parcel?")
    real_send = type(get_channel("x")).send

    def send_then_tip_deleted(channel, post):
        remote = real_send(channel, post)
        qa_services.tip_delete(tip=tip)  # staff press delete while the post is on its way
        return remote

    with django_capture_on_commit_callbacks(execute=True):
        with mock.patch.object(type(get_channel("x")), "send", send_then_tip_deleted):
            services.delivery_send(delivery_id=delivery.pk)
    delivery.refresh_from_db()
    assert delivery.tip_id is None and delivery.status == Status.SENT and delivery.deleted_at is not None
    assert live_posts(networks) == [] and len(delete_events(networks)) == 1


def test_a_stuck_send_of_a_deleted_tip_becomes_unknown_rather_than_failing(
    queued, networks, django_capture_on_commit_callbacks
):
    tip, delivery = queued("facebook")
    on_the_network.worker_died(delivery)
    with django_capture_on_commit_callbacks(execute=True):
        qa_services.tip_delete(tip=tip)
    assert services.delivery_reconcile(delivery_id=delivery.pk) == Status.UNKNOWN
    delivery.refresh_from_db()
    assert "the tip was deleted" in delivery.last_error
    assert networks.state.posts == []
