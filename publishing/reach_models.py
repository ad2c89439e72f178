"""How far a tip's posts travelled: what each network reports about a post
one day and seven days after it went out, and the account's followers per day.

Collected by beat (metrics.reach_services); read by the metrics page's reach
section. Imported by publishing.models, so they are this app's models."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class PostMetrics(models.Model):
    """One snapshot of one tip post (a sent Delivery of purpose "post") at one age.

    The row is created at the first attempt; `fetched_at` is set once the
    network answered. Until then `last_error` says why not: a temporary
    failure (rate limit, network down) is tried again by the next run, a
    permanent one (post deleted, a permission missing) is not."""

    class Age(models.IntegerChoices):
        DAY_1 = 1, _("1 day")
        DAY_7 = 7, _("7 days")

    class Status(models.TextChoices):
        FETCHED = "fetched", _("Fetched")
        RETRY = "retry", _("Failed, will retry")
        FAILED = "failed", _("Failed")

    delivery = models.ForeignKey(
        "publishing.Delivery", on_delete=models.CASCADE, related_name="metrics", verbose_name=_("delivery")
    )
    age_days = models.PositiveSmallIntegerField(_("age (days)"), choices=Age.choices)
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.RETRY)
    # None: the network does not report this number (or refused it).
    impressions = models.PositiveIntegerField(_("impressions"), null=True, blank=True)
    likes = models.PositiveIntegerField(_("likes"), null=True, blank=True)
    reposts = models.PositiveIntegerField(_("reposts or shares"), null=True, blank=True)
    replies = models.PositiveIntegerField(_("replies"), null=True, blank=True)
    link_clicks = models.PositiveIntegerField(_("link clicks"), null=True, blank=True)
    fetched_at = models.DateTimeField(_("fetched at"), null=True, blank=True)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    error_code = models.CharField(_("error code"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("post metrics")
        verbose_name_plural = _("post metrics")
        constraints = [
            models.UniqueConstraint(fields=["delivery", "age_days"], name="one_post_metrics_per_delivery_and_age")
        ]

    def __str__(self):
        return f"{self.delivery_id} day {self.age_days}"

    @property
    def engagements(self) -> int | None:
        """Likes, reposts and replies: what people did with the post where
        others can see it (link clicks are counted on their own)."""
        parts = [self.likes, self.reposts, self.replies]
        return None if all(part is None for part in parts) else sum(part or 0 for part in parts)


class FollowerSnapshot(models.Model):
    """How many accounts followed the company's account on one network, on
    one day (support time zone). Taken once a day; a later run the same day
    leaves it alone."""

    channel = models.CharField(_("channel"), max_length=32)
    day = models.DateField(_("day"))
    followers = models.PositiveIntegerField(_("followers"))
    fetched_at = models.DateTimeField(_("fetched at"))

    class Meta:
        ordering = ["day", "channel"]
        verbose_name = _("follower snapshot")
        verbose_name_plural = _("follower snapshots")
        constraints = [models.UniqueConstraint(fields=["day", "channel"], name="one_follower_snapshot_per_day")]

    def __str__(self):
        return f"{self.channel} {self.day}: {self.followers}"
