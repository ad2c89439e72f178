"""Reads for the reach section: a fixed number of queries over indexed ranges
(tip posts sent in the two periods, snapshots and counts of their days, two
months of read counts), never over all the history."""

from __future__ import annotations

import datetime as dt

from django.db.models import Prefetch

from conversations.listening import month_start
from conversations.models import ListeningReadMonth
from metrics.models import DailyCount
from metrics.visits import EVENT as VISIT_EVENT
from publishing.models import Delivery, FollowerSnapshot, PostMetrics

# A day without a follower snapshot (beat was down) takes the last one of at
# most this many days before it, for the counts at a period's start and end.
FOLLOWERS_LOOKBACK_DAYS = 7


def tip_posts_sent(*, start: dt.datetime, end: dt.datetime) -> list[Delivery]:
    """Tip posts sent in [start, end), newest first, each with its snapshots
    (fetched or not) in `snapshots` (two queries)."""
    return list(
        Delivery.objects.filter(
            purpose=Delivery.Purpose.POST, status=Delivery.Status.SENT, sent_at__gte=start, sent_at__lt=end
        )
        .select_related("tip")
        .only("pk", "channel", "sent_at", "tip_title", "purpose", "part", "in_reply_to", "tip__title")
        .prefetch_related(Prefetch("metrics", queryset=PostMetrics.objects.order_by("age_days"), to_attr="snapshots"))
        .order_by("-sent_at", "-pk")
    )


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
