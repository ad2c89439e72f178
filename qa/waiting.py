"""How long a customer waited, as staff read it: "3 days", "5 hours", "less than a
minute" (Django's timesince alone says "0 minutes" for the first minute)."""

from datetime import datetime, timedelta

from django.utils import timezone
from django.utils.timesince import timesince
from django.utils.translation import gettext

ONE_MINUTE = timedelta(minutes=1)


def waiting_time_text(start: datetime, end: datetime | None = None) -> str:
    end = end or timezone.now()
    if end - start < ONE_MINUTE:
        return gettext("less than a minute")
    return timesince(start, end, depth=1)


def answered_after_text(start: datetime, answered: datetime) -> str:
    if answered - start < ONE_MINUTE:
        return gettext("answered within a minute")
    return gettext("answered after %(duration)s") % {"duration": waiting_time_text(start, answered)}
