"""What each kind of delivery sends, how it is looked up, and what follows its
success: a tip's post, one post of a reply, or a like.

The claim, lease, reconcile, retries, budget and audit trail (publishing.sending,
publishing.recovery, publishing.budget) are the same for all three; only the
points below differ, so every one of them dispatches on Delivery.purpose here.

- post: composed from the tip when sent (its text can change until then); an
  unpublished or deleted tip cancels it; its post is taken down when the tip
  goes. Looked up with channel.find(tip).
- reply: its exact text is in post_text from creation; sent with
  Post.in_reply_to; looked up with channel.find_reply(). Once part k is sent,
  part k+1 gets part k's remote id as its in_reply_to and is queued, so a
  thread goes out in order and a later part never answers the wrong post.
- like: channel.like(in_reply_to); a like is idempotent on the networks that
  have one, so channel.find_like() says a re-send is safe.
Tip-only rules (TipChannelSetting, tip_is_published, take-downs) never apply to
replies and likes.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from publishing import signals
from publishing.channels.base import FindResult, Post, PublishError, Remote
from publishing.enqueue import delivery_enqueue_send, enqueue_task
from publishing.models import Delivery, TipChannelSetting
from qa.models import Tip

logger = logging.getLogger("publishing.services")

Purpose = Delivery.Purpose
Status = Delivery.Status
Kind = Delivery.ErrorKind

_LINK = re.compile(r"https?://\S", re.IGNORECASE)


@dataclass(frozen=True)
class Skip:
    """Nothing is sent: the row is cancelled (`kind` empty) or fails with `kind` and `message`."""

    kind: str = ""
    message: str = ""
    code: str = ""


def tip_is_published(tip) -> bool:
    # Asked of the database: the caller may hold an instance older than the row.
    if tip is None:  # the tip was deleted
        return False
    return Tip.objects.filter(pk=tip.pk).published().exists()


def text_has_link(text: str) -> bool:
    """X bills a post that carries a URL many times more than one without."""
    return bool(_LINK.search(text or ""))


def _tip_setting(delivery: Delivery) -> TipChannelSetting | None:
    return TipChannelSetting.objects.filter(tip=delivery.tip, channel=delivery.channel).first()


def delivery_payload(delivery: Delivery, channel) -> Post | Skip:
    """What the network receives for this row, or why nothing is sent."""
    if delivery.purpose == Purpose.POST:
        return _tip_payload(delivery, channel)
    supported = channel.supports_likes if delivery.purpose == Purpose.LIKE else channel.supports_replies
    if not supported:
        return Skip(Kind.PERMANENT, f"The {channel.kind} channel cannot send a {delivery.purpose}.")
    if not channel.enabled:
        return Skip(Kind.DISABLED, "The channel is not configured: its credentials are missing.")
    if not delivery.in_reply_to:  # never claimed so (see DeliveryQuerySet.due): a guard, not a path
        return Skip(Kind.PERMANENT, "The post to answer is unknown.")
    return Post(text=delivery.post_text, link="", in_reply_to=delivery.in_reply_to)


def _tip_payload(delivery: Delivery, channel) -> Post | Skip:
    tip = delivery.tip
    if tip is None:  # deleted after the row was queued
        return Skip()
    setting = _tip_setting(delivery)
    ticked = setting.enabled if setting is not None else not channel.opt_in
    if not tip.is_published or not ticked:
        return Skip()
    if not channel.enabled:
        return Skip(Kind.DISABLED, "The channel is not configured: its credentials are missing.")
    try:
        return channel.compose(tip, text_override=setting.text_override if setting else "")
    except PublishError as error:
        return Skip(Kind.PERMANENT, error.message, error.code)


def network_call(delivery: Delivery, channel, post: Post) -> Remote:
    """The one call that may change the network; raises PublishError."""
    if delivery.purpose == Purpose.LIKE:
        channel.like(post.in_reply_to)
        # A like has no id of its own: the row keeps the post it liked.
        return Remote(id=post.in_reply_to, url="")
    return channel.send(post)


def post_carries_link(delivery: Delivery, post: Post) -> bool:
    if delivery.purpose == Purpose.POST:
        return bool(post.link)
    return text_has_link(post.text)


def lookup(delivery: Delivery, channel, *, since: dt.datetime) -> FindResult:
    """Search the network for what this row may have done (may raise: the caller guards)."""
    if delivery.purpose == Purpose.LIKE:
        return channel.find_like(delivery.in_reply_to, since=since)
    if delivery.purpose == Purpose.REPLY:
        if not delivery.in_reply_to:
            return FindResult.cannot_tell("the post this reply answers is unknown")
        return channel.find_reply(Post(text=delivery.post_text, link="", in_reply_to=delivery.in_reply_to), since=since)
    if delivery.tip is None:
        return FindResult.cannot_tell("the tip was deleted, so its post cannot be searched for")
    return channel.find(delivery.tip, since=since)


def composed_text(delivery: Delivery, channel) -> str:
    """What was (most likely) posted, for a row whose outcome was never recorded."""
    if delivery.purpose != Purpose.POST:
        return delivery.post_text
    if delivery.tip is None:  # the tip was deleted: its text is gone
        return ""
    setting = _tip_setting(delivery)
    try:
        return channel.compose(delivery.tip, text_override=setting.text_override if setting else "").text
    except PublishError:
        return ""


def after_sent(delivery: Delivery, remote: Remote) -> None:
    """Called once the row is recorded as sent (by its sender or a reconcile)."""
    if delivery.purpose == Purpose.POST:
        if not tip_is_published(delivery.tip):
            # Unpublished while the post was in flight: take it down again.
            enqueue_task("delete_remote_post", delivery.pk)
        return
    if delivery.purpose == Purpose.REPLY:
        _next_part_release(delivery, remote)
    for receiver, result in signals.delivery_sent.send_robust(sender=Delivery, delivery=delivery, remote=remote):
        if isinstance(result, Exception):
            # The row is sent whatever a listener does; its failure is logged, not raised.
            logger.error("delivery_sent receiver %r failed for delivery %s", receiver, delivery.pk, exc_info=result)


def _next_part_release(delivery: Delivery, remote: Remote) -> None:
    """Part k is on the network: part k+1 answers it, and may go now."""
    root_id = delivery.thread_root_id or delivery.pk
    now = timezone.now()
    following = Delivery.objects.filter(
        thread_root_id=root_id, part=delivery.part + 1, status=Status.PENDING, in_reply_to=""
    )
    ids = list(following.values_list("pk", flat=True))
    if ids and following.update(in_reply_to=remote.id, scheduled_for=now, updated_at=now):
        transaction.on_commit(lambda: [delivery_enqueue_send(delivery_id=pk) for pk in ids])


def later_parts_cancel(delivery: Delivery) -> int:
    """A cancelled reply part: the parts after it would answer nothing."""
    if delivery.purpose != Purpose.REPLY:
        return 0
    root_id = delivery.thread_root_id or delivery.pk
    return Delivery.objects.filter(
        thread_root_id=root_id, part__gt=delivery.part, status__in=[Status.PENDING, Status.HELD_BUDGET]
    ).update(status=Status.CANCELLED, updated_at=timezone.now())
