"""Rows whose sender is gone, and the periodic sweep that is the pipeline's safety net.

- A row in `sending` whose lease lapsed (or whose holder is known to be dead,
  see publishing.claims) is reconciled: the reconciler takes the claim over
  with a conditional UPDATE, so when two sweepers meet only one of them goes
  on; then it searches the network back to the row's first claim. Found:
  recorded as sent. Proven absent: sent again. Anything else: `unknown`, with
  the reason, for staff. Never a blind re-send.
- The sweep reconciles nothing and sends nothing itself: it fans out one task
  per row (reconcile, delete, send), each idempotent by the claim, so every
  worker process helps drain a backlog.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from django.db.models import Q
from django.utils import timezone

from publishing import budget, claims, purposes
from publishing.channels import registry
from publishing.enqueue import _publisher, delivery_enqueue_send, enqueue_task
from publishing.models import ChannelState, Delivery
from publishing.sending import (
    Reconciliation,
    _finish,
    _record_sent,
    delivery_lookup,
    delivery_send,
    record_unknown,
)
from qa.models import Tip

logger = logging.getLogger("publishing.services")

Status = Delivery.Status
Kind = Delivery.ErrorKind

# Rows one sweep fans out, per kind of work.
SWEEP_FANOUT = 500
# A row the sweeper queued is queued again only after this long (its message
# may have been lost with the broker); sends queued meanwhile are no-ops anyway.
SWEEP_REQUEUE_AFTER = dt.timedelta(seconds=30)


def _lease_lapsed(now: dt.datetime) -> Q:
    # Rows claimed before leases existed have none: their claim time decides.
    stale = now - dt.timedelta(seconds=claims.lease_seconds())
    return Q(lease_expires_at__lt=now) | Q(lease_expires_at__isnull=True, claimed_at__lt=stale)


def _release(rows, *, now: dt.datetime) -> list[int]:
    """End the leases of these `sending` rows now (each one only if its claim
    has not changed meanwhile); returns the ids released."""
    released = []
    for pk, token in rows.values_list("pk", "claimed_at"):
        if Delivery.objects.filter(pk=pk, status=Status.SENDING, claimed_at=token).update(lease_expires_at=now):
            released.append(pk)
    return released


def deliveries_release_gone_holders() -> list[int]:
    """Rows whose holder this process can prove is gone (a sibling process
    of this worker that died, or an earlier boot of this node)."""
    now = timezone.now()
    held = Delivery.objects.filter(status=Status.SENDING, lease_expires_at__gte=now)
    gone = [pk for pk, holder in held.values_list("pk", "claimed_by") if claims.holder_is_gone(holder)]
    return _release(Delivery.objects.filter(pk__in=gone), now=now)


def deliveries_release_node(*, node: str, keep_boot: str = "") -> list[int]:
    """A worker node (re)started (keep_boot: its new boot) or stopped: the
    claims its other boots hold can have no living holder."""
    rows = Delivery.objects.filter(status=Status.SENDING, claimed_by__startswith=f"{node}|")
    if keep_boot:
        rows = rows.exclude(claimed_by__startswith=f"{node}|{keep_boot}|")
    return _release(rows, now=timezone.now())


def deliveries_release_boot(*, node: str, boot: str) -> list[int]:
    """A worker stopped: whatever this boot still holds, no one will finish."""
    rows = Delivery.objects.filter(status=Status.SENDING, claimed_by__startswith=f"{node}|{boot}|")
    return _release(rows, now=timezone.now())


def delivery_reconcile(*, delivery_id: int) -> str | None:
    """Settle a row whose sender is gone. Returns its new status, or None
    when it is not (or no longer) ours to reconcile."""
    now = timezone.now()
    taken = (
        Delivery.objects.filter(pk=delivery_id, status=Status.SENDING)
        .filter(_lease_lapsed(now))
        .update(claimed_at=now, claimed_by=claims.holder(), lease_expires_at=claims.lease_until(now), updated_at=now)
    )
    if not taken:
        return None
    delivery = Delivery.objects.select_related("tip").get(pk=delivery_id)
    with claims.lease_kept(delivery_id=delivery.pk, token=delivery.claimed_at):
        status = _reconcile(delivery)
    if status == Status.PENDING:
        # Proven absent: send it now, here, rather than behind every send
        # already queued (recovery in seconds). delivery_send claims it anew.
        outcome = delivery_send(delivery_id=delivery.pk)
        status = outcome.status if outcome is not None else status
    logger.info(
        "delivery=%s tip=%s channel=%s reconciled after a stuck send: %s",
        delivery.pk,
        delivery.tip_id,
        delivery.channel,
        status,
    )
    return status


def _reconcile(delivery: Delivery) -> str:
    channel = registry.get_channel(delivery.channel)
    found = delivery_lookup(delivery, channel)
    if found.remote is not None:
        return _record_sent(
            delivery, found.remote, text=purposes.composed_text(delivery, channel), reconciliation=Reconciliation.FOUND
        ).status
    if not found.absent:
        return record_unknown(delivery, found, what_happened="The worker stopped while sending.").status
    if _finish(
        delivery,
        status=Status.PENDING,
        scheduled_for=timezone.now(),
        error_kind=Kind.TRANSIENT,
        last_error="The worker stopped while sending; the network was searched back to the first attempt and "
        "has no such post, so it will be sent again.",
        reconciliation=Reconciliation.RESENT,
    ):
        return Status.PENDING
    return Status.SENDING


@dataclass(frozen=True)
class SweepReport:
    """The delivery ids one sweep handed to the queue, per kind of work."""

    released: list[int]
    reconciles: list[int]
    deletes: list[int]
    sends: list[int]


def deliveries_sweep() -> SweepReport:
    """The periodic safety net: enqueue a reconcile for every row whose sender
    is gone, a delete for every post of an unpublished tip still up (tip
    posts only: replies and likes have no tip), and a
    send for every due row (after releasing held rows that now fit their
    channel's budget)."""
    released = deliveries_release_gone_holders()
    # Held rows the cap now allows (raised, or a new month) become due below.
    budget.deliveries_release_all_held()
    now = timezone.now()
    lapsed = Delivery.objects.filter(status=Status.SENDING).filter(_lease_lapsed(now))
    to_reconcile = list(lapsed.order_by("lease_expires_at", "id").values_list("pk", flat=True)[:SWEEP_FANOUT])
    undeleted = (
        Delivery.objects.filter(
            purpose=Delivery.Purpose.POST, status=Status.SENT, deleted_at__isnull=True, delete_error=""
        )
        .exclude(remote_id="")
        .exclude(tip__status=Tip.Status.PUBLISHED)
    )
    to_delete = list(undeleted.values_list("pk", flat=True)[:SWEEP_FANOUT])
    due = (
        Delivery.objects.due(now=now)
        .exclude(channel__in=ChannelState.objects.filter(needs_reauth=True).values("kind"))
        .filter(Q(enqueued_at__isnull=True) | Q(enqueued_at__lt=now - SWEEP_REQUEUE_AFTER))
    )
    to_send = list(due.order_by("scheduled_for", "id").values_list("pk", flat=True)[:SWEEP_FANOUT])
    Delivery.objects.filter(pk__in=to_send).update(enqueued_at=now)
    with _publisher() as connection:
        for pk in to_reconcile:
            enqueue_task("reconcile_delivery", pk, connection=connection)
        for pk in to_delete:
            enqueue_task("delete_remote_post", pk, connection=connection)
        for pk in to_send:
            delivery_enqueue_send(delivery_id=pk, connection=connection)
    if to_reconcile or to_delete or to_send:
        logger.info(
            "sweep fanned out: reconcile=%s delete=%s send=%s (released=%s)",
            len(to_reconcile),
            len(to_delete),
            len(to_send),
            len(released),
        )
    return SweepReport(released=released, reconciles=to_reconcile, deletes=to_delete, sends=to_send)


def deliveries_recover_now(delivery_ids: list[int]) -> list[str | None]:
    """Reconcile these rows in this process, now (a worker that just started
    and released its previous boot's claims does not queue them behind the
    backlog)."""
    return [delivery_reconcile(delivery_id=pk) for pk in delivery_ids]
