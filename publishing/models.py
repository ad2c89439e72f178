"""Deliveries (the outbox), per-tip channel settings and channel health.

Models hold data and constraints only; publishing.services makes every change.
"""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from qa.models import Tip


class DeliveryQuerySet(models.QuerySet):
    def due(self, *, now):
        return self.filter(status=Delivery.Status.PENDING, scheduled_for__lte=now)

    def backlog(self):
        """Rows staff may need to look at or wait for."""
        return self.filter(status__in=[Delivery.Status.PENDING, Delivery.Status.FAILED, Delivery.Status.UNKNOWN])


class Delivery(models.Model):
    """One tip on one channel: the audit trail of its post.

    pending -> sending -> sent | failed | unknown; pending -> cancelled.
    A row is claimed (pending -> sending, committed) before any network call,
    so a post is sent at most once.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENDING = "sending", _("Sending")
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

    class Reconciliation(models.TextChoices):
        """What a look-up on the network concluded when a send's outcome was
        not known (its worker died, or the network did not answer)."""

        NONE = "", "—"
        FOUND = "found", _("Found on the network")
        RESENT = "resent", _("Proven absent, sent again")
        UNKNOWN = "unknown", _("Could not tell")

    tip = models.ForeignKey(Tip, on_delete=models.CASCADE, related_name="deliveries", verbose_name=_("tip"))
    channel = models.CharField(_("channel"), max_length=32)
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

    objects = DeliveryQuerySet.as_manager()

    class Meta:
        ordering = ["scheduled_for", "id"]
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        constraints = [models.UniqueConstraint(fields=["tip", "channel"], name="one_delivery_per_tip_and_channel")]
        indexes = [
            models.Index(fields=["status", "scheduled_for"]),
            models.Index(fields=["channel", "status"]),
        ]

    def __str__(self):
        return f"{self.tip} → {self.channel} ({self.get_status_display()})"


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
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["kind"]
        verbose_name = _("channel")
        verbose_name_plural = _("channels")

    def __str__(self):
        return self.kind
