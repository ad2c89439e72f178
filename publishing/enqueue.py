"""Putting publishing tasks on the broker: after commit, and never raising or
waiting on the broker. The database holds every row; when the broker is down
the sweeper (publishing.recovery) finds the due rows, so an outage delays
posts but never loses them.
"""

from __future__ import annotations

import datetime as dt
import logging
from contextlib import contextmanager

from django.db import transaction

from publishing.models import Delivery

logger = logging.getLogger("publishing.services")

# Waits up to this long may be a Celery countdown; longer waits are left to
# scheduled_for and the sweeper (a long countdown on Redis outlives the
# visibility timeout and is delivered twice).
SHORT_WAIT_SECONDS = 300


@contextmanager
def _publisher():
    """A broker connection of our own that gives up at once when the broker
    is down: Celery's shared producer pool retries the publish and kombu
    reconnects several times (about 0.7 s per message), in a staff request.
    Not the pool's settings: the worker's own consumer must keep reconnecting."""
    from supportsite.celery import app

    with app.connection_for_write(transport_options={"max_retries": 0}) as connection:
        yield connection


def enqueue_task(task_name: str, delivery_id: int, *, countdown: float | None = None, connection=None) -> None:
    from publishing import tasks

    try:
        if connection is None:
            with _publisher() as own:
                _publish(tasks, task_name, delivery_id, countdown, own)
        else:
            _publish(tasks, task_name, delivery_id, countdown, connection)
    except Exception:
        # The row is in the database; the sweeper will pick it up once the
        # broker is back. Losing the publish over a broker outage is worse.
        logger.warning(
            "Could not enqueue %s for delivery %s; the sweeper will do it", task_name, delivery_id, exc_info=True
        )


def _publish(tasks, task_name: str, delivery_id: int, countdown: float | None, connection) -> None:
    getattr(tasks, task_name).apply_async(
        args=[delivery_id], countdown=countdown or None, retry=False, connection=connection
    )


def delivery_enqueue_send(*, delivery_id: int, countdown: float | None = None, connection=None) -> None:
    enqueue_task("send_delivery", delivery_id, countdown=countdown, connection=connection)


def enqueue_sends_after_commit(deliveries: list[Delivery], *, now: dt.datetime) -> None:
    soon = []
    for delivery in deliveries:
        wait = (delivery.scheduled_for - now).total_seconds()
        if wait <= SHORT_WAIT_SECONDS:
            soon.append((delivery.pk, max(0.0, wait)))

    def enqueue():
        try:
            with _publisher() as connection:
                for pk, wait in soon:
                    delivery_enqueue_send(delivery_id=pk, countdown=wait, connection=connection)
        except Exception:
            logger.warning("Could not reach the broker; the sweeper will send %s deliveries", len(soon))

    if soon:
        transaction.on_commit(enqueue)
