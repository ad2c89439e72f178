"""Reach of tips: how far the posts travelled (what X and Facebook report one
day and seven days after each post), followers per day and their growth,
visits arriving from each network's links, and what X's reads cost this month.

Nine queries whatever the data (metrics.reach_selectors)."""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy, ngettext
from django.utils.translation import gettext as _

from conversations.listening import month_start
from conversations.models import Network
from metrics import reach_selectors
from metrics.formatting import day_label
from metrics.periods import Period, local_day
from metrics.reach_selectors import NUMBERS
from metrics.reach_services import READS_KIND
from metrics.report import Chart, Figure, Section, Series, Table
from metrics.visits import OTHER
from publishing.channels.registry import get_channel
from publishing.models import PostMetrics

# The section's name, also when it could not be computed (metrics.page).
KEY, TITLE = "reach", gettext_lazy("Reach of tips")

X_METRIC_READS = READS_KIND.format(kind=Network.X)
# Rows of each per-post table (the newest posts of the period; the figures count them all).
MAX_TABLE_ROWS = 200


def build(period: Period, *, user) -> Section:
    previous = period.previous()
    sums = reach_selectors.post_totals(period=period, previous=previous)
    posts = reach_selectors.tip_posts_sent(start=period.start, end=period.end, limit=MAX_TABLE_ROWS)
    failures = reach_selectors.snapshot_failures(start=period.start, end=period.end)
    followers = reach_selectors.follower_snapshots(first_day=previous.first_day, last_day=period.last_day)
    visits = reach_selectors.visits_by_day(first_day=previous.first_day, last_day=period.last_day)
    now = timezone.now()
    reads = reach_selectors.reads_by_month(now=now)

    totals, previous_totals = _post_totals(sums[True]), _post_totals(sums[False])
    end, previous_end = _followers_on(followers, period.last_day), _followers_on(followers, previous.last_day)
    growth, previous_growth = _growth(followers, period), _growth(followers, previous)
    this_month = month_start(now)
    last_month = (this_month - dt.timedelta(days=1)).replace(day=1)
    metric_reads = reads.get((X_METRIC_READS, this_month), 0)

    figures = [
        Figure(
            "impressions",
            _("Impressions"),
            totals["impressions"],
            previous_totals["impressions"],
            help_text=_("Of the tip posts sent in the period, as the networks report them after 7 days (else 1 day)."),
        ),
        Figure(
            "engagements",
            _("Engagements"),
            totals["engagements"],
            previous_totals["engagements"],
            help_text=_("Likes, reposts or shares, and replies of the tip posts sent in the period."),
        ),
        Figure("link_clicks", _("Link clicks"), totals["link_clicks"], previous_totals["link_clicks"]),
        Figure(
            "visits",
            _("Visits from networks"),
            _sum_days(visits, period),
            _sum_days(visits, previous),
            help_text=_("Requests arriving from a link Tipcast posted (its UTM tag), counted without cookies."),
        ),
        Figure("followers", _("Followers"), end, previous_end, help_text=_("On the last day of the period.")),
        Figure(
            "follower_growth",
            _("Follower growth"),
            growth[0],
            previous_growth[0],
            help_text=_("Followers gained over the period, less those lost."),
        ),
        Figure("follower_growth_percent", _("Follower growth (%)"), growth[1], previous_growth[1], unit="percent"),
        Figure(
            "x_metric_reads",
            _("X reads for metrics this month"),
            metric_reads,
            reads.get((X_METRIC_READS, last_month)),
            higher_is_better=None,
            help_text=_("Billed by X; compared with last month (UTC months)."),
        ),
    ]
    return Section(
        key=KEY,
        title=str(TITLE),
        figures=figures,
        charts=[_followers_chart(followers, period), _visits_chart(visits, period)],
        tables=_posts_tables(posts),
        notes=_notes(reads, this_month, metric_reads) + _failures(*failures),
    )


def _fetched(post) -> list[PostMetrics]:
    return [row for row in post.snapshots if row.status == PostMetrics.Status.FETCHED]


def _post_totals(sums: dict[str, int | None]) -> dict[str, int | None]:
    engagement = [sums["likes"], sums["reposts"], sums["replies"]]
    return {
        "impressions": sums["impressions"],
        # Like PostMetrics.engagements, summed: None only when no post reported any part.
        "engagements": None if all(v is None for v in engagement) else sum(v or 0 for v in engagement),
        "link_clicks": sums["link_clicks"],
    }


def _latest(days: dict[dt.date, int], day: dt.date) -> int | None:
    for back in range(reach_selectors.FOLLOWERS_LOOKBACK_DAYS + 1):
        value = days.get(day - dt.timedelta(days=back))
        if value is not None:
            return value
    return None


def _followers_on(followers: dict[str, dict[dt.date, int]], day: dt.date) -> int | None:
    values = [value for days in followers.values() if (value := _latest(days, day)) is not None]
    return sum(values) if values else None


def _growth(followers, period: Period) -> tuple[int | None, float | None]:
    """Net followers gained over `period` (from the day before it, or a
    network's first count in it, to its last day) and in percent of the start."""
    gained = start_total = None
    for days in followers.values():
        start, end = _latest(days, period.first_day - dt.timedelta(days=1)), _latest(days, period.last_day)
        if start is None:  # counted since a day of the period (a network added): from its first count
            start = next((days[day] for day in period.days() if day in days), None)
        if start is None or end is None:
            continue
        gained, start_total = (gained or 0) + end - start, (start_total or 0) + start
    percent = round(100 * gained / start_total, 1) if gained is not None and start_total else None
    return gained, percent


def _sum_days(counts: dict[str, dict[dt.date, int]], period: Period) -> int:
    return sum(
        count for days in counts.values() for day, count in days.items() if period.first_day <= day <= period.last_day
    )


@lru_cache(maxsize=64)
def _network_label(kind: str, language: str | None) -> str:
    if kind == OTHER:
        return _("Other")
    if kind in Network.values:
        return str(Network(kind).label)
    try:
        return str(get_channel(kind).label or kind)
    except ImproperlyConfigured:
        return kind


def network_label(kind: str) -> str:
    """The network's name in the active language (Network's labels, else the channel's)."""
    return _network_label(kind, get_language())


def _followers_chart(followers, period: Period) -> Chart:
    # A day without a snapshot is a gap in the line, not a guess.
    series = [
        Series(network_label(kind), [(day_label(day), followers[kind].get(day)) for day in period.days()])
        for kind in sorted(followers)
    ]
    return Chart(key="followers_by_day", title=_("Followers per day"), kind="line", series=series)


def _visits_chart(visits, period: Period) -> Chart:
    series = [
        Series(network_label(kind), [(day_label(day), visits[kind].get(day, 0)) for day in period.days()])
        for kind in sorted(visits, key=lambda kind: (kind == OTHER, kind))
    ]
    return Chart(key="visits_by_day", title=_("Visits from networks per day"), kind="line", series=series)


POSTS_TABLE_TITLES = {
    PostMetrics.Age.DAY_1: gettext_lazy("Tip posts, 1 day after posting"),
    PostMetrics.Age.DAY_7: gettext_lazy("Tip posts, 7 days after posting"),
}


def _posts_tables(posts) -> list[Table]:
    """One table per age: a row per tip post, its numbers at that age."""
    labels = [[post.tip_label, network_label(post.channel), day_label(local_day(post.sent_at))] for post in posts]
    tables = []
    for age in PostMetrics.Age:
        rows = []
        for post, label in zip(posts, labels, strict=True):
            row = next((metrics for metrics in _fetched(post) if metrics.age_days == age), None)
            rows.append([*label, *(getattr(row, name) if row is not None else None for name in NUMBERS)])
        tables.append(_posts_table(age, rows))
    return tables


def _posts_table(age: int, rows: list[list]) -> Table:
    return Table(
        key=f"posts_day_{age}",
        title=str(POSTS_TABLE_TITLES[age]),
        columns=[
            _("Tip"),
            _("Network"),
            _("Sent on"),
            _("Impressions"),
            _("Likes"),
            _("Reposts or shares"),
            _("Replies"),
            _("Link clicks"),
        ],
        rows=rows,
        units=["text", "text", "text"] + ["count"] * len(NUMBERS),
    )


def _failures(failed: int, retry: int, error: str) -> list[str]:
    """Snapshots of the period's posts the networks did not give, and why (the latest error)."""
    if not failed:
        return []
    return [
        ngettext(
            "%(count)s snapshot could not be fetched (%(waiting)s will be tried again). The latest error: %(error)s",
            "%(count)s snapshots could not be fetched (%(waiting)s will be tried again). The latest error: %(error)s",
            failed,
        )
        % {"count": failed, "waiting": retry, "error": error}
    ]


def _notes(reads, this_month: dt.date, metric_reads: int) -> list[str]:
    price = settings.CONVERSATION_X_READ_PRICE
    x_reads = sum(
        count for (kind, month), count in reads.items() if month == this_month and kind.startswith(Network.X + "_")
    )
    return [
        _(
            "Numbers are what each network reports one day and seven days after a post; "
            "a dash is a number the network does not report."
        ),
        _(
            "X reads this month: %(metric_reads)s for these metrics, %(x_reads)s in all "
            "(mentions included), about %(cost)s %(currency)s at %(price)s a read (CONVERSATION_X_READ_PRICE). "
            "Each X post is read twice and the followers once a day."
        )
        % {
            "metric_reads": metric_reads,
            "x_reads": x_reads,
            "cost": f"{x_reads * price:.2f}",
            "currency": settings.PUBLISHING_PRICE_CURRENCY,
            "price": price,
        },
    ]
