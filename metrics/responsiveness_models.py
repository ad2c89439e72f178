"""Per-conversation response facts: what the responsiveness section reads.

A `ResponseTime` row is one wait of a customer on the team, measured once by
the roll-up (metrics.responsiveness_rollup) so that a page view never walks
messages or support hours:

- "first": from the conversation's first customer message to the first staff
  reply (public or private; internal notes never count);
- "follow_up": from a customer message written after a staff reply (the
  conversation was reopened, or the customer asked more) to the next reply;
- "resolution": from the start of a conversation now closed as resolved to
  the moment it was closed.

Medians cannot be added up across days, so each row keeps its exact seconds
(wall clock and within support hours) and, next to them, the index of a fine
histogram bucket (metrics.responsiveness_stats.EDGES). The page asks the
database for counts and sums per bucket and reads percentiles from them:
a few hundred rows per query whatever the number of conversations. A change
to EDGES needs `manage.py metrics_rollup` over the whole history."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from conversations.models import Network


class ResponseTime(models.Model):
    class Kind(models.TextChoices):
        FIRST = "first", _("First response")
        FOLLOW_UP = "follow_up", _("Response to a follow-up")
        RESOLUTION = "resolution", _("Resolution")

    question = models.ForeignKey(
        "qa.Question", on_delete=models.CASCADE, related_name="+", verbose_name=_("conversation")
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    # The support team's calendar day the wait began (the customer's message),
    # or, for a resolution, the day the conversation was closed.
    day = models.DateField(_("day"))
    channel = models.CharField(_("channel"), max_length=16, choices=Network.choices)
    # Who sent the reply that ended the wait; empty while nobody has.
    responder = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("responder"),
    )
    started_at = models.DateTimeField(_("waiting since"))
    # Empty: the customer is still waiting (nothing below is set then).
    ended_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    wall_seconds = models.PositiveIntegerField(_("seconds"), null=True, blank=True)
    support_seconds = models.PositiveIntegerField(_("seconds within support hours"), null=True, blank=True)
    wall_bucket = models.PositiveSmallIntegerField(null=True, blank=True)
    support_bucket = models.PositiveSmallIntegerField(null=True, blank=True)

    class Meta:
        verbose_name = _("response time")
        verbose_name_plural = _("response times")
        indexes = [models.Index(fields=["day", "kind"], name="response_time_day_kind")]
        constraints = [
            models.UniqueConstraint(fields=["question", "kind", "started_at"], name="one_response_time_per_wait"),
        ]

    def __str__(self):
        return f"{self.question_id} {self.kind} {self.day}: {self.wall_seconds}"


class ResponseCount(models.Model):
    """Counts of the facts above, per span of days, duration bucket and clock:
    what the section reads (metrics.responsiveness_counts). A bucket's count
    and sum of seconds add up exactly across days, so a period's histogram from
    these rows is the one its facts give. One row is a span of one day, or of a
    whole week (Monday to Sunday): a long period reads its whole weeks, not
    each of their days; at a few hundred facts a day, a day's rows are nearly
    as many as its facts, a week's about a fifth."""

    class Clock(models.TextChoices):
        WALL = "wall", _("Wall clock")
        SUPPORT = "support", _("Support hours")

    # 1: the day `first_day`; 7: the week beginning on Monday `first_day`.
    span = models.PositiveSmallIntegerField()
    first_day = models.DateField()
    # The Monday of the week the span belongs to (the weekly breakdown groups by it).
    week = models.DateField()
    clock = models.CharField(max_length=8, choices=Clock.choices)
    # Empty: the waits not answered yet (their `seconds` is 0).
    bucket = models.PositiveSmallIntegerField(null=True, blank=True)
    waits = models.PositiveIntegerField()
    seconds = models.BigIntegerField()

    class Meta:
        abstract = True


class ChannelResponseCount(ResponseCount):
    """Every kind of wait, by channel; the support-hours clock for first responses only."""

    kind = models.CharField(max_length=16, choices=ResponseTime.Kind.choices)
    channel = models.CharField(max_length=16, choices=Network.choices)

    class Meta:
        # The clock and the kind in the index: a query reads only the rows it sums.
        indexes = [models.Index(fields=["span", "first_day", "clock", "kind"], name="channel_response_count_span")]


class StaffResponseCount(ResponseCount):
    """First responses given, by the staff member who gave them."""

    responder = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        indexes = [models.Index(fields=["span", "first_day", "clock"], name="staff_response_count_span")]
