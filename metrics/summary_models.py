"""Who gets the weekly metrics summary by e-mail, and in which language.

Staff opt in on the metrics page itself (no settings to edit, no admin to
ask). Staff accounts hold no language of their own and the admin follows each
browser's, so the subscription keeps the language chosen when subscribing."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class WeeklySummarySubscription(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="metrics_weekly_summary",
        verbose_name=_("user"),
    )
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES)
    # The Monday of the last summary sent: a second run on the same Monday sends nothing.
    last_sent_on = models.DateField(_("last sent on"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("weekly summary subscription")
        verbose_name_plural = _("weekly summary subscriptions")

    def __str__(self):
        return f"{self.user} ({self.language})"
