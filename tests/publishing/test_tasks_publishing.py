"""The Celery tasks: thin, idempotent, and short waits only as countdowns."""

import pytest

from publishing import services, tasks
from publishing.channels.base import PublishError
from publishing.models import Delivery
from qa import services as qa_services
from tests.publishing.test_pipeline_fakes import scripted_fixture  # noqa: F401  (the `scripted` fixture)


@pytest.fixture
def queued(make_tip, scripted, django_capture_on_commit_callbacks):
    tip = make_tip(title="タスクの確認", publish=False)
    with django_capture_on_commit_callbacks(execute=False):
        qa_services.tip_publish(tip=tip)
    return Delivery.objects.get(tip=tip, channel="alpha")


OPTIONS = []


@pytest.fixture
def enqueued(monkeypatch):
    """What the tasks hand to the broker (the edge of our code)."""
    calls = []
    monkeypatch.setattr(
        tasks.send_delivery,
        "apply_async",
        lambda args, countdown=None, **options: calls.append((args[0], countdown)) or OPTIONS.append(options),
    )
    return calls


def test_send_task_is_safe_to_run_twice(queued, scripted):
    tasks.send_delivery.apply(args=[queued.pk])
    tasks.send_delivery.apply(args=[queued.pk])
    queued.refresh_from_db()
    assert queued.status == "sent" and queued.attempts == 1
    assert [kind for kind, _ in scripted.sent] == ["alpha"]


@pytest.mark.parametrize(("retry_after", "countdown_expected"), [(5, True), (900, False)])
def test_short_waits_are_countdowns_long_ones_wait_for_the_sweeper(
    queued, scripted, enqueued, retry_after, countdown_expected
):
    scripted.send_results = [PublishError("429 Too Many Requests", retry_after=retry_after, code="429")]
    tasks.send_delivery.apply(args=[queued.pk])
    queued.refresh_from_db()
    assert queued.status == "pending" and queued.error_kind == "rate_limited"
    assert enqueued == ([(queued.pk, retry_after)] if countdown_expected else [])


def test_sweep_task_sends_everything_due(make_tip, scripted, django_capture_on_commit_callbacks):
    tips = [make_tip(title=f"掃除 {n}", publish=False) for n in range(5)]
    with django_capture_on_commit_callbacks(execute=False):
        for tip in tips:
            qa_services.tip_publish(tip=tip)
    tasks.sweep_deliveries.apply()
    assert set(Delivery.objects.values_list("status", flat=True)) == {"sent"}
    assert len(scripted.sent) == 10


def test_delete_task_takes_the_post_down(queued, scripted, django_capture_on_commit_callbacks):
    tasks.send_delivery.apply(args=[queued.pk])
    with django_capture_on_commit_callbacks(execute=False):
        qa_services.tip_unpublish(tip=queued.tip)
    tasks.delete_remote_post.apply(args=[queued.pk])
    tasks.delete_remote_post.apply(args=[queued.pk])
    queued.refresh_from_db()
    assert queued.deleted_at is not None and scripted.deleted == [queued.remote_id]


def test_enqueueing_never_retries_a_publish_and_control_tasks_have_their_own_queue(queued, enqueued):
    """A staff request must not sit in kombu's retry loop while the broker is
    down (the sweeper is the safety net); sweeps and reconciles are routed
    past the backlog of sends."""
    OPTIONS.clear()
    services.delivery_enqueue_send(delivery_id=queued.pk)
    assert enqueued == [(queued.pk, None)] and OPTIONS[0]["retry"] is False
    # Its own connection, which does not reconnect: the shared pool's would retry.
    assert OPTIONS[0]["connection"].transport_options["max_retries"] == 0
    from supportsite.celery import app

    router = app.amqp.router
    assert router.route({}, "publishing.sweep_deliveries")["queue"].name == "publishing-control"
    assert router.route({}, "publishing.reconcile_delivery")["queue"].name == "publishing-control"
    assert router.route({}, "publishing.send_delivery")["queue"].name == "celery"
    assert {queue.name for queue in app.amqp.queues.values()} == {"celery", "publishing-control"}
