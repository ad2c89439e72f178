"""Reads for the responsiveness section: histograms of the ResponseTime facts
from their counts per day and per week (metrics.responsiveness_counts),
grouped in the database (metrics.responsiveness_stats), and the live backlog.
Every function runs one query, whatever the number of conversations; a
period is read as its whole weeks and its other days, so a long period costs
about a fifth of what its days would."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta

from django.contrib.auth import get_user_model
from django.db.models import BigIntegerField, BooleanField, Case, Count, Q, Sum, Value, When
from django.db.models.functions import Cast

from metrics.periods import Period
from metrics.responsiveness_counts import weeks_of
from metrics.responsiveness_models import ChannelResponseCount, ResponseCount, ResponseTime, StaffResponseCount
from metrics.responsiveness_stats import Histogram
from qa.models import Question

# The clocks a duration is measured with.
WALL, SUPPORT = ResponseCount.Clock.WALL, ResponseCount.Clock.SUPPORT

# Backlog ages: (key, upper bound) of each bucket of the time waited on us.
BACKLOG_AGES = [
    ("lt_1h", timedelta(hours=1)),
    ("1h_4h", timedelta(hours=4)),
    ("4h_24h", timedelta(hours=24)),
    ("1d_3d", timedelta(days=3)),
    ("gt_3d", None),
]


def response_histograms(counts, group_by: list, clock=WALL) -> dict[tuple, Histogram]:
    """Histograms of the waits `counts` (rows of a ResponseCount) add up to,
    per value of `group_by` (fields or annotations already on the queryset),
    on one clock: one GROUP BY query."""
    rows = (
        counts.filter(clock=clock)
        .values(*group_by, "bucket")
        # PostgreSQL's sum of bigints is a numeric: back to a whole number, not a Decimal.
        .annotate(n=Sum("waits"), s=Cast(Sum("seconds"), BigIntegerField()))
        .order_by()
        # Tuples: a few thousand rows, and dicts would cost more than the query.
        .values_list(*group_by, "bucket", "n", "s")
    )
    histograms: dict[tuple, Histogram] = defaultdict(Histogram)
    width = len(group_by)
    for row in rows:
        histograms[row[:width]].add(row[width], row[width + 1], row[width + 2])
    return histograms


def _spans_of(period: Period) -> Q:
    """The counts that add up to exactly the period: its whole weeks' rows,
    and the rows of its other days (at most six at each end)."""
    weeks = weeks_of(period.first_day, period.last_day)
    if weeks is None:
        return Q(span=1, first_day__range=(period.first_day, period.last_day))
    first_monday, last_monday = weeks
    spans = Q(span=7, first_day__range=(first_monday, last_monday))
    if period.first_day < first_monday:
        spans |= Q(span=1, first_day__range=(period.first_day, first_monday - timedelta(days=1)))
    if last_monday + timedelta(days=6) < period.last_day:
        spans |= Q(span=1, first_day__range=(last_monday + timedelta(days=7), period.last_day))
    return spans


def counts_in_both_periods(period: Period):
    """Counts by channel of the period and the previous one, marked `current`."""
    return ChannelResponseCount.objects.filter(_spans_of(period.previous()) | _spans_of(period)).annotate(
        current=Case(
            When(first_day__gte=period.first_day, then=Value(True)), default=Value(False), output_field=BooleanField()
        )
    )


def counts_in(period: Period, *kinds: str):
    """Counts by channel of the period, of these kinds of waits."""
    return ChannelResponseCount.objects.filter(_spans_of(period), kind__in=kinds)


def staff_counts_in(period: Period):
    """Counts of the period's first responses by who gave them."""
    return StaffResponseCount.objects.filter(_spans_of(period))


def conversations_per_day(period: Period) -> dict[tuple, int]:
    """{(day, channel): conversations begun}: a conversation counts on the day of its first customer message."""
    rows = (
        ChannelResponseCount.objects.filter(
            span=1,
            first_day__range=(period.first_day, period.last_day),
            kind=ResponseTime.Kind.FIRST,
            clock=WALL,
        )
        .values("first_day", "channel")
        .annotate(n=Sum("waits"))
        .order_by()
    )
    return {(row["first_day"], row["channel"]): row["n"] for row in rows}


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
