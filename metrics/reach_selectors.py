"""Reads for the reach section: a fixed number of queries over indexed ranges
(tip posts sent in the two periods, snapshots and counts of their days, two
months of read counts), never over all the history."""

from __future__ import annotations

import datetime as dt

from django.db.models import Case, Count, Exists, Max, OuterRef, Prefetch, Q, Sum, Value, When

from conversations.listening import month_start
from conversations.models import ListeningReadMonth
from metrics.models import DailyCount
from metrics.periods import Period
from metrics.visits import EVENT as VISIT_EVENT
from publishing.models import Delivery, FollowerSnapshot, PostMetrics

# A day without a follower snapshot (beat was down) takes the last one of at
# most this many days before it, for the counts at a period's start and end.
FOLLOWERS_LOOKBACK_DAYS = 7


NUMBERS = ("impressions", "likes", "reposts", "replies", "link_clicks")


def _posts_sent(start: dt.datetime, end: dt.datetime):
    return Delivery.objects.filter(
        purpose=Delivery.Purpose.POST, status=Delivery.Status.SENT, sent_at__gte=start, sent_at__lt=end
    )


def post_totals(*, period: Period, previous: Period) -> dict[bool, dict[str, int | None]]:
    """For the tip posts sent in `period` (True) and in `previous` (False):
    the sum of each number over their 7-day snapshots, or their 1-day ones
    where no 7-day one was fetched. None: no post reported it. One query,
    summed by the database (a year holds thousands of posts)."""
    fetched = PostMetrics.objects.filter(status=PostMetrics.Status.FETCHED)
    week = fetched.filter(delivery=OuterRef("delivery"), age_days=PostMetrics.Age.DAY_7)
    rows = (
        fetched.filter(delivery__in=_posts_sent(previous.start, period.end))
        .annotate(has_week=Exists(week))
        .filter(Q(age_days=PostMetrics.Age.DAY_7) | Q(age_days=PostMetrics.Age.DAY_1, has_week=False))
        .annotate(current=Case(When(delivery__sent_at__gte=period.start, then=Value(True)), default=Value(False)))
        .values("current")
        .annotate(**{name: Sum(name) for name in NUMBERS})
        .order_by()
    )
    totals = {True: dict.fromkeys(NUMBERS), False: dict.fromkeys(NUMBERS)}
    for row in rows:
        totals[bool(row["current"])] = {name: row[name] for name in NUMBERS}
    return totals


def tip_posts_sent(*, start: dt.datetime, end: dt.datetime, limit: int) -> list[Delivery]:
    """The newest `limit` tip posts sent in [start, end), each with its
    snapshots (fetched or not) in `snapshots` (two queries)."""
    return list(
        _posts_sent(start, end)
        .select_related("tip")
        .only("pk", "channel", "sent_at", "tip_title", "purpose", "part", "in_reply_to", "tip__title")
        .prefetch_related(Prefetch("metrics", queryset=PostMetrics.objects.order_by("age_days"), to_attr="snapshots"))
        .order_by("-sent_at", "-pk")[:limit]
    )


def snapshot_failures(*, start: dt.datetime, end: dt.datetime) -> tuple[int, int, str]:
    """Snapshots of the posts sent in [start, end) the networks did not give:
    how many, how many will be tried again, and the latest error (two queries)."""
    failed = PostMetrics.objects.filter(delivery__in=_posts_sent(start, end)).exclude(status=PostMetrics.Status.FETCHED)
    counts = failed.aggregate(
        failed=Count("pk"), retry=Count("pk", filter=Q(status=PostMetrics.Status.RETRY)), latest=Max("pk")
    )
    if not counts["failed"]:
        return 0, 0, ""
    error, code = PostMetrics.objects.filter(pk=counts["latest"]).values_list("last_error", "error_code").get()
    return counts["failed"], counts["retry"], error or code


def follower_snapshots(*, first_day: dt.date, last_day: dt.date) -> dict[str, dict[dt.date, int]]:
    """network -> day -> followers, from FOLLOWERS_LOOKBACK_DAYS before `first_day` to `last_day`."""
    since = first_day - dt.timedelta(days=FOLLOWERS_LOOKBACK_DAYS)
    snapshots: dict[str, dict[dt.date, int]] = {}
    rows = FollowerSnapshot.objects.filter(day__gte=since, day__lte=last_day).values_list("channel", "day", "followers")
    for channel, day, followers in rows:
        snapshots.setdefault(channel, {})[day] = followers
    return snapshots


def visits_by_day(*, first_day: dt.date, last_day: dt.date) -> dict[str, dict[dt.date, int]]:
    """network -> day -> visits arriving from its links, from `first_day` to `last_day`."""
    visits: dict[str, dict[dt.date, int]] = {}
    rows = DailyCount.objects.filter(event=VISIT_EVENT, day__gte=first_day, day__lte=last_day).values_list(
        "key", "day", "count"
    )
    for key, day, count in rows:
        visits.setdefault(key, {})[day] = visits.setdefault(key, {}).get(day, 0) + count
    return visits


def reads_by_month(*, now: dt.datetime) -> dict[tuple[str, dt.date], int]:
    """(reader kind, month) -> billed reads, for this UTC month and the one before."""
    this_month = month_start(now)
    last_month = (this_month - dt.timedelta(days=1)).replace(day=1)
    rows = ListeningReadMonth.objects.filter(month__in=[this_month, last_month]).values_list("kind", "month", "reads")
    return {(kind, month): reads for kind, month, reads in rows}
