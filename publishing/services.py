"""Services for the publishing pipeline: the outbox and staff actions.

- Publishing a tip creates one Delivery per enabled channel in the same
  transaction (the outbox); the send is enqueued only after commit.
- Edits never repost, republishing never reposts; only "post again" does.
- Tips published together are spread out by the drip (publishing.scheduling).
- Replies and likes (reply_enqueue, like_enqueue) are rows of the same outbox,
  sent by the same claim, lease, reconcile, retries and budget, outside the drip
  (publishing.purposes says what differs).

Sending itself (claim, network call, outcomes, reconciliation, sweep) lives in
publishing.sending and is re-exported here, so callers need one module.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from publishing.budget import (  # noqa: F401  (re-exported)
    channel_set_monthly_cap,
    deliveries_release_all_held,
    deliveries_release_held,
)
from publishing.channels import registry
from publishing.enqueue import (  # noqa: F401  (re-exported)
    SHORT_WAIT_SECONDS,
    delivery_enqueue_send,
    enqueue_sends_after_commit,
    enqueue_task,
)
from publishing.models import ChannelState, Delivery, TipChannelSetting
from publishing.purposes import later_parts_cancel, text_has_link
from publishing.recovery import (  # noqa: F401  (re-exported)
    SweepReport,
    deliveries_recover_now,
    deliveries_release_boot,
    deliveries_release_gone_holders,
    deliveries_release_node,
    deliveries_sweep,
    delivery_reconcile,
)
from publishing.scheduling import next_slot
from publishing.sending import (  # noqa: F401  (re-exported)
    SendOutcome,
    channel_mark_needs_reauth,
    delivery_delete_remote,
    delivery_send,
    tip_is_published,
)

Status = Delivery.Status
Kind = Delivery.ErrorKind


# --- The outbox ------------------------------------------------------------------------------------


def _reset_fields(scheduled_for: dt.datetime) -> dict:
    return {
        "status": Status.PENDING,
        "scheduled_for": scheduled_for,
        "attempts": 0,
        "remote_id": "",
        "remote_url": "",
        "post_text": "",
        "last_error": "",
        "error_code": "",
        "error_kind": Kind.NONE,
        "claimed_at": None,
        "claimed_by": "",
        "lease_expires_at": None,
        "first_claimed_at": None,
        "enqueued_at": None,
        "reconciliation": Delivery.Reconciliation.NONE,
        "sent_at": None,
        "deleted_at": None,
        "delete_error": "",
        "budget_month": None,
    }


@transaction.atomic
def _delivery_schedule(*, tip, kind: str, now: dt.datetime, immediate: bool, repost: bool) -> Delivery | None:
    """Create (or revive) the tip's delivery on `kind`, in its drip slot.

    Returns None when the row must stay as it is: republishing never posts
    again, unless staff asked for it (`repost`)."""
    # Locking the channel's state row serialises slot assignment, so tips
    # published at the same moment get distinct slots.
    ChannelState.objects.get_or_create(kind=kind)
    ChannelState.objects.select_for_update().get(kind=kind)
    delivery = Delivery.objects.select_for_update().filter(tip=tip, channel=kind).first()
    if delivery is not None:
        never_posted = delivery.status == Status.CANCELLED and delivery.sent_at is None
        if delivery.status == Status.SENDING or not (repost or never_posted):
            return None
    scheduled_for = now if immediate else next_slot(kind=kind, now=now, last_post=Delivery.objects.last_post_time(kind))
    if delivery is None:
        return Delivery.objects.create(tip=tip, channel=kind, scheduled_for=scheduled_for, created_at=now)
    for name, value in _reset_fields(scheduled_for).items():
        setattr(delivery, name, value)
    delivery.save()
    return delivery


def _tip_channels(tip) -> list[str]:
    """The enabled channels this tip goes to: all but those staff unticked,
    and opt-in channels (LINE) only where staff ticked them."""
    ticked = dict(TipChannelSetting.objects.filter(tip=tip).values_list("channel", "enabled"))
    return [channel.kind for channel in registry.enabled_channels() if ticked.get(channel.kind, not channel.opt_in)]


def _deliveries_schedule(*, tip, immediate: bool, repost: bool) -> list[Delivery]:
    now = timezone.now()
    scheduled = []
    for kind in _tip_channels(tip):
        delivery = _delivery_schedule(tip=tip, kind=kind, now=now, immediate=immediate, repost=repost)
        if delivery is not None:
            scheduled.append(delivery)
    enqueue_sends_after_commit(scheduled, now=now)
    return scheduled


def deliveries_create_for_tip(*, tip) -> list[Delivery]:
    """Queue a just-published tip on every enabled channel, in drip order.
    Called by qa.services.tip_publish inside its transaction."""
    return _deliveries_schedule(tip=tip, immediate=False, repost=False)


@transaction.atomic
def deliveries_withdraw_for_tip(*, tip) -> None:
    """Called by qa.services.tip_unpublish: pending posts are cancelled, and
    posts already sent are deleted from the networks after commit."""
    now = timezone.now()
    Delivery.objects.filter(tip=tip, status__in=[Status.PENDING, Status.HELD_BUDGET]).update(
        status=Status.CANCELLED, updated_at=now
    )
    to_delete = list(
        Delivery.objects.filter(tip=tip, status=Status.SENT, deleted_at__isnull=True)
        .exclude(remote_id="")
        .values_list("pk", flat=True)
    )
    transaction.on_commit(lambda: [enqueue_task("delete_remote_post", pk) for pk in to_delete])


@transaction.atomic
def deliveries_withdraw_for_deleted_tip(*, tip) -> None:
    """Called by qa.services.tip_delete before the tip goes: its posts are
    withdrawn exactly as unpublishing does, and every delivery keeps the
    tip's title, because the rows outlive the tip (tip becomes NULL) as the
    audit of what was posted and taken down."""
    Delivery.objects.filter(tip=tip).update(tip_title=tip.title, updated_at=timezone.now())
    deliveries_withdraw_for_tip(tip=tip)


# --- Replies and likes ---------------------------------------------------------------------------


def _replies_check(kind: str, *, likes: bool = False):
    channel = registry.get_channel(kind)
    supported = channel.supports_likes if likes else channel.supports_replies
    if not supported:
        raise ValueError(f"The {kind} channel cannot send {'likes' if likes else 'replies'}.")
    return channel


def reply_enqueue(*, channel: str, in_reply_to: str, parts: list[str]) -> Delivery:
    """Queue a reply to the remote post `in_reply_to` on `channel`: one row per
    post (at most the channel's reply_max_parts), each with its exact text;
    part 1 is sent at once, part k+1 once part k is sent, answering it.
    Returns part 1. Callers check the content (length, personal data, who may
    be answered); this refuses only what the outbox cannot do. The send is
    enqueued after commit."""
    network = _replies_check(channel)
    texts = [part for part in parts if part.strip()]
    if not in_reply_to:
        raise ValueError("A reply needs the remote id of the post it answers.")
    if not texts or len(texts) > network.reply_max_parts:
        raise ValueError(f"A reply on {channel} is 1 to {network.reply_max_parts} posts, not {len(texts)}.")
    now = timezone.now()
    with transaction.atomic():
        first = Delivery.objects.create(
            purpose=Delivery.Purpose.REPLY,
            channel=channel,
            in_reply_to=in_reply_to,
            post_text=texts[0],
            post_has_link=text_has_link(texts[0]),
            scheduled_for=now,
            created_at=now,
        )
        for number, text in enumerate(texts[1:], start=2):
            Delivery.objects.create(
                purpose=Delivery.Purpose.REPLY,
                channel=channel,
                thread_root=first,
                part=number,
                post_text=text,
                post_has_link=text_has_link(text),
                scheduled_for=now,
                created_at=now,
            )
        enqueue_sends_after_commit([first], now=now)
    return first


def like_enqueue(*, channel: str, remote_id: str) -> Delivery:
    """Queue a like of the remote post `remote_id` on `channel` (sent after commit)."""
    _replies_check(channel, likes=True)
    if not remote_id:
        raise ValueError("A like needs the remote id of the post it likes.")
    now = timezone.now()
    with transaction.atomic():
        like = Delivery.objects.create(
            purpose=Delivery.Purpose.LIKE,
            channel=channel,
            in_reply_to=remote_id,
            post_has_link=False,
            scheduled_for=now,
            created_at=now,
        )
        enqueue_sends_after_commit([like], now=now)
    return like


# --- Staff actions ---------------------------------------------------------------------------------


def tip_post_now(*, tip) -> int:
    """Send the tip's waiting posts now, skipping the drip. Creates missing
    deliveries (e.g. a tip published without announcement). Returns how many."""
    if not tip_is_published(tip):
        return 0
    with transaction.atomic():
        now = timezone.now()
        waiting = list(Delivery.objects.select_for_update().filter(tip=tip, status=Status.PENDING))
        Delivery.objects.filter(pk__in=[d.pk for d in waiting]).update(scheduled_for=now, updated_at=now)
        for delivery in waiting:
            delivery.scheduled_for = now
        created = _deliveries_schedule_missing(tip=tip, now=now)
        enqueue_sends_after_commit(waiting + created, now=now)
    return len(waiting) + len(created)


def _deliveries_schedule_missing(*, tip, now) -> list[Delivery]:
    existing = set(Delivery.objects.filter(tip=tip).values_list("channel", flat=True))
    created = []
    for kind in _tip_channels(tip):
        if kind not in existing:
            created.append(_delivery_schedule(tip=tip, kind=kind, now=now, immediate=True, repost=False))
    return created


def tip_post_again(*, tip) -> int:
    """Staff explicitly ask to post a published tip again: every delivery
    (except one being sent right now) is reset and scheduled in the drip."""
    if not tip_is_published(tip):
        return 0
    with transaction.atomic():
        return len(_deliveries_schedule(tip=tip, immediate=False, repost=True))


def _delivery_requeue(*, delivery: Delivery, allowed: set[str]) -> bool:
    now = timezone.now()
    with transaction.atomic():
        changed = Delivery.objects.filter(pk=delivery.pk, status__in=allowed).update(
            status=Status.PENDING,
            scheduled_for=now,
            attempts=0,
            last_error="",
            error_code="",
            error_kind=Kind.NONE,
            claimed_at=None,
            lease_expires_at=None,
            # Staff checked the network (or the row failed before posting):
            # a later look-up searches from the next attempt on.
            first_claimed_at=None,
            updated_at=now,
        )
        if changed:
            transaction.on_commit(lambda: delivery_enqueue_send(delivery_id=delivery.pk))
    return bool(changed)


def delivery_retry_now(*, delivery: Delivery) -> bool:
    """A failed or waiting delivery is tried again now, with a fresh attempt budget."""
    return _delivery_requeue(delivery=delivery, allowed={Status.FAILED, Status.PENDING})


def delivery_send_anyway(*, delivery: Delivery) -> bool:
    """Staff checked the network by hand and saw no post: send an `unknown` one."""
    return _delivery_requeue(delivery=delivery, allowed={Status.UNKNOWN})


@transaction.atomic
def delivery_cancel(*, delivery: Delivery) -> bool:
    """Cancel a row that was not sent (or may not have been); the later parts
    of a cancelled reply go with it (they would answer nothing)."""
    cancelled = Delivery.objects.filter(
        pk=delivery.pk, status__in=[Status.PENDING, Status.HELD_BUDGET, Status.FAILED, Status.UNKNOWN]
    ).update(status=Status.CANCELLED, updated_at=timezone.now())
    if cancelled:
        later_parts_cancel(delivery)
    return bool(cancelled)


def channel_clear_reauth(*, kind: str) -> None:
    """Staff fixed the credentials: waiting deliveries go out at the next sweep."""
    ChannelState.objects.filter(kind=kind).update(needs_reauth=False, updated_at=timezone.now())
