"""Sending deliveries: the claim, the network call, and recording what happened.

- At most once: a row is claimed (pending -> sending, committed) before the
  network call, with a conditional UPDATE that is atomic on SQLite and
  PostgreSQL; only the claim holder may record the outcome.
- A row stuck in sending, or a send that failed ambiguously (timeout, dropped
  connection), is looked up with channel.find() before anything is re-sent.
- A duplicate refusal is looked up too: when the network has our post it is
  recorded as sent, otherwise the row fails with kind "duplicate". Neither is
  ever retried.
- Enqueueing never raises: the sweeper finds every due row in the database, so
  a broker outage delays posts but never loses them.

publishing.services re-exports the public functions; callers use that module.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from publishing import notifications
from publishing.channels import registry
from publishing.channels.base import PublishError, Remote
from publishing.models import ChannelState, Delivery, TipChannelSetting
from publishing.scheduling import retry_delay
from qa.models import Tip

logger = logging.getLogger("publishing.services")

# Waits up to this long may be a Celery countdown; longer waits are left to
# scheduled_for and the sweeper (a long countdown on Redis outlives the
# visibility timeout and is delivered twice).
SHORT_WAIT_SECONDS = 300
SWEEP_BATCH = 200

Status = Delivery.Status
Kind = Delivery.ErrorKind


@dataclass(frozen=True)
class SendOutcome:
    delivery_id: int
    status: str
    retry_in: float | None = None


# --- Enqueueing (after commit, never raising) ------------------------------------------------


def enqueue_task(task_name: str, delivery_id: int, *, countdown: float | None = None) -> None:
    from publishing import tasks

    try:
        getattr(tasks, task_name).apply_async(args=[delivery_id], countdown=countdown or None)
    except Exception:
        # The row is in the database; the sweeper will pick it up once the
        # broker is back. Losing the publish over a broker outage is worse.
        logger.warning(
            "Could not enqueue %s for delivery %s; the sweeper will do it", task_name, delivery_id, exc_info=True
        )


def delivery_enqueue_send(*, delivery_id: int, countdown: float | None = None) -> None:
    enqueue_task("send_delivery", delivery_id, countdown=countdown)


def enqueue_sends_after_commit(deliveries: list[Delivery], *, now: dt.datetime) -> None:
    soon = []
    for delivery in deliveries:
        wait = (delivery.scheduled_for - now).total_seconds()
        if wait <= SHORT_WAIT_SECONDS:
            soon.append((delivery.pk, max(0.0, wait)))

    def enqueue():
        for pk, wait in soon:
            delivery_enqueue_send(delivery_id=pk, countdown=wait)

    if soon:
        transaction.on_commit(enqueue)


def tip_is_published(tip) -> bool:
    # Asked of the database: the caller may hold an instance older than the row.
    return Tip.objects.filter(pk=tip.pk).published().exists()


# --- Sending ---------------------------------------------------------------------------------------


def _channels_needing_reauth():
    return ChannelState.objects.filter(needs_reauth=True).values("kind")


def _delivery_claim(*, delivery_id: int | None, now: dt.datetime) -> Delivery | None:
    """pending -> sending, committed before any network call. select_for_update
    (skip_locked) keeps concurrent sweepers off each other's rows on PostgreSQL;
    the conditional UPDATE is what makes the claim atomic everywhere."""
    with transaction.atomic():
        due = Delivery.objects.due(now=now).exclude(channel__in=_channels_needing_reauth())
        if delivery_id is not None:
            due = due.filter(pk=delivery_id)
        pk = (
            due.select_for_update(skip_locked=True).order_by("scheduled_for", "id").values_list("pk", flat=True).first()
        )
        if pk is None:
            return None
        claimed = Delivery.objects.filter(pk=pk, status=Status.PENDING).update(
            status=Status.SENDING, claimed_at=now, attempts=F("attempts") + 1, updated_at=now
        )
    if not claimed:
        return None
    return Delivery.objects.select_related("tip").get(pk=pk)


def _finish(delivery: Delivery, **fields) -> bool:
    """Record an outcome, only if this worker still holds the claim (a row
    reconciled meanwhile belongs to someone else)."""
    fields.setdefault("updated_at", timezone.now())
    done = Delivery.objects.filter(pk=delivery.pk, status=Status.SENDING, claimed_at=delivery.claimed_at).update(
        **fields
    )
    if not done:
        logger.warning("Delivery %s changed hands while sending; outcome %s not recorded", delivery.pk, fields)
    return bool(done)


def _channel_state_update(kind: str, **fields) -> None:
    ChannelState.objects.get_or_create(kind=kind)
    ChannelState.objects.filter(kind=kind).update(updated_at=timezone.now(), **fields)


def _record_sent(delivery: Delivery, remote: Remote, *, text: str, note: str = "") -> SendOutcome:
    now = timezone.now()
    if _finish(
        delivery,
        status=Status.SENT,
        sent_at=now,
        remote_id=remote.id,
        remote_url=remote.url,
        post_text=text,
        last_error=note,
        error_code="",
        error_kind=Kind.NONE,
    ):
        _channel_state_update(delivery.channel, last_success_at=now)
        if not tip_is_published(delivery.tip):
            # Unpublished while the post was in flight: take it down again.
            enqueue_task("delete_remote_post", delivery.pk)
    return SendOutcome(delivery.pk, Status.SENT)


def _record_failure(
    delivery: Delivery, *, status: str, kind: str, message: str, code: str = "", retry_in: float | None = None
) -> SendOutcome:
    now = timezone.now()
    fields = {"status": status, "error_kind": kind, "last_error": message, "error_code": code}
    if retry_in is not None:
        fields["scheduled_for"] = now + dt.timedelta(seconds=retry_in)
    _finish(delivery, **fields)
    _channel_state_update(delivery.channel, last_error=message, last_error_at=now)
    return SendOutcome(delivery.pk, status, retry_in)


def _record_transient(
    delivery: Delivery, *, message: str, code: str = "", retry_after: float | None = None
) -> SendOutcome:
    if delivery.attempts >= settings.PUBLISHING_MAX_ATTEMPTS:
        return _record_failure(
            delivery,
            status=Status.FAILED,
            kind=Kind.TRANSIENT,
            code=code,
            message=f"Gave up after {delivery.attempts} attempts. Last error: {message}",
        )
    wait = retry_after if retry_after is not None else retry_delay(attempts=delivery.attempts)
    kind = Kind.RATE_LIMITED if retry_after is not None else Kind.TRANSIENT
    return _record_failure(
        delivery, status=Status.PENDING, kind=kind, message=message, code=code, retry_in=max(0.0, wait)
    )


def _record_error(delivery: Delivery, channel, error: PublishError, *, text: str) -> SendOutcome:
    if error.duplicate:
        try:
            remote = channel.find(delivery.tip)
        except Exception:
            remote = None
        if remote is not None:
            return _record_sent(delivery, remote, text=text, note="The network already had this post; it was recorded.")
        return _record_failure(
            delivery, status=Status.FAILED, kind=Kind.DUPLICATE, message=error.message, code=error.code
        )
    if error.needs_reauth:
        outcome = _record_failure(
            delivery, status=Status.FAILED, kind=Kind.NEEDS_REAUTH, message=error.message, code=error.code
        )
        channel_mark_needs_reauth(kind=delivery.channel, message=error.message)
        return outcome
    if error.permanent:
        return _record_failure(
            delivery, status=Status.FAILED, kind=Kind.PERMANENT, message=error.message, code=error.code
        )
    if error.ambiguous:
        return _record_ambiguous(
            delivery, channel, message=error.message, code=error.code, text=text, retry_after=error.retry_after
        )
    return _record_transient(delivery, message=error.message, code=error.code, retry_after=error.retry_after)


def channel_mark_needs_reauth(*, kind: str, message: str) -> None:
    """Flag the channel (its deliveries wait) and e-mail staff the first time."""
    ChannelState.objects.get_or_create(kind=kind)
    newly_flagged = ChannelState.objects.filter(kind=kind, needs_reauth=False).update(
        needs_reauth=True, updated_at=timezone.now()
    )
    if newly_flagged:
        transaction.on_commit(lambda: notifications.staff_channel_needs_reauth(kind=kind, message=message))


def _record_ambiguous(
    delivery: Delivery, channel, *, message: str, text: str, code: str = "", retry_after: float | None = None
) -> SendOutcome:
    """The send failed in a way that does not say whether the post exists
    (a timeout, a dropped connection): look before trying again."""
    try:
        remote = channel.find(delivery.tip)
    except Exception as lookup_error:
        return _record_failure(
            delivery,
            status=Status.UNKNOWN,
            kind=Kind.LOOKUP_FAILED,
            code=code,
            message=f"Sending failed ({message}) and the network could not be asked whether the post exists "
            f"({lookup_error}). Check the account, then use “send anyway” if the post is missing.",
        )
    if remote is not None:
        return _record_sent(delivery, remote, text=text)
    return _record_transient(delivery, message=message, code=code, retry_after=retry_after)


def _delivery_post(delivery: Delivery) -> SendOutcome:
    tip = delivery.tip
    setting = TipChannelSetting.objects.filter(tip=tip, channel=delivery.channel).first()
    if not tip.is_published or (setting is not None and not setting.enabled):
        _finish(delivery, status=Status.CANCELLED)
        return SendOutcome(delivery.pk, Status.CANCELLED)
    channel = registry.get_channel(delivery.channel)
    if not channel.enabled:
        return _record_failure(
            delivery,
            status=Status.FAILED,
            kind=Kind.DISABLED,
            message="The channel is not configured: its credentials are missing.",
        )
    try:
        post = channel.compose(tip, text_override=setting.text_override if setting else "")
    except PublishError as error:
        return _record_failure(
            delivery, status=Status.FAILED, kind=Kind.PERMANENT, message=error.message, code=error.code
        )
    try:
        remote = channel.send(post)
    except PublishError as error:
        return _record_error(delivery, channel, error, text=post.text)
    except Exception as error:
        logger.exception("Unexpected error sending delivery %s", delivery.pk)
        return _record_ambiguous(delivery, channel, message=f"Unexpected error: {error}", text=post.text)
    return _record_sent(delivery, remote, text=post.text)


def delivery_send(*, delivery_id: int | None = None) -> SendOutcome | None:
    """Claim a due delivery (this one, or the next due one) and post it.
    Returns None when there was nothing to claim: not due, or someone else
    has it. Safe to call twice for the same row."""
    delivery = _delivery_claim(delivery_id=delivery_id, now=timezone.now())
    if delivery is None:
        return None
    started = time.monotonic()
    outcome = _delivery_post(delivery)
    logger.info(
        "delivery=%s tip=%s channel=%s attempt=%s outcome=%s retry_in=%s duration_ms=%d",
        delivery.pk,
        delivery.tip_id,
        delivery.channel,
        delivery.attempts,
        outcome.status,
        None if outcome.retry_in is None else round(outcome.retry_in, 1),
        (time.monotonic() - started) * 1000,
    )
    return outcome


def delivery_reconcile(*, delivery_id: int) -> str | None:
    """A row stuck in `sending` (its worker died): ask the network whether the
    post exists before anything else. Returns the new status."""
    now = timezone.now()
    cutoff = now - dt.timedelta(seconds=settings.PUBLISHING_SENDING_TIMEOUT_SECONDS)
    # Taking the claim over means two sweepers never reconcile one row twice.
    if not Delivery.objects.filter(pk=delivery_id, status=Status.SENDING, claimed_at__lt=cutoff).update(
        claimed_at=now, updated_at=now
    ):
        return None
    delivery = Delivery.objects.select_related("tip").get(pk=delivery_id)
    status = _reconcile(delivery)
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
    try:
        remote = channel.find(delivery.tip)
    except Exception as error:
        return _record_failure(
            delivery,
            status=Status.UNKNOWN,
            kind=Kind.LOOKUP_FAILED,
            message=f"The worker stopped while sending, and the network could not be asked whether the post "
            f"exists ({error}). Check the account, then use “send anyway” if the post is missing.",
        ).status
    if remote is not None:
        return _record_sent(delivery, remote, text=delivery.post_text).status
    _finish(
        delivery,
        status=Status.PENDING,
        scheduled_for=timezone.now(),
        error_kind=Kind.TRANSIENT,
        last_error="The worker stopped while sending and the network has no such post; it will be sent again.",
    )
    delivery_enqueue_send(delivery_id=delivery.pk)
    return Status.PENDING


def delivery_delete_remote(*, delivery_id: int) -> None:
    """Take a sent post down because its tip was unpublished; record the result."""
    delivery = Delivery.objects.select_related("tip").get(pk=delivery_id)
    if delivery.status != Status.SENT or delivery.deleted_at or not delivery.remote_id or delivery.tip.is_published:
        return
    try:
        registry.get_channel(delivery.channel).delete(Remote(id=delivery.remote_id, url=delivery.remote_url))
    except Exception as error:
        logger.warning("Could not delete delivery %s from %s: %s", delivery.pk, delivery.channel, error)
        Delivery.objects.filter(pk=delivery.pk).update(
            delete_error=str(error) or repr(error), updated_at=timezone.now()
        )
        return
    Delivery.objects.filter(pk=delivery.pk).update(
        deleted_at=timezone.now(), delete_error="", updated_at=timezone.now()
    )


def deliveries_sweep(*, budget_seconds: float = 45.0) -> list[SendOutcome]:
    """The periodic safety net: reconcile rows stuck in `sending`, retry
    remote deletes that never ran, then send due rows until none is left or
    the time budget is spent."""
    cutoff = timezone.now() - dt.timedelta(seconds=settings.PUBLISHING_SENDING_TIMEOUT_SECONDS)
    stuck = Delivery.objects.filter(status=Status.SENDING, claimed_at__lt=cutoff)
    for pk in list(stuck.values_list("pk", flat=True)[:SWEEP_BATCH]):
        delivery_reconcile(delivery_id=pk)
    undeleted = (
        Delivery.objects.filter(status=Status.SENT, deleted_at__isnull=True, delete_error="")
        .exclude(remote_id="")
        .exclude(tip__status=Tip.Status.PUBLISHED)
    )
    for pk in list(undeleted.values_list("pk", flat=True)[:SWEEP_BATCH]):
        delivery_delete_remote(delivery_id=pk)
    outcomes = []
    deadline = time.monotonic() + budget_seconds
    while len(outcomes) < SWEEP_BATCH and time.monotonic() < deadline:
        outcome = delivery_send()
        if outcome is None:
            break
        outcomes.append(outcome)
    return outcomes
