"""Celery tasks: load by id, call a service, own the retry timing.

Every task is safe to run twice: a delivery is claimed (or, to reconcile it,
taken over) with a conditional UPDATE before any network call, so a duplicate
message finds nothing to do. The sweeper relies on that when it fans out.
"""

from celery import shared_task

from publishing import services


def _retry_soon(outcomes) -> None:
    """Short waits ride on a Celery countdown; longer ones wait for the sweeper
    (long countdowns on Redis are redelivered past the visibility timeout)."""
    for outcome in outcomes:
        if outcome is not None and outcome.retry_in is not None and outcome.retry_in <= services.SHORT_WAIT_SECONDS:
            services.delivery_enqueue_send(delivery_id=outcome.delivery_id, countdown=outcome.retry_in)


@shared_task(name="publishing.send_delivery")
def send_delivery(delivery_id: int) -> None:
    _retry_soon([services.delivery_send(delivery_id=delivery_id)])


@shared_task(name="publishing.sweep_deliveries")
def sweep_deliveries() -> None:
    services.deliveries_sweep()


@shared_task(name="publishing.reconcile_delivery")
def reconcile_delivery(delivery_id: int) -> None:
    services.delivery_reconcile(delivery_id=delivery_id)


@shared_task(name="publishing.delete_remote_post")
def delete_remote_post(delivery_id: int) -> None:
    services.delivery_delete_remote(delivery_id=delivery_id)
