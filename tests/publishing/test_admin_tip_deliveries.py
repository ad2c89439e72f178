"""The deliveries on a tip's admin page: what each status offers (retry, send anyway,
cancel, post now), what became of a post after unpublishing, and the empty override's
count label."""

import re

import pytest
from django.urls import reverse
from django.utils import timezone

from publishing import sending
from publishing.models import Delivery
from qa import services as qa_services


@pytest.fixture
def staff_client(client, staff):
    client.force_login(staff)
    return client


def _tip_page(client, tip) -> str:
    response = client.get(reverse("admin:qa_tip_change", args=[tip.pk]))
    assert response.status_code == 200
    return response.content.decode()


def _action_url(delivery, action):
    return reverse("admin:publishing_delivery_action", args=[delivery.pk, action])


@pytest.fixture
def deliveries(make_tip):
    tip = make_tip(title="返品の送料")
    return {
        "failed": Delivery.objects.create(tip=tip, channel="x", status=Delivery.Status.FAILED, last_error="401"),
        "unknown": Delivery.objects.create(tip=tip, channel="facebook", status=Delivery.Status.UNKNOWN),
        "sent": Delivery.objects.create(
            tip=tip, channel="console", status=Delivery.Status.SENT, remote_id="console-1", sent_at=timezone.now()
        ),
    }


def test_each_delivery_offers_the_actions_its_status_allows(staff_client, deliveries):
    page = _tip_page(staff_client, deliveries["failed"].tip)
    offered = {
        name: sorted(re.findall(rf'form="tipcast-delivery-{delivery.pk}-([a-z-]+)"', page))
        for name, delivery in deliveries.items()
    }
    assert offered == {"failed": ["cancel", "retry"], "unknown": ["cancel", "send-anyway"], "sent": []}
    # Every button has its own POST form (outside the tip's form: forms do not nest, and
    # a button inside it would be the one Enter presses), and the forms come after it.
    for name, delivery in deliveries.items():
        for action in offered[name]:
            form = f'<form id="tipcast-delivery-{delivery.pk}-{action}" method="post" action="{_action_url(delivery, action)}"'
            assert form in page
            assert page.index("</form>", page.index('id="tip_form"')) < page.index(form)
    assert "Post now" in page


def test_retry_send_anyway_and_cancel_from_the_tip_page(staff_client, deliveries, django_capture_on_commit_callbacks):
    tip_url = reverse("admin:qa_tip_change", args=[deliveries["failed"].tip_id])
    with django_capture_on_commit_callbacks(execute=False):
        response = staff_client.post(_action_url(deliveries["failed"], "retry"))
        assert response.status_code == 302 and response["Location"] == tip_url
        staff_client.post(_action_url(deliveries["unknown"], "send-anyway"))
    for delivery in deliveries.values():
        delivery.refresh_from_db()
    assert deliveries["failed"].status == deliveries["unknown"].status == Delivery.Status.PENDING

    staff_client.post(_action_url(deliveries["failed"], "cancel"))
    deliveries["failed"].refresh_from_db()
    assert deliveries["failed"].status == Delivery.Status.CANCELLED


def test_an_action_the_status_no_longer_allows_changes_nothing(staff_client, deliveries):
    response = staff_client.post(_action_url(deliveries["sent"], "cancel"), follow=True)
    deliveries["sent"].refresh_from_db()
    assert deliveries["sent"].status == Delivery.Status.SENT
    assert "no longer allows this action" in response.content.decode()


def test_delivery_actions_are_post_only_and_known(staff_client, deliveries):
    assert staff_client.get(_action_url(deliveries["failed"], "cancel")).status_code == 405
    assert staff_client.post(_action_url(deliveries["failed"], "explode")).status_code == 404
    deliveries["failed"].refresh_from_db()
    assert deliveries["failed"].status == Delivery.Status.FAILED


def test_post_now_from_the_tip_page(staff_client, make_tip, django_capture_on_commit_callbacks):
    tip = make_tip()
    later = timezone.now() + timezone.timedelta(hours=5)
    waiting = Delivery.objects.create(tip=tip, channel="console", status=Delivery.Status.PENDING, scheduled_for=later)
    url = reverse("admin:qa_tip_post_now", args=[tip.pk])
    assert staff_client.get(url).status_code == 405
    with django_capture_on_commit_callbacks(execute=False):
        response = staff_client.post(url, follow=True)
    waiting.refresh_from_db()
    assert waiting.scheduled_for < later
    assert "1 post will be sent now." in response.content.decode()


def test_after_unpublishing_the_tip_page_says_the_post_was_removed(
    staff_client, deliveries, django_capture_on_commit_callbacks
):
    sent = deliveries["sent"]
    with django_capture_on_commit_callbacks(execute=False):
        qa_services.tip_unpublish(tip=sent.tip)
    # Between the click and the worker: the post is on its way out.
    assert "being removed from the network" in _tip_page(staff_client, sent.tip)
    # The worker's job (the console channel's delete), as the task runs it.
    sending.delivery_delete_remote(delivery_id=sent.pk)
    page = _tip_page(staff_client, sent.tip)
    assert "removed from the network on" in page


def test_an_empty_override_is_labelled_as_the_standard_post(staff_client, make_tip):
    page = _tip_page(staff_client, make_tip())
    assert 'data-label-standard="Empty: this channel gets the standard post."' in page
