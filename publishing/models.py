"""Deliveries (the outbox: tip posts, replies and likes), per-tip channel settings and channel health.

Models hold data and constraints only; publishing.services makes every change.
"""

import datetime as dt

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from qa.models import Tip


class DeliveryQuerySet(models.QuerySet):
    def due(self, *, now):
        # A later part of a threaded reply waits for the part before it to be
        # sent (which sets its in_reply_to).
        return self.filter(status=Delivery.Status.PENDING, scheduled_for__lte=now).exclude(
            purpose=Delivery.Purpose.REPLY, in_reply_to=""
        )

    def backlog(self):
        """Rows staff may need to look at or wait for."""
        return self.filter(
            status__in=[
                Delivery.Status.PENDING,
                Delivery.Status.HELD_BUDGET,
                Delivery.Status.FAILED,
                Delivery.Status.UNKNOWN,
            ]
        )

    def counted_in_month(self, *, kind: str, month: dt.date):
        """The posts a channel made (or may have made) in `month`: rows
        claimed in that month that are being sent, were sent, or may have
        been (unknown). Retries, failures and cancels cost nothing. Replies
        are posts (X bills them alike); a like is claimed without a month, so
        it is not counted."""
        return self.filter(
            channel=kind,
            budget_month=month,
            status__in=[Delivery.Status.SENDING, Delivery.Status.SENT, Delivery.Status.UNKNOWN],
        )

    def last_post_time(self, kind: str) -> dt.datetime | None:
        """The channel's latest scheduled or sent tip post: the drip counts from
        here (replies and likes go out when staff send them, outside the drip)."""
        times = (
            self.filter(channel=kind, purpose=Delivery.Purpose.POST)
            .exclude(status=Delivery.Status.CANCELLED)
            .aggregate(scheduled=models.Max("scheduled_for"), sent=models.Max("sent_at"))
        )
        present = [value for value in times.values() if value is not None]
        return max(present) if present else None


class Delivery(models.Model):
    """One tip on one channel (or one reply post, or one like): the audit trail of its post.

    purpose "post": a tip's post. "reply": one post of a staff reply, its exact
    text in post_text from creation, answering in_reply_to; a reply longer than
    one post is up to three rows (part 1..3, later parts point to part 1 with
    thread_root) and part k>1 is not due until part k-1 is sent and gives it
    in_reply_to. "like": a like of the post in_reply_to.

    pending -> sending -> sent | failed | unknown; pending -> cancelled.
    pending -> held_budget -> pending: the channel's monthly budget is spent
    (Tipcast's own cap, or the network's quota); the row waits, is never sent
    and never lost, and is released oldest first (publishing.budget).
    A row is claimed (pending -> sending, committed) before any network call,
    so a post is sent at most once.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENDING = "sending", _("Sending")
        HELD_BUDGET = "held_budget", _("Held: budget")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
        UNKNOWN = "unknown", _("Unknown")
        CANCELLED = "cancelled", _("Cancelled")

    class ErrorKind(models.TextChoices):
        NONE = "", "—"
        TRANSIENT = "transient", _("Temporary failure")
        RATE_LIMITED = "rate_limited", _("Rate limited")
        PERMANENT = "permanent", _("Refused")
        NEEDS_REAUTH = "needs_reauth", _("Needs re-authorisation")
        DUPLICATE = "duplicate", _("Duplicate")
        LOOKUP_FAILED = "lookup_failed", _("Look-up failed")
        SEARCH_LIMIT = "search_limit", _("Search limit reached")
        DISABLED = "disabled", _("Channel disabled")
        BUDGET_CAP = "budget_cap", _("Monthly cap reached")
        NETWORK_QUOTA = "network_quota", _("Network quota share reached")

    class Purpose(models.TextChoices):
        POST = "post", _("Tip post")
        REPLY = "reply", _("Reply")
        LIKE = "like", _("Like")

    class Reconciliation(models.TextChoices):
        """What a look-up on the network concluded when a send's outcome was
        not known (its worker died, or the network did not answer)."""

        NONE = "", "—"
        FOUND = "found", _("Found on the network")
        RESENT = "resent", _("Proven absent, sent again")
        UNKNOWN = "unknown", _("Could not tell")

    # A deleted tip leaves its deliveries behind (tip becomes NULL): the row is
    # what the remote delete needs (channel, remote id) and the audit of it.
    tip = models.ForeignKey(
        Tip, on_delete=models.SET_NULL, null=True, blank=True, related_name="deliveries", verbose_name=_("tip")
    )
    # The tip's title, kept when the tip is deleted so the admin still names it.
    tip_title = models.CharField(_("title of the deleted tip"), max_length=200, blank=True)
    channel = models.CharField(_("channel"), max_length=32)
    purpose = models.CharField(_("purpose"), max_length=8, choices=Purpose.choices, default=Purpose.POST)
    # A reply: the remote post or comment it answers; a like: the post liked.
    in_reply_to = models.CharField(_("in reply to"), max_length=200, blank=True)
    # Parts 2 and 3 of a threaded reply point to part 1 (which points nowhere).
    thread_root = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="later_parts",
        verbose_name=_("first part of the thread"),
    )
    part = models.PositiveSmallIntegerField(_("part"), default=1)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.PENDING)
    scheduled_for = models.DateTimeField(_("scheduled for"), default=timezone.now)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    remote_id = models.CharField(_("remote id"), max_length=200, blank=True)
    remote_url = models.URLField(_("remote URL"), max_length=500, blank=True)
    post_text = models.TextField(_("posted text"), blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    error_code = models.CharField(_("error code"), max_length=64, blank=True)
    error_kind = models.CharField(_("error kind"), max_length=16, choices=ErrorKind.choices, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    # Set when a worker claims the row; also the fencing token that lets only
    # that worker record the outcome.
    claimed_at = models.DateTimeField(_("sending since"), null=True, blank=True)
    # Which worker process holds the claim ("node|boot|pid"), and until when:
    # the holder renews the lease while it works, so a lapsed lease (or a
    # holder known to be dead) means the row must be reconciled.
    claimed_by = models.CharField(_("held by"), max_length=200, blank=True)
    lease_expires_at = models.DateTimeField(_("claim lease until"), null=True, blank=True)
    # The first claim since the row was (re)queued: a post any attempt may have
    # made is newer than this, so find() searches back to here.
    first_claimed_at = models.DateTimeField(_("first attempt at"), null=True, blank=True)
    # When the sweeper last put a send for this row on the queue: it does not
    # queue the row again for a while, so sweeps that pile up behind a backlog
    # do not flood the queue with duplicate messages.
    enqueued_at = models.DateTimeField(_("queued by the sweeper at"), null=True, blank=True)
    reconciliation = models.CharField(_("reconciliation"), max_length=16, choices=Reconciliation.choices, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    deleted_at = models.DateTimeField(_("remote post deleted at"), null=True, blank=True)
    delete_error = models.TextField(_("delete error"), blank=True)
    # The month (its first day, in TIME_ZONE) this row counts against the
    # channel's budget: set when it is claimed, cleared when the outcome is
    # "nothing was posted" (retry, failure, cancel). A held row keeps the
    # month it was held in, so a new month can release it. A like never has
    # one: the cap counts posts.
    budget_month = models.DateField(_("budget month"), null=True, blank=True)
    # Whether the post carried a link: X bills those many times more.
    post_has_link = models.BooleanField(_("post carries a link"), default=True)

    objects = DeliveryQuerySet.as_manager()

    class Meta:
        ordering = ["scheduled_for", "id"]
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        constraints = [
            models.UniqueConstraint(fields=["tip", "channel"], name="one_delivery_per_tip_and_channel"),
            models.UniqueConstraint(
                fields=["thread_root", "part"],
                condition=models.Q(thread_root__isnull=False),
                name="one_delivery_per_thread_part",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "scheduled_for"]),
            # The metrics: posts sent in a period (reach section, and the posts due for a snapshot).
            models.Index(fields=["purpose", "status", "sent_at"], name="delivery_sent_posts"),
            models.Index(fields=["channel", "status"]),
            # Covers the budget count (channel, month, status) without reading rows.
            models.Index(fields=["channel", "budget_month", "status"]),
        ]

    def __str__(self):
        return f"{self.tip_label} → {self.channel} ({self.get_status_display()})"

    @property
    def tip_label(self) -> str:
        """What the row is for: the tip's title (or the title kept when the tip
        was deleted), or the post a reply answers or a like targets."""
        if self.purpose == self.Purpose.REPLY:
            if self.part > 1:
                return _("Reply to %(remote_id)s (part %(part)d)") % {
                    "remote_id": self.in_reply_to or _("the part before"),
                    "part": self.part,
                }
            return _("Reply to %(remote_id)s") % {"remote_id": self.in_reply_to}
        if self.purpose == self.Purpose.LIKE:
            return _("Like of %(remote_id)s") % {"remote_id": self.in_reply_to}
        if self.tip_id is not None:
            return str(self.tip)
        return _("%(title)s (deleted)") % {"title": self.tip_title}


class TipChannelSetting(models.Model):
    """Staff's choice for one tip on one channel: skip it, or post other text."""

    tip = models.ForeignKey(Tip, on_delete=models.CASCADE, related_name="channel_settings", verbose_name=_("tip"))
    channel = models.CharField(_("channel"), max_length=32)
    enabled = models.BooleanField(_("post to this channel"), default=True)
    text_override = models.TextField(
        _("text override"),
        blank=True,
        help_text=_("Leave empty to use the standard text. The link to the tip is added for you."),
    )

    class Meta:
        verbose_name = _("channel setting")
        verbose_name_plural = _("channel settings")
        constraints = [models.UniqueConstraint(fields=["tip", "channel"], name="one_setting_per_tip_and_channel")]

    def __str__(self):
        return f"{self.tip} / {self.channel}"


class ChannelState(models.Model):
    """The health of one channel, shown to staff."""

    kind = models.CharField(_("channel"), max_length=32, unique=True)
    needs_reauth = models.BooleanField(_("needs re-authorisation"), default=False)
    last_success_at = models.DateTimeField(_("last success"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    last_error_at = models.DateTimeField(_("last error at"), null=True, blank=True)
    # Staff's monthly cap on posts (empty: PUBLISHING_MONTHLY_POST_CAP_<KIND>,
    # whose own empty value means no cap). Kept here so raising it needs no
    # deploy and releases waiting posts at once.
    monthly_post_cap = models.PositiveIntegerField(_("monthly post cap"), null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["kind"]
        verbose_name = _("channel")
        verbose_name_plural = _("channels")

    def __str__(self):
        return self.kind


class ChannelBudgetMonth(models.Model):
    """One channel in one month (its first day, in TIME_ZONE).

    Its row lock serialises the budget check of every claim on the channel
    that month, so two workers cannot both send the last post under the cap;
    `alerted_at` makes the "budget reached" e-mail go out once a month.
    """

    kind = models.CharField(_("channel"), max_length=32)
    month = models.DateField(_("month"))
    alerted_at = models.DateTimeField(_("staff told the budget was reached at"), null=True, blank=True)

    class Meta:
        verbose_name = _("channel budget month")
        verbose_name_plural = _("channel budget months")
        constraints = [models.UniqueConstraint(fields=["kind", "month"], name="one_budget_row_per_channel_and_month")]

    def __str__(self):
        return f"{self.kind} {self.month:%Y-%m}"


class ChannelSession(models.Model):
    """A network session a channel keeps between sends (Bluesky: creating
    one is limited to 30 per 5 minutes per account, so every worker process
    reuses and refreshes the stored one). Holds credentials: never shown."""

    kind = models.CharField(_("channel"), max_length=32, unique=True)
    # Whose session it is: a changed account in the settings must not reuse it.
    identity = models.CharField(_("account"), max_length=200)
    value = models.TextField(_("session"))
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("channel session")
        verbose_name_plural = _("channel sessions")

    def __str__(self):
        return f"{self.kind} ({self.identity})"


# Metrics: reach of tips (post metrics and follower snapshots).
from publishing.reach_models import FollowerSnapshot, PostMetrics  # noqa: E402, F401
