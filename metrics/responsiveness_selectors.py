"""Reads for the responsiveness section: histograms of the ResponseTime facts
grouped in the database (metrics.responsiveness_stats), and the live backlog.
Every function runs one query, whatever the number of conversations."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta

from django.contrib.auth import get_user_model
from django.db.models import BooleanField, Case, Count, Q, Sum, Value, When
from django.db.models.functions import TruncWeek

from metrics.periods import Period
from metrics.responsiveness_models import ResponseTime
from metrics.responsiveness_stats import Histogram
from qa.models import Question

# The clocks a duration is measured with: (bucket field, seconds field).
WALL = ("wall_bucket", "wall_seconds")
SUPPORT = ("support_bucket", "support_seconds")

# Backlog ages: (key, upper bound) of each bucket of the time waited on us.
BACKLOG_AGES = [
    ("lt_1h", timedelta(hours=1)),
    ("1h_4h", timedelta(hours=4)),
    ("4h_24h", timedelta(hours=24)),
    ("1d_3d", timedelta(days=3)),
    ("gt_3d", None),
]


def response_histograms(queryset, group_by: list, clock=WALL) -> dict[tuple, Histogram]:
    """Histograms of `queryset`'s facts per value of `group_by` (field names
    or annotations already on the queryset): one GROUP BY query."""
    bucket_field, seconds_field = clock
    rows = (
        queryset.values(*group_by, bucket_field)
        .annotate(n=Count("id"), s=Sum(seconds_field))
        .order_by()
        # Tuples: a few thousand rows, and dicts would cost more than the query.
        .values_list(*group_by, bucket_field, "n", "s")
    )
    histograms: dict[tuple, Histogram] = defaultdict(Histogram)
    width = len(group_by)
    for row in rows:
        histograms[row[:width]].add(row[width], row[width + 1], row[width + 2])
    return histograms


def facts_in_both_periods(period: Period):
    """Facts of the period and the previous one, marked `current`."""
    previous = period.previous()
    return ResponseTime.objects.filter(day__range=(previous.first_day, period.last_day)).annotate(
        current=Case(
            When(day__gte=period.first_day, then=Value(True)), default=Value(False), output_field=BooleanField()
        )
    )


def facts_in(period: Period, *kinds: str):
    return ResponseTime.objects.filter(day__range=(period.first_day, period.last_day), kind__in=kinds)


def facts_by_week(period: Period, *kinds: str):
    return facts_in(period, *kinds).annotate(week=TruncWeek("day"))


def conversations_per_day(period: Period) -> dict[tuple, int]:
    """{(day, channel): conversations begun}: a conversation counts on the day of its first customer message."""
    rows = facts_in(period, ResponseTime.Kind.FIRST).values("day", "channel").annotate(n=Count("id")).order_by()
    return {(row["day"], row["channel"]): row["n"] for row in rows}


def backlog_by_age(now: datetime) -> dict[str, dict[str, int]]:
    """{channel: {age key: conversations}} of the conversations waiting on us
    now, by how long they have waited (since the customer's message that the
    team has not answered yet)."""
    counts, lower = {}, None
    for key, upper in BACKLOG_AGES:
        condition = Q()
        if upper is not None:
            condition &= Q(waiting_since__gt=now - upper)
        if lower is not None:
            condition &= Q(waiting_since__lte=now - lower)
        counts[key] = Count("id", filter=condition)
        lower = upper
    rows = (
        Question.objects.filter(status__in=[Question.Status.NEW, Question.Status.WAITING_US])
        .values("source")
        .annotate(**counts)
        .order_by()
    )
    return {row["source"]: {key: row[key] for key, _upper in BACKLOG_AGES} for row in rows}


def staff_members(ids) -> dict[int, object]:
    """The staff who answered, with their profiles (one query), by id."""
    users = get_user_model().objects.filter(pk__in=[pk for pk in ids if pk is not None])
    return {user.pk: user for user in users.select_related("staff_profile")}
