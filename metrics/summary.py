"""The weekly e-mail summary: the headline figures of the last seven whole days
against the seven before, to each subscriber in the language they chose, with
a link to the page. Beat asks every hour (metrics.weekly_summary); the summary
goes out on Monday from METRICS_WEEKLY_SUMMARY_HOUR in the support time zone,
once per subscriber and Monday (claimed before sending: at most once)."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from conversations.support_hours import support_zone
from metrics.forms import query_for
from metrics.page import figure_show, section_failed_notice, sections_build
from metrics.periods import Period, period_ending
from metrics.summary_models import WeeklySummarySubscription

logger = logging.getLogger(__name__)

PERMISSION = "metrics.view_support_metrics"


def weekly_summary_subscribe(*, user, language: str) -> WeeklySummarySubscription:
    subscription, _created = WeeklySummarySubscription.objects.update_or_create(
        user=user, defaults={"language": language}
    )
    return subscription


def weekly_summary_unsubscribe(*, user) -> None:
    WeeklySummarySubscription.objects.filter(user=user).delete()


def summary_period(monday) -> Period:
    """The seven whole days before `monday` (Monday to Sunday)."""
    return period_ending(monday - timedelta(days=1), 7)


def weekly_summary_render(*, user, period: Period, language: str) -> tuple[str, str, str]:
    """(subject, plain text, HTML) of one recipient's summary."""
    with translation.override(language):
        # A section that could not be computed is named with the page's notice, not left out silently.
        sections = [
            {
                "title": section.title,
                "figures": [figure_show(f) for f in section.figures],
                "notice": section_failed_notice() if section.failed else "",
            }
            for section in sections_build(period, user=user)
            if section.figures or section.failed
        ]
        context = {
            "period": period,
            "previous": period.previous(),
            "sections": sections,
            "page_url": f"{settings.SITE_URL}{reverse('metrics:page')}?{query_for(period)}",
            "site_name": settings.SITE_NAME,
        }
        subject = " ".join(render_to_string("metrics/email/weekly_summary_subject.txt", context).split())
        text = render_to_string("metrics/email/weekly_summary_body.txt", context)
        html = render_to_string("metrics/email/weekly_summary_body.html", context)
    return subject, text, html


def weekly_summary_send_due(*, now: datetime | None = None) -> int:
    """Send this Monday's summary to every subscriber who has not had it yet.
    Returns how many were sent. Other days, and Monday before the hour, send nothing."""
    local = (now or timezone.now()).astimezone(support_zone())
    if local.weekday() != 0 or local.hour < settings.METRICS_WEEKLY_SUMMARY_HOUR:
        return 0
    monday = local.date()
    period = summary_period(monday)
    sent = 0
    due = WeeklySummarySubscription.objects.select_related("user").exclude(last_sent_on=monday)
    for subscription in due:
        user = subscription.user
        # Someone who lost the permission or left keeps their row, but gets nothing.
        if not (user.is_active and user.email and user.has_perm(PERMISSION)):
            continue
        claimed = (
            WeeklySummarySubscription.objects.filter(pk=subscription.pk)
            .exclude(last_sent_on=monday)
            .update(last_sent_on=monday)
        )
        if not claimed:
            continue  # another worker has it
        subject, text, html = weekly_summary_render(user=user, period=period, language=subscription.language)
        message = EmailMultiAlternatives(subject, text, settings.DEFAULT_FROM_EMAIL, [user.email])
        message.attach_alternative(html, "text/html")
        try:
            message.send()
        except OSError:
            # Claimed, so not sent twice; the next Monday brings the next one.
            logger.exception("Could not send the weekly metrics summary to user %s", user.pk)
            continue
        sent += 1
    return sent
