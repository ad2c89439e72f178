"""Changes to the metrics' own tables."""

from datetime import date

from django.db import IntegrityError, transaction
from django.db.models import F

from metrics.models import DailyCount
from metrics.periods import local_today


def daily_count_add(event: str, key: str = "", *, amount: int = 1, day: date | None = None) -> None:
    """Count `amount` more of `event` (about `key`) on `day` (today, in the
    support time zone). One UPDATE in the usual case; the day's first event
    inserts the row, and a concurrent first insert falls back to the UPDATE."""
    day = day or local_today()
    key = key[: DailyCount._meta.get_field("key").max_length]
    rows = DailyCount.objects.filter(event=event, day=day, key=key)
    if rows.update(count=F("count") + amount):
        return
    try:
        with transaction.atomic():
            DailyCount.objects.create(event=event, day=day, key=key, count=amount)
    except IntegrityError:
        rows.update(count=F("count") + amount)
