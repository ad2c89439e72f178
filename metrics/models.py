"""Counters the metrics page reads instead of raw rows.

`DailyCount` is one number per (day, event, key): site events that leave no
other row (an ask form started, a suggestion shown or clicked, a search, a
visit arriving from a network's link). It holds no cookie, IP or user: only
how many times something happened that day. Days are local to
SUPPORT_TIME_ZONE, like every day on the metrics page."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class DailyCount(models.Model):
    day = models.DateField(_("day"))
    # A dotted name such as "ask.started" or "visit"; see metrics.events.
    event = models.CharField(_("event"), max_length=40)
    # What the event is about, when it is about something: a tip id, a
    # network, a normalised search. Empty for a plain count.
    key = models.CharField(_("key"), max_length=100, blank=True, default="")
    count = models.PositiveIntegerField(_("count"), default=0)

    class Meta:
        verbose_name = _("daily count")
        verbose_name_plural = _("daily counts")
        # Who may open the metrics page (Admin > Metrics); superusers always can.
        permissions = [("view_support_metrics", _("Can see the support metrics"))]
        constraints = [models.UniqueConstraint(fields=["event", "day", "key"], name="daily_count_unique")]

    def __str__(self):
        return f"{self.day} {self.event} {self.key}: {self.count}"


# The app's other models live in their own modules.
from metrics.responsiveness_models import ChannelResponseCount, ResponseTime, StaffResponseCount  # noqa: E402, F401
from metrics.summary_models import WeeklySummarySubscription  # noqa: E402, F401
