"""Reads for the self-service section: ranges of DailyCount rows, which the
(event, day, key) unique index serves. Each function is one query whatever
the amount of data (a period is at most a year of days)."""

from collections import defaultdict
from datetime import date

from django.db.models import Sum

from metrics.models import DailyCount
from metrics.periods import Period
from qa.models import Tip


def daily_count_totals(*, events: list[str], first_day: date, last_day: date) -> dict[str, dict[date, int]]:
    """event -> day -> the day's count (every key added up); days without a count are missing."""
    rows = (
        DailyCount.objects.filter(event__in=events, day__gte=first_day, day__lte=last_day)
        .values("event", "day")
        .annotate(total=Sum("count"))
        .order_by()
    )
    totals: dict[str, dict[date, int]] = defaultdict(dict)
    for row in rows:
        totals[row["event"]][row["day"]] = row["total"]
    return totals


def daily_count_top_keys(*, event: str, period: Period, limit: int) -> list[tuple[str, int]]:
    """The keys of `event` counted most often in the period, with their counts."""
    rows = (
        DailyCount.objects.filter(event=event, day__gte=period.first_day, day__lte=period.last_day)
        .values("key")
        .annotate(total=Sum("count"))
        .order_by("-total", "key")[:limit]
    )
    return [(row["key"], row["total"]) for row in rows]


def daily_count_by_key(*, events: list[str], period: Period) -> dict[str, dict[str, int]]:
    """key -> event -> the count over the period."""
    rows = (
        DailyCount.objects.filter(event__in=events, day__gte=period.first_day, day__lte=period.last_day)
        .values("key", "event")
        .annotate(total=Sum("count"))
        .order_by()
    )
    totals: dict[str, dict[str, int]] = defaultdict(dict)
    for row in rows:
        totals[row["key"]][row["event"]] = row["total"]
    return totals


def tip_titles(*, ids: list[int]) -> dict[int, str]:
    """The titles of these tips (any status: a tip unpublished since still had its votes)."""
    return dict(Tip.objects.filter(pk__in=ids).values_list("pk", "title")) if ids else {}
