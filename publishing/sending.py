"""Sending deliveries: the claim, the network call, and recording what happened.

- At most once: a row is claimed (pending -> sending, committed) before the
  network call, with a conditional UPDATE that is atomic on SQLite and
  PostgreSQL; only the claim holder may record the outcome. The holder and a
  short lease renewed while it works are recorded (publishing.claims).
- A send that failed ambiguously (timeout, dropped connection, 5xx) is looked
  up with channel.find() back to the row's first claim before anything is
  re-sent: only a search that went back past that moment and found nothing
  (proof of absence) allows a new attempt; a look-up that fails or hits its
  page limit makes the row `unknown` with the reason, for staff.
- A duplicate refusal is looked up too: when the network has our post it is
  recorded as sent, otherwise the row fails with kind "duplicate". Neither is
  ever retried.
- Enqueueing (publishing.enqueue) never raises and never waits on the broker.

Rows whose holder died are recovered in publishing.recovery.
publishing.services re-exports the public functions; callers use that module.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
import uuid
from dataclasses import dataclass, replace

from django.conf import settings
from django.db import transaction
from django.db.models import DateTimeField, F, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from publishing import budget, claims, notifications, purposes
from publishing.channels import registry
from publishing.channels.base import FindResult, PublishError, Remote
from publishing.models import ChannelState, Delivery
from publishing.purposes import tip_is_published
from publishing.scheduling import retry_delay

logger = logging.getLogger("publishing.services")

# Posts made by any attempt are newer than the row's first claim; search a
# little further back, for clock differences between us and the network.
LOOKUP_CLOCK_MARGIN = dt.timedelta(minutes=2)

Status = Delivery.Status
Kind = Delivery.ErrorKind
Reconciliation = Delivery.Reconciliation


@dataclass(frozen=True)
class SendOutcome:
    delivery_id: int
    status: str
    retry_in: float | None = None


# --- Sending ---------------------------------------------------------------------------------------


def _channels_needing_reauth():
    return ChannelState.objects.filter(needs_reauth=True).values("kind")


def _delivery_claim(*, delivery_id: int | None, now: dt.datetime) -> Delivery | None:
    """pending -> sending, committed before any network call. select_for_update
    (skip_locked) keeps concurrent sweepers off each other's rows on PostgreSQL;
    the conditional UPDATE is what makes the claim atomic everywhere. A row
    over its channel's monthly cap is held instead (publishing.budget)."""
    with transaction.atomic():
        due = Delivery.objects.due(now=now).exclude(channel__in=_channels_needing_reauth())
        if delivery_id is not None:
            due = due.filter(pk=delivery_id)
        row = (
            due.select_for_update(skip_locked=True)
            .order_by("scheduled_for", "id")
            .values_list("pk", "channel", "purpose")
            .first()
        )
        if row is None:
            return None
        pk, kind, purpose = row
        # The cap counts posts (replies included: X bills them alike); a like
        # is not one, so it neither waits for the cap nor counts against it.
        month = None if purpose == Delivery.Purpose.LIKE else budget.month_of(now)
        if month is not None and not budget.claim_allowed(kind=kind, month=month):
            budget.delivery_hold(
                delivery_id=pk,
                kind=kind,
                month=month,
                error_kind=Kind.BUDGET_CAP,
                message=budget.cap_message(kind, budget.monthly_cap(kind)),
            )
            return None
        claimed = Delivery.objects.filter(pk=pk, status=Status.PENDING).update(
            status=Status.SENDING,
            budget_month=month,
            claimed_at=now,
            claimed_by=claims.holder(),
            lease_expires_at=claims.lease_until(now),
            first_claimed_at=Coalesce("first_claimed_at", Value(now, output_field=DateTimeField())),
            attempts=F("attempts") + 1,
            updated_at=now,
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


def _record_sent(
    delivery: Delivery,
    remote: Remote,
    *,
    text: str,
    note: str = "",
    reconciliation: str | None = None,
    has_link: bool | None = None,
) -> SendOutcome:
    now = timezone.now()
    if remote.existing:
        # The network had accepted an earlier attempt (a retry key it knew).
        reconciliation = Reconciliation.FOUND
        note = note or "The network had already accepted this post from an earlier attempt; it was recorded."
    fields = {} if reconciliation is None else {"reconciliation": reconciliation}
    if has_link is not None:  # else (found by a look-up) the row keeps what it knew
        fields["post_has_link"] = has_link
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
        **fields,
    ):
        _channel_state_update(delivery.channel, last_success_at=now)
        purposes.after_sent(delivery, remote)
    return SendOutcome(delivery.pk, Status.SENT)


def _record_failure(
    delivery: Delivery,
    *,
    status: str,
    kind: str,
    message: str,
    code: str = "",
    retry_in: float | None = None,
    reconciliation: str | None = None,
) -> SendOutcome:
    now = timezone.now()
    fields = {"status": status, "error_kind": kind, "last_error": message, "error_code": code}
    if reconciliation is not None:
        fields["reconciliation"] = reconciliation
    if retry_in is not None:
        fields["scheduled_for"] = now + dt.timedelta(seconds=retry_in)
    _finish(delivery, **fields)
    _channel_state_update(delivery.channel, last_error=message, last_error_at=now)
    return SendOutcome(delivery.pk, status, retry_in)


def _record_transient(
    delivery: Delivery,
    *,
    message: str,
    code: str = "",
    retry_after: float | None = None,
    reconciliation: str | None = None,
) -> SendOutcome:
    if delivery.attempts >= settings.PUBLISHING_MAX_ATTEMPTS:
        return _record_failure(
            delivery,
            status=Status.FAILED,
            kind=Kind.TRANSIENT,
            code=code,
            message=f"Gave up after {delivery.attempts} attempts. Last error: {message}",
            reconciliation=reconciliation,
        )
    wait = retry_after if retry_after is not None else retry_delay(attempts=delivery.attempts)
    kind = Kind.RATE_LIMITED if retry_after is not None else Kind.TRANSIENT
    return _record_failure(
        delivery,
        status=Status.PENDING,
        kind=kind,
        message=message,
        code=code,
        retry_in=max(0.0, wait),
        reconciliation=reconciliation,
    )


def _record_error(delivery: Delivery, channel, error: PublishError, *, text: str) -> SendOutcome:
    if error.over_budget:
        held = budget.delivery_hold(
            delivery_id=delivery.pk,
            kind=delivery.channel,
            month=budget.month_of(timezone.now()),
            error_kind=Kind.NETWORK_QUOTA,
            message=error.message,
            fence=delivery.claimed_at,
        )
        if held:
            _channel_state_update(delivery.channel, last_error=error.message, last_error_at=timezone.now())
        return SendOutcome(delivery.pk, Status.HELD_BUDGET)
    if error.duplicate:
        found = delivery_lookup(delivery, channel)
        if found.remote is not None:
            return _record_sent(
                delivery,
                found.remote,
                text=text,
                note="The network already had this post; it was recorded.",
                reconciliation=Reconciliation.FOUND,
            )
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


def delivery_lookup(delivery: Delivery, channel) -> FindResult:
    """Search the network for the delivery's post (its reply, its like), back
    to its first claim. Never raises: whatever goes wrong is a result that
    cannot tell."""
    since = (delivery.first_claimed_at or delivery.claimed_at or timezone.now()) - LOOKUP_CLOCK_MARGIN
    try:
        return purposes.lookup(delivery, channel, since=since)
    except Exception as error:
        logger.exception("find() failed for delivery %s", delivery.pk)
        return FindResult.cannot_tell(f"the look-up failed: {error}")


def record_unknown(delivery: Delivery, found: FindResult, *, what_happened: str, code: str = "") -> SendOutcome:
    """The network could not tell us whether the post exists: never send
    blindly, tell staff why."""
    return _record_failure(
        delivery,
        status=Status.UNKNOWN,
        kind=Kind.SEARCH_LIMIT if found.limit_reached else Kind.LOOKUP_FAILED,
        code=code,
        message=f"{what_happened} Whether the post exists could not be proven: {found.reason}. "
        "Check the account, then use “send anyway” if the post is missing.",
        reconciliation=Reconciliation.UNKNOWN,
    )


def _record_ambiguous(
    delivery: Delivery, channel, *, message: str, text: str, code: str = "", retry_after: float | None = None
) -> SendOutcome:
    """The send failed in a way that does not say whether the post exists
    (a timeout, a dropped connection): look before trying again."""
    found = delivery_lookup(delivery, channel)
    if found.remote is not None:
        return _record_sent(delivery, found.remote, text=text, reconciliation=Reconciliation.FOUND)
    if not found.absent:
        return record_unknown(delivery, found, what_happened=f"Sending failed ({message}).", code=code)
    return _record_transient(
        delivery, message=message, code=code, retry_after=retry_after, reconciliation=Reconciliation.RESENT
    )


def _delivery_post(delivery: Delivery) -> SendOutcome:
    channel = registry.get_channel(delivery.channel)
    post = purposes.delivery_payload(delivery, channel)
    if isinstance(post, purposes.Skip):
        if not post.kind:
            _finish(delivery, status=Status.CANCELLED)
            return SendOutcome(delivery.pk, Status.CANCELLED)
        return _record_failure(delivery, status=Status.FAILED, kind=post.kind, message=post.message, code=post.code)
    if _idempotency_expired(delivery, channel):
        found = delivery_lookup(delivery, channel)
        if found.remote is not None:
            return _record_sent(delivery, found.remote, text=post.text, reconciliation=Reconciliation.FOUND)
        if not found.absent:
            return record_unknown(
                delivery, found, what_happened="An earlier attempt may have posted, and its retry key has expired."
            )
    post = replace(
        post,
        idempotency_key=delivery_idempotency_key(delivery),
        first_attempt_at=delivery.first_claimed_at or delivery.claimed_at,
    )
    try:
        remote = purposes.network_call(delivery, channel, post)
    except PublishError as error:
        return _record_error(delivery, channel, error, text=post.text)
    except Exception as error:
        logger.exception("Unexpected error sending delivery %s", delivery.pk)
        return _record_ambiguous(delivery, channel, message=f"Unexpected error: {error}", text=post.text)
    return _record_sent(delivery, remote, text=post.text, has_link=purposes.post_carries_link(delivery, post))


def _idempotency_expired(delivery: Delivery, channel) -> bool:
    """An earlier attempt's outcome was unknown (the row was re-sent after a
    look-up that relied on the network's idempotency key), and that key is now
    older than the network keeps it: the next attempt would not be deduplicated."""
    window = channel.idempotency_window
    first = delivery.first_claimed_at
    if window is None or first is None or delivery.reconciliation != Reconciliation.RESENT:
        return False
    return timezone.now() - first >= window


def delivery_idempotency_key(delivery: Delivery) -> str:
    """The same UUID for every attempt at this delivery since it was (re)queued
    (its first claim is kept across retries and reconciles), a new one after
    staff "send anyway" or "post again"."""
    first = delivery.first_claimed_at or delivery.claimed_at
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"{settings.SITE_URL}/deliveries/{delivery.pk}/{first.isoformat()}"))


def delivery_send(*, delivery_id: int | None = None) -> SendOutcome | None:
    """Claim a due delivery (this one, or the next due one) and post it (or
    the reply, or the like).
    Returns None when there was nothing to claim: not due, or someone else
    has it. Safe to call twice for the same row."""
    delivery = _delivery_claim(delivery_id=delivery_id, now=timezone.now())
    if delivery is None:
        return None
    started = time.monotonic()
    with claims.lease_kept(delivery_id=delivery.pk, token=delivery.claimed_at):
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


def delivery_delete_remote(*, delivery_id: int) -> None:
    """Take a sent post down because its tip was unpublished or deleted; record the result."""
    delivery = Delivery.objects.select_related("tip").filter(pk=delivery_id, purpose=Delivery.Purpose.POST).first()
    if delivery is None or delivery.status != Status.SENT or delivery.deleted_at or not delivery.remote_id:
        return
    if tip_is_published(delivery.tip):
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
